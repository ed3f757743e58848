//! Every way a neuron request can fail, on either end, and the HTTP status each one is answered with.
//!
//! On the axon an error becomes the response: [`NeuronError::status`] is its status code and its
//! `Display` text is the `message` of the JSON body and the `bt_header_axon_status_message` header,
//! word for word what the reference SDK's clients have always seen. On the dendrite it becomes an
//! [`Answer`](crate::Answer)'s `status_code` and `status_message`, or ends a stream of chunks.

use std::net::SocketAddr;

use agora_primitives::AccountId;

use crate::verify::EPISTULA_DELTA_MS;

/// The result of a neuron operation.
pub type NeuronResult<T> = Result<T, NeuronError>;

/// Why a neuron request failed. [`NeuronError::status`] maps each variant to its HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum NeuronError {
    // ---- Routing (404) ----
    /// The request's path is not `/<SynapseName>`.
    #[error("Not found: requests go to /<SynapseName>")]
    NoRoute,
    /// No handler is attached for the named synapse.
    #[error("Synapse name '{name}' not found. Available synapses {known:?}")]
    UnknownSynapse {
        /// The name asked for.
        name: String,
        /// The synapses this axon serves.
        known: Vec<&'static str>,
    },

    // ---- Who is calling (401, 403) ----
    /// Neither Epistula headers nor a reference dendrite hotkey name a valid caller.
    #[error("Missing or invalid caller hotkey")]
    NoCaller,
    /// The guard blacklisted the (claimed) caller.
    #[error("Forbidden. Key is blacklisted: {reason}.")]
    Blacklisted {
        /// The guard's reason.
        reason: String,
    },
    /// The guard's last check refused the verified caller.
    #[error("Not Verified with error: {reason}")]
    NotVerified {
        /// The guard's reason.
        reason: String,
    },

    // ---- Reference signatures (401) ----
    /// The request has no `bt_header_dendrite_hotkey`.
    #[error("Missing dendrite hotkey")]
    MissingHotkey,
    /// `bt_header_dendrite_hotkey` is not an SS58 address.
    #[error("Dendrite hotkey {hotkey:?} is not an SS58 address")]
    BadHotkey {
        /// The header's value.
        hotkey: String,
    },
    /// The request has no `bt_header_dendrite_nonce`.
    #[error("Missing Nonce")]
    MissingNonce,
    /// The request is unsigned (the reference would accept it; we do not).
    #[error("Missing signature: every request must be signed by the dendrite's hotkey")]
    MissingSignature,
    /// `bt_header_axon_hotkey` names another axon.
    #[error("Request is addressed to {claimed}, not to this axon ({ours})")]
    WrongAxon {
        /// The hotkey the request names.
        claimed: String,
        /// This axon's hotkey.
        ours: AccountId,
    },
    /// The signature does not sign `message` with the dendrite's hotkey.
    #[error("Signature mismatch with {message} and {signature}")]
    SignatureMismatch {
        /// The message that should have been signed.
        message: String,
        /// The signature as sent.
        signature: String,
    },

    // ---- Replay protection (401, 503) ----
    /// The nonce is further ahead of the axon's clock than the allowed skew.
    #[error("Nonce is {ahead_s:.2} seconds in the future; check the sender's clock")]
    NonceInFuture {
        /// Seconds ahead of the axon's clock.
        ahead_s: f64,
    },
    /// The nonce is older than the request's window.
    #[error("Nonce is too old: acceptable delta is {window_s:.2} seconds but request was {age_s:.2} seconds old")]
    NonceTooOld {
        /// The window (s).
        window_s: f64,
        /// The nonce's age (s).
        age_s: f64,
    },
    /// The session already had a newer nonce accepted (or, with strictly increasing nonces, a
    /// later one).
    #[error("Nonce is too old, a newer one was last processed")]
    NonceSuperseded,
    /// The nonce was seen before: a replay.
    #[error("Nonce was already used: replayed request")]
    NonceReplayed,
    /// One session holds its whole share of the replay table.
    #[error("Too many requests from this session in the replay window; retry shortly")]
    SessionFull,
    /// The replay table is full of live nonces.
    #[error("Too many requests in the replay window; retry shortly")]
    ReplayTableFull,

    // ---- Epistula v2 (400, 401) ----
    /// Epistula headers without `Epistula-Request-Signature`.
    #[error("Missing Epistula-Request-Signature: every request must be signed")]
    EpistulaUnsigned,
    /// An `Epistula-Version` other than 2.
    #[error("Epistula-Version {version:?} is not supported (2 is)")]
    EpistulaVersion {
        /// The header's value.
        version: String,
    },
    /// A required Epistula header is absent.
    #[error("missing {name} header")]
    EpistulaMissingHeader {
        /// The header (lowercase).
        name: &'static str,
    },
    /// `Epistula-Timestamp` is not an integer of milliseconds.
    #[error("Epistula-Timestamp is not milliseconds")]
    EpistulaTimestamp,
    /// `Epistula-Signed-By` is not an SS58 address.
    #[error("Epistula-Signed-By {signed_by:?} is not an SS58 address")]
    EpistulaSigner {
        /// The header's value.
        signed_by: String,
    },
    /// `Epistula-Signed-For` names another axon.
    #[error("Request is signed for {target}, not for this axon ({ours})")]
    EpistulaWrongTarget {
        /// The hotkey the request is signed for.
        target: String,
        /// This axon's hotkey.
        ours: AccountId,
    },
    /// `Epistula-Signed-For` is absent (an untargeted request could be replayed on any axon).
    #[error("Missing Epistula-Signed-For: requests must name this axon's hotkey")]
    EpistulaUntargeted,
    /// `Epistula-Timestamp` is too far from the axon's clock.
    #[error("Request timestamp is {off_ms} ms away from now; at most {EPISTULA_DELTA_MS} ms allowed")]
    EpistulaClock {
        /// Distance from the axon's clock (ms).
        off_ms: u64,
    },
    /// `Epistula-Request-Signature` does not sign the request.
    #[error("Epistula-Request-Signature does not match")]
    EpistulaSignatureMismatch,
    /// The Epistula uuid was used before: a replay.
    #[error("Replayed Epistula request (uuid already used)")]
    EpistulaReplayed,

    // ---- Capacity, limits and time (408, 413, 503) ----
    /// Every worker is busy and the queue shed this request (lowest priority first).
    #[error("Service at capacity; lower-priority requests are shed")]
    AtCapacity,
    /// Too many requests whose signature cannot be checked before their body is read (Epistula)
    /// are being read at once, overall or from this address, or their bodies exceed the byte
    /// budget for unverified requests.
    #[error("Too many unverified requests in flight ({which}); retry shortly")]
    PreAuthBusy {
        /// Which limit: `from this address`, `overall` or `byte budget`.
        which: &'static str,
    },
    /// An unverified request's body did not arrive within the pre-authentication deadline.
    #[error("Request body not received within {seconds}s")]
    BodyTimeout {
        /// The deadline (s).
        seconds: f64,
    },
    /// The request body is larger than the axon accepts.
    #[error("Request body over {limit} bytes")]
    BodyTooLarge {
        /// The limit (bytes).
        limit: usize,
    },
    /// The request's deadline passed on the axon (waiting, reading or handling).
    #[error("Response timeout after: {seconds}s")]
    Timeout {
        /// The request's timeout (s).
        seconds: f64,
    },

    // ---- The body (400) ----
    /// The body is not JSON.
    #[error("the body is not JSON: {error}")]
    NotJson {
        /// The parser's error.
        error: serde_json::Error,
    },
    /// The body is JSON but not an object.
    #[error("the body is not a JSON object")]
    NotAnObject,
    /// The body's fields do not make the synapse.
    #[error("the body is not a valid {synapse}: {error}")]
    InvalidSynapse {
        /// The synapse's name.
        synapse: &'static str,
        /// The parser's error.
        error: serde_json::Error,
    },
    /// The body does not hash to the signed `computed_body_hash`.
    #[error("Body hash mismatch: the body hashes to {computed}, the signed header says {}", .signed.as_deref().unwrap_or("nothing"))]
    BodyHashMismatch {
        /// The hash of the body received.
        computed: String,
        /// The hash the dendrite signed, if it sent one.
        signed: Option<String>,
    },

    // ---- The handler (500) ----
    /// The synapse's handler failed.
    #[error("{message}")]
    Handler {
        /// The handler's message, sent to the caller.
        message: String,
    },

    // ---- The dendrite's side (400, 408, 422, 500, 503) ----
    /// The request (or a streamed answer) did not complete within its timeout.
    #[error("Request timeout after {seconds} seconds")]
    RequestTimeout {
        /// The timeout (s).
        seconds: f64,
    },
    /// The axon could not be reached.
    #[error("Service unavailable at {addr}/{synapse}")]
    Unreachable {
        /// The axon's address.
        addr: SocketAddr,
        /// The synapse called.
        synapse: &'static str,
    },
    /// The answer's body could not be read.
    #[error("Bad response payload from {addr}/{synapse}: {error}")]
    BadPayload {
        /// The axon's address.
        addr: SocketAddr,
        /// The synapse called.
        synapse: &'static str,
        /// The HTTP client's error.
        error: reqwest::Error,
    },
    /// Any other failure of the HTTP client.
    #[error("Client error calling {addr}/{synapse}: {error}")]
    Transport {
        /// The axon's address.
        addr: SocketAddr,
        /// The synapse called.
        synapse: &'static str,
        /// The HTTP client's error.
        error: reqwest::Error,
    },
    /// The answer is larger than the dendrite reads.
    #[error("Failed to parse response: over {limit} bytes")]
    ResponseTooLarge {
        /// The limit (bytes).
        limit: usize,
    },
    /// A refusal whose body is not JSON (so it has no message).
    #[error("Failed to parse response (HTTP {status}, not JSON)")]
    UnparsableRefusal {
        /// The HTTP status of the answer.
        status: u16,
    },
    /// A 200 answer whose body is not the synapse.
    #[error("Failed to parse response: {0}")]
    UnparsableAnswer(Box<NeuronError>),
}

// Errors travel in every `Result` of a request and of each streamed chunk: keep them small. The
// largest variants hold an address and a synapse name, or a hotkey and a claimed one.
const _: () = assert!(std::mem::size_of::<NeuronError>() <= 64);

impl NeuronError {
    /// The HTTP status code this error is answered with (axon) or reported as (dendrite).
    pub fn status(&self) -> u16 {
        use NeuronError::*;
        match self {
            EpistulaVersion { .. }
            | EpistulaMissingHeader { .. }
            | EpistulaTimestamp
            | NotJson { .. }
            | NotAnObject
            | InvalidSynapse { .. }
            | BodyHashMismatch { .. }
            | BadPayload { .. } => 400,
            NoCaller
            | NotVerified { .. }
            | MissingHotkey
            | BadHotkey { .. }
            | MissingNonce
            | MissingSignature
            | WrongAxon { .. }
            | SignatureMismatch { .. }
            | NonceInFuture { .. }
            | NonceTooOld { .. }
            | NonceSuperseded
            | NonceReplayed
            | EpistulaUnsigned
            | EpistulaSigner { .. }
            | EpistulaWrongTarget { .. }
            | EpistulaUntargeted
            | EpistulaClock { .. }
            | EpistulaSignatureMismatch
            | EpistulaReplayed => 401,
            Blacklisted { .. } => 403,
            NoRoute | UnknownSynapse { .. } => 404,
            Timeout { .. } | RequestTimeout { .. } | BodyTimeout { .. } => 408,
            BodyTooLarge { .. } => 413,
            ResponseTooLarge { .. } | UnparsableRefusal { .. } | UnparsableAnswer(_) => 422,
            Handler { .. } | Transport { .. } => 500,
            SessionFull | ReplayTableFull | AtCapacity | PreAuthBusy { .. } | Unreachable { .. } => 503,
        }
    }

    /// A handler's failure: a 500 whose message is `message`.
    pub fn handler(message: impl Into<String>) -> NeuronError {
        NeuronError::Handler { message: message.into() }
    }

    /// A guard's refusal of a verified caller: a 401 that gives `reason`.
    pub fn not_verified(reason: impl Into<String>) -> NeuronError {
        NeuronError::NotVerified { reason: reason.into() }
    }

    /// What a failed HTTP call to `addr`'s `synapse` with `timeout` means.
    pub(crate) fn transport(error: reqwest::Error, addr: SocketAddr, synapse: &'static str, timeout: f64) -> Self {
        if error.is_timeout() {
            NeuronError::RequestTimeout { seconds: timeout }
        } else if error.is_connect() {
            NeuronError::Unreachable { addr, synapse }
        } else if error.is_body() || error.is_decode() {
            NeuronError::BadPayload { addr, synapse, error }
        } else {
            NeuronError::Transport { addr, synapse, error }
        }
    }
}

/// A handler's message (`Err(message)?` or `.map_err(|e| e.to_string())?` in a handler).
impl From<String> for NeuronError {
    fn from(message: String) -> NeuronError {
        NeuronError::handler(message)
    }
}

/// A handler's message.
impl From<&str> for NeuronError {
    fn from(message: &str) -> NeuronError {
        NeuronError::handler(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_ones_clients_see() {
        let hash = NeuronError::BodyHashMismatch { computed: "ab".into(), signed: None };
        assert_eq!(hash.to_string(), "Body hash mismatch: the body hashes to ab, the signed header says nothing");
        assert_eq!(hash.status(), 400);
        let known = NeuronError::UnknownSynapse { name: "Nope".into(), known: vec!["Dummy", "Synapse"] };
        assert_eq!(known.to_string(), r#"Synapse name 'Nope' not found. Available synapses ["Dummy", "Synapse"]"#);
        let old = NeuronError::NonceTooOld { window_s: 16.0, age_s: 17.004 };
        assert_eq!(
            old.to_string(),
            "Nonce is too old: acceptable delta is 16.00 seconds but request was 17.00 seconds old"
        );
        assert_eq!(NeuronError::Timeout { seconds: 12.0 }.to_string(), "Response timeout after: 12s");
        assert_eq!(
            NeuronError::EpistulaClock { off_ms: 9_000 }.to_string(),
            "Request timestamp is 9000 ms away from now; at most 8000 ms allowed"
        );
        let handler = NeuronError::from("model failed");
        assert_eq!((handler.status(), handler.to_string()), (500, "model failed".to_string()));
    }
}
