//! The load tools' shared parts: one closed loop (workers that each run their share of jobs one
//! after another) and one percentile definition (nearest rank), used by `agora chain load`,
//! `agora dendrite load|fanout` and `agora gateway-load`; and `agora chain load` itself.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agora_client::RpcClient;
use agora_node::localnet::dev_accounts;
use agora_primitives::{Balance, Hash, Pair};
use agora_runtime::{Call, SignedTransaction};
use clap::Args;
use parity_scale_codec::Encode;
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;

/// The outcome of one job: a status (`"200"`, `"refused"`…) and its latency.
pub struct Sample {
    /// Whether it succeeded.
    pub ok: bool,
    /// Its status, counted in the report.
    pub status: String,
    /// Seconds it took.
    pub seconds: f64,
}

/// What a closed loop measured.
pub struct Report {
    /// Jobs that succeeded.
    pub ok: usize,
    /// Jobs by status.
    pub status_codes: BTreeMap<String, usize>,
    /// Wall-clock seconds of the whole loop.
    pub seconds: f64,
    /// Latencies of the successful jobs, sorted (seconds).
    pub latencies: Vec<f64>,
}

impl Report {
    /// Successful jobs per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.seconds.max(1e-9)
    }

    /// The `q` quantile of the successful latencies, in ms.
    pub fn ms(&self, q: f64) -> f64 {
        percentile(&self.latencies, q) * 1e3
    }
}

/// The nearest-rank `q` quantile of sorted `samples` (0 when empty).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// `total` jobs split as evenly as possible over `workers`.
pub fn split(total: usize, workers: usize) -> Vec<usize> {
    let workers = workers.clamp(1, total.max(1));
    (0..workers).map(|w| total / workers + usize::from(w < total % workers)).collect()
}

/// Runs `jobs[w]` jobs on worker `w` (in order, one at a time), all workers at once; `job(w, k)`
/// is worker `w`'s `k`-th job.
pub async fn closed_loop<F, Fut>(jobs: Vec<usize>, job: F) -> Report
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Sample> + Send,
{
    let job = Arc::new(job);
    let started = Instant::now();
    let tasks: Vec<_> = jobs
        .into_iter()
        .enumerate()
        .map(|(w, n)| {
            let job = job.clone();
            tokio::spawn(async move {
                let mut out = Vec::with_capacity(n);
                for k in 0..n {
                    out.push(job(w, k).await);
                }
                out
            })
        })
        .collect();
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await.unwrap_or_default());
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut status_codes = BTreeMap::new();
    for s in &samples {
        *status_codes.entry(s.status.clone()).or_insert(0usize) += 1;
    }
    let mut latencies: Vec<f64> = samples.iter().filter(|s| s.ok).map(|s| s.seconds).collect();
    latencies.sort_by(f64::total_cmp);
    Report { ok: latencies.len(), status_codes, seconds, latencies }
}

/// `agora chain load`.
#[derive(Debug, Args)]
pub struct ChainLoadArgs {
    /// JSON-RPC URLs of the nodes to submit to (comma-separated; round robin).
    #[arg(long, value_delimiter = ',', default_value = "http://127.0.0.1:30301")]
    rpc: Vec<String>,
    /// Number of transfers.
    #[arg(long, default_value_t = 2000)]
    txs: usize,
    /// Give up waiting for finality after this many seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

/// Signed transfers from the localnet dev accounts, pre-signed so signing is not measured; one
/// worker per account submits its transfers in nonce order.
fn presign(client: &RpcClient, txs: usize) -> Result<Vec<Vec<SignedTransaction>>, Failure> {
    let status = client.call("chain_status", json!([]))?;
    let genesis =
        status["genesis_hash"].as_str().and_then(Hash::from_hex).ok_or(Failure::msg("node gave no genesis hash"))?;
    let accounts = dev_accounts();
    let dest = Pair::from_seed(&[0x10; 32]).public();
    let mut per_account = Vec::new();
    for ((_, pair), count) in accounts.iter().zip(split(txs, accounts.len())) {
        let nonce = client.call("state_nonce", json!([pair.public().to_string()]))?.as_u64().unwrap_or(0);
        per_account.push(
            (0..count as u64)
                .map(|i| {
                    SignedTransaction::sign(pair, &genesis, nonce + i, Call::Transfer { dest, amount: Balance(1) })
                })
                .collect(),
        );
    }
    Ok(per_account)
}

/// Submits signed transfers from the localnet dev accounts and measures finalised transfers per
/// second and submit-to-finality latency (p50/p99).
pub fn chain(args: ChainLoadArgs, g: &Global) -> Result<(), Failure> {
    if args.rpc.is_empty() || args.txs == 0 {
        return Err(Failure::msg("give at least one --rpc URL and --txs > 0"));
    }
    let clients: Vec<RpcClient> = args.rpc.iter().map(|u| RpcClient::new(u)).collect::<Result<_, _>>()?;
    let start_height = clients[0].call("chain_status", json!([]))?["finalized_height"].as_u64().unwrap_or(0);
    let per_account = Arc::new(presign(&clients[0], args.txs)?);
    let submitted: Arc<Mutex<BTreeMap<Hash, Instant>>> = Arc::default();
    let rt = crate::signals::runtime()?;
    let jobs = per_account.iter().map(Vec::len).collect();
    let (txs, sent, pool) = (per_account.clone(), submitted.clone(), clients.clone());
    let submitting = rt.spawn(closed_loop(jobs, move |w, k| {
        let (tx, sent, client) = (txs[w][k].clone(), sent.clone(), pool[w % pool.len()].clone());
        async move {
            let t = Instant::now();
            sent.lock().unwrap().insert(tx.hash(), t);
            let hex = agora_node::chain::hex(&tx.encode());
            let ok = tokio::task::spawn_blocking(move || client.call("author_submitTransaction", json!([hex])).is_ok())
                .await
                .unwrap_or(false);
            if !ok {
                sent.lock().unwrap().remove(&tx.hash());
            }
            Sample { ok, status: if ok { "accepted" } else { "refused" }.into(), seconds: t.elapsed().as_secs_f64() }
        }
    }));
    let begin = Instant::now();
    let (latencies, height, last_final) =
        follow(&clients[0], start_height, &submitted, begin, Duration::from_secs(args.timeout), || {
            submitting.is_finished()
        })?;
    let refused = rt.block_on(submitting).map(|r| r.status_codes.get("refused").copied().unwrap_or(0)).unwrap_or(0);
    report(g, &args, latencies, refused, (last_final - begin).as_secs_f64().max(1e-9), height - start_height)
}

/// Follows finalised blocks on `client` until every submitted transfer is final (after the
/// submitters are done) or the timeout; returns the sorted latencies, the last height and when
/// the last transfer was final.
fn follow(
    client: &RpcClient,
    mut height: u64,
    submitted: &Mutex<BTreeMap<Hash, Instant>>,
    begin: Instant,
    timeout: Duration,
    done: impl Fn() -> bool,
) -> Result<(Vec<f64>, u64, Instant), Failure> {
    let mut latencies = Vec::new();
    let mut last_final = begin;
    loop {
        let finished = done();
        let head = client.call("chain_status", json!([]))?["finalized_height"].as_u64().unwrap_or(height);
        while height < head {
            height += 1;
            let block = client.call("chain_getBlock", json!([{ "height": height }]))?;
            let now = Instant::now();
            for tx in block["txs"].as_array().into_iter().flatten() {
                let Some(hash) = tx.as_str().and_then(Hash::from_hex) else { continue };
                if let Some(sent) = submitted.lock().unwrap().remove(&hash) {
                    latencies.push((now - sent).as_secs_f64());
                    last_final = now;
                }
            }
        }
        if (finished && submitted.lock().unwrap().is_empty()) || begin.elapsed() > timeout {
            latencies.sort_by(f64::total_cmp);
            return Ok((latencies, height, last_final));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn report(
    g: &Global,
    args: &ChainLoadArgs,
    latencies: Vec<f64>,
    refused: usize,
    seconds: f64,
    blocks: u64,
) -> Result<(), Failure> {
    let finalized = latencies.len();
    let (p50, p99) = (percentile(&latencies, 0.5) * 1e3, percentile(&latencies, 0.99) * 1e3);
    let tps = finalized as f64 / seconds;
    let doc = json!({
        "submitted": args.txs - refused,
        "refused": refused,
        "finalized": finalized,
        "seconds": seconds,
        "tps": tps,
        "latency_ms_p50": p50,
        "latency_ms_p99": p99,
        "blocks": blocks,
        "block_interval_ms": if blocks > 0 { seconds * 1000.0 / blocks as f64 } else { 0.0 },
    });
    g.print(&doc, || {
        format!(
            "{finalized} of {} transfers finalised in {seconds:.1} s: {tps:.0} tx/s; submit-to-finality p50 {p50:.0} ms, p99 {p99:.0} ms; {blocks} blocks",
            args.txs
        )
    });
    if finalized < args.txs - refused {
        return Err(Failure::msg(format!(
            "only {finalized} of {} transfers finalised before the timeout",
            args.txs - refused
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_and_even_splits() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&s, 0.5), 2.0);
        assert_eq!(percentile(&s, 0.99), 4.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
        assert_eq!(split(10, 4), vec![3, 3, 2, 2]);
        assert_eq!(split(2, 8), vec![1, 1]);
    }
}
