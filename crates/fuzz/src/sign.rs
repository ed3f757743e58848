//! Deterministic sr25519 signatures for the corpora.
//!
//! [`Pair::sign`] draws its nonce from the OS, so a corpus signed with it would differ from run
//! to run. Here the nonce comes from a generator seeded with the message: the signature is valid
//! (schnorrkel's signing with an attached RNG, under the Substrate context), and the same seed
//! gives byte-identical inputs. Never sign anything real this way: a nonce derived only from the
//! message is predictable.

use agora_primitives::{Pair, SIGNING_CONTEXT, Signature, blake2_256};
use rand_core_06::{CryptoRng, RngCore};
use schnorrkel::context::attach_rng;
use schnorrkel::signing_context;

use crate::rng::Rng;

/// A seeded RNG in the trait schnorrkel asks for. Marked `CryptoRng` only because schnorrkel
/// requires it; it is not one (see the module doc).
struct Seeded(Rng);

impl RngCore for Seeded {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u64() as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core_06::Error> {
        self.0.fill(dest);
        Ok(())
    }
}

impl CryptoRng for Seeded {}

/// `pair`'s signature of `message` under the Substrate context, the same on every run.
pub fn sign(pair: &Pair, message: &[u8]) -> Signature {
    let digest = blake2_256(message).0;
    let seed = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
    let transcript = attach_rng(signing_context(SIGNING_CONTEXT).bytes(message), Seeded(Rng::new(seed)));
    Signature(pair.keypair().sign(transcript).to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_repeat() {
        let pair = Pair::from_seed(&[1; 32]);
        let a = sign(&pair, b"hello");
        assert_eq!(a, sign(&pair, b"hello"));
        assert!(agora_primitives::verify(&pair.public(), b"hello", &a));
        assert!(!agora_primitives::verify(&pair.public(), b"hellp", &a));
    }
}
