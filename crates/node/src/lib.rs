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
//! headers, storage, metadata, runtime APIs); extrinsic submission is not there yet. Design and limits:
//! `docs/node.md`; RPC: `docs/rpc.md`; Substrate compatibility: `docs/substrate-compat.md`.
//!
//! # Example
//!
//! A chain driven by hand, as the tests do (a real node runs it under consensus with
//! [`run::run`]):
//!
//! ```
//! use agora_node::chain::{Chain, ChainConfig};
//! use agora_primitives::{Balance, Pair};
//! use agora_runtime::{Call, GenesisConfig, SignedTransaction};
//!
//! let alice = Pair::from_seed(&[1; 32]);
//! let mut config = GenesisConfig::new("doc");
//! config.balances.insert(alice.public(), Balance::from_tao(10).unwrap());
//! let genesis = config.build().unwrap();
//! let chain = Chain::open(agora_store::Store::in_memory(), &genesis, 0, [0; 32], ChainConfig::default()).unwrap();
//! let call = Call::Transfer { dest: Pair::from_seed(&[2; 32]).public(), amount: Balance(5) };
//! chain.submit(SignedTransaction::sign(&alice, &genesis.genesis_hash, 0, call)).unwrap();
//! let block = chain.propose(&chain.genesis_block(), [9; 32], 1_000).unwrap();
//! chain.finalize(&block, 1_500).unwrap();
//! assert_eq!(chain.head().height.get(), 1);
//! ```

pub mod block;
pub mod chain;
pub mod config;
pub mod engine;
pub mod localnet;
pub mod mempool;
pub mod metrics;
pub mod rpc;
pub mod rpc_server;
pub mod substrate_rpc;

pub use block::{Block, BlockHash, Header};
pub use chain::{Chain, ChainConfig, ChainError, ChainEvent, TxStatus};

/// Running a node in production (tokio runtime, TCP p2p, redb store, RPC).
pub mod run {
    pub use crate::engine::node::{NodeError, open_chain, run};
}
