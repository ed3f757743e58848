//! JSON-RPC end to end against a chain driven by hand (no consensus): HTTP queries, bad input,
//! and WebSocket subscriptions (submit-and-watch, finalised blocks).

use std::sync::Arc;
use std::time::Duration;

use agora_client::RpcClient;
use agora_node::chain::{Chain, ChainConfig, hex};
use agora_node::rpc;
use agora_primitives::{Balance, Pair};
use agora_runtime::{Call, GenesisConfig, SignedTransaction};
use agora_store::Store;
use parity_scale_codec::Encode;
use serde_json::{Value, json};
use tokio_util::compat::TokioAsyncReadCompatExt;

type Ws = (
    soketto::connection::Sender<tokio_util::compat::Compat<tokio::net::TcpStream>>,
    soketto::connection::Receiver<tokio_util::compat::Compat<tokio::net::TcpStream>>,
);

async fn ws(addr: std::net::SocketAddr) -> Ws {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let host = addr.to_string();
    let mut client = soketto::handshake::Client::new(stream.compat(), &host, "/");
    match client.handshake().await.unwrap() {
        soketto::handshake::ServerResponse::Accepted { .. } => {}
        other => panic!("websocket refused: {other:?}"),
    }
    client.into_builder().finish()
}

async fn send(ws: &mut Ws, method: &str, params: Value) {
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    ws.0.send_text(request.to_string()).await.unwrap();
    ws.0.flush().await.unwrap();
}

async fn next(ws: &mut Ws) -> Value {
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), ws.1.receive_data(&mut buf))
        .await
        .expect("a message in time")
        .unwrap();
    serde_json::from_slice(&buf).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_serves_queries_transactions_and_subscriptions() {
    let alice = Pair::from_seed(&[1; 32]);
    let bob = Pair::from_seed(&[2; 32]).public();
    let mut config = GenesisConfig::new("rpc-test");
    config.balances.insert(alice.public(), Balance::from_tao(100).unwrap());
    let genesis = config.build().unwrap();
    let chain = Arc::new(Chain::open(Store::in_memory(), &genesis, 0, [0; 32], ChainConfig::default()).unwrap());
    let (sender, gossiped) = std::sync::mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let gossip: agora_node::chain::Gossip = Arc::new(move |bytes| sender.lock().unwrap().send(bytes).unwrap());
    let (_server, addr) = rpc::serve("127.0.0.1:0".parse().unwrap(), chain.clone(), gossip).await.unwrap();
    let url = format!("http://{addr}");
    let http = move |method: &'static str, params: Value| {
        let url = url.clone();
        async move { tokio::task::spawn_blocking(move || RpcClient::new(&url).unwrap().call(method, params)).await.unwrap() }
    };

    let status = http("chain_status", json!([])).await.unwrap();
    assert_eq!(status["finalized_height"], 0);
    assert_eq!(status["genesis_hash"], json!(genesis.genesis_hash));
    assert_eq!((&status["syncing"], &status["stalled"]), (&json!(false), &json!(false)), "a new chain: {status}");

    // Subscribe to finalised blocks, then submit-and-watch a transfer.
    let mut blocks = ws(addr).await;
    send(&mut blocks, "chain_subscribeFinalized", json!([])).await;
    let sub = next(&mut blocks).await;
    assert!(!sub["result"].is_null(), "subscription id: {sub}");
    let tx =
        SignedTransaction::sign(&alice, &genesis.genesis_hash, 0, Call::Transfer { dest: bob, amount: Balance(5_000) });
    let mut watch = ws(addr).await;
    send(&mut watch, "author_submitAndWatch", json!([hex(&tx.encode())])).await;
    let sub = next(&mut watch).await;
    assert!(!sub["result"].is_null(), "subscription id: {sub}");
    let first = next(&mut watch).await;
    assert_eq!(first["params"]["result"]["status"], "in_mempool", "{first}");
    assert_eq!(
        gossiped.recv_timeout(Duration::from_secs(5)).unwrap(),
        agora_node::block::Envelope::Agora(tx.clone()).gossip_message(),
        "admitted transactions are gossiped"
    );

    // The same transaction again is a duplicate; garbage is refused with a reason.
    let dup = http("author_submitTransaction", json!([hex(&tx.encode())])).await.unwrap_err().to_string();
    assert!(dup.contains("already in the mempool"), "{dup}");
    let bad = http("author_submitTransaction", json!(["0x0102"])).await.unwrap_err().to_string();
    assert!(bad.contains("malformed"), "{bad}");

    // A proposer builds a block with it; finalisation commits it.
    let block = chain.propose(&chain.genesis_block(), [9; 32], 1_000).unwrap();
    assert_eq!(block.transactions, vec![tx.clone().into()]);
    chain.finalize(&block, 1_500).unwrap();

    let included = next(&mut watch).await;
    assert_eq!(included["params"]["result"]["status"], "included", "{included}");
    let done = next(&mut watch).await;
    assert_eq!(done["params"]["result"]["status"], "finalized", "{done}");
    assert_eq!(done["params"]["result"]["height"], 1);
    let announced = next(&mut blocks).await;
    assert_eq!(announced["params"]["result"]["height"], 1, "{announced}");
    assert_eq!(announced["params"]["result"]["hash"], json!(hex(&block.hash())));

    // Block 1 is stamped at 1.5 s after 1970 and nothing newer exists or was seen: the chain is
    // halted, which is `stalled`, not `syncing` (it used to say syncing).
    let status = http("chain_status", json!([])).await.unwrap();
    assert_eq!((&status["syncing"], &status["stalled"]), (&json!(false), &json!(true)), "halted: {status}");
    assert_eq!(status["seen_height"], 1);
    // Peers announce blocks well past the head: syncing, and then not stalled.
    chain.metrics().seen_height.store(40, std::sync::atomic::Ordering::Relaxed);
    let status = http("chain_status", json!([])).await.unwrap();
    assert_eq!((&status["syncing"], &status["stalled"]), (&json!(true), &json!(false)), "behind: {status}");
    assert_eq!(status["seen_height"], 40);

    let got = http("chain_getBlock", json!([{ "height": 1 }])).await.unwrap();
    assert_eq!(got["hash"], json!(hex(&block.hash())));
    assert_eq!(got["txs"], json!([tx.hash()]));
    let by_hash = http("chain_getBlock", json!([{ "hash": hex(&block.hash()) }])).await.unwrap();
    assert_eq!(by_hash["height"], 1);
    let receipt = http("chain_getReceipt", json!([tx.hash()])).await.unwrap();
    assert_eq!(receipt["status"], "finalized");
    assert_eq!(receipt["receipt"]["nonce"], 0);
    let balance = http("state_balance", json!([bob.to_string()])).await.unwrap();
    assert_eq!(balance["free"], json!(Balance(5_000)));
    assert_eq!(http("state_nonce", json!([alice.public().to_string()])).await.unwrap(), 1);
    assert!(http("chain_getEvents", json!([1])).await.unwrap()["receipts"].is_array());
    assert!(http("state_subnets", json!([])).await.unwrap().is_array());
    assert_eq!(http("state_economy", json!([])).await.unwrap(), "tao");
    assert_eq!(http("state_pools", json!([])).await.unwrap(), json!([]));
    let no_pool = http("state_pool", json!([1])).await.unwrap_err().to_string();
    assert!(no_pool.contains("no pool for subnet 1"), "{no_pool}");
    assert!(http("state_chainInfo", json!([])).await.unwrap().is_object());
    assert!(http("state_delegates", json!([])).await.unwrap().is_array());

    // Not found and bad parameters are errors with a message, not crashes.
    let missing = http("chain_getBlock", json!([{ "height": 99 }])).await.unwrap_err().to_string();
    assert!(missing.contains("code 1001"), "{missing}");
    let no_subnet = http("state_metagraph", json!([42])).await.unwrap_err().to_string();
    assert!(no_subnet.contains("no subnet 42"), "{no_subnet}");
    let bad_account = http("state_balance", json!(["nope"])).await.unwrap_err().to_string();
    assert!(bad_account.contains("SS58"), "{bad_account}");
    let bad_selector = http("chain_getBlock", json!([{}])).await.unwrap_err().to_string();
    assert!(bad_selector.contains("height"), "{bad_selector}");
}

#[test]
fn a_store_of_another_validator_set_is_refused() {
    let genesis = GenesisConfig::new("reopen").build().unwrap();
    let store = Store::in_memory();
    drop(Chain::open(store.clone(), &genesis, 0, [1; 32], ChainConfig::default()).unwrap());
    // Same runtime genesis, same validators: reopens.
    drop(Chain::open(store.clone(), &genesis, 0, [1; 32], ChainConfig::default()).unwrap());
    // Same runtime genesis, other validators: refused with a way out.
    let err = Chain::open(store, &genesis, 0, [2; 32], ChainConfig::default()).unwrap_err();
    assert!(err.to_string().contains("--data-dir"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamic_chain_serves_its_pools() {
    let owner = Pair::from_seed(&[3; 32]).public();
    let owner_hk = Pair::from_seed(&[4; 32]).public();
    let mut config = GenesisConfig::new("rpc-dynamic");
    config.economy = agora_runtime::pools::Economy::Dynamic;
    config.subnets.push(agora_runtime::genesis::GenesisSubnet {
        netuid: 1,
        owner,
        owner_hotkey: owner_hk,
        started: true,
        register_owner: true,
        hyperparameters: Default::default(),
        neurons: Vec::new(),
        pool: Some(agora_runtime::genesis::GenesisPool {
            tao: 4_000_000_000,
            alpha: 1_000_000_000,
            w2: None,
            moving_price: None,
        }),
        emission_enabled: true,
    });
    let genesis = config.build().unwrap();
    let chain = Arc::new(Chain::open(Store::in_memory(), &genesis, 0, [0; 32], ChainConfig::default()).unwrap());
    let gossip: agora_node::chain::Gossip = Arc::new(|_| {});
    let (_server, addr) = rpc::serve("127.0.0.1:0".parse().unwrap(), chain, gossip).await.unwrap();
    let url = format!("http://{addr}");
    let call = move |method: &'static str, params: Value| {
        let url = url.clone();
        async move { tokio::task::spawn_blocking(move || RpcClient::new(&url).unwrap().call(method, params)).await.unwrap() }
    };
    assert_eq!(call("state_economy", json!([])).await.unwrap(), "dynamic");
    let pool = call("state_pool", json!([1])).await.unwrap();
    assert_eq!(pool["price"], 4_000_000_000u64, "{pool}");
    assert_eq!(pool["alpha_in"], 1_000_000_000u64);
    let pools = call("state_pools", json!([])).await.unwrap();
    assert_eq!(pools.as_array().map(Vec::len), Some(2), "root and subnet 1: {pools}");
}
