//! The chain store: genesis, atomic commits, reopening, root checks, bad input.

use agora_primitives::{Balance, BlockNumber, Pair};
use agora_runtime::storage::StorageRead;
use agora_runtime::{BlockInput, GenesisConfig, SignedTransaction, execute_block, query};
use agora_store::{BlockRecord, Store, StoreError};

fn genesis() -> (agora_runtime::Genesis, Pair) {
    let alice = Pair::from_seed(&[1; 32]);
    let mut config = GenesisConfig::new("store-test");
    config.balances.insert(alice.public(), Balance::from_tao(100).unwrap());
    (config.build().unwrap(), alice)
}

fn transfer_block(
    store: &Store,
    alice: &Pair,
    height: u64,
    nonce: u64,
) -> (agora_runtime::BlockOutcome, Vec<SignedTransaction>) {
    let snapshot = store.snapshot().unwrap();
    let genesis_hash = agora_runtime::genesis_hash(&snapshot).unwrap();
    let bob = Pair::from_seed(&[2; 32]).public();
    let call = agora_runtime::Call::Transfer { dest: bob, amount: Balance::from_tao(1).unwrap() };
    let txs = vec![SignedTransaction::sign(alice, &genesis_hash, nonce, call)];
    let runs: Vec<agora_runtime::Transaction> = txs.iter().cloned().map(Into::into).collect();
    let input =
        BlockInput { height: BlockNumber(height), timestamp_ms: height * 1000, author: None, transactions: &runs };
    (execute_block(&snapshot, &input).unwrap(), txs)
}

fn commit(store: &Store, alice: &Pair, height: u64) {
    let (outcome, txs) = transfer_block(store, alice, height, height - 1);
    let hashes: Vec<_> = txs.iter().map(|t| t.hash()).collect();
    store
        .commit_block(&BlockRecord {
            height: BlockNumber(height),
            block_hash: [height as u8; 32],
            block_bytes: b"block",
            state_root: outcome.state_root,
            changes: &outcome.changes,
            tx_hashes: &hashes,
            receipts: b"receipts",
        })
        .unwrap();
}

#[test]
fn genesis_then_blocks_then_reopen() {
    let dir = std::env::temp_dir().join(format!("agora-store-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("chain.redb");
    let (genesis, alice) = genesis();
    {
        let store = Store::open(&path).unwrap();
        let head = store.init_genesis(&genesis, [0; 32], b"genesis").unwrap();
        assert_eq!(head.height, BlockNumber(0));
        assert_eq!(head.state_root, genesis.state_root);
        for h in 1..=3 {
            commit(&store, &alice, h);
        }
        assert_eq!(store.head().unwrap().unwrap().height, BlockNumber(3));
    }
    let store = Store::open(&path).unwrap();
    // Reopening with the same genesis keeps the chain.
    let head = store.init_genesis(&genesis, [0; 32], b"genesis").unwrap();
    assert_eq!(head.height, BlockNumber(3));
    assert_eq!(store.verify().unwrap(), head);
    let snapshot = store.snapshot().unwrap();
    assert_eq!(query::balance(&snapshot, &Pair::from_seed(&[2; 32]).public()), Balance::from_tao(3).unwrap());
    assert_eq!(store.block(BlockNumber(2)).unwrap().as_deref(), Some(&b"block"[..]));
    assert_eq!(store.height_of(&[3; 32]).unwrap(), Some(BlockNumber(3)));
    assert!(store.receipts(BlockNumber(3)).unwrap().is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn out_of_order_commit_is_refused_and_changes_nothing() {
    let store = Store::in_memory();
    let (genesis, alice) = genesis();
    store.init_genesis(&genesis, [0; 32], b"genesis").unwrap();
    let (outcome, _) = transfer_block(&store, &alice, 1, 0);
    let err = store
        .commit_block(&BlockRecord {
            height: BlockNumber(2),
            block_hash: [2; 32],
            block_bytes: b"",
            state_root: outcome.state_root,
            changes: &outcome.changes,
            tx_hashes: &[],
            receipts: b"",
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::OutOfOrder { head: BlockNumber(0), got: BlockNumber(2) }), "{err}");
    assert_eq!(store.head().unwrap().unwrap().height, BlockNumber(0));
    assert_eq!(store.verify().unwrap().state_root, genesis.state_root);
}

#[test]
fn another_chains_genesis_is_refused() {
    let store = Store::in_memory();
    let (genesis, _) = genesis();
    store.init_genesis(&genesis, [0; 32], b"genesis").unwrap();
    let other = GenesisConfig::new("another-chain").build().unwrap();
    let err = store.init_genesis(&other, [0; 32], b"genesis").unwrap_err();
    assert!(matches!(err, StoreError::GenesisMismatch { .. }));
    assert!(err.to_string().contains("--data-dir"));
}

#[test]
fn snapshot_scans_in_key_order() {
    let store = Store::in_memory();
    let (genesis, _) = genesis();
    store.init_genesis(&genesis, [0; 32], b"genesis").unwrap();
    let memory = genesis.clone().into_memory();
    let snapshot = store.snapshot().unwrap();
    for prefix in [&b""[..], b"\0", b"b", b"\xff"] {
        assert_eq!(snapshot.scan_prefix(prefix), memory.scan_prefix(prefix), "prefix {prefix:?}");
    }
}
