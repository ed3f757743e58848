//! The Substrate-compatible endpoint against the reference clients, each in a virtual
//! environment made by a script, on running nodes: bittensor 10.5.0 (reads equal to Agora's own
//! RPC, the extrinsics it signs pass every check, its writes land and a failure reports the
//! reference error name), bittensor 11.3.0 (the spec's §13 conformance script) and btcli 9.23.2
//! (on a dynamic-TAO chain: its pool view is the chain's, its safe stake buys alpha).
//! Loopback only, ports 22560–22563, 22540–22543 and 22550–22553.

use std::process::Command;

use agora_client::RpcClient;
use agora_primitives::{AccountId, Balance, NetUid};
use agora_runtime::Call;
use agora_runtime::pools::Economy;
use agora_substrate::checked::{ChainView, decode};
use serde_json::{Value, json};

use crate::chain::{Node, dev_seed};
use crate::{repo_file, venv};

/// The sudo dev account as wallet "owner" (with a hotkey), hyperparameters settable at any
/// block, and a new subnet it owns; its netuid.
fn owned_subnet(node: &Node) -> String {
    node.ok(&["wallet", "regen-coldkey", "--wallet.name", "owner", "--seed", &dev_seed(&node.dir, 0), "--no-password"]);
    node.ok(&["wallet", "new-hotkey", "--wallet.name", "owner", "--no-password"]);
    node.ok(&["sudo", "set", "--wallet.name", "owner", "--param", "admin_freeze_window", "--value", "0"]);
    node.ok(&["subnets", "create", "--wallet.name", "owner"])["netuid"].as_u64().unwrap().to_string()
}

fn sdk(python: &str, args: &[&str]) -> Value {
    let out =
        Command::new(python).arg(repo_file("crates/cli/tests/it/py/substrate_sdk10.py")).args(args).output().unwrap();
    assert!(out.status.success(), "python {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

#[test]
fn the_python_sdk_reads_an_agora_node_and_its_extrinsics_check() {
    // A node and the Python clients: serialised with the other heavy tests, whose timing (which
    // proposer earns fees) does not survive them running alongside on 2 cores.
    let _heavy = crate::heavy();
    let python = venv("python-bittensor10-env.sh");
    let node = Node::start_in("substrate-sdk", 22560);
    let url = "ws://127.0.0.1:22563";
    let netuid = owned_subnet(&node);
    let owner = node.ok(&["wallet", "balance", "--wallet.name", "owner"]);
    let coldkey = owner["wallets"][0]["coldkey"].as_str().unwrap().to_string();
    let free_rao = owner["wallets"][0]["free_rao"].as_u64().unwrap();
    let hotkey =
        node.ok(&["subnets", "show", "--netuid", &netuid])["neurons"][0]["hotkey"].as_str().unwrap().to_string();

    let read = sdk(&python, &["reads", url, &coldkey, &netuid]);
    assert!(read["block"].as_u64().unwrap() > 0, "{read}");
    assert_eq!(read["free_rao"].as_u64(), Some(free_rao), "{read}");
    assert_eq!(read["netuids"], serde_json::json!([0, netuid.parse::<u64>().unwrap()]), "{read}");
    assert_eq!(read["exists"], true);
    let hyper = node.ok(&["subnets", "hyperparameters", "--netuid", &netuid]);
    assert_eq!(read["tempo"], hyper["hyperparameters"]["tempo"]);
    assert_eq!(read["uid"], Value::Null, "a coldkey is not registered");
    let by_hotkey = sdk(&python, &["reads", url, &hotkey, &netuid]);
    assert_eq!(by_hotkey["uid"], 0, "the owner's hotkey is uid 0: {by_hotkey}");

    // A second neuron with stake and an axon; the SDK's metagraph equals Agora's.
    node.ok(&["wallet", "create", "--wallet.name", "alice", "--no-password"]);
    let alice = node.ok(&["wallet", "balance", "--wallet.name", "alice"])["wallets"][0]["coldkey"]
        .as_str()
        .unwrap()
        .to_string();
    node.ok(&["wallet", "transfer", "--wallet.name", "owner", "--dest", &alice, "--amount", "100"]);
    node.ok(&["subnets", "register", "--wallet.name", "alice", "--netuid", &netuid]);
    node.ok(&["subnets", "start", "--wallet.name", "owner", "--netuid", &netuid]);
    node.ok(&["stake", "add", "--wallet.name", "owner", "--netuid", &netuid, "--amount", "25"]);
    let alice_hot =
        node.ok(&["subnets", "show", "--netuid", &netuid])["neurons"][1]["hotkey"].as_str().unwrap().to_string();
    node.ok(&["wallet", "transfer", "--wallet.name", "owner", "--dest", &alice_hot, "--amount", "1"]);
    node.ok(&["axon", "serve", "--wallet.name", "alice", "--netuid", &netuid, "--ip", "10.0.0.1", "--port", "8091"]);
    let ours = node.ok(&["subnets", "show", "--netuid", &netuid]);
    let theirs = sdk(&python, &["metagraph", url, &netuid]);
    for doc in [&theirs["metagraph"], &theirs["synced"]] {
        let rows = ours["neurons"].as_array().unwrap();
        assert_eq!(doc["n"].as_u64(), Some(rows.len() as u64), "{doc}");
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(doc["uids"][i], row["uid"]);
            assert_eq!(doc["hotkeys"][i], row["hotkey"]);
            assert_eq!(doc["coldkeys"][i], row["coldkey"]);
            let close = |a: &Value, b: &Value| (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-6;
            assert!(close(&doc["stake"][i], &row["stake"]), "stake {i}: {doc} vs {row}");
            assert!(close(&doc["incentive"][i], &row["incentive"]), "incentive {i}");
            assert!(close(&doc["dividends"][i], &row["dividends"]), "dividends {i}");
            assert_eq!(doc["validator_permit"][i], row["validator_permit"]);
            assert_eq!(doc["last_update"][i], row["last_update"]);
            assert_eq!(doc["axons"][i], row["axon"], "axon {i}");
        }
    }
    assert!(theirs["synced"]["stake"][0].as_f64().unwrap() >= 25.0, "{theirs}");
    assert_eq!(theirs["synced"]["axons"][1], "10.0.0.1:8091");

    // Extrinsics the SDK signs against this node decode, pass every check and map to Agora calls.
    let signed = sdk(&python, &["sign", url, &dev_seed(&node.dir, 0), &hotkey]);
    assert_eq!(signed["signer"], json!(coldkey));
    let view = Endpoint(RpcClient::new("http://127.0.0.1:22563").unwrap());
    let head = view.0.call("chain_getHeader", json!([])).unwrap();
    let next = u64::from_str_radix(head["number"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap() + 1;
    let hotkey: AccountId = hotkey.parse().unwrap();
    let checked: Vec<_> = signed["extrinsics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let bytes = agora_node::chain::parse_hex(x.as_str().unwrap()).unwrap();
            decode(&bytes)
                .unwrap_or_else(|e| panic!("{e}: {x}"))
                .check(&view, next)
                .unwrap_or_else(|e| panic!("{e}: {x}"))
        })
        .collect();
    let transfer = Call::Transfer { dest: hotkey, amount: Balance(1_000_000_000) };
    assert_eq!((checked[0].call.clone(), checked[0].nonce), (transfer.clone(), 0));
    assert_eq!((checked[1].call.clone(), checked[1].nonce), (transfer, 1));
    assert_eq!(checked[1].era, agora_substrate::era::Era::Immortal);
    match &checked[2].call {
        Call::SetWeights { netuid, dests, weights, .. } => {
            assert_eq!((*netuid, dests.len(), weights[0]), (NetUid(1), 100, 7));
        }
        other => panic!("{other:?}"),
    }
    assert!(checked.iter().all(|c| c.signer.to_ss58() == coldkey));

    // Writes through the SDK's public API land, and Agora's RPC sees their effects.
    node.sudo_set(netuid.parse().unwrap(), "commit_reveal", "false");
    node.sudo_set(netuid.parse().unwrap(), "weights_rate_limit", "0");
    let wrote = sdk(&python, &["writes", url, node.wallets.to_str().unwrap(), &netuid]);
    for step in ["transfer", "burned_register", "add_stake", "serve_axon", "set_weights"] {
        assert_eq!(wrote[step]["success"], true, "{step}: {wrote}");
    }
    assert_eq!(wrote["too_much"]["success"], false, "{wrote}");
    assert_eq!(wrote["too_much"]["error"], "InsufficientBalance", "the reference error name: {wrote}");
    let shown = node.ok(&["subnets", "show", "--netuid", &netuid]);
    let row = shown["neurons"].as_array().unwrap().iter().find(|r| r["hotkey"] == wrote["hotkey"]).expect("registered");
    assert_eq!(row["uid"], wrote["uid"]);
    assert_eq!(row["coldkey"], wrote["coldkey"]);
    assert!(row["stake"].as_f64().unwrap() >= 5.0, "{row}");
    assert_eq!(row["axon"], "10.0.0.3:8093");
    // The owner (uid 0) set [0.25, 0.75] on uids [0, new]: max-upscaled, the new uid holds 65535.
    let agora = RpcClient::new(&node.url).unwrap();
    let weights = agora.call("state_weights", json!([netuid.parse::<u16>().unwrap()])).unwrap();
    let rows: Vec<(u16, Vec<(u16, u16)>)> = serde_json::from_value(weights.clone()).unwrap();
    let owner_row = &rows.iter().find(|(uid, _)| *uid == 0).expect("the owner's weights landed").1;
    let new_uid = wrote["uid"].as_u64().unwrap() as u16;
    assert!(owner_row.contains(&(new_uid, u16::MAX)), "{weights}");
    let balance = node.ok(&["wallet", "balance", "--ss58", wrote["coldkey"].as_str().unwrap()]);
    assert_eq!(balance["wallets"][0]["free_rao"], wrote["free_rao"], "{balance}");
}

/// The chain facts a check needs, asked of the node's Substrate endpoint.
struct Endpoint(RpcClient);

impl ChainView for Endpoint {
    fn genesis_hash(&self) -> [u8; 32] {
        self.block_hash(0).expect("genesis")
    }

    fn block_hash(&self, height: u64) -> Option<[u8; 32]> {
        let hash = self.0.call("chain_getBlockHash", json!([height])).ok()?;
        agora_node::chain::parse_hex(hash.as_str()?)?.try_into().ok()
    }
}

#[test]
fn the_current_sdk_passes_the_conformance_script() {
    let _heavy = crate::heavy();
    let python = venv("python-bittensor11-env.sh");
    let node = Node::start_in("substrate-sdk11", 22540);
    let netuid: u16 = owned_subnet(&node).parse().unwrap();
    node.sudo_set(netuid, "commit_reveal", "false");
    node.sudo_set(netuid, "weights_rate_limit", "0");
    node.ok(&["subnets", "start", "--wallet.name", "owner", "--netuid", &netuid.to_string()]);
    for name in ["sdk11-a", "sdk11-b"] {
        let coldkey = node.ok(&["wallet", "create", "--wallet.name", name, "--no-password"])["coldkey"].clone();
        if name == "sdk11-a" {
            node.ok(&[
                "wallet",
                "transfer",
                "--wallet.name",
                "owner",
                "--dest",
                coldkey.as_str().unwrap(),
                "--amount",
                "100",
            ]);
        }
    }
    let run = Command::new(&python)
        .arg(repo_file("crates/cli/tests/it/py/substrate_sdk11.py"))
        .args(["ws://127.0.0.1:22543", node.wallets.to_str().unwrap(), &netuid.to_string()])
        .output()
        .unwrap();
    assert!(run.status.success(), "sdk 11: {}", String::from_utf8_lossy(&run.stderr));
    let text = String::from_utf8(run.stdout).unwrap();
    let doc: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    eprintln!("{doc}");
    assert!(doc["block"].as_u64().unwrap() > 0);
    assert_eq!(doc["spec_version"], agora_substrate::SPEC_VERSION);
    assert!(doc["subnets"].as_array().unwrap().contains(&json!(netuid)), "{doc}");
    assert_eq!(
        doc["tempo"],
        node.ok(&["subnets", "hyperparameters", "--netuid", &netuid.to_string()])["hyperparameters"]["tempo"]
    );
    for step in ["burned_register", "transfer", "add_stake", "remove_stake", "serve_axon", "set_weights"] {
        assert_eq!(doc[step]["success"], true, "{step}: {doc}");
    }
    assert!(doc["transfer"]["fee_rao"].as_u64().unwrap() > 0, "{doc}");
    assert_eq!(doc["b_gained_rao"], 1_000_000_000u64);
    assert!((doc["stake_after_add"].as_f64().unwrap() - 2.0).abs() < 1e-6, "{doc}");
    assert!((doc["stake_after_remove"].as_f64().unwrap() - 1.0).abs() < 1e-6, "{doc}");
    assert_eq!(doc["info_netuid"], netuid);
    assert_eq!(doc["balance_a_rao"], 100_000_000_000u64);
    assert_eq!(doc["weights_rate_limit"], 0);
    assert!(doc["blocks_since_last_update"].as_u64().unwrap() < 20, "{doc}");
    let agora = RpcClient::new(&node.url).unwrap();
    let rows: Vec<(u16, Vec<(u16, u16)>)> =
        serde_json::from_value(agora.call("state_weights", json!([netuid])).unwrap()).unwrap();
    let uid = doc["uid"].as_u64().unwrap() as u16;
    assert!(rows.iter().any(|(u, row)| *u == uid && row == &vec![(uid, u16::MAX)]), "{rows:?}");
    assert_eq!(doc["too_much"]["success"], false);
    assert_eq!(doc["too_much"]["error"], "NotEnoughStakeToWithdraw", "{doc}");
    let shown = node.ok(&["subnets", "show", "--netuid", &netuid.to_string()]);
    let rows = shown["neurons"].as_array().unwrap();
    let row = rows.iter().find(|r| r["hotkey"] == doc["a_hot"]).expect("registered through the SDK");
    assert_eq!(row["uid"], doc["uid"]);
    assert_eq!(row["axon"], "10.0.0.1:8091");
    let hotkeys: Vec<&Value> = rows.iter().map(|r| &r["hotkey"]).collect();
    assert_eq!(doc["metagraph_hotkeys"].as_array().unwrap().iter().collect::<Vec<_>>(), hotkeys);
    assert_eq!(doc["neurons_hotkeys"], doc["metagraph_hotkeys"]);
}

/// `btcli ARGS --network URL --json-output` with the Python of its own environment (its `btcli`
/// script names the interpreter of the directory the environment was built in); its JSON document.
fn btcli(python: &str, url: &str, args: &[&str]) -> Value {
    let out = Command::new(python)
        .args(["-c", "import sys; from bittensor_cli.cli import main; sys.argv[0] = 'btcli'; main()"])
        .args(args)
        .args(["--network", url, "--json-output"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "btcli {args:?}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let start = stdout.find(['{', '[']).unwrap_or_else(|| panic!("btcli {args:?} printed no JSON: {stdout}"));
    serde_json::from_str(stdout[start..].trim()).unwrap_or_else(|e| panic!("btcli {args:?}: {e}: {stdout}"))
}

#[test]
fn btcli_reads_and_writes_an_agora_node() {
    let _heavy = crate::heavy();
    let btcli_bin = venv("python-btcli-env.sh");
    // btcli on a dynamic chain (the localnet's default): prices, stakes as alpha bought through
    // the pool with btcli's safe staking.
    let node = Node::start_with("substrate-btcli", 22550, Economy::Dynamic);
    let url = "ws://127.0.0.1:22553";
    let netuid = owned_subnet(&node);
    node.ok(&["subnets", "start", "--wallet.name", "owner", "--netuid", &netuid]);
    let coldkey = node.ok(&["wallet", "create", "--wallet.name", "btc", "--no-password"])["coldkey"].clone();
    node.ok(&["wallet", "transfer", "--wallet.name", "owner", "--dest", coldkey.as_str().unwrap(), "--amount", "100"]);
    let wallets = node.wallets.to_str().unwrap();
    let wallet = |name: &'static str| ["--wallet-name", name, "--wallet-hotkey", "default", "--wallet-path", wallets];

    let balance = btcli(&btcli_bin, url, &[&["wallet", "balance"][..], &wallet("btc")].concat());
    let ours = node.ok(&["wallet", "balance", "--wallet.name", "btc"]);
    assert_eq!(balance["balances"]["btc"]["coldkey"], coldkey, "{balance}");
    let free_rao = ours["wallets"][0]["free_rao"].as_f64().unwrap();
    assert!((balance["balances"]["btc"]["free"].as_f64().unwrap() * 1e9 - free_rao).abs() < 1.0, "{balance} vs {ours}");
    let listed = btcli(&btcli_bin, url, &["subnets", "list"]);
    let tempo = node.ok(&["subnets", "hyperparameters", "--netuid", &netuid])["hyperparameters"]["tempo"].clone();
    assert_eq!(listed["subnets"][&netuid]["tempo"]["sn_tempo"], tempo, "{listed}");
    assert_eq!(listed["total_netuids"], 2, "{listed}");
    // btcli's pool view is ours.
    let ours_pool = |node: &Node| node.ok(&["subnets", "price", "--netuid", &netuid])["pools"][0].clone();
    let same_pool = |listed: &Value, pool: &Value| {
        let theirs = &listed["subnets"][&netuid];
        let close = |a: &Value, b: &Value| (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-6;
        assert!(close(&theirs["price"], &pool["price"]), "{theirs} vs {pool}");
        assert!(close(&theirs["liquidity"]["tao_in"], &pool["tao_in"]), "{theirs} vs {pool}");
        assert!(close(&theirs["liquidity"]["alpha_in"], &pool["alpha_in"]), "{theirs} vs {pool}");
        // Alpha outside the pool grows by the block's alpha emission between the two reads.
        let drift = theirs["alpha_out"].as_f64().unwrap() - pool["alpha_out"].as_f64().unwrap();
        assert!(drift.abs() <= 10.0, "{theirs} vs {pool}");
    };
    let pool = ours_pool(&node);
    same_pool(&listed, &pool);
    let price = pool["price"].as_f64().unwrap();
    let shown = btcli(&btcli_bin, url, &["subnets", "show", "--netuid", &netuid, "--no-prompt"]);
    let ours = node.ok(&["subnets", "show", "--netuid", &netuid]);
    assert_eq!(shown["netuid"].to_string(), netuid, "{shown}");
    let uids: Vec<&Value> = shown["uids"].as_array().unwrap().iter().map(|u| &u["hotkey"]).collect();
    let our_uids: Vec<&Value> = ours["neurons"].as_array().unwrap().iter().map(|u| &u["hotkey"]).collect();
    assert_eq!(uids, our_uids, "{shown}");
    let registered = btcli(
        &btcli_bin,
        url,
        &[&["subnets", "register", "--netuid", &netuid, "--no-prompt"][..], &wallet("btc")].concat(),
    );
    assert_eq!(registered["success"], true, "{registered}");
    let staked = btcli(
        &btcli_bin,
        url,
        &[
            &["stake", "add", "--netuid", &netuid, "--amount", "2", "--no-prompt", "--no-mev-protection"][..],
            &wallet("btc"),
        ]
        .concat(),
    );
    let outcomes = staked["staking_success"][&netuid].as_object().expect("a result for the subnet");
    assert!(!outcomes.is_empty() && outcomes.values().all(|v| *v == true), "{staked}");
    let show = node.ok(&["subnets", "show", "--netuid", &netuid]);
    let hotkey = node.ok(&["wallet", "list"])["wallets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "btc")
        .unwrap()["hotkeys"][0]["ss58"]
        .clone();
    let row = show["neurons"].as_array().unwrap().iter().find(|r| r["hotkey"] == hotkey).expect("btcli registered it");
    // 2 TAO bought alpha at about the price (less the fee and the price impact).
    let alpha = row["alpha_stake"].as_f64().unwrap();
    assert!(alpha > 0.0 && alpha < 2.0 / price, "{row}, price {price}");
    assert!(alpha > 0.9 * 2.0 / price, "{row}, price {price}");
    // The buy raised the price, and btcli sees the new one.
    let after = ours_pool(&node);
    assert!(after["price"].as_f64().unwrap() > price, "{after}");
    same_pool(&btcli(&btcli_bin, url, &["subnets", "list"]), &after);
}
