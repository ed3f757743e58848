//! Blocks: a header and an ordered list of transactions in two envelopes, with a canonical
//! encoding.
//!
//! ```text
//! header (217 bytes)
//!   height u64 BE | parent [32] | proposer [32] (ed25519 key of the view's leader)
//!   author flag u8 + [32] (fee recipient, sr25519 account; flag 0 = none, bytes zero)
//!   timestamp_ms u64 BE | tx_root [32] | state_root [32]
//! body
//!   tx count u32 BE | per tx: tag+len u32 BE | bytes
//!     high bit of tag+len clear: SCALE(SignedTransaction)       (Agora's own envelope)
//!     high bit set:              a Substrate v4 extrinsic, verbatim as submitted
//! ```
//!
//! A block without Substrate extrinsics encodes exactly as before they existed. A Substrate
//! extrinsic's hash is `blake2_256` of its bytes (what the Python clients look it up by); its
//! signature covers block hashes, so it is checked by the node ([`Envelope::authenticate`]) and
//! the runtime receives it as an [`Transaction::Authenticated`].
//!
//! The block hash is blake2b-256 of the header; the header commits to the transactions through
//! `tx_root` (blake2b-256 of the concatenated transaction hashes) and to the **post-state** through
//! `state_root`: the root after executing this block on its parent's state. Every validator
//! re-executes a proposal and votes for it only if it reaches the same root.
//!
//! Decoding is total and canonical: any byte string either fails with an error or decodes to the
//! one block that encodes back to exactly those bytes, and whose transactions match its header's
//! `tx_root` (so a block hash identifies the whole block).

use agora_primitives::{AccountId, Hash, blake2_256};
use agora_runtime::{Authenticated, SignedTransaction, Transaction};
use agora_substrate::checked::{ChainView, Decoded, Refusal};
use parity_scale_codec::Encode;

/// A block hash (blake2b-256 of the header).
pub type BlockHash = [u8; 32];

/// Encoded header size.
pub const HEADER_BYTES: usize = 8 + 32 + 32 + 1 + 32 + 8 + 32 + 32;
/// Most transactions in one block.
pub const MAX_BLOCK_TXS: usize = 10_000;
/// Most bytes of transactions in one block (the sum of their encodings).
pub const MAX_BLOCK_TX_BYTES: usize = 2 * 1024 * 1024;
/// Upper bound of an encoded block.
pub const MAX_BLOCK_BYTES: usize = HEADER_BYTES + 4 + MAX_BLOCK_TX_BYTES + 4 * MAX_BLOCK_TXS;

/// The part of a block that is hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Height (genesis = 0).
    pub height: u64,
    /// Hash of the parent block (for genesis: the commitment to the validator set).
    pub parent: BlockHash,
    /// Consensus key (ed25519) of the validator that proposed it (zero for genesis).
    pub proposer: [u8; 32],
    /// Account credited with the block's transaction fees.
    pub author: Option<AccountId>,
    /// Proposer's clock in milliseconds; strictly above the parent's.
    pub timestamp_ms: u64,
    /// blake2b-256 over the concatenated transaction hashes.
    pub tx_root: Hash,
    /// State root after executing this block.
    pub state_root: Hash,
}

/// A block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// The transactions, in execution order.
    pub transactions: Vec<Envelope>,
}

/// Marks a Substrate extrinsic in a transaction's length word.
const SUBSTRATE_TAG: u32 = 1 << 31;

/// One transaction as a block carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Envelope {
    /// Agora's own signed transaction.
    Agora(SignedTransaction),
    /// A Substrate v4 extrinsic, byte for byte as a client submitted it.
    Substrate(Extrinsic),
}

/// A decoded Substrate extrinsic and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extrinsic {
    bytes: Vec<u8>,
    decoded: Decoded,
}

impl Extrinsic {
    /// Decodes `bytes` (as `author_submitExtrinsic` receives them); nothing is checked against
    /// the chain yet.
    pub fn decode(bytes: Vec<u8>) -> Result<Extrinsic, Refusal> {
        let decoded = agora_substrate::checked::decode(&bytes)?;
        Ok(Extrinsic { bytes, decoded })
    }

    /// The submitted bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The decoded extrinsic.
    pub fn decoded(&self) -> &Decoded {
        &self.decoded
    }
}

impl From<SignedTransaction> for Envelope {
    fn from(tx: SignedTransaction) -> Self {
        Envelope::Agora(tx)
    }
}

impl Envelope {
    /// The message that gossips it to peers: a kind byte (0 Agora, 1 Substrate), then its bytes.
    pub fn gossip_message(&self) -> Vec<u8> {
        let kind = u8::from(matches!(self, Envelope::Substrate(_)));
        let mut out = Vec::with_capacity(1 + self.encoded_size());
        out.push(kind);
        out.extend_from_slice(&self.body());
        out
    }

    /// Reads a [`Envelope::gossip_message`]; never panics.
    pub fn from_gossip(message: &[u8]) -> Result<Envelope, String> {
        match message.split_first() {
            Some((0, tx)) => SignedTransaction::decode_checked(tx).map(Envelope::Agora).map_err(|e| e.to_string()),
            Some((1, xt)) => Extrinsic::decode(xt.to_vec()).map(Envelope::Substrate).map_err(|e| e.to_string()),
            _ => Err("unknown envelope kind".into()),
        }
    }

    /// The transaction hash (for a Substrate extrinsic, `blake2_256` of its bytes).
    pub fn hash(&self) -> Hash {
        match self {
            Envelope::Agora(tx) => tx.hash(),
            Envelope::Substrate(xt) => xt.decoded.hash,
        }
    }

    /// The signer.
    pub fn signer(&self) -> AccountId {
        match self {
            Envelope::Agora(tx) => tx.signer,
            Envelope::Substrate(xt) => xt.decoded.signer,
        }
    }

    /// The signer's nonce.
    pub fn nonce(&self) -> u64 {
        match self {
            Envelope::Agora(tx) => tx.nonce,
            Envelope::Substrate(xt) => u64::from(xt.decoded.nonce),
        }
    }

    /// The Agora call it runs (`None` for a Substrate call Agora does not run: such a block
    /// never passes verification).
    pub fn call(&self) -> Option<std::borrow::Cow<'_, agora_runtime::Call>> {
        match self {
            Envelope::Agora(tx) => Some(std::borrow::Cow::Borrowed(&tx.call)),
            Envelope::Substrate(xt) => {
                agora_substrate::checked::to_agora(&xt.decoded.call).ok().map(std::borrow::Cow::Owned)
            }
        }
    }

    /// `agora` or `substrate`.
    pub fn kind(&self) -> &'static str {
        match self {
            Envelope::Agora(_) => "agora",
            Envelope::Substrate(_) => "substrate",
        }
    }

    /// Encoded size (without the length word).
    pub fn encoded_size(&self) -> usize {
        match self {
            Envelope::Agora(tx) => tx.encoded_size(),
            Envelope::Substrate(xt) => xt.bytes.len(),
        }
    }

    /// The bytes in the block, after the length word.
    fn body(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Envelope::Agora(tx) => tx.encode().into(),
            Envelope::Substrate(xt) => (&xt.bytes[..]).into(),
        }
    }

    /// The transaction the runtime runs for the block at `height`: a Substrate extrinsic's
    /// era and signature are checked against `chain` (the block's ancestry), and its call
    /// mapped to Agora's. Agora's own transactions are checked by the runtime.
    pub fn authenticate(&self, chain: &impl ChainView, height: u64) -> Result<Transaction, Refusal> {
        match self {
            Envelope::Agora(tx) => Ok(Transaction::Signed(tx.clone())),
            Envelope::Substrate(xt) => {
                let checked = xt.decoded.check(chain, height)?;
                Ok(Transaction::Authenticated(Authenticated {
                    hash: checked.hash,
                    signer: checked.signer,
                    nonce: checked.nonce,
                    call: checked.call,
                    size: xt.bytes.len(),
                }))
            }
        }
    }
}

/// Why bytes are not a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockDecodeError {
    /// Fewer bytes than the encoding needs.
    #[error("block truncated")]
    Truncated,
    /// Bytes left over after the last transaction.
    #[error("{0} trailing bytes after the block")]
    Trailing(usize),
    /// More transactions or bytes than a block may carry.
    #[error("block exceeds limits ({0})")]
    TooLarge(&'static str),
    /// A transaction does not decode, or not canonically.
    #[error("transaction {index} is malformed: {reason}")]
    BadTransaction {
        /// Its position.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The author flag is neither 0 nor 1, or the account bytes of "no author" are not zero.
    #[error("bad author field")]
    BadAuthor,
    /// The transactions are not the ones the header commits to.
    #[error("transactions do not match the header's transaction root")]
    TxRootMismatch,
}

/// The transaction root of `transactions`: blake2b-256 over their leaves, a transaction's hash
/// for Agora's envelope and `blake2b-256("agora/substrate" ‖ hash)` for a Substrate extrinsic,
/// so the root also commits to the envelope (the same bytes could otherwise be read as either).
pub fn tx_root(transactions: &[Envelope]) -> Hash {
    let mut bytes = Vec::with_capacity(32 * transactions.len());
    for tx in transactions {
        match tx {
            Envelope::Agora(tx) => bytes.extend_from_slice(&tx.hash().0),
            Envelope::Substrate(xt) => {
                bytes.extend_from_slice(&agora_primitives::blake2_256_concat(&[SUBSTRATE_LEAF, &xt.decoded.hash.0]).0)
            }
        }
    }
    blake2_256(&bytes)
}

/// Domain tag of a Substrate extrinsic's leaf in [`tx_root`].
const SUBSTRATE_LEAF: &[u8] = b"agora/substrate";

impl Header {
    /// The canonical header bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_BYTES);
        out.extend_from_slice(&self.height.to_be_bytes());
        out.extend_from_slice(&self.parent);
        out.extend_from_slice(&self.proposer);
        match &self.author {
            Some(author) => {
                out.push(1);
                out.extend_from_slice(&author.0);
            }
            None => {
                out.push(0);
                out.extend_from_slice(&[0; 32]);
            }
        }
        out.extend_from_slice(&self.timestamp_ms.to_be_bytes());
        out.extend_from_slice(&self.tx_root.0);
        out.extend_from_slice(&self.state_root.0);
        out
    }

    /// The block hash.
    pub fn hash(&self) -> BlockHash {
        blake2_256(&self.encode()).0
    }

    fn decode(bytes: &[u8]) -> Result<Header, BlockDecodeError> {
        if bytes.len() < HEADER_BYTES {
            return Err(BlockDecodeError::Truncated);
        }
        let mut r = Reader(bytes);
        let height = u64::from_be_bytes(r.array()?);
        let parent = r.array()?;
        let proposer = r.array()?;
        let flag = r.array::<1>()?[0];
        let account: [u8; 32] = r.array()?;
        let author = match flag {
            1 => Some(AccountId(account)),
            0 if account == [0; 32] => None,
            _ => return Err(BlockDecodeError::BadAuthor),
        };
        let timestamp_ms = u64::from_be_bytes(r.array()?);
        let tx_root = Hash(r.array()?);
        let state_root = Hash(r.array()?);
        Ok(Header { height, parent, proposer, author, timestamp_ms, tx_root, state_root })
    }
}

impl Block {
    /// The genesis block of a chain whose genesis state has root `state_root`. Its `parent`
    /// field carries `consensus`, a commitment to the validator set, so two chains with the same
    /// runtime genesis but different validators have different genesis blocks.
    pub fn genesis(state_root: Hash, timestamp_ms: u64, consensus: [u8; 32]) -> Block {
        Block {
            header: Header {
                height: 0,
                parent: consensus,
                proposer: [0; 32],
                author: None,
                timestamp_ms,
                tx_root: tx_root(&[]),
                state_root,
            },
            transactions: Vec::new(),
        }
    }

    /// The block hash.
    pub fn hash(&self) -> BlockHash {
        self.header.hash()
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.header.encode();
        out.extend_from_slice(&(self.transactions.len() as u32).to_be_bytes());
        for tx in &self.transactions {
            let bytes = tx.body();
            let tag = if matches!(tx, Envelope::Substrate(_)) { SUBSTRATE_TAG } else { 0 };
            out.extend_from_slice(&(bytes.len() as u32 | tag).to_be_bytes());
            out.extend_from_slice(&bytes);
        }
        out
    }

    /// Size of [`Block::encode`] without encoding.
    pub fn encoded_size(&self) -> usize {
        HEADER_BYTES + 4 + self.transactions.iter().map(|tx| 4 + tx.encoded_size()).sum::<usize>()
    }

    /// Decodes a block; total (never panics) and canonical.
    pub fn decode(bytes: &[u8]) -> Result<Block, BlockDecodeError> {
        let header = Header::decode(bytes)?;
        let mut r = Reader(&bytes[HEADER_BYTES..]);
        let count = u32::from_be_bytes(r.array()?) as usize;
        if count > MAX_BLOCK_TXS {
            return Err(BlockDecodeError::TooLarge("transaction count"));
        }
        let mut transactions = Vec::with_capacity(count.min(1024));
        let mut total = 0usize;
        for index in 0..count {
            let word = u32::from_be_bytes(r.array()?);
            let len = (word & !SUBSTRATE_TAG) as usize;
            total = total.saturating_add(len);
            if total > MAX_BLOCK_TX_BYTES {
                return Err(BlockDecodeError::TooLarge("transaction bytes"));
            }
            let tx_bytes = r.take(len)?;
            let bad = |reason: String| BlockDecodeError::BadTransaction { index, reason };
            if word & SUBSTRATE_TAG != 0 {
                let xt = Extrinsic::decode(tx_bytes.to_vec()).map_err(|e| bad(e.to_string()))?;
                transactions.push(Envelope::Substrate(xt));
                continue;
            }
            let tx = SignedTransaction::decode_checked(tx_bytes).map_err(|e| bad(e.to_string()))?;
            if tx.encoded_size() != len {
                return Err(bad("non-canonical encoding".into()));
            }
            transactions.push(Envelope::Agora(tx));
        }
        if !r.0.is_empty() {
            return Err(BlockDecodeError::Trailing(r.0.len()));
        }
        // The block hash covers the header only; the header covers the body through tx_root.
        // Without this check a peer could pair an honest header with another body.
        if tx_root(&transactions) != header.tx_root {
            return Err(BlockDecodeError::TxRootMismatch);
        }
        Ok(Block { header, transactions })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BlockDecodeError> {
        if self.0.len() < n {
            return Err(BlockDecodeError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BlockDecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agora_primitives::{Balance, Pair};
    use agora_runtime::Call;
    use proptest::prelude::*;

    fn sample() -> Block {
        let alice = Pair::from_seed(&[1; 32]);
        let txs: Vec<_> = (0..3)
            .map(|n| {
                let call = Call::Transfer { dest: Pair::from_seed(&[2; 32]).public(), amount: Balance(n + 1) };
                Envelope::Agora(SignedTransaction::sign(&alice, &Hash([7; 32]), n, call))
            })
            .collect();
        Block {
            header: Header {
                height: 5,
                parent: [3; 32],
                proposer: [4; 32],
                author: Some(alice.public()),
                timestamp_ms: 1234,
                tx_root: tx_root(&txs),
                state_root: Hash([9; 32]),
            },
            transactions: txs,
        }
    }

    #[test]
    fn round_trips_and_sizes() {
        let block = sample();
        let bytes = block.encode();
        assert_eq!(bytes.len(), block.encoded_size());
        assert_eq!(Block::decode(&bytes).unwrap(), block);
        let genesis = Block::genesis(Hash([1; 32]), 0, [2; 32]);
        assert_eq!(Block::decode(&genesis.encode()).unwrap(), genesis);
    }

    #[test]
    fn a_different_body_under_the_same_header_is_refused() {
        let block = sample();
        let mut tampered = block.clone();
        tampered.transactions.pop();
        assert_eq!(tampered.hash(), block.hash(), "the hash is the header's");
        assert_eq!(Block::decode(&tampered.encode()), Err(BlockDecodeError::TxRootMismatch));
    }

    #[test]
    fn the_hash_covers_every_header_field() {
        let block = sample();
        let mut other = block.clone();
        other.header.timestamp_ms += 1;
        assert_ne!(block.hash(), other.hash());
        let mut other = block.clone();
        other.header.author = None;
        assert_ne!(block.hash(), other.hash());
    }

    #[test]
    fn bad_bytes_are_errors() {
        let bytes = sample().encode();
        assert_eq!(Block::decode(&bytes[..10]), Err(BlockDecodeError::Truncated));
        assert_eq!(Block::decode(&bytes[..bytes.len() - 1]), Err(BlockDecodeError::Truncated));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(Block::decode(&trailing), Err(BlockDecodeError::Trailing(1)));
        let mut author = bytes.clone();
        author[72] = 2;
        assert_eq!(Block::decode(&author), Err(BlockDecodeError::BadAuthor));
        let mut count = bytes.clone();
        count[HEADER_BYTES..HEADER_BYTES + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(Block::decode(&count), Err(BlockDecodeError::TooLarge("transaction count")));
    }

    fn extrinsic() -> Extrinsic {
        use agora_substrate::pallets::{RuntimeCall, balances};
        use agora_substrate::types::{AccountId32, MultiAddress};
        let call = RuntimeCall::Balances(balances::Call::transfer_keep_alive {
            dest: MultiAddress::Id(AccountId32([2; 32])),
            value: 5,
        });
        let era = agora_substrate::era::Era::Immortal;
        let bytes = agora_substrate::checked::sign(&Pair::from_seed(&[1; 32]), &call, era, 0, [7; 32], [7; 32]);
        Extrinsic::decode(bytes).unwrap()
    }

    #[test]
    fn substrate_extrinsics_round_trip_verbatim_and_the_root_commits_to_the_envelope() {
        let mut block = sample();
        let xt = extrinsic();
        block.transactions.insert(1, Envelope::Substrate(xt.clone()));
        block.header.tx_root = tx_root(&block.transactions);
        let bytes = block.encode();
        assert_eq!(bytes.len(), block.encoded_size());
        let decoded = Block::decode(&bytes).unwrap();
        assert_eq!(decoded, block);
        match &decoded.transactions[1] {
            Envelope::Substrate(x) => assert_eq!(x.bytes(), xt.bytes()),
            other => panic!("{other:?}"),
        }
        // The same hash under the other envelope is another leaf, so another root.
        let agora_leaf = blake2_256(&xt.decoded().hash.0);
        let substrate_leaf = blake2_256(&tx_root(&[Envelope::Substrate(xt.clone())]).0);
        assert_ne!(agora_leaf, substrate_leaf);
        // Without the tag bit the bytes are not an Agora transaction.
        let mut untagged = bytes.clone();
        let word = HEADER_BYTES + 4 + 4 + block.transactions[0].encoded_size();
        untagged[word] &= 0x7f;
        assert!(Block::decode(&untagged).is_err());
        // Gossip carries the kind.
        let message = Envelope::Substrate(xt.clone()).gossip_message();
        assert_eq!(Envelope::from_gossip(&message).unwrap(), Envelope::Substrate(xt));
        assert!(Envelope::from_gossip(&[9, 1, 2]).is_err());
        assert!(Envelope::from_gossip(&[]).is_err());
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(block) = Block::decode(&bytes) {
                prop_assert_eq!(block.encode(), bytes);
            }
        }

        #[test]
        fn decoding_mutated_blocks_is_canonical(pos in 0usize..2000, byte in any::<u8>(), tagged in any::<bool>()) {
            let mut block = sample();
            if tagged {
                block.transactions.push(Envelope::Substrate(extrinsic()));
                block.header.tx_root = tx_root(&block.transactions);
            }
            let mut bytes = block.encode();
            let pos = pos % bytes.len();
            bytes[pos] = byte;
            if let Ok(block) = Block::decode(&bytes) {
                prop_assert_eq!(block.encode(), bytes);
            }
        }
    }
}
