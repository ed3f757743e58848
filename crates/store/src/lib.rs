//! Persistent, crash-safe chain store (redb): runtime state, blocks, receipts and the committed head.
//!
//! The chain store: runtime state, finalised blocks, receipts and the committed head, in one embedded, crash-
//! safe database ([redb]).
//!
//! The node commits each finalised block with [`Store::commit_block`]: the runtime's
//! [`ChangeSet`], the encoded block, its receipts and their hash, the transaction index and the
//! new [`Head`] go in **one** write transaction, durable when the call returns. A crash (even
//! `kill -9`) leaves either the state before the block or the state after it, never a mix, so
//! the state on disk always agrees with some prefix of the finalised chain.
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
//! - A damaged file is refused, not served. Opening runs redb's integrity check: every page of the
//!   committed trees must match its checksum, or the open fails with [`StoreError::DamagedFile`].
//!   Commits are two-phase, so damage to the newest commit is reported rather than silently
//!   rolled back to the one before.
//! - Checked on open (by the node, which calls both): the head's state root must equal one
//!   recomputed from every entry ([`Store::verify`]), and every block, its receipts and both
//!   indexes must agree ([`Store::verify_chain`]: hash chain, heights, transaction roots through
//!   the node's decoder, hash and transaction indexes, receipt hashes and their transactions). A
//!   disagreement is [`StoreError::Damaged`], naming the height and the [`Damage`].
//! - Checked on read: receipts must match the hash stored beside them (no header commits to
//!   receipts). Blocks are opaque here; the node checks each one it reads against the hash index.
//! - Never a panic: redb may panic on a page it cannot parse; every public method turns that
//!   into [`StoreError::DamagedFile`]. ([`Snapshot`]'s reads still panic on a failed read, as the
//!   runtime's `StorageRead` contract asks: the state was read in full by [`Store::verify`].)
//!
//! [`StoreError::is_damage`] tells damage from other failures: a damaged store is replaced by
//! re-syncing into an empty one.
//!
//! # Status
//!
//! Full history of blocks and receipts, the latest state only (no state pruning or archives).
//! Verification on open is synchronous and reads the whole file (cost in [`Store::verify_chain`]).
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
mod verify;

pub use error::{Damage, StoreError};
pub use store::{BlockRecord, FORMAT, Head, Snapshot, Store, TxLocation};
pub use verify::{BlockFacts, PROGRESS_EVERY, RecordFormat};

pub use agora_runtime::storage::ChangeSet;
