//! `agora localnet run|init`: a whole local network ([`agora_localnet::Localnet`]), or only its
//! files.

use std::path::PathBuf;

use agora_localnet::{Localnet, LocalnetOptions, NetworkOptions, SubnetOptions};
use agora_node::localnet::{InitOptions, init};
use agora_runtime::pools::Economy;
use agora_text::Backend;
use clap::Subcommand;
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::out::line;

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
        /// One miner per listed backend, as `agora miner text --backend` takes them: local,
        /// openai:<URL>, echo, random, copycat:<IP:PORT>/<HOTKEY>, sleep, huge.
        #[arg(long, value_delimiter = ',', default_value = "local,local,local")]
        miners: Vec<Backend>,
        /// Subnets to run: `text` (the default) or `text,ocr` (also the document-OCR subnet, with
        /// the same two validators and one gateway serving both).
        #[arg(long, value_delimiter = ',', default_value = "text", value_parser = ["text", "ocr"])]
        subnets: Vec<String>,
        /// With `--subnets text,ocr`: one OCR miner per listed backend, as `agora miner ocr
        /// --backend` takes them: tesseract (Debian's tesseract-ocr), openai:<URL>, blank, random,
        /// copycat:<IP:PORT>/<HOTKEY>.
        #[arg(long, value_delimiter = ',', default_value = "tesseract,tesseract")]
        ocr_miners: Vec<agora_ocr::Backend>,
        /// Tempo of subnet 1 (blocks between epochs), set when it is created.
        #[arg(long, default_value_t = 20)]
        tempo: u16,
        /// Port of the gateway (miners use the ports after it).
        #[arg(long, default_value_t = 8000)]
        gateway_port: u16,
        /// Port of node 0's Substrate-compatible endpoint for the Python SDK and btcli (node i:
        /// this + i) in a new network.
        #[arg(long, default_value_t = 9944)]
        substrate_port: u16,
        /// Only the chain: no models, subnet, miners, validators or gateway.
        #[arg(long)]
        no_subnet: bool,
        /// Economy of a new network: `dynamic` (dynamic TAO: a pool per subnet, stake is alpha,
        /// emission follows price) or `tao` (the TAO era: stake is TAO, root weights split
        /// emission).
        #[arg(long, default_value = "dynamic", value_parser = parse_economy)]
        economy: Economy,
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
        /// Port of node 0's Substrate-compatible endpoint (node i: this + i; default: P+10i+3).
        #[arg(long)]
        substrate_port: Option<u16>,
        /// Overwrite an existing network in DIR.
        #[arg(long)]
        force: bool,
        /// Economy: `dynamic` or `tao`.
        #[arg(long, default_value = "dynamic", value_parser = parse_economy)]
        economy: Economy,
    },
}

fn parse_economy(s: &str) -> Result<Economy, String> {
    match s {
        "tao" => Ok(Economy::Tao),
        "dynamic" => Ok(Economy::Dynamic),
        other => Err(format!("unknown economy {other:?}: expected tao or dynamic")),
    }
}

pub fn run(cmd: LocalnetCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        LocalnetCommand::Run {
            dir,
            fresh,
            validators,
            block_time,
            base_port,
            miners,
            subnets,
            ocr_miners,
            tempo,
            gateway_port,
            substrate_port,
            no_subnet,
            models_dir,
            economy,
        } => {
            if !subnets.iter().any(|s| s == "text") {
                return Err(Failure::msg(
                    "--subnets must include text (the gateway and the validators' models are the text subnet's): use text or text,ocr",
                ));
            }
            let ocr_miners = subnets.iter().any(|s| s == "ocr").then_some(ocr_miners);
            let subnet = (!no_subnet).then(|| SubnetOptions {
                ocr_miners,
                miners,
                tempo,
                gateway_port,
                miner_port: gateway_port + 1,
                models_dir,
            });
            let options = LocalnetOptions {
                dir,
                fresh,
                network: NetworkOptions {
                    validators,
                    followers: 0,
                    base_port,
                    block_time_ms: block_time,
                    substrate_port: Some(substrate_port),
                    economy,
                },
                subnet,
                binary: std::env::current_exe()
                    .map_err(|e| format!("cannot find the agora binary: {e}"))
                    .map_err(Failure::msg)?,
                log_filter: std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            };
            run_network(&options, g)
        }
        LocalnetCommand::Init { validators, followers, dir, base_port, block_time, substrate_port, force, economy } => {
            let options = InitOptions {
                validators,
                followers,
                dir: dir.clone(),
                base_port,
                block_time_ms: block_time,
                substrate_port,
                force,
                economy,
            };
            let nodes = init(&options)?;
            let doc = json!({
                "dir": dir,
                "genesis": dir.join("genesis.json"),
                "nodes": nodes,
                "rpc_urls": nodes.iter().filter(|n| n.role == "validator").map(|n| n.rpc_url.clone()).collect::<Vec<_>>(),
                "follower_rpc_urls": nodes.iter().filter(|n| n.role == "follower").map(|n| n.rpc_url.clone()).collect::<Vec<_>>(),
            });
            g.print(&doc, || {
                let mut text =
                    format!("wrote {} (genesis, dev accounts) and {} node configs:", dir.display(), nodes.len());
                for n in &nodes {
                    text.push_str(&format!(
                        "\n  {:<9} rpc {}  p2p {}  config {}",
                        n.role,
                        n.rpc_url,
                        n.p2p,
                        n.config.display()
                    ));
                }
                text + "\nstart each with: agora node --config <config.toml>"
            });
            Ok(())
        }
    }
}

fn run_network(options: &LocalnetOptions, g: &Global) -> Result<(), Failure> {
    // From the start, a Ctrl-C or SIGTERM turns into an orderly stop, also while coming up.
    let stop = crate::signals::stop_flag();
    let mut localnet = Localnet::start(options, &mut |step| eprintln!("{step}"), &stop)?;
    let d = localnet.description().clone();
    if g.json {
        line(&serde_json::to_string(&d).expect("serialisable"));
    } else {
        line(&d.summary(&options.dir));
    }
    localnet.run(&stop, |s| eprintln!("finalised height {}  peers {}  mempool {}", s.height, s.peers, s.mempool))?;
    eprintln!("stopping");
    localnet.stop();
    Ok(())
}
