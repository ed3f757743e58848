//! Typed client of a node: queries, signed calls that wait for finality, the metagraph in one call, the
//! reference's weight helpers.
//!
//! The client side of an Agora node, for the CLI, validators and scripts.
//!
//! - [`rpc`]: the JSON-RPC transport (blocking HTTP, a timeout on every call).
//! - [`Client`]: typed queries (balances, subnets, hyperparameters, stake, delegates, events) and
//!   signed calls that wait for finality ([`Client::submit_and_watch`]).
//! - [`metagraph`]: a subnet's metagraph in **one** round trip ([`Client::metagraph`], lite or
//!   full), the user-facing view of it, and save/load to a portable JSON file.
//! - [`weights`]: the reference SDK's weight helpers, bit for bit.
//! - [`weight_setting`]: the one path from scores to a `set_weights` / commit / reveal call, with
//!   the chain's checks first, the [`CommitRecord`] a reveal needs and the [`CommitStore`] a
//!   wallet keeps them in.
//! - [`preflight`]: the chain's checks before transfers, stakes, registrations, new subnets,
//!   takes and hyperparameter changes, returning the call to sign or the chain's error by name.
//! - [`axon`]: the chain's axon address encoding both ways, and publishing an axon.
//! - [`advice`]: what to do about each chain error.
//!
//! # Guarantees
//!
//! - Every call has a timeout (10 s by default); a node that does not answer is an error that names
//!   its URL, never a hang.
//! - Results deserialise from the response text, so 128-bit integers keep their exact value.
//! - [`prepare_weights`] refuses with the runtime's own [`agora_runtime::DispatchError`] before
//!   anything is signed, and produces the same u16 weights as the Python SDK (property-tested);
//!   so do the [`preflight`] checks of every other signed call.
//!
//! # Status
//!
//! Blocking HTTP only (no TLS, no WebSocket subscriptions); the Substrate endpoint is a later issue.
//!
//! # Example
//!
//! ```no_run
//! use agora_client::Client;
//! use agora_primitives::NetUid;
//!
//! let client = Client::new("http://127.0.0.1:30301")?;
//! let metagraph = client.metagraph(NetUid(1), false)?;
//! println!("{} neurons at block {}", metagraph.n, metagraph.block);
//! # Ok::<(), agora_client::ClientError>(())
//! ```

pub mod advice;
pub mod axon;
mod client;
pub mod metagraph;
pub mod preflight;
pub mod rpc;
pub mod weight_setting;
pub mod weights;

pub use client::{
    AccountState, BlockEvents, ChainStatus, Client, Finalized, Holdings, Prices, ReceiptStatus, SubmitError,
    normalize_url, value_at,
};
pub use preflight::PreflightError;
pub use rpc::{ClientError, RpcClient};
pub use weight_setting::{
    CommitRecord, CommitStore, PrepareError, PreparedWeights, Scores, WeightsMode, prepare_weights,
};

/// The node's JSON-RPC error code for "no such thing" (an unknown subnet, block or receipt).
pub const NOT_FOUND: i64 = 1001;
