//! `agora gateway`: the OpenAI-compatible front door of a subnet.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use agora_gateway::{Gateway, GatewayConfig, Keys, MinerPool, router};
use agora_models::{Embedder, LlamaEngine};
use agora_neuron::Dendrite;
use agora_primitives::NetUid;
use agora_text::Judge;
use clap::Args;
use serde_json::json;

use crate::Failure;
use crate::models_cmd::{ModelsDir, ensure, single_thread_inference};
use crate::out::Global;

/// Options of `agora gateway`.
#[derive(Debug, Args)]
pub struct GatewayArgs {
    /// Subnet to serve.
    #[arg(long, short = 'n', default_value_t = 1)]
    netuid: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    ip: IpAddr,
    /// Port to listen on.
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// API keys file (TOML `[[keys]]` with `key`, `name`, `requests_per_minute`, `best_of`).
    #[arg(long, value_name = "FILE", required_unless_present = "open")]
    keys: Option<PathBuf>,
    /// Serve without API keys (anyone who can reach the port).
    #[arg(long, conflicts_with = "keys")]
    open: bool,
    /// Seconds a miner has per attempt.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// Other miners tried after a failure.
    #[arg(long, default_value_t = 2)]
    retries: usize,
    /// Send each request to two miners and answer with the first.
    #[arg(long)]
    hedge: bool,
    /// Best-of-k for every request (requests may ask with `"agora": {"best_of": K}`).
    #[arg(long, default_value_t = 1)]
    best_of: u8,
    /// Do not load the models (best-of-k is then unavailable).
    #[arg(long)]
    no_models: bool,
    #[command(flatten)]
    models: ModelsDir,
}

pub fn run(args: GatewayArgs, g: &Global) -> Result<(), Failure> {
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(Failure::msg("--timeout must be a number of seconds in (0, 3600]"));
    }
    if !(1..=8).contains(&args.best_of) {
        return Err(Failure::msg("--best-of must be 1 to 8"));
    }
    if args.no_models && args.best_of > 1 {
        return Err(Failure::msg("--best-of needs the models; drop --no-models"));
    }
    if !args.no_models {
        single_thread_inference();
    }
    crate::init_logging();
    let keys = match &args.keys {
        Some(path) => Some(Keys::load(path).map_err(|e| Failure::msg(e.to_string()))?),
        None => None,
    };
    let judge = if args.no_models {
        None
    } else {
        let paths = ensure(g, &args.models)?;
        Some(Judge::new(
            LlamaEngine::load(&paths.llm()).map_err(|e| Failure::msg(e.to_string()))?,
            Embedder::load(&paths.embedder()).map_err(|e| Failure::msg(e.to_string()))?,
        ))
    };
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let hotkey = pair.public();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::msg(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async move {
        let pool = Arc::new(MinerPool::new(hotkey, Duration::from_secs(30), agora_text::tasks::entropy()));
        pool.start_refresh(g.endpoint(), NetUid(args.netuid), Duration::from_secs(12)).await?;
        let config = GatewayConfig {
            netuid: args.netuid,
            timeout: Duration::from_secs_f64(args.timeout),
            retries: args.retries,
            hedge: args.hedge,
            default_best_of: args.best_of,
        };
        let miners = pool.candidates().len();
        let node = agora_client::RpcClient::new(g.endpoint())?.with_timeout(Duration::from_secs(10));
        let gw = Gateway::new(pool, Dendrite::new(pair), keys, judge, Some(node), config);
        let addr = SocketAddr::new(args.ip, args.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Failure::msg(format!("cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        let doc = json!({"url": format!("http://{local}"), "openai_base_url": format!("http://{local}/v1"),
            "explorer_url": format!("http://{local}/explorer"), "chat_url": format!("http://{local}/chat"),
            "netuid": args.netuid, "hotkey": hotkey, "miners": miners, "auth": !args.open});
        g.print(&doc, || {
            format!(
                "gateway for subnet {} on http://{local} (OpenAI base URL http://{local}/v1), signing as {hotkey}, {miners} miners; Ctrl-C stops",
                args.netuid
            )
        });
        axum::serve(listener, router(gw))
            .with_graceful_shutdown(crate::neuron_cmd::shutdown_signal())
            .await
            .map_err(|e| Failure::msg(format!("gateway stopped: {e}")))
    })
}
