//! Blocks from peers: [`Block::decode`], directly and through [`ChainBlock`]'s commonware codec
//! (how the broadcast and backfill channels receive a proposal or a finalised block).

use agora_node::block::{Block, BlockDecodeError, Envelope, Extrinsic, HEADER_BYTES, Header, tx_root};
use agora_node::engine::ChainBlock;
use agora_primitives::Hash;
use agora_runtime::SignedTransaction;
use commonware_codec::{Copying, DecodeExt};
use parity_scale_codec::Encode;

use super::samples;
use crate::mutate::Generator;
use crate::rng::Rng;
use crate::runner::{Bound, Target, text_kind, variant};

/// [`Block::decode`] and [`ChainBlock`]'s `Read`.
pub struct Blocks {
    corpus: Vec<Vec<u8>>,
    txs: Vec<SignedTransaction>,
    xts: Vec<Vec<u8>>,
    calls: Vec<Vec<u8>>,
}

/// The tag bit of a Substrate extrinsic's length word.
const SUBSTRATE_TAG: u32 = 1 << 31;
/// Offset of the author flag in the header.
const AUTHOR_FLAG: usize = 8 + 32 + 32;

/// A block at `height` carrying `transactions`, with a consistent transaction root.
fn block(height: u64, transactions: Vec<Envelope>, author: bool) -> Block {
    Block {
        header: Header {
            height,
            parent: [height as u8; 32],
            proposer: [0xaa; 32],
            author: author.then(|| samples::pair(1).public()),
            timestamp_ms: 1_700_000_000_000 + height * 250,
            tx_root: tx_root(&transactions),
            state_root: Hash([0x55; 32]),
        },
        transactions,
    }
}

impl Target for Blocks {
    const NAME: &'static str = "block";
    const ABOUT: &'static str = "Block::decode and ChainBlock::read (p2p broadcast and backfill)";
    /// Enough for blocks of dozens of transactions and for every count and length word; the
    /// 2 MiB byte limit is reached through length words, not through input size.
    const MAX_LEN: usize = 128 * 1024;
    /// The decoder preallocates its transaction list for up to 1024 entries whatever the count
    /// word claims (each entry a few hundred bytes: the constant), then holds each transaction
    /// decoded (as [`super::transaction::Transaction`]) and each extrinsic's bytes once;
    /// `ChainBlock` first copies the buffer.
    const BOUND: Bound = Bound { per_byte: 8, constant: 1024 * 1024 };
    type Output = (Result<Block, BlockDecodeError>, bool, bool);

    fn new() -> Self {
        let txs: Vec<Envelope> = samples::transactions().into_iter().map(Envelope::Agora).collect();
        let xts: Vec<Envelope> = samples::extrinsics()
            .into_iter()
            .filter_map(|x| Extrinsic::decode(x).ok())
            .map(Envelope::Substrate)
            .collect();
        let mixed: Vec<Envelope> = txs.iter().take(4).chain(xts.iter().take(4)).cloned().collect();
        let transfers: Vec<Envelope> =
            (0..40).map(|n| Envelope::Agora(samples::transaction(1, n, samples::calls().remove(0)))).collect();
        let corpus = [
            Block::genesis(Hash([0x55; 32]), 1_700_000_000_000, [0x11; 32]),
            block(1, txs[..3].to_vec(), true),
            block(2, txs.clone(), true),
            block(3, xts.clone(), false),
            block(4, mixed, true),
            block(5, transfers, true),
            block(6, Vec::new(), true),
        ]
        .iter()
        .map(Block::encode)
        .collect();
        let calls = samples::runtime_calls().iter().map(Encode::encode).collect();
        Blocks { corpus, txs: samples::transactions(), xts: samples::extrinsics(), calls }
    }

    fn corpus(&self) -> &[Vec<u8>] {
        &self.corpus
    }

    /// A block assembled around its transactions: up to eight, one of them mutated (as the
    /// transaction and extrinsic targets mutate theirs), with correct length words and, usually,
    /// the transaction root of what decodes, so the decoder reaches every transaction and the
    /// root check; sometimes a bad author flag, count word, length word or tag bit.
    fn structured(&self, rng: &mut Rng, generator: &Generator) -> Option<Vec<u8>> {
        let n = rng.below(9);
        let mut items: Vec<(bool, Vec<u8>)> = (0..n)
            .map(|_| {
                if rng.one_in(2) {
                    (false, rng.pick(&self.txs).encode())
                } else {
                    (true, rng.pick::<Vec<u8>>(&self.xts).clone())
                }
            })
            .collect();
        if n > 0 && !rng.one_in(4) {
            let i = rng.below(n);
            items[i].1 = if items[i].0 {
                super::extrinsic::structured(rng, generator, &self.calls)
            } else {
                super::transaction::structured(rng, generator, &self.txs)
            };
        }
        let envelopes: Option<Vec<Envelope>> =
            items.iter().map(|(sub, b)| Envelope::from_gossip(&[&[u8::from(*sub)], &b[..]].concat()).ok()).collect();
        let root = match envelopes {
            Some(e) if !rng.one_in(8) => tx_root(&e),
            _ => Hash([rng.byte(); 32]),
        };
        let mut out = Header {
            height: if rng.one_in(4) { rng.next_u64() } else { rng.below(1000) as u64 },
            parent: [rng.byte(); 32],
            proposer: [0xaa; 32],
            author: rng.one_in(2).then(|| samples::pair(1).public()),
            timestamp_ms: rng.next_u64(),
            tx_root: root,
            state_root: Hash([0x55; 32]),
        }
        .encode();
        if rng.one_in(16) {
            out[AUTHOR_FLAG] = rng.choose(&[0, 1, 2, 0xff]);
        }
        let count = match rng.below(16) {
            0 => n as u32 + 1,
            1 => (n as u32).wrapping_sub(1),
            2 => 10_001,
            _ => n as u32,
        };
        out.extend(count.to_be_bytes());
        for (sub, bytes) in &items {
            let mut word = bytes.len() as u32 | if *sub { SUBSTRATE_TAG } else { 0 };
            match rng.below(32) {
                0 => word ^= SUBSTRATE_TAG,
                1 => word = word.wrapping_add(1),
                2 => word = word.wrapping_sub(1),
                _ => {}
            }
            out.extend(word.to_be_bytes());
            out.extend_from_slice(bytes);
        }
        debug_assert!(out.len() >= HEADER_BYTES);
        Some(out)
    }

    fn run(&self, input: &[u8]) -> Self::Output {
        let decoded = Block::decode(input);
        let canonical = decoded.as_ref().is_ok_and(|b| b.encode() == input);
        let through_codec = ChainBlock::decode(Copying(input));
        let agree = through_codec.is_ok() == decoded.is_ok();
        (decoded, canonical, agree)
    }

    fn classify(&self, _: &[u8], (decoded, canonical, agree): &Self::Output) -> Result<String, String> {
        if !agree {
            return Err("Block::decode and ChainBlock::read disagree".into());
        }
        match decoded {
            Ok(_) if !canonical => Err("decoded a block that does not encode back to its bytes".into()),
            Ok(b) if b.transactions.is_empty() => Ok("ok (empty)".into()),
            Ok(_) => Ok("ok".into()),
            Err(BlockDecodeError::BadTransaction { reason, .. }) => {
                Ok(format!("BadTransaction: {}", text_kind(reason)))
            }
            Err(e) => Ok(variant(e)),
        }
    }
}
