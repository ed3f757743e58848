//! The neuron protocol: axon and dendrite wire-compatible with the Bittensor SDK and Epistula v2.
//!
//! How validators talk to miners. Wire-compatible with the Bittensor SDK's axon/dendrite (signed HTTP with `bt_header_*`
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
//! - [`load`]: the load tools' closed loop and percentiles; [`bench`]: the dendrite's load and
//!   fan-out benchmarks with [`dummy`].
//!
//! # Guarantees
//!
//! - Every request is signed and verified before its handler runs: the caller's hotkey signature,
//!   a nonce inside a bounded replay table, the body hash, and the guard (stake, permit).
//! - Every limit is explicit: connections, request-head deadline, pre-authentication places and
//!   bytes, body size, workers and queue, per-request deadline, response size on the dendrite side; a refusal is an [`error::NeuronError`] with one HTTP status.
//! - Interoperability with the Python SDK both ways is tested in `crates/cli/tests/it/neuron.rs`.
//!
//! # Status
//!
//! HTTP/1.1 without TLS, as the reference. An Epistula request's body is read before its
//! signature can be checked; it does so in a small pre-authentication pool (places per address, a
//! byte budget, a 5 s body deadline), never in a worker slot. Connections are capped overall and
//! per address, and a request head must arrive within 10 s ([`agora_net`]).
//!
//! # Example
//!
//! ```no_run
//! use agora_neuron::dummy::{Dummy, answer};
//! use agora_neuron::{Axon, AxonConfig};
//! use agora_primitives::Pair;
//!
//! # async fn serve() -> std::io::Result<()> {
//! let mut axon = Axon::new(Pair::from_seed(&[1; 32]), AxonConfig::default());
//! axon.attach(|q: Dummy, _caller| async move { Ok(answer(q)) });
//! let running = axon.serve("127.0.0.1:8091".parse().unwrap()).await?;
//! running.stop().await
//! # }
//! ```

pub mod axon;
pub mod bench;
pub mod dendrite;
pub mod dummy;
pub mod error;
pub mod guard;
pub mod headers;
pub mod load;
pub mod priority;
pub mod pystr;
pub mod synapse;
pub mod verify;

pub use axon::{Axon, AxonConfig, Caller, ChunkStream, RunningAxon};
pub use dendrite::{Answer, AxonTarget, Dendrite, StreamAnswer};
pub use error::{NeuronError, NeuronResult};
pub use guard::{Callers, Guard, OpenGuard, StakeGuard};
pub use synapse::{Synapse, TerminalInfo};
