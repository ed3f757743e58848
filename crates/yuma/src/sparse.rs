//! The production epoch (`epoch_mechanism`): sparse matrices throughout.

use alloc::vec;
use alloc::vec::Vec;

use substrate_fixed::types::I32F32;

use crate::bonds::{classic_sparse, yuma3_sparse};
use crate::emission::{Scores, assemble};
use crate::math::{
    FixedMatrix, FixedRow, SaturatingMulFast, clip_row, fixed_proportion_to_u16, fixed_to_fixed_u16_proportion,
    inplace_col_normalize_sparse, inplace_normalize, inplace_row_normalize_sparse, interpolate_sparse,
    mat_vec_mul_sparse, row_sum_sparse, sum_fixed, u16_to_fixed, vec_mul, weighted_median_col_sparse,
};
use crate::prepare::{OwnerRules, Prepared, bonds_penalty, ema_alpha, kappa, prepare};
use crate::types::{EpochInput, EpochOutput, EpochParams, SparseRow as StoredRow};

/// Loads stored u16 rows `i < n` whose `row_ok(i)` holds, keeping the entries `(j, v)` with
/// `j < n` and `keep(i, registration_j)`, converting each value. The filters compose, so one
/// pass equals the reference's chain of masking functions (each of which only drops entries).
fn load(
    rows: &[StoredRow],
    prep: &Prepared,
    row_ok: impl Fn(usize) -> bool,
    keep: impl Fn(usize, u16, u64) -> bool,
    convert: impl Fn(u16) -> I32F32,
) -> FixedMatrix {
    let registered = &prep.block_at_registration;
    (0..prep.n)
        .map(|i| match rows.get(i) {
            Some(row) if row_ok(i) => {
                let mut out = Vec::with_capacity(row.len());
                for &(j, v) in row {
                    // `registered` has n entries, so this also drops columns j ≥ n.
                    if let Some(&reg) = registered.get(usize::from(j))
                        && keep(i, j, reg)
                    {
                        out.push((j, convert(v)));
                    }
                }
                out
            }
            _ => Vec::new(),
        })
        .collect()
}

/// Step 5: the weights every later step uses, masked then row-normalised. One filtering pass
/// applies, in effect, `mask_rows_sparse` (rows without a previous permit),
/// `mask_diag_sparse[_except_index]` (self-weights, the owner's kept), the outdated mask
/// (`last_update_i ≤ block_at_registration_j`) and, with commit-reveal, the commit mask
/// (`earliest_commit_i < block_at_registration_j`, no pending commit = `u64::MAX`).
fn weights(input: &EpochInput, prep: &Prepared) -> FixedMatrix {
    let commit_block = |i: usize| -> u64 {
        input.commit_reveal_earliest.as_ref().and_then(|c| c.get(i).copied().flatten()).unwrap_or(u64::MAX)
    };
    let permitted = |i: usize| prep.permits.get(i).copied().unwrap_or(false);
    let keep = |i: usize, j: u16, registered: u64| {
        let self_weight = usize::from(j) == i && prep.owner_uid != Some(j);
        let updated = prep.last_update.get(i).copied().unwrap_or(0);
        !self_weight && updated > registered && commit_block(i) >= registered
    };
    let mut w = load(&input.weights, prep, permitted, keep, u16_to_fixed);
    // Row by row while the row is in cache (same as `inplace_row_normalize_sparse`).
    for row in &mut w {
        inplace_row_normalize_sparse(core::slice::from_mut(row));
    }
    w
}

/// Bonds to uids registered at or after `last_tempo` are dropped (`last_tempo ≤ registration`).
fn load_bonds(input: &EpochInput, prep: &Prepared, convert: impl Fn(u16) -> I32F32) -> FixedMatrix {
    load(&input.bonds, prep, |_| true, |_, _, reg| prep.last_tempo > reg, convert)
}

/// Step 10b, Yuma3 bonds: returns (dividends, new stored bonds rows).
fn yuma3_bonds(
    params: &EpochParams,
    input: &EpochInput,
    prep: &Prepared,
    weights_for_bonds: &[FixedRow],
    consensus: &[I32F32],
    incentive: &[I32F32],
) -> (Vec<I32F32>, Vec<StoredRow>) {
    let bonds = load_bonds(input, prep, |b| fixed_to_fixed_u16_proportion(u16_to_fixed(b)));

    let ema = yuma3_sparse(params, weights_for_bonds, &bonds, consensus);

    let mut ema_norm = ema.clone();
    inplace_col_normalize_sparse(&mut ema_norm, prep.columns);
    let per_validator = row_sum_sparse(&mat_vec_mul_sparse(&ema_norm, incentive));
    let mut dividends = vec_mul(&per_validator, &prep.active_stake);
    inplace_normalize(&mut dividends);
    // Storage form: the proportions themselves (no max-upscale), for new permit holders.
    let stored = ema
        .iter()
        .enumerate()
        .map(|(i, row)| {
            if prep.new_permits.get(i).copied().unwrap_or(false) {
                row.iter().map(|&(j, v)| (j, fixed_proportion_to_u16(v))).collect()
            } else {
                Vec::new()
            }
        })
        .collect();
    (dividends, stored)
}

/// Steps 7–8 in one pass over the weights: clip each row at consensus (`col_clip_sparse`), sum
/// it (validator trust, `row_sum_sparse`) and add it into the ranks (`matmul_sparse`).
fn clip_trust_rank(
    weights: &[FixedRow],
    consensus: &[I32F32],
    active_stake: &[I32F32],
    columns: usize,
) -> (FixedMatrix, Vec<I32F32>, Vec<I32F32>) {
    let zero = I32F32::from_num(0);
    let mut ranks = vec![zero; columns];
    let mut trust = Vec::with_capacity(weights.len());
    let clipped = weights
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let clipped = clip_row(row, consensus);
            trust.push(sum_fixed(clipped.iter().map(|(_, v)| v)));
            let scale = active_stake.get(i).copied().unwrap_or(zero);
            for &(j, v) in &clipped {
                if let Some(r) = ranks.get_mut(usize::from(j)) {
                    *r = r.saturating_add(scale.smul(v));
                }
            }
            clipped
        })
        .collect();
    (clipped, trust, ranks)
}

/// Runs one epoch of Yuma consensus on the production path (the reference's `epoch_mechanism`).
///
/// Pure and total: never panics, allocates only its output and scratch space, and returns the
/// same bytes for the same input. Every output vector has `n = min(input.stake.len(), 65535)`
/// entries; `bonds` holds the new stored row of every uid (empty unless the uid has a new
/// permit). When no usable weights remain anywhere (`Σ(incentive + dividends) = 0`), the whole
/// emission goes to validators by active stake, or by stake if no stake is active.
pub fn epoch(params: &EpochParams, input: &EpochInput) -> EpochOutput {
    let prep = prepare(params, input, OwnerRules::Apply);
    let cols = prep.columns;

    let weights = weights(input, &prep);

    // 6–8. Consensus; clipping, validator trust and rank; incentive = normalised rank.
    let consensus = weighted_median_col_sparse(&prep.active_stake, &weights, cols, kappa(params));
    let (clipped, validator_trust, mut incentive) = clip_trust_rank(&weights, &consensus, &prep.active_stake, prep.n);
    inplace_normalize(&mut incentive);

    // 9–10. Bonds and dividends. β = 0 and β = 1 select W or W̄ unchanged (moved, not copied).
    let beta = bonds_penalty(params);
    let weights_for_bonds = if beta == I32F32::from_num(0) {
        weights
    } else if beta == I32F32::from_num(1) {
        drop(weights);
        clipped
    } else {
        interpolate_sparse(&weights, &clipped, cols, beta)
    };
    // 12. Bonds rows are written for new permit holders and emptied for everyone else.
    let (dividends, bonds) = if params.yuma3 {
        yuma3_bonds(params, input, &prep, &weights_for_bonds, &consensus, &incentive)
    } else {
        let stored = load_bonds(input, &prep, u16_to_fixed);
        classic_sparse(stored, weights_for_bonds, &prep.active_stake, &incentive, ema_alpha(params), &prep.new_permits)
    };

    let scores = Scores {
        consensus: &consensus,
        validator_trust: &validator_trust,
        incentive: &incentive,
        dividends: &dividends,
    };
    assemble(&prep, &scores, params.emission, bonds)
}

#[cfg(test)]
mod tests {
    //! Edge cases of spec §3.7 (and the owner/commit-reveal rules of §3.1–3.2).
    use super::*;
    use alloc::vec;

    const E: u64 = 1_000_000_000;

    fn params() -> EpochParams {
        EpochParams {
            current_block: 10,
            tempo: 5,
            activity_cutoff: 100,
            last_mechanism_step_block: 0,
            stake_threshold: 0,
            tao_weight: 0,
            max_allowed_validators: 64,
            kappa: 32_767,
            bonds_penalty: u16::MAX,
            bonds_moving_average: 900_000,
            yuma3: false,
            liquid_alpha: false,
            alpha_low: 45_875,
            alpha_high: 58_982,
            alpha_sigmoid_steepness: 1000,
            owner_uid: None,
            emission: E,
        }
    }

    /// Two validators (uids 0, 1, permitted, staked) weighting two miners (uids 2, 3).
    fn subnet() -> EpochInput {
        EpochInput {
            stake: vec![600, 400, 0, 0],
            root_stake: vec![],
            last_update: vec![9, 9, 0, 0],
            block_at_registration: vec![1, 1, 1, 1],
            validator_permit: vec![true, true, false, false],
            weights: vec![vec![(2, 65535), (3, 32768)], vec![(2, 65535), (3, 65535)], vec![], vec![]],
            bonds: vec![vec![]; 4],
            commit_reveal_earliest: None,
        }
    }

    fn total_paid(out: &EpochOutput) -> u64 {
        out.server_emission.iter().chain(&out.validator_emission).sum()
    }

    #[test]
    fn empty_subnet_gives_empty_output() {
        let out = epoch(&params(), &EpochInput::default());
        assert_eq!(out, EpochOutput::default());
    }

    #[test]
    fn normal_epoch_splits_emission_between_miners_and_validators() {
        let out = epoch(&params(), &subnet());
        let server: u64 = out.server_emission.iter().sum();
        let validator: u64 = out.validator_emission.iter().sum();
        assert!(server > 0 && validator > 0);
        assert!(server + validator <= E && E - (server + validator) < 10);
        assert_eq!(out.validator_permit, vec![true, true, false, false]);
        assert!(out.bonds[0].iter().all(|(j, _)| *j >= 2));
        assert!(out.bonds[2].is_empty() && out.bonds[3].is_empty());
    }

    #[test]
    fn short_and_long_vectors_are_padded_and_truncated() {
        let mut short = subnet();
        short.last_update.truncate(2);
        short.block_at_registration.truncate(0);
        short.validator_permit.truncate(2);
        short.weights.truncate(2);
        short.bonds.clear();
        let mut padded = subnet();
        padded.last_update = vec![9, 9, 0, 0];
        padded.block_at_registration = vec![0; 4];
        assert_eq!(epoch(&params(), &short), epoch(&params(), &padded));

        let mut long = padded.clone();
        long.last_update.extend([5, 5, 5]);
        long.validator_permit.extend([true; 3]);
        long.weights.push(vec![(0, 1)]);
        // Columns ≥ n are ignored in weights and bonds.
        long.weights[0].push((9, 65535));
        long.bonds = vec![vec![(7, 65535)]; 6];
        assert_eq!(epoch(&params(), &long), epoch(&params(), &padded));
    }

    #[test]
    fn n_is_capped_at_the_u16_uid_space() {
        let input = EpochInput { stake: vec![1; 70_000], ..EpochInput::default() };
        let out = epoch(&params(), &input);
        assert_eq!(out.emission.len(), usize::from(u16::MAX));
    }

    #[test]
    fn self_weight_only_falls_back_to_active_stake() {
        let mut input = subnet();
        input.weights = vec![vec![(0, 65535)], vec![(1, 65535)], vec![(2, 65535)], vec![]];
        let out = epoch(&params(), &input);
        assert_eq!(out.incentive, vec![0; 4]);
        assert_eq!(out.server_emission, vec![0; 4]);
        // Active stake 0.6 / 0.4 (truncated to I32F32) times E.
        assert_eq!(out.validator_emission[2..], [0, 0]);
        assert!(out.validator_emission[0].abs_diff(600_000_000) <= 1);
        assert!(out.validator_emission[1].abs_diff(400_000_000) <= 1);
        assert_eq!(out.validator_emission, out.emission);
    }

    #[test]
    fn all_validators_inactive_falls_back_to_stake() {
        let mut p = params();
        p.current_block = 1_000;
        let out = epoch(&p, &subnet());
        assert_eq!(out.active, vec![false; 4]);
        assert_eq!(out.consensus, vec![0; 4]);
        assert_eq!(out.incentive, vec![0; 4]);
        // Unmasked normalised stake.
        assert!(out.validator_emission[0].abs_diff(600_000_000) <= 1);
        assert!(out.validator_emission[1].abs_diff(400_000_000) <= 1);
        // New permits still come from stake (inactive validators keep theirs).
        assert_eq!(out.validator_permit, vec![true, true, false, false]);
    }

    #[test]
    fn zero_total_stake_gives_zero_outputs() {
        let mut input = subnet();
        input.stake = vec![0; 4];
        let out = epoch(&params(), &input);
        assert_eq!(out.validator_permit, vec![false; 4]);
        assert_eq!(out.stake_weight, vec![0; 4]);
        assert_eq!(total_paid(&out), 0);
        assert_eq!(out.emission, vec![0; 4]);
        assert!(out.bonds.iter().all(Vec::is_empty));
    }

    #[test]
    fn kappa_zero_takes_the_highest_supported_weight() {
        // Validator 0 (60 %) weights miner 3 at 1/3, validator 1 (40 %) at 1/2.
        let mut p = params();
        p.kappa = 0;
        let high = epoch(&p, &subnet());
        p.kappa = u16::MAX;
        let low = epoch(&p, &subnet());
        assert!(high.consensus[3] > low.consensus[3]);
        assert_eq!(high.consensus[3], 32767); // 0.5 after row normalisation.
        assert_eq!(low.consensus[3], 21845); // 1/3.
    }

    #[test]
    fn losing_a_permit_clears_the_bond_row() {
        let mut input = subnet();
        input.bonds = vec![vec![(2, 65535)], vec![(2, 100)], vec![(0, 5)], vec![]];
        let mut p = params();
        p.max_allowed_validators = 1;
        let out = epoch(&p, &input);
        assert_eq!(out.validator_permit, vec![true, false, false, false]);
        assert!(!out.bonds[0].is_empty());
        assert!(out.bonds[1].is_empty(), "permit lost");
        assert!(out.bonds[2].is_empty(), "never had one");
    }

    #[test]
    fn weights_set_before_registration_are_ignored() {
        let mut input = subnet();
        // Miner 3 re-registered at block 9, when both validators last set weights.
        input.block_at_registration[3] = 9;
        let out = epoch(&params(), &input);
        assert_eq!(out.incentive[3], 0);
        assert_eq!(out.incentive[2], 65535);
    }

    #[test]
    fn bonds_to_recent_registrations_are_dropped_until_last_tempo_passes_them() {
        let mut input = subnet();
        input.bonds = vec![vec![(2, 65535), (3, 65535)], vec![(3, 65535)], vec![], vec![]];
        let mut p = params();
        // last_tempo = current_block − tempo = 5: miner 3 registered at 5 ⇒ dropped.
        input.block_at_registration[3] = 5;
        let dropped = epoch(&p, &input);
        input.block_at_registration[3] = 4;
        let kept = epoch(&p, &input);
        assert_ne!(dropped.dividends, kept.dividends);
        // With a recorded step block, last_tempo = LastMechansimStepBlock + 1.
        p.last_mechanism_step_block = 3;
        let lms = epoch(&p, &input);
        input.block_at_registration[3] = 5;
        assert_eq!(lms, epoch(&p, &input));
    }

    #[test]
    fn stake_threshold_spares_the_owner() {
        let mut p = params();
        p.stake_threshold = 500;
        let plain = epoch(&p, &subnet());
        assert_eq!(plain.validator_permit, vec![true, false, false, false]);
        assert_eq!(plain.stake_weight[1], 0);
        p.owner_uid = Some(1);
        let owned = epoch(&p, &subnet());
        assert_eq!(owned.validator_permit, vec![true, true, false, false]);
        assert!(owned.stake_weight[1] > 0);
    }

    #[test]
    fn owner_self_weight_survives_the_diagonal_mask() {
        let mut input = subnet();
        input.validator_permit = vec![false, true, false, false];
        input.weights[1] = vec![(1, 65535), (2, 65535)];
        let mut p = params();
        assert_eq!(epoch(&p, &input).incentive[1], 0, "self-weight masked");
        p.owner_uid = Some(1);
        let out = epoch(&p, &input);
        assert_eq!(out.incentive[1], out.incentive[2]);
        assert!(out.incentive[1] > 0);
    }

    #[test]
    fn forced_owner_permit_lets_the_owner_validate() {
        let mut input = subnet();
        input.validator_permit = vec![true, false, false, false];
        let mut p = params();
        assert_eq!(epoch(&p, &input).dividends[1], 0);
        p.owner_uid = Some(1);
        assert!(epoch(&p, &input).dividends[1] > 0);
    }

    #[test]
    fn pending_commit_hides_weights_to_later_registrations() {
        let mut input = subnet();
        input.block_at_registration[3] = 8;
        input.commit_reveal_earliest = Some(vec![Some(7), None]);
        let out = epoch(&params(), &input);
        // Validator 0's weight on miner 3 is hidden (commit at 7 < registration 8); validator 1
        // (no pending commit) still counts.
        input.commit_reveal_earliest = None;
        let open = epoch(&params(), &input);
        assert_ne!(out.consensus[3], open.consensus[3]);
        input.commit_reveal_earliest = Some(vec![Some(8), Some(8)]);
        assert_eq!(epoch(&params(), &input), open, "commit at the registration block does not mask");
    }

    #[test]
    fn root_stake_counts_by_tao_weight() {
        let mut input = subnet();
        input.root_stake = vec![0, 1_000_000];
        let mut p = params();
        assert_eq!(epoch(&p, &input), epoch(&p, &subnet()));
        p.tao_weight = u64::MAX / 2;
        assert!(epoch(&p, &input).stake_weight[1] > epoch(&p, &subnet()).stake_weight[1]);
    }

    #[test]
    fn deterministic() {
        let (p, i) = (params(), subnet());
        assert_eq!(epoch(&p, &i), epoch(&p, &i));
    }
}
