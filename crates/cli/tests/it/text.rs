//! The text subnet end to end on a real node running dynamic TAO: one honest local-model miner, an
//! echo miner and a random-text miner, two validators (separate processes, real models, real
//! transactions). The validators' stakes buy the subnet's alpha and raise its price. After the
//! validators' weights are on chain and three tempos have passed, the honest miner has the
//! largest incentive and the adversaries less than 10% of it, the honest miner has earned alpha
//! and the validators more alpha than they bought; a restarted validator resumes from its saved
//! state. Ports 22430–22442.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use agora_runtime::pools::Economy;

use crate::chain::{Node, dev_seed};
use crate::repo_file;

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn models_dir() -> String {
    std::env::var("AGORA_MODELS_DIR").unwrap_or_else(|_| repo_file("assets/models"))
}

fn spawn(node: &Node, args: &[&str], log: &Path) -> Proc {
    let log = std::fs::File::create(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_agora"))
        .args(args)
        .args(["--network", &node.url, "--yes", "--models-dir", &models_dir()])
        .env("BT_WALLET_PATH", &node.wallets)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Proc(child)
}

fn metagraph(node: &Node) -> Value {
    node.ok(&["subnets", "show", "--netuid", "1"])
}

fn column(m: &Value, name: &str) -> Vec<Value> {
    m["neurons"].as_array().unwrap().iter().map(|n| n[name].clone()).collect()
}

fn wait_for(what: &str, limit: Duration, logs: &Path, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > limit {
            let mut dump = String::new();
            for entry in std::fs::read_dir(logs).unwrap().flatten() {
                if entry.path().extension().is_some_and(|e| e == "log") {
                    let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                    let tail: String = text
                        .lines()
                        .rev()
                        .take(15)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("\n");
                    dump.push_str(&format!("\n--- {} ---\n{tail}", entry.path().display()));
                }
            }
            panic!("timed out waiting for {what}{dump}");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn the_honest_miner_earns_the_most_on_a_real_network() {
    let _heavy = crate::heavy();
    // Fetch (or verify) the models before the clock starts.
    let fetched = crate::agora(&["models", "fetch", "--models-dir", &models_dir(), "--json"]);
    assert!(fetched.status.success(), "{}", String::from_utf8_lossy(&fetched.stderr));

    let node = Node::start_with("text-subnet", 22430, Economy::Dynamic);
    let dir = node.dir.clone();
    node.ok(&["wallet", "regen-coldkey", "--wallet.name", "owner", "--seed", &dev_seed(&dir, 0), "--no-password"]);
    node.ok(&["wallet", "new-hotkey", "--wallet.name", "owner", "--no-password"]);
    node.ok(&["sudo", "set", "--wallet.name", "owner", "--param", "admin_freeze_window", "--value", "0"]);
    node.ok(&["subnets", "create", "--wallet.name", "owner"]);
    node.ok(&["subnets", "start", "--wallet.name", "owner", "--netuid", "1"]);
    let params = [
        ("tempo", "20"),
        ("weights_rate_limit", "0"),
        ("commit_reveal_weights_enabled", "false"),
        ("subnet_emission_enabled", "true"),
    ];
    for (param, value) in params {
        node.sudo_set(1, param, value);
    }
    // Wallets: three miners, two validators; coldkeys funded, hotkeys funded for fees.
    let names = ["honest", "echo", "random", "v1", "v2"];
    let mut hotkeys = Vec::new();
    for name in names {
        let w = node.ok(&["wallet", "create", "--wallet.name", name, "--no-password"]);
        let cold = w["coldkey"].as_str().unwrap().to_string();
        node.ok(&["wallet", "transfer", "--wallet.name", "owner", "--dest", &cold, "--amount", "1100"]);
        let reg = node.ok(&["subnets", "register", "--wallet.name", name, "--netuid", "1"]);
        let hot = reg["hotkey"].as_str().unwrap().to_string();
        node.ok(&["wallet", "transfer", "--wallet.name", "owner", "--dest", &hot, "--amount", "1"]);
        hotkeys.push(hot);
    }
    let price = || node.ok(&["subnets", "price", "--netuid", "1"])["pools"][0]["price"].as_f64().unwrap();
    let price_before = price();
    let mut bought = Vec::new();
    for v in ["v1", "v2"] {
        let staked = node.ok(&["stake", "add", "--wallet.name", v, "--netuid", "1", "--amount", "1000"]);
        assert_eq!(staked["stake_unit"], "alpha");
        bought.push(staked["alpha_bought"].as_f64().unwrap());
    }
    let price_after = price();
    assert!(price_after > price_before, "the validators' stakes raise the price: {price_before} → {price_after}");
    let uid_of = |m: &Value, i: usize| -> usize {
        column(m, "hotkey").iter().position(|h| h.as_str() == Some(hotkeys[i].as_str())).unwrap()
    };
    // Miners only answer callers with a validator permit: wait for the epoch that grants them.
    wait_for("validator permits", Duration::from_secs(60), &dir, || {
        let m = metagraph(&node);
        let permits = column(&m, "validator_permit");
        permits[uid_of(&m, 3)] == true && permits[uid_of(&m, 4)] == true
    });

    let mut procs = Vec::new();
    for (i, backend) in ["local", "echo", "random"].iter().enumerate() {
        let port = (22440 + i).to_string();
        let args = [
            "miner",
            "text",
            "--backend",
            backend,
            "--wallet.name",
            names[i],
            "--netuid",
            "1",
            "--ip",
            "127.0.0.1",
            "--port",
            &port,
        ];
        procs.push(spawn(&node, &args, &dir.join(format!("miner-{backend}.log"))));
    }
    wait_for("three published axons", Duration::from_secs(120), &dir, || {
        let m = metagraph(&node);
        let axons = column(&m, "axon");
        (0..3).all(|i| axons[uid_of(&m, i)].as_str().is_some_and(|a| a.starts_with("127.0.0.1:")))
    });
    let validator_args = |name: &str| -> Vec<String> {
        [
            "validator",
            "text",
            "--wallet.name",
            name,
            "--netuid",
            "1",
            "--weights-every",
            "10",
            "--round-pause",
            "0.5",
            "--timeout",
            "20",
            "--state",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([dir.join(format!("{name}-state.json")).display().to_string()])
        .collect()
    };
    for v in ["v1", "v2"] {
        let args = validator_args(v);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        procs.push(spawn(&node, &args, &dir.join(format!("validator-{v}.log"))));
    }

    // Both validators' weights land on chain through their own transactions.
    let mut weights_block = 0;
    wait_for("weights from both validators", Duration::from_secs(300), &dir, || {
        let m = node.ok(&["subnets", "show", "--netuid", "1", "--full"]);
        let rows = m["weights"].as_array().unwrap();
        let set = [3, 4].iter().all(|&i| rows[uid_of(&m, i)].as_array().is_some_and(|r| !r.is_empty()));
        weights_block = m["block"].as_u64().unwrap_or(0);
        set
    });
    // Three tempos later, the incentive reflects them.
    wait_for("three tempos", Duration::from_secs(120), &dir, || {
        metagraph(&node)["block"].as_u64().unwrap_or(0) >= weights_block + 3 * 21
    });
    let m = metagraph(&node);
    let incentive = column(&m, "incentive");
    let inc = |i: usize| incentive[uid_of(&m, i)].as_f64().unwrap();
    let (honest, echo, random) = (inc(0), inc(1), inc(2));
    eprintln!("incentive: honest {honest}, echo {echo}, random {random}");
    assert!(honest > 0.0, "{m}");
    assert!(honest > echo && honest > random);
    assert!(echo < 0.1 * honest && random < 0.1 * honest, "echo {echo}, random {random}, honest {honest}");
    // Miners are paid in alpha, as stake on their hotkeys; validators' alpha grew by dividends.
    let alpha_of = |name: &str| -> f64 {
        let list = node.ok(&["stake", "list", "--wallet.name", name]);
        list["stakes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["netuid"] == 1)
            .map(|s| s["alpha"].as_f64().unwrap())
            .sum()
    };
    let honest_alpha = alpha_of("honest");
    eprintln!(
        "alpha: honest {honest_alpha}, v1 {} (bought {}), v2 {} (bought {})",
        alpha_of("v1"),
        bought[0],
        alpha_of("v2"),
        bought[1]
    );
    assert!(honest_alpha > 0.0, "the honest miner earned alpha");
    assert!(honest_alpha > alpha_of("echo") && honest_alpha > alpha_of("random"));
    for (i, v) in ["v1", "v2"].iter().enumerate() {
        assert!(alpha_of(v) > bought[i], "{v} earned dividends in alpha");
    }
    let full = node.ok(&["subnets", "show", "--netuid", "1", "--full"]);
    eprintln!("weights: {}", full["weights"]);
    let log = std::fs::read_to_string(dir.join("validator-v1.log")).unwrap();
    assert!(log.contains("weights set"), "{log}");

    // A validator restarted resumes from its saved state.
    procs.truncate(3);
    let saved: Value = serde_json::from_slice(&std::fs::read(dir.join("v1-state.json")).unwrap()).unwrap();
    let rounds = saved["rounds"].as_u64().unwrap();
    assert!(rounds > 0);
    let mut args = validator_args("v1");
    args.extend(["--rounds".to_string(), "1".to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let again = node.run(&[&args[..], &["--models-dir", &models_dir()]].concat(), None).ok("validator restart");
    assert_eq!(again["rounds_so_far"].as_u64(), Some(rounds));
    let after: Value = serde_json::from_slice(&std::fs::read(dir.join("v1-state.json")).unwrap()).unwrap();
    assert_eq!(after["rounds"].as_u64(), Some(rounds + 1));
}
