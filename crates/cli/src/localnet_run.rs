//! `agora localnet run`: the local network as child processes of this command.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agora_client::RpcClient;
use agora_node::localnet::{InitOptions, init};
use serde_json::{Value, json};

use crate::Failure;

struct Nodes(Vec<Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn run(dir: &Path, fresh: bool, validators: usize, block_time: u64, base_port: u16) -> Result<(), Failure> {
    if fresh && dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    let genesis = dir.join("genesis.json");
    if genesis.exists() {
        eprintln!("resuming the network in {} (--fresh starts over)", dir.display());
    } else {
        eprintln!("creating a {validators}-validator network in {}", dir.display());
        let options = InitOptions {
            validators,
            followers: 0,
            dir: dir.into(),
            base_port,
            block_time_ms: block_time,
            force: false,
        };
        init(&options)?;
    }
    let mut configs: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("node-")) && p.is_dir())
        .map(|p| p.join("config.toml"))
        .filter(|p| p.exists())
        .collect();
    configs.sort();
    if configs.is_empty() {
        return Err(Failure::msg(format!("{} holds no node-*/config.toml; use --fresh", dir.display())));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the agora binary: {e}"))?;
    let mut nodes = Nodes(Vec::new());
    let mut rpc_urls = Vec::new();
    for config in &configs {
        let node_dir = config.parent().expect("config in a node dir");
        let log =
            std::fs::File::create(node_dir.join("node.log")).map_err(|e| format!("{}: {e}", node_dir.display()))?;
        let child = Command::new(&exe)
            .arg("node")
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start a node: {e}"))?;
        nodes.0.push(child);
        let text = std::fs::read_to_string(config).map_err(|e| format!("{}: {e}", config.display()))?;
        let rpc = text
            .lines()
            .find_map(|l| l.strip_prefix("rpc = ").map(|v| v.trim_matches('"').to_string()))
            .ok_or_else(|| format!("{}: no rpc address", config.display()))?;
        rpc_urls.push(format!("http://{rpc}"));
    }
    let client = RpcClient::new(&rpc_urls[0])?.with_timeout(Duration::from_secs(2));
    let deadline = Instant::now() + Duration::from_secs(60);
    eprint!("waiting for the first finalised block");
    let status: Value = loop {
        if let Ok(status) = client.call("chain_status", json!([]))
            && status["finalized_height"].as_u64().is_some_and(|h| h > 0)
        {
            break status;
        }
        for (i, child) in nodes.0.iter_mut().enumerate() {
            if let Ok(Some(code)) = child.try_wait() {
                return Err(Failure::msg(format!(
                    "node {i} exited ({code}); see {}",
                    configs[i].with_file_name("node.log").display()
                )));
            }
        }
        if Instant::now() > deadline {
            return Err(Failure::msg("no block finalised within 60 s; see the node.log files"));
        }
        eprint!(".");
        std::thread::sleep(Duration::from_millis(300));
    };
    eprintln!();
    println!("agora localnet: {} validators, finalising (height {})", nodes.0.len(), status["finalized_height"]);
    for (i, url) in rpc_urls.iter().enumerate() {
        println!("  node-{i}  JSON-RPC (HTTP + WebSocket) {url}");
    }
    println!("  genesis      {}", dir.join("genesis.json").display());
    println!("  dev accounts {} (test money; dev-0 is sudo)", dir.join("dev-accounts.json").display());
    println!("  try: agora chain status --rpc {}", rpc_urls[0]);
    println!("Ctrl-C stops the network; running this again resumes it.");
    let mut last = 0;
    loop {
        std::thread::sleep(Duration::from_secs(5));
        for (i, child) in nodes.0.iter_mut().enumerate() {
            if let Ok(Some(code)) = child.try_wait() {
                return Err(Failure::msg(format!(
                    "node {i} exited ({code}); see {}",
                    configs[i].with_file_name("node.log").display()
                )));
            }
        }
        if let Ok(status) = client.call("chain_status", json!([])) {
            let height = status["finalized_height"].as_u64().unwrap_or(0);
            if height != last {
                eprintln!("finalised height {height}  peers {}  mempool {}", status["peers"], status["mempool"]);
                last = height;
            }
        }
    }
}
