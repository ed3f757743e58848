//! The dendrite's benchmarks, with the template's [`Dummy`] synapse: a load test of one axon
//! ([`load_dummy`]), and the fan-out to many local axons ([`fanout`]), or those axons served
//! for another dendrite to time ([`serve_exported`]).

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agora_primitives::{AccountId, Pair};
use serde::Serialize;

use crate::dummy::{Dummy, answer};
use crate::load::{Sample, Summary, closed_loop, percentile, split};
use crate::{Axon, AxonConfig, AxonTarget, Dendrite, RunningAxon};

/// How long one fan-out round may take.
const FANOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a benchmark failed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A local axon could not be started or stopped.
    #[error("local axon: {0}")]
    Axon(#[source] std::io::Error),
    /// The axons' list could not be written.
    #[error("{}: {source}", path.display())]
    Export {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// `Result` with [`BenchError`].
pub type BenchResult<T> = Result<T, BenchError>;

/// Sends `requests` signed `Dummy` queries to `target` from `concurrency` workers (each waits
/// for its answer before sending the next), signed with `pair`, each allowed `timeout`. A
/// request succeeds when the axon answers 200; its latency is the dendrite's `process_time`.
/// No requests (or no workers) give an empty summary.
pub async fn load_dummy(
    pair: Pair,
    target: AxonTarget,
    requests: usize,
    concurrency: usize,
    timeout: Duration,
) -> Summary {
    let dendrite = Arc::new(Dendrite::new(pair));
    let report = closed_loop(split(requests, concurrency), move |_, _| {
        let (dendrite, target) = (dendrite.clone(), target.clone());
        async move {
            let q = Dummy { dummy_input: 3, dummy_output: None };
            let a = dendrite.call(&target, &q, timeout).await;
            Sample { ok: a.status_code == 200, status: a.status_code.to_string(), seconds: a.process_time }
        }
    })
    .await;
    report.summary(requests, concurrency)
}

/// What [`fanout`] measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FanoutReport {
    /// Local axons queried.
    pub axons: usize,
    /// Timed rounds.
    pub rounds: usize,
    /// Answers with status 200, over all rounds.
    pub ok: usize,
    /// Answers expected (`axons * rounds`).
    pub expected: usize,
    /// Median time of one `forward` to all axons, in ms.
    pub p50_ms: f64,
    /// 99th-percentile time of one `forward` to all axons, in ms.
    pub p99_ms: f64,
}

/// Local axons serving [`Dummy`] on loopback, with fixed hotkeys (seeds 1, 2, …).
pub struct DummyAxons {
    running: Vec<RunningAxon>,
    targets: Vec<AxonTarget>,
}

/// One axon in the file [`DummyAxons::export`] writes.
#[derive(Serialize)]
struct ExportedAxon {
    ip: String,
    port: u16,
    hotkey: AccountId,
}

impl DummyAxons {
    /// Starts `count` axons on `127.0.0.1`, each on a free port.
    pub async fn start(count: usize) -> BenchResult<DummyAxons> {
        let mut axons = DummyAxons { running: Vec::with_capacity(count), targets: Vec::with_capacity(count) };
        for i in 0..count {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
            let pair = Pair::from_seed(&seed);
            let hotkey = pair.public();
            let mut axon = Axon::new(pair, AxonConfig::default());
            axon.attach(|q: Dummy, _| async move { Ok(answer(q)) });
            // On failure the axons started so far shut down as they are dropped.
            let r = axon.serve(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.map_err(BenchError::Axon)?;
            axons.targets.push(AxonTarget { addr: r.local_addr, hotkey });
            axons.running.push(r);
        }
        Ok(axons)
    }

    /// Where they listen, and their hotkeys.
    pub fn targets(&self) -> &[AxonTarget] {
        &self.targets
    }

    /// Writes their addresses and hotkeys to `path` as a JSON list of `{"ip", "port",
    /// "hotkey"}`, atomically (through `path` with the extension `.tmp`).
    pub fn export(&self, path: &Path) -> BenchResult<()> {
        let list: Vec<ExportedAxon> = self
            .targets
            .iter()
            .map(|t| ExportedAxon { ip: t.addr.ip().to_string(), port: t.addr.port(), hotkey: t.hotkey })
            .collect();
        let bytes = serde_json::to_vec(&list).expect("strings and numbers always serialise");
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes).map_err(|source| BenchError::Export { path: tmp.clone(), source })?;
        std::fs::rename(&tmp, path).map_err(|source| BenchError::Export { path: path.to_path_buf(), source })
    }

    /// Stops them all.
    pub async fn stop(self) -> BenchResult<()> {
        for r in self.running {
            r.stop().await.map_err(BenchError::Axon)?;
        }
        Ok(())
    }
}

/// Starts `axons` local [`DummyAxons`] and times `rounds` `Dendrite::forward`s to all of them
/// (after one untimed warm-up round that opens the pooled connections), then stops them.
pub async fn fanout(axons: usize, rounds: usize) -> BenchResult<FanoutReport> {
    let local = DummyAxons::start(axons).await?;
    let dendrite = Dendrite::new(Pair::from_seed(&[200; 32]));
    let q = Dummy { dummy_input: 1, dummy_output: None };
    dendrite.forward(local.targets(), &q, FANOUT_TIMEOUT).await;
    let mut times = Vec::with_capacity(rounds);
    let mut ok = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let answers = dendrite.forward(local.targets(), &q, FANOUT_TIMEOUT).await;
        times.push(started.elapsed().as_secs_f64());
        ok += answers.iter().filter(|a| a.is_success()).count();
    }
    local.stop().await?;
    times.sort_by(f64::total_cmp);
    Ok(FanoutReport {
        axons,
        rounds,
        ok,
        expected: axons * rounds,
        p50_ms: percentile(&times, 0.5) * 1e3,
        p99_ms: percentile(&times, 0.99) * 1e3,
    })
}

/// Starts `axons` local [`DummyAxons`], exports them to `path` ([`DummyAxons::export`]) so
/// another dendrite can be timed against them, serves until `until` resolves, then stops them.
pub async fn serve_exported(axons: usize, path: &Path, until: impl Future<Output = ()>) -> BenchResult<()> {
    let local = DummyAxons::start(axons).await?;
    local.export(path)?;
    until.await;
    local.stop().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fanout_reaches_every_axon() {
        let report = fanout(3, 2).await.unwrap();
        assert_eq!((report.axons, report.rounds, report.ok, report.expected), (3, 2, 6, 6));
        assert!(report.p50_ms > 0.0 && report.p50_ms <= report.p99_ms);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dummy_load_counts_every_request() {
        let local = DummyAxons::start(1).await.unwrap();
        let target = local.targets()[0].clone();
        let summary = load_dummy(Pair::from_seed(&[9; 32]), target, 10, 3, Duration::from_secs(10)).await;
        local.stop().await.unwrap();
        assert_eq!((summary.requests, summary.ok, summary.concurrency), (10, 10, 3));
        assert_eq!(summary.status_codes.get("200"), Some(&10));
        assert!(summary.requests_per_second > 0.0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn exported_axons_are_listed_and_served() {
        let dir = std::env::temp_dir().join(format!("agora-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("axons.json");
        serve_exported(2, &path, async {}).await.unwrap();
        let list: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["ip"], "127.0.0.1");
        assert!(list[0]["port"].as_u64().unwrap() > 0 && list[0]["hotkey"].is_string());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
