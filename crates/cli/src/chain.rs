//! `agora chain status|block|receipt|load`: what a node says about the chain, and its load test.

use std::time::Duration;

use agora_client::{Client, RpcClient};
use agora_localnet::{ChainLoadOptions, OpenLoop, chain_load};
use agora_primitives::{BlockNumber, Hash};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::args::Global;
use crate::failure::Failure;

/// `agora chain`.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Load test: signed transfers from the localnet dev accounts; reports tx/s and latency.
    Load(ChainLoadArgs),
    /// Height, finality and state root of a node.
    Status {
        /// The node's JSON-RPC URL (default: --network).
        #[arg(long)]
        rpc: Option<String>,
    },
    /// A finalised block.
    Block {
        /// Its height.
        #[arg(long)]
        height: BlockNumber,
        /// The node's JSON-RPC URL (default: --network).
        #[arg(long)]
        rpc: Option<String>,
    },
    /// Where a transaction is, and what it did.
    Receipt {
        /// The transaction hash (`0x…`).
        hash: String,
    },
}

/// `agora chain load`.
#[derive(Debug, Args)]
pub struct ChainLoadArgs {
    /// JSON-RPC URLs of the nodes to submit to (comma-separated; round robin).
    #[arg(long, value_delimiter = ',', default_value = "http://127.0.0.1:30301")]
    rpc: Vec<String>,
    /// Number of transfers, sent in one burst from the 4 dev accounts.
    #[arg(long, default_value_t = 2000)]
    txs: usize,
    /// Send at this many transfers per second instead (open loop, for `--duration`), from
    /// `--accounts` accounts funded from the dev accounts first.
    #[arg(long)]
    rate: Option<u32>,
    /// Seconds the open loop sends for.
    #[arg(long, default_value_t = 60, requires = "rate")]
    duration: u64,
    /// Sending accounts of the open loop.
    #[arg(long, default_value_t = 256, requires = "rate")]
    accounts: usize,
    /// Give up waiting for finality after this many seconds (after the open loop's sending).
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

pub fn run(cmd: ChainCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        ChainCommand::Load(args) => load(args, g),
        ChainCommand::Status { rpc } => {
            let status = Client::new(rpc.as_deref().unwrap_or(g.endpoint()))?.status()?;
            // A node stores only final blocks: its height is the finalised height.
            let doc = json!({
                "height": status.height,
                "finalized_height": status.height,
                "finalized_hash": status.finalized_hash,
                "state_root": status.state_root,
                "peers": status.peers,
            });
            g.print(&doc, || fields(&doc, &["height", "finalized_height", "finalized_hash", "state_root", "peers"]));
            Ok(())
        }
        ChainCommand::Block { height, rpc } => {
            let block = client(&rpc, g)?.call("chain_getBlock", json!([{ "height": height }]))?;
            let doc = json!({
                "height": block["height"],
                "hash": block["hash"],
                "state_root": block["state_root"],
                "txs": block["txs"],
                "parent": block["parent"],
                "timestamp_ms": block["timestamp_ms"],
                "proposer": block["proposer"],
            });
            g.print(&doc, || {
                fields(&doc, &["height", "hash", "parent", "state_root", "timestamp_ms", "proposer", "txs"])
            });
            Ok(())
        }
        ChainCommand::Receipt { hash } => {
            let hash = Hash::from_hex(&hash).ok_or_else(|| Failure::msg("the hash must be 0x + 64 hex digits"))?;
            let status = Client::new(g.endpoint())?.receipt(&hash)?;
            g.print(&status, || match (&status.receipt, status.height) {
                (Some(r), Some(h)) => format!(
                    "{} in block {h}: {} (fee {})",
                    r.call,
                    match r.result {
                        Ok(()) => "succeeded".to_string(),
                        Err(e) => format!("failed with {}", agora_client::advice::name(&e)),
                    },
                    r.fee
                ),
                _ => status.status.clone(),
            });
            Ok(())
        }
    }
}

/// Submits signed transfers from the localnet dev accounts and prints finalised transfers per
/// second and submit-to-finality latency; fails when some were not final before the timeout.
fn load(args: ChainLoadArgs, g: &Global) -> Result<(), Failure> {
    if args.rpc.is_empty() || args.txs == 0 {
        return Err(Failure::msg("give at least one --rpc URL and --txs > 0"));
    }
    if args.rate == Some(0) || (args.rate.is_some() && (args.duration == 0 || args.accounts == 0)) {
        return Err(Failure::msg("--rate, --duration and --accounts must be above 0"));
    }
    let open =
        args.rate.map(|rate| OpenLoop { rate, duration: Duration::from_secs(args.duration), accounts: args.accounts });
    let options = ChainLoadOptions { rpc: args.rpc, txs: args.txs, timeout: Duration::from_secs(args.timeout), open };
    let r = chain_load(&options)?;
    g.print(&r, || {
        let offered = if r.mode == "open" { format!(" (offered {:.0} tx/s)", r.offered_tps) } else { String::new() };
        let mut line = format!(
            "{} of {} accepted transfers finalised in {:.1} s: {:.0} tx/s{offered}; submit-to-finality p50 {:.0} ms, p99 {:.0} ms; {} blocks",
            r.finalized, r.submitted, r.seconds, r.tps, r.latency_ms_p50, r.latency_ms_p99, r.blocks
        );
        if r.refused > 0 {
            line.push_str(&format!("; {} refused", r.refused));
        }
        if r.dropped > 0 {
            line.push_str(&format!("; {} dropped by the node ({:?})", r.dropped, r.dropped_reasons));
        }
        if r.resubmitted > 0 {
            line.push_str(&format!("; {} sent again after a node lost them", r.resubmitted));
        }
        if r.lost > 0 {
            line.push_str(&format!("; {} unaccounted for", r.lost));
        }
        line
    });
    Ok(r.check_final()?)
}

fn client(rpc: &Option<String>, g: &Global) -> Result<RpcClient, Failure> {
    Ok(RpcClient::new(&agora_client::normalize_url(rpc.as_deref().unwrap_or(g.endpoint())))?)
}

fn fields(doc: &Value, keys: &[&str]) -> String {
    let mut out = Vec::new();
    for key in keys {
        let value = &doc[*key];
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Array(a) => format!("{} transactions", a.len()),
            other => other.to_string(),
        };
        out.push(format!("{key:<17} {text}"));
    }
    out.join("\n")
}
