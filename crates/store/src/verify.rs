//! [`Store::verify_chain`]: the stored blocks, receipts and indexes checked against each other.
//!
//! The store keeps blocks and receipts as the node encodes them, so it reads them through the
//! node's decoders ([`RecordFormat`]); everything else (which records exist, what the indexes
//! say, the receipts' hashes) it checks itself.

use agora_primitives::{BlockNumber, Hash, blake2_256};
use parity_scale_codec::Decode;
use redb::{ReadOnlyTable, ReadableDatabase, ReadableTable, ReadableTableMetadata};

use crate::store::{BLOCK_HEIGHTS, BLOCKS, RECEIPT_HASHES, RECEIPTS, TXS, guarded, read_head};
use crate::{Damage, Head, Store, StoreError, TxLocation};

/// How often [`Store::verify_chain`] reports progress, in blocks.
pub const PROGRESS_EVERY: u64 = 10_000;

/// What a stored block says about itself, as the node's decoder reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockFacts {
    /// The height in its header.
    pub height: BlockNumber,
    /// Its hash.
    pub hash: [u8; 32],
    /// Its parent's hash.
    pub parent: [u8; 32],
    /// Its transactions' hashes, in order.
    pub tx_hashes: Vec<Hash>,
}

/// The node's encodings of blocks and receipts, which the store keeps as opaque bytes.
pub trait RecordFormat {
    /// Decodes a stored block and checks it on its own terms (for the node: a canonical
    /// encoding whose transactions match the header's transaction root), or says why not.
    fn block(&self, bytes: &[u8]) -> Result<BlockFacts, String>;

    /// Decodes a block's stored receipts: the hashes of the transactions they are the receipts
    /// of, in order, or why they do not decode.
    fn receipts(&self, bytes: &[u8]) -> Result<Vec<Hash>, String>;
}

type Blocks = ReadOnlyTable<u64, &'static [u8]>;

impl Store {
    /// Checks every stored block, its receipts and both indexes against each other, in one
    /// read transaction, and returns the head:
    ///
    /// - every height from genesis to the head holds a block that decodes (`format`), names
    ///   that height, and whose parent is the hash of the block below it; the head's block is
    ///   the one the head names;
    /// - the block hash index maps each block's hash to its height and holds nothing else;
    /// - the transaction index maps each transaction to its height and position (a hash found
    ///   twice, to its later place, as commits write it) and holds nothing else;
    /// - every block above genesis has receipts, they hash to the hash stored with them, decode,
    ///   and are the receipts of the block's transactions, in order; nothing lies above the head.
    ///
    /// The first disagreement is [`StoreError::Damaged`] with its height. `progress(height,
    /// head)` is called every [`PROGRESS_EVERY`] blocks. Memory stays constant: indexes are
    /// checked by lookups and counts, not by rebuilding them.
    ///
    /// Cost: each block is decoded once and its transactions hashed (the node's decoder), plus a
    /// few index lookups per block and one per transaction. Measured on a 2-core development
    /// machine with 10,000 blocks of 10 transfers each (a 100-130 MiB file), in the test profile
    /// (dependencies optimised, Agora's crates not, so an upper bound): this check 0.8-1.0 s,
    /// redb's page checksums on open 0.05-0.1 s (file in the page cache), the state root 1 ms (a
    /// small state). About 0.1 ms per block, so about a second per 10,000 blocks. It runs
    /// synchronously before the node starts, reporting progress every [`PROGRESS_EVERY`] blocks.
    /// The measurement is `verification_cost` in `crates/node/tests/store_damage.rs` (run with
    /// `--ignored`).
    pub fn verify_chain(
        &self,
        format: &impl RecordFormat,
        progress: &mut dyn FnMut(BlockNumber, BlockNumber),
    ) -> Result<Head, StoreError> {
        guarded("verifying the chain", || self.verify_chain_inner(format, progress))
    }

    fn verify_chain_inner(
        &self,
        format: &impl RecordFormat,
        progress: &mut dyn FnMut(BlockNumber, BlockNumber),
    ) -> Result<Head, StoreError> {
        let txn = self.db.begin_read()?;
        let head = read_head(&txn)?.ok_or(StoreError::Empty)?;
        let blocks = txn.open_table(BLOCKS)?;
        let heights = txn.open_table(BLOCK_HEIGHTS)?;
        let txs = txn.open_table(TXS)?;
        let receipts = txn.open_table(RECEIPTS)?;
        let receipt_hashes = txn.open_table(RECEIPT_HASHES)?;
        let damaged = |height: u64, damage| StoreError::Damaged { height: BlockNumber(height), damage };

        let mut previous: Option<[u8; 32]> = None;
        // Transaction index entries that point at their own block position: with nothing else
        // in the index, their count is its length.
        let mut tx_entries = 0u64;
        for height in 0..=head.height.get() {
            let facts = {
                let bytes = blocks.get(height)?.ok_or_else(|| damaged(height, Damage::BlockMissing))?;
                format.block(bytes.value()).map_err(|reason| damaged(height, Damage::BadBlock(reason)))?
            };
            if facts.height.get() != height {
                return Err(damaged(height, Damage::WrongHeight(facts.height)));
            }
            if previous.is_some_and(|parent| parent != facts.parent) {
                return Err(damaged(height, Damage::ParentMismatch));
            }
            if heights.get(&facts.hash[..])?.map(|v| v.value()) != Some(height) {
                return Err(damaged(height, Damage::HashIndex));
            }
            for (index, tx) in facts.tx_hashes.iter().enumerate() {
                let here = TxLocation { height: facts.height, index: index as u32 };
                let stored = txs.get(&tx.0[..])?.ok_or_else(|| damaged(height, Damage::TxIndex))?;
                let location = TxLocation::decode(&mut stored.value()).map_err(|_| damaged(height, Damage::TxIndex))?;
                match location.cmp(&here) {
                    std::cmp::Ordering::Equal => tx_entries += 1,
                    // The same transaction again further on: checked there (and counted then).
                    std::cmp::Ordering::Greater => {}
                    std::cmp::Ordering::Less => return Err(damaged(height, Damage::TxIndex)),
                }
            }
            if height > 0 {
                let bytes = receipts.get(height)?.ok_or_else(|| damaged(height, Damage::ReceiptsMissing))?;
                let hash = receipt_hashes.get(height)?.ok_or_else(|| damaged(height, Damage::ReceiptsMissing))?;
                if blake2_256(bytes.value()).0[..] != *hash.value() {
                    return Err(damaged(height, Damage::ReceiptsHash));
                }
                let of =
                    format.receipts(bytes.value()).map_err(|reason| damaged(height, Damage::BadReceipts(reason)))?;
                if of != facts.tx_hashes {
                    return Err(damaged(height, Damage::ReceiptsMismatch));
                }
            }
            previous = Some(facts.hash);
            if height % PROGRESS_EVERY == 0 && height > 0 {
                progress(facts.height, head.height);
            }
        }
        if previous != Some(head.block_hash) {
            return Err(damaged(head.height.get(), Damage::HeadMismatch));
        }

        // Every expected record was found; a table longer than that holds one more.
        let records = head.height.get() + 1;
        if blocks.len()? != records {
            let above = blocks.last()?.map_or(head.height.get(), |(k, _)| k.value());
            return Err(damaged(above, Damage::AboveHead));
        }
        for table in [&receipts, &receipt_hashes] {
            if table.len()? != head.height.get() {
                let mut stray = table.iter()?.map(|e| e.map(|(k, _)| k.value()));
                let at = stray.find(|k| !matches!(k, Ok(h) if (1..=head.height.get()).contains(h))).transpose()?;
                return Err(damaged(at.unwrap_or(head.height.get()), Damage::AboveHead));
            }
        }
        if heights.len()? != records {
            return Err(stray_hash(&heights, &blocks, format, head)?);
        }
        if txs.len()? != tx_entries {
            return Err(stray_tx(&txs, &blocks, format, head)?);
        }
        Ok(head)
    }
}

/// The block hash index holds an entry no block has: find one to name its height.
fn stray_hash(
    heights: &ReadOnlyTable<&'static [u8], u64>,
    blocks: &Blocks,
    format: &impl RecordFormat,
    head: Head,
) -> Result<StoreError, StoreError> {
    for entry in heights.iter()? {
        let (hash, height) = entry?;
        let height = height.value();
        if hash_at(blocks, format, height)?.is_none_or(|h| h[..] != *hash.value()) {
            let damage = if height > head.height.get() { Damage::AboveHead } else { Damage::HashIndex };
            return Ok(StoreError::Damaged { height: BlockNumber(height), damage });
        }
    }
    Ok(StoreError::Damaged { height: head.height, damage: Damage::HashIndex })
}

/// The transaction index holds an entry no block has: find one to name its height.
fn stray_tx(
    txs: &ReadOnlyTable<&'static [u8], &'static [u8]>,
    blocks: &Blocks,
    format: &impl RecordFormat,
    head: Head,
) -> Result<StoreError, StoreError> {
    for entry in txs.iter()? {
        let (hash, location) = entry?;
        let Ok(location) = TxLocation::decode(&mut location.value()) else {
            return Ok(StoreError::Corrupt("tx location"));
        };
        let height = location.height.get();
        let holds = match blocks.get(height)? {
            Some(bytes) => {
                format.block(bytes.value()).ok().and_then(|b| b.tx_hashes.get(location.index as usize).copied())
            }
            None => None,
        };
        if holds.is_none_or(|h| h.0[..] != *hash.value()) {
            let damage = if height > head.height.get() { Damage::AboveHead } else { Damage::TxIndex };
            return Ok(StoreError::Damaged { height: location.height, damage });
        }
    }
    Ok(StoreError::Damaged { height: head.height, damage: Damage::TxIndex })
}

fn hash_at(blocks: &Blocks, format: &impl RecordFormat, height: u64) -> Result<Option<[u8; 32]>, StoreError> {
    Ok(match blocks.get(height)? {
        Some(bytes) => format.block(bytes.value()).ok().map(|b| b.hash),
        None => None,
    })
}
