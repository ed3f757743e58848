//! `agora gateway`: the OpenAI-compatible front door of a subnet.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use agora_gateway::{Access, GatewayError, GatewayOptions, ModelFiles};
use agora_primitives::NetUid;
use clap::Args;
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::models::{ModelsDir, ensure};
use agora_models::single_thread_inference;

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
    /// Append one request in `--organic-every` to this JSON-lines file, for validators'
    /// `--organic-file` (organic traffic in scoring).
    #[arg(long, value_name = "FILE")]
    organic_file: Option<PathBuf>,
    /// Sample one request in this many into `--organic-file`.
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
    let models = if args.no_models {
        // No judge, but usage is still counted when the model file is already here.
        let llm = args.models.paths().llm();
        if llm.is_file() { ModelFiles::Tokenizer(llm) } else { ModelFiles::None }
    } else {
        ModelFiles::Judge(args.models.paths())
    };
    let options = GatewayOptions {
        addr: SocketAddr::new(args.ip, args.port),
        timeout,
        retries: args.retries,
        hedge: args.hedge,
        best_of: args.best_of,
        organic_file: args.organic_file,
        organic_every: args.organic_every,
        models,
        ..GatewayOptions::new(
            g.endpoint(),
            NetUid(args.netuid),
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
    crate::signals::init_logging();
    if !args.no_models {
        ensure(g, &args.models)?;
    }
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let hotkey = pair.public();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::msg(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async move {
        let gateway = agora_gateway::start(options, pair).await?;
        let (local, miners) = (gateway.local_addr, gateway.miners());
        let doc = json!({"url": format!("http://{local}"), "openai_base_url": format!("http://{local}/v1"),
            "explorer_url": format!("http://{local}/explorer"), "chat_url": format!("http://{local}/chat"),
            "netuid": args.netuid, "hotkey": hotkey, "miners": miners, "auth": !args.open});
        g.print(&doc, || {
            format!(
                "gateway for subnet {} on http://{local} (OpenAI base URL http://{local}/v1), signing as {hotkey}, {miners} miners; Ctrl-C stops",
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

/// Load test of a gateway: chat completions at a fixed concurrency; reports requests/s and
/// latency percentiles.
pub fn load(args: GatewayLoadArgs, g: &Global) -> Result<(), Failure> {
    if args.requests == 0 || args.concurrency == 0 {
        return Err(Failure::msg("--requests and --concurrency must be at least 1"));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::msg(format!("cannot start the async runtime: {e}")))?;
    let url = format!("{}/v1/chat/completions", args.url.trim_end_matches('/'));
    let (mut latencies, codes, seconds) = rt.block_on(async {
        let http = reqwest::Client::new();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = std::time::Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..args.concurrency.min(args.requests) {
            let (http, next, url, key) = (http.clone(), next.clone(), url.clone(), args.key.clone());
            let (requests, max_tokens, stream) = (args.requests, args.max_tokens, args.stream);
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let body = json!({"model": "agora/text", "max_tokens": max_tokens, "stream": stream,
                        "messages": [{"role": "user", "content": format!("Say something about the number {i}.")}]});
                    let t = std::time::Instant::now();
                    let r = http
                        .post(&url)
                        .header("authorization", format!("Bearer {key}"))
                        .header("content-type", "application/json")
                        .body(body.to_string())
                        .send()
                        .await;
                    let code = match r {
                        Ok(r) => {
                            let code = r.status().as_u16();
                            let _ = r.bytes().await;
                            code
                        }
                        Err(_) => 0,
                    };
                    out.push((code, t.elapsed().as_secs_f64()));
                }
                out
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap_or_default());
        }
        let seconds = started.elapsed().as_secs_f64();
        let mut codes = std::collections::BTreeMap::new();
        for (c, _) in &all {
            *codes.entry(c.to_string()).or_insert(0usize) += 1;
        }
        let ok: Vec<f64> = all.iter().filter(|(c, _)| *c == 200).map(|(_, t)| *t).collect();
        (ok, codes, seconds)
    });
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if latencies.is_empty() {
            0.0
        } else {
            latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1] * 1e3
        }
    };
    let ok = latencies.len();
    let doc = json!({"requests": args.requests, "ok": ok, "status_codes": codes, "seconds": seconds,
        "requests_per_second": ok as f64 / seconds, "p50_ms": at(0.5), "p99_ms": at(0.99), "concurrency": args.concurrency,
        "stream": args.stream, "max_tokens": args.max_tokens});
    g.print(&doc, || {
        format!(
            "{ok}/{} ok in {seconds:.2} s: {:.1} req/s, p50 {:.1} ms, p99 {:.1} ms (concurrency {}, codes {codes:?})",
            args.requests,
            ok as f64 / seconds,
            at(0.5),
            at(0.99),
            args.concurrency
        )
    });
    Ok(())
}
