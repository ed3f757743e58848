//! A damaged chain store (issue 16, point 4): reopening one either fails with a damage error
//! that names what and where, or serves exactly what was written; never other data, never a
//! panic. Chains are built by hand (no consensus) in a file store under the temp directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use agora_node::Block;
use agora_node::chain::{Chain, ChainConfig, ChainError, StoredReceipts};
use agora_primitives::{Balance, BlockNumber, Hash, Pair};
use agora_runtime::{Call, Genesis, GenesisConfig, SignedTransaction};
use agora_store::{BlockRecord, Damage, Head, Store, StoreError, TxLocation};
use parity_scale_codec::Encode;
use redb::{ReadableTable, TableDefinition};

const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");

fn genesis() -> Genesis {
    let mut config = GenesisConfig::new("store-damage");
    config.balances.insert(alice().public(), Balance::from_tao(1_000_000).unwrap());
    config.build().unwrap()
}

fn alice() -> Pair {
    Pair::from_seed(&[1; 32])
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("agora-store-damage-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn open(store: Store, genesis: &Genesis) -> Result<Chain, ChainError> {
    Chain::open(store, genesis, 0, [0; 32], ChainConfig::default())
}

/// What a chain served before any damage: every block, its receipts, every transaction's place.
struct Served {
    head: Head,
    blocks: Vec<Block>,
    receipts: Vec<Option<Vec<u8>>>,
    txs: Vec<(Hash, TxLocation)>,
}

fn served(chain: &Chain) -> Served {
    let head = chain.head();
    let mut out = Served { head, blocks: Vec::new(), receipts: Vec::new(), txs: Vec::new() };
    for height in 0..=head.height.get() {
        let block = chain.block_at(height).unwrap().unwrap();
        for tx in &block.transactions {
            out.txs.push((tx.hash(), chain.tx_location(&tx.hash()).unwrap().unwrap()));
        }
        out.blocks.push(block);
        out.receipts.push(chain.receipts_at(height).unwrap().map(|r| r.encode()));
    }
    out
}

/// Builds `heights` blocks of `txs` transfers each on `chain`, proposed by changing proposers.
fn extend(chain: &Chain, genesis: &Genesis, heights: u64, txs: u64) {
    let bob = Pair::from_seed(&[2; 32]).public();
    let start = chain.head().height.get();
    for height in start + 1..=start + heights {
        for n in 0..txs {
            let nonce = (height - 1) * txs + n;
            let call = Call::Transfer { dest: bob, amount: Balance(1_000 + nonce) };
            chain.submit(SignedTransaction::sign(&alice(), &genesis.genesis_hash, nonce, call)).unwrap();
        }
        let block = chain.propose(&chain.head_block(), [height as u8; 32], height * 1_000).unwrap();
        assert_eq!(block.transactions.len() as u64, txs);
        chain.finalize(&block, height * 1_000 + 500).unwrap().unwrap();
    }
}

/// A store file with a small chain, and what it serves.
fn build(dir: &Path, genesis: &Genesis) -> (PathBuf, Served) {
    let path = dir.join("chain.redb");
    let chain = open(Store::open(&path).unwrap(), genesis).unwrap();
    extend(&chain, genesis, 12, 3);
    let served = served(&chain);
    drop(chain);
    (path, served)
}

/// Reopens `path`: `Err` with the damage if it is refused; otherwise everything served must be
/// exactly `before` (or a read refuses with a damage error).
fn reopen(path: &Path, genesis: &Genesis, before: &Served) -> Result<(), StoreError> {
    let store = Store::open(path)?;
    let chain = match open(store, genesis) {
        Ok(chain) => chain,
        Err(ChainError::Store(e)) => return Err(e),
        Err(e) => panic!("a damaged store must fail with a store error, not {e}"),
    };
    assert_eq!(chain.head(), before.head, "an opened store must hold the same head");
    let check = |what: &str, result: Result<bool, ChainError>| match result {
        Ok(same) => assert!(same, "{what}: served data that differs from what was written"),
        Err(ChainError::Store(e)) if e.is_damage() => {}
        Err(e) => panic!("{what}: {e}"),
    };
    for (height, block) in before.blocks.iter().enumerate() {
        let h = height as u64;
        check("block_at", chain.block_at(h).map(|b| b.as_ref() == Some(block)));
        check("block_by_hash", chain.block_by_hash(&block.hash()).map(|b| b.as_ref() == Some(block)));
        check("hash_at", chain.hash_at(h).map(|b| b == Some(block.hash())));
        let receipts = chain.receipts_at(h).map(|r| r.map(|r| r.encode()) == before.receipts[height]);
        check("receipts_at", receipts);
    }
    for (hash, location) in &before.txs {
        check("tx_location", chain.tx_location(hash).map(|l| l == Some(*location)));
    }
    Ok(())
}

/// A deterministic generator (xorshift64*), so every run flips the same bytes.
struct Flips(u64);

impl Flips {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Flips `count` bytes of `bytes` at random places, each by a non-zero mask.
    fn apply(&mut self, bytes: &mut [u8], count: usize) {
        for _ in 0..count {
            let at = (self.next() % bytes.len() as u64) as usize;
            bytes[at] ^= (self.next() % 255 + 1) as u8;
        }
    }
}

/// `rounds` copies of the store, each with `flips` flipped bytes, reopened. Returns how many
/// were refused.
fn flip_rounds(name: &str, seed: u64, rounds: usize, flips: usize) -> usize {
    let dir = temp(name);
    let genesis = genesis();
    let (path, before) = build(&dir, &genesis);
    let original = std::fs::read(&path).unwrap();
    let mut rng = Flips(seed);
    let mut refused = 0;
    for round in 0..rounds {
        let mut bytes = original.clone();
        rng.apply(&mut bytes, flips);
        let copy = dir.join(format!("round-{round}.redb"));
        std::fs::write(&copy, &bytes).unwrap();
        match reopen(&copy, &genesis, &before) {
            Ok(()) => {}
            Err(e) => {
                assert!(e.is_damage(), "round {round}: refused, but not as damage: {e}");
                refused += 1;
            }
        }
        let _ = std::fs::remove_file(&copy);
    }
    println!("{name}: {} bytes, {rounds} rounds of {flips} flips, {refused} refused", original.len());
    let _ = std::fs::remove_dir_all(&dir);
    refused
}

#[test]
fn random_byte_flips_are_refused_or_harmless() {
    // The case: 30 rounds of 8 flips.
    let refused = flip_rounds("flips-8", 0x9e37_79b9_7f4a_7c15, 30, 8);
    assert!(refused > 0, "some of the flips land in live pages");
}

#[test]
fn heavy_damage_is_refused_without_a_panic() {
    // The 200 flips made redb panic.
    let refused = flip_rounds("flips-200", 0xd1b5_4a32_d192_ed03, 6, 200);
    assert_eq!(refused, 6, "200 flips always reach live pages");
}

/// Rewrites the block at `height` with redb directly (a valid write, so redb's page checksums
/// hold and only the store's own checks can see it).
fn rewrite_block(path: &Path, height: u64, edit: impl FnOnce(&mut Block)) {
    let db = redb::Database::create(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut blocks = txn.open_table(BLOCKS).unwrap();
        let mut block = Block::decode(blocks.get(height).unwrap().unwrap().value()).unwrap();
        edit(&mut block);
        blocks.insert(height, &block.encode()[..]).unwrap();
    }
    txn.commit().unwrap();
}

#[test]
fn a_block_with_another_proposer_is_refused_with_its_height() {
    let dir = temp("proposer");
    let genesis = genesis();
    let (path, before) = build(&dir, &genesis);
    rewrite_block(&path, 5, |block| block.header.proposer = [0xee; 32]);
    let err = reopen(&path, &genesis, &before).unwrap_err();
    assert!(matches!(err, StoreError::Damaged { height: BlockNumber(5), damage: Damage::HashIndex }), "{err:?}");
    assert!(err.to_string().contains("damaged at height 5"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_block_whose_transactions_differ_from_its_root_is_refused() {
    let dir = temp("tx-root");
    let genesis = genesis();
    let (path, before) = build(&dir, &genesis);
    rewrite_block(&path, 7, |block| {
        block.transactions.pop();
    });
    let err = reopen(&path, &genesis, &before).unwrap_err();
    match &err {
        StoreError::Damaged { height: BlockNumber(7), damage: Damage::BadBlock(reason) } => {
            assert!(reason.contains("transaction root"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reads_check_what_they_serve() {
    // Records committed through the store API that disagree with each other (what damage after
    // the open check would look like): every read of them is an error, never the wrong data.
    let genesis = genesis();
    let store = Store::in_memory();
    let chain = open(store.clone(), &genesis).unwrap();
    extend(&chain, &genesis, 2, 2);
    let honest = chain.block_at(2).unwrap().unwrap();
    let mut forged = honest.clone();
    forged.header.proposer = [0xee; 32];
    forged.header.height = 3;
    let tx_hashes: Vec<Hash> = honest.transactions.iter().map(|t| t.hash()).collect();
    let receipts = StoredReceipts { receipts: Vec::new(), events: Vec::new() }.encode();
    let snapshot_root = chain.head().state_root;
    store
        .commit_block(&BlockRecord {
            height: BlockNumber(3),
            block_hash: [0xab; 32],
            block_bytes: &forged.encode(),
            state_root: snapshot_root,
            changes: &Default::default(),
            tx_hashes: &[Hash([0xcd; 32])],
            receipts: &receipts,
        })
        .unwrap();
    let damage = |result: Result<_, ChainError>| match result {
        Err(ChainError::Store(StoreError::Damaged { height: BlockNumber(3), damage })) => damage,
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("served a damaged record"),
    };
    assert_eq!(damage(chain.block_at(3).map(|_| ())), Damage::HashIndex);
    assert_eq!(damage(chain.hash_at(3).map(|_| ())), Damage::HashIndex);
    assert_eq!(damage(chain.block_by_hash(&[0xab; 32]).map(|_| ())), Damage::HashIndex);
    assert_eq!(damage(chain.tx_location(&Hash([0xcd; 32])).map(|_| ())), Damage::TxIndex);
    // What is intact still reads.
    assert_eq!(chain.block_at(2).unwrap().unwrap(), honest);
    assert_eq!(chain.tx_location(&tx_hashes[1]).unwrap().unwrap().index, 1);
    drop(chain);
    // And the whole store is refused on the next open, at that height.
    let err = open(store, &genesis).unwrap_err();
    assert!(matches!(err, ChainError::Store(StoreError::Damaged { height: BlockNumber(3), .. })), "{err}");
}

#[test]
fn the_node_says_how_to_resync() {
    let dir = temp("node");
    let options = agora_node::localnet::InitOptions {
        validators: 1,
        followers: 0,
        dir: dir.clone(),
        base_port: 47_000,
        block_time_ms: 1_000,
        substrate_port: None,
        force: true,
        economy: Default::default(),
    };
    let nodes = agora_node::localnet::init(&options).unwrap();
    let config = agora_node::config::NodeConfig::load(&nodes[0].config).unwrap();
    let spec = agora_node::config::ChainSpec::load(&config.genesis).unwrap();
    {
        let chain: Arc<Chain> = agora_node::run::open_chain(&config, &spec).unwrap();
        for height in 1..=3u64 {
            let block = chain.propose(&chain.head_block(), [9; 32], height * 1_000).unwrap();
            chain.finalize(&block, height * 1_000).unwrap();
        }
    }
    let path = config.data_dir.join("chain.redb");
    rewrite_block(&path, 2, |block| block.header.proposer = [0xee; 32]);
    let message = agora_node::run::open_chain(&config, &spec).unwrap_err().to_string();
    let data = config.data_dir.display().to_string();
    assert!(message.contains(&format!("the store at {} is damaged", path.display())), "{message}");
    assert!(message.contains("damaged at height 2"), "{message}");
    assert!(message.contains("re-syncs every block from its peers"), "{message}");
    assert!(message.contains(&format!("mv {data} {data}.damaged")), "{message}");
    // Following the advice gives a node that opens (at genesis, to re-sync).
    std::fs::rename(&config.data_dir, format!("{data}.damaged")).unwrap();
    let chain = agora_node::run::open_chain(&config, &spec).unwrap();
    assert_eq!(chain.head().height, BlockNumber(0));
    drop(chain);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The cost of opening a long chain (all checks): run with
/// `cargo test --offline -p agora-node --test store_damage -- --ignored --nocapture verification_cost`.
#[test]
#[ignore = "a measurement, not a check"]
fn verification_cost() {
    let dir = temp("cost");
    let genesis = genesis();
    let path = dir.join("chain.redb");
    let chain = open(Store::open(&path).unwrap(), &genesis).unwrap();
    extend(&chain, &genesis, 10_000, 10);
    drop(chain);
    let size = std::fs::metadata(&path).unwrap().len();
    let started = std::time::Instant::now();
    let store = Store::open(&path).unwrap();
    let redb = started.elapsed();
    let started = std::time::Instant::now();
    store.verify().unwrap();
    let state = started.elapsed();
    let started = std::time::Instant::now();
    drop(open(store, &genesis).unwrap());
    let chain = started.elapsed();
    println!(
        "10,000 blocks x 10 transfers, {} MiB: redb open with page checksums {redb:?}, state root {state:?}, \
         Chain::open (state root again, then blocks, receipts and indexes) {chain:?}",
        size >> 20,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
