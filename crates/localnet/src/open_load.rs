//! The open loop of the chain's load test: `rate` transfers per second for a fixed time, whatever
//! the chain does, from many accounts (funded from the dev accounts first), so that latency is
//! submit-to-finality at that rate and not the queue of a burst.
//!
//! Every [`TICK`] the transfers that are due go out, grouped per node in JSON-RPC batches (at most
//! [`BATCH`] calls) over kept-alive connections, at most [`POSTS_PER_NODE`] at once per node. An
//! account always goes to the same node, so its nonces arrive there mostly in order (a later batch
//! may overtake an earlier one; the node parks it until the gap fills). Each transfer's clock
//! starts when its batch is sent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agora_client::RpcClient;
use agora_neuron::load::split;
use agora_node::localnet::dev_accounts;
use agora_primitives::{Balance, Hash, Pair, blake2_256};
use agora_runtime::{Call, SignedTransaction};
use parity_scale_codec::Encode;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::load::{
    ChainLoadError, ChainLoadReport, OpenLoop, Pending, Start, balance, destination, finalized_height, follow,
    genesis_hash, presign, received, report, submit,
};

/// How often due transfers are sent.
const TICK: Duration = Duration::from_millis(10);

/// The `i`-th load account (the same on every run, so a re-run needs no new funding).
fn load_account(i: usize) -> Pair {
    Pair::from_seed(&blake2_256(format!("agora/load/{i}").as_bytes()).0)
}

/// Runs the open loop on `rt` against the nodes at `urls` (`clients`, the first followed).
pub(crate) fn run(
    rt: &tokio::runtime::Runtime,
    clients: &[RpcClient],
    urls: &[String],
    open: &OpenLoop,
    timeout: Duration,
) -> Result<ChainLoadReport, ChainLoadError> {
    if open.rate == 0 || open.duration.is_zero() || open.accounts == 0 {
        return Err(ChainLoadError::NoRate);
    }
    let total = (f64::from(open.rate) * open.duration.as_secs_f64()).round().max(1.0) as usize;
    let genesis = genesis_hash(&clients[0])?;
    let counts = split(total, open.accounts);
    let accounts: Vec<Pair> = (0..counts.len()).map(load_account).collect();
    let dest = destination();
    let (fee, existential) = fee_and_deposit(&clients[0])?;
    // Each account: its transfers and fees, twice over, above the deposit; the destination: the
    // deposit, so that 1-rao transfers are credited to it.
    let mut wants: Vec<_> = accounts
        .iter()
        .zip(&counts)
        .map(|(pair, count)| {
            let need = (*count as u64 + 1).saturating_mul(fee + 1).saturating_mul(2).saturating_add(2 * existential);
            (pair.public(), need)
        })
        .collect();
    wants.push((dest, 2 * existential));
    fund(rt, clients, &genesis, &wants, timeout)?;

    let signed = presign(&clients[0], &genesis, &accounts, &counts, |_| (dest, Balance(1)))?;
    let mut order = Vec::with_capacity(total);
    for k in 0..counts.iter().copied().max().unwrap_or(0) {
        for (a, txs) in signed.iter().enumerate() {
            if let Some(tx) = txs.get(k) {
                order.push((a, tx.clone()));
            }
        }
    }
    let start_height = finalized_height(&clients[0])?.unwrap_or(0);
    let before = balance(&clients[0], &dest)?;
    let pending = Pending::default();
    let sending = rt.spawn(send_at_rate(order, urls.to_vec(), open.rate, pending.clone()));
    let begin = Instant::now();
    let followed = follow(clients, start_height, &pending, begin, open.duration + timeout, || sending.is_finished())?;
    let _ = rt.block_on(sending);
    let received = received(clients, &dest, before, followed.height)?;
    let start = Start { at: begin, height: start_height };
    Ok(report("open", f64::from(open.rate), total, &followed, start, received))
}

/// The chain's fee per transaction and its existential deposit (rao).
pub(crate) fn fee_and_deposit(client: &RpcClient) -> Result<(u64, u64), ChainLoadError> {
    let info = client.call("state_chainInfo", json!([]))?;
    Ok((info["params"]["tx_fee"].as_u64().unwrap_or(0), info["params"]["existential_deposit"].as_u64().unwrap_or(0)))
}

/// Tops each account of `wants` up to its amount (rao) from the dev accounts and waits until that
/// is final. Accounts that already hold enough are skipped.
pub(crate) fn fund(
    rt: &tokio::runtime::Runtime,
    clients: &[RpcClient],
    genesis: &Hash,
    wants: &[(agora_primitives::AccountId, u64)],
    timeout: Duration,
) -> Result<(), ChainLoadError> {
    let client = &clients[0];
    let funders: Vec<Pair> = dev_accounts().into_iter().map(|(_, pair)| pair).collect();
    let mut needs: Vec<Vec<(agora_primitives::AccountId, u64)>> = vec![Vec::new(); funders.len()];
    for (i, (who, want)) in wants.iter().enumerate() {
        let has = balance(client, who)?;
        if has < *want {
            needs[i % funders.len()].push((*who, want - has));
        }
    }
    if needs.iter().all(Vec::is_empty) {
        return Ok(());
    }
    let mut signed = Vec::new();
    for (funder, list) in funders.iter().zip(&needs) {
        let nonce = client.call("state_nonce", json!([funder.public().to_string()]))?.as_u64().unwrap_or(0);
        signed.push(
            list.iter()
                .zip(nonce..)
                .map(|((dest, amount), n)| {
                    SignedTransaction::sign(
                        funder,
                        genesis,
                        n,
                        Call::Transfer { dest: *dest, amount: Balance(*amount) },
                    )
                })
                .collect::<Vec<_>>(),
        );
    }
    let start_height = finalized_height(client)?.unwrap_or(0);
    let pending = Pending::default();
    let submitting = rt.spawn(submit(signed, clients.to_vec(), pending.clone()));
    let followed = follow(clients, start_height, &pending, Instant::now(), timeout, || submitting.is_finished())?;
    let _ = rt.block_on(submitting);
    let dropped: usize = followed.dropped.values().sum();
    if followed.refused + dropped + followed.lost > 0 {
        return Err(ChainLoadError::Funding(format!(
            "{} funding transfers refused, {dropped} dropped, {} not final in time",
            followed.refused, followed.lost
        )));
    }
    Ok(())
}

/// Posts to one node at once (more wait, and their transfers go late, which shows in latency).
const POSTS_PER_NODE: usize = 8;
/// Calls in one batch (the node takes up to 1,000 and 1 MiB).
const BATCH: usize = 500;

/// Sends `order` at `rate` per second (account `a`'s to node `a mod n`), recording each in
/// `pending` as its batch goes, and as refused when the nodes refuse it.
async fn send_at_rate(order: Vec<(usize, SignedTransaction)>, urls: Vec<String>, rate: u32, pending: Pending) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(POSTS_PER_NODE)
        .pool_idle_timeout(Duration::from_secs(5))
        .build()
        .expect("an HTTP client without TLS");
    let slots: Vec<Arc<Semaphore>> = urls.iter().map(|_| Arc::new(Semaphore::new(POSTS_PER_NODE))).collect();
    let begin = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sent = 0;
    let mut posts = tokio::task::JoinSet::new();
    while sent < order.len() {
        tick.tick().await;
        let due = ((begin.elapsed().as_secs_f64() * f64::from(rate)) as usize).clamp(sent, order.len());
        let mut batches: Vec<Vec<&SignedTransaction>> = vec![Vec::new(); urls.len()];
        for (account, tx) in &order[sent..due] {
            batches[account % urls.len()].push(tx);
        }
        sent = due;
        for (node, batch) in batches.iter().enumerate() {
            for chunk in batch.chunks(BATCH) {
                let hashes: Vec<Hash> = chunk.iter().map(|tx| tx.hash()).collect();
                let body: Vec<Value> = chunk
                    .iter()
                    .enumerate()
                    .map(|(id, tx)| {
                        let hex = agora_node::chain::hex(&tx.encode());
                        json!({"jsonrpc": "2.0", "id": id, "method": "author_submitTransaction", "params": [hex]})
                    })
                    .collect();
                let (http, urls, pending, slots) = (http.clone(), urls.clone(), pending.clone(), slots.clone());
                posts.spawn(async move {
                    let _slot = slots[node].clone().acquire_owned().await;
                    let now = Instant::now();
                    {
                        let mut tracked = pending.lock().expect("never poisoned");
                        for (hash, call) in hashes.iter().zip(&body) {
                            tracked.sent(*hash, call["params"][0].as_str().unwrap_or_default().to_string(), now);
                        }
                    }
                    // A node that cannot be reached (restarting, say) is skipped for the next
                    // one: any node gossips what it accepts.
                    let mut refused = (0..body.len()).collect::<Vec<_>>();
                    for k in 0..urls.len() {
                        if let Some(answer) = post_batch(&http, &urls[(node + k) % urls.len()], &body).await {
                            refused = answer;
                            break;
                        }
                    }
                    let mut tracked = pending.lock().expect("never poisoned");
                    for id in &refused {
                        tracked.refuse(&hashes[*id]);
                    }
                });
            }
        }
    }
    while posts.join_next().await.is_some() {}
}

/// Posts one JSON-RPC batch: the ids (positions) of the calls the node refused, or `None` when
/// the node could not be asked (connection refused or cut, or not a JSON-RPC answer).
async fn post_batch(http: &reqwest::Client, url: &str, body: &[Value]) -> Option<Vec<usize>> {
    let text = serde_json::to_string(body).ok()?;
    let response = http.post(url).header("content-type", "application/json").body(text).send().await.ok()?;
    let bytes = response.bytes().await.ok()?;
    let Ok(Value::Array(answers)) = serde_json::from_slice::<Value>(&bytes) else { return None };
    let accepted: std::collections::BTreeSet<usize> = answers
        .iter()
        .filter(|a| a.get("result").is_some())
        .filter_map(|a| a["id"].as_u64().map(|id| id as usize))
        .collect();
    Some((0..body.len()).filter(|id| !accepted.contains(id)).collect())
}
