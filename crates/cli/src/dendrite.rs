//! `agora dendrite dummy|load|fanout`: query axons with the template's `Dummy` synapse, and the
//! dendrite's load and fan-out benchmarks ([`agora_neuron::bench`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use agora_neuron::dummy::Dummy;
use agora_neuron::{AxonTarget, Dendrite, bench};
use clap::Subcommand;
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
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
        export: Option<PathBuf>,
        /// Seconds to serve with --export.
        #[arg(long, default_value_t = 300)]
        serve_for: u64,
    },
}

fn load(g: &Global, target: AxonTarget, requests: usize, concurrency: usize, timeout: f64) -> Result<(), Failure> {
    if requests == 0 || concurrency == 0 {
        return Err(Failure::msg("--requests and --concurrency must be at least 1"));
    }
    let timeout = crate::args::seconds("--timeout", timeout)?;
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let r = runtime()?.block_on(bench::load_dummy(pair, target, requests, concurrency, timeout));
    g.print(&r, || {
        format!(
            "{}/{requests} ok in {:.2} s: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms (concurrency {concurrency})",
            r.ok, r.seconds, r.requests_per_second, r.p50_ms, r.p99_ms
        )
    });
    Ok(())
}

fn fanout(g: &Global, axons: usize, rounds: usize, export: Option<PathBuf>, serve_for: u64) -> Result<(), Failure> {
    if axons == 0 || rounds == 0 {
        return Err(Failure::msg("--axons and --rounds must be at least 1"));
    }
    let rt = runtime()?;
    if let Some(path) = export {
        let until = async move {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(serve_for)) => {}
                _ = shutdown() => {}
            }
        };
        return Ok(rt.block_on(bench::serve_exported(axons, &path, until))?);
    }
    let r = rt.block_on(bench::fanout(axons, rounds))?;
    g.print(&r, || {
        format!(
            "forward to {axons} axons: p50 {:.1} ms, p99 {:.1} ms ({}/{} answers ok)",
            r.p50_ms, r.p99_ms, r.ok, r.expected
        )
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
