//! A Python subnet written only against bittensor 10.5.0's public API (`examples/python-subnet`:
//! a `bt.Axon` miner, a `bt.Dendrite` validator that syncs the metagraph, scores and calls
//! `set_weights`) runs unchanged on an Agora network through its Substrate endpoint: the test
//! creates the subnet and the neurons' wallets with `agora` (as an owner would with btcli), starts
//! an honest and a dishonest miner and a validator, and checks that the validator's weights land
//! and the honest miner earns the largest incentive.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::repo_file;

/// `agora --network RPC --json --yes ARGS` with the wallets under `wallets`.
fn agora(rpc: &str, wallets: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_agora"))
        .args(args)
        .args(["--network", rpc, "--json", "--yes"])
        .env("BT_WALLET_PATH", wallets)
        .env_remove("AGORA_COLDKEY_PASSWORD")
        .output()
        .unwrap();
    assert!(out.status.success(), "agora {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// Kills its neurons when dropped (also when an assertion fails).
struct Neurons(Vec<Child>);

impl Drop for Neurons {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A directory with a `curl` that answers the external-IP lookups `bt.Dendrite` makes (it asks
/// web services, which a test machine cannot reach) with the loopback address.
fn offline_ip_lookup(dir: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let curl = bin.join("curl");
    std::fs::write(&curl, "#!/bin/sh\nprintf 127.0.0.1\n").unwrap();
    std::fs::set_permissions(&curl, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default())
}

fn neuron(python: &str, script: &str, args: &[&str], log: &Path) -> Child {
    let path = offline_ip_lookup(log.parent().unwrap());
    let log = std::fs::File::create(log).unwrap();
    Command::new(python)
        .env("PATH", path)
        .arg(repo_file(&format!("examples/python-subnet/{script}")))
        .args(args)
        .current_dir(repo_file("examples/python-subnet"))
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Runs the example subnet on the network whose Agora RPC is `rpc` and Substrate endpoint
/// `substrate`, as the sudo wallet `owner` under `wallets`; miners listen on `ports`.
pub fn runs_unchanged(rpc: &str, substrate: &str, wallets: &Path, logs: &Path, ports: [u16; 2]) {
    let python = crate::venv("python-bittensor10-env.sh");
    let cli = |args: &[&str]| agora(rpc, wallets, args);
    // Hyperparameters may change at any block (not only away from epochs) and subnets may be
    // created back to back, for a quick setup.
    for param in ["admin_freeze_window", "network_rate_limit"] {
        cli(&["sudo", "set", "--wallet.name", "owner", "--param", param, "--value", "0"]);
    }
    let netuid = cli(&["subnets", "create", "--wallet.name", "owner"])["netuid"].as_u64().unwrap().to_string();
    for (param, value) in [("tempo", "10"), ("commit_reveal", "false"), ("weights_rate_limit", "0")] {
        cli(&["sudo", "set", "--wallet.name", "owner", "--netuid", &netuid, "--param", param, "--value", value]);
    }
    cli(&["subnets", "start", "--wallet.name", "owner", "--netuid", &netuid]);
    for name in ["py-validator", "py-honest", "py-cheat"] {
        let created = cli(&["wallet", "create", "--wallet.name", name, "--no-password"]);
        let coldkey = created["coldkey"].as_str().unwrap();
        cli(&["wallet", "transfer", "--wallet.name", "owner", "--dest", coldkey, "--amount", "100"]);
        cli(&["subnets", "register", "--wallet.name", name, "--netuid", &netuid]);
    }
    cli(&["stake", "add", "--wallet.name", "py-validator", "--netuid", &netuid, "--amount", "50"]);

    let wallet_path = wallets.to_str().unwrap();
    let common = |name: &'static str| {
        let mut args = vec!["--netuid", &netuid, "--subtensor.network", substrate, "--wallet.path", wallet_path];
        args.extend(["--wallet.name", name, "--wallet.hotkey", "default"]);
        args.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let mut neurons = Neurons(Vec::new());
    for (name, port, extra) in [("py-honest", ports[0], None), ("py-cheat", ports[1], Some("--neuron.dishonest"))] {
        let port = port.to_string();
        let mut args = common(name);
        args.extend(["--axon.port", &port, "--axon.external_ip", "127.0.0.1"].map(str::to_string));
        args.extend(extra.map(str::to_string));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        neurons.0.push(neuron(&python, "miner.py", &args, &logs.join(format!("{name}.log"))));
    }
    // The miners publish their axons through the SDK.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let shown = cli(&["subnets", "show", "--netuid", &netuid]);
        let serving = shown["neurons"].as_array().unwrap().iter().filter(|n| n["axon"].is_string()).count();
        if serving >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the miners did not serve their axons: {shown}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut args = common("py-validator");
    args.extend(["--neuron.interval", "1", "--neuron.timeout", "5"].map(str::to_string));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    neurons.0.push(neuron(&python, "validator.py", &args, &logs.join("py-validator.log")));
    let validator = neurons.0.last_mut().unwrap();
    // Its lines through a channel, so a validator that hangs fails the test at the deadline.
    let (lines, rounds) = std::sync::mpsc::channel();
    let stdout = validator.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            // One JSON document per round; anything else is the SDK's logging.
            if let Ok(round) = serde_json::from_str::<Value>(&line) {
                let _ = lines.send(round);
            }
        }
    });
    // Its weights land (the first rounds may come before its validator permit).
    let mut landed = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    while landed < 3 {
        let left = deadline.saturating_duration_since(Instant::now());
        let round = rounds.recv_timeout(left).expect("the validator's weights did not land in time");
        eprintln!("validator: {round}");
        landed += usize::from(round["weights_landed"] == true);
    }
    // An epoch later the honest miner has the largest incentive.
    let (honest_key, cheat_key) = (hotkey(rpc, wallets, "py-honest"), hotkey(rpc, wallets, "py-cheat"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let shown = cli(&["subnets", "show", "--netuid", &netuid]);
        let rows = shown["neurons"].as_array().unwrap();
        let incentive = |hotkey: &str| {
            rows.iter().find(|r| r["hotkey"] == hotkey).map_or(0.0, |r| r["incentive"].as_f64().unwrap())
        };
        let (honest, cheat) = (incentive(&honest_key), incentive(&cheat_key));
        let best = rows.iter().map(|r| r["incentive"].as_f64().unwrap()).fold(0.0, f64::max);
        if honest > 0.0 && honest >= best && cheat == 0.0 {
            eprintln!("incentive: honest {honest}, dishonest {cheat}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the honest miner did not earn the largest incentive, the other none: {shown}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The ss58 hotkey of wallet `name`'s `default` hotkey.
fn hotkey(rpc: &str, wallets: &Path, name: &str) -> String {
    let listed = agora(rpc, wallets, &["wallet", "list"]);
    let wallet = listed["wallets"].as_array().unwrap().iter().find(|w| w["name"] == name).unwrap();
    wallet["hotkeys"][0]["ss58"].as_str().unwrap().to_string()
}
