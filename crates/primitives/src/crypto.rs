//! sr25519 key pairs and signatures with Substrate's signing context.
//!
//! Substrate (and therefore Bittensor) signs with schnorrkel under the signing context
//! `b"substrate"`, and expands a 32-byte mini secret key in *Ed25519 mode*. Both choices are fixed
//! here, so a key made from the same seed has the same public key and accepts the same signatures
//! as in the reference ecosystem.

use core::fmt;

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};
use schnorrkel::{ExpansionMode, Keypair, MiniSecretKey, PublicKey, signing_context};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::account::AccountId;

/// The schnorrkel signing context used by Substrate. Changing it breaks every signature.
pub const SIGNING_CONTEXT: &[u8] = b"substrate";

/// A 64-byte sr25519 signature.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
pub struct Signature(pub [u8; 64]);

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{self:?}"))
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Signature::from_hex(&text).ok_or_else(|| serde::de::Error::custom("expected 0x-prefixed hex of 64 bytes"))
    }
}

impl Signature {
    /// Parses `0x`-prefixed (or bare) hex of exactly 64 bytes.
    pub fn from_hex(text: &str) -> Option<Signature> {
        let hex = text.strip_prefix("0x").unwrap_or(text);
        if hex.len() != 128 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 64];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Signature(out))
    }
}

/// An sr25519 key pair.
#[derive(Clone)]
pub struct Pair {
    keypair: Keypair,
}

impl fmt::Debug for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secret material.
        write!(f, "Pair({})", self.public())
    }
}

impl Pair {
    /// The key pair of a 32-byte mini secret key (a "seed"), expanded as Substrate does.
    pub fn from_seed(seed: &[u8; 32]) -> Pair {
        // `from_bytes` only fails on a wrong length, which the array type rules out.
        let mini = MiniSecretKey::from_bytes(seed).expect("a 32-byte mini secret key is always valid");
        Pair { keypair: mini.expand_to_keypair(ExpansionMode::Ed25519) }
    }

    /// Wraps an existing schnorrkel key pair (for wallet code that derives keys itself).
    pub fn from_keypair(keypair: Keypair) -> Pair {
        Pair { keypair }
    }

    /// The underlying schnorrkel key pair.
    pub fn keypair(&self) -> &Keypair {
        &self.keypair
    }

    /// The public key as an account id.
    pub fn public(&self) -> AccountId {
        AccountId(self.keypair.public.to_bytes())
    }

    /// Signs `message` under the Substrate signing context.
    pub fn sign(&self, message: &[u8]) -> Signature {
        let ctx = signing_context(SIGNING_CONTEXT);
        Signature(self.keypair.sign(ctx.bytes(message)).to_bytes())
    }
}

/// Whether `signature` is a valid signature of `message` by `signer` under the Substrate context.
///
/// Malformed public keys or signatures simply fail verification; this never panics.
pub fn verify(signer: &AccountId, message: &[u8], signature: &Signature) -> bool {
    let Ok(public) = PublicKey::from_bytes(&signer.0) else {
        return false;
    };
    let Ok(sig) = schnorrkel::Signature::from_bytes(&signature.0) else {
        return false;
    };
    public.verify(signing_context(SIGNING_CONTEXT).bytes(message), &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_hex_takes_hex_digits_only() {
        let good = "ab".repeat(64);
        assert!(Signature::from_hex(&good).is_some());
        // `from_str_radix` alone would read "+a" as a byte.
        let signed = format!("+a{}", "ab".repeat(63));
        assert!(Signature::from_hex(&signed).is_none());
    }

    #[test]
    fn sign_and_verify() {
        let pair = Pair::from_seed(&[7u8; 32]);
        let sig = pair.sign(b"hello");
        assert!(verify(&pair.public(), b"hello", &sig));
        assert!(!verify(&pair.public(), b"hellp", &sig));
        let other = Pair::from_seed(&[8u8; 32]);
        assert!(!verify(&other.public(), b"hello", &sig));
        let mut bad = sig;
        bad.0[5] ^= 1;
        assert!(!verify(&pair.public(), b"hello", &bad));
    }

    #[test]
    fn garbage_keys_and_signatures_fail_cleanly() {
        assert!(!verify(&AccountId([0xff; 32]), b"x", &Signature([0u8; 64])));
        assert!(!verify(&Pair::from_seed(&[1; 32]).public(), b"x", &Signature([0xff; 64])));
    }

    #[test]
    fn seed_expansion_matches_substrate() {
        // Substrate dev phrase "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
        // has mini secret fac7959d…; its sr25519 public key is 46ebddef… (subkey inspect).
        let seed_hex = "fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e";
        let mut seed = [0u8; 32];
        for (i, b) in seed.iter_mut().enumerate() {
            *b = u8::from_str_radix(&seed_hex[2 * i..2 * i + 2], 16).unwrap();
        }
        let public = Pair::from_seed(&seed).public();
        assert_eq!(public.to_ss58(), "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV");
    }

    #[test]
    fn signature_serde_round_trip() {
        let sig = Pair::from_seed(&[3; 32]).sign(b"m");
        let json = serde_json::to_string(&sig).unwrap();
        assert_eq!(serde_json::from_str::<Signature>(&json).unwrap(), sig);
        assert!(serde_json::from_str::<Signature>("\"0x12\"").is_err());
    }
}
