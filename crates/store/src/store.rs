//! [`Store`]: the redb database behind a node.

use std::path::Path;
use std::sync::Arc;

use agora_primitives::{BlockNumber, Hash, blake2_256};
use agora_runtime::Genesis;
use agora_runtime::storage::{ChangeSet, StorageRead, compute_state_root_from_scratch};
use parity_scale_codec::{Decode, Encode};
use redb::{Database, ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition};

use crate::{Damage, StoreError};

/// Runtime state: key → value, exactly the runtime's storage layout.
const STATE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state");
/// Bookkeeping: `head`, `genesis`, `format`.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Finalised blocks by height (the node's block encoding).
pub(crate) const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// Block hash → height.
pub(crate) const BLOCK_HEIGHTS: TableDefinition<&[u8], u64> = TableDefinition::new("block_heights");
/// Transaction hash → SCALE([`TxLocation`]).
pub(crate) const TXS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("txs");
/// Receipts and events of each block, by height (SCALE, written by the node).
pub(crate) const RECEIPTS: TableDefinition<u64, &[u8]> = TableDefinition::new("receipts");
/// blake2b-256 of each height's [`RECEIPTS`] record. No block header commits to receipts, so
/// this is what a read of them is checked against.
pub(crate) const RECEIPT_HASHES: TableDefinition<u64, &[u8]> = TableDefinition::new("receipt_hashes");

const HEAD_KEY: &str = "head";
const GENESIS_KEY: &str = "genesis";
/// SCALE(u32): the layout of the tables. Absent in stores written before [`RECEIPT_HASHES`]
/// existed; opening one hashes its receipts as they are and records the format.
const FORMAT_KEY: &str = "format";
/// The format this build writes and reads.
pub const FORMAT: u32 = 1;

/// The last committed block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Head {
    /// Its height (0 = genesis).
    pub height: BlockNumber,
    /// Its hash (the consensus digest of the block).
    pub block_hash: [u8; 32],
    /// The state root after it.
    pub state_root: Hash,
}

/// Where a transaction was finalised. Orders by height, then position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Encode, Decode)]
pub struct TxLocation {
    /// Block height.
    pub height: BlockNumber,
    /// Position in the block.
    pub index: u32,
}

/// One finalised block to commit.
pub struct BlockRecord<'a> {
    /// Its height: the head's plus one.
    pub height: BlockNumber,
    /// Its hash.
    pub block_hash: [u8; 32],
    /// Its encoding, served back by [`Store::block`].
    pub block_bytes: &'a [u8],
    /// State root after it (checked by the caller against the block header).
    pub state_root: Hash,
    /// The runtime's writes.
    pub changes: &'a ChangeSet,
    /// Hashes of its transactions, in order.
    pub tx_hashes: &'a [Hash],
    /// Its receipts and events, encoded by the caller.
    pub receipts: &'a [u8],
}

/// The chain store. Cheap to clone (one shared database).
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Arc<Database>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the database file at `path`.
    ///
    /// redb checks the checksum of every page of the committed trees first (its integrity check
    /// on open), so a file altered since it was written fails here with
    /// [`StoreError::DamagedFile`] rather than being trusted. What the pages hold is checked by
    /// [`Store::verify`] and [`Store::verify_chain`].
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Database(format!("cannot create {}: {e}", dir.display())))?;
        }
        guarded("opening the database", || {
            let db = Database::builder().set_check_integrity_on_open(true).create(path)?;
            Self::with_tables(db)
        })
    }

    /// A store held in memory (simulation tests); same semantics, nothing on disk.
    pub fn in_memory() -> Store {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .expect("an in-memory database always opens");
        Self::with_tables(db).expect("an in-memory database always initialises")
    }

    fn with_tables(db: Database) -> Result<Store, StoreError> {
        let txn = begin_write(&db)?;
        {
            txn.open_table(STATE)?;
            txn.open_table(BLOCKS)?;
            txn.open_table(BLOCK_HEIGHTS)?;
            txn.open_table(TXS)?;
            let mut meta = txn.open_table(META)?;
            let receipts = txn.open_table(RECEIPTS)?;
            let mut hashes = txn.open_table(RECEIPT_HASHES)?;
            let format = match meta.get(FORMAT_KEY)? {
                None => None,
                Some(v) => Some(u32::decode(&mut v.value()).map_err(|_| StoreError::Corrupt("store format"))?),
            };
            match format {
                Some(FORMAT) => {}
                Some(found) => return Err(StoreError::UnknownFormat { found, supported: FORMAT }),
                None => {
                    // New, or written before receipts were hashed: hash them as they are (they
                    // were never checked before, and from now on they are).
                    for entry in receipts.iter()? {
                        let (height, bytes) = entry?;
                        hashes.insert(height.value(), &blake2_256(bytes.value()).0[..])?;
                    }
                    meta.insert(FORMAT_KEY, &FORMAT.encode()[..])?;
                }
            }
        }
        txn.commit()?;
        Ok(Store { db: Arc::new(db) })
    }

    /// Writes `genesis` and the genesis block if the store is empty; otherwise checks that the
    /// store belongs to this genesis. Returns the committed head either way.
    pub fn init_genesis(
        &self,
        genesis: &Genesis,
        block_hash: [u8; 32],
        block_bytes: &[u8],
    ) -> Result<Head, StoreError> {
        if let Some(stored) = self.genesis_hash()? {
            if stored != genesis.genesis_hash {
                return Err(StoreError::GenesisMismatch { stored, expected: genesis.genesis_hash });
            }
            return self.head()?.ok_or(StoreError::Corrupt("genesis without head"));
        }
        guarded("writing genesis", || {
            let head = Head { height: BlockNumber::GENESIS, block_hash, state_root: genesis.state_root };
            let txn = begin_write(&self.db)?;
            {
                let mut state = txn.open_table(STATE)?;
                write_changes(&mut state, &genesis.changes)?;
                let mut blocks = txn.open_table(BLOCKS)?;
                blocks.insert(0, block_bytes)?;
                let mut heights = txn.open_table(BLOCK_HEIGHTS)?;
                heights.insert(&block_hash[..], 0)?;
                let mut meta = txn.open_table(META)?;
                meta.insert(GENESIS_KEY, &genesis.genesis_hash.encode()[..])?;
                meta.insert(HEAD_KEY, &head.encode()[..])?;
            }
            txn.commit()?;
            Ok(head)
        })
    }

    /// The genesis hash of the chain stored here, if any.
    pub fn genesis_hash(&self) -> Result<Option<Hash>, StoreError> {
        guarded("reading the genesis hash", || {
            let txn = self.db.begin_read()?;
            let meta = txn.open_table(META)?;
            match meta.get(GENESIS_KEY)? {
                None => Ok(None),
                Some(v) => Hash::decode(&mut v.value()).map(Some).map_err(|_| StoreError::Corrupt("genesis hash")),
            }
        })
    }

    /// The last committed block, if the store holds a chain.
    pub fn head(&self) -> Result<Option<Head>, StoreError> {
        guarded("reading the head", || read_head(&self.db.begin_read()?))
    }

    /// Recomputes the state root from every stored entry and compares it with the head's.
    pub fn verify(&self) -> Result<Head, StoreError> {
        guarded("verifying the state", || {
            let snapshot = self.snapshot()?;
            let head = snapshot.head.ok_or(StoreError::Empty)?;
            let actual = compute_state_root_from_scratch(&snapshot);
            if actual != head.state_root {
                return Err(StoreError::StateRootMismatch { height: head.height, expected: head.state_root, actual });
            }
            Ok(head)
        })
    }

    /// Commits one finalised block atomically (state, block, index, receipts and their hash,
    /// head).
    pub fn commit_block(&self, record: &BlockRecord<'_>) -> Result<Head, StoreError> {
        guarded("committing a block", || self.commit_block_inner(record))
    }

    fn commit_block_inner(&self, record: &BlockRecord<'_>) -> Result<Head, StoreError> {
        let txn = begin_write(&self.db)?;
        let head = {
            let mut meta = txn.open_table(META)?;
            let current = match meta.get(HEAD_KEY)? {
                None => return Err(StoreError::Empty),
                Some(v) => Head::decode(&mut v.value()).map_err(|_| StoreError::Corrupt("head"))?,
            };
            if record.height != current.height.next() {
                return Err(StoreError::OutOfOrder { head: current.height, got: record.height });
            }
            let head = Head { height: record.height, block_hash: record.block_hash, state_root: record.state_root };
            meta.insert(HEAD_KEY, &head.encode()[..])?;
            head
        };
        {
            let mut state = txn.open_table(STATE)?;
            write_changes(&mut state, record.changes)?;
            let mut blocks = txn.open_table(BLOCKS)?;
            blocks.insert(record.height.get(), record.block_bytes)?;
            let mut heights = txn.open_table(BLOCK_HEIGHTS)?;
            heights.insert(&record.block_hash[..], record.height.get())?;
            let mut txs = txn.open_table(TXS)?;
            for (index, hash) in record.tx_hashes.iter().enumerate() {
                let location = TxLocation { height: record.height, index: index as u32 };
                txs.insert(&hash.0[..], &location.encode()[..])?;
            }
            let mut receipts = txn.open_table(RECEIPTS)?;
            receipts.insert(record.height.get(), record.receipts)?;
            let mut hashes = txn.open_table(RECEIPT_HASHES)?;
            hashes.insert(record.height.get(), &blake2_256(record.receipts).0[..])?;
        }
        txn.commit()?;
        Ok(head)
    }

    /// A consistent read view of the committed state.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        guarded("opening a snapshot", || {
            let txn = self.db.begin_read()?;
            let head = read_head(&txn)?;
            let state = txn.open_table(STATE)?;
            Ok(Snapshot { state, head })
        })
    }

    /// The encoded block at `height`, as stored. The store cannot decode it: the node checks it
    /// against [`Store::height_of`] before serving it.
    pub fn block(&self, height: BlockNumber) -> Result<Option<Vec<u8>>, StoreError> {
        guarded("reading a block", || {
            let txn = self.db.begin_read()?;
            let blocks = txn.open_table(BLOCKS)?;
            Ok(blocks.get(height.get())?.map(|v| v.value().to_vec()))
        })
    }

    /// The first `len` bytes of the encoded block at `height` (its header), without copying
    /// the rest.
    pub fn block_prefix(&self, height: BlockNumber, len: usize) -> Result<Option<Vec<u8>>, StoreError> {
        guarded("reading a block header", || {
            let txn = self.db.begin_read()?;
            let blocks = txn.open_table(BLOCKS)?;
            Ok(blocks.get(height.get())?.map(|v| v.value()[..len.min(v.value().len())].to_vec()))
        })
    }

    /// The height of the block with hash `hash`.
    pub fn height_of(&self, hash: &[u8; 32]) -> Result<Option<BlockNumber>, StoreError> {
        guarded("reading the block hash index", || {
            let txn = self.db.begin_read()?;
            let heights = txn.open_table(BLOCK_HEIGHTS)?;
            Ok(heights.get(&hash[..])?.map(|v| BlockNumber(v.value())))
        })
    }

    /// Where transaction `hash` was finalised, as the index says (the node checks it against
    /// the receipts stored there before serving it).
    pub fn tx_location(&self, hash: &Hash) -> Result<Option<TxLocation>, StoreError> {
        guarded("reading the transaction index", || {
            let txn = self.db.begin_read()?;
            let txs = txn.open_table(TXS)?;
            match txs.get(&hash.0[..])? {
                None => Ok(None),
                Some(v) => TxLocation::decode(&mut v.value()).map(Some).map_err(|_| StoreError::Corrupt("tx location")),
            }
        })
    }

    /// The receipts and events stored with the block at `height`, checked against the hash
    /// stored with them: receipts that do not match are [`Damage::ReceiptsHash`], never served.
    pub fn receipts(&self, height: BlockNumber) -> Result<Option<Vec<u8>>, StoreError> {
        guarded("reading receipts", || {
            let txn = self.db.begin_read()?;
            let receipts = txn.open_table(RECEIPTS)?;
            let hashes = txn.open_table(RECEIPT_HASHES)?;
            let damaged = |damage| StoreError::Damaged { height, damage };
            match (receipts.get(height.get())?, hashes.get(height.get())?) {
                (None, None) => Ok(None),
                (Some(bytes), Some(hash)) => {
                    if blake2_256(bytes.value()).0[..] != *hash.value() {
                        return Err(damaged(Damage::ReceiptsHash));
                    }
                    Ok(Some(bytes.value().to_vec()))
                }
                _ => Err(damaged(Damage::ReceiptsMissing)),
            }
        })
    }
}

/// A write transaction that commits in two phases: a commit whose pages are damaged later is
/// then reported by the integrity check on open instead of being silently rolled back to the
/// one before (redb falls back to the previous commit slot when a one-phase commit's pages do
/// not verify, which would quietly drop a finalised block). It costs a second fsync per commit.
fn begin_write(db: &Database) -> Result<redb::WriteTransaction, StoreError> {
    let mut txn = db.begin_write()?;
    txn.set_two_phase_commit(true);
    Ok(txn)
}

pub(crate) fn read_head(txn: &ReadTransaction) -> Result<Option<Head>, StoreError> {
    let meta = txn.open_table(META)?;
    match meta.get(HEAD_KEY)? {
        None => Ok(None),
        Some(v) => Head::decode(&mut v.value()).map(Some).map_err(|_| StoreError::Corrupt("head")),
    }
}

/// Runs `f`, turning a panic into [`StoreError::DamagedFile`].
///
/// redb verifies page checksums only on open; it trusts the pages afterwards and may panic on
/// one it cannot parse (a file damaged while open, or a damage its open check does not cover).
/// The store is where a damaged file must become an error the node can report, so every public
/// method runs under this guard. `AssertUnwindSafe` is sound here because nothing observes a
/// half-done operation: a write transaction that unwinds is dropped uncommitted, a read one
/// changes nothing, and the caller gets an error instead of data.
pub(crate) fn guarded<T>(what: &'static str, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            Err(StoreError::DamagedFile(format!("redb failed {what}: {message}")))
        }
    }
}

fn write_changes(state: &mut redb::Table<&[u8], &[u8]>, changes: &ChangeSet) -> Result<(), StoreError> {
    for (key, value) in changes.entries() {
        match value {
            Some(value) => {
                state.insert(&key[..], &value[..])?;
            }
            None => {
                state.remove(&key[..])?;
            }
        }
    }
    Ok(())
}

/// A read-only view of committed state at one head.
pub struct Snapshot {
    state: ReadOnlyTable<&'static [u8], &'static [u8]>,
    head: Option<Head>,
}

impl Snapshot {
    /// The head this view reads at.
    pub fn head(&self) -> Option<Head> {
        self.head
    }
}

impl StorageRead for Snapshot {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        // A read failure must stop the node rather than answer wrongly (StorageRead contract).
        self.state.get(key).expect("chain database read failed").map(|v| v.value().to_vec())
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let range = self.state.range(prefix..).expect("chain database read failed");
        let mut out = Vec::new();
        for entry in range {
            let (k, v) = entry.expect("chain database read failed");
            if !k.value().starts_with(prefix) {
                break;
            }
            out.push((k.value().to_vec(), v.value().to_vec()));
        }
        out
    }
}
