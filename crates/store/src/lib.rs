//! Persistent, crash-safe chain store (redb): runtime state, blocks, receipts and the committed head.
//!
//! The chain store: runtime state, finalised blocks, receipts and the committed head, in one embedded, crash-
//! safe database ([redb]).
//!
//! The node commits each finalised block with [`Store::commit_block`]: the runtime's
//! [`ChangeSet`], the encoded block, its receipts, the transaction index and the new [`Head`] go
//! in **one** write transaction, durable when the call returns. A crash (even `kill -9`) leaves
//! either the state before the block or the state after it, never a mix, so the state on disk
//! always agrees with some prefix of the finalised chain. On open the head's state root is checked
//! against a root recomputed from every stored entry ([`Store::verify`]).
//!
//! Reads go through a [`Snapshot`], which implements the runtime's
//! [`StorageRead`](agora_runtime::storage::StorageRead), so the runtime executes blocks and
//! answers queries directly over committed state.
//!
//! [`Store::in_memory`] gives the same store without a file, for simulation tests.
//!
//! # Guarantees
//!
//! - Atomic: a block's state changes, block, receipts, index and head commit together or not at all.
//! - Checked on open: the head's state root must equal one recomputed from every entry.
//!
//! # Status
//!
//! Full history of blocks and receipts, the latest state only (no state pruning or archives).
//!
//! # Example
//!
//! ```no_run
//! use agora_store::Store;
//!
//! let store = Store::open("node-0/chain.redb")?;
//! // Recomputes the state root from every entry and checks it against the head's.
//! let head = store.verify()?;
//! println!("height {}, state root {}", head.height, head.state_root);
//! let receipts = store.receipts(head.height)?;
//! println!("{} bytes of receipts in the head block", receipts.map_or(0, |r| r.len()));
//! # Ok::<(), agora_store::StoreError>(())
//! ```

mod error;
mod store;

pub use error::StoreError;
pub use store::{BlockRecord, Head, Snapshot, Store, TxLocation};

pub use agora_runtime::storage::ChangeSet;
