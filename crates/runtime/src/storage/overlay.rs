//! [`Overlay`]: buffered writes over a read-only base, and the [`ChangeSet`] they produce.

use std::collections::BTreeMap;

use super::{Storage, StorageRead};

/// The writes of a block (or of one call): `Some(value)` = put, `None` = delete, ordered by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    entries: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl ChangeSet {
    /// Every change in ascending key order.
    pub fn entries(&self) -> impl Iterator<Item = (&Vec<u8>, &Option<Vec<u8>>)> {
        self.entries.iter()
    }

    /// Consumes the set, yielding changes in ascending key order.
    pub fn into_entries(self) -> impl Iterator<Item = (Vec<u8>, Option<Vec<u8>>)> {
        self.entries.into_iter()
    }

    /// Writes every change into `target`.
    pub fn apply_to(self, target: &mut (impl Storage + ?Sized)) {
        for (key, value) in self.entries {
            match value {
                Some(v) => target.put(&key, v),
                None => target.delete(&key),
            }
        }
    }

    /// Number of changed keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Writes buffered over a base store. Reads see the buffered writes first.
///
/// Dropping an overlay discards its writes; [`Overlay::into_changes`] hands them to the caller,
/// which applies them to the parent with [`Overlay::apply`] (or commits them to the database).
pub struct Overlay<B: StorageRead> {
    base: B,
    changes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl<B: StorageRead> Overlay<B> {
    /// An empty overlay over `base`.
    pub fn new(base: B) -> Self {
        Overlay { base, changes: BTreeMap::new() }
    }

    /// The base store.
    pub fn base(&self) -> &B {
        &self.base
    }

    /// The buffered writes, leaving the base untouched.
    pub fn into_changes(self) -> ChangeSet {
        ChangeSet { entries: self.changes }
    }

    /// The buffered writes without consuming the overlay.
    pub fn changes(&self) -> ChangeSet {
        ChangeSet { entries: self.changes.clone() }
    }

    /// Applies a child's writes on top of this overlay's.
    pub fn apply(&mut self, child: ChangeSet) {
        self.changes.extend(child.entries);
    }
}

impl<B: StorageRead> StorageRead for Overlay<B> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        match self.changes.get(key) {
            Some(change) => change.clone(),
            None => self.base.get(key),
        }
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = self.base.scan_prefix(prefix).into_iter().collect();
        for (k, v) in self.changes.range(prefix.to_vec()..).take_while(|(k, _)| k.starts_with(prefix)) {
            match v {
                Some(v) => {
                    merged.insert(k.clone(), v.clone());
                }
                None => {
                    merged.remove(k);
                }
            }
        }
        merged.into_iter().collect()
    }
}

impl<B: StorageRead> Storage for Overlay<B> {
    fn put(&mut self, key: &[u8], value: Vec<u8>) {
        self.changes.insert(key.to_vec(), Some(value));
    }

    fn delete(&mut self, key: &[u8]) {
        self.changes.insert(key.to_vec(), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;

    #[test]
    fn overlay_reads_its_writes_and_leaves_base_alone() {
        let mut base = MemoryStorage::new();
        base.put(b"a/1", b"x".to_vec());
        base.put(b"a/2", b"y".to_vec());
        base.put(b"b/1", b"z".to_vec());
        let mut o = Overlay::new(&base);
        o.put(b"a/3", b"w".to_vec());
        o.delete(b"a/1");
        assert_eq!(o.get(b"a/1"), None);
        assert_eq!(o.get(b"a/2"), Some(b"y".to_vec()));
        let scan: Vec<_> = o.scan_prefix(b"a/").into_iter().map(|(k, _)| k).collect();
        assert_eq!(scan, vec![b"a/2".to_vec(), b"a/3".to_vec()]);
        let changes = o.into_changes();
        assert_eq!(base.get(b"a/1"), Some(b"x".to_vec()));
        let mut base2 = base.clone();
        base2.commit(changes);
        assert_eq!(base2.get(b"a/1"), None);
        assert_eq!(base2.get(b"a/3"), Some(b"w".to_vec()));
    }

    #[test]
    fn nested_overlay_merges_into_parent() {
        let base = MemoryStorage::new();
        let mut parent = Overlay::new(&base);
        parent.put(b"k", b"1".to_vec());
        let child_changes = {
            let mut child = Overlay::new(&parent);
            child.put(b"k", b"2".to_vec());
            child.put(b"j", b"3".to_vec());
            child.into_changes()
        };
        parent.apply(child_changes);
        assert_eq!(parent.get(b"k"), Some(b"2".to_vec()));
        assert_eq!(parent.get(b"j"), Some(b"3".to_vec()));
    }
}
