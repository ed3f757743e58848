//! `agora node`, `agora localnet init`, `agora chain status|block`.

use std::path::PathBuf;

use agora_client::{Client, RpcClient};
use agora_node::config::NodeConfig;
use agora_node::localnet::{InitOptions, init};
use agora_primitives::Hash;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::Failure;
use crate::out::Global;

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
    /// process per validator, then subnet 1 (text generation): fetches the models, creates dev
    /// wallets, registers and starts the miners and 2 validators, stakes, starts the gateway, and
    /// prints the URLs (also in D/localnet.json). Ctrl-C stops everything; the next run resumes
    /// the same chain.
    Run {
        /// Directory of the network (created on first use).
        #[arg(long, visible_alias = "data-dir", default_value = ".agora/localnet")]
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
        /// One miner per listed backend: local, echo, random, openai:<URL>.
        #[arg(long, value_delimiter = ',', default_value = "local,local,local")]
        miners: Vec<String>,
        /// Tempo of subnet 1 (blocks between epochs), set when it is created.
        #[arg(long, default_value_t = 20)]
        tempo: u16,
        /// Port of the gateway (miners use the ports after it).
        #[arg(long, default_value_t = 8000)]
        gateway_port: u16,
        /// Only the chain: no models, subnet, miners, validators or gateway.
        #[arg(long)]
        no_subnet: bool,
        /// Models directory.
        #[arg(long, value_name = "DIR")]
        models_dir: Option<PathBuf>,
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
    },
}

/// `agora chain`.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Load test: signed transfers from the localnet dev accounts; reports tx/s and latency.
    Load(crate::load::LoadArgs),
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
        height: u64,
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

pub fn run_node(args: NodeArgs) -> Result<(), Failure> {
    crate::init_logging();
    let config = NodeConfig::load(&args.config)?;
    agora_node::run::run(config)?;
    Ok(())
}

pub fn run_localnet(cmd: LocalnetCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        LocalnetCommand::Run {
            dir,
            fresh,
            validators,
            block_time,
            base_port,
            miners,
            tempo,
            gateway_port,
            no_subnet,
            models_dir,
        } => {
            for m in &miners {
                if !matches!(m.as_str(), "local" | "echo" | "random") && !m.starts_with("openai:") {
                    return Err(Failure::msg(format!(
                        "--miners: unknown backend {m:?} (local, echo, random, openai:<URL>)"
                    )));
                }
            }
            if tempo == 0 {
                return Err(Failure::msg("--tempo must be at least 1"));
            }
            let subnet = (!no_subnet).then(|| crate::localnet_subnet::SubnetOptions {
                miners,
                tempo,
                gateway_port,
                miner_port: gateway_port + 1,
                models_dir,
            });
            let options =
                crate::localnet_run::LocalnetOptions { dir, fresh, validators, block_time, base_port, subnet };
            crate::localnet_run::run(&options, g)
        }
        LocalnetCommand::Init { validators, followers, dir, base_port, block_time, force } => {
            let options =
                InitOptions { validators, followers, dir: dir.clone(), base_port, block_time_ms: block_time, force };
            let nodes = init(&options)?;
            if g.json {
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

pub fn run_chain(cmd: ChainCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        ChainCommand::Load(args) => crate::load::run(args, g.json),
        ChainCommand::Status { rpc } => {
            let status = client(&rpc, g)?.call("chain_status", json!([]))?;
            let doc = json!({
                "height": status["height"],
                "finalized_height": status["finalized_height"],
                "finalized_hash": status["finalized_hash"],
                "state_root": status["state_root"],
                "peers": status["peers"],
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
