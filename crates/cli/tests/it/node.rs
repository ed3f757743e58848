//! 4 validator processes on loopback: finality, agreement, crash tolerance, no fork without a
//! quorum, catch-up after restart, and 1,000 transfers across a `kill -9`. Bounded in time.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use agora_client::RpcClient;
use agora_localnet::{Network, NetworkOptions};
use agora_node::localnet::dev_accounts;
use agora_primitives::{Balance, Hash, Pair};
use agora_runtime::{Call, SignedTransaction};
use parity_scale_codec::Encode;
use serde_json::{Value, json};

use crate::temp_dir;

/// 4 validators and a follower ([`agora_localnet::Network`]), the validators started.
struct Localnet {
    net: Network,
    rpc: Vec<RpcClient>,
}

impl Localnet {
    /// A new 4-validator network with one follower, its validators started. `port` must be
    /// unique per test.
    fn start(name: &str, port: u16) -> Localnet {
        let dir = temp_dir(name);
        let options = NetworkOptions {
            validators: 4,
            followers: 1,
            base_port: port,
            block_time_ms: 250,
            substrate_port: None,
            economy: Default::default(),
        };
        let mut net =
            Network::create(&dir, &options, Path::new(env!("CARGO_BIN_EXE_agora")), "warn,agora_node=info").unwrap();
        let rpc = (0..net.len())
            .map(|i| RpcClient::new(net.rpc_url(i)).unwrap().with_timeout(Duration::from_secs(5)))
            .collect();
        net.start_first(4).unwrap();
        Localnet { net, rpc }
    }

    fn spawn(&mut self, i: usize) {
        self.net.start(i).unwrap();
    }

    /// SIGKILL: no chance to flush anything.
    fn kill(&mut self, i: usize) {
        self.net.kill(i);
    }

    fn status(&self, i: usize) -> Option<Value> {
        self.rpc[i].call("chain_status", json!([])).ok()
    }

    fn height(&self, i: usize) -> Option<u64> {
        self.status(i).and_then(|s| s["finalized_height"].as_u64())
    }

    /// One Prometheus sample of node `i`.
    fn metric(&self, i: usize, name: &str) -> u64 {
        use std::io::{Read, Write};
        let url = self.net.metrics_url(i).unwrap().strip_prefix("http://").unwrap();
        let (host, path) = url.split_once('/').unwrap();
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(stream, "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        let line =
            text.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{name} missing"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }

    fn running(&self) -> Vec<usize> {
        self.net.running()
    }

    /// Waits until every running node has finalised `height`.
    fn wait_for(&self, height: u64, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let heights: Vec<_> = self.running().iter().map(|i| self.height(*i)).collect();
            if heights.iter().all(|h| h.is_some_and(|h| h >= height)) {
                return;
            }
            assert!(Instant::now() < deadline, "nodes did not reach {height}: {heights:?}\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn max_height(&self) -> u64 {
        self.running().iter().filter_map(|i| self.height(*i)).max().unwrap_or(0)
    }

    /// Every running node reports the same block hash and state root at every height up to
    /// the lowest running head.
    fn assert_agree(&self) -> u64 {
        let common = self.running().iter().filter_map(|i| self.height(*i)).min().unwrap();
        for h in 0..=common {
            let blocks: Vec<(Value, Value)> = self
                .running()
                .iter()
                .map(|i| {
                    let b = self.rpc[*i].call("chain_getBlock", json!([{ "height": h }])).unwrap();
                    (b["hash"].clone(), b["state_root"].clone())
                })
                .collect();
            assert!(blocks.windows(2).all(|w| w[0] == w[1]), "disagreement at height {h}: {blocks:?}");
        }
        common
    }

    fn logs(&self) -> String {
        (0..5)
            .map(|i| {
                let text = std::fs::read_to_string(self.net.log_path(i)).unwrap_or_default();
                let tail: Vec<_> = text.lines().rev().take(5).collect();
                format!("node-{i}: {}", tail.into_iter().rev().collect::<Vec<_>>().join("\n  "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn genesis_hash(net: &Localnet) -> Hash {
    let text = net.status(0).unwrap()["genesis_hash"].as_str().unwrap().to_string();
    Hash::from_hex(&text).unwrap()
}

#[test]
fn four_processes_finalise_tolerate_one_crash_halt_at_two_and_catch_up() {
    let _heavy = crate::heavy();
    let mut net = Localnet::start("node-faults", 22100);
    // (1) They finalise and agree at every height.
    net.wait_for(6, Duration::from_secs(60));
    net.assert_agree();

    // (2) One validator killed: the other three keep finalising.
    net.kill(3);
    let before = net.max_height();
    net.wait_for(before + 6, Duration::from_secs(60));
    net.assert_agree();

    // (3) Two killed: no quorum, no progress (beyond a block already certified), no fork.
    net.kill(2);
    std::thread::sleep(Duration::from_secs(2));
    let stalled = net.max_height();
    std::thread::sleep(Duration::from_secs(4));
    assert!(net.max_height() <= stalled + 1, "finalised without a quorum: {stalled} -> {}", net.max_height());
    net.assert_agree();

    // (4) Restarted nodes catch up from their stores and everyone agrees.
    net.spawn(2);
    net.spawn(3);
    let target = net.max_height() + 5;
    net.wait_for(target, Duration::from_secs(90));
    let common = net.assert_agree();
    assert!(common >= target);

    // (5) A new non-validator node syncs from genesis with certificates from the validators.
    net.spawn(4);
    let target = net.max_height();
    net.wait_for(target, Duration::from_secs(90));
    net.assert_agree();
}

#[test]
fn a_thousand_transfers_survive_a_kill_9_and_restart() {
    let _heavy = crate::heavy();
    let mut net = Localnet::start("node-transfers", 22200);
    net.wait_for(2, Duration::from_secs(60));
    let genesis = genesis_hash(&net);
    let accounts = dev_accounts();
    let alice = &accounts[0].1;
    let bob = Pair::from_seed(&[42; 32]).public();
    let amount = Balance(1_000_000);
    let total = 1000u64;

    // Bad input first: each is refused with a reason, counted, and the node keeps going.
    let refused = |params: Value| net.rpc[0].call("author_submitTransaction", params).unwrap_err().to_string();
    assert!(refused(json!(["not hex"])).contains("not hex"));
    let malformed = refused(json!(["0x00ff00ff"]));
    assert!(malformed.contains("malformed transaction") && !malformed.contains("malformed transaction: malformed"));
    let wrong_type = refused(json!([42]));
    assert!(wrong_type.contains("code -32602"), "{wrong_type}");
    let other_chain = SignedTransaction::sign(alice, &Hash([7; 32]), 0, Call::Transfer { dest: bob, amount });
    assert!(
        refused(json!([agora_node::chain::hex(&other_chain.encode())])).contains("bad signature"),
        "wrong chain id"
    );
    let gap = SignedTransaction::sign(alice, &genesis, 1_000_000, Call::Transfer { dest: bob, amount });
    assert!(refused(json!([agora_node::chain::hex(&gap.encode())])).contains("ahead"), "nonce gap");
    let mut forged = SignedTransaction::sign(alice, &genesis, 0, Call::Transfer { dest: bob, amount });
    forged.nonce = 1; // the signature no longer covers the payload
    assert!(refused(json!([agora_node::chain::hex(&forged.encode())])).contains("bad signature"), "forged");
    assert!(net.metric(0, "agora_txs_malformed_total") >= 2);
    assert!(net.metric(0, "agora_txs_rejected_total") >= 3);
    let mut hashes = Vec::new();
    for nonce in 0..total {
        if nonce == 300 {
            net.kill(1);
        }
        if nonce == 700 {
            net.spawn(1);
        }
        let tx = SignedTransaction::sign(alice, &genesis, nonce, Call::Transfer { dest: bob, amount });
        let hex = agora_node::chain::hex(&tx.encode());
        // Submit to a node that stays up; it gossips to the others.
        let result = net.rpc[0].call("author_submitTransaction", json!([hex]));
        assert!(result.is_ok(), "submit {nonce}: {result:?}");
        hashes.push(result.unwrap());
    }
    // Every transfer is finalised on every node, and balances add up.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let nonces: Vec<u64> = (0..4)
            .map(|i| {
                net.rpc[i]
                    .call("state_nonce", json!([alice.public().to_string()]))
                    .ok()
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0)
            })
            .collect();
        if nonces.iter().all(|n| *n == total) {
            break;
        }
        assert!(Instant::now() < deadline, "not all transfers finalised everywhere: {nonces:?}\n{}", net.logs());
        std::thread::sleep(Duration::from_millis(300));
    }
    for i in 0..4 {
        let balance = net.rpc[i].call("state_balance", json!([bob.to_string()])).unwrap();
        assert_eq!(balance["free"], json!(Balance(amount.0 * total)), "node {i}");
    }
    // Fees went to block proposers (the dev accounts are the localnet's fee recipients): the dev
    // accounts together lost exactly the transfers, and another proposer than the sender earned.
    let free = |i: usize, who: &agora_primitives::AccountId| -> u64 {
        let b = net.rpc[i].call("state_balance", json!([who.to_string()])).unwrap();
        serde_json::from_value::<Balance>(b["free"].clone()).unwrap().0
    };
    for i in 0..4 {
        let total_dev: u64 = accounts.iter().map(|(_, p)| free(i, &p.public())).sum();
        assert_eq!(total_dev, 4 * Balance::from_tao(1_000_000).unwrap().0 - total * amount.0, "node {i}");
    }
    let initial = Balance::from_tao(1_000_000).unwrap().0;
    assert!(accounts[1..].iter().any(|(_, p)| free(0, &p.public()) > initial), "no proposer earned fees");

    // Every transfer has its receipt on the restarted node.
    for (nonce, hash) in hashes.iter().enumerate() {
        let receipt = net.rpc[1].call("chain_getReceipt", json!([hash])).unwrap();
        assert_eq!(receipt["status"], "finalized", "transfer {nonce}: {receipt}");
        assert_eq!(receipt["receipt"]["nonce"], json!(nonce));
    }
    net.assert_agree();

    // The load test's open loop (reliability point 11): a fixed rate from funded accounts, every
    // accepted transfer accounted for (final, or reported dropped), none waited on forever.
    let urls: Vec<String> = (0..4).map(|i| net.net.rpc_url(i).to_string()).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_agora"))
        .args(["chain", "load", "--rpc", &urls.join(","), "--rate", "200", "--duration", "3", "--accounts", "16"])
        .args(["--timeout", "60", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stderr), net.logs());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["mode"].as_str(), report["offered_tps"].as_f64()), (Some("open"), Some(200.0)), "{report}");
    assert_eq!(report["submitted"], 600, "{report}");
    assert_eq!((report["finalized"].as_u64(), report["lost"].as_u64()), (Some(600), Some(0)), "{report}");
    assert_eq!(report["dropped"], 0, "{report}");
}

#[test]
fn localnet_run_starts_a_finalising_network_and_resumes_it() {
    use std::io::{BufRead, BufReader};
    let dir = temp_dir("localnet-run");
    let start = |expect_resume: bool| -> u64 {
        let mut child = crate::localnet(&[
            "--dir",
            dir.to_str().unwrap(),
            "--base-port",
            "22300",
            "--block-time",
            "250",
            "--substrate-port",
            "22340",
            "--no-subnet",
        ]);
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        for line in stdout.lines() {
            let line = line.unwrap();
            lines.push(line.clone());
            if line.starts_with("Ctrl-C") {
                break;
            }
        }
        let rpc = RpcClient::new("http://127.0.0.1:22301").unwrap();
        let height = rpc.call("chain_status", json!([])).unwrap()["finalized_height"].as_u64().unwrap();
        // Ctrl-C reaches the whole process group, as in a terminal.
        let _ = Command::new("kill").args(["-s", "INT", "--", &format!("-{}", child.id())]).status();
        let _ = child.wait();
        let mut stderr = String::new();
        use std::io::Read;
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        assert_eq!(stderr.contains("resuming"), expect_resume, "{stderr}");
        assert!(lines.iter().any(|l| l.contains("finalising")), "{lines:?}");
        height
    };
    let first = start(false);
    assert!(first >= 1);
    std::thread::sleep(Duration::from_millis(500));
    let second = start(true);
    assert!(second >= first, "the resumed chain continues: {first} -> {second}");
}
