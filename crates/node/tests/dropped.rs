//! Reliability point 10: an acknowledged transaction either finalises or is reported dropped,
//! with the reason, both to its watcher and in its receipt; the account's later nonces go with it.

use std::sync::Arc;
use std::time::Duration;

use agora_client::RpcClient;
use agora_node::chain::{Chain, ChainConfig, hex};
use agora_node::mempool::MempoolConfig;
use agora_node::rpc;
use agora_primitives::{Balance, Pair};
use agora_runtime::{Call, GenesisConfig, SignedTransaction};
use agora_store::Store;
use parity_scale_codec::Encode;
use serde_json::{Value, json};
use tokio_util::compat::TokioAsyncReadCompatExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_transaction_that_expires_is_reported_dropped() {
    let alice = Pair::from_seed(&[1; 32]);
    let bob = Pair::from_seed(&[2; 32]).public();
    let mut genesis = GenesisConfig::new("dropped-test");
    genesis.balances.insert(alice.public(), Balance::from_tao(100).unwrap());
    let genesis = genesis.build().unwrap();
    let config = ChainConfig {
        mempool: MempoolConfig { max_park_blocks: 2, ..MempoolConfig::default() },
        ..ChainConfig::default()
    };
    let chain = Arc::new(Chain::open(Store::in_memory(), &genesis, 0, [0; 32], config).unwrap());
    let (_server, addr) = rpc::serve("127.0.0.1:0".parse().unwrap(), chain.clone(), Arc::new(|_| {})).await.unwrap();
    let url = format!("http://{addr}");
    let call = move |method: &'static str, params: Value| {
        let url = url.clone();
        async move { tokio::task::spawn_blocking(move || RpcClient::new(&url).unwrap().call(method, params)).await.unwrap() }
    };
    let transfer = |nonce| {
        let tx = SignedTransaction::sign(
            &alice,
            &genesis.genesis_hash,
            nonce,
            Call::Transfer { dest: bob, amount: Balance(1) },
        );
        hex(&tx.encode())
    };

    // Nonce 1 waits for nonce 0, which never comes; nonce 2 is watched.
    let parked: String =
        serde_json::from_value(call("author_submitTransaction", json!([transfer(1)])).await.unwrap()).unwrap();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let host = addr.to_string();
    let mut client = soketto::handshake::Client::new(stream.compat(), &host, "/");
    assert!(matches!(client.handshake().await.unwrap(), soketto::handshake::ServerResponse::Accepted { .. }));
    let (mut tx, mut rx) = client.into_builder().finish();
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "author_submitAndWatch", "params": [transfer(2)]});
    tx.send_text(request.to_string()).await.unwrap();
    tx.flush().await.unwrap();
    assert!(!next(&mut rx).await["result"].is_null(), "subscribed");
    assert_eq!(next(&mut rx).await["params"]["result"]["status"], "in_mempool");
    assert_eq!(call("chain_getReceipt", json!([parked])).await.unwrap()["status"], "in_mempool");

    // Three empty blocks later they have waited too long: both dropped, and said so.
    for height in 1..=3u64 {
        let block = chain.propose(&chain.head_block(), [9; 32], height * 1_000).unwrap();
        assert!(block.transactions.is_empty());
        chain.finalize(&block, height * 1_000 + 1).unwrap();
    }
    let note = next(&mut rx).await;
    assert_eq!(note["params"]["result"]["status"], "dropped", "{note}");
    let receipt = call("chain_getReceipt", json!([parked])).await.unwrap();
    assert_eq!(receipt["status"], "dropped", "{receipt}");
    assert!(receipt["reason"].as_str().unwrap().contains("waited over 2 blocks for nonce 0"), "{receipt}");
    assert_eq!(chain.mempool_len(), 0);
}

async fn next(rx: &mut soketto::connection::Receiver<tokio_util::compat::Compat<tokio::net::TcpStream>>) -> Value {
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), rx.receive_data(&mut buf)).await.unwrap().unwrap();
    serde_json::from_slice(&buf).unwrap()
}
