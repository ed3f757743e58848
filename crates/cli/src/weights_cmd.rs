//! `agora weights set|commit|reveal`: scores in, the reference's processing
//! (`process_weights_for_netuid`, then max-upscaling to u16), one signed call out.

use std::path::PathBuf;

use agora_client::weights::{convert_weights_and_uids_for_emit, generate_weight_hash, process_weights_for_netuid};
use agora_primitives::{AccountId, NetUid};
use agora_runtime::{Call, DispatchError};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Failure;
use crate::out::Global;
use crate::tx::{Session, receipt_doc, refuse};
use crate::wallet::WalletFlags;

/// Scores to turn into weights.
#[derive(Debug, Args, Clone)]
pub struct Scores {
    /// The subnet.
    #[arg(long, short = 'n')]
    netuid: u16,
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
    Set(Scores),
    /// Commit a hash of the weights (subnets with commit-reveal); saves what `reveal` needs.
    Commit(Scores),
    /// Reveal committed weights (from the file `commit` saved, or given explicitly).
    Reveal {
        /// The subnet.
        #[arg(long, short = 'n')]
        netuid: u16,
        /// The commit file written by `agora weights commit` (default: the latest for this hotkey
        /// and subnet).
        #[arg(long, value_name = "FILE")]
        commit: Option<PathBuf>,
    },
}

/// What `commit` saves and `reveal` sends.
#[derive(Debug, Serialize, Deserialize)]
struct CommitFile {
    netuid: u16,
    hotkey: AccountId,
    uids: Vec<u16>,
    values: Vec<u16>,
    salt: Vec<u16>,
    version_key: u64,
    commit_hash: agora_primitives::Hash,
    block: u64,
}

/// The processed, u16 weights plus what a pre-flight check needs.
struct Prepared {
    hotkey: AccountId,
    uids: Vec<u16>,
    values: Vec<u16>,
    version_key: u64,
}

fn prepare(session: &Session, scores: &Scores, commit: bool) -> Result<Prepared, Failure> {
    let wallet = &session.g.wallet;
    let netuid = NetUid(scores.netuid);
    let subnet = session.require_subnet(netuid)?;
    let h = &subnet.hyperparameters;
    if scores.uids.len() != scores.weights.len() {
        return Err(refuse(
            DispatchError::WeightVecNotEqualSize,
            format!("{} uids but {} weights", scores.uids.len(), scores.weights.len()),
        ));
    }
    if h.commit_reveal && !commit {
        return Err(refuse(
            DispatchError::CommitRevealEnabled,
            "use `agora weights commit`, then `agora weights reveal`",
        ));
    }
    if !h.commit_reveal && commit {
        return Err(refuse(DispatchError::CommitRevealDisabled, "use `agora weights set`"));
    }
    let hotkey = wallet.hotkey_account()?;
    let uid = session.client.uid_of(netuid, &hotkey)?.ok_or_else(|| {
        refuse(
            DispatchError::HotKeyNotRegisteredInSubNet,
            format!(
                "{hotkey} has no uid on subnet {}; register with `agora subnets register --netuid {}`",
                netuid.get(),
                netuid.get()
            ),
        )
    })?;
    let m = session.client.metagraph(netuid, false)?;
    let last = m.last_update.get(uid.index()).copied().unwrap_or(0);
    // The transaction runs in the next block.
    let since = (m.block + 1).saturating_sub(last);
    if last != 0 && since < h.weights_rate_limit {
        let error = if commit { DispatchError::CommittingWeightsTooFast } else { DispatchError::SettingWeightsTooFast };
        return Err(refuse(
            error,
            format!(
                "wait {} more blocks (weights_rate_limit {} blocks; last update at block {last})",
                h.weights_rate_limit - since,
                h.weights_rate_limit
            ),
        ));
    }
    // The SDK's helpers expect one score per uid, indexed by uid: build that vector.
    let mut dense = vec![0.0f32; usize::from(m.n)];
    let mut seen = std::collections::BTreeSet::new();
    for (&u, &w) in scores.uids.iter().zip(&scores.weights) {
        if u >= m.n {
            return Err(refuse(
                DispatchError::UidVecContainInvalidOne,
                format!("uid {u}: subnet {} has {} uids", netuid.get(), m.n),
            ));
        }
        if !seen.insert(u) {
            return Err(refuse(DispatchError::DuplicateUids, format!("uid {u} is listed twice")));
        }
        dense[usize::from(u)] = w;
    }
    let all: Vec<u16> = (0..m.n).collect();
    let (uids, weights) = process_weights_for_netuid(&all, &dense, m.n, h.min_allowed_weights, h.max_weight_limit)?;
    let uids: Vec<i64> = uids.into_iter().map(i64::from).collect();
    let (uids, values) = convert_weights_and_uids_for_emit(&uids, &weights)?;
    if uids.is_empty() {
        return Err(Failure::msg("every weight is zero; nothing to set"));
    }
    Ok(Prepared { hotkey, uids, values, version_key: scores.version_key.unwrap_or(h.weights_version_key) })
}

fn commits_dir(wallet: &WalletFlags) -> PathBuf {
    wallet.root().join(wallet.name()).join("weight-commits")
}

pub fn run(cmd: WeightsCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        WeightsCommand::Set(scores) => {
            let session = Session::new(g)?;
            let p = prepare(&session, &scores, false)?;
            let signer = g.wallet.hotkey_pair()?;
            let call = Call::SetWeights {
                netuid: NetUid(scores.netuid),
                dests: p.uids.clone(),
                weights: p.values.clone(),
                version_key: p.version_key,
            };
            let done = session
                .send(&signer, call, &format!("set weights on {} uids of subnet {}", p.uids.len(), scores.netuid))
                .map_err(|f| rate_limit_detail(&session, f, scores.netuid, &p.hotkey))?;
            let mut doc = receipt_doc(&done);
            doc["netuid"] = json!(scores.netuid);
            doc["uids"] = json!(p.uids);
            doc["weights"] = json!(p.values);
            g.print(&doc, || format!("weights set in block {}: uids {:?} values {:?}", done.height, p.uids, p.values));
            Ok(())
        }
        WeightsCommand::Commit(scores) => {
            let session = Session::new(g)?;
            let p = prepare(&session, &scores, true)?;
            let salt = random_salt()?;
            let netuid = NetUid(scores.netuid);
            let commit_hash = generate_weight_hash(&p.hotkey, netuid, &p.uids, &p.values, p.version_key, &salt);
            let signer = g.wallet.hotkey_pair()?;
            // Save what the reveal needs before sending: a commit that lands after a timeout must
            // still be revealable.
            let mut file = CommitFile {
                netuid: scores.netuid,
                hotkey: p.hotkey,
                uids: p.uids,
                values: p.values,
                salt,
                version_key: p.version_key,
                commit_hash,
                block: 0,
            };
            let dir = commits_dir(&g.wallet);
            let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
            let path = dir.join(format!("{}-netuid{}-{stamp}.json", p.hotkey, scores.netuid));
            write_private(&path, &file)?;
            let call = Call::CommitWeights { netuid, commit_hash };
            let what = format!("commit weights on {} uids of subnet {}", file.uids.len(), scores.netuid);
            let done = match session.try_send(&signer, call, &what) {
                Ok(Ok(done)) => done,
                Ok(Err(e)) => {
                    if matches!(e, agora_client::SubmitError::Failed { .. }) {
                        let _ = std::fs::remove_file(&path);
                    }
                    return Err(crate::tx::chain_failure(&e));
                }
                Err(refused) => {
                    let _ = std::fs::remove_file(&path);
                    return Err(refused);
                }
            };
            file.block = done.height;
            write_private(&path, &file)?;
            let mut doc = receipt_doc(&done);
            doc["netuid"] = json!(scores.netuid);
            doc["commit_hash"] = json!(commit_hash);
            doc["commit_file"] = json!(path);
            doc["uids"] = json!(file.uids);
            doc["weights"] = json!(file.values);
            doc["salt"] = json!(file.salt);
            g.print(&doc, || {
                format!(
                    "committed {commit_hash} in block {}; reveal with `agora weights reveal --netuid {}` once the reveal period starts (saved {})",
                    done.height,
                    scores.netuid,
                    path.display()
                )
            });
            Ok(())
        }
        WeightsCommand::Reveal { netuid, commit } => {
            let wallet = &g.wallet;
            let session = Session::new(g)?;
            session.require_subnet(NetUid(netuid))?;
            let hotkey = wallet.hotkey_account()?;
            let path = match commit {
                Some(path) => path,
                None => latest_commit(&commits_dir(wallet), &hotkey, netuid)?,
            };
            let text = std::fs::read(&path).map_err(|e| Failure::msg(format!("{}: {e}", path.display())))?;
            let file: CommitFile = serde_json::from_slice(&text)
                .map_err(|e| Failure::msg(format!("{} is not a commit file: {e}", path.display())))?;
            if file.hotkey != hotkey || file.netuid != netuid {
                return Err(Failure::msg(format!(
                    "{} was committed by {} on subnet {}, not by this hotkey on subnet {netuid}",
                    path.display(),
                    file.hotkey,
                    file.netuid
                )));
            }
            let signer = wallet.hotkey_pair()?;
            let call = Call::RevealWeights {
                netuid: NetUid(netuid),
                uids: file.uids.clone(),
                values: file.values.clone(),
                salt: file.salt.clone(),
                version_key: file.version_key,
            };
            let done = session.send(&signer, call, &format!("reveal the weights committed in block {}", file.block))?;
            let _ = std::fs::rename(&path, path.with_extension("revealed"));
            let mut doc = receipt_doc(&done);
            doc["netuid"] = json!(netuid);
            doc["commit_hash"] = json!(file.commit_hash);
            doc["uids"] = json!(file.uids);
            doc["weights"] = json!(file.values);
            g.print(&doc, || {
                format!("revealed in block {}: uids {:?} values {:?}", done.height, file.uids, file.values)
            });
            Ok(())
        }
    }
}

/// Adds "wait N more blocks" to a `SettingWeightsTooFast` that happened on chain (another
/// transaction won the race between the pre-flight check and inclusion).
fn rate_limit_detail(session: &Session, f: Failure, netuid: u16, hotkey: &AccountId) -> Failure {
    if !f.0.starts_with("SettingWeightsTooFast") {
        return f;
    }
    let wait = (|| {
        let h = session.client.hyperparameters(NetUid(netuid)).ok()?;
        let uid = session.client.uid_of(NetUid(netuid), hotkey).ok()??;
        let m = session.client.metagraph(NetUid(netuid), false).ok()?;
        let last = *m.last_update.get(uid.index())?;
        Some(h.weights_rate_limit.saturating_sub((m.block + 1).saturating_sub(last)))
    })();
    match wait {
        Some(n) => Failure::msg(format!("SettingWeightsTooFast: wait {n} more blocks and retry")),
        None => f,
    }
}

/// Writes a commit file atomically, readable only by its owner.
fn write_private(path: &std::path::Path, file: &CommitFile) -> Result<(), Failure> {
    use std::io::Write;
    let dir = path.parent().expect("commit files live in a directory");
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&tmp)?;
    f.write_all(serde_json::to_string_pretty(file).expect("serialisable").as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn latest_commit(dir: &std::path::Path, hotkey: &AccountId, netuid: u16) -> Result<PathBuf, Failure> {
    let prefix = format!("{hotkey}-netuid{netuid}-");
    let latest = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let block: u128 = name.strip_prefix(&prefix)?.strip_suffix(".json")?.parse().ok()?;
            Some((block, e.path()))
        })
        .max();
    latest.map(|(_, p)| p).ok_or_else(|| {
        refuse(
            DispatchError::NoWeightsCommitFound,
            format!(
                "no unrevealed commit of {hotkey} on subnet {netuid} in {}; commit first with `agora weights commit`",
                dir.display()
            ),
        )
    })
}

/// Eight random u16 from the operating system.
fn random_salt() -> Result<Vec<u16>, Failure> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Failure::msg(format!("cannot read randomness for the salt: {e}")))?;
    Ok(bytes.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect())
}
