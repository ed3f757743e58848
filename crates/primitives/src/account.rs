//! [`AccountId`]: a 32-byte sr25519 public key, shown as an SS58 address (prefix 42).
//!
//! # SS58 format
//!
//! ```text
//! address = base58( prefix ‖ public_key[32] ‖ checksum[2] )
//! checksum = blake2b-512( "SS58PRE" ‖ prefix ‖ public_key )[0..2]
//! ```
//!
//! `prefix` is one byte for values below 64 (ours is 42, the generic Substrate prefix that Bittensor
//! uses), two bytes otherwise. Decoding checks the length, the prefix and the checksum.

use core::fmt;
use core::str::FromStr;

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::hash::blake2_512;

/// The SS58 address prefix of Agora (and of Bittensor): 42.
pub const SS58_PREFIX: u16 = 42;

/// A 32-byte sr25519 public key identifying an account (coldkey) or a hotkey.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, MaxEncodedLen)]
pub struct AccountId(pub [u8; 32]);

/// Why a string is not a valid SS58 address.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Ss58Error {
    /// The text is not base58.
    #[error("not base58: {0}")]
    Base58(String),
    /// The decoded payload has the wrong length for a 32-byte key.
    #[error("wrong length: {0} bytes decoded, expected 35 or 36")]
    Length(usize),
    /// The checksum does not match: a typo, most likely.
    #[error("checksum mismatch (is there a typo in the address?)")]
    Checksum,
    /// A valid address for another network.
    #[error("address has SS58 prefix {found}, expected {expected}")]
    Prefix {
        /// The prefix found in the address.
        found: u16,
        /// The prefix this chain uses.
        expected: u16,
    },
}

fn ss58_checksum(prefix_bytes: &[u8], key: &[u8; 32]) -> [u8; 2] {
    let h = blake2_512(&[b"SS58PRE", prefix_bytes, key]);
    [h[0], h[1]]
}

fn prefix_bytes(prefix: u16) -> Vec<u8> {
    if prefix < 64 {
        vec![prefix as u8]
    } else {
        // Two-byte form from the SS58 specification.
        let first = (((prefix & 0b0000_0000_1111_1100) as u8) >> 2) | 0b0100_0000;
        let second = ((prefix >> 8) as u8) | (((prefix & 0b11) as u8) << 6);
        vec![first, second]
    }
}

impl AccountId {
    /// Wraps raw public key bytes.
    pub const fn new(bytes: [u8; 32]) -> Self {
        AccountId(bytes)
    }

    /// The raw public key bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The SS58 address with prefix 42.
    pub fn to_ss58(&self) -> String {
        self.to_ss58_with_prefix(SS58_PREFIX)
    }

    /// The SS58 address with any prefix (`prefix < 16384`).
    pub fn to_ss58_with_prefix(&self, prefix: u16) -> String {
        let p = prefix_bytes(prefix);
        let mut payload = Vec::with_capacity(p.len() + 34);
        payload.extend_from_slice(&p);
        payload.extend_from_slice(&self.0);
        payload.extend_from_slice(&ss58_checksum(&p, &self.0));
        bs58::encode(payload).into_string()
    }

    /// Decodes an SS58 address of any prefix, returning the key and the prefix.
    pub fn from_ss58_any_prefix(text: &str) -> Result<(AccountId, u16), Ss58Error> {
        let data = bs58::decode(text.trim()).into_vec().map_err(|e| Ss58Error::Base58(e.to_string()))?;
        let (prefix, prefix_len) = match data.first() {
            Some(&b) if b < 64 => (u16::from(b), 1),
            Some(&b) if b < 128 && data.len() > 1 => {
                let lower = (b << 2) | (data[1] >> 6);
                let upper = data[1] & 0b0011_1111;
                (u16::from(lower) | (u16::from(upper) << 8), 2)
            }
            _ => return Err(Ss58Error::Length(data.len())),
        };
        if data.len() != prefix_len + 34 {
            return Err(Ss58Error::Length(data.len()));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&data[prefix_len..prefix_len + 32]);
        if ss58_checksum(&data[..prefix_len], &key) != data[prefix_len + 32..] {
            return Err(Ss58Error::Checksum);
        }
        Ok((AccountId(key), prefix))
    }

    /// Decodes an SS58 address, requiring prefix 42.
    pub fn from_ss58(text: &str) -> Result<AccountId, Ss58Error> {
        let (id, prefix) = Self::from_ss58_any_prefix(text)?;
        if prefix != SS58_PREFIX {
            return Err(Ss58Error::Prefix { found: prefix, expected: SS58_PREFIX });
        }
        Ok(id)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_ss58())
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_ss58())
    }
}

impl FromStr for AccountId {
    type Err = Ss58Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccountId::from_ss58(s)
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        AccountId::from_ss58(&text).map_err(|e| serde::de::Error::custom(format!("invalid SS58 address {text:?}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Substrate's well-known `//Alice` dev key.
    const ALICE_HEX: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
    const ALICE_SS58: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

    fn alice() -> AccountId {
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = u8::from_str_radix(&ALICE_HEX[2 * i..2 * i + 2], 16).unwrap();
        }
        AccountId(key)
    }

    #[test]
    fn encodes_alice_like_substrate() {
        assert_eq!(alice().to_ss58(), ALICE_SS58);
        assert_eq!(AccountId::from_ss58(ALICE_SS58).unwrap(), alice());
    }

    #[test]
    fn rejects_typos_other_prefixes_and_garbage() {
        let mut typo = ALICE_SS58.to_string();
        typo.replace_range(10..11, "b");
        assert_eq!(AccountId::from_ss58(&typo), Err(Ss58Error::Checksum));
        let polkadot = alice().to_ss58_with_prefix(0);
        assert_eq!(AccountId::from_ss58(&polkadot), Err(Ss58Error::Prefix { found: 0, expected: 42 }));
        assert!(matches!(AccountId::from_ss58("0OIl"), Err(Ss58Error::Base58(_))));
        assert!(matches!(AccountId::from_ss58("5Grwva"), Err(Ss58Error::Length(_))));
        assert!(matches!(AccountId::from_ss58(""), Err(Ss58Error::Length(0))));
    }

    #[test]
    fn two_byte_prefixes_round_trip() {
        let s = alice().to_ss58_with_prefix(1284);
        assert_eq!(AccountId::from_ss58_any_prefix(&s).unwrap(), (alice(), 1284));
    }

    #[test]
    fn serde_uses_ss58() {
        let json = serde_json::to_string(&alice()).unwrap();
        assert_eq!(json, format!("\"{ALICE_SS58}\""));
        assert_eq!(serde_json::from_str::<AccountId>(&json).unwrap(), alice());
        assert!(serde_json::from_str::<AccountId>("\"nope\"").is_err());
    }

    proptest::proptest! {
        #[test]
        fn ss58_round_trips(bytes in proptest::array::uniform32(0u8..)) {
            let id = AccountId(bytes);
            proptest::prop_assert_eq!(AccountId::from_ss58(&id.to_ss58()).unwrap(), id);
        }
    }
}
