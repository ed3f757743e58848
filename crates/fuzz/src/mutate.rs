//! Making inputs: a seeded choice among a corpus entry as it is, a corpus entry under a stack
//! of mutations, and fully random bytes.
//!
//! The mutations are the classic ones of coverage-less fuzzers, plus the two length encodings
//! our formats use:
//!
//! | mutation        | what it does                                                             |
//! |-----------------|--------------------------------------------------------------------------|
//! | `flip`          | flips 1 to 8 random bits                                                 |
//! | `byte`          | sets a byte to a random or boundary value, or adds a small delta to it   |
//! | `insert`        | inserts random bytes, or a run of one byte (up to 256)                   |
//! | `delete`        | removes a range                                                          |
//! | `truncate`      | cuts the input short                                                     |
//! | `duplicate`     | copies a range elsewhere, sometimes many times (growing towards the cap) |
//! | `splice`        | joins a prefix of the input with a suffix of another corpus entry        |
//! | `compact`       | overwrites bytes with a SCALE compact integer, often huge or non-canonical |
//! | `integer`       | overwrites bytes with a boundary u16/u32/u64, little- or big-endian      |
//! | `token`         | inserts or overwrites a token from the target's dictionary               |
//!
//! Every result is capped at the target's largest input. A target may also make half of its
//! inputs itself, aware of its format ([`crate::runner::Target::structured`]): mutating one
//! field and re-encoding the layers around it (length prefixes, JSON, header lines), so that
//! inputs get past the outer checks; [`json`] does this for JSON documents.

use parity_scale_codec::{Compact, Encode};

use crate::rng::Rng;

pub mod json;

/// What inputs for one target are made from.
pub struct Generator<'a> {
    /// Valid encodings, built in code.
    pub corpus: &'a [Vec<u8>],
    /// Tokens meaningful to the format (JSON punctuation, header names, …); may be empty.
    pub dictionary: &'a [&'a [u8]],
    /// The largest input made.
    pub max_len: usize,
}

/// Boundary values for single bytes.
const BYTES: [u8; 10] = [0, 1, 2, 0x3f, 0x40, 0x7f, 0x80, 0xfe, 0xff, b'"'];

/// Boundary values for integers (truncated to the width written).
const INTEGERS: [u64; 14] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0xffff,
    10_001,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

impl Generator<'_> {
    /// Writes into `out` the input that `rng` chooses.
    pub fn generate(&self, rng: &mut Rng, out: &mut Vec<u8>) {
        out.clear();
        match rng.below(64) {
            // Fully random bytes, mostly short.
            0 => {
                let len = if rng.one_in(16) { rng.below(self.max_len.min(64 * 1024) + 1) } else { rng.below(257) };
                out.resize(len, 0);
                rng.fill(out);
            }
            // A valid encoding, unchanged: the decoders' happy paths stay covered.
            1 => out.extend_from_slice(rng.pick::<Vec<u8>>(self.corpus)),
            // A few random tokens of the dictionary.
            2 if !self.dictionary.is_empty() => {
                for _ in 0..rng.between(1, 16) {
                    out.extend_from_slice(rng.pick::<&[u8]>(self.dictionary));
                }
            }
            _ => {
                out.extend_from_slice(rng.pick::<Vec<u8>>(self.corpus));
                self.havoc(rng, out);
            }
        }
        out.truncate(self.max_len);
    }

    /// Applies a stack of mutations to `data`: usually 1 to 4, sometimes 5 to 16.
    pub fn havoc(&self, rng: &mut Rng, data: &mut Vec<u8>) {
        let rounds = if rng.one_in(8) { rng.between(5, 16) } else { rng.between(1, 4) };
        for _ in 0..rounds {
            self.mutate(rng, data);
        }
        data.truncate(self.max_len);
    }

    fn mutate(&self, rng: &mut Rng, data: &mut Vec<u8>) {
        match rng.below(12) {
            0 | 1 => flip(rng, data),
            2 => set_byte(rng, data),
            3 => insert(rng, data),
            4 => delete(rng, data),
            5 => truncate(rng, data),
            6 => duplicate(rng, data, self.max_len),
            7 => self.splice(rng, data),
            8 => compact(rng, data),
            9 => integer(rng, data),
            _ => self.token(rng, data),
        }
    }

    fn splice(&self, rng: &mut Rng, data: &mut Vec<u8>) {
        let other = rng.pick(self.corpus);
        if rng.one_in(2) {
            // Head of this input, tail of the other.
            data.truncate(rng.below(data.len() + 1));
            let from = rng.below(other.len() + 1);
            data.extend_from_slice(&other[from..]);
        } else {
            // A slice of the other inserted here.
            let start = rng.below(other.len() + 1);
            let end = rng.between(start, other.len());
            let at = rng.below(data.len() + 1);
            data.splice(at..at, other[start..end].iter().copied());
        }
    }

    fn token(&self, rng: &mut Rng, data: &mut Vec<u8>) {
        if self.dictionary.is_empty() {
            return flip(rng, data);
        }
        let token = rng.pick(self.dictionary);
        let at = rng.below(data.len() + 1);
        if rng.one_in(2) {
            data.splice(at..at, token.iter().copied());
        } else {
            let end = (at + token.len()).min(data.len());
            data.splice(at..end, token.iter().copied());
        }
    }
}

fn flip(rng: &mut Rng, data: &mut [u8]) {
    if data.is_empty() {
        return;
    }
    for _ in 0..rng.between(1, 8) {
        let at = rng.below(data.len());
        data[at] ^= 1 << rng.below(8);
    }
}

fn set_byte(rng: &mut Rng, data: &mut [u8]) {
    if data.is_empty() {
        return;
    }
    let at = rng.below(data.len());
    data[at] = match rng.below(3) {
        0 => rng.byte(),
        1 => rng.choose(&BYTES),
        _ => data[at].wrapping_add(rng.between(1, 8) as u8).wrapping_sub(if rng.one_in(2) { 9 } else { 0 }),
    };
}

fn insert(rng: &mut Rng, data: &mut Vec<u8>) {
    let at = rng.below(data.len() + 1);
    if rng.one_in(2) {
        let mut bytes = vec![0; rng.between(1, 16)];
        rng.fill(&mut bytes);
        data.splice(at..at, bytes);
    } else {
        let byte = if rng.one_in(2) { rng.choose(&BYTES) } else { rng.byte() };
        data.splice(at..at, std::iter::repeat_n(byte, rng.between(1, 256)));
    }
}

fn delete(rng: &mut Rng, data: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    let start = rng.below(data.len());
    let len =
        if rng.one_in(4) { rng.between(1, data.len() - start) } else { rng.between(1, 16.min(data.len() - start)) };
    data.drain(start..start + len);
}

fn truncate(rng: &mut Rng, data: &mut Vec<u8>) {
    let len = rng.below(data.len() + 1);
    data.truncate(len);
}

fn duplicate(rng: &mut Rng, data: &mut Vec<u8>, max_len: usize) {
    if data.is_empty() {
        return;
    }
    let start = rng.below(data.len());
    let end = rng.between(start + 1, data.len());
    let piece = data[start..end].to_vec();
    // Usually once; sometimes until the input nears the cap (large inputs, size limits).
    let times = if rng.one_in(64) { max_len / piece.len() + 1 } else { rng.between(1, 4) };
    let at = rng.below(data.len() + 1);
    let room = max_len.saturating_sub(data.len()) + piece.len();
    let mut grown = Vec::with_capacity(room.min(piece.len().saturating_mul(times)));
    for _ in 0..times {
        if grown.len() >= room {
            break;
        }
        grown.extend_from_slice(&piece);
    }
    data.splice(at..at, grown);
}

/// Overwrites bytes at a random place with a SCALE compact integer: a large value that no
/// buffer can back, a boundary of one of the four modes, or a value in a wider mode than it
/// needs (non-canonical).
fn compact(rng: &mut Rng, data: &mut Vec<u8>) {
    let value: u128 = match rng.below(6) {
        0 => u128::from(rng.choose(&INTEGERS)),
        1 => 1u128 << rng.below(128),
        2 => (1u128 << [6, 14, 30][rng.below(3)]) - 1 + rng.below(3) as u128,
        3 => u128::from(rng.next_u64()),
        4 => u128::MAX,
        _ => rng.below(64) as u128,
    };
    let bytes = match rng.below(4) {
        // Canonical encoding.
        0 | 1 => Compact(value).encode(),
        // Four-byte mode for a small value (non-canonical).
        2 => (((value as u32) << 2) | 0b10).to_le_bytes().to_vec(),
        // Big-integer mode with an arbitrary byte count.
        _ => {
            let count = rng.below(64) as u8;
            let mut out = vec![(count << 2) | 0b11];
            out.extend_from_slice(&value.to_le_bytes()[..usize::from(count.min(16))]);
            out
        }
    };
    overwrite(rng, data, &bytes);
}

/// Overwrites bytes at a random place with a boundary integer.
fn integer(rng: &mut Rng, data: &mut Vec<u8>) {
    let value = rng.choose(&INTEGERS);
    let width = [2usize, 4, 8][rng.below(3)];
    let bytes = if rng.one_in(2) { value.to_le_bytes() } else { value.to_be_bytes() };
    let bytes = if bytes[0] == 0 && width < 8 { &bytes[8 - width..] } else { &bytes[..width] };
    overwrite(rng, data, bytes);
}

fn overwrite(rng: &mut Rng, data: &mut Vec<u8>, bytes: &[u8]) {
    let at = rng.below(data.len() + 1);
    let end = (at + bytes.len()).min(data.len());
    data.splice(at..end, bytes.iter().copied());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_capped_and_varied() {
        let corpus = vec![b"hello, world".to_vec(), vec![0u8; 40]];
        let dictionary: &[&[u8]] = &[b"{", b"}"];
        let g = Generator { corpus: &corpus, dictionary, max_len: 300 };
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..2000 {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            g.generate(&mut Rng::new(i), &mut a);
            g.generate(&mut Rng::new(i), &mut b);
            assert_eq!(a, b);
            assert!(a.len() <= 300);
            seen.insert(a);
        }
        assert!(seen.len() > 1500, "{} distinct inputs", seen.len());
    }
}
