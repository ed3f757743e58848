//! Blake2b-256 hashing and the [`Hash`] type.

use core::fmt;

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use parity_scale_codec::{Decode, Encode, MaxEncodedLen};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

type Blake2b256 = Blake2b<U32>;

/// A 32-byte hash (blake2b-256 unless stated otherwise). Shown and serialised as `0x`-prefixed hex.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, MaxEncodedLen)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The all-zero hash (used as the parent of the genesis block).
    pub const ZERO: Hash = Hash([0u8; 32]);

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses `0x`-prefixed (or bare) hex of exactly 32 bytes.
    pub fn from_hex(text: &str) -> Option<Hash> {
        let text = text.strip_prefix("0x").unwrap_or(text);
        if text.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
            let hi = (chunk[0] as char).to_digit(16)?;
            let lo = (chunk[1] as char).to_digit(16)?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Some(Hash(out))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Hash::from_hex(&text).ok_or_else(|| serde::de::Error::custom("expected 0x-prefixed hex of 32 bytes"))
    }
}

/// Blake2b with a 256-bit output over `data`.
pub fn blake2_256(data: &[u8]) -> Hash {
    let mut h = Blake2b256::new();
    h.update(data);
    Hash(h.finalize().into())
}

/// Blake2b-256 over the concatenation of `parts` (no separators: callers encode lengths themselves).
pub fn blake2_256_concat(parts: &[&[u8]]) -> Hash {
    let mut h = Blake2b256::new();
    for p in parts {
        h.update(p);
    }
    Hash(h.finalize().into())
}

/// Blake2b-512 over `data` (used by SS58 checksums and the state commitment).
pub fn blake2_512(data: &[&[u8]]) -> [u8; 64] {
    let mut h = blake2::Blake2b512::new();
    for p in data {
        h.update(p);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blake2_256_matches_known_vector() {
        // blake2b-256("") from the BLAKE2 reference.
        assert_eq!(blake2_256(b"").to_string(), "0x0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
        assert_eq!(blake2_256(b"ab"), blake2_256_concat(&[b"a", b"b"]));
    }

    #[test]
    fn hex_round_trip_and_rejects_bad_input() {
        let h = blake2_256(b"agora");
        assert_eq!(Hash::from_hex(&h.to_string()), Some(h));
        assert_eq!(Hash::from_hex("0x12"), None);
        assert_eq!(Hash::from_hex(&"zz".repeat(32)), None);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<Hash>(&json).unwrap(), h);
    }
}
