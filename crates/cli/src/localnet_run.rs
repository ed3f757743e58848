//! `agora localnet run`: the local network as child processes of this command: the validator
//! nodes, then (unless `--no-subnet`) subnet 1 with its miners, validators and the gateway.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agora_client::RpcClient;
use agora_node::localnet::{InitOptions, init};
use serde_json::{Value, json};

use crate::Failure;
use crate::localnet_subnet::{Proc, SubnetOptions, bring_up, check_alive};
use crate::out::Global;

/// Options of `agora localnet run`.
pub struct LocalnetOptions {
    /// Data directory.
    pub dir: std::path::PathBuf,
    /// Start over.
    pub fresh: bool,
    /// Validator nodes of a new network.
    pub validators: usize,
    /// Block time of a new network (ms).
    pub block_time: u64,
    /// First port of a new network.
    pub base_port: u16,
    /// The subnet, unless only the chain is wanted.
    pub subnet: Option<SubnetOptions>,
}

struct Procs(Vec<Proc>);

impl Drop for Procs {
    fn drop(&mut self) {
        // Neurons before the nodes they talk to (`Procs` is declared after `Nodes`, so it drops first).
        stop_children(self.0.iter_mut().map(|p| &mut p.child));
    }
}

struct Nodes(Vec<Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        stop_children(self.0.iter_mut());
    }
}

/// SIGTERM to each child, up to 5 s for them to exit, then SIGKILL.
fn stop_children<'a>(children: impl Iterator<Item = &'a mut Child>) {
    let mut children: Vec<&mut Child> = children.collect();
    for c in children.iter_mut() {
        let _ = Command::new("kill").arg("-TERM").arg(c.id().to_string()).status();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    for c in children.iter_mut() {
        while Instant::now() < deadline && matches!(c.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = c.kill();
        let _ = c.wait();
    }
}

pub fn run(o: &LocalnetOptions, g: &Global) -> Result<(), Failure> {
    let started = Instant::now();
    // From the start, a Ctrl-C or SIGTERM turns into an orderly stop (children stopped by Drop),
    // also while the network is still coming up.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
            rt.block_on(crate::neuron_cmd::shutdown_signal());
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let (dir, fresh, validators, block_time, base_port) =
        (o.dir.as_path(), o.fresh, o.validators, o.block_time, o.base_port);
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
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Failure::msg("interrupted"));
        }
        eprint!(".");
        std::thread::sleep(Duration::from_millis(300));
    };
    eprintln!();
    eprintln!("chain: {} validators, finalising (height {})", nodes.0.len(), status["finalized_height"]);
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the agora binary: {e}"))?;
    let mut procs = Procs(Vec::new());
    let gateway = match &o.subnet {
        Some(subnet) => Some(bring_up(&exe, dir, &rpc_urls[0], subnet, &mut procs.0, &stop)?),
        None => None,
    };
    let mut processes: Vec<Value> = nodes
        .0
        .iter()
        .zip(&rpc_urls)
        .map(|(c, url)| {
            json!({"role": "node", "backend": Value::Null, "wallet": Value::Null, "hotkey": Value::Null,
            "hotkey_ss58": Value::Null, "netuid": Value::Null, "uid": Value::Null,
            "port": url.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()), "pid": c.id()})
        })
        .collect();
    processes.extend(procs.0.iter().map(|p| p.doc.clone()));
    let (gateway_url, key) = gateway.clone().unzip();
    let doc = json!({
        "rpc_url": rpc_urls[0],
        "rpc_urls": rpc_urls,
        "gateway_url": gateway_url,
        "gateway_api_key": key,
        "openai_base_url": gateway_url.as_ref().map(|u| format!("{u}/v1")),
        "explorer_url": gateway_url.as_ref().map(|u| format!("{u}/explorer")),
        "chat_url": gateway.as_ref().map(|(u, k)| format!("{u}/chat#key={k}")),
        "wallets": dir.join("wallets"),
        "processes": processes,
        "ready_after_s": started.elapsed().as_secs_f64(),
    });
    let path = dir.join("localnet.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("serialisable"))
        .map_err(|e| Failure::msg(format!("{}: {e}", path.display())))?;
    if g.json {
        println!("{doc}");
    } else {
        println!(
            "agora localnet ready in {:.0} s: {} validator nodes finalising",
            started.elapsed().as_secs_f64(),
            nodes.0.len()
        );
        for (i, url) in rpc_urls.iter().enumerate() {
            println!("  node-{i}  JSON-RPC (HTTP + WebSocket) {url}");
        }
        if let Some((url, key)) = &gateway {
            println!("  explorer         {url}/explorer");
            println!("  chat             {url}/chat#key={key}");
            println!("  OpenAI base URL  {url}/v1   (API key {key})");
            println!(
                "  try: curl {url}/v1/chat/completions -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\"
            );
            println!(
                "         -d '{{\"model\": \"agora/text\", \"messages\": [{{\"role\": \"user\", \"content\": \"Hello!\"}}]}}'"
            );
            for p in &procs.0 {
                println!(
                    "  {:<9} {:<13} uid {:<3} {}",
                    p.doc["role"].as_str().unwrap_or(""),
                    p.doc["wallet"].as_str().unwrap_or(""),
                    p.doc["uid"].as_u64().map_or("-".into(), |u| u.to_string()),
                    p.doc["backend"].as_str().unwrap_or("")
                );
            }
            println!(
                "  wallets  {} (BT_WALLET_PATH={} agora wallet list)",
                dir.join("wallets").display(),
                dir.join("wallets").display()
            );
            println!("  logs     {}", dir.join("logs").display());
        }
        println!("  genesis      {}", dir.join("genesis.json").display());
        println!("  dev accounts {} (test money; dev-0 is sudo)", dir.join("dev-accounts.json").display());
        println!("  described in {}", path.display());
        println!("Ctrl-C stops everything; running this again resumes the same chain (--fresh starts over).");
    }
    let mut last = 0;
    loop {
        for _ in 0..50 {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                eprintln!("stopping");
                drop(procs);
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        check_alive(&mut procs.0)?;
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
