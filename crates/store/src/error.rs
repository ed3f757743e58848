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
    /// A stored record does not decode.
    #[error("corrupt record in the chain database: {0}")]
    Corrupt(&'static str),
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Database(e.to_string())
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
