//! Substrate v4 extrinsics: what `author_submitExtrinsic` does with a client's bytes
//! ([`Extrinsic::decode`], which is `agora_substrate::checked::decode`) and what block
//! verification does with a decoded one ([`Envelope::authenticate`]: era, genesis, signature,
//! the map to Agora's call).

use agora_node::block::{Envelope, Extrinsic};
use agora_substrate::checked::Refusal;
use agora_substrate::era::Era;
use parity_scale_codec::{Compact, Decode, Encode};

use super::samples::{self, HEIGHT, View};
use crate::mutate::Generator;
use crate::rng::Rng;
use crate::runner::{Bound, Target, variant};

/// [`Extrinsic::decode`], then [`Envelope::authenticate`] on what decodes.
pub struct Extrinsics {
    corpus: Vec<Vec<u8>>,
    /// The reference calls' encodings.
    calls: Vec<Vec<u8>>,
}

/// Eras around the checks: immortal, mortal ones valid at [`HEIGHT`], one born in the block
/// it is checked in, the shortest and longest periods, one born after the last known block.
fn era(rng: &mut Rng) -> Era {
    match rng.below(7) {
        0 => Era::Immortal,
        1 => Era::mortal(64, HEIGHT - 1),
        2 => Era::mortal(64, HEIGHT),
        3 => Era::mortal(4, HEIGHT - 1),
        4 => Era::mortal(1 << 16, HEIGHT - 1),
        5 => Era::mortal(8, 5000),
        _ => Era::mortal(1 << rng.between(2, 16), rng.next_u64() % 2000),
    }
}

/// An extrinsic aware of its layers (the byte-level generator mostly breaks the length prefix):
/// a mutated call, so the call's decoding and its map to Agora's are reached; boundary eras,
/// nonces and tips, so the checks against the chain are; or a mutated body under a correct
/// prefix. One in eight is signed properly, so the checks also pass.
pub fn structured(rng: &mut Rng, generator: &Generator, calls: &[Vec<u8>]) -> Vec<u8> {
    let signer = rng.between(1, 3) as u8;
    let signed = rng.one_in(8);
    let mut call = rng.pick::<Vec<u8>>(calls).clone();
    match rng.below(4) {
        0 | 1 => {
            generator.havoc(rng, &mut call);
            samples::extrinsic_of_bytes(signer, &call, era(rng), rng.below(1000) as u32, 0, signed)
        }
        2 => {
            let nonce = if rng.one_in(2) { u32::MAX } else { rng.next_u64() as u32 };
            let tip = if rng.one_in(4) { rng.next_u64() } else { 0 };
            samples::extrinsic_of_bytes(signer, &call, era(rng), nonce, tip, signed)
        }
        _ => {
            let xt = samples::extrinsic_of_bytes(signer, &call, era(rng), 0, 0, signed);
            let mut input = &xt[..];
            let _ = Compact::<u32>::decode(&mut input);
            let mut body = input.to_vec();
            generator.havoc(rng, &mut body);
            samples::with_length(&body)
        }
    }
}

/// Where an input stopped.
pub enum Stage {
    /// Refused by the decoder.
    Decode(Refusal),
    /// Decoded, refused by the checks against the chain.
    Check(Refusal),
    /// Decoded and checked.
    Accepted,
}

impl Target for Extrinsics {
    const NAME: &'static str = "extrinsic";
    const ABOUT: &'static str = "Extrinsic::decode + authenticate (author_submitExtrinsic, block bodies)";
    /// A little above `MAX_EXTRINSIC_BYTES` (64 KiB).
    const MAX_LEN: usize = 66 * 1024;
    /// The input is copied once (the RPC's buffer), the call's bytes once more, and the call
    /// decoded from them (its vectors checked against the bytes left); the check builds the
    /// signing payload (the call again, or its hash) and the Agora call (the vectors again).
    const BOUND: Bound = Bound { per_byte: 6, constant: 16 * 1024 };
    type Output = Stage;

    fn new() -> Self {
        Extrinsics {
            corpus: samples::extrinsics(),
            calls: samples::runtime_calls().iter().map(Encode::encode).collect(),
        }
    }

    fn corpus(&self) -> &[Vec<u8>] {
        &self.corpus
    }

    fn structured(&self, rng: &mut Rng, generator: &Generator) -> Option<Vec<u8>> {
        Some(structured(rng, generator, &self.calls))
    }

    fn run(&self, input: &[u8]) -> Stage {
        let xt = match Extrinsic::decode(input.to_vec()) {
            Ok(xt) => xt,
            Err(r) => return Stage::Decode(r),
        };
        let envelope = Envelope::Substrate(xt);
        let _ = envelope.call();
        match envelope.authenticate(&View, HEIGHT) {
            Ok(_) => Stage::Accepted,
            Err(r) => Stage::Check(r),
        }
    }

    fn classify(&self, _: &[u8], output: &Stage) -> Result<String, String> {
        Ok(match output {
            Stage::Decode(r) => format!("decode: {}", variant(r)),
            Stage::Check(r) => format!("check: {}", variant(r)),
            Stage::Accepted => "ok".into(),
        })
    }
}
