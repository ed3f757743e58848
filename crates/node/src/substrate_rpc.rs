//! The Substrate-compatible JSON-RPC endpoint (HTTP and WebSocket on its own port): what the
//! Python SDK and btcli call, with Substrate's method names, shapes and error texts (spec
//! `../shared/spec/substrate-compat.md` §2). What the answers contain comes from
//! [`agora_substrate`]; this module only serves it.
//!
//! Blocks: a Substrate block hash is Agora's block hash; `number` is the height in hex; the
//! genesis header's `parentHash` is zero. Every block is final when it is served, so the head
//! and the finalised head are the same. Reads pinned to a block hash (`at`) are answered from
//! the states of the last [`STATE_HISTORY`](crate::chain::STATE_HISTORY) finalised blocks.

use std::net::SocketAddr;
use std::sync::Arc;

use agora_runtime::query;
use agora_runtime::storage::StorageRead;
use agora_substrate::{ChainConstants, SPEC_VERSION, TRANSACTION_VERSION, apis, storage};
use jsonrpsee::server::ServerHandle;
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned, Params};
use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::block::{Block, BlockHash};
use crate::chain::{Chain, Gossip, hex, parse_hex};
use crate::rpc_server::{self, RpcLimits, deliver};

mod author;

/// Invalid parameters (JSON-RPC standard code).
const INVALID_PARAMS: i32 = -32602;
/// Substrate's code for client (state and runtime-call) errors.
const CLIENT_ERROR: i32 = 4003;
/// Internal error (JSON-RPC standard code).
const INTERNAL: i32 = -32603;
/// Requests may be this large (an extrinsic is at most 64 KiB).
const MAX_REQUEST: u32 = 1024 * 1024;
/// Responses may be this large (metadata is about half a megabyte in hex).
const MAX_RESPONSE: u32 = 16 * 1024 * 1024;
/// Calls in one batch.
const MAX_BATCH: u32 = 64;
/// Keys in one `state_getKeysPaged` page, as on the reference node.
const MAX_PAGE: u32 = 1000;

fn err(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(code, message.into(), None::<()>)
}

fn internal(e: impl std::fmt::Display) -> ErrorObjectOwned {
    err(INTERNAL, e.to_string())
}

struct Ctx {
    chain: Arc<Chain>,
    constants: ChainConstants,
    gossip: Gossip,
}

/// Starts the Substrate-compatible endpoint on `addr`; submitted extrinsics go to peers through
/// `gossip`. Returns its handle and the address it listens on.
pub async fn serve(addr: SocketAddr, chain: Arc<Chain>, gossip: Gossip) -> std::io::Result<(ServerHandle, SocketAddr)> {
    serve_with(addr, chain, gossip, RpcLimits { max_request_bytes: MAX_REQUEST, ..RpcLimits::default() }).await
}

/// [`serve`] within `limits`.
pub async fn serve_with(
    addr: SocketAddr,
    chain: Arc<Chain>,
    gossip: Gossip,
    limits: RpcLimits,
) -> std::io::Result<(ServerHandle, SocketAddr)> {
    let config = jsonrpsee::server::ServerConfig::builder()
        .max_response_body_size(MAX_RESPONSE)
        .set_batch_request_config(jsonrpsee::server::BatchRequestConfig::Limit(MAX_BATCH));
    let state = chain.snapshot().map_err(std::io::Error::other)?;
    let params = query::chain_info(&state).params;
    let constants =
        ChainConstants { existential_deposit: params.existential_deposit, block_time_ms: chain.config().block_time_ms };
    let module = module(Ctx { chain, constants, gossip }).map_err(std::io::Error::other)?;
    rpc_server::serve(addr, config, limits, module).await
}

/// The header of `block` as Substrate serves it.
fn header(block: &Block) -> Value {
    let h = &block.header;
    // Genesis has no parent block (its `parent` field commits to the validator set).
    let parent = if h.height == 0 { [0u8; 32] } else { h.parent };
    json!({
        "parentHash": hex(&parent),
        "number": format!("0x{:x}", h.height),
        "stateRoot": h.state_root,
        "extrinsicsRoot": h.tx_root,
        "digest": {"logs": []},
    })
}

fn hash_param(text: &str) -> Result<BlockHash, ErrorObjectOwned> {
    parse_hex(text)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| err(INVALID_PARAMS, format!("{text}: not a 32-byte hex block hash")))
}

/// The block `at` names (the head when `None`), if it is a finalised block.
fn block_at(chain: &Chain, at: Option<&str>) -> Result<Option<Arc<Block>>, ErrorObjectOwned> {
    match at {
        None => Ok(Some(chain.head_block())),
        Some(text) => {
            let hash = hash_param(text)?;
            if hash == chain.genesis_block().hash() {
                return Ok(Some(chain.genesis_block()));
            }
            Ok(chain.block_by_hash(&hash).map_err(internal)?.map(Arc::new))
        }
    }
}

/// Whether `at` names a finalised block (the head when `None`), without reading the block.
fn known(chain: &Chain, at: Option<&str>) -> Result<bool, ErrorObjectOwned> {
    match at {
        None => Ok(true),
        Some(text) => Ok(chain.height_of(&hash_param(text)?).map_err(internal)?.is_some()),
    }
}

/// A read view of the state after a block.
type State = Arc<dyn StorageRead + Send + Sync>;

/// The block `at` names (the head when `None`) and the state after it.
fn state_at(chain: &Chain, at: Option<&str>) -> Result<(BlockHash, State), ErrorObjectOwned> {
    let hash = match at {
        None => {
            let (hash, state) = chain.head_state();
            return Ok((hash, state));
        }
        Some(text) => hash_param(text)?,
    };
    if let Some(state) = chain.state_after(&hash) {
        return Ok((hash, state));
    }
    let known = chain.height_of(&hash).map_err(internal)?.is_some();
    Err(err(
        CLIENT_ERROR,
        if known {
            format!("Client error: Api called for an unknown Block: State already discarded for {}", hex(&hash))
        } else {
            format!(
                "Client error: Api called for an unknown Block: Header was not found in the database: {}",
                hex(&hash)
            )
        },
    ))
}

/// Positional parameters: the next one, absent and `null` both reading as `None`.
fn optional<T: serde::de::DeserializeOwned>(
    seq: &mut jsonrpsee::types::params::ParamsSequence<'_>,
) -> Result<Option<T>, ErrorObjectOwned> {
    let value: Option<Value> = seq.optional_next().map_err(|e| err(INVALID_PARAMS, e.message().to_string()))?;
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v).map(Some).map_err(|e| err(INVALID_PARAMS, e.to_string())),
    }
}

fn required<T: serde::de::DeserializeOwned>(
    seq: &mut jsonrpsee::types::params::ParamsSequence<'_>,
    what: &str,
) -> Result<T, ErrorObjectOwned> {
    optional(seq)?.ok_or_else(|| err(INVALID_PARAMS, format!("missing parameter: {what}")))
}

fn bytes_param(text: &str, what: &str) -> Result<Vec<u8>, ErrorObjectOwned> {
    parse_hex(text).ok_or_else(|| err(INVALID_PARAMS, format!("{what}: not 0x-prefixed hex")))
}

fn runtime_version() -> Value {
    json!({
        "specName": "agora",
        "implName": "agora-node",
        "authoringVersion": 1,
        "specVersion": SPEC_VERSION,
        "implVersion": 1,
        "apis": [],
        "transactionVersion": TRANSACTION_VERSION,
        "stateVersion": 1,
    })
}

fn get_block_hash(chain: &Chain, params: Params<'_>) -> Result<Value, ErrorObjectOwned> {
    let mut seq = params.sequence();
    let number: Option<Value> = optional(&mut seq)?;
    let height = match number {
        None => return Ok(json!(hex(&chain.head().block_hash))),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| err(INVALID_PARAMS, "block number: not a u64"))?,
        // Substrate also takes the number as hex text.
        Some(Value::String(s)) => u64::from_str_radix(s.trim_start_matches("0x"), 16)
            .map_err(|_| err(INVALID_PARAMS, "block number: not a hex number"))?,
        Some(_) => return Err(err(INVALID_PARAMS, "block number: give a number")),
    };
    if height == 0 {
        return Ok(json!(hex(&chain.genesis_block().hash())));
    }
    Ok(chain.hash_at(height).map_err(internal)?.map_or(Value::Null, |h| json!(hex(&h))))
}

fn get_storage(chain: &Chain, params: Params<'_>) -> Result<Value, ErrorObjectOwned> {
    let mut seq = params.sequence();
    let key: String = required(&mut seq, "storage key")?;
    let at: Option<String> = optional(&mut seq)?;
    let key = bytes_param(&key, "storage key")?;
    if key == agora_substrate::body::events_key() {
        // From the block's receipts: answered for every finalised block, not only the recent
        // ones whose state is kept.
        let block = match at.as_deref() {
            None => chain.head().block_hash,
            Some(text) if known(chain, Some(text))? => hash_param(text)?,
            Some(text) => return Err(err(CLIENT_ERROR, format!("Client error: Header was not found: {text}"))),
        };
        return Ok(json!(hex(&author::events_at(chain, &block)?)));
    }
    let (block, state) = state_at(chain, at.as_deref())?;
    Ok(read(chain, &block, state.as_ref(), &key)?.map_or(Value::Null, |v| json!(hex(&v))))
}

/// A storage read after `block`: `System.Events` from the block's receipts, the rest from its
/// state.
fn read(
    chain: &Chain,
    block: &BlockHash,
    state: &dyn StorageRead,
    key: &[u8],
) -> Result<Option<Vec<u8>>, ErrorObjectOwned> {
    if key == agora_substrate::body::events_key() {
        return author::events_at(chain, block).map(Some);
    }
    Ok(storage::read(state, key))
}

fn query_storage_at(chain: &Chain, params: Params<'_>) -> Result<Value, ErrorObjectOwned> {
    let mut seq = params.sequence();
    let keys: Vec<String> = required(&mut seq, "storage keys")?;
    let at: Option<String> = optional(&mut seq)?;
    let (block, state) = state_at(chain, at.as_deref())?;
    let mut changes = Vec::with_capacity(keys.len());
    for text in keys {
        let key = bytes_param(&text, "storage key")?;
        changes.push(json!([text, read(chain, &block, state.as_ref(), &key)?.map(|v| hex(&v))]));
    }
    Ok(json!([{"block": hex(&block), "changes": changes}]))
}

fn get_keys(chain: &Chain, params: Params<'_>, paged: bool) -> Result<Value, ErrorObjectOwned> {
    let mut seq = params.sequence();
    let prefix: String = required(&mut seq, "key prefix")?;
    let prefix = bytes_param(&prefix, "key prefix")?;
    let (count, start) = if paged {
        let count: u32 = required(&mut seq, "count")?;
        if count > MAX_PAGE {
            return Err(err(INVALID_PARAMS, format!("count exceeds maximum value. value: {count}, max: {MAX_PAGE}")));
        }
        let start: Option<String> = optional(&mut seq)?;
        (Some(count as usize), start.map(|s| bytes_param(&s, "start key")).transpose()?)
    } else {
        (None, None)
    };
    let at: Option<String> = optional(&mut seq)?;
    let (_, state) = state_at(chain, at.as_deref())?;
    let keys = storage::keys_with_prefix(state.as_ref(), &prefix)
        .into_iter()
        .filter(|k| start.as_ref().is_none_or(|s| k > s))
        .take(count.unwrap_or(usize::MAX))
        .map(|k| hex(&k))
        .collect::<Vec<_>>();
    Ok(json!(keys))
}

fn state_call(ctx: &Ctx, params: Params<'_>) -> Result<Value, ErrorObjectOwned> {
    let mut seq = params.sequence();
    let name: String = required(&mut seq, "method name")?;
    let data: Option<String> = optional(&mut seq)?;
    let at: Option<String> = optional(&mut seq)?;
    let args = bytes_param(data.as_deref().unwrap_or("0x"), "call data")?;
    let state = match state_at(&ctx.chain, at.as_deref()) {
        Ok((_, state)) => state,
        // The metadata does not depend on the state: answer it for any known block (a client
        // connecting right after a restart asks at the head's parent, older than the history).
        Err(e) if name.starts_with("Metadata_") => match known(&ctx.chain, at.as_deref())? {
            true => ctx.chain.head_state().1,
            false => return Err(e),
        },
        Err(e) => return Err(e),
    };
    match apis::call(&name, &args, state.as_ref(), ctx.constants) {
        Ok(out) => Ok(json!(hex(&out))),
        Err(e) => Err(err(CLIENT_ERROR, e.to_string())),
    }
}

/// `payment_queryInfo`: the fee of an extrinsic, as `TransactionPaymentApi.query_info` computes it.
fn query_info(ctx: &Ctx, params: Params<'_>) -> Result<Value, ErrorObjectOwned> {
    use parity_scale_codec::Decode;
    let mut seq = params.sequence();
    let xt: String = required(&mut seq, "extrinsic")?;
    let at: Option<String> = optional(&mut seq)?;
    let mut args = bytes_param(&xt, "extrinsic")?;
    let len = args.len() as u32;
    args.extend_from_slice(&len.to_le_bytes());
    let (_, state) = state_at(&ctx.chain, at.as_deref())?;
    let out = apis::call("TransactionPaymentApi_query_info", &args, state.as_ref(), ctx.constants)
        .map_err(|e| err(CLIENT_ERROR, e.to_string()))?;
    let info = apis::RuntimeDispatchInfo::decode(&mut &out[..]).map_err(internal)?;
    Ok(json!({
        "weight": {"ref_time": info.weight.ref_time, "proof_size": info.weight.proof_size},
        "class": "normal",
        "partialFee": info.partial_fee.to_string(),
    }))
}

fn next_index(chain: &Chain, params: Params<'_>) -> Result<Value, ErrorObjectOwned> {
    let text: String = required(&mut params.sequence(), "account")?;
    let who: agora_primitives::AccountId =
        text.parse().map_err(|_| err(INVALID_PARAMS, format!("{text}: not an SS58 address")))?;
    Ok(json!(chain.next_nonce(&who).map_err(internal)?))
}

fn health(chain: &Chain) -> Value {
    let peers = chain.metrics().peers.load(std::sync::atomic::Ordering::Relaxed);
    json!({"peers": peers, "isSyncing": crate::rpc::is_syncing(chain), "shouldHavePeers": peers > 0})
}

fn register_reads(m: &mut RpcModule<Ctx>) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_method("chain_getBlockHash", |p, ctx, _| get_block_hash(&ctx.chain, p))?;
    m.register_alias("chain_getBlockHashAt", "chain_getBlockHash")?;
    for name in ["chain_getHead", "chain_getFinalizedHead", "chain_getFinalisedHead"] {
        m.register_method(name, |_, ctx, _| Ok::<_, ErrorObjectOwned>(json!(hex(&ctx.chain.head().block_hash))))?;
    }
    m.register_method("chain_getHeader", |p, ctx, _| {
        let at: Option<String> = optional(&mut p.sequence())?;
        Ok::<_, ErrorObjectOwned>(block_at(&ctx.chain, at.as_deref())?.map_or(Value::Null, |b| header(&b)))
    })?;
    m.register_method("state_getRuntimeVersion", |p, ctx, _| {
        let at: Option<String> = optional(&mut p.sequence())?;
        if !known(&ctx.chain, at.as_deref())? {
            return Err(err(CLIENT_ERROR, "Client error: Api called for an unknown Block: Header was not found"));
        }
        Ok(runtime_version())
    })?;
    m.register_alias("chain_getRuntimeVersion", "state_getRuntimeVersion")?;
    // The handlers that can read much state run off the async workers.
    m.register_blocking_method("state_getStorage", |p, ctx, _| get_storage(&ctx.chain, p))?;
    m.register_alias("state_getStorageAt", "state_getStorage")?;
    m.register_blocking_method("state_queryStorageAt", |p, ctx, _| query_storage_at(&ctx.chain, p))?;
    m.register_blocking_method("state_getKeys", |p, ctx, _| get_keys(&ctx.chain, p, false))?;
    m.register_blocking_method("state_getKeysPaged", |p, ctx, _| get_keys(&ctx.chain, p, true))?;
    m.register_alias("state_getKeysPagedAt", "state_getKeysPaged")?;
    m.register_blocking_method("state_call", |p, ctx, _| state_call(&ctx, p))?;
    m.register_alias("state_callAt", "state_call")?;
    m.register_blocking_method("payment_queryInfo", |p, ctx, _| query_info(&ctx, p))?;
    Ok(())
}

fn register_system(m: &mut RpcModule<Ctx>) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_method("system_chain", |_, _, _| "Agora")?;
    m.register_method("system_name", |_, _, _| "agora-node")?;
    m.register_method("system_version", |_, _, _| env!("CARGO_PKG_VERSION"))?;
    m.register_method("system_chainType", |_, _, _| "Development")?;
    m.register_method("system_properties", |_, _, _| {
        json!({"ss58Format": agora_substrate::metadata::SS58_PREFIX, "tokenDecimals": 9, "tokenSymbol": "TAO"})
    })?;
    m.register_method("system_health", |_, ctx, _| health(&ctx.chain))?;
    m.register_method("account_nextIndex", |p, ctx, _| next_index(&ctx.chain, p))?;
    m.register_alias("system_accountNextIndex", "account_nextIndex")?;
    Ok(())
}

async fn heads(pending: PendingSubscriptionSink, ctx: Arc<Ctx>) -> jsonrpsee::core::SubscriptionResult {
    let mut blocks = ctx.chain.subscribe_blocks();
    let mut sink = pending.accept().await?;
    // The current head first, as the reference node does.
    if !deliver(&mut sink, message(&header(&ctx.chain.head_block()))?)? {
        return Ok(());
    }
    loop {
        let event = tokio::select! {
            _ = sink.closed() => return Ok(()),
            event = blocks.recv() => event,
        };
        match event {
            Ok(f) => {
                if !deliver(&mut sink, message(&header(&f.block))?)? {
                    return Ok(());
                }
            }
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return Ok(()),
        }
    }
}

fn message(value: &Value) -> Result<SubscriptionMessage, serde_json::Error> {
    Ok(SubscriptionMessage::from(serde_json::value::to_raw_value(value)?))
}

fn register_subscriptions(m: &mut RpcModule<Ctx>) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    for (subscribe, notification, unsubscribe) in [
        ("chain_subscribeNewHeads", "chain_newHead", "chain_unsubscribeNewHeads"),
        ("chain_subscribeFinalizedHeads", "chain_finalizedHead", "chain_unsubscribeFinalizedHeads"),
    ] {
        m.register_subscription(subscribe, notification, unsubscribe, |_, pending, ctx, _| async move {
            heads(pending, ctx).await
        })?;
    }
    m.register_alias("chain_subscribeFinalisedHeads", "chain_subscribeFinalizedHeads")?;
    m.register_alias("chain_unsubscribeFinalisedHeads", "chain_unsubscribeFinalizedHeads")?;
    Ok(())
}

fn module(ctx: Ctx) -> Result<RpcModule<Ctx>, jsonrpsee::core::RegisterMethodError> {
    let mut m = RpcModule::new(ctx);
    register_reads(&mut m)?;
    register_system(&mut m)?;
    register_subscriptions(&mut m)?;
    author::register(&mut m)?;
    let mut methods: Vec<String> = m.method_names().map(str::to_string).collect();
    methods.push("rpc_methods".into());
    methods.sort();
    m.register_method("rpc_methods", move |_, _, _| json!({"methods": methods, "version": 1}))?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_version_has_what_the_clients_read() {
        let v = runtime_version();
        assert_eq!(v["specVersion"], SPEC_VERSION);
        assert_eq!(v["transactionVersion"], TRANSACTION_VERSION);
        assert!(v["apis"].is_array());
    }
}
