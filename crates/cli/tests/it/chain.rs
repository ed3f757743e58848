//! Every chain command of `agora` against a real node (one validator process on loopback, 200 ms
//! blocks), with the failure paths: insufficient balance, unregistered hotkey, wrong password,
//! rate limits, missing subnet, bad origin. Ports 22400–22409.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use agora_localnet::{Network, NetworkOptions};
use agora_primitives::BlockNumber;
use agora_runtime::pools::Economy;
use serde_json::Value;

use crate::{agora, temp_dir};

/// One validator node process with a dev genesis ([`agora_localnet::Network`]), and the
/// wallets directory of a test.
pub(crate) struct Node {
    _net: Network,
    pub(crate) url: String,
    pub(crate) wallets: PathBuf,
    pub(crate) dir: PathBuf,
}

/// What a command did.
pub(crate) struct Out {
    pub(crate) code: i32,
    pub(crate) json: Value,
    pub(crate) stderr: String,
}

impl Out {
    pub(crate) fn ok(self, what: &str) -> Value {
        assert_eq!(self.code, 0, "{what} failed: {}", self.stderr);
        self.json
    }
    fn fails_with(self, what: &str, needle: &str) -> Out {
        assert_ne!(self.code, 0, "{what} should fail; printed {}", self.json);
        assert!(self.stderr.contains(needle), "{what}: expected {needle:?} in {:?}", self.stderr);
        self
    }
}

impl Node {
    fn start() -> Node {
        Node::start_in("chain-cli", 22400)
    }

    /// A node in a fresh test dir `name`, its ports from `base_port`, 200 ms blocks.
    pub(crate) fn start_in(name: &str, base_port: u16) -> Node {
        Node::start_with(name, base_port, Economy::Tao)
    }

    /// [`Node::start_in`] with a chosen economy.
    pub(crate) fn start_with(name: &str, base_port: u16, economy: Economy) -> Node {
        let dir = temp_dir(name);
        let options = NetworkOptions {
            validators: 1,
            followers: 0,
            base_port,
            block_time_ms: 200,
            substrate_port: None,
            economy,
        };
        let mut net = Network::create(&dir, &options, Path::new(env!("CARGO_BIN_EXE_agora")), "warn").unwrap();
        net.start(0).unwrap();
        let url = net.rpc_url(0).to_string();
        if let Err(e) = net.wait_finalized(BlockNumber(2), Duration::from_secs(30), &AtomicBool::new(false)) {
            panic!("the node did not finalise blocks ({e}): {}", std::fs::read_to_string(net.log_path(0)).unwrap());
        }
        Node { _net: net, url, wallets: dir.join("wallets"), dir }
    }

    /// `agora --network URL --json --yes ARGS`, with the wallets under the test dir.
    pub(crate) fn run(&self, args: &[&str], password: Option<&str>) -> Out {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_agora"));
        cmd.args(args)
            .args(["--network", &self.url, "--json", "--yes"])
            .env("BT_WALLET_PATH", &self.wallets)
            .env_remove("AGORA_COLDKEY_PASSWORD")
            .env_remove("AGORA_NETWORK");
        if let Some(p) = password {
            cmd.env("AGORA_COLDKEY_PASSWORD", p);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        Out {
            code: out.status.code().unwrap_or(-1),
            json: serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    pub(crate) fn ok(&self, args: &[&str]) -> Value {
        self.run(args, None).ok(&args.join(" "))
    }

    /// `agora sudo set` of a subnet hyperparameter as the owner wallet (also the sudo key).
    pub(crate) fn sudo_set(&self, netuid: u16, param: &str, value: &str) -> Value {
        self.ok(&[
            "sudo",
            "set",
            "--wallet.name",
            "owner",
            "--netuid",
            &netuid.to_string(),
            "--param",
            param,
            "--value",
            value,
        ])
    }

    pub(crate) fn fails(&self, args: &[&str], needle: &str) -> Out {
        self.run(args, None).fails_with(&args.join(" "), needle)
    }
}

fn seed_bytes(hex: &str) -> [u8; 32] {
    let bytes = agora_node::chain::parse_hex(hex).expect("a hex seed");
    bytes.try_into().expect("32 bytes")
}

pub(crate) fn dev_seed(dir: &Path, i: usize) -> String {
    let text = std::fs::read_to_string(dir.join("dev-accounts.json")).unwrap();
    let accounts: Value = serde_json::from_str(&text).unwrap();
    accounts[i]["seed"].as_str().unwrap().to_string()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn every_chain_command_against_a_running_node() {
    let node = Node::start();
    let w = |name: &'static str| ["--wallet.name", name];

    // --- wallets: the sudo dev account as "owner", a fresh "alice" with a spare hotkey ---
    node.ok(&["wallet", "regen-coldkey", "--wallet.name", "owner", "--seed", &dev_seed(&node.dir, 0), "--no-password"]);
    node.ok(&["wallet", "new-hotkey", "--wallet.name", "owner", "--no-password"]);
    let alice = node.ok(&["wallet", "create", "--wallet.name", "alice", "--no-password"]);
    let alice_cold = alice["coldkey"].as_str().unwrap().to_string();
    node.ok(&["wallet", "new-hotkey", "--wallet.name", "alice", "--wallet.hotkey", "spare", "--no-password"]);

    // --- balance and transfer ---
    let b = node.ok(&["wallet", "balance", "--wallet.name", "owner"]);
    assert_eq!(f(&b["wallets"][0]["free"]), 1_000_000.0);
    // Wallet flags are global: before the subcommand too, with btcli's dashed spelling.
    assert_eq!(node.ok(&["--wallet-name", "owner", "wallet", "balance"]), b);
    let t = node.ok(&["wallet", "transfer", "--wallet.name", "owner", "--dest", &alice_cold, "--amount", "2000"]);
    assert_eq!(t["success"], true);
    let tx_hash = t["tx_hash"].as_str().unwrap().to_string();
    let b = node.ok(&["wallet", "balance", "--wallet.name", "alice"]);
    assert_eq!(f(&b["wallets"][0]["free"]), 2000.0);
    node.fails(
        &["wallet", "transfer", "--wallet.name", "alice", "--dest", &alice_cold, "--amount", "5000"],
        "InsufficientBalance",
    );
    node.fails(
        &["wallet", "transfer", "--wallet.name", "alice", "--dest", "not-an-address", "--amount", "1"],
        "not an SS58",
    );
    // Hotkeys sign weights and axons, and pay the transaction fee: fund them.
    let hotkeys: Vec<String> = node.ok(&["wallet", "list"])["wallets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["hotkeys"].as_array().unwrap().iter())
        .filter(|h| h["name"] == "default")
        .map(|h| h["ss58"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(hotkeys.len(), 2);
    for hotkey in &hotkeys {
        node.ok(&["wallet", "transfer", "--wallet.name", "owner", "--dest", hotkey, "--amount", "0.01"]);
    }
    let r = node.ok(&["chain", "receipt", &tx_hash]);
    assert_eq!(r["status"], "finalized");
    let all = node.ok(&["wallet", "balance", "--all"]);
    assert_eq!(all["wallets"].as_array().unwrap().len(), 2);
    // --all sends everything but the fee and the existential deposit the sender must keep.
    let drain = node.ok(&["wallet", "create", "--wallet.name", "drain", "--no-password"]);
    node.ok(&[
        "wallet",
        "transfer",
        "--wallet.name",
        "owner",
        "--dest",
        drain["coldkey"].as_str().unwrap(),
        "--amount",
        "1",
    ]);
    node.ok(&["wallet", "transfer", "--wallet.name", "drain", "--dest", &alice_cold, "--all"]);
    let left = node.ok(&["wallet", "balance", "--wallet.name", "drain"]);
    assert_eq!(left["wallets"][0]["free_rao"], 500, "the existential deposit stays");
    node.fails(
        &["wallet", "transfer", "--wallet.name", "drain", "--dest", &alice_cold, "--all"],
        "InsufficientBalance",
    );
    node.fails(&["wallet", "balance", "--wallet.name", "nobody"], "nobody");
    node.fails(&["stake", "list", "--ss58", "5Fnot"], "not an SS58");

    // --- chain-wide parameters: sudo only ---
    node.ok(&["sudo", "set", "--wallet.name", "owner", "--param", "admin_freeze_window", "--value", "0"]);
    node.fails(&["sudo", "set", "--wallet.name", "alice", "--param", "tx_fee", "--value", "0"], "BadOrigin");
    node.fails(
        &["sudo", "set", "--wallet.name", "owner", "--param", "no_such_thing", "--value", "0"],
        "not a chain-wide",
    );
    let params = node.ok(&["sudo", "get"]);
    assert_eq!(params["params"]["admin_freeze_window"], 0);

    // --- a subnet: create, start, tune ---
    let cost = node.ok(&["subnets", "burn-cost"]);
    assert!(f(&cost["cost"]) > 0.0);
    let created = node.ok(&["subnets", "create", "--wallet.name", "owner"]);
    assert_eq!(created["netuid"], 1);
    // A second subnet within the network rate limit fails on chain, by name, fee paid.
    node.fails(&["subnets", "create", "--wallet.name", "owner"], "NetworkTxRateLimitExceeded");
    node.ok(&["subnets", "start", "--wallet.name", "owner", "--netuid", "1"]);
    node.fails(&["subnets", "start", "--wallet.name", "owner", "--netuid", "1"], "FirstEmissionBlockNumberAlreadySet");
    // A name with terminal escapes (set on chain directly) is shown escaped, and exact in JSON.
    let owner_pair = agora_primitives::Pair::from_seed(&seed_bytes(&dev_seed(&node.dir, 0)));
    let evil = "sn\u{1b}[2J\u{7}\u{202e}evil".to_string();
    let identity = agora_runtime::SubnetIdentity { subnet_name: evil.clone(), ..Default::default() };
    let call = agora_runtime::Call::SetSubnetIdentity { netuid: agora_primitives::NetUid(1), identity };
    let client = agora_client::Client::new(&node.url).unwrap();
    client.submit_and_watch(&owner_pair, call, std::time::Duration::from_secs(30)).unwrap().result().unwrap();
    let human = Command::new(env!("CARGO_BIN_EXE_agora"))
        .args(["subnets", "list", "--network", &node.url])
        .env("BT_WALLET_PATH", &node.wallets)
        .output()
        .unwrap();
    let shown = String::from_utf8(human.stdout).unwrap();
    assert!(!shown.contains(['\u{1b}', '\u{7}', '\u{202e}']), "raw escapes printed: {shown:?}");
    assert!(shown.contains("sn\\u{1b}[2J\\u{7}\\u{202e}evil"), "{shown}");
    assert_eq!(node.ok(&["subnets", "list"])["subnets"][1]["name"], evil.as_str());
    for (param, value) in [("tempo", "20"), ("weights_rate_limit", "0")] {
        node.sudo_set(1, param, value);
    }
    node.fails(
        &["sudo", "set", "--wallet.name", "alice", "--netuid", "1", "--param", "tempo", "--value", "5"],
        "BadOrigin",
    );
    let h = node.ok(&["subnets", "hyperparameters", "--netuid", "1"]);
    assert_eq!(h["hyperparameters"]["tempo"], 20);
    assert_eq!(node.ok(&["sudo", "get", "--netuid", "1"])["hyperparameters"]["weights_rate_limit"], 0);
    let list = node.ok(&["subnets", "list"]);
    assert!(list["subnets"].as_array().unwrap().iter().any(|s| s["netuid"] == 1 && s["started"] == true));

    // --- registration ---
    let reg = node.ok(&["subnets", "register", "--wallet.name", "alice", "--netuid", "1"]);
    assert_eq!(reg["uid"], 1);
    node.fails(&["subnets", "register", "--wallet.name", "alice", "--netuid", "1"], "HotKeyAlreadyRegisteredInSubNet");
    node.fails(&["subnets", "register", "--wallet.name", "alice", "--netuid", "9"], "SubnetNotExists");
    let burn = node.ok(&["subnets", "burn-cost", "--netuid", "1"]);
    assert!(f(&burn["cost"]) > 0.0);

    // --- stake ---
    node.ok(&["stake", "add", "--wallet.name", "owner", "--netuid", "1", "--amount", "100"]);
    node.fails(&["stake", "add", "--wallet.name", "owner", "--netuid", "1", "--amount", "0.000001"], "AmountTooLow");
    // Nominating: the owner stakes on alice's hotkey.
    let alice_hot = reg["hotkey"].as_str().unwrap().to_string();
    let nominated = node.ok(&[
        "stake",
        "add",
        "--wallet.name",
        "owner",
        "--netuid",
        "1",
        "--hotkey-ss58",
        &alice_hot,
        "--amount",
        "1",
    ]);
    assert_eq!(nominated["hotkey"], alice_hot.as_str());
    let s = node.ok(&["stake", "add", "--wallet.name", "alice", "--netuid", "1", "--amount", "10"]);
    assert!(f(&s["stake"]) > 9.0);
    node.fails(
        &["stake", "add", "--wallet.name", "alice", "--netuid", "1", "--amount", "100000"],
        "NotEnoughBalanceToStake",
    );
    node.fails(
        &["stake", "remove", "--wallet.name", "alice", "--netuid", "1", "--amount", "1000"],
        "NotEnoughStakeToWithdraw",
    );
    let s = node.ok(&["stake", "remove", "--wallet.name", "alice", "--netuid", "1", "--amount", "5"]);
    assert!(f(&s["stake"]) > 4.0 && f(&s["stake"]) < 6.0);
    let stakes = node.ok(&["stake", "list", "--wallet.name", "owner"]);
    assert!(f(&stakes["total"]) >= 100.0);
    assert_eq!(stakes["stakes"].as_array().unwrap().len(), 2);

    // --- weights: commit, reveal once the reveal epoch comes, then set directly ---
    let scores = ["--netuid", "1", "--uids", "0,1", "--weights", "0.3,0.7"];
    let commit = node.ok(&[&["weights", "commit"], &w("owner")[..], &scores[..]].concat());
    assert_eq!(commit["weights"], serde_json::json!([28086, 65535]));
    node.fails(&[&["weights", "set"], &w("owner")[..], &scores[..]].concat(), "CommitRevealEnabled");
    let start = Instant::now();
    loop {
        let out = node.run(&["weights", "reveal", "--wallet.name", "owner", "--netuid", "1"], None);
        if out.code == 0 {
            assert_eq!(out.json["uids"], serde_json::json!([0, 1]));
            break;
        }
        assert!(out.stderr.contains("RevealTooEarly"), "reveal: {}", out.stderr);
        assert!(start.elapsed() < Duration::from_secs(40), "the reveal window never opened");
        std::thread::sleep(Duration::from_millis(500));
    }
    node.fails(&["weights", "reveal", "--wallet.name", "owner", "--netuid", "1"], "NoWeightsCommitFound");
    node.sudo_set(1, "commit_reveal_weights_enabled", "false");
    // Scores for some uids only: placed by uid, the rest count as zero.
    let set =
        node.ok(
            &[&["weights", "set"], &w("owner")[..], &["--netuid", "1", "--uids", "1", "--weights", "0.9"][..]].concat()
        );
    assert_eq!(set["success"], true);
    assert_eq!((&set["uids"], &set["weights"]), (&serde_json::json!([1]), &serde_json::json!([65535])));
    node.fails(
        &[&["weights", "set"], &w("owner")[..], &["--netuid", "1", "--uids", "1,1", "--weights", "1,2"][..]].concat(),
        "DuplicateUids",
    );
    node.fails(
        &[&["weights", "set"], &w("owner")[..], &["--netuid", "1", "--uids", "7", "--weights", "1"][..]].concat(),
        "UidVecContainInvalidOne",
    );
    node.fails(
        &[&["weights", "set", "--wallet.name", "alice", "--wallet.hotkey", "spare"][..], &scores[..]].concat(),
        "HotKeyNotRegisteredInSubNet",
    );
    node.fails(
        &[&["weights", "set"], &w("owner")[..], &["--netuid", "1", "--uids", "0,1", "--weights", "1"][..]].concat(),
        "WeightVecNotEqualSize",
    );
    node.sudo_set(1, "weights_rate_limit", "1000");
    let too_fast = node.fails(&[&["weights", "set"], &w("owner")[..], &scores[..]].concat(), "SettingWeightsTooFast");
    assert!(too_fast.stderr.contains("more blocks"), "{}", too_fast.stderr);

    // --- axon ---
    node.ok(&["axon", "serve", "--wallet.name", "alice", "--netuid", "1", "--ip", "127.0.0.1", "--port", "8091"]);
    node.fails(
        &[
            "axon",
            "serve",
            "--wallet.name",
            "alice",
            "--wallet.hotkey",
            "spare",
            "--netuid",
            "1",
            "--ip",
            "127.0.0.1",
            "--port",
            "8091",
        ],
        "HotKeyNotRegisteredInNetwork",
    );

    // --- the metagraph: one call, the documented shape, save and load ---
    let saved = node.dir.join("netuid-1.json");
    let m = node.ok(&["subnets", "show", "--netuid", "1", "--save", saved.to_str().unwrap()]);
    assert_eq!(m["netuid"], 1);
    assert!(m["block"].as_u64().unwrap() > 0);
    let neurons = m["neurons"].as_array().unwrap();
    assert_eq!(neurons.len(), 2);
    let mut keys: Vec<&str> = neurons[0].as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "active",
            "alpha_stake",
            "axon",
            "coldkey",
            "consensus",
            "dividends",
            "emission",
            "hotkey",
            "incentive",
            "last_update",
            "root_stake",
            "stake",
            "uid",
            "validator_permit",
            "validator_trust"
        ]
    );
    assert_eq!(neurons[1]["axon"], "127.0.0.1:8091");
    assert_eq!(neurons[1]["coldkey"], alice_cold.as_str());
    for n in neurons {
        for k in ["consensus", "incentive", "dividends", "validator_trust"] {
            assert!((0.0..=1.0).contains(&f(&n[k])), "{k} = {}", n[k]);
        }
    }
    let loaded = node.ok(&["subnets", "show", "--netuid", "1", "--load", saved.to_str().unwrap()]);
    assert_eq!(loaded, m);
    let full = node.ok(&["subnets", "show", "--netuid", "1", "--full"]);
    assert!(full["weights"].is_array());
    node.fails(&["subnets", "show", "--netuid", "99"], "SubnetNotExists");

    // --- delegates and the overview ---
    let delegates = node.ok(&["delegate", "list"]);
    assert!(!delegates["delegates"].as_array().unwrap().is_empty());
    let take = node.ok(&["delegate", "set-take", "--wallet.name", "owner", "--take", "0.05"]);
    assert!((f(&take["take"]) - 0.05).abs() < 1e-4);
    node.fails(&["delegate", "set-take", "--wallet.name", "owner", "--take", "0.9"], "DelegateTakeTooHigh");
    node.fails(&["subnets", "hyperparameters", "--netuid", "42"], "SubnetNotExists");
    let unstaked = node.ok(&["stake", "remove", "--wallet.name", "alice", "--netuid", "1", "--all"]);
    assert_eq!(f(&unstaked["stake"]), 0.0);
    let overview = node.ok(&["wallet", "overview", "--wallet.name", "alice"]);
    assert_eq!(overview["neurons"][0]["netuid"], 1);
    assert_eq!(overview["neurons"][0]["uid"], 1);

    // --- an encrypted coldkey: wrong password exits 1 and changes nothing; BT_PW_ works ---
    let locked = node.run(&["wallet", "create", "--wallet.name", "locked"], Some("right horse battery"));
    let locked_cold = locked.ok("create an encrypted wallet")["coldkey"].as_str().unwrap().to_string();
    node.ok(&["wallet", "transfer", "--wallet.name", "owner", "--dest", &locked_cold, "--amount", "3"]);
    let coldkey_file = node.wallets.join("locked/coldkey");
    let before = std::fs::read(&coldkey_file).unwrap();
    let wrong = node
        .run(&["wallet", "transfer", "--wallet.name", "locked", "--dest", &alice_cold, "--amount", "1"], Some("wrong"));
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("wrong password for coldkey"), "{}", wrong.stderr);
    assert_eq!(std::fs::read(&coldkey_file).unwrap(), before);
    let var = agora_wallet::env_var_name(&coldkey_file);
    let out = Command::new(env!("CARGO_BIN_EXE_agora"))
        .args(["wallet", "transfer", "--wallet.name", "locked", "--dest", &alice_cold, "--amount", "1"])
        .args(["--network", &node.url, "--json", "--yes"])
        .env("BT_WALLET_PATH", &node.wallets)
        .env_remove("AGORA_COLDKEY_PASSWORD")
        .env(&var, agora_wallet::env_value(&coldkey_file, "right horse battery").unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "BT_PW_ password: {}", String::from_utf8_lossy(&out.stderr));

    // --- without --yes and without a terminal, nothing is sent ---
    let out = Command::new(env!("CARGO_BIN_EXE_agora"))
        .args([
            "wallet",
            "transfer",
            "--wallet.name",
            "owner",
            "--dest",
            &alice_cold,
            "--amount",
            "1",
            "--network",
            &node.url,
        ])
        .env("BT_WALLET_PATH", &node.wallets)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
}

#[test]
fn an_unreachable_node_fails_fast_with_advice() {
    let start = Instant::now();
    let out = agora(&["subnets", "list", "--network", "http://127.0.0.1:9", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the node"));
    assert!(start.elapsed() < Duration::from_secs(15));
    let out = agora(&["completions", "bash"]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("agora"));
}

/// `agora subnets show` asks for the whole metagraph of 256 uids in exactly one RPC call: a
/// loopback server that counts requests stands in for the node.
#[test]
fn subnets_show_is_one_round_trip_for_256_uids() {
    use std::io::{Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use agora_primitives::{AccountId, BlockNumber, NetUid};
    use agora_runtime::query::Metagraph;

    let n = 256usize;
    let m = Metagraph {
        netuid: NetUid(1),
        block: BlockNumber(99),
        n: n as u16,
        hotkeys: (0..n).map(|i| AccountId([i as u8; 32])).collect(),
        coldkeys: (0..n).map(|i| AccountId([255 - i as u8; 32])).collect(),
        stake: vec![2_000_000_000; n],
        alpha_stake: Vec::new(),
        root_stake: Vec::new(),
        consensus: vec![65535; n],
        incentive: vec![0; n],
        dividends: vec![32768; n],
        emission: vec![1; n],
        validator_trust: vec![0; n],
        validator_permit: vec![true; n],
        active: vec![true; n],
        last_update: vec![BlockNumber(5); n],
        block_at_registration: vec![BlockNumber(0); n],
        stake_weight: vec![0; n],
        axons: vec![Default::default(); n],
        weights: None,
        bonds: None,
    };
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"result":{}}}"#, serde_json::to_string(&m).unwrap());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let methods = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (count, seen) = (requests.clone(), methods.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(10) {
            let mut stream = stream.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.ends_with(b"}") {
                let read = stream.read(&mut buf).unwrap();
                if read == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..read]);
            }
            count.fetch_add(1, Ordering::SeqCst);
            let text = String::from_utf8_lossy(&request).to_string();
            let json: Value = serde_json::from_str(&text[text.find("\r\n\r\n").unwrap() + 4..]).unwrap();
            seen.lock().unwrap().push(json["method"].as_str().unwrap().to_string());
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(body.as_bytes()).unwrap();
        }
    });
    let out = agora(&["subnets", "show", "--netuid", "1", "--network", &url, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["neurons"].as_array().unwrap().len(), 256);
    assert_eq!(doc["neurons"][0]["consensus"], 1.0);
    assert_eq!(doc["neurons"][0]["stake"], 2.0);
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    assert_eq!(*methods.lock().unwrap(), ["state_metagraph"]);
}
