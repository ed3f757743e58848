//! The neuron protocol: how validators talk to miners.
//!
//! Wire-compatible with the Bittensor SDK's axon/dendrite (signed HTTP with `bt_header_*`
//! headers and the SHA3 body hash) and with Epistula v2 headers, so Python neurons and Agora
//! neurons query each other unchanged; stricter where the reference is weak (unsigned requests
//! are refused, replay state is bounded, handlers are async and time-limited, priority really
//! orders work).
//!
//! - [`synapse`]: the [`Synapse`] trait, terminal info, envelope and body hash ([`pystr`]
//!   renders Python `str()` for it).
//! - [`axon`]: the server; [`guard`]: blacklist and priority (from the metagraph by default);
//!   [`verify`]: signatures and nonces; [`priority`]: the bounded priority queue.
//! - [`dendrite`]: the client.
//! - [`error`]: every failure, and the HTTP status it is answered with.
//! - [`dummy`]: the template's example protocol.

pub mod axon;
pub mod dendrite;
pub mod dummy;
pub mod error;
pub mod guard;
pub mod headers;
pub mod priority;
pub mod pystr;
pub mod synapse;
pub mod verify;

pub use axon::{Axon, AxonConfig, Caller, ChunkStream, RunningAxon};
pub use dendrite::{Answer, AxonTarget, Dendrite, StreamAnswer};
pub use error::{NeuronError, NeuronResult};
pub use guard::{Guard, OpenGuard, StakeGuard};
pub use synapse::{Synapse, TerminalInfo};
