//! `Store::verify_chain` and checked reads: a chain in a file, one record rewritten behind the
//! store's back (as damage that redb's page checksums cannot see: a valid redb write), reopened.
//!
//! Blocks here use a toy format (height, parent, transaction hashes; hash = blake2b-256 of all
//! of it); the node's own format is tested in `crates/node/tests/store_damage.rs`.

use std::path::{Path, PathBuf};

use agora_primitives::{BlockNumber, Hash, blake2_256};
use agora_runtime::GenesisConfig;
use agora_runtime::storage::ChangeSet;
use agora_store::{BlockFacts, BlockRecord, Damage, RecordFormat, Store, StoreError, TxLocation};
use parity_scale_codec::Encode;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const BLOCK_HEIGHTS: TableDefinition<&[u8], u64> = TableDefinition::new("block_heights");
const TXS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("txs");
const RECEIPTS: TableDefinition<u64, &[u8]> = TableDefinition::new("receipts");
const RECEIPT_HASHES: TableDefinition<u64, &[u8]> = TableDefinition::new("receipt_hashes");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

const HEIGHT: u64 = 6;

struct Toy;

fn toy_block(height: u64, parent: [u8; 32], txs: &[Hash]) -> Vec<u8> {
    let mut out = height.to_be_bytes().to_vec();
    out.extend_from_slice(&parent);
    for tx in txs {
        out.extend_from_slice(&tx.0);
    }
    out
}

fn hashes(bytes: &[u8]) -> Result<Vec<Hash>, String> {
    if !bytes.len().is_multiple_of(32) {
        return Err("not a list of hashes".into());
    }
    Ok(bytes.chunks(32).map(|c| Hash(c.try_into().unwrap())).collect())
}

impl RecordFormat for Toy {
    fn block(&self, bytes: &[u8]) -> Result<BlockFacts, String> {
        if bytes.len() < 40 {
            return Err("truncated".into());
        }
        Ok(BlockFacts {
            height: BlockNumber(u64::from_be_bytes(bytes[..8].try_into().unwrap())),
            hash: blake2_256(bytes).0,
            parent: bytes[8..40].try_into().unwrap(),
            tx_hashes: hashes(&bytes[40..])?,
        })
    }

    fn receipts(&self, bytes: &[u8]) -> Result<Vec<Hash>, String> {
        hashes(bytes)
    }
}

fn tx(height: u64, index: u8) -> Hash {
    Hash(blake2_256(&[&height.to_be_bytes()[..], &[index]].concat()).0)
}

/// A file store holding genesis and `HEIGHT` toy blocks of two transactions each (the
/// receipts are the transactions' hashes); returns its path and the block hashes by height.
fn chain(name: &str) -> (PathBuf, Vec<[u8; 32]>) {
    let dir = std::env::temp_dir().join(format!("agora-store-verify-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("chain.redb");
    let store = Store::open(&path).unwrap();
    let genesis = GenesisConfig::new("verify-test").build().unwrap();
    let block = toy_block(0, [7; 32], &[]);
    let mut hashes = vec![blake2_256(&block).0];
    store.init_genesis(&genesis, hashes[0], &block).unwrap();
    for height in 1..=HEIGHT {
        let txs = [tx(height, 0), tx(height, 1)];
        let block = toy_block(height, hashes[height as usize - 1], &txs);
        let receipts: Vec<u8> = txs.iter().flat_map(|t| t.0).collect();
        hashes.push(blake2_256(&block).0);
        store
            .commit_block(&BlockRecord {
                height: BlockNumber(height),
                block_hash: hashes[height as usize],
                block_bytes: &block,
                state_root: genesis.state_root,
                changes: &ChangeSet::default(),
                tx_hashes: &txs,
                receipts: &receipts,
            })
            .unwrap();
    }
    (path, hashes)
}

/// Rewrites records with redb directly (a valid write: the page checksums stay right).
fn tamper(path: &Path, edit: impl FnOnce(&redb::WriteTransaction)) {
    let db = redb::Database::create(path).unwrap();
    let txn = db.begin_write().unwrap();
    edit(&txn);
    txn.commit().unwrap();
}

fn verify(path: &Path) -> Result<agora_store::Head, StoreError> {
    let store = Store::open(path)?;
    store.verify_chain(&Toy, &mut |_, _| {})
}

fn damaged_at(result: Result<agora_store::Head, StoreError>, height: u64, damage: Damage) {
    match result {
        Err(StoreError::Damaged { height: at, damage: found }) => {
            assert_eq!((at, found), (BlockNumber(height), damage));
        }
        other => panic!("expected damage at {height}, got {other:?}"),
    }
}

#[test]
fn an_intact_chain_verifies() {
    let (path, hashes) = chain("intact");
    let head = verify(&path).unwrap();
    assert_eq!(head.height, BlockNumber(HEIGHT));
    assert_eq!(head.block_hash, hashes[HEIGHT as usize]);
    // Reads of receipts are checked and pass.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.receipts(BlockNumber(2)).unwrap().unwrap().len(), 64);
}

#[test]
fn a_rewritten_block_is_refused_with_its_height() {
    let (path, hashes) = chain("block");
    tamper(&path, |txn| {
        // Another parent: the block still decodes, but no longer links.
        let txs = [tx(3, 0), tx(3, 1)];
        txn.open_table(BLOCKS).unwrap().insert(3, &toy_block(3, [9; 32], &txs)[..]).unwrap();
    });
    damaged_at(verify(&path), 3, Damage::ParentMismatch);
    let (path, _) = chain("block-height");
    tamper(&path, |txn| {
        txn.open_table(BLOCKS).unwrap().insert(4, &toy_block(5, hashes[3], &[])[..]).unwrap();
    });
    damaged_at(verify(&path), 4, Damage::WrongHeight(BlockNumber(5)));
    let (path, _) = chain("block-garbage");
    tamper(&path, |txn| {
        txn.open_table(BLOCKS).unwrap().insert(2, &b"garbage"[..]).unwrap();
    });
    damaged_at(verify(&path), 2, Damage::BadBlock("truncated".into()));
}

#[test]
fn missing_and_extra_records_are_refused() {
    let (path, _) = chain("missing-block");
    tamper(&path, |txn| {
        txn.open_table(BLOCKS).unwrap().remove(HEIGHT).unwrap();
    });
    damaged_at(verify(&path), HEIGHT, Damage::BlockMissing);
    let (path, hashes) = chain("above-head");
    tamper(&path, |txn| {
        let block = toy_block(HEIGHT + 1, hashes[HEIGHT as usize], &[]);
        txn.open_table(BLOCKS).unwrap().insert(HEIGHT + 1, &block[..]).unwrap();
    });
    damaged_at(verify(&path), HEIGHT + 1, Damage::AboveHead);
    let (path, _) = chain("receipts-above-head");
    tamper(&path, |txn| {
        txn.open_table(RECEIPTS).unwrap().insert(HEIGHT + 2, &[][..]).unwrap();
    });
    damaged_at(verify(&path), HEIGHT + 2, Damage::AboveHead);
}

#[test]
fn the_hash_index_must_match_the_blocks() {
    let (path, hashes) = chain("hash-missing");
    tamper(&path, |txn| {
        txn.open_table(BLOCK_HEIGHTS).unwrap().remove(&hashes[2][..]).unwrap();
    });
    damaged_at(verify(&path), 2, Damage::HashIndex);
    let (path, hashes) = chain("hash-wrong");
    tamper(&path, |txn| {
        txn.open_table(BLOCK_HEIGHTS).unwrap().insert(&hashes[2][..], 3).unwrap();
    });
    damaged_at(verify(&path), 2, Damage::HashIndex);
    let (path, _) = chain("hash-stray");
    tamper(&path, |txn| {
        txn.open_table(BLOCK_HEIGHTS).unwrap().insert(&[5; 32][..], 4).unwrap();
    });
    damaged_at(verify(&path), 4, Damage::HashIndex);
}

#[test]
fn the_transaction_index_must_match_the_blocks() {
    let (path, _) = chain("tx-moved");
    tamper(&path, |txn| {
        let elsewhere = TxLocation { height: BlockNumber(1), index: 0 };
        txn.open_table(TXS).unwrap().insert(&tx(4, 1).0[..], &elsewhere.encode()[..]).unwrap();
    });
    damaged_at(verify(&path), 4, Damage::TxIndex);
    let (path, _) = chain("tx-later");
    tamper(&path, |txn| {
        // Points further on, where another transaction is: caught as a stray by the count.
        let later = TxLocation { height: BlockNumber(5), index: 0 };
        txn.open_table(TXS).unwrap().insert(&tx(2, 0).0[..], &later.encode()[..]).unwrap();
    });
    damaged_at(verify(&path), 5, Damage::TxIndex);
    let (path, _) = chain("tx-stray");
    tamper(&path, |txn| {
        let location = TxLocation { height: BlockNumber(3), index: 1 };
        txn.open_table(TXS).unwrap().insert(&[1; 32][..], &location.encode()[..]).unwrap();
    });
    damaged_at(verify(&path), 3, Damage::TxIndex);
    let (path, _) = chain("tx-missing");
    tamper(&path, |txn| {
        txn.open_table(TXS).unwrap().remove(&tx(6, 1).0[..]).unwrap();
    });
    damaged_at(verify(&path), 6, Damage::TxIndex);
}

#[test]
fn receipts_are_checked_on_open_and_on_read() {
    let (path, _) = chain("receipts-changed");
    tamper(&path, |txn| {
        let mut bytes = txn.open_table(RECEIPTS).unwrap().get(3).unwrap().unwrap().value().to_vec();
        bytes[5] ^= 1;
        txn.open_table(RECEIPTS).unwrap().insert(3, &bytes[..]).unwrap();
    });
    damaged_at(verify(&path), 3, Damage::ReceiptsHash);
    let store = Store::open(&path).unwrap();
    assert!(matches!(
        store.receipts(BlockNumber(3)),
        Err(StoreError::Damaged { height: BlockNumber(3), damage: Damage::ReceiptsHash })
    ));
    assert!(store.receipts(BlockNumber(2)).unwrap().is_some(), "other heights still read");
    drop(store);

    let (path, _) = chain("receipts-hash-missing");
    tamper(&path, |txn| {
        txn.open_table(RECEIPT_HASHES).unwrap().remove(2).unwrap();
    });
    damaged_at(verify(&path), 2, Damage::ReceiptsMissing);
    let store = Store::open(&path).unwrap();
    assert!(matches!(store.receipts(BlockNumber(2)), Err(StoreError::Damaged { damage: Damage::ReceiptsMissing, .. })));
    drop(store);

    let (path, _) = chain("receipts-other");
    tamper(&path, |txn| {
        // Consistent with their hash, but not the block's transactions.
        let other: Vec<u8> = [tx(9, 0), tx(9, 1)].iter().flat_map(|t| t.0).collect();
        txn.open_table(RECEIPTS).unwrap().insert(4, &other[..]).unwrap();
        txn.open_table(RECEIPT_HASHES).unwrap().insert(4, &blake2_256(&other).0[..]).unwrap();
    });
    damaged_at(verify(&path), 4, Damage::ReceiptsMismatch);
}

#[test]
fn a_store_from_before_receipt_hashes_is_migrated_once() {
    let (path, _) = chain("legacy");
    tamper(&path, |txn| {
        txn.delete_table(RECEIPT_HASHES).unwrap();
        txn.open_table(META).unwrap().remove("format").unwrap();
    });
    assert_eq!(verify(&path).unwrap().height, BlockNumber(HEIGHT));
    let db = redb::Database::create(&path).unwrap();
    let txn = db.begin_read().unwrap();
    assert_eq!(txn.open_table(RECEIPT_HASHES).unwrap().iter().unwrap().count() as u64, HEIGHT);
    drop(txn);
    drop(db);
    tamper(&path, |txn| {
        txn.open_table(META).unwrap().insert("format", &99u32.encode()[..]).unwrap();
    });
    assert!(matches!(verify(&path), Err(StoreError::UnknownFormat { found: 99, supported: 1 })));
}

#[test]
fn a_damaged_page_fails_the_open_without_a_panic() {
    let (path, _) = chain("page");
    let mut bytes = std::fs::read(&path).unwrap();
    // Flip every byte of the file after the header: whatever redb finds, it must not panic.
    for b in &mut bytes[4096..] {
        *b ^= 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = verify(&path).unwrap_err();
    assert!(err.is_damage(), "{err}");
}
