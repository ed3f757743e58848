//! Step 11–12: split the emission between incentive and dividends and assemble the stored
//! outputs (spec §3.2).

use alloc::vec::Vec;

use substrate_fixed::types::{I32F32, I96F32};

use crate::math::{fixed_proportion_to_u16, inplace_normalize, inplace_normalize_using_sum, is_zero, sum_fixed};
use crate::prepare::Prepared;
use crate::types::{EpochOutput, SparseRow as StoredRow};

/// The ratios the emission split starts from.
pub(crate) struct Scores<'a> {
    pub consensus: &'a [I32F32],
    pub validator_trust: &'a [I32F32],
    pub incentive: &'a [I32F32],
    pub dividends: &'a [I32F32],
}

fn to_rao(ratios: &[I32F32], emission: I96F32) -> Vec<u64> {
    ratios.iter().map(|r| I96F32::saturating_from_num(*r).saturating_mul(emission).saturating_to_num::<u64>()).collect()
}

fn to_u16(ratios: &[I32F32]) -> Vec<u16> {
    ratios.iter().map(|r| fixed_proportion_to_u16(*r)).collect()
}

/// Builds the output; `bonds` are the new stored rows, already decided per uid by the caller.
pub(crate) fn assemble(prep: &Prepared, scores: &Scores<'_>, emission: u64, bonds: Vec<StoredRow>) -> EpochOutput {
    let combined: Vec<I32F32> =
        scores.incentive.iter().zip(scores.dividends).map(|(i, d)| i.saturating_add(*d)).collect();
    let total = sum_fixed(&combined);

    let mut server = scores.incentive.to_vec();
    let mut validator = scores.dividends.to_vec();
    let mut stored = combined;
    inplace_normalize_using_sum(&mut server, total);
    inplace_normalize_using_sum(&mut validator, total);
    inplace_normalize(&mut stored);

    if total == I32F32::from_num(0) {
        // No valid weights anywhere: pay validators by (active) stake.
        let fallback = if is_zero(&prep.active_stake) { &prep.stake } else { &prep.active_stake };
        validator.clone_from(fallback);
        stored.clone_from(fallback);
    }

    let e = I96F32::saturating_from_num(emission);
    EpochOutput {
        active: prep.active.clone(),
        stake_weight: to_u16(&prep.stake),
        validator_permit: prep.new_permits.clone(),
        consensus: to_u16(scores.consensus),
        validator_trust: to_u16(scores.validator_trust),
        incentive: to_u16(scores.incentive),
        dividends: to_u16(scores.dividends),
        server_emission: to_rao(&server, e),
        validator_emission: to_rao(&validator, e),
        emission: to_rao(&stored, e),
        bonds,
    }
}
