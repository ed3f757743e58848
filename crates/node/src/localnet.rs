//! `agora localnet init`: a genesis and one config per validator for a loopback network.
//!
//! ```text
//! D/genesis.json          chain spec: runtime genesis (funded dev accounts) + validator keys
//! D/dev-accounts.json     the dev accounts' sr25519 seeds (test money only)
//! D/node-<i>/config.toml  validator i: its ed25519 key, ports, peers; data in D/node-<i>/data
//! D/follower-<k>/config.toml  follower k (non-voting full node), ports after the validators
//! ```
//!
//! Ports of node `i` from base `P`: p2p `P + 10i`, RPC `P + 10i + 1`, metrics `P + 10i + 2`.

use std::path::{Path, PathBuf};

use agora_primitives::{AccountId, Balance, Pair, blake2_256};
use agora_runtime::GenesisConfig;
use serde::Serialize;

use crate::config::{ChainSpec, ConfigError, NodeConfig, PeerConfig};
use crate::engine::keys;

/// Fee per transaction on a localnet, in rao (0.00001 TAO).
pub const LOCALNET_TX_FEE: u64 = 10_000;

/// Options of `localnet init`.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// Number of validators.
    pub validators: usize,
    /// Number of followers (non-voting full nodes, `D/follower-<k>/config.toml`).
    pub followers: usize,
    /// Output directory.
    pub dir: PathBuf,
    /// First port.
    pub base_port: u16,
    /// Block time.
    pub block_time_ms: u64,
    /// Port of node 0's Substrate-compatible endpoint (node i: this + i); `None` puts node i's
    /// at `base_port + 10 i + 3`.
    pub substrate_port: Option<u16>,
    /// Overwrite an existing directory's files.
    pub force: bool,
    /// The chain's economy.
    pub economy: agora_runtime::pools::Economy,
}

/// What was written, per node.
#[derive(Clone, Debug, Serialize)]
pub struct NodeSummary {
    /// Index (validators first, then followers).
    pub index: usize,
    /// `validator` or `follower`.
    pub role: &'static str,
    /// Its config file.
    pub config: PathBuf,
    /// JSON-RPC URL.
    pub rpc_url: String,
    /// Metrics URL.
    pub metrics_url: String,
    /// URL of the Substrate-compatible endpoint (for the Python SDK and btcli).
    pub substrate_url: String,
    /// p2p address.
    pub p2p: String,
    /// Consensus key.
    pub public_key: String,
}

/// A funded dev account.
#[derive(Clone, Debug, Serialize)]
pub struct DevAccount {
    /// Name.
    pub name: String,
    /// sr25519 seed (hex): test money only.
    pub seed: String,
    /// Address.
    pub address: AccountId,
}

/// The dev accounts every localnet funds (1,000,000 TAO each; `dev-0` is sudo).
pub fn dev_accounts() -> Vec<(String, Pair)> {
    (0..4)
        .map(|i| {
            let name = format!("dev-{i}");
            let seed = blake2_256(format!("agora/localnet/{name}").as_bytes()).0;
            (name, Pair::from_seed(&seed))
        })
        .collect()
}

/// Writes the localnet files and returns a summary per node.
pub fn init(options: &InitOptions) -> Result<Vec<NodeSummary>, ConfigError> {
    if options.validators == 0 || options.validators > 64 {
        return Err(ConfigError::Invalid("--validators must be between 1 and 64".into()));
    }
    let nodes = options.validators + options.followers;
    let last = options.base_port as usize + 10 * (nodes - 1) + 3;
    let last_substrate = options.substrate_port.map_or(0, |p| p as usize + nodes - 1);
    if last.max(last_substrate) > u16::MAX as usize {
        return Err(ConfigError::Invalid(format!(
            "--base-port {} leaves no room for {} nodes",
            options.base_port, options.validators
        )));
    }
    if let Some(first) = options.substrate_port {
        let substrate = first as usize..first as usize + nodes;
        let base = options.base_port as usize;
        if (0..nodes).any(|i| (0..3).any(|offset| substrate.contains(&(base + 10 * i + offset)))) {
            return Err(ConfigError::Invalid(format!(
                "--substrate-port {first} (one port per node) overlaps the nodes' p2p, RPC or metrics ports from --base-port {base}"
            )));
        }
    }
    let genesis_path = options.dir.join("genesis.json");
    if genesis_path.exists() && !options.force {
        return Err(ConfigError::Invalid(format!(
            "{} already exists; pass --force to overwrite (this discards that chain's keys)",
            genesis_path.display()
        )));
    }
    let keys = (0..nodes).map(|_| keys::generate()).collect::<Result<Vec<_>, _>>()?;
    let port = |i: usize, offset: usize| options.base_port + (10 * i + offset) as u16;
    let substrate_port = |i: usize| options.substrate_port.map_or(port(i, 3), |p| p + i as u16);
    let all: Vec<PeerConfig> = keys
        .iter()
        .enumerate()
        .map(|(i, (_, public))| PeerConfig { public_key: public.clone(), address: ([127, 0, 0, 1], port(i, 0)).into() })
        .collect();
    let (peers, followers) = all.split_at(options.validators);

    let accounts = dev_accounts();
    // A chain id of its own (from the first validator key), so transactions signed for one
    // localnet cannot be replayed on another.
    let mut runtime = GenesisConfig::new(format!("agora-localnet-{}", &keys[0].1[2..10]));
    runtime.sudo = Some(accounts[0].1.public());
    runtime.economy = options.economy;
    for (_, pair) in &accounts {
        runtime.balances.insert(pair.public(), Balance::from_tao(1_000_000).expect("in range"));
    }
    runtime.params.allow_loopback_axons = true;
    // A small fee per transaction, paid to the block's proposer (its `author`), keeps spam costly.
    runtime.params.tx_fee = LOCALNET_TX_FEE;
    let spec =
        ChainSpec { runtime, validators: peers.iter().map(|p| p.public_key.clone()).collect(), genesis_time_ms: 0 };
    spec.runtime.build().map_err(|e| ConfigError::Invalid(format!("genesis: {e}")))?;
    write(&genesis_path, &serde_json::to_string_pretty(&spec).expect("serialisable"))?;
    let dev: Vec<DevAccount> = accounts
        .iter()
        .map(|(name, pair)| DevAccount {
            name: name.clone(),
            seed: crate::chain::hex(&blake2_256(format!("agora/localnet/{name}").as_bytes()).0),
            address: pair.public(),
        })
        .collect();
    write(&options.dir.join("dev-accounts.json"), &serde_json::to_string_pretty(&dev).expect("serialisable"))?;

    let mut out = Vec::new();
    for (i, (secret, public)) in keys.iter().enumerate() {
        let validator = i < options.validators;
        let config = NodeConfig {
            genesis: "../genesis.json".into(),
            data_dir: "data".into(),
            key: secret.clone(),
            p2p: ([127, 0, 0, 1], port(i, 0)).into(),
            rpc: ([127, 0, 0, 1], port(i, 1)).into(),
            metrics: Some(([127, 0, 0, 1], port(i, 2)).into()),
            substrate_rpc: Some(([127, 0, 0, 1], substrate_port(i)).into()),
            block_time_ms: options.block_time_ms,
            author: Some(accounts[i % accounts.len()].1.public()),
            peers: peers.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, p)| p.clone()).collect(),
            followers: if validator { followers.to_vec() } else { Vec::new() },
            // Every localnet process calls from 127.0.0.1: one address for all of them.
            rpc_max_per_address: Some(1024),
            rpc_max_websockets_per_address: Some(256),
        };
        let name = if validator { format!("node-{i}") } else { format!("follower-{}", i - options.validators) };
        let path = options.dir.join(name).join("config.toml");
        let text = toml::to_string_pretty(&config).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        write(&path, &format!("# Agora localnet node {i}. The key below is this node's secret.\n{text}"))?;
        restrict(&path);
        out.push(NodeSummary {
            index: i,
            role: if validator { "validator" } else { "follower" },
            config: path,
            rpc_url: format!("http://127.0.0.1:{}", port(i, 1)),
            metrics_url: format!("http://127.0.0.1:{}/metrics", port(i, 2)),
            substrate_url: format!("ws://127.0.0.1:{}", substrate_port(i)),
            p2p: format!("127.0.0.1:{}", port(i, 0)),
            public_key: public.clone(),
        });
    }
    Ok(out)
}

fn write(path: &Path, text: &str) -> Result<(), ConfigError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|error| ConfigError::Io { path: dir.into(), error })?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|error| ConfigError::Io { path: tmp.clone(), error })?;
    std::fs::rename(&tmp, path).map_err(|error| ConfigError::Io { path: path.into(), error })
}

#[cfg(unix)]
fn restrict(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict(_: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substrate_ports_may_not_overlap_the_nodes_ports() {
        let dir = std::env::temp_dir().join(format!("agora-localnet-ports-{}", std::process::id()));
        let options = |substrate_port| InitOptions {
            validators: 2,
            followers: 0,
            dir: dir.clone(),
            base_port: 30000,
            block_time_ms: 500,
            substrate_port,
            force: true,
            economy: Default::default(),
        };
        let refused = init(&options(Some(30010))).unwrap_err().to_string();
        assert!(refused.contains("overlaps"), "{refused}");
        assert!(!dir.join("genesis.json").exists(), "nothing written");
        let nodes = init(&options(None)).unwrap();
        assert_eq!(nodes[1].substrate_url, "ws://127.0.0.1:30013");
        let nodes = init(&options(Some(9944))).unwrap();
        assert_eq!(nodes[1].substrate_url, "ws://127.0.0.1:9945");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_dynamic_localnet_has_pools_from_genesis() {
        let dir = std::env::temp_dir().join(format!("agora-localnet-dynamic-{}", std::process::id()));
        let options = InitOptions {
            validators: 1,
            followers: 0,
            dir: dir.clone(),
            base_port: 31000,
            block_time_ms: 500,
            substrate_port: None,
            force: true,
            economy: agora_runtime::pools::Economy::Dynamic,
        };
        init(&options).unwrap();
        let spec: ChainSpec = serde_json::from_slice(&std::fs::read(dir.join("genesis.json")).unwrap()).unwrap();
        assert_eq!(spec.runtime.economy, agora_runtime::pools::Economy::Dynamic);
        let state = spec.runtime.build().unwrap().into_memory();
        let pools = agora_runtime::query::pools(&state);
        assert_eq!(pools.iter().map(|p| p.netuid.0).collect::<Vec<_>>(), vec![0], "root's stable pool");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
