//! Store errors.

use agora_primitives::{BlockNumber, Hash};

/// What can go wrong opening or writing the chain store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened, read or written.
    #[error("chain database error: {0}")]
    Database(String),
    /// The store was made for another chain.
    #[error("the data directory belongs to chain {stored}, not {expected}; use another --data-dir or remove it")]
    GenesisMismatch {
        /// Genesis hash found in the store.
        stored: Hash,
        /// Genesis hash of the configured chain.
        expected: Hash,
    },
    /// A block was committed out of order.
    #[error("block {got} does not follow the committed head {head}")]
    OutOfOrder {
        /// Committed height.
        head: BlockNumber,
        /// Height offered.
        got: BlockNumber,
    },
    /// The committed state does not hash to the committed state root.
    #[error("state root mismatch at height {height}: head says {expected}, state hashes to {actual}")]
    StateRootMismatch {
        /// Committed height.
        height: BlockNumber,
        /// Root recorded in the head.
        expected: Hash,
        /// Root recomputed from the state.
        actual: Hash,
    },
    /// The store holds no genesis yet.
    #[error("the store is empty: initialise it with a genesis first")]
    Empty,
    /// A stored bookkeeping record (head, genesis hash, a transaction location) does not decode.
    #[error("corrupt record in the chain database: {0}")]
    Corrupt(&'static str),
    /// A stored block, its receipts or an index disagree with the rest of the chain.
    #[error("the chain store is damaged at height {height}: {damage}")]
    Damaged {
        /// The height of the record that disagrees.
        height: BlockNumber,
        /// What disagrees.
        damage: Damage,
    },
    /// The database file is damaged below the records: a page fails its checksum, or redb
    /// could not read its own structures (a panic inside redb is reported as this).
    #[error("the chain database file is damaged: {0}")]
    DamagedFile(String),
    /// The store was written in a format this build does not know (a newer version).
    #[error("the chain database has format {found}; this build reads format {supported}")]
    UnknownFormat {
        /// Format found in the store.
        found: u32,
        /// The format this build writes.
        supported: u32,
    },
}

impl StoreError {
    /// Whether the error means the stored data is damaged (as opposed to missing, from another
    /// chain, or an I/O failure): such a store must not be served, and re-syncing from the
    /// network into an empty one replaces it.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            StoreError::Damaged { .. }
                | StoreError::DamagedFile(_)
                | StoreError::Corrupt(_)
                | StoreError::StateRootMismatch { .. }
        )
    }
}

/// What disagrees in a damaged chain store ([`StoreError::Damaged`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Damage {
    /// No block is stored at a height at or below the head.
    #[error("the block is missing")]
    BlockMissing,
    /// The block does not decode (this includes transactions that do not match the header's
    /// transaction root).
    #[error("the block does not decode: {0}")]
    BadBlock(String),
    /// The block's header names another height.
    #[error("the block's header says height {0}")]
    WrongHeight(BlockNumber),
    /// The block's parent is not the hash of the block below it.
    #[error("its parent hash is not the hash of the block below it")]
    ParentMismatch,
    /// The block at the head's height is not the block the head names.
    #[error("its hash is not the committed head's")]
    HeadMismatch,
    /// The block hash index (hash → height) disagrees with the block.
    #[error("the block hash index disagrees with the block")]
    HashIndex,
    /// The transaction index (hash → height and position) disagrees with the block.
    #[error("the transaction index disagrees with the block")]
    TxIndex,
    /// The block's receipts, or their hash, are missing.
    #[error("the receipts or their hash are missing")]
    ReceiptsMissing,
    /// The receipts do not hash to the hash stored with them.
    #[error("the receipts do not match the hash stored with them")]
    ReceiptsHash,
    /// The receipts do not decode.
    #[error("the receipts do not decode: {0}")]
    BadReceipts(String),
    /// The receipts are not those of the block's transactions (count or transaction hashes).
    #[error("the receipts are not those of the block's transactions")]
    ReceiptsMismatch,
    /// A block, receipts or index entry lies above the committed head.
    #[error("a record lies above the committed head")]
    AboveHead,
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                match redb::Error::from(e) {
                    redb::Error::Corrupted(message) => StoreError::DamagedFile(message),
                    other => StoreError::Database(other.to_string()),
                }
            }
        }
    )*};
}
from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
