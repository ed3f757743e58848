//! Steps 1–4 of the epoch, shared by the sparse and dense variants: sizes, activity, stake,
//! permits and active stake (spec §3.2 steps 1–4).

use alloc::vec::Vec;

use substrate_fixed::types::{I32F32, I64F64, U96F32};

use crate::math::{
    SafeDiv, fixed64_to_u64, inplace_mask_vector, inplace_normalize, inplace_normalize_64, is_topk_nonzero,
    u16_proportion_to_fixed, vec_fixed64_to_fixed32,
};
use crate::types::{EpochInput, EpochParams};

/// Whether the owner-specific rules of the production path apply (stake-threshold exemption,
/// forced permit). The dense test variant has neither.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OwnerRules {
    Apply,
    Ignore,
}

/// The per-uid vectors every later step reads, padded or truncated to `n`.
pub(crate) struct Prepared {
    /// Number of uids.
    pub n: usize,
    /// `n` as a column count.
    pub columns: u16,
    /// The owner uid, if it is a uid of this subnet.
    pub owner_uid: Option<u16>,
    /// `Active` output.
    pub active: Vec<bool>,
    /// `LastUpdate`, padded with 0.
    pub last_update: Vec<u64>,
    /// `BlockAtRegistration`, padded with 0.
    pub block_at_registration: Vec<u64>,
    /// Normalised (thresholded) stake, truncated to I32F32.
    pub stake: Vec<I32F32>,
    /// Previous permits (owner forced in the production path).
    pub permits: Vec<bool>,
    /// New permits (owner forced in the production path).
    pub new_permits: Vec<bool>,
    /// Stake of active uids that held a permit, renormalised.
    pub active_stake: Vec<I32F32>,
    /// Bonds to uids registered at or after this block are dropped.
    pub last_tempo: u64,
}

fn padded<T: Copy>(v: &[T], n: usize, fill: T) -> Vec<T> {
    (0..n).map(|i| v.get(i).copied().unwrap_or(fill)).collect()
}

/// One hotkey's stake weight on a dynamic subnet: `alpha + TaoWeight · root` in I64F64, where
/// `tao_weight` is parts of `u64::MAX` (the reference's `get_stake_weights_for_network`).
pub fn total_stake(alpha: u64, root: u64, tao_weight: u64) -> I64F64 {
    let weight = U96F32::saturating_from_num(tao_weight)
        .checked_div(U96F32::saturating_from_num(u64::MAX))
        .unwrap_or_else(|| U96F32::from_num(0));
    let weight = I64F64::saturating_from_num(weight);
    I64F64::saturating_from_num(alpha).saturating_add(I64F64::saturating_from_num(root).saturating_mul(weight))
}

/// [`total_stake`] per uid.
fn raw_stake(params: &EpochParams, input: &EpochInput, n: usize) -> Vec<I64F64> {
    (0..n)
        .map(|i| {
            let alpha = input.stake.get(i).copied().unwrap_or(0);
            let root = input.root_stake.get(i).copied().unwrap_or(0);
            total_stake(alpha, root, params.tao_weight)
        })
        .collect()
}

/// Kappa as a ratio (`Kappa / 65535`).
pub(crate) fn kappa(params: &EpochParams) -> I32F32 {
    u16_proportion_to_fixed(params.kappa)
}

/// Bonds penalty as a ratio (`BondsPenalty / 65535`).
pub(crate) fn bonds_penalty(params: &EpochParams) -> I32F32 {
    u16_proportion_to_fixed(params.bonds_penalty)
}

/// `1 − BondsMovingAverage / 10^6`, divided in I64F64 then truncated to I32F32.
pub(crate) fn ema_alpha(params: &EpochParams) -> I32F32 {
    let bma =
        I64F64::saturating_from_num(params.bonds_moving_average).safe_div(I64F64::saturating_from_num(1_000_000u64));
    I32F32::from_num(1).saturating_sub(I32F32::saturating_from_num(bma))
}

pub(crate) fn prepare(params: &EpochParams, input: &EpochInput, rules: OwnerRules) -> Prepared {
    let n = input.stake.len().min(usize::from(u16::MAX));
    // n ≤ u16::MAX by construction.
    let columns = u16::try_from(n).unwrap_or(u16::MAX);
    let owner_uid = params.owner_uid.filter(|o| usize::from(*o) < n);

    // 1. Activity.
    let last_update = padded(&input.last_update, n, 0);
    let block_at_registration = padded(&input.block_at_registration, n, 0);
    let inactive: Vec<bool> =
        last_update.iter().map(|u| u.saturating_add(params.activity_cutoff) < params.current_block).collect();
    let active: Vec<bool> = inactive.iter().map(|b| !b).collect();

    // 2. Stake: threshold (owner exempt in production), normalise in I64F64, truncate.
    let mut filtered = raw_stake(params, input, n);
    for (i, s) in filtered.iter_mut().enumerate() {
        let exempt = rules == OwnerRules::Apply && owner_uid.is_some_and(|o| usize::from(o) == i);
        if !exempt && fixed64_to_u64(*s) < params.stake_threshold {
            *s = I64F64::from_num(0);
        }
    }
    inplace_normalize_64(&mut filtered);
    let stake = vec_fixed64_to_fixed32(&filtered);

    // 3. Permits: previous (for masking) and new (top-k non-zero stake).
    let mut permits = padded(&input.validator_permit, n, false);
    let mut new_permits = is_topk_nonzero(&stake, usize::from(params.max_allowed_validators));
    if rules == OwnerRules::Apply
        && let Some(o) = owner_uid
    {
        for v in [&mut permits, &mut new_permits] {
            if let Some(p) = v.get_mut(usize::from(o)) {
                *p = true;
            }
        }
    }

    // 4. Active stake: drop inactive uids and uids without a previous permit, renormalise.
    let forbids: Vec<bool> = permits.iter().map(|p| !p).collect();
    let mut active_stake = stake.clone();
    inplace_mask_vector(&inactive, &mut active_stake);
    inplace_mask_vector(&forbids, &mut active_stake);
    inplace_normalize(&mut active_stake);

    let last_tempo = if params.last_mechanism_step_block == 0 {
        params.current_block.saturating_sub(u64::from(params.tempo))
    } else {
        params.last_mechanism_step_block.saturating_add(1)
    };

    Prepared {
        n,
        columns,
        owner_uid,
        active,
        last_update,
        block_at_registration,
        stake,
        permits,
        new_permits,
        active_stake,
        last_tempo,
    }
}
