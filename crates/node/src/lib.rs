//! The Agora chain node: the runtime on commonware's simplex BFT engine, mempool, sync, JSON-RPC, metrics,
//! localnet files.
//!
//! The Agora chain node: the only I/O shell around the runtime.
//!
//! A node hosts the deterministic runtime ([`agora_runtime`]) on commonware's simplex BFT engine:
//! validators agree on blocks, every validator re-executes a proposal before voting for it, and
//! each finalised block is committed to the [`agora_store`] database in one atomic write.
//! Around that: a [`mempool`], transaction gossip, backfill of missing finalised blocks from
//! peers (marshal), JSON-RPC over HTTP and WebSocket, and Prometheus metrics.
//!
//! Layout: [`block`] (format and codec), [`chain`] (build / verify / commit with the runtime,
//! no consensus types), [`engine`] (everything commonware), [`rpc`] (Agora's JSON-RPC),
//! [`substrate_rpc`] (the Substrate-compatible endpoint the Python SDK and btcli use),
//! [`metrics`], [`config`].
//!
//! # Guarantees
//!
//! - Safety under BFT assumptions: a block is final once a quorum of validators has voted for it,
//!   and every validator re-executed it to the same state root first.
//! - Crash safety: each finalised block is one store transaction; a restarted node resumes from its
//!   store and catches up from peers.
//!
//! # Status
//!
//! Fixed validator set from genesis. The Substrate-compatible endpoint serves reads (connect,
//! headers, storage, metadata); extrinsic submission is not there yet. Design and limits:
//! `docs/node.md`; RPC: `docs/rpc.md`; Substrate compatibility: `docs/substrate-compat.md`.

pub mod block;
pub mod chain;
pub mod config;
pub mod engine;
pub mod localnet;
pub mod mempool;
pub mod metrics;
pub mod rpc;
pub mod substrate_rpc;

pub use block::{Block, BlockHash, Header};
pub use chain::{Chain, ChainConfig, ChainError, ChainEvent, TxStatus};

/// Running a node in production (tokio runtime, TCP p2p, redb store, RPC).
pub mod run {
    pub use crate::engine::node::{NodeError, open_chain, run};
}
