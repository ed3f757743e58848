//! Consensus for the node: the runtime's blocks agreed on by commonware's simplex BFT, with
//! marshal delivering finalised blocks in order (and backfilling them from peers), buffered
//! broadcast carrying full proposals, and transaction gossip. This folder is the only place that
//! knows commonware: the rest of the crate sees [`Chain`](crate::chain::Chain) and plain blocks,
//! so an upgrade of commonware should only need changes here.
//!
//! ```text
//!  p2p channels ─┬─ votes / certificates / resolver ─▶ simplex (ed25519, round robin)
//!                │                                        │ propose / verify / certify
//!                │                                        ▼
//!                ├─ broadcast ─▶ buffered ─────────▶ Inline(App) ──▶ Chain::{propose, verify}
//!                ├─ backfill ──▶ resolver ─▶ marshal ─(finalised blocks, in order)─▶ Finalizer
//!                │                            (archives: blocks, certificates)      └▶ Chain::finalize
//!                └─ txs ───────▶ gossip ─▶ Chain::submit
//! ```
//!
//! Layout, one job per file:
//! - `codec`: [`ChainBlock`], the block with commonware's codec, digest, height and parent;
//! - `identity`: the signing [`Scheme`], its [`NAMESPACE`] and the genesis
//!   [`consensus_commitment`] to the validator set;
//! - `application`: [`App`], proposing and verifying blocks with the runtime through the chain;
//! - `finalizer`: [`Finalizer`], committing each finalised block to the store;
//! - `gossip`: the transaction gossip channel;
//! - `marshal`: marshal, its backfill resolver and its archives;
//! - `wiring`: the p2p [`Channels`] and starting a validator ([`start_validator`]) or a follower
//!   ([`start_follower`]);
//! - [`keys`]: consensus and p2p identities in configuration files;
//! - [`node`]: running a node in production (tokio runtime, TCP p2p, store, RPC).

mod application;
mod codec;
mod finalizer;
mod gossip;
mod identity;
pub mod keys;
mod marshal;
pub mod node;
mod wiring;

pub use application::App;
pub use codec::ChainBlock;
pub use finalizer::Finalizer;
pub use identity::{NAMESPACE, Scheme, consensus_commitment};
pub use wiring::{
    CHANNEL_BACKFILL, CHANNEL_BROADCAST, CHANNEL_CERTIFICATES, CHANNEL_RESOLVER, CHANNEL_TXS, CHANNEL_VOTES, Channels,
    ConsensusConfig, MAX_MESSAGE_BYTES, start_follower, start_validator,
};
