//! `agora miner dummy` and `agora dendrite dummy`: the template's example protocol, served and
//! queried over the neuron protocol.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use agora_neuron::dummy::{Dummy, answer};
use agora_neuron::{Axon, AxonConfig, AxonTarget, Dendrite, Guard, OpenGuard, StakeGuard};
use agora_primitives::NetUid;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::Failure;
use crate::out::Global;
use crate::tx::parse_account;

/// `agora miner`.
#[derive(Debug, Subcommand)]
pub enum MinerCommand {
    /// Serve the template's `Dummy` synapse (answers 2 × dummy_input) with the wallet's hotkey.
    Dummy(MinerArgs),
    /// Serve the text-generation subnet (`TextGeneration`, streaming too) from a model.
    Text(crate::text_cmd::TextMinerArgs),
}

/// Options of a miner's axon.
#[derive(Debug, Args)]
pub struct MinerArgs {
    /// Port to listen on.
    #[arg(long, default_value_t = 8091, env = "BT_AXON_PORT")]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0", env = "BT_AXON_IP")]
    ip: IpAddr,
    /// Serve without a node: signatures and nonces are still checked, the stake blacklist is off.
    #[arg(long)]
    no_chain: bool,
    /// The subnet whose metagraph decides who may call.
    #[arg(long, short = 'n', default_value_t = 1)]
    netuid: u16,
    /// Callers need at least this stake (TAO).
    #[arg(long, default_value_t = 0.0)]
    min_stake: f64,
    /// Also accept registered callers without a validator permit.
    #[arg(long)]
    allow_no_permit: bool,
    /// Requests handled at once.
    #[arg(long, default_value_t = 64, env = "BT_AXON_MAX_WORKERS")]
    workers: usize,
}

/// `agora dendrite`.
#[derive(Debug, Subcommand)]
pub enum DendriteCommand {
    /// Query an axon's `Dummy` synapse.
    Dummy {
        /// The axon's address (IP:PORT).
        #[arg(long)]
        axon: SocketAddr,
        /// The axon's hotkey (SS58): the request is signed for it.
        #[arg(long)]
        axon_hotkey: String,
        /// The query.
        #[arg(long, allow_negative_numbers = true)]
        input: i64,
        /// Seconds to wait.
        #[arg(long, default_value_t = 12.0)]
        timeout: f64,
    },
    /// Load test: signed `Dummy` requests to one axon; reports requests/s and latency.
    Load {
        /// The axon's address (IP:PORT).
        #[arg(long)]
        axon: SocketAddr,
        /// The axon's hotkey (SS58).
        #[arg(long)]
        axon_hotkey: String,
        /// Requests to send.
        #[arg(long, default_value_t = 5000)]
        requests: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Seconds each request may take.
        #[arg(long, default_value_t = 12.0)]
        timeout: f64,
    },
    /// Fan-out benchmark: starts N local axons in this process and times one `forward` to all.
    Fanout {
        /// Number of axons.
        #[arg(long, default_value_t = 256)]
        axons: usize,
        /// Forward rounds to time.
        #[arg(long, default_value_t = 30)]
        rounds: usize,
        /// Instead of timing, write the axons' addresses and hotkeys to FILE (JSON) and serve them
        /// for `--serve-for` seconds, so another dendrite can be timed against the same axons.
        #[arg(long, value_name = "FILE")]
        export: Option<std::path::PathBuf>,
        /// Seconds to serve with --export.
        #[arg(long, default_value_t = 300)]
        serve_for: u64,
    },
}

pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::msg(format!("cannot start the async runtime: {e}")))
}

/// Who may call a miner: anyone signed (`no_chain`), else the subnet's registered callers with a
/// permit (unless `allow_no_permit`) and the minimum stake, from a metagraph kept fresh in the
/// background. Call inside the runtime.
pub fn miner_guard(
    g: &Global,
    no_chain: bool,
    netuid: u16,
    min_stake: f64,
    allow_no_permit: bool,
) -> Result<Arc<dyn Guard>, Failure> {
    if no_chain {
        return Ok(Arc::new(OpenGuard));
    }
    Ok(StakeGuard::start(g.endpoint(), NetUid(netuid), min_stake, !allow_no_permit, Duration::from_secs(12))?)
}

pub fn run_miner(cmd: MinerCommand, g: &Global) -> Result<(), Failure> {
    let args = match cmd {
        MinerCommand::Dummy(args) => args,
        MinerCommand::Text(args) => return crate::text_cmd::run_miner(args, g),
    };
    crate::init_logging();
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let hotkey = pair.public();
    runtime()?.block_on(async move {
        let guard = miner_guard(g, args.no_chain, args.netuid, args.min_stake, args.allow_no_permit)?;
        let config = AxonConfig { workers: args.workers, ..AxonConfig::default() };
        let mut axon = Axon::new(pair, config).guard(guard);
        axon.attach(|q: Dummy, _| async move { Ok(answer(q)) });
        let running = axon
            .serve(SocketAddr::new(args.ip, args.port))
            .await
            .map_err(|e| Failure::msg(format!("cannot listen on {}:{}: {e}", args.ip, args.port)))?;
        let doc = json!({"hotkey": hotkey, "addr": running.local_addr.to_string(), "synapses": ["Dummy", "Synapse"], "chain": !args.no_chain});
        g.print(&doc, || {
            format!(
                "axon of {hotkey} serving Dummy on {}{}; Ctrl-C stops",
                running.local_addr,
                if args.no_chain { " (no chain: any signed caller)".to_string() } else { format!(" (callers checked against subnet {})", args.netuid) }
            )
        });
        shutdown_signal().await;
        running.stop().await?;
        Ok(())
    })
}

pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// p50 and p99 of `samples` (seconds), in ms.
fn percentiles(samples: &mut [f64]) -> (f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0);
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1] * 1e3;
    (at(0.50), at(0.99))
}

fn load(g: &Global, target: AxonTarget, requests: usize, concurrency: usize, timeout: f64) -> Result<(), Failure> {
    if requests == 0 || concurrency == 0 {
        return Err(Failure::msg("--requests and --concurrency must be at least 1"));
    }
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(Failure::msg("--timeout must be a positive number of seconds"));
    }
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let (ok, mut latencies, codes, seconds) = runtime()?.block_on(async move {
        let dendrite = Arc::new(Dendrite::new(pair));
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = std::time::Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency.min(requests) {
            let (dendrite, next, target) = (dendrite.clone(), next.clone(), target.clone());
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < requests {
                    let q = Dummy { dummy_input: 3, dummy_output: None };
                    let a = dendrite.call(&target, &q, Duration::from_secs_f64(timeout)).await;
                    out.push((a.status_code, a.process_time));
                }
                out
            }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.extend(t.await.unwrap_or_default());
        }
        let seconds = started.elapsed().as_secs_f64();
        let ok = results.iter().filter(|(c, _)| *c == 200).count();
        let mut codes = std::collections::BTreeMap::new();
        for (c, _) in &results {
            *codes.entry(c.to_string()).or_insert(0usize) += 1;
        }
        let latencies: Vec<f64> = results.iter().filter(|(c, _)| *c == 200).map(|(_, t)| *t).collect();
        (ok, latencies, codes, seconds)
    });
    let (p50, p99) = percentiles(&mut latencies);
    let doc = json!({"requests": requests, "ok": ok, "status_codes": codes, "seconds": seconds,
        "requests_per_second": ok as f64 / seconds, "p50_ms": p50, "p99_ms": p99, "concurrency": concurrency});
    g.print(&doc, || {
        format!("{ok}/{requests} ok in {seconds:.2} s: {:.0} req/s, p50 {p50:.2} ms, p99 {p99:.2} ms (concurrency {concurrency})", ok as f64 / seconds)
    });
    Ok(())
}

fn fanout(
    g: &Global,
    axons: usize,
    rounds: usize,
    export: Option<std::path::PathBuf>,
    serve_for: u64,
) -> Result<(), Failure> {
    if axons == 0 || rounds == 0 {
        return Err(Failure::msg("--axons and --rounds must be at least 1"));
    }
    let (mut times, ok) = runtime()?.block_on(async move {
        let mut running = Vec::new();
        let mut targets = Vec::new();
        for i in 0..axons {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
            let pair = agora_primitives::Pair::from_seed(&seed);
            let hotkey = pair.public();
            let mut axon = Axon::new(pair, AxonConfig::default());
            axon.attach(|q: Dummy, _| async move { Ok(answer(q)) });
            let r = axon.serve("127.0.0.1:0".parse().expect("an address")).await?;
            targets.push(AxonTarget { addr: r.local_addr, hotkey });
            running.push(r);
        }
        if let Some(path) = &export {
            let list: Vec<_> = targets
                .iter()
                .map(|t| json!({"ip": t.addr.ip().to_string(), "port": t.addr.port(), "hotkey": t.hotkey}))
                .collect();
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, serde_json::to_vec(&list).expect("serialisable"))?;
            std::fs::rename(&tmp, path)?;
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(serve_for)) => {}
                _ = shutdown_signal() => {}
            }
            for r in running {
                r.stop().await?;
            }
            return Ok((Vec::new(), 0));
        }
        let dendrite = Dendrite::new(agora_primitives::Pair::from_seed(&[200; 32]));
        let q = Dummy { dummy_input: 1, dummy_output: None };
        let mut times = Vec::new();
        let mut ok = 0;
        // One warm-up round opens the pooled connections.
        dendrite.forward(&targets, &q, Duration::from_secs(30)).await;
        for _ in 0..rounds {
            let started = std::time::Instant::now();
            let answers = dendrite.forward(&targets, &q, Duration::from_secs(30)).await;
            times.push(started.elapsed().as_secs_f64());
            ok += answers.iter().filter(|a| a.is_success()).count();
        }
        for r in running {
            r.stop().await?;
        }
        Ok::<_, std::io::Error>((times, ok))
    })?;
    if times.is_empty() {
        return Ok(());
    }
    let (p50, p99) = percentiles(&mut times);
    let doc =
        json!({"axons": axons, "rounds": rounds, "ok": ok, "expected": axons * rounds, "p50_ms": p50, "p99_ms": p99});
    g.print(&doc, || {
        format!("forward to {axons} axons: p50 {p50:.1} ms, p99 {p99:.1} ms ({ok}/{} answers ok)", axons * rounds)
    });
    Ok(())
}

pub fn run_dendrite(cmd: DendriteCommand, g: &Global) -> Result<(), Failure> {
    let (axon, axon_hotkey, input, timeout) = match cmd {
        DendriteCommand::Dummy { axon, axon_hotkey, input, timeout } => (axon, axon_hotkey, input, timeout),
        DendriteCommand::Load { axon, axon_hotkey, requests, concurrency, timeout } => {
            let target = AxonTarget { addr: axon, hotkey: parse_account(&axon_hotkey)? };
            return load(g, target, requests, concurrency, timeout);
        }
        DendriteCommand::Fanout { axons, rounds, export, serve_for } => {
            return fanout(g, axons, rounds, export, serve_for);
        }
    };
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(Failure::msg("--timeout must be a positive number of seconds"));
    }
    let target = AxonTarget { addr: axon, hotkey: parse_account(&axon_hotkey)? };
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let answer = runtime()?.block_on(async move {
        Dendrite::new(pair)
            .call(&target, &Dummy { dummy_input: input, dummy_output: None }, Duration::from_secs_f64(timeout))
            .await
    });
    let doc = if answer.is_success() {
        json!({"status_code": answer.status_code, "dummy_output": answer.synapse.as_ref().and_then(|s| s.dummy_output), "process_time": answer.process_time})
    } else {
        json!({"status_code": answer.status_code, "status_message": answer.status_message, "process_time": answer.process_time})
    };
    g.print(&doc, || match &answer.synapse {
        Some(s) => format!(
            "{} → {} ({:.3} s)",
            input,
            s.dummy_output.map_or("None".into(), |v| v.to_string()),
            answer.process_time
        ),
        None => format!("{} {}", answer.status_code, answer.status_message),
    });
    if answer.is_success() {
        Ok(())
    } else {
        Err(Failure(format!("the axon answered {}: {}", answer.status_code, answer.status_message), 1))
    }
}
