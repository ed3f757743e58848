//! `agora chain load`: submits signed transfers from the localnet dev accounts to running nodes
//! and measures finalised transfers per second and submit-to-finality latency (p50/p99).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agora_client::RpcClient;
use agora_node::chain::hex;
use agora_node::localnet::dev_accounts;
use agora_primitives::{Balance, Hash, Pair};
use agora_runtime::{Call, SignedTransaction};
use clap::Args;
use parity_scale_codec::Encode;
use serde_json::json;

use crate::Failure;

/// `agora chain load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
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

pub fn run(args: LoadArgs, json: bool) -> Result<(), Failure> {
    if args.rpc.is_empty() || args.txs == 0 {
        return Err(Failure::msg("give at least one --rpc URL and --txs > 0"));
    }
    let clients: Vec<RpcClient> = args.rpc.iter().map(|u| RpcClient::new(u)).collect::<Result<_, _>>()?;
    let status = clients[0].call("chain_status", json!([]))?;
    let genesis = status["genesis_hash"].as_str().and_then(Hash::from_hex).ok_or("node gave no genesis hash")?;
    let start_height = status["finalized_height"].as_u64().unwrap_or(0);
    let accounts = dev_accounts();
    let dest = Pair::from_seed(&[0x10; 32]).public();

    // Pre-sign everything so signing is not measured.
    let mut per_account: Vec<Vec<SignedTransaction>> = Vec::new();
    for (k, (_, pair)) in accounts.iter().enumerate() {
        let nonce = clients[0].call("state_nonce", json!([pair.public().to_string()]))?.as_u64().unwrap_or(0);
        let count = args.txs / accounts.len() + usize::from(k < args.txs % accounts.len());
        per_account.push(
            (0..count as u64)
                .map(|i| {
                    SignedTransaction::sign(pair, &genesis, nonce + i, Call::Transfer { dest, amount: Balance(1) })
                })
                .collect(),
        );
    }

    let submitted: Arc<Mutex<BTreeMap<Hash, Instant>>> = Arc::default();
    let begin = Instant::now();
    let threads: Vec<_> = per_account
        .into_iter()
        .enumerate()
        .map(|(k, txs)| {
            let client = clients[k % clients.len()].clone();
            let submitted = submitted.clone();
            std::thread::spawn(move || -> Result<usize, String> {
                let mut refused = 0;
                for tx in txs {
                    let hash = tx.hash();
                    submitted.lock().unwrap().insert(hash, Instant::now());
                    if client.call("author_submitTransaction", json!([hex(&tx.encode())])).is_err() {
                        refused += 1;
                        submitted.lock().unwrap().remove(&hash);
                    }
                }
                Ok(refused)
            })
        })
        .collect();

    // Follow finalised blocks on the first node.
    let mut latencies = Vec::new();
    let mut height = start_height;
    let mut last_final = begin;
    let deadline = begin + Duration::from_secs(args.timeout);
    let mut submitters_done = false;
    let mut refused = 0;
    let mut threads = Some(threads);
    loop {
        let status = clients[0].call("chain_status", json!([]))?;
        let head = status["finalized_height"].as_u64().unwrap_or(height);
        while height < head {
            height += 1;
            let block = clients[0].call("chain_getBlock", json!([{ "height": height }]))?;
            let now = Instant::now();
            for tx in block["txs"].as_array().into_iter().flatten() {
                let Some(hash) = tx.as_str().and_then(Hash::from_hex) else { continue };
                if let Some(sent) = submitted.lock().unwrap().remove(&hash) {
                    latencies.push(now - sent);
                    last_final = now;
                }
            }
        }
        if !submitters_done && threads.as_ref().is_some_and(|t| t.iter().all(|h| h.is_finished())) {
            for t in threads.take().unwrap() {
                refused += t.join().map_err(|_| "a submitter thread panicked")??;
            }
            submitters_done = true;
        }
        if submitters_done && submitted.lock().unwrap().is_empty() {
            break;
        }
        if Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    latencies.sort();
    let finalized = latencies.len();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[i].as_secs_f64() * 1000.0
    };
    let seconds = (last_final - begin).as_secs_f64().max(1e-9);
    let blocks = height - start_height;
    let doc = json!({
        "submitted": args.txs - refused,
        "refused": refused,
        "finalized": finalized,
        "seconds": seconds,
        "tps": finalized as f64 / seconds,
        "latency_ms_p50": pct(0.5),
        "latency_ms_p99": pct(0.99),
        "blocks": blocks,
        "block_interval_ms": if blocks > 0 { seconds * 1000.0 / blocks as f64 } else { 0.0 },
    });
    if json {
        println!("{doc}");
    } else {
        println!(
            "{finalized} of {} transfers finalised in {seconds:.1} s: {:.0} tx/s; submit-to-finality p50 {:.0} ms, p99 {:.0} ms; {blocks} blocks",
            args.txs,
            doc["tps"].as_f64().unwrap_or(0.0),
            pct(0.5),
            pct(0.99)
        );
    }
    if finalized < args.txs - refused {
        return Err(Failure::msg(format!(
            "only {finalized} of {} transfers finalised before the timeout",
            args.txs - refused
        )));
    }
    Ok(())
}
