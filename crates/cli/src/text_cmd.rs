//! `agora miner text` and `agora validator text`: the text-generation subnet's neurons.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use agora_client::Client;
use agora_models::{Embedder, LlamaEngine, LocalLlm, OpenAiBackend, TextGenerator};
use agora_neuron::{AxonConfig, AxonTarget, Dendrite};
use agora_primitives::NetUid;
use agora_text::backends::{Copycat, Echo, Huge, RandomText, Sleep};
use agora_text::{Judge, Validator, ValidatorConfig};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::Failure;
use crate::models_cmd::{ModelsDir, ensure, single_thread_inference};
use crate::out::Global;
use crate::tx::parse_account;

/// Options of `agora miner text`.
#[derive(Debug, Args)]
pub struct TextMinerArgs {
    /// What answers: `local` (SmolLM2 on this machine), `openai:<URL>` (an OpenAI-compatible
    /// server), or a test adversary: `echo`, `random`, `copycat:<IP:PORT>/<HOTKEY>`, `sleep`,
    /// `huge` (50 MB answers).
    #[arg(long, default_value = "local")]
    backend: String,
    /// Model name sent to an `openai:` backend.
    #[arg(long, default_value = "default")]
    openai_model: String,
    /// Environment variable holding the `openai:` backend's API key.
    #[arg(long, value_name = "VAR")]
    openai_key_env: Option<String>,
    /// Port to listen on.
    #[arg(long, default_value_t = 8091, env = "BT_AXON_PORT")]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0", env = "BT_AXON_IP")]
    ip: IpAddr,
    /// Address published on chain (default: the listen address, or 127.0.0.1 for 0.0.0.0).
    #[arg(long, env = "BT_AXON_EXTERNAL_IP")]
    external_ip: Option<IpAddr>,
    /// Subnet.
    #[arg(long, short = 'n', default_value_t = 1)]
    netuid: u16,
    /// Serve without a node: no registration check, no axon published, any signed caller.
    #[arg(long)]
    no_chain: bool,
    /// Do not publish the axon on chain (it must already be published).
    #[arg(long)]
    no_publish: bool,
    /// Callers need at least this stake (TAO).
    #[arg(long, default_value_t = 0.0)]
    min_stake: f64,
    /// Also accept registered callers without a validator permit.
    #[arg(long)]
    allow_no_permit: bool,
    /// Requests handled at once (the local model still runs one at a time).
    #[arg(long, default_value_t = 16)]
    workers: usize,
    #[command(flatten)]
    models: ModelsDir,
}

/// `agora validator`.
#[derive(Debug, Subcommand)]
pub enum ValidatorCommand {
    /// Score the text subnet's miners and set weights.
    Text(TextValidatorArgs),
}

/// Options of `agora validator text`.
#[derive(Debug, Args)]
pub struct TextValidatorArgs {
    /// Subnet.
    #[arg(long, short = 'n', default_value_t = 1)]
    netuid: u16,
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
    weights_every: Option<u64>,
    /// Seconds between rounds.
    #[arg(long, default_value_t = 2.0)]
    round_pause: f64,
    /// State file (default: under the wallet, per hotkey and subnet).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Stop after this many rounds.
    #[arg(long)]
    rounds: Option<u64>,
    /// Organic requests a gateway samples (`agora gateway --organic-file`): every other round
    /// asks the newest one instead of a synthetic task.
    #[arg(long, value_name = "FILE")]
    organic_file: Option<PathBuf>,
    #[command(flatten)]
    models: ModelsDir,
}

enum Backend {
    Local,
    OpenAi(String),
    Echo,
    Random,
    Copycat(SocketAddr, String),
    Sleep,
    Huge,
}

fn parse_backend(s: &str) -> Result<Backend, Failure> {
    Ok(match s {
        "local" => Backend::Local,
        "echo" => Backend::Echo,
        "random" => Backend::Random,
        "sleep" => Backend::Sleep,
        "huge" => Backend::Huge,
        _ => {
            if let Some(url) = s.strip_prefix("openai:") {
                Backend::OpenAi(url.to_string())
            } else if let Some(rest) = s.strip_prefix("copycat:") {
                let (addr, hotkey) =
                    rest.split_once('/').ok_or_else(|| Failure::msg("copycat needs `copycat:<IP:PORT>/<HOTKEY>`"))?;
                let addr = addr.parse().map_err(|_| Failure::msg(format!("{addr:?} is not IP:PORT")))?;
                Backend::Copycat(addr, hotkey.to_string())
            } else {
                return Err(Failure::msg(format!(
                    "unknown backend {s:?}: use local, openai:<URL>, echo, random, copycat:<IP:PORT>/<HOTKEY>, sleep or huge"
                )));
            }
        }
    })
}

pub fn run_miner(args: TextMinerArgs, g: &Global) -> Result<(), Failure> {
    let backend = parse_backend(&args.backend)?;
    if matches!(backend, Backend::Local) {
        single_thread_inference();
    }
    crate::init_logging();
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let hotkey = pair.public();
    let uid = if args.no_chain {
        None
    } else {
        let client = Client::new(g.endpoint())?.with_timeout(Duration::from_secs(10));
        match client.uid_of(NetUid(args.netuid), &hotkey)? {
            Some(uid) => Some(uid),
            None => {
                return Err(Failure::msg(format!(
                    "HotKeyNotRegisteredInNetwork: {hotkey} has no uid on subnet {n}; register it first: \
                     `agora subnets register --netuid {n} --wallet.name {w} --wallet.hotkey {h}`",
                    n = args.netuid,
                    w = g.wallet.name(),
                    h = g.wallet.hotkey
                )));
            }
        }
    };
    let rt = crate::neuron_cmd::runtime()?;
    let generator: Arc<dyn TextGenerator> = match &backend {
        Backend::Local => {
            let paths = ensure(g, &args.models)?;
            Arc::new(LocalLlm::start(&paths.llm()).map_err(|e| Failure::msg(e.to_string()))?)
        }
        Backend::OpenAi(url) => {
            let key = match &args.openai_key_env {
                Some(var) => Some(std::env::var(var).map_err(|_| Failure::msg(format!("${var} is not set")))?),
                None => None,
            };
            Arc::new(
                OpenAiBackend::new(url, &args.openai_model, key, Duration::from_secs(120))
                    .map_err(|e| Failure::msg(e.to_string()))?,
            )
        }
        Backend::Echo => Arc::new(Echo),
        Backend::Random => Arc::new(RandomText::new(agora_text::tasks::entropy())),
        Backend::Copycat(addr, key) => {
            let target = AxonTarget { addr: *addr, hotkey: parse_account(key)? };
            Arc::new(Copycat::new(Arc::new(Dendrite::new(pair.clone())), target, Duration::from_secs(30)))
        }
        Backend::Sleep => Arc::new(Sleep(Duration::from_secs(3600))),
        Backend::Huge => Arc::new(Huge(50 * 1024 * 1024)),
    };
    let model = generator.model_id();
    let running = rt.block_on(async {
        let guard =
            crate::neuron_cmd::miner_guard(g, args.no_chain, args.netuid, args.min_stake, args.allow_no_permit)?;
        let config = AxonConfig { workers: args.workers, ..AxonConfig::default() };
        agora_text::miner::serve(pair, config, guard, generator, SocketAddr::new(args.ip, args.port))
            .await
            .map_err(|e| Failure::msg(format!("cannot listen on {}:{}: {e}", args.ip, args.port)))
    })?;
    let port = running.local_addr.port();
    let external =
        args.external_ip.unwrap_or(if args.ip.is_unspecified() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { args.ip });
    if let Some(uid) = uid
        && !args.no_publish
    {
        let client = Client::new(g.endpoint())?;
        let m = client.metagraph(NetUid(args.netuid), false)?;
        let published = m.axons.get(usize::from(uid.get())).and_then(agora_client::metagraph::axon_address);
        if published != Some(SocketAddr::new(external, port)) {
            crate::sudo::publish_axon(g, args.netuid, external, port, 4, agora_neuron::synapse::VERSION_AS_INT as u32)?;
        }
    }
    let doc = json!({"hotkey": hotkey, "addr": running.local_addr.to_string(), "external": SocketAddr::new(external, port).to_string(),
        "netuid": args.netuid, "uid": uid.map(|u| u.get()), "backend": args.backend, "model": model,
        "synapses": ["TextGeneration", "TextGenerationStream", "Synapse"]});
    g.print(&doc, || {
        format!(
            "text miner {hotkey} ({model}) serving on {}{}; Ctrl-C stops",
            running.local_addr,
            match uid {
                Some(u) => format!(", uid {} on subnet {}", u.get(), args.netuid),
                None => " (no chain: any signed caller)".into(),
            }
        )
    });
    rt.block_on(async {
        crate::neuron_cmd::shutdown_signal().await;
        running.stop().await
    })?;
    Ok(())
}

pub fn run_validator(cmd: ValidatorCommand, g: &Global) -> Result<(), Failure> {
    let ValidatorCommand::Text(args) = cmd;
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(Failure::msg("--timeout must be a number of seconds in (0, 3600]"));
    }
    if !(args.alpha > 0.0 && args.alpha <= 1.0) {
        return Err(Failure::msg("--alpha must be in (0, 1]"));
    }
    if !(args.round_pause.is_finite() && (0.0..=86_400.0).contains(&args.round_pause)) {
        return Err(Failure::msg("--round-pause must be a number of seconds in [0, 86400]"));
    }
    if args.sample_size == 0 || args.max_tokens == 0 {
        return Err(Failure::msg("--sample-size and --max-tokens must be at least 1"));
    }
    single_thread_inference();
    crate::init_logging();
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let hotkey = pair.public();
    let client = Client::new(g.endpoint())?.with_timeout(Duration::from_secs(10));
    let netuid = NetUid(args.netuid);
    let uid = client.uid_of(netuid, &hotkey)?.ok_or_else(|| {
        Failure::msg(format!(
            "HotKeyNotRegisteredInNetwork: {hotkey} has no uid on subnet {n}; register it first: \
             `agora subnets register --netuid {n}`",
            n = args.netuid
        ))
    })?;
    let weights_every = match args.weights_every {
        Some(n) => n.max(1),
        None => u64::from(client.hyperparameters(netuid)?.tempo).max(1),
    };
    let paths = ensure(g, &args.models)?;
    let judge = Judge::new(
        LlamaEngine::load(&paths.llm()).map_err(|e| Failure::msg(e.to_string()))?,
        Embedder::load(&paths.embedder()).map_err(|e| Failure::msg(e.to_string()))?,
    );
    let state_path = args.state.clone().unwrap_or_else(|| {
        g.wallet
            .root()
            .join(g.wallet.name())
            .join("validator-text")
            .join(format!("{hotkey}-netuid{}.json", args.netuid))
    });
    let config = ValidatorConfig {
        netuid: args.netuid,
        sample_size: args.sample_size,
        timeout: Duration::from_secs_f64(args.timeout),
        max_tokens: args.max_tokens,
        alpha: args.alpha,
        weights_every,
        round_pause: Duration::from_secs_f64(args.round_pause),
        state_path: state_path.clone(),
        rounds: args.rounds,
        organic: args.organic_file.clone(),
    };
    let mut validator = Validator::new(client, pair, judge, config).map_err(|e| Failure::msg(e.to_string()))?;
    let doc = json!({"hotkey": hotkey, "uid": uid.get(), "netuid": args.netuid, "state": state_path,
        "rounds_so_far": validator.state().rounds, "weights_every": weights_every});
    g.print(&doc, || {
        format!(
            "text validator {hotkey} (uid {} on subnet {}), state {} ({} rounds so far), weights every {weights_every} blocks; Ctrl-C stops",
            uid.get(),
            args.netuid,
            state_path.display(),
            validator.state().rounds
        )
    });
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
            rt.block_on(crate::neuron_cmd::shutdown_signal());
            flag.store(true, Ordering::Relaxed);
        }
    });
    validator.run(&stop).map_err(|e| Failure::msg(e.to_string()))
}
