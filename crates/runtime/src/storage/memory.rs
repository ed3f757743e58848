//! [`MemoryStorage`]: a `BTreeMap`-backed store for tests, the simulator and light tooling.

use std::collections::BTreeMap;

use super::{ChangeSet, Storage, StorageRead};

/// State held in memory, ordered by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryStorage {
    entries: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies a block's change set (what the node does inside one database transaction).
    pub fn commit(&mut self, changes: ChangeSet) {
        for (key, value) in changes.into_entries() {
            match value {
                Some(v) => {
                    self.entries.insert(key, v);
                }
                None => {
                    self.entries.remove(&key);
                }
            }
        }
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Vec<u8>)> {
        self.entries.iter()
    }
}

impl StorageRead for MemoryStorage {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.entries.get(key).cloned()
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.entries
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

impl Storage for MemoryStorage {
    fn put(&mut self, key: &[u8], value: Vec<u8>) {
        self.entries.insert(key.to_vec(), value);
    }

    fn delete(&mut self, key: &[u8]) {
        self.entries.remove(key);
    }
}
