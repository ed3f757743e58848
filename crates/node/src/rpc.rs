//! JSON-RPC 2.0 over HTTP and WebSocket (one port), and Prometheus metrics. Every method is
//! documented in `docs/rpc.md`.

use std::net::SocketAddr;
use std::sync::Arc;

use agora_primitives::{AccountId, Hash, NetUid};
use agora_runtime::SignedTransaction;
use agora_runtime::query;
use jsonrpsee::server::{Server, ServerHandle};
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned, Params};
use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::block::Block;
use crate::chain::{Chain, ChainEvent, TxStatus, hex, parse_hex};

/// Invalid parameters (JSON-RPC standard code).
const INVALID_PARAMS: i32 = -32602;
/// The transaction was refused (malformed or not admissible).
const TX_REJECTED: i32 = 1010;
/// Something the caller asked for does not exist.
const NOT_FOUND: i32 = 1001;
/// The node failed internally.
const INTERNAL: i32 = -32603;

struct Ctx {
    chain: Arc<Chain>,
    gossip: commonware_utils::channel::mpsc::UnboundedSender<Vec<u8>>,
}

fn err(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(code, message.into(), None::<()>)
}

fn internal(e: impl std::fmt::Display) -> ErrorObjectOwned {
    err(INTERNAL, e.to_string())
}

/// Starts the JSON-RPC server on `addr`.
pub async fn serve(
    addr: SocketAddr,
    chain: Arc<Chain>,
    gossip: commonware_utils::channel::mpsc::UnboundedSender<Vec<u8>>,
) -> std::io::Result<ServerHandle> {
    let server = Server::builder()
        .set_config(jsonrpsee::server::ServerConfig::builder().max_request_body_size(1024 * 1024).build())
        .build(addr)
        .await?;
    let module = module(Ctx { chain, gossip }).map_err(std::io::Error::other)?;
    Ok(server.start(module))
}

/// Starts the Prometheus endpoint (`GET /metrics`) on `addr`.
pub async fn serve_metrics(addr: SocketAddr, chain: Arc<Chain>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let chain = chain.clone();
            async move { chain.metrics().render() }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(())
}

fn account(text: &str) -> Result<AccountId, ErrorObjectOwned> {
    text.parse().map_err(|_| err(INVALID_PARAMS, format!("{text}: not an SS58 address")))
}

fn hash32(text: &str) -> Result<[u8; 32], ErrorObjectOwned> {
    parse_hex(text)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| err(INVALID_PARAMS, format!("{text}: not a 32-byte hex hash")))
}

fn one<T: serde::de::DeserializeOwned>(params: &Params) -> Result<T, ErrorObjectOwned> {
    params.one().map_err(|e| err(INVALID_PARAMS, e.message().to_string()))
}

/// The JSON view of a block.
pub fn block_json(block: &Block) -> Value {
    let h = &block.header;
    let txs: Vec<Value> = block
        .transactions
        .iter()
        .map(|tx| json!({"hash": tx.hash(), "signer": tx.signer, "nonce": tx.nonce, "call": tx.call}))
        .collect();
    json!({
        "height": h.height,
        "hash": hex(&block.hash()),
        "parent": hex(&h.parent),
        "proposer": hex(&h.proposer),
        "author": h.author,
        "timestamp_ms": h.timestamp_ms,
        "tx_root": h.tx_root,
        "state_root": h.state_root,
        "txs": block.transactions.iter().map(|t| t.hash()).collect::<Vec<Hash>>(),
        "transactions": txs,
    })
}

fn submit(ctx: &Ctx, params: &Params) -> Result<Hash, ErrorObjectOwned> {
    let text: String = one(params)?;
    let bytes = parse_hex(&text).ok_or_else(|| {
        ctx.chain.metrics().txs_malformed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        err(INVALID_PARAMS, "transaction: not hex")
    })?;
    let tx = SignedTransaction::decode_checked(&bytes).map_err(|e| {
        ctx.chain.metrics().txs_malformed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        err(TX_REJECTED, format!("malformed transaction: {e}"))
    })?;
    let hash = ctx.chain.submit(tx).map_err(|e| err(TX_REJECTED, e.to_string()))?;
    let _ = ctx.gossip.send(bytes);
    Ok(hash)
}

fn status(chain: &Chain) -> Value {
    let head = chain.head();
    json!({
        "height": head.height,
        "finalized_height": head.height,
        "finalized_hash": hex(&head.block_hash),
        "state_root": head.state_root,
        "peers": chain.metrics().peers.load(std::sync::atomic::Ordering::Relaxed),
        "syncing": false,
        "genesis_hash": chain.genesis_hash(),
        "mempool": chain.mempool_len(),
    })
}

fn module(ctx: Ctx) -> Result<RpcModule<Ctx>, jsonrpsee::core::RegisterMethodError> {
    let mut m = RpcModule::new(ctx);
    m.register_method("chain_status", |_, ctx, _| Ok::<_, ErrorObjectOwned>(status(&ctx.chain)))?;
    m.register_method("chain_getBlock", |params, ctx, _| -> Result<Value, ErrorObjectOwned> {
        let selector: Value = one(&params)?;
        let block = match (&selector["height"], &selector["hash"]) {
            (Value::Number(n), _) => {
                let height = n.as_u64().ok_or_else(|| err(INVALID_PARAMS, "height: not a u64"))?;
                ctx.chain.block_at(height).map_err(internal)?
            }
            (_, Value::String(s)) => ctx.chain.block_by_hash(&hash32(s)?).map_err(internal)?,
            _ => return Err(err(INVALID_PARAMS, "give {\"height\": H} or {\"hash\": \"0x…\"}")),
        };
        block.map(|b| block_json(&b)).ok_or_else(|| err(NOT_FOUND, "no such finalised block"))
    })?;
    m.register_method("chain_getReceipt", |params, ctx, _| -> Result<Value, ErrorObjectOwned> {
        let text: String = one(&params)?;
        let hash = Hash(hash32(&text)?);
        let location = ctx.chain.store().tx_location(&hash).map_err(internal)?;
        let Some(location) = location else {
            let pending = ctx.chain.in_mempool(&hash);
            return Ok(json!({"status": if pending { "in_mempool" } else { "unknown" }}));
        };
        let stored =
            ctx.chain.receipts_at(location.height).map_err(internal)?.ok_or_else(|| internal("receipts missing"))?;
        let block = ctx.chain.block_at(location.height).map_err(internal)?.ok_or_else(|| internal("block missing"))?;
        Ok(json!({
            "status": "finalized",
            "height": location.height,
            "index": location.index,
            "block": hex(&block.hash()),
            "receipt": stored.receipts.get(location.index as usize),
        }))
    })?;
    m.register_method("chain_getEvents", |params, ctx, _| {
        let height: u64 = one(&params)?;
        let stored = ctx.chain.receipts_at(height).map_err(internal)?.ok_or_else(|| err(NOT_FOUND, "no such block"))?;
        Ok::<_, ErrorObjectOwned>(json!({"height": height, "events": stored.events, "receipts": stored.receipts}))
    })?;
    m.register_method("author_submitTransaction", |params, ctx, _| submit(ctx, &params))?;
    m.register_subscription(
        "author_submitAndWatch",
        "author_transactionStatus",
        "author_unwatch",
        |params, pending, ctx, _| async move { watch(params, pending, ctx).await },
    )?;
    m.register_subscription(
        "chain_subscribeFinalized",
        "chain_finalized",
        "chain_unsubscribeFinalized",
        |_, pending, ctx, _| async move { finalized(pending, ctx, false).await },
    )?;
    m.register_subscription(
        "chain_subscribeEvents",
        "chain_events",
        "chain_unsubscribeEvents",
        |_, pending, ctx, _| async move { finalized(pending, ctx, true).await },
    )?;
    register_queries(&mut m)?;
    Ok(m)
}

fn register_queries(m: &mut RpcModule<Ctx>) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    macro_rules! query {
        ($name:literal, |$params:ident, $s:ident| $body:expr) => {
            m.register_method($name, |$params, ctx, _| {
                let $s = ctx.chain.snapshot().map_err(internal)?;
                let value: Result<Value, ErrorObjectOwned> = $body;
                value
            })?;
        };
    }
    query!("state_chainInfo", |_p, s| Ok(json!(query::chain_info(&s))));
    query!("state_balance", |p, s| {
        let who = account(&one::<String>(&p)?)?;
        Ok(json!({"free": query::balance(&s, &who), "nonce": query::nonce(&s, &who)}))
    });
    query!("state_nonce", |p, s| Ok(json!(query::nonce(&s, &account(&one::<String>(&p)?)?))));
    query!("state_subnets", |_p, s| Ok(json!(query::subnets(&s))));
    query!("state_subnet", |p, s| {
        let netuid = NetUid(one(&p)?);
        query::subnet(&s, netuid).map(|v| json!(v)).ok_or_else(|| err(NOT_FOUND, format!("no subnet {}", netuid.0)))
    });
    query!("state_hyperparameters", |p, s| {
        let netuid = NetUid(one(&p)?);
        query::subnet(&s, netuid)
            .map(|v| json!(v.hyperparameters))
            .ok_or_else(|| err(NOT_FOUND, format!("no subnet {}", netuid.0)))
    });
    query!("state_metagraph", |p, s| {
        let (netuid, full): (u16, Option<bool>) =
            p.parse().map_err(|e: ErrorObjectOwned| err(INVALID_PARAMS, e.message().to_string()))?;
        query::metagraph(&s, NetUid(netuid), full.unwrap_or(false))
            .map(|v| json!(v))
            .ok_or_else(|| err(NOT_FOUND, format!("no subnet {netuid}")))
    });
    query!("state_weights", |p, s| Ok(json!(query::weights(&s, NetUid(one(&p)?)))));
    query!("state_bonds", |p, s| Ok(json!(query::bonds(&s, NetUid(one(&p)?)))));
    query!("state_stake", |p, s| {
        let (coldkey, hotkey, netuid): (String, String, u16) =
            p.parse().map_err(|e: ErrorObjectOwned| err(INVALID_PARAMS, e.message().to_string()))?;
        Ok(json!(query::stake(&s, &account(&coldkey)?, &account(&hotkey)?, NetUid(netuid))))
    });
    query!("state_stakesOfColdkey", |p, s| Ok(json!(query::stakes_of_coldkey(&s, &account(&one::<String>(&p)?)?))));
    query!("state_stakesOnHotkey", |p, s| Ok(json!(query::stakes_on_hotkey(&s, &account(&one::<String>(&p)?)?))));
    query!("state_delegates", |_p, s| Ok(json!(query::delegates(&s))));
    query!("state_uidOf", |p, s| {
        let (netuid, hotkey): (u16, String) =
            p.parse().map_err(|e: ErrorObjectOwned| err(INVALID_PARAMS, e.message().to_string()))?;
        Ok(json!(query::uid_of(&s, NetUid(netuid), &account(&hotkey)?)))
    });
    Ok(())
}

async fn watch(
    params: Params<'static>,
    pending: PendingSubscriptionSink,
    ctx: Arc<Ctx>,
) -> jsonrpsee::core::SubscriptionResult {
    // Subscribe before submitting so no status is missed.
    let mut events = ctx.chain.subscribe();
    let hash = match submit(&ctx, &params) {
        Ok(hash) => hash,
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let sink = pending.accept().await?;
    sink.send(raw(&json!({"hash": hash, "status": "in_mempool"}))?).await?;
    loop {
        match events.recv().await {
            Ok(ChainEvent::Tx(h, status)) if h == hash => {
                let done = matches!(status, TxStatus::Finalized { .. } | TxStatus::Dropped { .. });
                if status != TxStatus::InMempool {
                    let mut value = json!(status);
                    value["hash"] = json!(hash);
                    sink.send(raw(&value)?).await?;
                }
                if done {
                    return Ok(());
                }
            }
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => {
                // Missed events: fall back to the store.
                if let Ok(Some(location)) = ctx.chain.store().tx_location(&hash) {
                    sink.send(raw(&json!({"hash": hash, "status": "finalized", "height": location.height}))?).await?;
                    return Ok(());
                }
            }
            Err(RecvError::Closed) => return Ok(()),
        }
    }
}

async fn finalized(
    pending: PendingSubscriptionSink,
    ctx: Arc<Ctx>,
    events_only: bool,
) -> jsonrpsee::core::SubscriptionResult {
    let mut events = ctx.chain.subscribe();
    let sink = pending.accept().await?;
    loop {
        match events.recv().await {
            Ok(ChainEvent::Finalized(f)) => {
                let value = if events_only {
                    json!({"height": f.block.header.height, "hash": hex(&f.hash), "events": f.events, "receipts": f.receipts})
                } else {
                    let mut v = block_json(&f.block);
                    v["transactions"] = Value::Null;
                    v
                };
                sink.send(raw(&value)?).await?;
            }
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return Ok(()),
        }
    }
}

fn raw(value: &Value) -> Result<SubscriptionMessage, serde_json::Error> {
    Ok(SubscriptionMessage::from(serde_json::value::to_raw_value(value)?))
}
