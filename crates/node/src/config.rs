//! Node configuration (`config.toml`) and the chain spec (`genesis.json`).
//!
//! ```toml
//! # config.toml of one node
//! genesis = "../genesis.json"        # relative paths are relative to this file
//! data_dir = "data"
//! key = "0x…"                        # ed25519 secret (32 bytes hex): p2p identity and consensus key
//! p2p = "127.0.0.1:30300"
//! rpc = "127.0.0.1:9944"            # JSON-RPC over HTTP and WebSocket
//! metrics = "127.0.0.1:9615"        # Prometheus /metrics
//! block_time_ms = 500
//! author = "5F…"                    # optional SS58 account credited with fees of own blocks
//! rpc_max_per_address = 256         # optional: connections per address on each RPC endpoint
//! rpc_max_websockets_per_address = 32  # optional: WebSockets per address on each RPC endpoint
//!
//! [[peers]]
//! public_key = "0x…"
//! address = "127.0.0.1:30301"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use agora_primitives::AccountId;
use agora_runtime::GenesisConfig;
use serde::{Deserialize, Serialize};

/// Errors loading configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// A file does not parse.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A value is invalid.
    #[error("{0}")]
    Invalid(String),
    /// The operating system gave no randomness (for a new key).
    #[error(transparent)]
    Random(#[from] agora_primitives::RandomError),
}

/// The chain spec shared by every node: runtime genesis, the validator set, genesis time.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChainSpec {
    /// The runtime's genesis (balances, subnets, parameters, sudo).
    pub runtime: GenesisConfig,
    /// Consensus keys (ed25519, hex) of the validators; fixed for the chain's life.
    pub validators: Vec<String>,
    /// Timestamp of the genesis block, in milliseconds.
    #[serde(default)]
    pub genesis_time_ms: u64,
}

impl ChainSpec {
    /// Reads a spec from a JSON file.
    pub fn load(path: &Path) -> Result<ChainSpec, ConfigError> {
        let text = read(path)?;
        serde_json::from_str(&text).map_err(|e| ConfigError::Parse { path: path.into(), message: e.to_string() })
    }
}

/// A peer: consensus key and p2p address.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PeerConfig {
    /// ed25519 public key (hex).
    pub public_key: String,
    /// Address of its p2p listener.
    pub address: SocketAddr,
}

/// One node's configuration file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Path of the chain spec.
    pub genesis: PathBuf,
    /// Directory of the node's databases.
    pub data_dir: PathBuf,
    /// ed25519 secret key (hex).
    pub key: String,
    /// p2p listen address.
    pub p2p: SocketAddr,
    /// JSON-RPC listen address (HTTP and WebSocket).
    pub rpc: SocketAddr,
    /// Prometheus listen address.
    pub metrics: Option<SocketAddr>,
    /// Listen address of the Substrate-compatible JSON-RPC endpoint (HTTP and WebSocket) for
    /// the Python SDK and btcli; none when absent.
    #[serde(default)]
    pub substrate_rpc: Option<SocketAddr>,
    /// Target block time in milliseconds.
    #[serde(default = "default_block_time")]
    pub block_time_ms: u64,
    /// Fee recipient of blocks this node proposes (SS58).
    #[serde(default)]
    pub author: Option<AccountId>,
    /// The validators (a validator lists the others; a follower lists them all).
    #[serde(default)]
    pub peers: Vec<PeerConfig>,
    /// Non-voting full nodes allowed to connect and sync (validators only).
    #[serde(default)]
    pub followers: Vec<PeerConfig>,
    /// Connections one address may hold open on each RPC endpoint (default 256; raise it behind a
    /// reverse proxy, where every caller is one address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_max_per_address: Option<usize>,
    /// WebSockets one address may hold open on each RPC endpoint (default 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_max_websockets_per_address: Option<usize>,
}

fn default_block_time() -> u64 {
    12_000
}

impl NodeConfig {
    /// The limits of this node's RPC endpoints: the defaults ([`crate::rpc_server::RpcLimits`])
    /// with this file's per-address caps.
    pub fn rpc_limits(&self) -> crate::rpc_server::RpcLimits {
        let mut limits = crate::rpc_server::RpcLimits::default();
        if let Some(n) = self.rpc_max_per_address {
            limits.connections.max_per_ip = n;
            limits.connections.max_connections = limits.connections.max_connections.max(n);
        }
        if let Some(n) = self.rpc_max_websockets_per_address {
            limits.max_ws_per_ip = n;
            limits.max_ws = limits.max_ws.max(n);
        }
        limits
    }

    /// Reads a config file; relative paths inside it become relative to the file's directory.
    pub fn load(path: &Path) -> Result<NodeConfig, ConfigError> {
        let text = read(path)?;
        let mut config: NodeConfig =
            toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.into(), message: e.to_string() })?;
        let base = path.parent().unwrap_or(Path::new("."));
        if config.genesis.is_relative() {
            config.genesis = base.join(&config.genesis);
        }
        if config.data_dir.is_relative() {
            config.data_dir = base.join(&config.data_dir);
        }
        if config.block_time_ms == 0 {
            return Err(ConfigError::Invalid(format!("{}: block_time_ms must be positive", path.display())));
        }
        Ok(config)
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|error| ConfigError::Io { path: path.into(), error })
}
