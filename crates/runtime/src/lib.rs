//! The deterministic state machine of the TAO economy: transactions, block hooks, epochs and queries.
//!
//! `agora-runtime` is a pure function from (state, block) to (state changes, receipts, events,
//! state root). It knows nothing of sockets, clocks, threads or randomness: height, timestamp
//! and author arrive in the block, state is read through the small [`storage::StorageRead`] trait,
//! and writes come back as one [`storage::ChangeSet`] for the node to commit atomically. It holds
//! the whole economy of the TAO era: balances and keep-alive transfers, subnets with lock cost and
//! pruning, burned registration with the current burn price rule, stake with share pools and
//! delegate takes, the root network's split of emission across subnets, weights (with every
//! reference check) and commit-reveal, the halving emission curve, and epochs through
//! [`agora_yuma`].
//!
//! ```text
//!   client ── signed tx ──▶ node mempool ──▶ block ──▶ execute_block(state, block)
//!                                                       ├─ hooks: burn decay, emission, epochs
//!                                                       ├─ txs: validity → nonce/fee → dispatch
//!                                                       └─ ChangeSet + receipts + state root
//!                                                              │
//!                                               node commits ◀─┘ (one DB transaction)
//! ```
//!
//! # Guarantees
//!
//! - **Deterministic**: no floats in consensus arithmetic (fixed point with the reference's
//!   truncation), no clocks, no randomness, ordered maps only. Same state and block ⇒ same bytes.
//! - **Atomic**: a failed call changes nothing but its signer's nonce and fee; an invalid
//!   transaction makes the whole block invalid; nothing is written to the caller's store.
//! - **Conserving**: `TotalIssuance = free + stake + locked + pending emission` after every block
//!   (dynamic TAO: `free + TAO in pools + swap fees in flight`, and each subnet's alpha outside its
//!   pool covers its stakes and pending alpha) ([`query::check_conservation`]; property-tested).
//! - **Committed**: [`execute_block`] returns the state root (an LtHash over every entry, see
//!   [`storage::LtHash`]), which [`storage::compute_state_root_from_scratch`] reproduces.
//! - **Total decoding**: [`SignedTransaction::decode_checked`] never panics and enforces size and
//!   vector limits.
//!
//! # Status
//!
//! Reference-exact: the block emission curve, burn price decay and bump, lock cost, weights
//! checks and their order, commit hash layout, error names. Two economies, chosen in genesis: the
//! TAO era (default; stake is TAO) and dynamic TAO (`economy = "dynamic"`: a pool per subnet from
//! [`agora_economy`], stake is alpha, emission by price EMA, epochs pay alpha; see [`pools`]).
//! Dynamic TAO is in progress: stake moves ([`stake_moves`]'s calls) and root claims
//! ([`root_claims`]) are here; auto-claim and SafeFloat share pools are not yet. Deliberate differences are listed in [`hyperparams`] and
//! [`emission`]. Tests: `tests/it/` (one module per call family, the end-to-end economy, property
//! tests).
//!
//! # Example
//!
//! ```
//! use agora_primitives::{Balance, BlockNumber, Hash, Pair};
//! use agora_runtime::{BlockInput, Call, GenesisConfig, SignedTransaction, execute_block, query};
//!
//! let alice = Pair::from_seed(&[1; 32]);
//! let bob = Pair::from_seed(&[2; 32]);
//! let mut config = GenesisConfig::new("doc");
//! config.balances.insert(alice.public(), Balance::from_tao(10).unwrap());
//! let genesis = config.build().unwrap();
//! let genesis_hash = genesis.genesis_hash;
//! let mut state = genesis.into_memory();
//!
//! let call = Call::Transfer { dest: bob.public(), amount: Balance::from_tao(1).unwrap() };
//! let tx = SignedTransaction::sign(&alice, &genesis_hash, 0, call);
//! let txs = [tx.into()];
//! let input = BlockInput { height: BlockNumber(1), timestamp_ms: 0, author: None, transactions: &txs };
//! let outcome = execute_block(&state, &input).unwrap();
//! assert!(outcome.receipts[0].result.is_ok());
//! state.commit(outcome.changes);
//! assert_eq!(query::balance(&state, &bob.public()), Balance::from_tao(1).unwrap());
//! ```
//!
//! # Feature flags
//!
//! None.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]
#![deny(clippy::float_arithmetic)]

mod admin;
mod alpha_emission;
mod alpha_shares;
mod alpha_staking;
mod balances;
pub mod call;
mod context;
pub mod emission;
mod epoch;
pub mod error;
pub mod event;
mod executive;
pub mod genesis;
pub mod harness;
pub mod hyperparams;
pub mod param_names;
pub mod pools;
pub mod query;
mod registration;
mod root;
pub mod root_claims;
mod serving;
pub mod stake_moves;
mod staking;
pub mod state;
pub mod storage;
mod subnets;
pub mod transaction;
mod trim;
mod weights;

pub use call::{Call, GlobalUpdate, HyperparameterUpdate, SubnetIdentity, weights_commit_hash};
pub use epoch::{EpochPayout, epoch_inputs, should_run_epoch};
pub use error::{BlockError, DispatchError, TransactionError};
pub use event::Event;
pub use executive::{
    BlockInput, BlockOutcome, BuiltBlock, Receipt, build_block, dry_run, execute_block, fee_for, genesis_hash,
    is_free_call, state_root, validate_transaction,
};
pub use genesis::{Genesis, GenesisConfig, GenesisError};
pub use param_names::ParamError;
pub use registration::{decay_factor_q32, neuron_to_prune};
pub use serving::is_valid_ip_address;
pub use subnets::network_lock_cost;
pub use transaction::{Authenticated, SignedTransaction, Transaction};
pub use weights::max_upscale;
