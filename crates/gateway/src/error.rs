//! Why a gateway could not start or stopped: [`GatewayError`].

use std::net::SocketAddr;
use std::path::PathBuf;

use agora_client::ClientError;
use agora_models::ModelError;

use crate::keys::KeyError;

/// What can go wrong starting or running a gateway ([`crate::start`]).
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The time a miner has per attempt is not in (0, 3600] seconds.
    #[error("the timeout must be in (0, 3600] seconds, got {seconds}")]
    Timeout {
        /// The value given, in seconds.
        seconds: f64,
    },
    /// The default best-of-k is not 1 to 8.
    #[error("best-of-k must be 1 to 8, got {got}")]
    BestOf {
        /// The value given.
        got: u8,
    },
    /// A default best-of-k above 1 was asked for without the judge's models, which rank the
    /// answers.
    #[error("best-of-{best_of} needs the models (the judge ranks the answers)")]
    BestOfNeedsModels {
        /// The value given.
        best_of: u8,
    },
    /// Organic sampling was asked for with "one request in 0".
    #[error("organic sampling takes one request in N; N must be at least 1")]
    OrganicEvery,
    /// The OCR subnet is the text subnet.
    #[error("the OCR subnet cannot be the text subnet ({netuid}); give each its own netuid")]
    SameSubnet {
        /// The netuid given twice.
        netuid: agora_primitives::NetUid,
    },
    /// The API keys were refused (unreadable file, bad TOML, a bad or duplicate key).
    #[error("API keys: {0}")]
    Keys(#[from] KeyError),
    /// A model file could not be loaded.
    #[error("{}: {source}", path.display())]
    Model {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: Box<ModelError>,
    },
    /// The node could not be asked for the subnet's metagraph (bad endpoint, unreachable,
    /// unknown subnet, malformed answer).
    #[error("the node: {0}")]
    Node(Box<ClientError>),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The HTTP server failed while serving.
    #[error("the gateway stopped: {0}")]
    Serve(std::io::Error),
}

/// Result of this crate.
pub type Result<T, E = GatewayError> = std::result::Result<T, E>;

// Errors stay cheap to move: the large causes are boxed.
const _: () = assert!(std::mem::size_of::<GatewayError>() <= 48);

impl From<ClientError> for GatewayError {
    fn from(e: ClientError) -> GatewayError {
        GatewayError::Node(Box::new(e))
    }
}

impl GatewayError {
    pub(crate) fn model(path: impl Into<PathBuf>, source: ModelError) -> GatewayError {
        GatewayError::Model { path: path.into(), source: Box::new(source) }
    }
}
