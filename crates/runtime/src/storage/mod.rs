//! State storage: the key-value traits the runtime runs on, an in-memory store, a write overlay
//! for atomic transactions, typed items, and the state commitment.
//!
//! ```text
//!  node's database (or MemoryStorage in tests)
//!        │ StorageRead
//!  ┌─────▼───────────┐   block overlay: every write of the block, committed by the node as one
//!  │ Overlay (block) │   ChangeSet (one atomic database transaction per block)
//!  └─────▲───────────┘
//!  ┌─────┴───────────┐   call overlay: a call's writes; merged into the block overlay when the call
//!  │ Overlay (call)  │   succeeds, dropped when it fails, so a failed call changes nothing
//!  └─────────────────┘
//! ```

mod commitment;
mod items;
mod keys;
mod memory;
mod overlay;

pub use commitment::{LtHash, META_LTHASH_KEY, META_PREFIX, compute_state_root_from_scratch};
pub use items::{Map, Value};
pub use keys::KeyCodec;
pub use memory::MemoryStorage;
pub use overlay::{ChangeSet, Overlay};

/// Read access to state: point reads and ordered prefix scans.
///
/// # Contract
///
/// - Reads see a single consistent snapshot for the whole block being executed.
/// - `scan_prefix` returns every key starting with `prefix`, in ascending byte order, exactly once.
/// - Reads are infallible: a backing database that cannot read must stop the node rather than
///   return a wrong answer (state must never diverge silently between validators).
pub trait StorageRead {
    /// The value stored under `key`, if any.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;

    /// All `(key, value)` pairs whose key starts with `prefix`, in ascending key order.
    fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)>;

    /// Whether `key` holds a value.
    fn contains(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }
}

/// Write access to state.
pub trait Storage: StorageRead {
    /// Stores `value` under `key`, replacing any previous value.
    fn put(&mut self, key: &[u8], value: Vec<u8>);

    /// Removes `key` (a no-op if absent).
    fn delete(&mut self, key: &[u8]);
}

impl<T: StorageRead + ?Sized> StorageRead for &T {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        (**self).get(key)
    }
    fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        (**self).scan_prefix(prefix)
    }
}

impl<T: StorageRead + ?Sized> StorageRead for &mut T {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        (**self).get(key)
    }
    fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        (**self).scan_prefix(prefix)
    }
}

impl<T: Storage + ?Sized> Storage for &mut T {
    fn put(&mut self, key: &[u8], value: Vec<u8>) {
        (**self).put(key, value)
    }
    fn delete(&mut self, key: &[u8]) {
        (**self).delete(key)
    }
}
