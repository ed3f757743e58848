//! The Substrate-compatible endpoint against a chain driven by hand (no consensus): what the
//! Python SDK reads on connect (head, header, runtime version, metadata), balances through
//! `System.Account` at the head and pinned to an older block, key listing, bad input, and the
//! new-heads subscription over WebSocket.

use std::sync::Arc;
use std::time::Duration;

use agora_client::RpcClient;
use agora_node::chain::{Chain, ChainConfig, hex};
use agora_node::substrate_rpc;
use agora_primitives::{Balance, Pair};
use agora_runtime::{Call, GenesisConfig, SignedTransaction};
use agora_store::Store;
use agora_substrate::storage::ITEMS;
use agora_substrate::types::AccountInfo;
use parity_scale_codec::Decode;
use serde_json::{Value, json};
use tokio_util::compat::TokioAsyncReadCompatExt;

fn unhex(v: &Value) -> Vec<u8> {
    let s = v.as_str().unwrap_or_else(|| panic!("hex string: {v}"));
    agora_node::chain::parse_hex(s).unwrap()
}

fn account_key(who: &agora_primitives::AccountId) -> String {
    let item = ITEMS.iter().find(|i| i.pallet == "System" && i.name == "Account").unwrap();
    hex(&item.key(&[&who.0]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_reads_work_at_the_head_and_pinned() {
    let alice = Pair::from_seed(&[1; 32]);
    let bob = Pair::from_seed(&[2; 32]).public();
    let mut config = GenesisConfig::new("substrate-rpc-test");
    config.balances.insert(alice.public(), Balance::from_tao(100).unwrap());
    let genesis = config.build().unwrap();
    let chain = Arc::new(Chain::open(Store::in_memory(), &genesis, 0, [0; 32], ChainConfig::default()).unwrap());
    let (_server, addr) =
        substrate_rpc::serve("127.0.0.1:0".parse().unwrap(), chain.clone(), Arc::new(|_| {})).await.unwrap();
    let url = format!("http://{addr}");
    let http = move |method: &'static str, params: Value| {
        let url = url.clone();
        async move { tokio::task::spawn_blocking(move || RpcClient::new(&url).unwrap().call(method, params)).await.unwrap() }
    };

    // Connect as the SDK does: head, its header, the runtime version at its parent, metadata.
    let genesis_hash = http("chain_getBlockHash", json!([0])).await.unwrap();
    assert_eq!(genesis_hash, json!(hex(&chain.genesis_block().hash())));
    let head = http("chain_getHead", json!([])).await.unwrap();
    assert_eq!(head, genesis_hash);
    let header = http("chain_getHeader", json!([head])).await.unwrap();
    assert_eq!(header["number"], "0x0");
    assert_eq!(header["parentHash"], json!(hex(&[0; 32])), "genesis has a zero parent");
    assert_eq!(header["digest"]["logs"], json!([]));
    let version = http("state_getRuntimeVersion", json!([head])).await.unwrap();
    assert_eq!(version["specVersion"], agora_substrate::SPEC_VERSION);
    let metadata = http("state_call", json!(["Metadata_metadata_at_version", "0x0f000000", head])).await.unwrap();
    let bytes = unhex(&metadata);
    assert_eq!(bytes[0], 1, "Some(metadata)");
    let opaque = Vec::<u8>::decode(&mut &bytes[1..]).unwrap();
    assert_eq!(&opaque[..5], b"meta\x0f");
    let v14 = http("state_call", json!(["Metadata_metadata_at_version", "0x0e000000", null])).await.unwrap();
    assert_eq!(v14, json!("0x00"), "only V15 is served");

    // Alice's balance through System.Account; unknown accounts read as null.
    let read = |at: Value| {
        let key = account_key(&alice.public());
        let http = http.clone();
        async move { http("state_getStorageAt", json!([key, at])).await.unwrap() }
    };
    let value = read(Value::Null).await;
    let info = AccountInfo::decode(&mut &unhex(&value)[..]).unwrap();
    assert_eq!(info.data.free, 100_000_000_000);
    assert_eq!(http("state_getStorage", json!([account_key(&bob)])).await.unwrap(), Value::Null);

    // A transfer in block 1 moves the head; genesis-pinned reads still see the old balance.
    let tx =
        SignedTransaction::sign(&alice, &genesis.genesis_hash, 0, Call::Transfer { dest: bob, amount: Balance(5_000) });
    chain.submit(tx).unwrap();
    let block = chain.propose(&chain.genesis_block(), [9; 32], 1_000).unwrap();
    chain.finalize(&block, 1_500).unwrap();
    let head = http("chain_getFinalizedHead", json!([])).await.unwrap();
    assert_eq!(head, json!(hex(&block.hash())));
    let header = http("chain_getHeader", json!([])).await.unwrap();
    assert_eq!((header["number"].clone(), header["parentHash"].clone()), (json!("0x1"), genesis_hash.clone()));
    assert_eq!(http("chain_getBlockHash", json!([1])).await.unwrap(), head);
    assert_eq!(http("chain_getBlockHash", json!([7])).await.unwrap(), Value::Null);
    let now = AccountInfo::decode(&mut &unhex(&read(Value::Null).await)[..]).unwrap();
    let then = AccountInfo::decode(&mut &unhex(&read(genesis_hash.clone()).await)[..]).unwrap();
    assert_eq!((now.nonce, then.nonce), (1, 0));
    assert!(now.data.free < then.data.free);
    // The next nonce counts pending transactions too.
    assert_eq!(http("account_nextIndex", json!([alice.public().to_ss58()])).await.unwrap(), 1);
    let again =
        SignedTransaction::sign(&alice, &genesis.genesis_hash, 1, Call::Transfer { dest: bob, amount: Balance(1) });
    chain.submit(again).unwrap();
    assert_eq!(http("system_accountNextIndex", json!([alice.public().to_ss58()])).await.unwrap(), 2);
    let bob_now = http("state_queryStorageAt", json!([[account_key(&bob)], head])).await.unwrap();
    assert_eq!(bob_now[0]["block"], head, "the block the values were read at");
    let change = &bob_now[0]["changes"][0];
    assert_eq!(AccountInfo::decode(&mut &unhex(&change[1])[..]).unwrap().data.free, 5_000);

    // Key listing: every account under the System.Account prefix, paged.
    let prefix = &account_key(&bob)[..66];
    let keys = http("state_getKeys", json!([prefix, null])).await.unwrap();
    assert!(keys.as_array().unwrap().len() >= 2, "{keys}");
    let page = http("state_getKeysPaged", json!([prefix, 1, null, null])).await.unwrap();
    assert_eq!(page.as_array().unwrap().len(), 1);
    let next = http("state_getKeysPaged", json!([prefix, 10, page[0], null])).await.unwrap();
    assert_eq!(next.as_array().unwrap().len(), keys.as_array().unwrap().len() - 1);

    // Bad input: unknown methods, unknown blocks, bad hex, unknown runtime APIs.
    let unknown = http("chain_getNothing", json!([])).await.unwrap_err().to_string();
    assert!(unknown.contains("Method not found"), "{unknown}");
    let nowhere = http("state_getStorage", json!([account_key(&bob), hex(&[7; 32])])).await.unwrap_err().to_string();
    assert!(nowhere.contains("unknown Block"), "{nowhere}");
    let bad = http("state_getStorage", json!(["0xzz"])).await.unwrap_err().to_string();
    assert!(bad.contains("hex"), "{bad}");
    let api = http("state_call", json!(["Nope_nothing", "0x"])).await.unwrap_err().to_string();
    assert!(api.contains("Client error: Execution failed: Other: Exported method Nope_nothing is not found"), "{api}");
    let methods = http("rpc_methods", json!([])).await.unwrap();
    for m in ["state_call", "state_getStorageAt", "chain_getHeader", "rpc_methods"] {
        assert!(methods["methods"].as_array().unwrap().contains(&json!(m)), "{m}");
    }
    assert_eq!(http("system_chainType", json!([])).await.unwrap(), "Development");
    assert_eq!(http("system_properties", json!([])).await.unwrap()["ss58Format"], 42);

    // New heads over WebSocket with string ids: the current head first, then each new block.
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let host = addr.to_string();
    let mut client = soketto::handshake::Client::new(stream.compat(), &host, "/");
    assert!(matches!(client.handshake().await.unwrap(), soketto::handshake::ServerResponse::Accepted { .. }));
    let (mut tx, mut rx) = client.into_builder().finish();
    let request = json!({"jsonrpc": "2.0", "id": "Ab1", "method": "chain_subscribeNewHeads", "params": []});
    tx.send_text(request.to_string()).await.unwrap();
    tx.flush().await.unwrap();
    let mut receive = async || {
        let mut buf = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), rx.receive_data(&mut buf)).await.expect("in time").unwrap();
        serde_json::from_slice::<Value>(&buf).unwrap()
    };
    let subscribed = receive().await;
    assert_eq!(subscribed["id"], "Ab1", "string ids are echoed");
    let first = receive().await;
    assert_eq!(first["method"], "chain_newHead");
    assert_eq!(first["params"]["result"]["number"], "0x1");
    let block2 = chain.propose(&block, [9; 32], 2_000).unwrap();
    chain.finalize(&block2, 2_500).unwrap();
    let second = receive().await;
    assert_eq!(second["params"]["result"]["number"], "0x2");
}
