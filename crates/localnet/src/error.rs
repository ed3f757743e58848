//! What can go wrong bringing up or running a local network.

use std::path::PathBuf;

use agora_client::{ClientError, SubmitError};

/// Errors of [`crate::Network`] and [`crate::Localnet`].
#[derive(Debug, thiserror::Error)]
pub enum LocalnetError {
    /// Writing or reading the network's files failed.
    #[error(transparent)]
    Config(#[from] agora_node::config::ConfigError),
    /// A file of the network could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file of the network does not hold what it should.
    #[error("{path}: {message}; start over with --fresh")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The directory holds no node configs.
    #[error("{0} holds no node-*/config.toml; start over with --fresh")]
    NoNodes(PathBuf),
    /// A process could not be started.
    #[error("cannot start `{what}`: {source}")]
    Spawn {
        /// The command.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A started process exited.
    #[error("the {role} exited ({status}); see {}", log.display())]
    Exited {
        /// Which process.
        role: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// Its log.
        log: PathBuf,
    },
    /// Something was not ready in time.
    #[error("timed out after {} s waiting for {what}; see the logs in {}", limit.as_secs(), dir.display())]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        limit: std::time::Duration,
        /// The network's directory.
        dir: PathBuf,
    },
    /// The stop flag was set (Ctrl-C).
    #[error("interrupted")]
    Interrupted,
    /// An earlier first setup was cut short.
    #[error("an earlier run was stopped while setting up the subnet in {0}; start over with --fresh")]
    PartialSetup(PathBuf),
    /// A node could not be asked.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A setup transaction failed.
    #[error("{step}: {source}")]
    Setup {
        /// The setup step.
        step: String,
        /// The cause.
        source: Box<SubmitError>,
    },
    /// A dev wallet could not be written.
    #[error(transparent)]
    Wallet(#[from] agora_wallet::WalletError),
    /// The models could not be fetched.
    #[error(transparent)]
    Model(#[from] agora_models::ModelError),
    /// An option is out of range.
    #[error("{0}")]
    BadOption(String),
    /// The operating system gave no randomness (for the gateway's API key).
    #[error("cannot read randomness for the API key: {0}")]
    Randomness(#[from] agora_primitives::RandomError),
    /// Creating the subnet succeeded but its receipt names no new subnet (no `NetworkAdded`
    /// event).
    #[error("creating the subnet gave no NetworkAdded event")]
    NoNewSubnet,
}

/// `Result` with [`LocalnetError`].
pub type Result<T, E = LocalnetError> = std::result::Result<T, E>;

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> LocalnetError {
    let path = path.into();
    move |source| LocalnetError::Io { path, source }
}
