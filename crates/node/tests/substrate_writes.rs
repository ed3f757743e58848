//! Writes through the Substrate endpoint against chains driven by hand (no consensus): signed
//! extrinsics submitted, carried verbatim in a block that another node verifies, found by hash in
//! `chain_getBlock`, their outcome in `System.Events` (success, and a failure with the reference
//! error), and every kind of bad extrinsic refused with Substrate's code and reason.

use std::sync::Arc;

use agora_client::RpcClient;
use agora_node::chain::{Chain, ChainConfig, hex, parse_hex};
use agora_node::substrate_rpc;
use agora_primitives::{Balance, Pair, blake2_256};
use agora_runtime::{Genesis, GenesisConfig};
use agora_store::Store;
use agora_substrate::body::events_key;
use agora_substrate::checked::sign;
use agora_substrate::era::Era;
use agora_substrate::pallets::{RuntimeCall, RuntimeEvent, balances, system};
use agora_substrate::types::{AccountId32, DispatchError, EventRecord, MultiAddress, Phase};
use parity_scale_codec::Decode;
use serde_json::{Value, json};

fn transfer(to: &Pair, value: u64) -> RuntimeCall {
    RuntimeCall::Balances(balances::Call::transfer_keep_alive {
        dest: MultiAddress::Id(AccountId32(to.public().0)),
        value,
    })
}

fn open(genesis: &Genesis) -> Arc<Chain> {
    Arc::new(Chain::open(Store::in_memory(), genesis, 0, [0; 32], ChainConfig::default()).unwrap())
}

fn events(value: &Value) -> Vec<EventRecord<RuntimeEvent>> {
    let bytes = parse_hex(value.as_str().expect("events are stored")).unwrap();
    Vec::decode(&mut &bytes[..]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extrinsics_land_verbatim_and_report_their_outcome() {
    let alice = Pair::from_seed(&[1; 32]);
    let bob = Pair::from_seed(&[2; 32]);
    let mut config = GenesisConfig::new("substrate-writes");
    config.balances.insert(alice.public(), Balance::from_tao(100).unwrap());
    config.params.tx_fee = 1_000;
    let genesis = config.build().unwrap();
    let chain = open(&genesis);
    let peer = open(&genesis);
    let gossiped = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = gossiped.clone();
    let gossip = Arc::new(move |m: Vec<u8>| sink.lock().unwrap().push(m));
    let (_server, addr) = substrate_rpc::serve("127.0.0.1:0".parse().unwrap(), chain.clone(), gossip).await.unwrap();
    let url = format!("http://{addr}");
    let call = move |method: &'static str, params: Value| {
        let url = url.clone();
        async move { tokio::task::spawn_blocking(move || RpcClient::new(&url).unwrap().call(method, params)).await.unwrap() }
    };
    let g = chain.genesis_block().hash();

    // A mortal transfer born at genesis and an immortal one that asks for more than Alice has.
    let ok = sign(&alice, &transfer(&bob, 7_000), Era::mortal(64, 0), 0, g, g);
    let too_much = sign(&alice, &transfer(&bob, u64::MAX / 2), Era::Immortal, 1, g, g);
    let ok_hash = call("author_submitExtrinsic", json!([hex(&ok)])).await.unwrap();
    assert_eq!(ok_hash, json!(hex(&blake2_256(&ok).0)), "the hash is blake2_256 of the bytes");
    call("author_submitExtrinsic", json!([hex(&too_much)])).await.unwrap();
    assert_eq!(gossiped.lock().unwrap().len(), 2, "both went to the peers");
    assert_eq!(call("account_nextIndex", json!([alice.public().to_ss58()])).await.unwrap(), 2);
    let fee = call("payment_queryInfo", json!([hex(&ok)])).await.unwrap();
    assert_eq!(fee["partialFee"], "1000", "the chain's fee: {fee}");

    // Bad input, each refused with Substrate's code and the text the SDK matches.
    let refused = |xt: Vec<u8>| {
        let call = call.clone();
        async move { call("author_submitExtrinsic", json!([hex(&xt)])).await.unwrap_err().to_string() }
    };
    let again = refused(ok.clone()).await;
    assert!(again.contains("1013") || again.contains("Already Imported"), "{again}");
    let other_chain = sign(&alice, &transfer(&bob, 1), Era::Immortal, 2, [9; 32], [9; 32]);
    let e = refused(other_chain).await;
    assert!(e.contains("bad signature"), "{e}");
    let mut truncated = ok.clone();
    truncated.pop();
    assert!(refused(truncated).await.contains("invalid format"));
    let unborn = sign(&alice, &transfer(&bob, 1), Era::mortal(64, 40), 2, g, [3; 32]);
    assert!(refused(unborn).await.contains("outdated"));
    let mechanism = RuntimeCall::SubtensorModule(agora_substrate::pallets::subtensor::Call::set_mechanism_weights {
        netuid: 1,
        mecid: 3,
        dests: vec![0],
        weights: vec![1],
        version_key: 0,
    });
    assert!(refused(sign(&alice, &mechanism, Era::Immortal, 2, g, g)).await.contains("not expected"));
    let stranger = Pair::from_seed(&[66; 32]);
    let fee_less = refused(sign(&stranger, &transfer(&bob, 1), Era::Immortal, 0, g, g)).await;
    assert!(fee_less.contains("Inability to pay some fees"), "{fee_less}");
    assert!(refused(vec![0x12; 10]).await.contains("invalid format"));

    // Block 1 carries both, verbatim; another node verifies it (era and signature included).
    let block = chain.propose(&chain.genesis_block(), [9; 32], 1_000).unwrap();
    assert_eq!(block.transactions.len(), 2);
    peer.verify(&block, &peer.genesis_block(), None).unwrap();
    let decoded = agora_node::block::Block::decode(&block.encode()).unwrap();
    assert_eq!(decoded, *block, "the two envelopes round-trip");
    chain.finalize(&block, 1_500).unwrap();
    peer.finalize(&block, 1_500).unwrap();
    let hash = hex(&block.hash());
    let served = call("chain_getBlock", json!([hash])).await.unwrap();
    let extrinsics = served["block"]["extrinsics"].as_array().unwrap().clone();
    assert_eq!(extrinsics.len(), 3, "the timestamp inherent, then the two");
    assert_eq!(extrinsics[1], json!(hex(&ok)));
    assert_eq!(extrinsics[2], json!(hex(&too_much)));

    // System.Events at that block: success for the first, the reference error for the second.
    let records = events(&call("state_getStorage", json!([hex(&events_key()), hash])).await.unwrap());
    let of = |i: u32| records.iter().filter(move |r| r.phase == Phase::ApplyExtrinsic(i)).map(|r| &r.event);
    assert!(of(1).any(|e| matches!(e, RuntimeEvent::Balances(balances::Event::Transfer { amount: 7_000, .. }))));
    let fee = agora_substrate::pallets::transaction_payment::Event::TransactionFeePaid {
        who: AccountId32(alice.public().0),
        actual_fee: 1_000,
        tip: 0,
    };
    assert!(of(1).any(|e| *e == RuntimeEvent::TransactionPayment(fee.clone())));
    assert!(matches!(of(1).next_back(), Some(RuntimeEvent::System(system::Event::ExtrinsicSuccess { .. }))));
    match of(2).next_back() {
        Some(RuntimeEvent::System(system::Event::ExtrinsicFailed { dispatch_error, .. })) => {
            let expected = agora_substrate::errors::dispatch_error(agora_runtime::DispatchError::InsufficientBalance);
            assert_eq!(*dispatch_error, expected);
            assert!(matches!(dispatch_error, DispatchError::Module(m) if m.index == 5 && m.error[0] == 2));
        }
        other => panic!("expected ExtrinsicFailed, got {other:?}"),
    }
    // The same through queryStorageAt, and at the head.
    let queried = call("state_queryStorageAt", json!([[hex(&events_key())], null])).await.unwrap();
    assert_eq!(events(&queried[0]["changes"][0][1]), records);
    // Replaying a landed extrinsic: its nonce is spent.
    assert!(refused(ok).await.contains("outdated"));
}

#[test]
fn verifiers_check_extrinsics_against_the_blocks_own_ancestry() {
    use agora_node::block::{Block, Envelope, Extrinsic, Header, tx_root};
    let alice = Pair::from_seed(&[1; 32]);
    let bob = Pair::from_seed(&[2; 32]);
    let mut config = GenesisConfig::new("substrate-verify");
    config.balances.insert(alice.public(), Balance::from_tao(100).unwrap());
    let genesis = config.build().unwrap();
    let (chain, peer) = (open(&genesis), open(&genesis));
    let g = chain.genesis_block().hash();

    // Block 1 is verified by the peer but not final there when block 2 arrives; block 2 carries
    // an extrinsic born at block 1, so its birth hash comes from the pending branch.
    let one = chain.propose(&chain.genesis_block(), [9; 32], 1_000).unwrap();
    peer.verify(&one, &peer.genesis_block(), None).unwrap();
    chain.finalize(&one, 1_100).unwrap();
    let born_at_one = sign(&alice, &transfer(&bob, 1_000), Era::mortal(8, 1), 0, g, one.hash());
    chain.submit(Envelope::Substrate(Extrinsic::decode(born_at_one.clone()).unwrap())).unwrap();
    let two = chain.propose(&one, [9; 32], 2_000).unwrap();
    assert_eq!(two.transactions.len(), 1);
    peer.verify(&two, &one, None).expect("the birth block is on the verified branch");

    // A block whose extrinsic is signed for another birth block is refused, and so is one
    // whose era has not started: the proposer cannot make the others accept either.
    let forge = |xt: Vec<u8>| {
        let transactions = vec![Envelope::Substrate(Extrinsic::decode(xt).unwrap())];
        let header = Header { tx_root: tx_root(&transactions), ..two.header.clone() };
        Block { header, transactions }
    };
    let wrong_birth = forge(sign(&alice, &transfer(&bob, 1_000), Era::mortal(8, 1), 0, g, [5; 32]));
    let refused = peer.verify(&wrong_birth, &one, None).unwrap_err().to_string();
    assert!(refused.contains("bad signature"), "{refused}");
    let unborn = forge(sign(&alice, &transfer(&bob, 1_000), Era::mortal(8, 5), 0, g, g));
    assert!(peer.verify(&unborn, &one, None).unwrap_err().to_string().contains("outdated"));

    // An extrinsic that expires in the pool leaves it, and its watchers hear why.
    let short = sign(&alice, &transfer(&bob, 1), Era::mortal(4, 1), 1, g, one.hash());
    let hash = chain.submit(Envelope::Substrate(Extrinsic::decode(short).unwrap())).unwrap();
    assert!(chain.in_mempool(&hash));
    let mut parent = (*one).clone();
    for h in 2..=4u64 {
        // Blocks from another proposer that leave it out (the peer's pool is empty).
        peer.finalize(&parent, h * 1_000).ok();
        let next = peer.propose(&parent, [8; 32], h * 1_000 + 500).unwrap();
        chain.verify(&next, &parent, None).unwrap();
        chain.finalize(&next, h * 1_000 + 600).unwrap();
        parent = (*next).clone();
    }
    assert!(!chain.in_mempool(&hash), "its era ended at block 4");
}
