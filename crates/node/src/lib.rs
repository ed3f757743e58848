//! The Agora chain node: the only I/O shell around the runtime.
//!
//! A node hosts the deterministic runtime ([`agora_runtime`]) on commonware's simplex BFT engine:
//! validators agree on blocks, every validator re-executes a proposal before voting for it, and
//! each finalised block is committed to the [`agora_store`] database in one atomic write.
//! Around that: a [`mempool`], transaction gossip, backfill of missing finalised blocks from
//! peers (marshal), JSON-RPC over HTTP and WebSocket, and Prometheus metrics.
//!
//! Layout: [`block`] (format and codec), [`chain`] (build / verify / commit with the runtime,
//! no consensus types), [`engine`] (everything commonware), [`rpc`], [`metrics`], [`config`].

pub mod block;
pub mod chain;
pub mod config;
pub mod engine;
pub mod localnet;
pub mod mempool;
pub mod metrics;
pub mod rpc;

pub use block::{Block, BlockHash, Header};
pub use chain::{Chain, ChainConfig, ChainError, ChainEvent, TxStatus};

/// Running a node in production (tokio runtime, TCP p2p, redb store, RPC).
pub mod run {
    pub use crate::engine::node::{NodeError, open_chain, run};
}
