//! `agora miner dummy|text|ocr`: a miner's axon. `text` is [`agora_text::start_miner`], `ocr` is
//! [`agora_ocr::start_miner`]; `dummy` serves the template's example protocol.

use std::net::{IpAddr, SocketAddr};

use agora_neuron::{Callers, dummy};
use agora_primitives::NetUid;
use agora_text::{Backend, MinerOptions, ServeOptions};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::models::ModelsDir;
use crate::signals::{runtime, shutdown};

/// `agora miner`.
#[derive(Debug, Subcommand)]
pub enum MinerCommand {
    /// Serve the template's `Dummy` synapse (answers 2 × dummy_input) with the wallet's hotkey.
    Dummy(MinerArgs),
    /// Serve the text-generation subnet (`TextGeneration`, streaming too) from a model.
    Text(TextMinerArgs),
    /// Serve the document-OCR subnet (`ImageToText`) from a reader.
    Ocr(OcrMinerArgs),
}

/// Where a miner listens and whom it serves.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on.
    #[arg(long, default_value_t = 8091, env = "BT_AXON_PORT")]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0", env = "BT_AXON_IP")]
    ip: IpAddr,
    /// The subnet whose metagraph decides who may call.
    #[arg(long, short = 'n', default_value = "1", value_parser = crate::args::netuid)]
    netuid: NetUid,
    /// Serve without a node: any signed caller; a text miner then skips its registration check
    /// and does not publish its axon.
    #[arg(long)]
    no_chain: bool,
    /// Callers need at least this stake (TAO).
    #[arg(long, default_value_t = 0.0)]
    min_stake: f64,
    /// Also accept registered callers without a validator permit.
    #[arg(long)]
    allow_no_permit: bool,
}

impl ServeArgs {
    fn callers(&self) -> Callers {
        if self.no_chain {
            Callers::AnySigned
        } else {
            Callers::Subnet { min_stake_tao: self.min_stake, require_permit: !self.allow_no_permit }
        }
    }

    fn listen(&self) -> SocketAddr {
        SocketAddr::new(self.ip, self.port)
    }
}

/// Where a subnet miner's axon is published.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Address published on chain (default: the listen address, or 127.0.0.1 for 0.0.0.0).
    #[arg(long, env = "BT_AXON_EXTERNAL_IP")]
    external_ip: Option<IpAddr>,
    /// Do not publish the axon on chain (it must already be published).
    #[arg(long)]
    no_publish: bool,
}

impl ServeArgs {
    /// The library's serving options, with `workers` requests at once.
    fn options(&self, publish: &PublishArgs, workers: usize, g: &Global) -> ServeOptions {
        ServeOptions {
            endpoint: g.endpoint().to_string(),
            netuid: self.netuid,
            listen: self.listen(),
            external_ip: publish.external_ip,
            callers: self.callers(),
            no_publish: publish.no_publish,
            workers,
        }
    }
}

/// Options of `agora miner dummy`.
#[derive(Debug, Args)]
pub struct MinerArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// Requests handled at once.
    #[arg(long, default_value_t = 64, env = "BT_AXON_MAX_WORKERS")]
    workers: usize,
}

/// Options of `agora miner ocr`.
#[derive(Debug, Args)]
pub struct OcrMinerArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// What reads: `tesseract` (Debian's tesseract-ocr), `openai:<URL>` (an OpenAI-compatible
    /// vision model), or a test adversary: `blank`, `random`, `copycat:<IP:PORT>/<HOTKEY>`.
    #[arg(long, default_value = "tesseract")]
    backend: agora_ocr::Backend,
    /// Model name sent to an `openai:` backend.
    #[arg(long, default_value = "default")]
    openai_model: String,
    /// Environment variable holding the `openai:` backend's API key.
    #[arg(long, value_name = "VAR")]
    openai_key_env: Option<String>,
    #[command(flatten)]
    publish: PublishArgs,
    /// Requests handled at once (tesseract runs at most this many processes).
    #[arg(long, default_value_t = 2)]
    workers: usize,
}

/// Options of `agora miner text`.
#[derive(Debug, Args)]
pub struct TextMinerArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// What answers: `local` (SmolLM2 on this machine), `openai:<URL>` (an OpenAI-compatible
    /// server), or a test adversary: `echo`, `random`, `copycat:<IP:PORT>/<HOTKEY>`, `sleep`,
    /// `huge` (50 MB answers).
    #[arg(long, default_value = "local")]
    backend: Backend,
    /// Model name sent to an `openai:` backend.
    #[arg(long, default_value = "default")]
    openai_model: String,
    /// Environment variable holding the `openai:` backend's API key.
    #[arg(long, value_name = "VAR")]
    openai_key_env: Option<String>,
    #[command(flatten)]
    publish: PublishArgs,
    /// Requests handled at once (the local model still runs one at a time).
    #[arg(long, default_value_t = 16)]
    workers: usize,
    #[command(flatten)]
    models: ModelsDir,
}

pub fn run(cmd: MinerCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        MinerCommand::Dummy(args) => dummy(args, g),
        MinerCommand::Text(args) => text(args, g),
        MinerCommand::Ocr(args) => ocr(args, g),
    }
}

fn dummy(args: MinerArgs, g: &Global) -> Result<(), Failure> {
    crate::signals::init_logging();
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let hotkey = pair.public();
    let (serve, callers) = (&args.serve, args.serve.callers());
    runtime()?.block_on(async move {
        let running =
            dummy::start_miner(pair, serve.listen(), args.workers, &callers, g.endpoint(), serve.netuid).await?;
        let doc = json!({"hotkey": hotkey, "addr": running.local_addr.to_string(), "synapses": ["Dummy", "Synapse"], "chain": !serve.no_chain});
        g.print(&doc, || {
            let callers = if serve.no_chain {
                " (no chain: any signed caller)".to_string()
            } else {
                format!(" (callers checked against subnet {})", serve.netuid)
            };
            format!("axon of {hotkey} serving Dummy on {}{callers}; Ctrl-C stops", running.local_addr)
        });
        shutdown().await;
        running.stop().await?;
        Ok(())
    })
}

fn text(args: TextMinerArgs, g: &Global) -> Result<(), Failure> {
    if args.backend == Backend::Local {
        agora_models::single_thread_inference();
    }
    crate::signals::init_logging();
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let hotkey = pair.public();
    let options = MinerOptions {
        serve: args.serve.options(&args.publish, args.workers, g),
        backend: args.backend.clone(),
        openai_model: args.openai_model.clone(),
        openai_key_env: args.openai_key_env.clone(),
        models: args.models.paths(),
    };
    runtime()?.block_on(async {
        let miner = agora_text::start_miner(options, pair).await?;
        let (uid, model) = (miner.uid, miner.model.clone());
        let doc = json!({"hotkey": hotkey, "addr": miner.local_addr().to_string(), "external": miner.external.to_string(),
            "netuid": args.serve.netuid, "uid": uid.map(|u| u.get()), "backend": args.backend.to_string(), "model": model,
            "synapses": ["TextGeneration", "TextGenerationStream", "Synapse"]});
        g.print(&doc, || {
            let place = match uid {
                Some(u) => format!(", uid {u} on subnet {}", args.serve.netuid),
                None => " (no chain: any signed caller)".into(),
            };
            format!("text miner {hotkey} ({model}) serving on {}{place}; Ctrl-C stops", miner.local_addr())
        });
        shutdown().await;
        Ok(miner.stop().await?)
    })
}

fn ocr(args: OcrMinerArgs, g: &Global) -> Result<(), Failure> {
    crate::signals::init_logging();
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let hotkey = pair.public();
    let options = agora_ocr::MinerOptions {
        serve: args.serve.options(&args.publish, args.workers, g),
        backend: args.backend.clone(),
        openai_model: args.openai_model.clone(),
        openai_key_env: args.openai_key_env.clone(),
    };
    runtime()?.block_on(async {
        let miner = agora_ocr::start_miner(options, pair).await?;
        let (uid, model) = (miner.uid, miner.model.clone());
        let doc = json!({"hotkey": hotkey, "addr": miner.local_addr().to_string(), "external": miner.external.to_string(),
            "netuid": args.serve.netuid, "uid": uid.map(|u| u.get()), "backend": args.backend.to_string(), "model": model,
            "synapses": ["ImageToText", "Synapse"]});
        g.print(&doc, || {
            let place = match uid {
                Some(u) => format!(", uid {u} on subnet {}", args.serve.netuid),
                None => " (no chain: any signed caller)".into(),
            };
            format!("OCR miner {hotkey} ({model}) serving on {}{place}; Ctrl-C stops", miner.local_addr())
        });
        shutdown().await;
        Ok(miner.stop().await?)
    })
}
