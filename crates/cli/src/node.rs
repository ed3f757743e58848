//! `agora node`, `agora localnet init`, `agora chain status|block`.

use std::path::PathBuf;

use agora_client::RpcClient;
use agora_node::config::NodeConfig;
use agora_node::localnet::{InitOptions, init};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::Failure;

/// `agora node`.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The node's config file (written by `agora localnet init`).
    #[arg(long)]
    config: PathBuf,
}

/// `agora localnet`.
#[derive(Debug, Subcommand)]
pub enum LocalnetCommand {
    /// Start a local network: writes it on first use (4 validators), starts one `agora node`
    /// process per validator, waits for finality and prints the URLs. Ctrl-C stops it; the next
    /// run resumes the same chain.
    Run {
        /// Directory of the network (created on first use).
        #[arg(long, default_value = ".agora/localnet")]
        dir: PathBuf,
        /// Delete DIR first and start a new chain.
        #[arg(long)]
        fresh: bool,
        /// Validators of a new network.
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// Block time of a new network, in milliseconds.
        #[arg(long, default_value_t = 500)]
        block_time: u64,
        /// First port of a new network.
        #[arg(long, default_value_t = 30300)]
        base_port: u16,
    },
    /// Write a genesis and one config per validator for a loopback network.
    Init {
        /// Number of validators.
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// Number of followers (non-voting full nodes that sync from the validators).
        #[arg(long, default_value_t = 0)]
        followers: usize,
        /// Output directory.
        #[arg(long)]
        dir: PathBuf,
        /// First port (node i uses P+10i for p2p, +1 for RPC, +2 for metrics).
        #[arg(long, default_value_t = 30300)]
        base_port: u16,
        /// Block time in milliseconds.
        #[arg(long, default_value_t = 500)]
        block_time: u64,
        /// Overwrite an existing network in DIR.
        #[arg(long)]
        force: bool,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
}

/// `agora chain`.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Load test: signed transfers from the localnet dev accounts; reports tx/s and latency.
    Load(crate::load::LoadArgs),
    /// Height, finality and state root of a node.
    Status {
        /// The node's JSON-RPC URL.
        #[arg(long, default_value = "http://127.0.0.1:30301")]
        rpc: String,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
    /// A finalised block.
    Block {
        /// Its height.
        #[arg(long)]
        height: u64,
        /// The node's JSON-RPC URL.
        #[arg(long, default_value = "http://127.0.0.1:30301")]
        rpc: String,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
}

pub fn run_node(args: NodeArgs) -> Result<(), Failure> {
    crate::init_logging();
    let config = NodeConfig::load(&args.config)?;
    agora_node::run::run(config)?;
    Ok(())
}

pub fn run_localnet(cmd: LocalnetCommand) -> Result<(), Failure> {
    match cmd {
        LocalnetCommand::Run { dir, fresh, validators, block_time, base_port } => {
            crate::localnet_run::run(&dir, fresh, validators, block_time, base_port)
        }
        LocalnetCommand::Init { validators, followers, dir, base_port, block_time, force, json } => {
            let options =
                InitOptions { validators, followers, dir: dir.clone(), base_port, block_time_ms: block_time, force };
            let nodes = init(&options)?;
            if json {
                let doc = json!({
                    "dir": dir,
                    "genesis": dir.join("genesis.json"),
                    "nodes": nodes,
                    "rpc_urls": nodes.iter().filter(|n| n.role == "validator").map(|n| n.rpc_url.clone()).collect::<Vec<_>>(),
                    "follower_rpc_urls": nodes.iter().filter(|n| n.role == "follower").map(|n| n.rpc_url.clone()).collect::<Vec<_>>(),
                });
                println!("{doc}");
            } else {
                println!("wrote {} (genesis, dev accounts) and {} node configs:", dir.display(), nodes.len());
                for n in &nodes {
                    println!("  {:<9} rpc {}  p2p {}  config {}", n.role, n.rpc_url, n.p2p, n.config.display());
                }
                println!("start each with: agora node --config <config.toml>");
            }
            Ok(())
        }
    }
}

pub fn run_chain(cmd: ChainCommand) -> Result<(), Failure> {
    match cmd {
        ChainCommand::Load(args) => crate::load::run(args),
        ChainCommand::Status { rpc, json } => {
            let status = RpcClient::new(&rpc)?.call("chain_status", json!([]))?;
            let doc = json!({
                "height": status["height"],
                "finalized_height": status["finalized_height"],
                "finalized_hash": status["finalized_hash"],
                "state_root": status["state_root"],
                "peers": status["peers"],
            });
            if json {
                println!("{doc}");
            } else {
                print_fields(&doc, &["height", "finalized_height", "finalized_hash", "state_root", "peers"]);
            }
            Ok(())
        }
        ChainCommand::Block { height, rpc, json } => {
            let block = RpcClient::new(&rpc)?.call("chain_getBlock", json!([{ "height": height }]))?;
            let doc = json!({
                "height": block["height"],
                "hash": block["hash"],
                "state_root": block["state_root"],
                "txs": block["txs"],
                "parent": block["parent"],
                "timestamp_ms": block["timestamp_ms"],
                "proposer": block["proposer"],
            });
            if json {
                println!("{doc}");
            } else {
                print_fields(&doc, &["height", "hash", "parent", "state_root", "timestamp_ms", "proposer", "txs"]);
            }
            Ok(())
        }
    }
}

fn print_fields(doc: &Value, keys: &[&str]) {
    for key in keys {
        let value = &doc[*key];
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Array(a) => format!("{} transactions", a.len()),
            other => other.to_string(),
        };
        println!("{key:<17} {text}");
    }
}
