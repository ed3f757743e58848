//! Writes through the Substrate endpoint, and what the clients read to learn how they went:
//! `author_submitExtrinsic`, `author_submitAndWatchExtrinsic` (statuses `ready`, then
//! `inBlock` and `finalized` for the same final block, or `dropped`; a future nonce is pooled
//! and also reported `ready`), `chain_getBlock` (the block's extrinsics) and `System.Events`
//! (spec substrate-compat §2, §8).
//!
//! Refusals carry Substrate's codes and texts, which the SDK maps by substring: 1001 the bytes
//! are not an extrinsic, 1010 `Invalid Transaction` with the reason as `data`, 1013 already
//! imported, 1014 a pending transaction has the nonce, 1016 the pool is full.

use std::sync::Arc;

use agora_primitives::Hash;
use agora_runtime::TransactionError;
use agora_substrate::body;
use agora_substrate::checked::Refusal;
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned, Params};
use jsonrpsee::{PendingSubscriptionSink, RpcModule};
use parity_scale_codec::Encode;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::{Ctx, block_at, header, internal, message, optional, required};
use crate::block::{Block, BlockHash, Envelope, Extrinsic};
use crate::chain::{Chain, ChainEvent, TxStatus, hex, parse_hex};
use crate::mempool::MempoolError;
use crate::rpc_server::deliver;

/// `author_*` error codes (Substrate's).
mod code {
    /// The bytes do not decode as an extrinsic.
    pub const BAD_FORMAT: i32 = 1001;
    /// The pool could not check it.
    pub const VERIFICATION: i32 = 1002;
    /// Invalid transaction.
    pub const INVALID: i32 = 1010;
    /// Already in the pool.
    pub const ALREADY_IMPORTED: i32 = 1013;
    /// Another transaction holds the nonce.
    pub const TOO_LOW_PRIORITY: i32 = 1014;
    /// The pool is full.
    pub const IMMEDIATELY_DROPPED: i32 = 1016;
}

fn error(code: i32, message: &str, data: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(code, message.to_string(), Some(data.into()))
}

fn invalid(data: impl Into<String>) -> ErrorObjectOwned {
    error(code::INVALID, "Invalid Transaction", data)
}

/// A refused extrinsic as Substrate reports it.
fn refusal(r: &Refusal) -> ErrorObjectOwned {
    match r {
        Refusal::Malformed(_) => {
            ErrorObject::owned(code::BAD_FORMAT, format!("Extrinsic has invalid format: {r}"), None::<()>)
        }
        _ => invalid(r.to_string()),
    }
}

/// A mempool refusal as Substrate reports it.
fn pool_error(e: &MempoolError) -> ErrorObjectOwned {
    match e {
        MempoolError::Refused(r) => refusal(r),
        MempoolError::Invalid(TransactionError::StaleNonce { expected, got }) => {
            invalid(format!("Transaction is outdated: nonce {got} was used (next is {expected})"))
        }
        MempoolError::Invalid(TransactionError::CannotPayFee { balance, fee }) => invalid(format!(
            "Inability to pay some fees (e.g. account balance too low): balance {balance} rao, fee {fee} rao"
        )),
        MempoolError::Invalid(TransactionError::BadSignature) => invalid("Transaction has a bad signature"),
        MempoolError::Invalid(e @ (TransactionError::VectorTooLong { .. } | TransactionError::Oversized { .. })) => {
            invalid(format!("Transaction would exhaust the block limits: {e}"))
        }
        MempoolError::Invalid(e) => invalid(e.to_string()),
        MempoolError::NonceTooFarAhead { .. } => invalid(format!("Transaction will be valid in the future: {e}")),
        MempoolError::Duplicate(_) => error(code::ALREADY_IMPORTED, "Transaction Already Imported", e.to_string()),
        MempoolError::NonceTaken { .. } => error(
            code::TOO_LOW_PRIORITY,
            "Priority is too low: (0 vs 0)",
            "The transaction has too low priority to replace another transaction already in the pool.",
        ),
        MempoolError::AccountFull(_) | MempoolError::ParkedFull { .. } | MempoolError::Full(_) => {
            error(code::IMMEDIATELY_DROPPED, "Immediately Dropped", e.to_string())
        }
        MempoolError::Unavailable(_) => error(code::VERIFICATION, "Verification Error", e.to_string()),
    }
}

/// Checks and pools an extrinsic, then gossips it; returns its hash.
fn submit(ctx: &Ctx, params: &Params<'_>) -> Result<Hash, ErrorObjectOwned> {
    let text: String = required(&mut params.sequence(), "extrinsic")?;
    let bytes = parse_hex(&text).ok_or_else(|| refusal(&Refusal::Malformed("not 0x-prefixed hex".into())))?;
    let xt = Extrinsic::decode(bytes).map_err(|r| refusal(&r))?;
    let envelope = Envelope::Substrate(xt);
    let gossip = envelope.gossip_message();
    let hash = ctx.chain.submit(envelope).map_err(|e| pool_error(&e))?;
    (ctx.gossip)(gossip);
    Ok(hash)
}

/// What a watcher hears for a status (`None`: nothing to say).
fn update(status: &TxStatus) -> Vec<Value> {
    match status {
        TxStatus::InMempool | TxStatus::Included { .. } => Vec::new(),
        // Every Agora block is final when committed: inBlock and finalized name the same block.
        TxStatus::Finalized { block, .. } => vec![json!({"inBlock": block}), json!({"finalized": block})],
        TxStatus::Dropped { .. } => vec![json!("dropped")],
    }
}

async fn watch(params: Params<'static>, pending: PendingSubscriptionSink, ctx: Arc<Ctx>) -> SubscriptionResult {
    // Subscribe before submitting so no status is missed.
    let mut events = ctx.chain.subscribe();
    // Checking a signature and reading blocks: off the async workers.
    let submitted = {
        let ctx = ctx.clone();
        tokio::task::spawn_blocking(move || submit(&ctx, &params)).await
    };
    let hash = match submitted {
        Ok(Ok(hash)) => hash,
        Ok(Err(e)) => {
            pending.reject(e).await;
            return Ok(());
        }
        Err(e) => {
            pending.reject(internal(e)).await;
            return Ok(());
        }
    };
    let mut sink = pending.accept().await?;
    if !deliver(&mut sink, message(&json!("ready"))?)? {
        return Ok(());
    }
    loop {
        let event = tokio::select! {
            _ = sink.closed() => return Ok(()),
            event = events.recv() => event,
        };
        let status = match event {
            Ok(ChainEvent::Tx(h, status)) if h == hash => status,
            Ok(_) => continue,
            Err(RecvError::Lagged(_)) => match settle(&ctx.chain, &hash) {
                Some(status) => status,
                None => continue,
            },
            Err(RecvError::Closed) => return Ok(()),
        };
        for value in update(&status) {
            if !deliver(&mut sink, message(&value)?)? {
                return Ok(());
            }
        }
        if matches!(status, TxStatus::Finalized { .. } | TxStatus::Dropped { .. }) {
            return Ok(());
        }
    }
}

type SubscriptionResult = jsonrpsee::core::SubscriptionResult;

/// Where a transaction stands after this watcher missed events: final, dropped, or (`None`)
/// still pending.
fn settle(chain: &Chain, hash: &Hash) -> Option<TxStatus> {
    if let Ok(Some(location)) = chain.tx_location(hash) {
        let height = location.height.get();
        let block = chain.hash_at(height).ok().flatten()?;
        return Some(TxStatus::Finalized { height, block: hex(&block) });
    }
    (!chain.in_mempool(hash)).then(|| TxStatus::Dropped { reason: "no longer in the mempool".into() })
}

/// The extrinsics of `block` as the clients decode them.
pub(super) fn extrinsics(block: &Block) -> Vec<String> {
    if block.header.height == 0 {
        return Vec::new();
    }
    let mut out = vec![hex(&body::timestamp_inherent(block.header.timestamp_ms))];
    for envelope in &block.transactions {
        out.push(match envelope {
            Envelope::Agora(tx) => hex(&body::agora_transaction(tx)),
            Envelope::Substrate(xt) => hex(xt.bytes()),
        });
    }
    out
}

fn get_block(chain: &Chain, params: Params<'_>) -> Result<Value, ErrorObjectOwned> {
    let at: Option<String> = optional(&mut params.sequence())?;
    let Some(block) = block_at(chain, at.as_deref())? else { return Ok(Value::Null) };
    Ok(json!({
        "block": {"header": header(&block), "extrinsics": extrinsics(&block)},
        "justifications": null,
    }))
}

/// `System.Events` after the finalised block `hash` (SCALE).
pub(super) fn events_at(chain: &Chain, hash: &BlockHash) -> Result<Vec<u8>, ErrorObjectOwned> {
    let Some(height) = chain.height_of(hash).map_err(internal)? else { return Ok(Vec::<()>::new().encode()) };
    let stored = chain.receipts_at(height).map_err(internal)?;
    Ok(match stored {
        Some(stored) if height > 0 => body::events(&stored.events, &stored.receipts).encode(),
        _ => Vec::<()>::new().encode(),
    })
}

/// Registers the write methods and `chain_getBlock`.
pub(super) fn register(m: &mut RpcModule<Ctx>) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_blocking_method("author_submitExtrinsic", |p, ctx, _| submit(&ctx, &p).map(|h| json!(h)))?;
    m.register_subscription(
        "author_submitAndWatchExtrinsic",
        "author_extrinsicUpdate",
        "author_unwatchExtrinsic",
        |params, pending, ctx, _| async move { watch(params, pending, ctx).await },
    )?;
    m.register_blocking_method("chain_getBlock", |p, ctx, _| get_block(&ctx.chain, p))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_the_texts_the_sdk_matches() {
        let e = pool_error(&MempoolError::Invalid(TransactionError::CannotPayFee { balance: 1, fee: 2 }));
        assert_eq!(e.code(), 1010);
        assert!(e.data().unwrap().get().contains("Inability to pay some fees"));
        let e = pool_error(&MempoolError::Invalid(TransactionError::StaleNonce { expected: 2, got: 1 }));
        assert!(e.data().unwrap().get().contains("Transaction is outdated"));
        let e = pool_error(&MempoolError::Refused(Refusal::BadSignature));
        assert!(e.data().unwrap().get().contains("has a bad signature"));
        assert_eq!(refusal(&Refusal::Malformed("x".into())).code(), 1001);
        assert_eq!(pool_error(&MempoolError::Duplicate(Hash([0; 32]))).code(), 1013);
    }

    #[test]
    fn a_final_block_is_announced_as_in_block_then_finalized() {
        let status = TxStatus::Finalized { height: 3, block: "0xab".into() };
        assert_eq!(update(&status), vec![json!({"inBlock": "0xab"}), json!({"finalized": "0xab"})]);
        assert!(update(&TxStatus::InMempool).is_empty());
        assert_eq!(update(&TxStatus::Dropped { reason: "x".into() }), vec![json!("dropped")]);
    }
}
