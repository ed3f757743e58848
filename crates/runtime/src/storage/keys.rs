//! Key encoding for typed storage items.
//!
//! A storage key is `item prefix ‖ key parts`, where each part has a fixed width and integers are
//! big-endian, so byte order equals numeric order: scanning `Keys/ ‖ netuid` yields uids in
//! ascending order, and decoding a key needs no length markers.
//!
//! | part       | bytes | encoding            |
//! |------------|-------|---------------------|
//! | `u16`, `NetUid`, `Uid` | 2 | big-endian   |
//! | `u64`      | 8     | big-endian          |
//! | `AccountId`, `Hash` | 32 | raw bytes     |
//! | tuples     | sum   | concatenation       |

use agora_primitives::{AccountId, Hash, NetUid, Uid};

/// A fixed-width, order-preserving key part.
pub trait KeyCodec: Sized {
    /// Appends the encoding of `self` to `out`.
    fn encode_key(&self, out: &mut Vec<u8>);

    /// Reads one value from the front of `input`, advancing it; `None` if too short.
    fn decode_key(input: &mut &[u8]) -> Option<Self>;
}

fn take<const N: usize>(input: &mut &[u8]) -> Option<[u8; N]> {
    if input.len() < N {
        return None;
    }
    let (head, rest) = input.split_at(N);
    *input = rest;
    head.try_into().ok()
}

impl KeyCodec for () {
    fn encode_key(&self, _out: &mut Vec<u8>) {}
    fn decode_key(_input: &mut &[u8]) -> Option<Self> {
        Some(())
    }
}

impl KeyCodec for u16 {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
    fn decode_key(input: &mut &[u8]) -> Option<Self> {
        take::<2>(input).map(u16::from_be_bytes)
    }
}

impl KeyCodec for u64 {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
    fn decode_key(input: &mut &[u8]) -> Option<Self> {
        take::<8>(input).map(u64::from_be_bytes)
    }
}

impl KeyCodec for NetUid {
    fn encode_key(&self, out: &mut Vec<u8>) {
        self.0.encode_key(out)
    }
    fn decode_key(input: &mut &[u8]) -> Option<Self> {
        u16::decode_key(input).map(NetUid)
    }
}

impl KeyCodec for Uid {
    fn encode_key(&self, out: &mut Vec<u8>) {
        self.0.encode_key(out)
    }
    fn decode_key(input: &mut &[u8]) -> Option<Self> {
        u16::decode_key(input).map(Uid)
    }
}

impl KeyCodec for AccountId {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn decode_key(input: &mut &[u8]) -> Option<Self> {
        take::<32>(input).map(AccountId)
    }
}

impl KeyCodec for Hash {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn decode_key(input: &mut &[u8]) -> Option<Self> {
        take::<32>(input).map(Hash)
    }
}

impl<A: KeyCodec, B: KeyCodec> KeyCodec for (A, B) {
    fn encode_key(&self, out: &mut Vec<u8>) {
        self.0.encode_key(out);
        self.1.encode_key(out);
    }
    fn decode_key(input: &mut &[u8]) -> Option<Self> {
        Some((A::decode_key(input)?, B::decode_key(input)?))
    }
}

impl<A: KeyCodec, B: KeyCodec, C: KeyCodec> KeyCodec for (A, B, C) {
    fn encode_key(&self, out: &mut Vec<u8>) {
        self.0.encode_key(out);
        self.1.encode_key(out);
        self.2.encode_key(out);
    }
    fn decode_key(input: &mut &[u8]) -> Option<Self> {
        Some((A::decode_key(input)?, B::decode_key(input)?, C::decode_key(input)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_sort_numerically() {
        let enc = |v: u16| {
            let mut o = Vec::new();
            v.encode_key(&mut o);
            o
        };
        assert!(enc(2) < enc(256));
        assert!(enc(255) < enc(256));
    }

    #[test]
    fn tuples_round_trip_and_short_input_fails() {
        let key = (NetUid(3), AccountId([9; 32]), 77u64);
        let mut out = Vec::new();
        key.encode_key(&mut out);
        assert_eq!(out.len(), 2 + 32 + 8);
        let mut input = out.as_slice();
        assert_eq!(<(NetUid, AccountId, u64)>::decode_key(&mut input), Some(key));
        assert!(input.is_empty());
        let mut short = &out[..10];
        assert_eq!(<(NetUid, AccountId, u64)>::decode_key(&mut short), None);
    }
}
