//! The state commitment: a homomorphic lattice hash (LtHash) of every `(key, value)` entry.
//!
//! # Why LtHash
//!
//! The root must be recomputed after every block, but a block touches a few hundred keys out of
//! millions. LtHash (Bellare–Micciancio's additive hash, as used by Facebook's and Solana's state
//! hashes) makes the update O(changed keys): the accumulator is a vector of 1024 u16 lanes; adding
//! an entry adds its 2048-byte expansion lane-wise (wrapping), removing subtracts it. The result is
//! independent of write order, and recomputing it from scratch over the whole state gives the same
//! bytes, which is how a restarted node checks its database.
//!
//! # Format
//!
//! ```text
//! expand(k, v)  = blake2b-512("agora/lthash/v1" ‖ i:u8 ‖ len(k):u32le ‖ k ‖ v)  for i in 0..32, concatenated
//! accumulator   = Σ expand(k, v) over all entries outside the meta prefix, lane-wise mod 2^16
//! state root    = blake2b-256("agora/state-root/v1" ‖ accumulator as 1024 little-endian u16)
//! ```
//!
//! The accumulator itself is stored under [`META_LTHASH_KEY`], which is excluded from the sum.

use agora_primitives::{Hash, blake2_256_concat, blake2_512};

use super::StorageRead;

/// Keys under this prefix are bookkeeping, not state, and are excluded from the commitment.
pub const META_PREFIX: &[u8] = b"\0meta/";

/// Where the running accumulator is kept.
pub const META_LTHASH_KEY: &[u8] = b"\0meta/lthash";

const LANES: usize = 1024;
const DOMAIN: &[u8] = b"agora/lthash/v1";
const ROOT_DOMAIN: &[u8] = b"agora/state-root/v1";

/// A lattice-hash accumulator over a multiset of entries.
#[derive(Clone, PartialEq, Eq)]
pub struct LtHash {
    lanes: Box<[u16; LANES]>,
}

impl core::fmt::Debug for LtHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "LtHash({})", self.root())
    }
}

impl Default for LtHash {
    fn default() -> Self {
        LtHash { lanes: Box::new([0u16; LANES]) }
    }
}

impl LtHash {
    /// The accumulator of the empty state.
    pub fn new() -> Self {
        Self::default()
    }

    fn expand(key: &[u8], value: &[u8]) -> [u16; LANES] {
        let mut out = [0u16; LANES];
        let key_len = (key.len() as u32).to_le_bytes();
        for block in 0..32u8 {
            let h = blake2_512(&[DOMAIN, &[block], &key_len, key, value]);
            for (j, pair) in h.chunks_exact(2).enumerate() {
                out[usize::from(block) * 32 + j] = u16::from_le_bytes([pair[0], pair[1]]);
            }
        }
        out
    }

    /// Adds an entry.
    pub fn insert(&mut self, key: &[u8], value: &[u8]) {
        let e = Self::expand(key, value);
        for (lane, x) in self.lanes.iter_mut().zip(e) {
            *lane = lane.wrapping_add(x);
        }
    }

    /// Removes an entry previously added.
    pub fn remove(&mut self, key: &[u8], value: &[u8]) {
        let e = Self::expand(key, value);
        for (lane, x) in self.lanes.iter_mut().zip(e) {
            *lane = lane.wrapping_sub(x);
        }
    }

    /// The 32-byte state root.
    pub fn root(&self) -> Hash {
        blake2_256_concat(&[ROOT_DOMAIN, &self.to_bytes()])
    }

    /// Serialised form (2048 bytes, little-endian lanes).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.lanes.iter().flat_map(|l| l.to_le_bytes()).collect()
    }

    /// Parses the serialised form; `None` on a wrong length.
    pub fn from_bytes(bytes: &[u8]) -> Option<LtHash> {
        if bytes.len() != LANES * 2 {
            return None;
        }
        let mut h = LtHash::new();
        for (lane, pair) in h.lanes.iter_mut().zip(bytes.chunks_exact(2)) {
            *lane = u16::from_le_bytes([pair[0], pair[1]]);
        }
        Some(h)
    }

    /// The accumulator stored in `state` (empty state if none).
    pub fn load(state: &(impl StorageRead + ?Sized)) -> LtHash {
        state.get(META_LTHASH_KEY).and_then(|b| LtHash::from_bytes(&b)).unwrap_or_default()
    }
}

/// Recomputes the state root by hashing every entry of `state` (excluding meta keys).
///
/// O(state size); used to verify a database on start-up and in tests, never per block.
pub fn compute_state_root_from_scratch(state: &(impl StorageRead + ?Sized)) -> Hash {
    let mut acc = LtHash::new();
    for (k, v) in state.scan_prefix(b"") {
        if !k.starts_with(META_PREFIX) {
            acc.insert(&k, &v);
        }
    }
    acc.root()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_independent_and_invertible() {
        let mut a = LtHash::new();
        a.insert(b"k1", b"v1");
        a.insert(b"k2", b"v2");
        let mut b = LtHash::new();
        b.insert(b"k2", b"v2");
        b.insert(b"k1", b"v1");
        assert_eq!(a, b);
        b.remove(b"k2", b"v2");
        b.remove(b"k1", b"v1");
        assert_eq!(b, LtHash::new());
        assert_ne!(a.root(), LtHash::new().root());
    }

    #[test]
    fn key_value_boundary_is_unambiguous() {
        let mut a = LtHash::new();
        a.insert(b"ab", b"c");
        let mut b = LtHash::new();
        b.insert(b"a", b"bc");
        assert_ne!(a, b);
    }

    #[test]
    fn bytes_round_trip() {
        let mut a = LtHash::new();
        a.insert(b"x", b"y");
        assert_eq!(LtHash::from_bytes(&a.to_bytes()), Some(a));
        assert_eq!(LtHash::from_bytes(&[0u8; 3]), None);
    }
}
