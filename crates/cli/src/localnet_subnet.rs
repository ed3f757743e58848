//! The subnet half of `agora localnet run`: models, dev wallets, subnet 1 (text generation),
//! miners, validators and the gateway, each a child process of the localnet command, driven
//! through the same `agora` commands a user would type. Writes `D/localnet.json` once ready.
//!
//! ```text
//! D/wallets/                   owner (dev-0, sudo), validator-0/1, miner-<i>
//! D/subnet.json                what the first run set up (the next run resumes it)
//! D/gateway-keys.toml          the gateway's API key
//! D/organic.jsonl              requests the gateway samples for the validators' scoring
//! D/logs/<role>-<i>.log        each process's log
//! D/localnet.json              URLs and processes
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use crate::Failure;

/// What the subnet half runs.
#[derive(Clone, Debug)]
pub struct SubnetOptions {
    /// One miner per backend (`local`, `echo`, `random`, `openai:<URL>`).
    pub miners: Vec<String>,
    /// Subnet tempo in blocks.
    pub tempo: u16,
    /// Gateway port.
    pub gateway_port: u16,
    /// First miner port.
    pub miner_port: u16,
    /// Models directory (None: the default).
    pub models_dir: Option<PathBuf>,
}

/// A started process and what `localnet.json` says about it.
pub struct Proc {
    /// The child.
    pub child: Child,
    /// Its entry in `localnet.json`.
    pub doc: Value,
    /// Its log.
    pub log: PathBuf,
}

struct Cli<'a> {
    exe: &'a Path,
    wallets: PathBuf,
    rpc: &'a str,
    models: Vec<String>,
}

impl Cli<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(self.exe);
        c.args(args)
            .args(["--network", self.rpc, "--yes"])
            .env("BT_WALLET_PATH", &self.wallets)
            .env_remove("AGORA_NETWORK")
            .stdin(Stdio::null());
        c
    }

    /// Runs `agora ARGS --json` and returns its JSON output.
    fn json(&self, args: &[&str]) -> Result<Value, Failure> {
        let out = self
            .command(args)
            .arg("--json")
            .output()
            .map_err(|e| Failure::msg(format!("cannot run agora {}: {e}", args.join(" "))))?;
        if !out.status.success() {
            return Err(Failure::msg(format!(
                "`agora {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        serde_json::from_slice(&out.stdout)
            .map_err(|e| Failure::msg(format!("`agora {}` printed no JSON: {e}", args.join(" "))))
    }

    fn spawn(&self, args: &[&str], log: &Path, with_models: bool) -> Result<Child, Failure> {
        let file = std::fs::File::create(log).map_err(|e| Failure::msg(format!("{}: {e}", log.display())))?;
        let mut c = self.command(args);
        if with_models {
            c.args(&self.models);
        }
        c.env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .map_err(|e| Failure::msg(format!("cannot start agora {}: {e}", args.join(" "))))
    }
}

fn random_key() -> Result<String, Failure> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Failure::msg(format!("cannot read randomness for the API key: {e}")))?;
    Ok(format!("sk-agora-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

fn step(n: usize, total: usize, what: &str) {
    eprintln!("[{n}/{total}] {what}");
}

fn wait(
    what: &str,
    limit: Duration,
    stop: &AtomicBool,
    mut ready: impl FnMut() -> Result<bool, Failure>,
) -> Result<(), Failure> {
    let start = Instant::now();
    loop {
        if ready()? {
            return Ok(());
        }
        if stop.load(Ordering::Relaxed) {
            return Err(Failure::msg("interrupted"));
        }
        if start.elapsed() > limit {
            return Err(Failure::msg(format!(
                "timed out after {} s waiting for {what}; see the logs",
                limit.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Sets up subnet 1 on first use, then starts its neurons and the gateway; returns the
/// processes and the gateway's URL and key.
pub fn bring_up(
    exe: &Path,
    dir: &Path,
    rpc: &str,
    options: &SubnetOptions,
    procs: &mut Vec<Proc>,
    stop: &AtomicBool,
) -> Result<(String, String), Failure> {
    let total = 6;
    let cli = Cli {
        exe,
        wallets: dir.join("wallets"),
        rpc,
        models: options
            .models_dir
            .as_ref()
            .map(|d| vec!["--models-dir".to_string(), d.display().to_string()])
            .unwrap_or_default(),
    };
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| Failure::msg(format!("{}: {e}", logs.display())))?;

    step(1, total, "models (SmolLM2, MiniLM): fetching if absent");
    let mut fetch = vec!["models", "fetch"];
    let models: Vec<&str> = cli.models.iter().map(String::as_str).collect();
    fetch.extend(&models);
    cli.json(&fetch)?;

    let marker = dir.join("subnet.json");
    let setup: Value = if marker.exists() {
        step(2, total, "subnet 1: resuming (set up by an earlier run)");
        serde_json::from_slice(&std::fs::read(&marker).map_err(|e| Failure::msg(format!("{}: {e}", marker.display())))?)
            .map_err(|e| Failure::msg(format!("{}: {e}; use --fresh", marker.display())))?
    } else {
        step(2, total, "subnet 1: dev wallets, funds, registration, stake");
        // A first setup cut short (Ctrl-C, an error) cannot simply run again: the subnet and the
        // wallets exist already. Say so instead of making a second subnet.
        let partial = dir.join("subnet.partial");
        if partial.exists() {
            return Err(Failure::msg(format!(
                "an earlier run was stopped while setting up subnet 1 in {}; start over with --fresh",
                dir.display()
            )));
        }
        std::fs::write(&partial, b"setting up\n").map_err(|e| Failure::msg(format!("{}: {e}", partial.display())))?;
        let setup = first_setup(&cli, dir, options)?;
        std::fs::write(&marker, serde_json::to_vec_pretty(&setup).expect("serialisable"))
            .map_err(|e| Failure::msg(format!("{}: {e}", marker.display())))?;
        let _ = std::fs::remove_file(&partial);
        setup
    };
    let netuid = setup["netuid"].as_u64().unwrap_or(1).to_string();
    let miners = setup["miners"].as_array().cloned().unwrap_or_default();
    let validators = setup["validators"].as_array().cloned().unwrap_or_default();

    step(3, total, "waiting for the validators' permits (first epoch)");
    wait("validator permits", Duration::from_secs(180), stop, || {
        let m = cli.json(&["subnets", "show", "--netuid", &netuid])?;
        let rows = m["neurons"].as_array().cloned().unwrap_or_default();
        Ok(validators.iter().all(|v| rows.iter().any(|r| r["hotkey"] == v["hotkey"] && r["validator_permit"] == true)))
    })?;

    step(4, total, &format!("starting {} miners", miners.len()));
    for (i, m) in miners.iter().enumerate() {
        let backend = m["backend"].as_str().unwrap_or("local").to_string();
        let wallet = m["wallet"].as_str().unwrap_or_default().to_string();
        let port = (options.miner_port + i as u16).to_string();
        let log = logs.join(format!("miner-{i}.log"));
        let args = [
            "miner",
            "text",
            "--backend",
            &backend,
            "--wallet.name",
            &wallet,
            "--netuid",
            &netuid,
            "--ip",
            "127.0.0.1",
            "--port",
            &port,
        ];
        let child = cli.spawn(&args, &log, backend == "local")?;
        let doc = json!({"role": "miner", "backend": backend, "wallet": wallet, "hotkey": "default",
            "hotkey_ss58": m["hotkey"], "netuid": setup["netuid"], "uid": m["uid"], "port": port.parse::<u16>().ok(), "pid": child.id()});
        procs.push(Proc { child, doc, log });
    }
    let ports: Vec<u16> = (0..miners.len()).map(|i| options.miner_port + i as u16).collect();
    wait("the miners' axons", Duration::from_secs(180), stop, || {
        check_alive(procs)?;
        // Listening (on a resumed network the chain still has their old axons) and published.
        let listening = ports.iter().all(|p| {
            std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], *p).into(), Duration::from_millis(200)).is_ok()
        });
        if !listening {
            return Ok(false);
        }
        let m = cli.json(&["subnets", "show", "--netuid", &netuid])?;
        let rows = m["neurons"].as_array().cloned().unwrap_or_default();
        Ok(miners.iter().all(|x| rows.iter().any(|r| r["hotkey"] == x["hotkey"] && r["axon"].is_string())))
    })?;

    step(5, total, &format!("starting {} validators", validators.len()));
    let every = (options.tempo / 2).max(1).to_string();
    for (i, v) in validators.iter().enumerate() {
        let wallet = v["wallet"].as_str().unwrap_or_default().to_string();
        let log = logs.join(format!("validator-{i}.log"));
        let organic = dir.join("organic.jsonl").display().to_string();
        let args = [
            "validator",
            "text",
            "--wallet.name",
            &wallet,
            "--netuid",
            &netuid,
            "--weights-every",
            &every,
            "--round-pause",
            "1",
            "--organic-file",
            &organic,
        ];
        let child = cli.spawn(&args, &log, true)?;
        let doc = json!({"role": "validator", "backend": Value::Null, "wallet": wallet, "hotkey": "default",
            "hotkey_ss58": v["hotkey"], "netuid": setup["netuid"], "uid": v["uid"], "port": Value::Null, "pid": child.id()});
        procs.push(Proc { child, doc, log });
    }

    step(6, total, "starting the gateway");
    let keys = dir.join("gateway-keys.toml");
    let key = setup["gateway_api_key"].as_str().unwrap_or_default().to_string();
    std::fs::write(&keys, format!("[[keys]]\nkey = \"{key}\"\nname = \"localnet\"\nrequests_per_minute = 6000\n"))
        .map_err(|e| Failure::msg(format!("{}: {e}", keys.display())))?;
    let gateway_wallet = validators.first().and_then(|v| v["wallet"].as_str()).unwrap_or("validator-0").to_string();
    let port = options.gateway_port.to_string();
    let log = logs.join("gateway.log");
    let keys_arg = keys.display().to_string();
    let organic = dir.join("organic.jsonl").display().to_string();
    let args = [
        "gateway",
        "--wallet.name",
        &gateway_wallet,
        "--netuid",
        &netuid,
        "--port",
        &port,
        "--keys",
        &keys_arg,
        "--organic-file",
        &organic,
    ];
    let child = cli.spawn(&args, &log, true)?;
    let doc = json!({"role": "gateway", "backend": Value::Null, "wallet": gateway_wallet, "hotkey": "default",
        "hotkey_ss58": validators.first().map(|v| v["hotkey"].clone()), "netuid": setup["netuid"], "uid": Value::Null,
        "port": options.gateway_port, "pid": child.id()});
    procs.push(Proc { child, doc, log });
    let url = format!("http://127.0.0.1:{}", options.gateway_port);
    wait("the gateway", Duration::from_secs(120), stop, || {
        check_alive(procs)?;
        Ok(health(&url).is_some_and(|h| h["miners"].as_u64().unwrap_or(0) > 0))
    })?;
    Ok((url, key))
}

/// `GET /healthz` of the gateway.
fn health(url: &str) -> Option<Value> {
    use std::io::Write;
    let addr = url.strip_prefix("http://")?;
    let mut s = std::net::TcpStream::connect_timeout(&addr.parse().ok()?, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let body = text.split("\r\n\r\n").nth(1)?;
    serde_json::from_str(body.trim()).ok()
}

/// Fails if a started process has exited.
pub fn check_alive(procs: &mut [Proc]) -> Result<(), Failure> {
    for p in procs.iter_mut() {
        if let Ok(Some(code)) = p.child.try_wait() {
            return Err(Failure::msg(format!(
                "the {} exited ({code}); see {}",
                p.doc["role"].as_str().unwrap_or("process"),
                p.log.display()
            )));
        }
    }
    Ok(())
}

fn first_setup(cli: &Cli, dir: &Path, options: &SubnetOptions) -> Result<Value, Failure> {
    let accounts: Value = serde_json::from_slice(
        &std::fs::read(dir.join("dev-accounts.json")).map_err(|e| Failure::msg(format!("dev-accounts.json: {e}")))?,
    )
    .map_err(|e| Failure::msg(format!("dev-accounts.json: {e}")))?;
    let seed = accounts[0]["seed"].as_str().ok_or_else(|| Failure::msg("dev-accounts.json has no seed"))?;
    cli.json(&["wallet", "regen-coldkey", "--wallet.name", "owner", "--seed", seed, "--no-password", "--overwrite"])?;
    cli.json(&["wallet", "new-hotkey", "--wallet.name", "owner", "--no-password", "--overwrite"])?;
    // Hyperparameters are frozen for a few blocks before each epoch; a dev network needs none.
    cli.json(&["sudo", "set", "--wallet.name", "owner", "--param", "admin_freeze_window", "--value", "0"])?;
    let created = cli.json(&["subnets", "create", "--wallet.name", "owner"])?;
    let netuid =
        created["netuid"].as_u64().ok_or_else(|| Failure::msg("subnets create returned no netuid"))?.to_string();
    cli.json(&["subnets", "start", "--wallet.name", "owner", "--netuid", &netuid])?;
    let tempo = options.tempo.to_string();
    for (param, value) in
        [("tempo", tempo.as_str()), ("weights_rate_limit", "0"), ("commit_reveal_weights_enabled", "false")]
    {
        cli.json(&["sudo", "set", "--wallet.name", "owner", "--netuid", &netuid, "--param", param, "--value", value])?;
    }
    let neuron = |wallet: &str, funds: &str| -> Result<Value, Failure> {
        let w = cli.json(&["wallet", "create", "--wallet.name", wallet, "--no-password", "--overwrite"])?;
        let cold = w["coldkey"].as_str().unwrap_or_default().to_string();
        cli.json(&["wallet", "transfer", "--wallet.name", "owner", "--dest", &cold, "--amount", funds])?;
        let reg = cli.json(&["subnets", "register", "--wallet.name", wallet, "--netuid", &netuid])?;
        let hot = reg["hotkey"].as_str().unwrap_or_default().to_string();
        cli.json(&["wallet", "transfer", "--wallet.name", "owner", "--dest", &hot, "--amount", "1"])?;
        Ok(json!({"wallet": wallet, "hotkey": hot, "uid": reg["uid"]}))
    };
    let mut validators = Vec::new();
    for i in 0..2 {
        let name = format!("validator-{i}");
        let v = neuron(&name, "1100")?;
        cli.json(&["stake", "add", "--wallet.name", &name, "--netuid", &netuid, "--amount", "1000"])?;
        validators.push(v);
    }
    let mut miners = Vec::new();
    for (i, backend) in options.miners.iter().enumerate() {
        let mut m = neuron(&format!("miner-{i}"), "10")?;
        m["backend"] = json!(backend);
        miners.push(m);
    }
    Ok(
        json!({"netuid": netuid.parse::<u16>().unwrap_or(1), "validators": validators, "miners": miners, "gateway_api_key": random_key()?}),
    )
}
