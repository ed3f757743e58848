//! Agora transactions from the network: `agora_submitTransaction`'s bytes
//! ([`SignedTransaction::decode_checked`]) and the transaction gossip channel
//! ([`Envelope::from_gossip`]).

use agora_node::block::Envelope;
use agora_runtime::SignedTransaction;
use agora_runtime::error::TransactionError;
use parity_scale_codec::Encode;

use super::samples;
use crate::mutate::Generator;
use crate::rng::Rng;
use crate::runner::{Bound, Target, text_kind, variant};

/// A transaction whose call alone is mutated (signer, nonce and signature intact), so the
/// call's variant and fields are what the decoder meets.
pub fn structured(rng: &mut Rng, generator: &Generator, txs: &[SignedTransaction]) -> Vec<u8> {
    let tx = rng.pick(txs);
    let mut call = tx.call.encode();
    generator.havoc(rng, &mut call);
    let mut out = (tx.signer, tx.nonce).encode();
    out.extend(call);
    out.extend(tx.signature.encode());
    out
}

/// [`SignedTransaction::decode_checked`], as the node's RPC calls it on a submitted transaction.
pub struct Transaction {
    corpus: Vec<Vec<u8>>,
    txs: Vec<SignedTransaction>,
}

impl Target for Transaction {
    const NAME: &'static str = "transaction";
    const ABOUT: &'static str = "SignedTransaction::decode_checked (agora_submitTransaction, block bodies)";
    /// A little above `MAX_TX_BYTES` (64 KiB), so the size check is reached.
    const MAX_LEN: usize = 66 * 1024;
    /// SCALE allocates a vector or string only after checking that the input still holds its
    /// bytes, so a decode holds at most the input's worth of vectors (`Vec<u16>` doubles nothing:
    /// two bytes in, two bytes held) and growth slack, plus a constant for the error text.
    const BOUND: Bound = Bound { per_byte: 4, constant: 16 * 1024 };
    type Output = (Result<SignedTransaction, TransactionError>, bool);

    fn new() -> Self {
        let txs = samples::transactions();
        Transaction { corpus: txs.iter().map(Encode::encode).collect(), txs }
    }

    fn corpus(&self) -> &[Vec<u8>] {
        &self.corpus
    }

    fn structured(&self, rng: &mut Rng, generator: &Generator) -> Option<Vec<u8>> {
        Some(structured(rng, generator, &self.txs))
    }

    fn run(&self, input: &[u8]) -> Self::Output {
        let decoded = SignedTransaction::decode_checked(input);
        // The RPC re-encodes what it decoded to gossip it, and hashes the re-encoding.
        let canonical = decoded.as_ref().is_ok_and(|tx| tx.encode() == input);
        (decoded, canonical)
    }

    fn classify(&self, _: &[u8], (decoded, canonical): &Self::Output) -> Result<String, String> {
        match decoded {
            Ok(_) if !canonical => Err("decoded a transaction that does not encode back to its bytes".into()),
            Ok(tx) => Ok(format!("ok {}", tx.call.name())),
            Err(e) => Ok(variant(e)),
        }
    }
}

/// [`Envelope::from_gossip`], as the node's gossip channel calls it on every peer message.
pub struct Gossip {
    corpus: Vec<Vec<u8>>,
    txs: Vec<SignedTransaction>,
    calls: Vec<Vec<u8>>,
}

impl Target for Gossip {
    const NAME: &'static str = "gossip";
    const ABOUT: &'static str = "Envelope::from_gossip (p2p transaction channel)";
    /// Above both envelopes' 64 KiB limits.
    const MAX_LEN: usize = 66 * 1024;
    /// As [`Transaction`] and the Substrate decoder: the extrinsic's bytes are copied once and
    /// its call decoded from them.
    const BOUND: Bound = Bound { per_byte: 4, constant: 16 * 1024 };
    type Output = (Result<Envelope, String>, bool);

    fn new() -> Self {
        let mut corpus: Vec<Vec<u8>> =
            samples::transactions().into_iter().map(|tx| Envelope::Agora(tx).gossip_message()).collect();
        for xt in samples::extrinsics() {
            let mut message = vec![1];
            message.extend(xt);
            corpus.push(message);
        }
        let calls = samples::runtime_calls().iter().map(Encode::encode).collect();
        Gossip { corpus, txs: samples::transactions(), calls }
    }

    fn corpus(&self) -> &[Vec<u8>] {
        &self.corpus
    }

    fn structured(&self, rng: &mut Rng, generator: &Generator) -> Option<Vec<u8>> {
        let (kind, body) = if rng.one_in(2) {
            (0, structured(rng, generator, &self.txs))
        } else {
            (1, super::extrinsic::structured(rng, generator, &self.calls))
        };
        Some([vec![kind], body].concat())
    }

    fn run(&self, input: &[u8]) -> Self::Output {
        let decoded = Envelope::from_gossip(input);
        // The node forwards what it admits by re-encoding it.
        let canonical = decoded.as_ref().is_ok_and(|e| e.gossip_message() == input);
        (decoded, canonical)
    }

    fn classify(&self, _: &[u8], (decoded, canonical): &Self::Output) -> Result<String, String> {
        match decoded {
            Ok(_) if !canonical => Err("decoded an envelope that does not encode back to its bytes".into()),
            Ok(e) => Ok(format!("ok {}", e.kind())),
            // The error is text: its words before any detail name it.
            Err(e) => Ok(text_kind(e)),
        }
    }
}
