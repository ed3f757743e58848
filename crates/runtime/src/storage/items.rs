//! Typed storage items: a single [`Value`] or a [`Map`] from a key to a value.
//!
//! Values are SCALE-encoded. A value equal to its type's default is never stored: writing the
//! default deletes the key, so every state has exactly one representation and the state
//! commitment does not depend on whether a counter was ever touched.

use core::marker::PhantomData;

use parity_scale_codec::{Decode, Encode};

use super::keys::KeyCodec;
use super::{Storage, StorageRead};

fn decode_stored<V: Decode>(prefix: &str, bytes: &[u8]) -> V {
    // State is only written by this runtime; an undecodable value is a bug or a corrupted database,
    // and continuing would make this node diverge from its peers.
    V::decode(&mut &bytes[..]).unwrap_or_else(|e| panic!("corrupt state under {prefix}: {e}"))
}

/// A single value stored under a fixed key.
pub struct Value<V> {
    prefix: &'static str,
    _v: PhantomData<fn() -> V>,
}

impl<V: Encode + Decode + Default + PartialEq> Value<V> {
    /// A value stored under `prefix` (must be unique among items and contain no `/`).
    pub const fn new(prefix: &'static str) -> Self {
        Value { prefix, _v: PhantomData }
    }

    fn key(&self) -> Vec<u8> {
        let mut k = self.prefix.as_bytes().to_vec();
        k.push(b'/');
        k
    }

    /// The stored value, or the default.
    pub fn get(&self, s: &(impl StorageRead + ?Sized)) -> V {
        s.get(&self.key()).map(|b| decode_stored(self.prefix, &b)).unwrap_or_default()
    }

    /// Stores `v` (deleting the key when `v` is the default).
    pub fn set(&self, s: &mut (impl Storage + ?Sized), v: &V) {
        if *v == V::default() {
            s.delete(&self.key());
        } else {
            s.put(&self.key(), v.encode());
        }
    }

    /// Reads, changes and writes back the value.
    pub fn mutate<R>(&self, s: &mut (impl Storage + ?Sized), f: impl FnOnce(&mut V) -> R) -> R {
        let mut v = self.get(s);
        let r = f(&mut v);
        self.set(s, &v);
        r
    }
}

/// A map from `K` to `V`, each entry under `prefix/ ‖ encoded key`.
pub struct Map<K, V> {
    prefix: &'static str,
    _kv: PhantomData<fn() -> (K, V)>,
}

impl<K: KeyCodec, V: Encode + Decode> Map<K, V> {
    /// A map stored under `prefix` (must be unique among items and contain no `/`).
    pub const fn new(prefix: &'static str) -> Self {
        Map { prefix, _kv: PhantomData }
    }

    fn base(&self) -> Vec<u8> {
        let mut k = self.prefix.as_bytes().to_vec();
        k.push(b'/');
        k
    }

    fn key(&self, k: &K) -> Vec<u8> {
        let mut out = self.base();
        k.encode_key(&mut out);
        out
    }

    /// The value under `k`, if present.
    pub fn try_get(&self, s: &(impl StorageRead + ?Sized), k: &K) -> Option<V> {
        s.get(&self.key(k)).map(|b| decode_stored(self.prefix, &b))
    }

    /// Whether `k` is present.
    pub fn contains(&self, s: &(impl StorageRead + ?Sized), k: &K) -> bool {
        s.contains(&self.key(k))
    }

    /// Stores `v` under `k` unconditionally.
    pub fn insert(&self, s: &mut (impl Storage + ?Sized), k: &K, v: &V) {
        s.put(&self.key(k), v.encode());
    }

    /// Removes `k`.
    pub fn remove(&self, s: &mut (impl Storage + ?Sized), k: &K) {
        s.delete(&self.key(k));
    }

    /// Every entry whose key starts with `prefix` (a leading part of `K`), in key order.
    pub fn iter_prefix<P: KeyCodec>(&self, s: &(impl StorageRead + ?Sized), prefix: &P) -> Vec<(K, V)> {
        let mut p = self.base();
        prefix.encode_key(&mut p);
        let base_len = self.base().len();
        s.scan_prefix(&p)
            .into_iter()
            .map(|(key, value)| {
                let mut rest = &key[base_len..];
                let k = K::decode_key(&mut rest).unwrap_or_else(|| panic!("corrupt key under {}", self.prefix));
                (k, decode_stored(self.prefix, &value))
            })
            .collect()
    }

    /// Every entry, in key order.
    pub fn iter(&self, s: &(impl StorageRead + ?Sized)) -> Vec<(K, V)> {
        self.iter_prefix(s, &())
    }

    /// Removes every entry whose key starts with `prefix`; returns how many were removed.
    pub fn remove_prefix<P: KeyCodec>(&self, s: &mut (impl Storage + ?Sized), prefix: &P) -> usize {
        let mut p = self.base();
        prefix.encode_key(&mut p);
        let keys = s.scan_prefix(&p);
        for (k, _) in &keys {
            s.delete(k);
        }
        keys.len()
    }
}

impl<K: KeyCodec, V: Encode + Decode + Default + PartialEq> Map<K, V> {
    /// The value under `k`, or the default.
    pub fn get(&self, s: &(impl StorageRead + ?Sized), k: &K) -> V {
        self.try_get(s, k).unwrap_or_default()
    }

    /// Stores `v` under `k`, deleting the key when `v` is the default.
    pub fn set(&self, s: &mut (impl Storage + ?Sized), k: &K, v: &V) {
        if *v == V::default() {
            self.remove(s, k);
        } else {
            self.insert(s, k, v);
        }
    }

    /// Reads, changes and writes back the value under `k`.
    pub fn mutate<R>(&self, s: &mut (impl Storage + ?Sized), k: &K, f: impl FnOnce(&mut V) -> R) -> R {
        let mut v = self.get(s, k);
        let r = f(&mut v);
        self.set(s, k, &v);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;
    use agora_primitives::NetUid;

    const COUNTER: Value<u64> = Value::new("Counter");
    const PAIRS: Map<(NetUid, u16), u64> = Map::new("Pairs");

    #[test]
    fn default_values_are_not_stored() {
        let mut s = MemoryStorage::new();
        COUNTER.set(&mut s, &5);
        assert_eq!(COUNTER.get(&s), 5);
        COUNTER.set(&mut s, &0);
        assert!(s.is_empty());
    }

    #[test]
    fn prefix_iteration_is_ordered_and_scoped() {
        let mut s = MemoryStorage::new();
        for (n, u) in [(2u16, 300u16), (1, 5), (2, 4), (1, 1)] {
            PAIRS.insert(&mut s, &(NetUid(n), u), &u64::from(u));
        }
        let net2: Vec<u16> = PAIRS.iter_prefix(&s, &NetUid(2)).into_iter().map(|((_, u), _)| u).collect();
        assert_eq!(net2, vec![4, 300]);
        assert_eq!(PAIRS.iter(&s).len(), 4);
        assert_eq!(PAIRS.remove_prefix(&mut s, &NetUid(1)), 2);
        assert_eq!(PAIRS.iter(&s).len(), 2);
    }
}
