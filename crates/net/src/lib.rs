//! Bounded HTTP/1 serving for every Agora server that faces the network: the node's two RPC
//! endpoints, the axon and the gateway.
//!
//! A plain `axum::serve` (or jsonrpsee's own accept loop) keeps whatever connection a peer opens
//! for as long as the peer likes: trickled headers, idle keep-alive connections and idle
//! WebSockets each hold a slot, and a few hundred of them lock every honest caller out. Here every
//! connection is admitted against a cap overall and a cap per source address, must send its
//! request headers within a deadline (which also closes idle keep-alive connections), and a
//! refused connection is told why in one short `429 Too Many Requests` answer before it is closed.
//! What the servers do with a request body (size, deadline) is theirs.
//!
//! - [`admission`]: the counters ([`Admission`], [`Slot`], [`Refusal`]).
//! - [`io`]: [`Held`], a stream that keeps its slots until the connection is gone (also after an
//!   HTTP upgrade hands the stream to a WebSocket task).
//! - [`serve()`]: the accept loop ([`Limits`], [`Conn`]).
//!
//! # Guarantees
//!
//! - At most `max_connections` connections are open, at most `max_per_ip` from one address; the
//!   rest are answered `429` with `{"message": …}` that says which limit was hit, and closed.
//! - A connection that has not sent a full request head within `header_timeout` is closed, whether
//!   it trickles bytes or sits idle between requests; one whose peer reads nothing it is sent for
//!   `write_stall` is closed too.
//! - Stopping waits for open requests to finish (graceful), as `axum::serve` does.
//!
//! # Status
//!
//! HTTP/1.1 only (every Agora client and the reference clients speak it). No TLS.

pub mod admission;
pub mod io;
pub mod serve;

pub use admission::{Admission, Refusal, Slot};
pub use io::Held;
pub use serve::{Conn, Limits, refuse, serve};
