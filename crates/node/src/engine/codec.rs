//! The block as commonware sees it: [`ChainBlock`] wraps the node's [`Block`] with commonware's
//! codec (the block's own encoding, bounded by [`MAX_BLOCK_BYTES`]) and its digest, height and
//! parent, so simplex, marshal and buffered broadcast can carry, store and identify blocks.

use std::sync::Arc;

use bytes::{Buf, BufMut};
use commonware_codec::{EncodeSize, Error as CodecError, Read, Write};
use commonware_consensus::Heightable;
use commonware_consensus::types::Height;
use commonware_cryptography::sha256::Digest;
use commonware_cryptography::{Digested, Digestible};

use crate::block::{Block, MAX_BLOCK_BYTES};

/// A block as consensus sees it: shared, cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBlock(pub Arc<Block>);

impl Write for ChainBlock {
    fn write(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.0.encode());
    }
}

impl EncodeSize for ChainBlock {
    fn encode_size(&self) -> usize {
        self.0.encoded_size()
    }
}

impl Read for ChainBlock {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, CodecError> {
        // A block is always the whole remaining buffer.
        let len = buf.remaining();
        if len > MAX_BLOCK_BYTES {
            return Err(CodecError::Invalid("block", "too large"));
        }
        let mut bytes = vec![0; len];
        buf.copy_to_slice(&mut bytes);
        Block::decode(&bytes).map(|b| ChainBlock(Arc::new(b))).map_err(|_| CodecError::Invalid("block", "malformed"))
    }
}

impl Digestible for ChainBlock {
    type Digest = Digest;

    fn digest(&self) -> Digest {
        Digest(self.0.hash())
    }
}

impl Heightable for ChainBlock {
    fn height(&self) -> Height {
        Height::new(self.0.header.height)
    }
}

impl commonware_consensus::Block for ChainBlock {
    fn parent(&self) -> Digest {
        Digest(self.0.header.parent)
    }
}

impl commonware_consensus::BoundedBlock for ChainBlock {
    fn max_encode_size(_: &()) -> usize {
        MAX_BLOCK_BYTES
    }
}

/// `block` with its digest precomputed (the block hash), as marshal and the application hand it on.
pub(super) fn digested(block: Arc<Block>) -> Digested<ChainBlock> {
    let digest = Digest(block.hash());
    Digested::precomputed(ChainBlock(block), digest)
}
