//! The storage hashers of Substrate's key layout: `twox_64`/`twox_128` (xxHash64 with seeds 0,
//! 1, …, little-endian) for pallet and item prefixes and `Twox64Concat` keys, and `blake2_128`
//! for `Blake2_128Concat` keys.

use blake2::Blake2b;
use blake2::digest::Digest;
use blake2::digest::consts::U16;
use twox_hash::XxHash64;

/// xxHash64 of `data` with seed 0, little-endian.
pub fn twox_64(data: &[u8]) -> [u8; 8] {
    XxHash64::oneshot(0, data).to_le_bytes()
}

/// Two xxHash64 digests of `data` (seeds 0 and 1), little-endian, concatenated.
pub fn twox_128(data: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&XxHash64::oneshot(0, data).to_le_bytes());
    out[8..].copy_from_slice(&XxHash64::oneshot(1, data).to_le_bytes());
    out
}

/// BLAKE2b with a 16-byte digest.
pub fn blake2_128(data: &[u8]) -> [u8; 16] {
    Blake2b::<U16>::digest(data).into()
}

/// `Blake2_128Concat`: the hash, then the key itself.
pub fn blake2_128_concat(key: &[u8]) -> Vec<u8> {
    [&blake2_128(key)[..], key].concat()
}

/// `Twox64Concat`: the hash, then the key itself.
pub fn twox_64_concat(key: &[u8]) -> Vec<u8> {
    [&twox_64(key)[..], key].concat()
}

/// The 32-byte prefix of a storage item: `twox_128(pallet) ‖ twox_128(item)`.
pub fn storage_prefix(pallet: &str, item: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&twox_128(pallet.as_bytes()));
    out[16..].copy_from_slice(&twox_128(item.as_bytes()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn prefixes_match_the_reference_chain() {
        // The values the reference clients derive for finney (spec substrate-compat §4).
        assert_eq!(
            hex(&storage_prefix("System", "Account")),
            "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"
        );
        assert_eq!(hex(&twox_128(b"SubtensorModule")), "658faa385070e074c85bf6b568cf0555");
        assert_eq!(hex(&twox_128(b"Uids")), "aab1b4e78e1ea8305462ee53b3686dc8");
        assert_eq!(hex(&twox_128(b"Tempo")), "7641384bb339f3758acddfd7053d3317");
        assert!(hex(&storage_prefix("System", "Events")).ends_with("80d41e5e16056765bc8461851072c9d7"));
    }

    #[test]
    fn concat_hashers_keep_the_key() {
        let alice = [0xd4u8, 0x35, 0x93, 0xc7];
        assert_eq!(&blake2_128_concat(&alice)[16..], &alice);
        assert_eq!(&twox_64_concat(&alice)[8..], &alice);
        assert_eq!(blake2_128_concat(&alice).len(), 20);
    }
}
