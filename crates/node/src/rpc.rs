//! JSON-RPC 2.0 over HTTP and WebSocket (one port), and Prometheus metrics. Every method is
//! documented in `docs/rpc.md`.

use std::net::SocketAddr;
use std::sync::Arc;

use agora_primitives::{AccountId, BlockNumber, Hash, NetUid};
use agora_runtime::SignedTransaction;
use agora_runtime::query;
use jsonrpsee::server::ServerHandle;
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned, Params};
use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::block::Block;
use crate::chain::{Chain, ChainEvent, Gossip, TxStatus, hex, parse_hex};
use crate::rpc_server::{self, RpcLimits, deliver};

/// Invalid parameters (JSON-RPC standard code).
const INVALID_PARAMS: i32 = -32602;
/// The transaction was refused (malformed or not admissible).
const TX_REJECTED: i32 = 1010;
/// Something the caller asked for does not exist.
const NOT_FOUND: i32 = 1001;
/// The node failed internally.
const INTERNAL: i32 = -32603;
/// Calls in one batch request.
const MAX_BATCH: u32 = 1_000;
/// Heights the network may run ahead of a node's finalised head before it counts as syncing
/// (proposals in flight while the head's successors are being finalised).
const SYNC_SLACK: u64 = 2;

struct Ctx {
    chain: Arc<Chain>,
    gossip: Gossip,
}

fn err(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(code, message.into(), None::<()>)
}

fn internal(e: impl std::fmt::Display) -> ErrorObjectOwned {
    err(INTERNAL, e.to_string())
}

/// Starts the JSON-RPC server on `addr` with the default [`RpcLimits`]; returns its handle and
/// the address it listens on.
pub async fn serve(addr: SocketAddr, chain: Arc<Chain>, gossip: Gossip) -> std::io::Result<(ServerHandle, SocketAddr)> {
    serve_with(addr, chain, gossip, RpcLimits::default()).await
}

/// [`serve`] within `limits`.
pub async fn serve_with(
    addr: SocketAddr,
    chain: Arc<Chain>,
    gossip: Gossip,
    limits: RpcLimits,
) -> std::io::Result<(ServerHandle, SocketAddr)> {
    let module = module(Ctx { chain, gossip }).map_err(std::io::Error::other)?;
    // Batches (the load test's open loop sends them) are bounded in calls as well as in bytes.
    let config = jsonrpsee::server::ServerConfig::builder()
        .set_batch_request_config(jsonrpsee::server::BatchRequestConfig::Limit(MAX_BATCH));
    rpc_server::serve(addr, config, limits, module).await
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
    // A scraper or two: few connections, and none kept idle (see [`agora_net`]).
    let limits = agora_net::Limits { max_connections: 64, max_per_ip: 16, ..agora_net::Limits::default() };
    tokio::spawn(async move {
        let _ = agora_net::serve(listener, limits, move |_| app.clone(), std::future::pending()).await;
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
    params.one().map_err(detail)
}

/// An invalid-params error that says what is wrong (jsonrpsee puts the detail in `data`).
fn detail(e: ErrorObjectOwned) -> ErrorObjectOwned {
    match e.data() {
        Some(data) => err(INVALID_PARAMS, format!("{}: {}", e.message(), data.get().trim_matches('"'))),
        None => err(INVALID_PARAMS, e.message().to_string()),
    }
}

/// A transaction as served.
#[derive(serde::Serialize)]
pub struct TxView<'a> {
    /// Its hash.
    pub hash: Hash,
    /// Signer.
    pub signer: AccountId,
    /// Nonce.
    pub nonce: u64,
    /// The call (a Substrate extrinsic's as Agora runs it).
    pub call: std::borrow::Cow<'a, agora_runtime::Call>,
    /// `agora` or `substrate`: the envelope it came in.
    pub envelope: &'static str,
}

/// A block as served by `chain_getBlock` and the finalised-block subscription.
#[derive(serde::Serialize)]
pub struct BlockView<'a> {
    /// Height.
    pub height: u64,
    /// Block hash.
    pub hash: String,
    /// Parent hash.
    pub parent: String,
    /// Proposer's consensus key.
    pub proposer: String,
    /// Fee recipient.
    pub author: Option<AccountId>,
    /// Proposer's timestamp.
    pub timestamp_ms: u64,
    /// Transaction root.
    pub tx_root: Hash,
    /// State root after the block.
    pub state_root: Hash,
    /// Transaction hashes.
    pub txs: Vec<Hash>,
    /// The transactions (omitted in subscriptions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transactions: Option<Vec<TxView<'a>>>,
}

/// The served view of `block`.
pub fn block_view(block: &Block, with_transactions: bool) -> BlockView<'_> {
    let h = &block.header;
    BlockView {
        height: h.height,
        hash: hex(&block.hash()),
        parent: hex(&h.parent),
        proposer: hex(&h.proposer),
        author: h.author,
        timestamp_ms: h.timestamp_ms,
        tx_root: h.tx_root,
        state_root: h.state_root,
        txs: block.transactions.iter().map(|t| t.hash()).collect(),
        transactions: with_transactions.then(|| {
            block
                .transactions
                .iter()
                .filter_map(|tx| {
                    Some(TxView {
                        hash: tx.hash(),
                        signer: tx.signer(),
                        nonce: tx.nonce(),
                        call: tx.call()?,
                        envelope: tx.kind(),
                    })
                })
                .collect()
        }),
    }
}

/// Serialises for a response. Goes through text, not `serde_json::Value`, so 128-bit integers
/// (some hyperparameters) keep their exact value.
fn raw_json<T: serde::Serialize>(value: &T) -> Result<Box<RawValue>, ErrorObjectOwned> {
    serde_json::value::to_raw_value(value).map_err(internal)
}

fn submit(ctx: &Ctx, params: &Params) -> Result<Hash, ErrorObjectOwned> {
    let text: String = one(params)?;
    let bytes = parse_hex(&text).ok_or_else(|| {
        ctx.chain.metrics().txs_malformed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        err(INVALID_PARAMS, "transaction: not hex")
    })?;
    let tx = SignedTransaction::decode_checked(&bytes).map_err(|e| {
        ctx.chain.metrics().txs_malformed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // The error names itself ("malformed transaction: …", "unknown call index …").
        err(TX_REJECTED, e.to_string())
    })?;
    let envelope = crate::block::Envelope::Agora(tx);
    let message = envelope.gossip_message();
    let hash = ctx.chain.submit(envelope).map_err(|e| err(TX_REJECTED, e.to_string()))?;
    (ctx.gossip)(message);
    Ok(hash)
}

/// Whether the network has proposed blocks well past this node's finalised head.
pub(crate) fn is_syncing(chain: &Chain) -> bool {
    chain.metrics().seen_height.load(std::sync::atomic::Ordering::Relaxed) > chain.head().height.get() + SYNC_SLACK
}

fn status(chain: &Chain) -> Value {
    let head = chain.head();
    let head_time = chain.head_block().header.timestamp_ms;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    // Syncing: the network has proposed blocks well past this node's head. Stalled: no block has
    // been finalised for much longer than the block time, and none newer was seen (the chain
    // itself is halted, e.g. without a quorum, or this node is cut off).
    let lag_limit = (10 * chain.config().block_time_ms).max(30_000);
    let seen = chain.metrics().seen_height.load(std::sync::atomic::Ordering::Relaxed);
    let syncing = is_syncing(chain);
    let stalled = !syncing && head.height > BlockNumber::GENESIS && now.saturating_sub(head_time) > lag_limit;
    json!({
        "height": head.height,
        "finalized_height": head.height,
        "finalized_hash": hex(&head.block_hash),
        "state_root": head.state_root,
        "peers": chain.metrics().peers.load(std::sync::atomic::Ordering::Relaxed),
        "syncing": syncing,
        "stalled": stalled,
        "seen_height": seen.max(head.height.get()),
        "genesis_hash": chain.genesis_hash(),
        "mempool": chain.mempool_len(),
    })
}

fn module(ctx: Ctx) -> Result<RpcModule<Ctx>, jsonrpsee::core::RegisterMethodError> {
    let mut m = RpcModule::new(ctx);
    m.register_method("chain_status", |_, ctx, _| Ok::<_, ErrorObjectOwned>(status(&ctx.chain)))?;
    m.register_method("chain_getBlock", |params, ctx, _| -> Result<Box<RawValue>, ErrorObjectOwned> {
        let selector: Value = one(&params)?;
        let block = match (&selector["height"], &selector["hash"]) {
            (Value::Number(n), _) => {
                let height = n.as_u64().ok_or_else(|| err(INVALID_PARAMS, "height: not a u64"))?;
                ctx.chain.block_at(height).map_err(internal)?
            }
            (_, Value::String(s)) => ctx.chain.block_by_hash(&hash32(s)?).map_err(internal)?,
            _ => return Err(err(INVALID_PARAMS, "give {\"height\": H} or {\"hash\": \"0x…\"}")),
        };
        let block = block.ok_or_else(|| err(NOT_FOUND, "no such finalised block"))?;
        raw_json(&block_view(&block, true))
    })?;
    m.register_method("chain_getReceipt", |params, ctx, _| -> Result<Box<RawValue>, ErrorObjectOwned> {
        let text: String = one(&params)?;
        let hash = Hash(hash32(&text)?);
        let location = ctx.chain.tx_location(&hash).map_err(internal)?;
        let Some(location) = location else {
            if ctx.chain.in_mempool(&hash) {
                return raw_json(&json!({"status": "in_mempool"}));
            }
            return raw_json(&match ctx.chain.dropped_reason(&hash) {
                Some(reason) => json!({"status": "dropped", "reason": reason}),
                None => json!({"status": "unknown"}),
            });
        };
        let stored = ctx
            .chain
            .receipts_at(location.height.get())
            .map_err(internal)?
            .ok_or_else(|| internal("receipts missing"))?;
        let block =
            ctx.chain.block_at(location.height.get()).map_err(internal)?.ok_or_else(|| internal("block missing"))?;
        #[derive(serde::Serialize)]
        struct ReceiptView<'a> {
            status: &'static str,
            height: u64,
            index: u32,
            block: String,
            receipt: Option<&'a agora_runtime::Receipt>,
        }
        raw_json(&ReceiptView {
            status: "finalized",
            height: location.height.get(),
            index: location.index,
            block: hex(&block.hash()),
            receipt: stored.receipts.get(location.index as usize),
        })
    })?;
    m.register_method("chain_getEvents", |params, ctx, _| {
        let height: u64 = one(&params)?;
        let stored = ctx.chain.receipts_at(height).map_err(internal)?.ok_or_else(|| err(NOT_FOUND, "no such block"))?;
        raw_json(&EventsView { height, hash: None, events: &stored.events, receipts: &stored.receipts })
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
            m.register_method($name, |$params, ctx, _| -> Result<Box<RawValue>, ErrorObjectOwned> {
                let $s = ctx.chain.snapshot().map_err(internal)?;
                $body
            })?;
        };
    }
    fn parse<T: serde::de::DeserializeOwned>(p: &Params) -> Result<T, ErrorObjectOwned> {
        p.parse().map_err(detail)
    }
    fn subnet_missing(netuid: u16) -> ErrorObjectOwned {
        err(NOT_FOUND, format!("no subnet {netuid}"))
    }
    query!("state_chainInfo", |_p, s| raw_json(&query::chain_info(&s)));
    query!("state_balance", |p, s| {
        let who = account(&one::<String>(&p)?)?;
        raw_json(&json!({"free": query::balance(&s, &who), "nonce": query::nonce(&s, &who)}))
    });
    query!("state_nonce", |p, s| raw_json(&query::nonce(&s, &account(&one::<String>(&p)?)?)));
    query!("state_subnets", |_p, s| raw_json(&query::subnets(&s)));
    // Dynamic TAO: the economy, every pool, one pool (an empty list / an error on a TAO-era chain).
    query!("state_economy", |_p, s| raw_json(&query::economy(&s)));
    query!("state_pools", |_p, s| raw_json(&query::pools(&s)));
    query!("state_pool", |p, s| {
        let netuid: u16 = one(&p)?;
        raw_json(
            &query::pool(&s, NetUid(netuid))
                .ok_or_else(|| err(NOT_FOUND, format!("no pool for subnet {netuid} (a TAO-era chain has no pools)")))?,
        )
    });
    query!("state_subnet", |p, s| {
        let netuid: u16 = one(&p)?;
        raw_json(&query::subnet(&s, NetUid(netuid)).ok_or_else(|| subnet_missing(netuid))?)
    });
    query!("state_hyperparameters", |p, s| {
        let netuid: u16 = one(&p)?;
        raw_json(&query::subnet(&s, NetUid(netuid)).ok_or_else(|| subnet_missing(netuid))?.hyperparameters)
    });
    query!("state_metagraph", |p, s| {
        let mut seq = p.sequence();
        let netuid: u16 = seq.next().map_err(detail)?;
        let full: Option<bool> = seq.optional_next().map_err(detail)?;
        raw_json(&query::metagraph(&s, NetUid(netuid), full.unwrap_or(false)).ok_or_else(|| subnet_missing(netuid))?)
    });
    query!("state_weights", |p, s| raw_json(&query::weights(&s, NetUid(one(&p)?))));
    query!("state_bonds", |p, s| raw_json(&query::bonds(&s, NetUid(one(&p)?))));
    query!("state_stake", |p, s| {
        let (coldkey, hotkey, netuid): (String, String, u16) = parse(&p)?;
        raw_json(&query::stake(&s, &account(&coldkey)?, &account(&hotkey)?, NetUid(netuid)))
    });
    query!("state_stakesOfColdkey", |p, s| raw_json(&query::stakes_of_coldkey(&s, &account(&one::<String>(&p)?)?)));
    query!("state_stakesOnHotkey", |p, s| raw_json(&query::stakes_on_hotkey(&s, &account(&one::<String>(&p)?)?)));
    query!("state_delegates", |_p, s| raw_json(&query::delegates(&s)));
    query!("state_uidOf", |p, s| {
        let (netuid, hotkey): (u16, String) = parse(&p)?;
        raw_json(&query::uid_of(&s, NetUid(netuid), &account(&hotkey)?))
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
    let mut sink = pending.accept().await?;
    if !deliver(&mut sink, raw(&json!({"hash": hash, "status": "in_mempool"}))?)? {
        return Ok(());
    }
    loop {
        let event = tokio::select! {
            _ = sink.closed() => return Ok(()),
            event = events.recv() => event,
        };
        match event {
            Ok(ChainEvent::Tx(h, status)) if h == hash => {
                let done = matches!(status, TxStatus::Finalized { .. } | TxStatus::Dropped { .. });
                if status != TxStatus::InMempool {
                    let mut value = json!(status);
                    value["hash"] = json!(hash);
                    if !deliver(&mut sink, raw(&value)?)? {
                        return Ok(());
                    }
                }
                if done {
                    return Ok(());
                }
            }
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => {
                // Missed events: settle from the store and the mempool.
                if let Ok(Some(location)) = ctx.chain.tx_location(&hash) {
                    let block = ctx.chain.block_at(location.height.get()).ok().flatten().map(|b| hex(&b.hash()));
                    let value = json!({"hash": hash, "status": "finalized", "height": location.height, "block": block});
                    deliver(&mut sink, raw(&value)?)?;
                    return Ok(());
                }
                if !ctx.chain.in_mempool(&hash) {
                    let reason = "no longer in the mempool (this subscription missed why)";
                    deliver(&mut sink, raw(&json!({"hash": hash, "status": "dropped", "reason": reason}))?)?;
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
    let mut blocks = ctx.chain.subscribe_blocks();
    let mut sink = pending.accept().await?;
    loop {
        let event = tokio::select! {
            _ = sink.closed() => return Ok(()),
            event = blocks.recv() => event,
        };
        match event {
            Ok(f) => {
                let message = if events_only {
                    let view = EventsView {
                        height: f.block.header.height,
                        hash: Some(hex(&f.hash)),
                        events: &f.events,
                        receipts: &f.receipts,
                    };
                    raw(&view)?
                } else {
                    raw(&block_view(&f.block, false))?
                };
                if !deliver(&mut sink, message)? {
                    return Ok(());
                }
            }
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return Ok(()),
        }
    }
}

fn raw<T: serde::Serialize>(value: &T) -> Result<SubscriptionMessage, serde_json::Error> {
    Ok(SubscriptionMessage::from(serde_json::value::to_raw_value(value)?))
}

#[derive(serde::Serialize)]
struct EventsView<'a> {
    height: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash: Option<String>,
    events: &'a [agora_runtime::Event],
    receipts: &'a [agora_runtime::Receipt],
}
