//! Who signs consensus and how: the ed25519 signing [`Scheme`], the [`NAMESPACE`] every vote and
//! certificate is signed under, the single epoch of the genesis validator set, and the
//! commitment to that set that the genesis block carries.

use std::num::NonZeroU64;

use commonware_consensus::simplex::scheme::ed25519 as ed25519_scheme;
use commonware_cryptography::ed25519::PublicKey;
use commonware_utils::NZU64;

/// Namespace of every consensus signature (votes, certificates) of this chain.
pub const NAMESPACE: &[u8] = b"agora/consensus/v1";

/// The consensus signing scheme: ed25519, attributable votes, no setup.
pub type Scheme = ed25519_scheme::Scheme;

/// One epoch forever: the validator set is fixed by genesis.
pub(super) const BLOCKS_PER_EPOCH: NonZeroU64 = NZU64!(u64::MAX);

/// The commitment to a validator set that the genesis block carries (see [`Block::genesis`]).
///
/// [`Block::genesis`]: crate::block::Block::genesis
pub fn consensus_commitment(validators: &[PublicKey]) -> [u8; 32] {
    let mut bytes = NAMESPACE.to_vec();
    for v in validators {
        bytes.extend_from_slice(v.as_ref());
    }
    agora_primitives::blake2_256(&bytes).0
}
