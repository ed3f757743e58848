//! The chain half of a local network: its files (genesis, dev accounts, one config per node,
//! written by [`agora_node::localnet::init`]) and one `agora node` process per node.
//!
//! ```text
//! D/genesis.json, D/dev-accounts.json
//! D/node-<i>/config.toml, D/node-<i>/node.log        validators
//! D/follower-<k>/config.toml, D/follower-<k>/node.log followers (after the validators)
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use agora_client::{ChainStatus, Client};
use agora_node::config::NodeConfig;
use agora_node::localnet::InitOptions;
use agora_primitives::BlockNumber;

use crate::error::{LocalnetError, Result, io};
use crate::process::{Process, stop_all};

/// A new network's shape.
#[derive(Clone, Debug)]
pub struct NetworkOptions {
    /// Validator nodes (1 to 64).
    pub validators: usize,
    /// Followers (non-voting full nodes).
    pub followers: usize,
    /// First port: node `i` uses `P + 10i` (p2p), `+1` (RPC), `+2` (metrics), `+3` (the
    /// Substrate-compatible endpoint unless `substrate_port` is given).
    pub base_port: u16,
    /// Block time in milliseconds.
    pub block_time_ms: u64,
    /// Port of node 0's Substrate-compatible endpoint (node i: this + i).
    pub substrate_port: Option<u16>,
    /// The chain's economy (`agora localnet` chooses dynamic TAO unless told `--economy tao`).
    pub economy: agora_runtime::pools::Economy,
}

/// One node of the network.
struct NodeSlot {
    config: PathBuf,
    rpc_url: String,
    metrics_url: Option<String>,
    substrate_url: Option<String>,
    process: Option<Process>,
}

/// A network's nodes: started, stopped and killed one by one, all stopped on drop.
pub struct Network {
    dir: PathBuf,
    binary: PathBuf,
    log_filter: String,
    nodes: Vec<NodeSlot>,
}

impl Network {
    /// Writes a new network into `dir` (which must not hold one). `binary` is the `agora`
    /// executable the nodes run as; `log_filter` their `RUST_LOG`.
    pub fn create(dir: &Path, options: &NetworkOptions, binary: &Path, log_filter: &str) -> Result<Network> {
        agora_node::localnet::init(&InitOptions {
            validators: options.validators,
            followers: options.followers,
            dir: dir.to_path_buf(),
            base_port: options.base_port,
            block_time_ms: options.block_time_ms,
            substrate_port: options.substrate_port,
            force: false,
            economy: options.economy,
        })?;
        Network::open(dir, binary, log_filter)
    }

    /// The network already written in `dir`.
    pub fn open(dir: &Path, binary: &Path, log_filter: &str) -> Result<Network> {
        let mut configs = Vec::new();
        for (prefix, rank) in [("node-", 0), ("follower-", 1)] {
            for entry in std::fs::read_dir(dir).map_err(io(dir))?.flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                let Some(index) = name.strip_prefix(prefix).and_then(|i| i.parse::<usize>().ok()) else { continue };
                let config = entry.path().join("config.toml");
                if config.is_file() {
                    configs.push(((rank, index), config));
                }
            }
        }
        configs.sort();
        if configs.is_empty() {
            return Err(LocalnetError::NoNodes(dir.to_path_buf()));
        }
        let mut nodes = Vec::new();
        for (_, config) in configs {
            let c = NodeConfig::load(&config)?;
            nodes.push(NodeSlot {
                rpc_url: format!("http://{}", c.rpc),
                metrics_url: c.metrics.map(|m| format!("http://{m}/metrics")),
                substrate_url: c.substrate_rpc.map(|a| format!("ws://{a}")),
                config,
                process: None,
            });
        }
        Ok(Network { dir: dir.to_path_buf(), binary: binary.to_path_buf(), log_filter: log_filter.into(), nodes })
    }

    /// The network's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of nodes (validators, then followers).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the network has no nodes (never: [`Network::open`] refuses that).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Node `i`'s JSON-RPC URL.
    pub fn rpc_url(&self, i: usize) -> &str {
        &self.nodes[i].rpc_url
    }

    /// Every node's JSON-RPC URL.
    pub fn rpc_urls(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.rpc_url.clone()).collect()
    }

    /// Node `i`'s Substrate-compatible endpoint (`ws://…`), if its config has one.
    pub fn substrate_url(&self, i: usize) -> Option<&str> {
        self.nodes[i].substrate_url.as_deref()
    }

    /// Every node's Substrate-compatible endpoint that has one.
    pub fn substrate_urls(&self) -> Vec<String> {
        self.nodes.iter().filter_map(|n| n.substrate_url.clone()).collect()
    }

    /// Node `i`'s Prometheus URL.
    pub fn metrics_url(&self, i: usize) -> Option<&str> {
        self.nodes[i].metrics_url.as_deref()
    }

    /// Node `i`'s log file.
    pub fn log_path(&self, i: usize) -> PathBuf {
        self.nodes[i].config.with_file_name("node.log")
    }

    /// A client of node `i`.
    pub fn client(&self, i: usize) -> Result<Client> {
        Ok(Client::new(self.rpc_url(i))?.with_timeout(Duration::from_secs(5)))
    }

    /// Starts node `i` (`agora node --config …`); does nothing when it runs.
    pub fn start(&mut self, i: usize) -> Result<()> {
        if self.nodes[i].process.as_ref().is_some_and(Process::is_running) {
            return Ok(());
        }
        let log = self.log_path(i);
        let args = vec!["node".to_string(), "--config".into(), self.nodes[i].config.display().to_string()];
        let role = self.nodes[i]
            .config
            .parent()
            .and_then(|d| d.file_name())
            .map_or("node".into(), |n| n.to_string_lossy().to_string());
        let process = Process::spawn(&role, &self.binary, &args, &[("RUST_LOG", self.log_filter.clone())], &log)?;
        self.nodes[i].process = Some(process);
        Ok(())
    }

    /// Starts the first `n` nodes.
    pub fn start_first(&mut self, n: usize) -> Result<()> {
        (0..n.min(self.len())).try_for_each(|i| self.start(i))
    }

    /// SIGKILL to node `i`: it gets no chance to flush anything.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut p) = self.nodes[i].process.take() {
            p.kill();
        }
    }

    /// Whether node `i` was started and not killed since.
    pub fn is_running(&self, i: usize) -> bool {
        self.nodes[i].process.is_some()
    }

    /// Indices of the running nodes.
    pub fn running(&self) -> Vec<usize> {
        (0..self.len()).filter(|&i| self.is_running(i)).collect()
    }

    /// Process ids of the nodes (0 for a node not running).
    pub fn pids(&self) -> Vec<u32> {
        self.nodes.iter().map(|n| n.process.as_ref().map_or(0, Process::pid)).collect()
    }

    /// Fails if a started node has exited.
    pub fn check(&mut self) -> Result<()> {
        self.nodes.iter_mut().filter_map(|n| n.process.as_mut()).try_for_each(Process::check)
    }

    /// Waits until the first running node has finalised `height`, failing early when a node
    /// exits or `stop` is set.
    pub fn wait_finalized(&mut self, height: BlockNumber, limit: Duration, stop: &AtomicBool) -> Result<ChainStatus> {
        let first = *self.running().first().ok_or(LocalnetError::NoNodes(self.dir.clone()))?;
        let client = self.client(first)?;
        let start = Instant::now();
        loop {
            if let Ok(status) = client.status()
                && status.height >= height
            {
                return Ok(status);
            }
            self.check()?;
            if stop.load(Ordering::Relaxed) {
                return Err(LocalnetError::Interrupted);
            }
            if start.elapsed() > limit {
                return Err(LocalnetError::Timeout {
                    what: format!("finalised height {height}"),
                    limit,
                    dir: self.dir.clone(),
                });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Stops every node (SIGTERM, then SIGKILL after 5 s).
    pub fn stop(&mut self) {
        let mut running: Vec<Process> = self.nodes.iter_mut().filter_map(|n| n.process.take()).collect();
        stop_all(&mut running);
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        self.stop();
    }
}
