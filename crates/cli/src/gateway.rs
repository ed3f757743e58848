//! `agora gateway`: the OpenAI-compatible front door of the text subnet and, with
//! `--ocr-netuid`, the document-OCR subnet.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use agora_gateway::load::LoadOptions;
use agora_gateway::{Access, GatewayError, GatewayOptions, ModelFiles};
use agora_primitives::NetUid;
use clap::Args;
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::models::ModelsDir;
use agora_models::single_thread_inference;

/// Options of `agora gateway`.
#[derive(Debug, Args)]
pub struct GatewayArgs {
    /// Subnet to serve.
    #[arg(long, short = 'n', default_value = "1", value_parser = crate::args::netuid)]
    netuid: NetUid,
    /// Also serve this document-OCR subnet: `agora/ocr`, and any chat request whose user message
    /// holds an image (an `image_url` part with a data: URL).
    #[arg(long, value_name = "NETUID", value_parser = crate::args::netuid)]
    ocr_netuid: Option<NetUid>,
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
    /// Append one request in `--organic-every` of each API key (at most 6 a minute per key, 8 KiB
    /// of text; the file rotates at 4 MiB) to this JSON-lines file, for validators'
    /// `--organic-file` (organic traffic in scoring).
    #[arg(long, value_name = "FILE")]
    organic_file: Option<PathBuf>,
    /// Sample one request in this many of each API key into `--organic-file`.
    #[arg(long, default_value_t = 4)]
    organic_every: u64,
    /// Do not load the models: best-of-k is then unavailable, and `usage` is counted only when
    /// the SmolLM2 file is already in the models directory (its tokenizer alone is read), else
    /// `null`.
    #[arg(long)]
    no_models: bool,
    #[command(flatten)]
    models: ModelsDir,
}

pub fn run(args: GatewayArgs, g: &Global) -> Result<(), Failure> {
    let timeout =
        Duration::try_from_secs_f64(args.timeout).map_err(|_| GatewayError::Timeout { seconds: args.timeout })?;
    let models = ModelFiles::from_paths(args.models.paths(), !args.no_models);
    let options = GatewayOptions {
        addr: SocketAddr::new(args.ip, args.port),
        timeout,
        retries: args.retries,
        hedge: args.hedge,
        best_of: args.best_of,
        organic_file: args.organic_file,
        organic_every: args.organic_every,
        models,
        ocr_netuid: args.ocr_netuid,
        ..GatewayOptions::new(
            g.endpoint(),
            args.netuid,
            match args.keys {
                Some(path) => Access::KeyFile(path),
                None => Access::Open,
            },
        )
    };
    options.validate()?;
    if !args.no_models {
        single_thread_inference();
    }
    // Before the start: it logs the models' download, if they are missing.
    crate::signals::init_logging();
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let hotkey = pair.public();
    crate::signals::runtime()?.block_on(async move {
        let gateway = agora_gateway::start(options, pair).await?;
        let (local, miners) = (gateway.local_addr, gateway.miners());
        let doc = json!({"url": format!("http://{local}"), "openai_base_url": format!("http://{local}/v1"),
            "explorer_url": format!("http://{local}/explorer"), "chat_url": format!("http://{local}/chat"),
            "netuid": args.netuid, "ocr_netuid": args.ocr_netuid, "hotkey": hotkey, "miners": miners, "auth": !args.open});
        g.print(&doc, || {
            let ocr = args.ocr_netuid.map_or(String::new(), |n| format!(" and OCR subnet {n}"));
            format!(
                "gateway for subnet {}{ocr} on http://{local} (OpenAI base URL http://{local}/v1), signing as {hotkey}, {miners} miners; Ctrl-C stops",
                args.netuid
            )
        });
        gateway.wait_until(crate::signals::shutdown()).await?;
        Ok(())
    })
}

/// Options of `agora gateway-load`.
#[derive(Debug, Args)]
pub struct GatewayLoadArgs {
    /// The gateway's base URL (`http://127.0.0.1:8000`).
    #[arg(long)]
    url: String,
    /// API key.
    #[arg(long, env = "AGORA_API_KEY")]
    key: String,
    /// Requests to send.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// `max_tokens` of each request.
    #[arg(long, default_value_t = 16)]
    max_tokens: u32,
    /// Stream the answers (time to the last byte is measured).
    #[arg(long)]
    stream: bool,
}

/// Load test of a gateway: chat completions at a fixed concurrency; prints requests/s and
/// latency percentiles.
pub fn load(args: GatewayLoadArgs, g: &Global) -> Result<(), Failure> {
    if args.requests == 0 || args.concurrency == 0 {
        return Err(Failure::msg("--requests and --concurrency must be at least 1"));
    }
    let options = LoadOptions {
        url: args.url,
        key: args.key,
        requests: args.requests,
        concurrency: args.concurrency,
        max_tokens: args.max_tokens,
        stream: args.stream,
    };
    let r = crate::signals::runtime()?.block_on(agora_gateway::load::load(&options))?;
    let s = &r.summary;
    g.print(&r, || {
        format!(
            "{}/{} ok in {:.2} s: {:.1} req/s, p50 {:.1} ms, p99 {:.1} ms (concurrency {}, codes {:?})",
            s.ok, s.requests, s.seconds, s.requests_per_second, s.p50_ms, s.p99_ms, s.concurrency, s.status_codes
        )
    });
    Ok(())
}
