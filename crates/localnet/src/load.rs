//! The chain's load test (`agora chain load`), in two modes, while the finalised blocks are
//! followed to time each transfer from submission to finality:
//!
//! - **burst** (`txs`): transfers from the localnet dev accounts, signed up front, submitted
//!   through [`agora_neuron::load::closed_loop`] (one worker per account, in nonce order). Its
//!   latency is mostly queueing: everything is sent at once.
//! - **open loop** ([`OpenLoop`], [`crate::open_load`]): a fixed rate from many funded accounts
//!   for a fixed time, whatever the chain does, which is how sustained throughput is measured.
//!
//! Every accepted transfer ends final, reported dropped by the node (`chain_getReceipt` says
//! `dropped`, with the reason; counted by reason), or lost (neither, by the timeout), so the
//! test never waits on a transfer the node has given up on.

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
/// How often pending transfers are asked about (`chain_getReceipt`), and how old they must be.
const DROP_CHECK: Duration = Duration::from_secs(1);
const DROP_AGE: Duration = Duration::from_secs(2);
/// Pending transfers asked about per check (the oldest first).
const DROP_CHECK_BATCH: usize = 256;
/// How long the followed nodes may all fail to answer before the test gives up.
const UNREACHABLE_FOR: Duration = Duration::from_secs(30);

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
    /// Send at a fixed rate instead of in one burst (`txs` is then ignored).
    pub open: Option<OpenLoop>,
}

/// The open-loop mode: `rate` transfers per second for `duration`, from `accounts` accounts the
/// test funds from the dev accounts first.
#[derive(Clone, Debug)]
pub struct OpenLoop {
    /// Transfers per second offered.
    pub rate: u32,
    /// For how long.
    pub duration: Duration,
    /// Sending accounts (round robin).
    pub accounts: usize,
}

/// What [`chain_load`] measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChainLoadReport {
    /// `burst` or `open`.
    pub mode: &'static str,
    /// Transfers per second offered (open loop; 0 in a burst).
    pub offered_tps: f64,
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
    /// Accepted transfers the node later dropped (and said so).
    pub dropped: usize,
    /// Those, by reason (the text before the first `:`).
    pub dropped_reasons: BTreeMap<String, usize>,
    /// Accepted transfers neither final nor reported dropped by the timeout.
    pub lost: usize,
    /// Accepted transfers sent again because the node asked had lost them (a killed node).
    pub resubmitted: usize,
    /// Rao the destination received during the test (1 per final transfer: anything else means
    /// a transfer ran twice or ran without being seen).
    pub received_rao: u64,
}

impl ChainLoadReport {
    /// Whether every accepted transfer was accounted for (final or reported dropped) before the
    /// timeout: [`ChainLoadError::NotFinal`] when not.
    pub fn check_final(&self) -> Result<(), ChainLoadError> {
        if self.lost > 0 {
            return Err(ChainLoadError::NotFinal { lost: self.lost, submitted: self.submitted });
        }
        if self.received_rao != self.finalized as u64 {
            return Err(ChainLoadError::NotOnce { finalized: self.finalized, received: self.received_rao });
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
    /// Some accepted transfers were neither final nor reported dropped before the timeout
    /// ([`ChainLoadReport::check_final`]).
    #[error("{lost} of {submitted} accepted transfers were neither final nor reported dropped before the timeout")]
    NotFinal {
        /// Transfers unaccounted for.
        lost: usize,
        /// Transfers the nodes accepted.
        submitted: usize,
    },
    /// The destination's balance moved by another amount than the final transfers say.
    #[error("{finalized} transfers of 1 rao were final but the destination received {received} rao")]
    NotOnce {
        /// Transfers seen final.
        finalized: usize,
        /// Rao received.
        received: u64,
    },
    /// The open loop's accounts could not be funded.
    #[error("funding the load accounts failed: {0}")]
    Funding(String),
    /// `rate`, `duration` or `accounts` of the open loop is zero.
    #[error("the open loop needs a rate, a duration and accounts above zero")]
    NoRate,
}

/// Every transfer sent, and where it stands.
pub(crate) type Pending = Arc<Mutex<Tracked>>;

/// Where each sent transfer stands, with when it was sent. A transfer counted refused (its node
/// could not be asked, say) or dropped (by one node) that later shows up in a block counts as
/// final: nodes differ, and a node killed mid-answer may have gossiped it first.
#[derive(Default)]
pub(crate) struct Tracked {
    /// Accepted, not yet final.
    pub(crate) pending: BTreeMap<Hash, Instant>,
    /// Refused (or not answered) when sent.
    pub(crate) refused: BTreeMap<Hash, Instant>,
    /// Reported dropped by a node, with the reason.
    pub(crate) dropped: BTreeMap<Hash, (Instant, String)>,
    /// The encoding of each transfer not yet final, to send again when a node has lost it.
    pub(crate) encoded: BTreeMap<Hash, String>,
    /// Transfers sent again because the node asked knew nothing of them.
    pub(crate) resubmitted: usize,
}

impl Tracked {
    /// `hash` (encoded as `hex`) was sent at `at`.
    pub(crate) fn sent(&mut self, hash: Hash, hex: String, at: Instant) {
        self.pending.insert(hash, at);
        self.encoded.insert(hash, hex);
    }

    /// `hash` was refused when sent.
    pub(crate) fn refuse(&mut self, hash: &Hash) {
        if let Some(at) = self.pending.remove(hash) {
            self.refused.insert(*hash, at);
        }
    }

    /// `hash` is in a finalised block: when it was sent, if it was one of ours.
    fn finalised(&mut self, hash: &Hash) -> Option<Instant> {
        self.encoded.remove(hash);
        self.pending
            .remove(hash)
            .or_else(|| self.refused.remove(hash))
            .or_else(|| self.dropped.remove(hash).map(|(at, _)| at))
    }
}

/// Runs the chain's load test ([module docs](self)). Blocking: it starts its own tokio runtime
/// for the submitters, so it must not be called from async code. A transfer a node refuses is
/// counted and not waited for; the report is returned also when some accepted transfers were
/// not accounted for in time (see [`ChainLoadReport::check_final`]).
pub fn chain_load(options: &ChainLoadOptions) -> Result<ChainLoadReport, ChainLoadError> {
    if options.rpc.is_empty() || (options.open.is_none() && options.txs == 0) {
        return Err(ChainLoadError::Nothing);
    }
    let clients: Vec<RpcClient> = options.rpc.iter().map(|u| RpcClient::new(u)).collect::<Result<_, _>>()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(ChainLoadError::Runtime)?;
    if let Some(open) = &options.open {
        return crate::open_load::run(&rt, &clients, &options.rpc, open, options.timeout);
    }
    let genesis = genesis_hash(&clients[0])?;
    let accounts: Vec<Pair> = dev_accounts().into_iter().map(|(_, pair)| pair).collect();
    let dest = destination();
    // The destination holds the deposit, so that 1-rao transfers are credited to it.
    let (_, existential) = crate::open_load::fee_and_deposit(&clients[0])?;
    crate::open_load::fund(&rt, &clients, &genesis, &[(dest, 2 * existential)], options.timeout)?;
    let signed =
        presign(&clients[0], &genesis, &accounts, &split(options.txs, accounts.len()), |_| (dest, Balance(1)))?;
    let start_height = finalized_height(&clients[0])?.unwrap_or(0);
    let before = balance(&clients[0], &dest)?;
    let pending = Pending::default();
    let submitting = rt.spawn(submit(signed, clients.clone(), pending.clone()));
    let begin = Instant::now();
    let followed = follow(&clients, start_height, &pending, begin, options.timeout, || submitting.is_finished())?;
    let _ = rt.block_on(submitting);
    let received = received(&clients, &dest, before, followed.height)?;
    Ok(report("burst", 0.0, options.txs, &followed, Start { at: begin, height: start_height }, received))
}

/// Where every load transfer goes (1 rao each).
pub(crate) fn destination() -> agora_primitives::AccountId {
    Pair::from_seed(&[0x10; 32]).public()
}

/// `who`'s free balance (rao).
pub(crate) fn balance(client: &RpcClient, who: &agora_primitives::AccountId) -> Result<u64, ClientError> {
    Ok(client.call("state_balance", json!([who.to_string()]))?["free"].as_u64().unwrap_or(0))
}

/// What `dest` received since it held `before`, asked of the first node that has finalised
/// `height` (the last block followed); nodes that lag are waited for up to [`UNREACHABLE_FOR`].
pub(crate) fn received(
    clients: &[RpcClient],
    dest: &agora_primitives::AccountId,
    before: u64,
    height: u64,
) -> Result<u64, ClientError> {
    let deadline = Instant::now() + UNREACHABLE_FOR;
    loop {
        let mut last = None;
        for client in clients {
            match finalized_height(client).and_then(|h| Ok((h, balance(client, dest)?))) {
                Ok((Some(h), now)) if h >= height => return Ok(now.saturating_sub(before)),
                Ok(_) => {}
                Err(e) => last = Some(e),
            }
        }
        if Instant::now() > deadline {
            return match last {
                Some(e) => Err(e),
                None => Ok(balance(&clients[0], dest)?.saturating_sub(before)),
            };
        }
        std::thread::sleep(POLL);
    }
}

/// The genesis hash the node names (what transactions are signed for).
pub(crate) fn genesis_hash(client: &RpcClient) -> Result<Hash, ChainLoadError> {
    let status = client.call("chain_status", json!([]))?;
    status["genesis_hash"].as_str().and_then(Hash::from_hex).ok_or(ChainLoadError::NoGenesis)
}

/// The node's finalised height, if it says.
pub(crate) fn finalized_height(client: &RpcClient) -> Result<Option<u64>, ClientError> {
    Ok(client.call("chain_status", json!([]))?["finalized_height"].as_u64())
}

/// Signed transfers from `accounts`, pre-signed so signing is not measured: `counts[i]` from
/// `accounts[i]`, in nonce order from its current nonce; `what(i)` is the destination and amount.
pub(crate) fn presign(
    client: &RpcClient,
    genesis: &Hash,
    accounts: &[Pair],
    counts: &[usize],
    what: impl Fn(usize) -> (agora_primitives::AccountId, Balance),
) -> Result<Vec<Vec<SignedTransaction>>, ChainLoadError> {
    let mut per_account = Vec::new();
    for (i, (pair, count)) in accounts.iter().zip(counts).enumerate() {
        let nonce = client.call("state_nonce", json!([pair.public().to_string()]))?.as_u64().unwrap_or(0);
        let (dest, amount) = what(i);
        per_account.push(
            (0..*count as u64)
                .map(|k| SignedTransaction::sign(pair, genesis, nonce + k, Call::Transfer { dest, amount }))
                .collect(),
        );
    }
    Ok(per_account)
}

/// Submits `signed[w]` from worker `w` to node `w mod n`, recording each in `pending` as it is
/// sent (and as refused when it is). Samples are `"accepted"` or `"refused"`.
pub(crate) async fn submit(
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
            let hex = agora_node::chain::hex(&tx.encode());
            pending.lock().expect("never poisoned").sent(tx.hash(), hex.clone(), t);
            let ok = tokio::task::spawn_blocking(move || client.call("author_submitTransaction", json!([hex])).is_ok())
                .await
                .unwrap_or(false);
            if !ok {
                pending.lock().expect("never poisoned").refuse(&tx.hash());
            }
            Sample { ok, status: if ok { "accepted" } else { "refused" }.into(), seconds: t.elapsed().as_secs_f64() }
        }
    })
    .await
}

/// What [`follow`] saw.
pub(crate) struct Followed {
    /// Submit-to-finality latencies, sorted (seconds).
    pub(crate) latencies: Vec<f64>,
    /// The last finalised height read.
    pub(crate) height: u64,
    /// When the last transfer was seen final (`begin` if none was).
    pub(crate) last_final: Instant,
    /// Transfers a node reported dropped (and never seen final), by reason.
    pub(crate) dropped: BTreeMap<String, usize>,
    /// Transfers refused when sent (and never seen final).
    pub(crate) refused: usize,
    /// Transfers sent again (see [`check_dropped`]).
    pub(crate) resubmitted: usize,
    /// Accepted transfers still unaccounted for at the end.
    pub(crate) lost: usize,
}

/// Follows finalised blocks from `height` until every pending transfer is final or reported
/// dropped (once `done` says the submitters finished), or `timeout` after `begin`. It asks
/// `clients[0]`, and the next one while a node cannot answer (restarting, say); it gives up when
/// none has answered for [`UNREACHABLE_FOR`].
pub(crate) fn follow(
    clients: &[RpcClient],
    mut height: u64,
    pending: &Mutex<Tracked>,
    begin: Instant,
    timeout: Duration,
    done: impl Fn() -> bool,
) -> Result<Followed, ClientError> {
    let mut latencies = Vec::new();
    let mut last_final = begin;
    let mut last_check = Instant::now();
    let mut asking = 0;
    let mut answered = Instant::now();
    loop {
        let finished = done();
        let client = &clients[asking % clients.len()];
        let step = (|| -> Result<(), ClientError> {
            let head = finalized_height(client)?.unwrap_or(height);
            while height < head {
                let block = client.call("chain_getBlock", json!([{ "height": height + 1 }]))?;
                height += 1;
                let now = Instant::now();
                for tx in block["txs"].as_array().into_iter().flatten() {
                    let Some(hash) = tx.as_str().and_then(Hash::from_hex) else { continue };
                    if let Some(sent) = pending.lock().expect("never poisoned").finalised(&hash) {
                        latencies.push((now - sent).as_secs_f64());
                        last_final = now;
                    }
                }
            }
            if last_check.elapsed() >= DROP_CHECK {
                last_check = Instant::now();
                check_dropped(client, pending)?;
            }
            Ok(())
        })();
        match step {
            Ok(()) => answered = Instant::now(),
            Err(e) if answered.elapsed() > UNREACHABLE_FOR => return Err(e),
            Err(_) => asking += 1,
        }
        let tracked = pending.lock().expect("never poisoned");
        let left = tracked.pending.len();
        if (finished && left == 0) || begin.elapsed() > timeout {
            latencies.sort_by(f64::total_cmp);
            let mut dropped = BTreeMap::new();
            for (_, reason) in tracked.dropped.values() {
                *dropped.entry(reason.split(':').next().unwrap_or(reason).trim().to_string()).or_default() += 1;
            }
            let (refused, resubmitted) = (tracked.refused.len(), tracked.resubmitted);
            return Ok(Followed { latencies, height, last_final, dropped, refused, resubmitted, lost: left });
        }
        drop(tracked);
        std::thread::sleep(POLL);
    }
}

/// Asks the node about the oldest pending transfers. Those it dropped are recorded so, with the
/// reason. Those it knows nothing of (a node that acknowledged them was killed before passing
/// them on, say) are sent to it again, as a wallet would: otherwise the account's later nonces
/// wait behind the gap until they expire.
fn check_dropped(client: &RpcClient, pending: &Mutex<Tracked>) -> Result<(), ClientError> {
    let mut old: Vec<(Instant, Hash)> = {
        let tracked = pending.lock().expect("never poisoned");
        tracked.pending.iter().filter(|(_, sent)| sent.elapsed() >= DROP_AGE).map(|(h, t)| (*t, *h)).collect()
    };
    old.sort();
    for (_, hash) in old.into_iter().take(DROP_CHECK_BATCH) {
        let receipt = client.call("chain_getReceipt", json!([hash]))?;
        match receipt["status"].as_str() {
            Some("dropped") => {
                let reason = receipt["reason"].as_str().unwrap_or("no reason given").to_string();
                let mut tracked = pending.lock().expect("never poisoned");
                if let Some(at) = tracked.pending.remove(&hash) {
                    tracked.dropped.insert(hash, (at, reason));
                }
            }
            Some("unknown") => {
                let hex = pending.lock().expect("never poisoned").encoded.get(&hash).cloned();
                if let Some(hex) = hex {
                    // Refused (final meanwhile, or a stale nonce) is as good as accepted here.
                    let _ = client.call("author_submitTransaction", json!([hex]));
                    pending.lock().expect("never poisoned").resubmitted += 1;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// When and at which finalised height a test started.
#[derive(Clone, Copy)]
pub(crate) struct Start {
    /// The first submission.
    pub(crate) at: Instant,
    /// The finalised height before it.
    pub(crate) height: u64,
}

/// The report of `total` transfers sent, of which `followed` saw which were refused, final (from
/// `start`) or dropped, and `received_rao` that the destination received.
pub(crate) fn report(
    mode: &'static str,
    offered_tps: f64,
    total: usize,
    followed: &Followed,
    start: Start,
    received_rao: u64,
) -> ChainLoadReport {
    let seconds = (followed.last_final - start.at).as_secs_f64().max(1e-9);
    let blocks = followed.height - start.height;
    let latencies = &followed.latencies;
    ChainLoadReport {
        mode,
        offered_tps,
        submitted: total - followed.refused,
        refused: followed.refused,
        finalized: latencies.len(),
        seconds,
        tps: latencies.len() as f64 / seconds,
        latency_ms_p50: percentile(latencies, 0.5) * 1e3,
        latency_ms_p99: percentile(latencies, 0.99) * 1e3,
        blocks,
        block_interval_ms: if blocks > 0 { seconds * 1000.0 / blocks as f64 } else { 0.0 },
        dropped: followed.dropped.values().sum(),
        dropped_reasons: followed.dropped.clone(),
        lost: followed.lost,
        resubmitted: followed.resubmitted,
        received_rao,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn followed(latencies: &[f64], seconds: f64, blocks: u64, dropped: usize, lost: usize) -> (Followed, Instant) {
        followed_refused(latencies, seconds, blocks, dropped, lost, 0)
    }

    fn followed_refused(
        latencies: &[f64],
        seconds: f64,
        blocks: u64,
        dropped: usize,
        lost: usize,
        refused: usize,
    ) -> (Followed, Instant) {
        let begin = Instant::now();
        let mut reasons = BTreeMap::new();
        if dropped > 0 {
            reasons.insert("evicted".to_string(), dropped);
        }
        let f = Followed {
            latencies: latencies.to_vec(),
            height: blocks,
            last_final: begin + Duration::from_secs_f64(seconds),
            dropped: reasons,
            refused,
            resubmitted: 0,
            lost,
        };
        (f, begin)
    }

    #[test]
    fn the_report_counts_and_ranks_final_transfers() {
        let (f, begin) = followed_refused(&[0.1, 0.2, 0.3], 2.0, 4, 0, 1, 1);
        let r = report("burst", 0.0, 5, &f, Start { at: begin, height: 0 }, 3);
        assert_eq!((r.submitted, r.refused, r.finalized, r.blocks, r.lost), (4, 1, 3, 4, 1));
        assert!((r.tps - 1.5).abs() < 1e-9 && (r.block_interval_ms - 500.0).abs() < 1e-6, "{r:?}");
        assert_eq!((r.latency_ms_p50, r.latency_ms_p99), (200.0, 300.0));
        let err = r.check_final().unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 of 4 accepted transfers were neither final nor reported dropped before the timeout"
        );
        // Dropped and said so is accounted for.
        let (f, begin) = followed(&[0.1, 0.2, 0.3], 1.0, 0, 1, 0);
        let r = report("burst", 0.0, 4, &f, Start { at: begin, height: 0 }, 3);
        assert!(r.check_final().is_ok());
        let twice = report("burst", 0.0, 4, &f, Start { at: begin, height: 0 }, 4);
        assert_eq!(
            twice.check_final().unwrap_err().to_string(),
            "3 transfers of 1 rao were final but the destination received 4 rao"
        );
        assert_eq!((r.dropped, r.dropped_reasons.get("evicted")), (1, Some(&1)));
        assert_eq!(r.block_interval_ms, 0.0);
    }

    #[test]
    fn nothing_to_send_is_refused_before_any_call() {
        let options = ChainLoadOptions { rpc: vec![], txs: 10, timeout: Duration::from_secs(1), open: None };
        assert!(matches!(chain_load(&options), Err(ChainLoadError::Nothing)));
        let options = ChainLoadOptions { rpc: vec!["http://127.0.0.1:1".into()], txs: 0, ..options };
        assert!(matches!(chain_load(&options), Err(ChainLoadError::Nothing)));
    }

    #[test]
    fn a_json_report_has_the_scripts_keys() {
        let (f, begin) = followed(&[0.5], 1.0, 2, 0, 0);
        let doc = serde_json::to_value(report("open", 100.0, 1, &f, Start { at: begin, height: 0 }, 1)).unwrap();
        for key in [
            "mode",
            "offered_tps",
            "submitted",
            "refused",
            "finalized",
            "seconds",
            "tps",
            "latency_ms_p50",
            "latency_ms_p99",
            "blocks",
            "block_interval_ms",
            "dropped",
            "dropped_reasons",
            "lost",
            "resubmitted",
            "received_rao",
        ] {
            assert!(doc.get(key).is_some(), "{key} missing from {doc}");
        }
    }

    #[test]
    fn a_transfer_refused_or_dropped_then_final_counts_as_final() {
        let mut t = Tracked::default();
        let now = Instant::now();
        let [a, b, c] = [Hash([1; 32]), Hash([2; 32]), Hash([3; 32])];
        for h in [a, b, c] {
            t.sent(h, String::new(), now);
        }
        t.refuse(&a);
        let at = t.pending.remove(&b).unwrap();
        t.dropped.insert(b, (at, "evicted: mempool full".into()));
        assert_eq!((t.finalised(&a), t.finalised(&b), t.finalised(&c)), (Some(now), Some(now), Some(now)));
        assert!(t.pending.is_empty() && t.refused.is_empty() && t.dropped.is_empty());
        assert_eq!(t.finalised(&Hash([9; 32])), None, "not ours");
    }
}
