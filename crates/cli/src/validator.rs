//! `agora validator text|ocr`: a subnet's validator ([`agora_text::start_validator`] or
//! [`agora_ocr::start_validator`], then the kit's `Validator::run` until Ctrl-C).

use std::path::PathBuf;

use agora_primitives::{BlockCount, NetUid};
use agora_text::ValidatorOptions;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::models::ModelsDir;

/// `agora validator`.
#[derive(Debug, Subcommand)]
pub enum ValidatorCommand {
    /// Score the text subnet's miners and set weights.
    Text(TextValidatorArgs),
    /// Score the document-OCR subnet's miners on synthetic documents and set weights.
    Ocr(OcrValidatorArgs),
}

/// Options of `agora validator ocr`.
#[derive(Debug, Args)]
pub struct OcrValidatorArgs {
    /// Subnet.
    #[arg(long, short = 'n', default_value = "2", value_parser = crate::args::netuid)]
    netuid: NetUid,
    /// Miners queried per round.
    #[arg(long, default_value_t = 16)]
    sample_size: usize,
    /// Seconds a miner has to read a document.
    #[arg(long, default_value_t = 20.0)]
    timeout: f64,
    /// Moving-average factor of the scores.
    #[arg(long, default_value_t = 0.1)]
    alpha: f64,
    /// Blocks between weight updates (default: the subnet's tempo).
    #[arg(long)]
    weights_every: Option<BlockCount>,
    /// Seconds between rounds.
    #[arg(long, default_value_t = 2.0)]
    round_pause: f64,
    /// State file (default: under the wallet, per hotkey and subnet).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Stop after this many rounds.
    #[arg(long)]
    rounds: Option<u64>,
}

/// Options of `agora validator text`.
#[derive(Debug, Args)]
pub struct TextValidatorArgs {
    /// Subnet.
    #[arg(long, short = 'n', default_value = "1", value_parser = crate::args::netuid)]
    netuid: NetUid,
    /// Miners queried per round.
    #[arg(long, default_value_t = 16)]
    sample_size: usize,
    /// Seconds a miner has to answer.
    #[arg(long, default_value_t = 12.0)]
    timeout: f64,
    /// Tokens per task.
    #[arg(long, default_value_t = 24)]
    max_tokens: u32,
    /// Moving-average factor of the scores.
    #[arg(long, default_value_t = 0.1)]
    alpha: f64,
    /// Blocks between weight updates (default: the subnet's tempo).
    #[arg(long)]
    weights_every: Option<BlockCount>,
    /// Seconds between rounds.
    #[arg(long, default_value_t = 2.0)]
    round_pause: f64,
    /// State file (default: under the wallet, per hotkey and subnet).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Stop after this many rounds.
    #[arg(long)]
    rounds: Option<u64>,
    /// Organic requests a gateway samples (`agora gateway --organic-file`): one round in four
    /// asks the newest usable one (a valid task that fits the model, never the same API key twice
    /// in a row) instead of a synthetic task.
    #[arg(long, value_name = "FILE")]
    organic_file: Option<PathBuf>,
    #[command(flatten)]
    models: ModelsDir,
}

pub fn run(cmd: ValidatorCommand, g: &Global) -> Result<(), Failure> {
    let args = match cmd {
        ValidatorCommand::Text(args) => args,
        ValidatorCommand::Ocr(args) => return ocr(args, g),
    };
    agora_models::single_thread_inference();
    crate::signals::init_logging();
    let hotkey = g.wallet.hotkey_account()?;
    let wallet_dir = g.wallet.root().join(g.wallet.name());
    let state_path =
        args.state.clone().unwrap_or_else(|| ValidatorOptions::default_state_path(&wallet_dir, &hotkey, args.netuid));
    let options = ValidatorOptions {
        endpoint: g.endpoint().to_string(),
        netuid: args.netuid,
        sample_size: args.sample_size,
        timeout: crate::args::seconds("--timeout", args.timeout)?,
        max_tokens: args.max_tokens,
        alpha: args.alpha,
        weights_every: args.weights_every,
        round_pause: crate::args::seconds("--round-pause", args.round_pause)?,
        state_path: state_path.clone(),
        rounds: args.rounds,
        organic_file: args.organic_file.clone(),
        models: args.models.paths(),
    };
    // Bad options are refused before the hotkey is opened.
    options.check()?;
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let (mut validator, uid) = agora_text::start_validator(options, pair)?;
    let rounds = validator.state().rounds;
    let doc = json!({"hotkey": hotkey, "uid": uid.get(), "netuid": args.netuid, "state": state_path,
        "rounds_so_far": rounds, "weights_every": validator.weights_every()});
    g.print(&doc, || {
        format!(
            "text validator {hotkey} (uid {uid} on subnet {}), state {} ({rounds} rounds so far), weights every {} blocks; Ctrl-C stops",
            args.netuid,
            state_path.display(),
            validator.weights_every()
        )
    });
    Ok(validator.run(&crate::signals::stop_flag())?)
}

fn ocr(args: OcrValidatorArgs, g: &Global) -> Result<(), Failure> {
    crate::signals::init_logging();
    let hotkey = g.wallet.hotkey_account()?;
    let wallet_dir = g.wallet.root().join(g.wallet.name());
    let state_path = args
        .state
        .clone()
        .unwrap_or_else(|| agora_ocr::ValidatorOptions::default_state_path(&wallet_dir, &hotkey, args.netuid));
    let options = agora_ocr::ValidatorOptions {
        endpoint: g.endpoint().to_string(),
        netuid: args.netuid,
        sample_size: args.sample_size,
        timeout: crate::args::seconds("--timeout", args.timeout)?,
        alpha: args.alpha,
        weights_every: args.weights_every,
        round_pause: crate::args::seconds("--round-pause", args.round_pause)?,
        state_path: state_path.clone(),
        rounds: args.rounds,
    };
    // Bad options are refused before the hotkey is opened.
    options.check()?;
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let (mut validator, uid) = agora_ocr::start_validator(options, pair)?;
    let rounds = validator.state().rounds;
    let doc = json!({"hotkey": hotkey, "uid": uid.get(), "netuid": args.netuid, "state": state_path,
        "rounds_so_far": rounds, "weights_every": validator.weights_every()});
    g.print(&doc, || {
        format!(
            "OCR validator {hotkey} (uid {uid} on subnet {}), state {} ({rounds} rounds so far), weights every {} blocks; Ctrl-C stops",
            args.netuid,
            state_path.display(),
            validator.weights_every()
        )
    });
    Ok(validator.run(&crate::signals::stop_flag())?)
}
