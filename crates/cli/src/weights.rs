//! `agora weights set|commit|reveal`: scores in, the reference's processing through
//! [`agora_client::prepare_weights`], one signed call out.

use std::path::PathBuf;

use agora_client::{
    CommitRecord, CommitStore, PrepareError, PreparedWeights, Scores, SubmitError, WeightsMode, prepare_weights,
};
use agora_primitives::NetUid;
use agora_runtime::DispatchError;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::args::{Global, WalletFlags};
use crate::failure::Failure;
use crate::session::{Session, chain_failure, receipt_doc, refuse};

/// Scores to turn into weights.
#[derive(Debug, Args, Clone)]
pub struct ScoreArgs {
    /// The subnet.
    #[arg(long, short = 'n', value_parser = crate::args::netuid)]
    netuid: NetUid,
    /// Uids, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    uids: Vec<u16>,
    /// Scores, comma-separated (any non-negative scale; they are normalised).
    #[arg(long, value_delimiter = ',', required = true, allow_negative_numbers = true)]
    weights: Vec<f32>,
    /// Weights version key (default: the subnet's `weights_version_key`).
    #[arg(long)]
    version_key: Option<u64>,
}

/// `agora weights`.
#[derive(Debug, Subcommand)]
pub enum WeightsCommand {
    /// Set weights directly (subnets without commit-reveal).
    Set(ScoreArgs),
    /// Commit a hash of the weights (subnets with commit-reveal); saves what `reveal` needs.
    Commit(ScoreArgs),
    /// Reveal committed weights (from the file `commit` saved, or given explicitly).
    Reveal {
        /// The subnet.
        #[arg(long, short = 'n', value_parser = crate::args::netuid)]
        netuid: NetUid,
        /// The commit file written by `agora weights commit` (default: the latest for this hotkey
        /// and subnet).
        #[arg(long, value_name = "FILE")]
        commit: Option<PathBuf>,
    },
}

fn prepare(session: &Session, args: &ScoreArgs, mode: WeightsMode) -> Result<PreparedWeights, Failure> {
    if args.uids.len() != args.weights.len() {
        return Err(refuse(
            DispatchError::WeightVecNotEqualSize,
            format!("{} uids but {} weights", args.uids.len(), args.weights.len()),
        ));
    }
    let hotkey = session.g.wallet.hotkey_account()?;
    Ok(prepare_weights(&session.client, &hotkey, &scores(args), mode)?)
}

fn scores(args: &ScoreArgs) -> Scores {
    Scores {
        netuid: args.netuid,
        scores: args.uids.iter().copied().zip(args.weights.iter().copied()).collect(),
        version_key: args.version_key,
    }
}

fn commit_store(wallet: &WalletFlags) -> CommitStore {
    CommitStore::for_wallet(&wallet.root(), wallet.name())
}

pub fn run(cmd: WeightsCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        WeightsCommand::Set(args) => set(g, &args),
        WeightsCommand::Commit(args) => commit(g, &args),
        WeightsCommand::Reveal { netuid, commit } => reveal(g, netuid, commit),
    }
}

fn set(g: &Global, args: &ScoreArgs) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let p = prepare(&session, args, WeightsMode::Set)?;
    let signer = g.wallet.hotkey_pair()?;
    let what = format!("set weights on {} uids of subnet {}", p.uids.len(), p.netuid);
    let done = match session.try_send(&signer, p.set_call(), &what)? {
        Ok(done) => done,
        // Another transaction won the race between the pre-flight check and inclusion: say how
        // long to wait, from a fresh check.
        Err(e @ SubmitError::Failed { error: DispatchError::SettingWeightsTooFast, .. }) => {
            let hotkey = g.wallet.hotkey_account()?;
            return Err(match prepare_weights(&session.client, &hotkey, &scores(args), WeightsMode::Set) {
                Err(refused @ PrepareError::Refused { error: DispatchError::SettingWeightsTooFast, .. }) => {
                    Failure::msg(format!("{refused} (the call failed on chain; its fee was paid)"))
                }
                _ => chain_failure(&e),
            });
        }
        Err(e) => return Err(chain_failure(&e)),
    };
    let mut doc = receipt_doc(&done);
    doc["netuid"] = json!(p.netuid);
    doc["uids"] = json!(p.uids);
    doc["weights"] = json!(p.values);
    g.print(&doc, || format!("weights set in block {}: uids {:?} values {:?}", done.height, p.uids, p.values));
    Ok(())
}

fn commit(g: &Global, args: &ScoreArgs) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let p = prepare(&session, args, WeightsMode::Commit)?;
    let mut record = p.commit_with_random_salt()?;
    let signer = g.wallet.hotkey_pair()?;
    // Saved before sending: a commit that lands after a timeout must still be revealable.
    let store = commit_store(&g.wallet);
    let path = store.save_new(&record)?;
    let what = format!("commit weights on {} uids of subnet {}", record.uids.len(), p.netuid);
    let done = match session.try_send(&signer, record.commit_call(), &what) {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => {
            let _ = store.after_failed_send(&path, &e);
            return Err(chain_failure(&e));
        }
        Err(refused) => {
            let _ = store.discard(&path);
            return Err(refused);
        }
    };
    record.block = done.height;
    record.save(&path)?;
    let mut doc = receipt_doc(&done);
    doc["netuid"] = json!(p.netuid);
    doc["commit_hash"] = json!(record.commit_hash);
    doc["commit_file"] = json!(path);
    doc["uids"] = json!(record.uids);
    doc["weights"] = json!(record.values);
    doc["salt"] = json!(record.salt);
    g.print(&doc, || {
        format!(
            "committed {} in block {}; reveal with `agora weights reveal --netuid {}` once the reveal period starts (saved {})",
            record.commit_hash,
            done.height,
            p.netuid,
            path.display()
        )
    });
    Ok(())
}

fn reveal(g: &Global, netuid: NetUid, commit: Option<PathBuf>) -> Result<(), Failure> {
    let session = Session::new(g)?;
    session.require_subnet(netuid)?;
    let hotkey = g.wallet.hotkey_account()?;
    let store = commit_store(&g.wallet);
    let path = commit.or_else(|| store.latest(&hotkey, netuid)).ok_or_else(|| {
        refuse(
            DispatchError::NoWeightsCommitFound,
            format!(
                "no unrevealed commit of {hotkey} on subnet {netuid} in {}; commit first with `agora weights commit`",
                store.dir.display()
            ),
        )
    })?;
    let record = CommitRecord::load(&path).map_err(|e| Failure::msg(format!("{}: {e}", path.display())))?;
    if record.hotkey != hotkey || record.netuid != netuid {
        return Err(Failure::msg(format!(
            "{} was committed by {} on subnet {}, not by this hotkey on subnet {netuid}",
            path.display(),
            record.hotkey,
            record.netuid
        )));
    }
    let signer = g.wallet.hotkey_pair()?;
    let done = session.send(
        &signer,
        record.reveal_call(),
        &format!("reveal the weights committed in block {}", record.block),
    )?;
    let _ = store.mark_revealed(&path);
    let mut doc = receipt_doc(&done);
    doc["netuid"] = json!(netuid);
    doc["commit_hash"] = json!(record.commit_hash);
    doc["uids"] = json!(record.uids);
    doc["weights"] = json!(record.values);
    g.print(&doc, || format!("revealed in block {}: uids {:?} values {:?}", done.height, record.uids, record.values));
    Ok(())
}
