//! `agora dendrite dummy|load|fanout`: query axons with the template's `Dummy` synapse, and the
//! dendrite's load and fan-out benchmarks (through [`crate::load`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use agora_neuron::dummy::{Dummy, answer};
use agora_neuron::{Axon, AxonConfig, AxonTarget, Dendrite};
use clap::Subcommand;
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::load::{Sample, closed_loop, percentile, split};
use crate::session::parse_account;
use crate::signals::{runtime, shutdown};

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

fn load(g: &Global, target: AxonTarget, requests: usize, concurrency: usize, timeout: f64) -> Result<(), Failure> {
    if requests == 0 || concurrency == 0 {
        return Err(Failure::msg("--requests and --concurrency must be at least 1"));
    }
    let timeout = crate::validator::seconds("--timeout", timeout)?;
    let dendrite = Arc::new(Dendrite::new(g.wallet.hotkey_pair()?.pair().clone()));
    let report = runtime()?.block_on(closed_loop(split(requests, concurrency), move |_, _| {
        let (dendrite, target) = (dendrite.clone(), target.clone());
        async move {
            let q = Dummy { dummy_input: 3, dummy_output: None };
            let a = dendrite.call(&target, &q, timeout).await;
            Sample { ok: a.status_code == 200, status: a.status_code.to_string(), seconds: a.process_time }
        }
    }));
    let (ok, seconds, rate, p50, p99) = (report.ok, report.seconds, report.rate(), report.ms(0.5), report.ms(0.99));
    let doc = json!({"requests": requests, "ok": ok, "status_codes": report.status_codes, "seconds": seconds,
        "requests_per_second": rate, "p50_ms": p50, "p99_ms": p99, "concurrency": concurrency});
    g.print(&doc, || {
        format!("{ok}/{requests} ok in {seconds:.2} s: {rate:.0} req/s, p50 {p50:.2} ms, p99 {p99:.2} ms (concurrency {concurrency})")
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
                _ = shutdown() => {}
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
    times.sort_by(f64::total_cmp);
    let (p50, p99) = (percentile(&times, 0.5) * 1e3, percentile(&times, 0.99) * 1e3);
    let doc =
        json!({"axons": axons, "rounds": rounds, "ok": ok, "expected": axons * rounds, "p50_ms": p50, "p99_ms": p99});
    g.print(&doc, || {
        format!("forward to {axons} axons: p50 {p50:.1} ms, p99 {p99:.1} ms ({ok}/{} answers ok)", axons * rounds)
    });
    Ok(())
}

pub fn run(cmd: DendriteCommand, g: &Global) -> Result<(), Failure> {
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
        Err(Failure::msg(format!("the axon answered {}: {}", answer.status_code, answer.status_message)).with_code(1))
    }
}
