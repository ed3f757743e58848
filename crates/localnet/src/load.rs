//! The chain's load test (`agora chain load`): transfers from the localnet dev accounts, signed
//! up front, submitted through [`agora_neuron::load::closed_loop`] (one worker per account, in
//! nonce order), while the finalised blocks are followed to time each transfer from submission
//! to finality.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agora_client::{ClientError, RpcClient};
use agora_neuron::load::{Sample, closed_loop, percentile, split};
use agora_node::localnet::dev_accounts;
use agora_primitives::{Balance, Hash, Pair};
use agora_runtime::{Call, SignedTransaction};
use parity_scale_codec::Encode;
use serde::Serialize;
use serde_json::json;

/// How often the finalised height is polled.
const POLL: Duration = Duration::from_millis(20);

/// What [`chain_load`] sends, and where.
#[derive(Clone, Debug)]
pub struct ChainLoadOptions {
    /// JSON-RPC URLs of the nodes to submit to (round robin over the workers); the first is also
    /// the one whose finalised blocks are followed.
    pub rpc: Vec<String>,
    /// Transfers to send (of 1 rao each, to a fixed account).
    pub txs: usize,
    /// How long to wait for every accepted transfer to be final.
    pub timeout: Duration,
}

/// What [`chain_load`] measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChainLoadReport {
    /// Transfers the nodes accepted.
    pub submitted: usize,
    /// Transfers the nodes refused.
    pub refused: usize,
    /// Accepted transfers seen in a finalised block before the timeout.
    pub finalized: usize,
    /// Seconds from the first submission to the last transfer seen final.
    pub seconds: f64,
    /// Finalised transfers per second.
    pub tps: f64,
    /// Median submit-to-finality latency, in ms.
    pub latency_ms_p50: f64,
    /// 99th-percentile submit-to-finality latency, in ms.
    pub latency_ms_p99: f64,
    /// Blocks finalised during the test.
    pub blocks: u64,
    /// Mean time between those blocks, in ms (0 without blocks).
    pub block_interval_ms: f64,
}

impl ChainLoadReport {
    /// Whether every accepted transfer was final before the timeout:
    /// [`ChainLoadError::NotFinal`] when not.
    pub fn check_final(&self) -> Result<(), ChainLoadError> {
        if self.finalized < self.submitted {
            return Err(ChainLoadError::NotFinal { finalized: self.finalized, submitted: self.submitted });
        }
        Ok(())
    }
}

/// Why the chain's load test failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainLoadError {
    /// No node URL, or no transfer, was asked for.
    #[error("give at least one node URL and at least one transfer")]
    Nothing,
    /// A node could not be asked (bad URL, unreachable, an error answer).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The first node's status has no genesis hash to sign for.
    #[error("node gave no genesis hash")]
    NoGenesis,
    /// The async runtime the submitters run on could not be started.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// Some accepted transfers were not final before the timeout
    /// ([`ChainLoadReport::check_final`]).
    #[error("only {finalized} of {submitted} transfers finalised before the timeout")]
    NotFinal {
        /// Transfers seen final.
        finalized: usize,
        /// Transfers the nodes accepted.
        submitted: usize,
    },
}

/// When each submitted, not yet final transfer was sent.
type Pending = Arc<Mutex<BTreeMap<Hash, Instant>>>;

/// Runs the chain's load test ([module docs](self)). Blocking: it starts its own tokio runtime
/// for the submitters, so it must not be called from async code. A transfer a node refuses is
/// counted and not waited for; the report is returned also when some accepted transfers were
/// not final in time (see [`ChainLoadReport::check_final`]).
pub fn chain_load(options: &ChainLoadOptions) -> Result<ChainLoadReport, ChainLoadError> {
    if options.rpc.is_empty() || options.txs == 0 {
        return Err(ChainLoadError::Nothing);
    }
    let clients: Vec<RpcClient> = options.rpc.iter().map(|u| RpcClient::new(u)).collect::<Result<_, _>>()?;
    let start_height = finalized_height(&clients[0])?.unwrap_or(0);
    let signed = presign(&clients[0], options.txs)?;
    let pending = Pending::default();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(ChainLoadError::Runtime)?;
    let submitting = rt.spawn(submit(signed, clients.clone(), pending.clone()));
    let begin = Instant::now();
    let followed = follow(&clients[0], start_height, &pending, begin, options.timeout, || submitting.is_finished())?;
    let refused = rt.block_on(submitting).map_or(0, |r| r.status_codes.get("refused").copied().unwrap_or(0));
    let seconds = (followed.last_final - begin).as_secs_f64().max(1e-9);
    Ok(report(options.txs - refused, refused, &followed.latencies, seconds, followed.height - start_height))
}

/// The node's finalised height, if it says.
fn finalized_height(client: &RpcClient) -> Result<Option<u64>, ClientError> {
    Ok(client.call("chain_status", json!([]))?["finalized_height"].as_u64())
}

/// Signed transfers from the localnet dev accounts, pre-signed so signing is not measured; one
/// list per account, in nonce order from the account's current nonce.
fn presign(client: &RpcClient, txs: usize) -> Result<Vec<Vec<SignedTransaction>>, ChainLoadError> {
    let status = client.call("chain_status", json!([]))?;
    let genesis = status["genesis_hash"].as_str().and_then(Hash::from_hex).ok_or(ChainLoadError::NoGenesis)?;
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

/// Submits `signed[w]` from worker `w` to node `w mod n`, recording each in `pending` as it is
/// sent (and forgetting it when refused). Samples are `"accepted"` or `"refused"`.
async fn submit(
    signed: Vec<Vec<SignedTransaction>>,
    clients: Vec<RpcClient>,
    pending: Pending,
) -> agora_neuron::load::Report {
    let jobs = signed.iter().map(Vec::len).collect();
    let signed = Arc::new(signed);
    closed_loop(jobs, move |w, k| {
        let (tx, pending, client) = (signed[w][k].clone(), pending.clone(), clients[w % clients.len()].clone());
        async move {
            let t = Instant::now();
            pending.lock().expect("never poisoned").insert(tx.hash(), t);
            let hex = agora_node::chain::hex(&tx.encode());
            let ok = tokio::task::spawn_blocking(move || client.call("author_submitTransaction", json!([hex])).is_ok())
                .await
                .unwrap_or(false);
            if !ok {
                pending.lock().expect("never poisoned").remove(&tx.hash());
            }
            Sample { ok, status: if ok { "accepted" } else { "refused" }.into(), seconds: t.elapsed().as_secs_f64() }
        }
    })
    .await
}

/// What [`follow`] saw.
struct Followed {
    /// Submit-to-finality latencies, sorted (seconds).
    latencies: Vec<f64>,
    /// The last finalised height read.
    height: u64,
    /// When the last transfer was seen final (`begin` if none was).
    last_final: Instant,
}

/// Follows finalised blocks on `client` from `height` until every pending transfer is final
/// (once `done` says the submitters finished) or `timeout` after `begin`.
fn follow(
    client: &RpcClient,
    mut height: u64,
    pending: &Mutex<BTreeMap<Hash, Instant>>,
    begin: Instant,
    timeout: Duration,
    done: impl Fn() -> bool,
) -> Result<Followed, ClientError> {
    let mut latencies = Vec::new();
    let mut last_final = begin;
    loop {
        let finished = done();
        let head = finalized_height(client)?.unwrap_or(height);
        while height < head {
            height += 1;
            let block = client.call("chain_getBlock", json!([{ "height": height }]))?;
            let now = Instant::now();
            for tx in block["txs"].as_array().into_iter().flatten() {
                let Some(hash) = tx.as_str().and_then(Hash::from_hex) else { continue };
                if let Some(sent) = pending.lock().expect("never poisoned").remove(&hash) {
                    latencies.push((now - sent).as_secs_f64());
                    last_final = now;
                }
            }
        }
        if (finished && pending.lock().expect("never poisoned").is_empty()) || begin.elapsed() > timeout {
            latencies.sort_by(f64::total_cmp);
            return Ok(Followed { latencies, height, last_final });
        }
        std::thread::sleep(POLL);
    }
}

/// The report of `submitted` accepted and `refused` transfers, of which those with `latencies`
/// (sorted, seconds) were final over `seconds` and `blocks` blocks.
fn report(submitted: usize, refused: usize, latencies: &[f64], seconds: f64, blocks: u64) -> ChainLoadReport {
    ChainLoadReport {
        submitted,
        refused,
        finalized: latencies.len(),
        seconds,
        tps: latencies.len() as f64 / seconds,
        latency_ms_p50: percentile(latencies, 0.5) * 1e3,
        latency_ms_p99: percentile(latencies, 0.99) * 1e3,
        blocks,
        block_interval_ms: if blocks > 0 { seconds * 1000.0 / blocks as f64 } else { 0.0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_counts_and_ranks_final_transfers() {
        let r = report(4, 1, &[0.1, 0.2, 0.3], 2.0, 4);
        assert_eq!((r.submitted, r.refused, r.finalized, r.blocks), (4, 1, 3, 4));
        assert_eq!((r.tps, r.block_interval_ms), (1.5, 500.0));
        assert_eq!((r.latency_ms_p50, r.latency_ms_p99), (200.0, 300.0));
        let err = r.check_final().unwrap_err();
        assert_eq!(err.to_string(), "only 3 of 4 transfers finalised before the timeout");
        assert!(report(3, 0, &[0.1, 0.2, 0.3], 1.0, 0).check_final().is_ok());
        assert_eq!(report(0, 2, &[], 1.0, 0).block_interval_ms, 0.0);
    }

    #[test]
    fn nothing_to_send_is_refused_before_any_call() {
        let options = ChainLoadOptions { rpc: vec![], txs: 10, timeout: Duration::from_secs(1) };
        assert!(matches!(chain_load(&options), Err(ChainLoadError::Nothing)));
        let options = ChainLoadOptions { rpc: vec!["http://127.0.0.1:1".into()], txs: 0, ..options };
        assert!(matches!(chain_load(&options), Err(ChainLoadError::Nothing)));
    }

    #[test]
    fn a_json_report_has_the_scripts_keys() {
        let doc = serde_json::to_value(report(1, 0, &[0.5], 1.0, 2)).unwrap();
        for key in [
            "submitted",
            "refused",
            "finalized",
            "seconds",
            "tps",
            "latency_ms_p50",
            "latency_ms_p99",
            "blocks",
            "block_interval_ms",
        ] {
            assert!(doc.get(key).is_some(), "{key} missing from {doc}");
        }
    }
}
