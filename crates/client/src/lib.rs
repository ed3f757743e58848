//! The client side of an Agora node, for the CLI, validators and scripts.
//!
//! - [`rpc`]: the JSON-RPC transport (blocking HTTP, a timeout on every call).
//! - [`Client`]: typed queries (balances, subnets, hyperparameters, stake, delegates, events) and
//!   signed calls that wait for finality ([`Client::submit_and_watch`]).
//! - [`metagraph`]: a subnet's metagraph in **one** round trip ([`Client::metagraph`], lite or
//!   full), the user-facing view of it, and save/load to a portable JSON file.
//! - [`weights`]: the reference SDK's weight helpers, bit for bit.
//! - [`advice`]: what to do about each chain error.

pub mod advice;
mod client;
pub mod metagraph;
pub mod rpc;
pub mod weights;

pub use client::{
    AccountState, BlockEvents, ChainStatus, Client, Finalized, ReceiptStatus, SubmitError, normalize_url,
};
pub use rpc::{ClientError, RpcClient};
