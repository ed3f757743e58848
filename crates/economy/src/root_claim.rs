//! Root stakers' claims on subnet alpha (spec `dtao.md` §5.2–5.3). Root dividends a hotkey earns
//! on a subnet are not paid out at the epoch: they raise a per-hotkey rate (`RootClaimable[h][s]`,
//! alpha per unit of the hotkey's root stake), and each coldkey staking on root through that
//! hotkey claims `rate · its root stake − what it already claimed` (`RootClaimed[(s, h, c)]`, a
//! watermark that moves with its root stake so that new stake does not claim old dividends).
//!
//! A claim either sells the alpha for TAO restaked on root (`Swap`, the default) or keeps it as
//! alpha stake on the subnet (`Keep`). Auto-claim picks a few coldkeys each block from the parent
//! hash.

use std::collections::BTreeSet;

use crate::fixed::I96F32;

/// How a coldkey takes its root dividends (`RootClaimType`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ClaimType {
    /// Sell the alpha and restake the TAO on root.
    #[default]
    Swap,
    /// Keep the alpha as stake on the subnet.
    Keep,
    /// Keep on these subnets, sell elsewhere.
    KeepSubnets(BTreeSet<u16>),
}

impl ClaimType {
    /// Whether a claim on `netuid` sells the alpha.
    pub fn swaps(&self, netuid: u16) -> bool {
        match self {
            ClaimType::Swap => true,
            ClaimType::Keep => false,
            ClaimType::KeepSubnets(kept) => !kept.contains(&netuid),
        }
    }
}

/// The reference's default `RootClaimableThreshold`: 500,000 (alpha rao).
pub const DEFAULT_CLAIM_THRESHOLD: u64 = 500_000;
/// Coldkeys auto-claimed per block (`NumRootClaim`).
pub const DEFAULT_AUTO_CLAIMS: u64 = 5;
/// Subnets one `claim_root` call may name (`MAX_SUBNET_CLAIMS`).
pub const MAX_SUBNET_CLAIMS: usize = 5;

/// The rise of a hotkey's claimable rate when it earns `amount` root alpha with `root_stake` on
/// root, or `None` when `amount` exceeds the root stake (the reference then stakes the alpha
/// directly to the hotkey's owner instead).
pub fn claimable_increment(amount: u64, root_stake: u64) -> Option<I96F32> {
    let total = I96F32::saturating_from_num(root_stake);
    if amount > total.saturating_to_num::<u64>() {
        return None;
    }
    Some(I96F32::saturating_from_num(amount).checked_div(total).unwrap_or(I96F32::from_num(0)))
}

/// What a coldkey is owed on a subnet: `rate · root stake − claimed` (may be negative).
pub fn owed(rate: I96F32, root_stake: u64, claimed: u128) -> I96F32 {
    rate.saturating_mul(I96F32::saturating_from_num(root_stake)).saturating_sub(I96F32::saturating_from_num(claimed))
}

/// The alpha a claim pays: the owed amount floored, or `None` when it is under `threshold` or
/// rounds to 0 (`ignore_threshold` skips the first condition, as the auto-claim on a key swap does).
pub fn claim_amount(owed: I96F32, threshold: I96F32, ignore_threshold: bool) -> Option<u64> {
    if !ignore_threshold && owed < threshold {
        return None;
    }
    let amount = if owed.is_negative() { 0 } else { owed.saturating_to_num::<u64>() };
    (amount > 0).then_some(amount)
}

/// The watermark after `amount` is added to the coldkey's root stake.
pub fn claimed_after_add(claimed: u128, rate: I96F32, amount: u64) -> u128 {
    claimed.saturating_add(rate.saturating_mul(I96F32::saturating_from_num(amount)).saturating_to_num::<u128>())
}

/// The watermark after `amount` is removed from the coldkey's root stake.
pub fn claimed_after_remove(claimed: u128, rate: I96F32, amount: u64) -> u128 {
    claimed.saturating_sub(rate.saturating_mul(I96F32::saturating_from_num(amount)).saturating_to_num::<u128>())
}

/// The staking coldkeys' indexes auto-claimed this block: `k` steps through `n` driven by the
/// parent hash, deduplicated, ascending.
pub fn auto_claim_indices(parent_hash: &[u8; 32], k: u64, n: u64) -> Vec<u64> {
    let word = |at: usize| u64::from_be_bytes(parent_hash[at..at + 8].try_into().unwrap_or([0; 8]));
    let mut indices = BTreeSet::new();
    let mut last = word(0);
    for i in 0..k {
        let at = (i.saturating_mul(8) % 32) as usize;
        let idx = last.saturating_add(word(at)).checked_rem(n).unwrap_or(0);
        indices.insert(idx);
        last = idx;
    }
    indices.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The accounting of `test_claim_root_adding_stake_proportionally_for_two_stakers`: equal root
    /// stakes owe equal amounts, a double stake twice as much, and stake added later claims
    /// nothing of what was earned before it.
    #[test]
    fn owed_is_pro_rata_and_later_stake_does_not_claim_old_dividends() {
        let (alice, bob) = (1_000_000u64, 2_000_000u64);
        let root_stake = alice + bob + 7_000_000;
        let rate = claimable_increment(8_200_000, root_stake).unwrap();
        let a = owed(rate, alice, 0);
        let b = owed(rate, bob, 0);
        // The rate 0.82 is truncated to 32 fractional bits, so the amounts are a rao under.
        let a = claim_amount(a, I96F32::from_num(0), false).unwrap();
        let b = claim_amount(b, I96F32::from_num(0), false).unwrap();
        assert!(a.abs_diff(820_000) <= 1 && b.abs_diff(2 * a) <= 1, "{a} {b}");

        // Alice claims, then adds stake: she is owed nothing more until new dividends come.
        let claimed = u128::from(a);
        let claimed = claimed_after_add(claimed, rate, 4_000_000);
        assert!(owed(rate, alice + 4_000_000, claimed) < I96F32::from_num(2), "at most the two floors' rounding");
        // Removing stake lowers the watermark by the same rate.
        assert_eq!(claimed_after_remove(claimed, rate, 4_000_000), u128::from(a));
    }

    #[test]
    fn small_claims_wait_for_the_threshold() {
        let threshold = I96F32::from_num(DEFAULT_CLAIM_THRESHOLD);
        assert_eq!(claim_amount(I96F32::from_num(499_999), threshold, false), None);
        assert_eq!(claim_amount(I96F32::from_num(499_999), threshold, true), Some(499_999));
        assert_eq!(claim_amount(I96F32::from_num(0.9), threshold, true), None);
        assert_eq!(claim_amount(I96F32::from_num(-5), threshold, true), None);
    }

    #[test]
    fn alpha_over_the_root_stake_is_not_claimable() {
        assert_eq!(claimable_increment(11, 10), None);
        assert_eq!(claimable_increment(10, 10), Some(I96F32::from_num(1)));
        assert_eq!(claimable_increment(0, 0), Some(I96F32::from_num(0)));
    }

    #[test]
    fn claim_types_choose_per_subnet() {
        assert!(ClaimType::default().swaps(3));
        assert!(!ClaimType::Keep.swaps(3));
        let some = ClaimType::KeepSubnets([3].into_iter().collect());
        assert!(!some.swaps(3));
        assert!(some.swaps(4));
    }

    #[test]
    fn auto_claim_indices_walk_the_hash() {
        let mut hash = [0u8; 32];
        hash[7] = 3; // first word 3
        hash[15] = 1; // second word 1
        // idx0 = (3 + 3) % 10 = 6; idx1 = (6 + 1) % 10 = 7; idx2 = (7 + 0) % 10 = 7; idx3 = 7; idx4 = (7 + 3) % 10 = 0.
        assert_eq!(auto_claim_indices(&hash, 5, 10), vec![0, 6, 7]);
        assert_eq!(auto_claim_indices(&hash, 5, 0), vec![0]);
    }

    /// `test_claim_root_block_hash_indices`: the reference's precomputed indexes for the
    /// Keccak-256 digests of "some" and "some2" (k = 15 of n = 15,000), and none for k = 0.
    #[test]
    fn test_claim_root_block_hash_indices() {
        use sha3::{Digest, Keccak256};
        let keccak = |text: &[u8]| -> [u8; 32] { Keccak256::digest(text).into() };
        let (k, n) = (15u64, 15_000u64);
        assert!(auto_claim_indices(&keccak(b"zero"), 0, n).is_empty());
        let some = auto_claim_indices(&keccak(b"some"), k, n);
        assert_eq!(
            some,
            vec![265, 630, 1286, 1558, 4496, 4861, 5517, 5789, 6803, 8096, 9092, 11034, 11399, 12055, 12327]
        );
        let some2 = auto_claim_indices(&keccak(b"some2"), k, n);
        assert_eq!(
            some2,
            vec![61, 246, 1440, 2855, 3521, 5236, 6130, 6615, 8511, 9405, 9890, 11786, 11971, 13165, 14580]
        );
    }
}
