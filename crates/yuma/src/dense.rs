//! The dense test variant (`epoch_dense_mechanism`): the same maths on `n × n` matrices.
//!
//! Kept for the sparse/dense agreement tests. It differs from [`crate::epoch`] exactly where the
//! reference's dense variant does (spec §3.3): no owner exemption from the stake threshold, no
//! forced owner permit, the whole diagonal masked (owner included), no commit-reveal mask,
//! Yuma3 bonds decay in every column, and new bond rows list all `n` columns.

use alloc::vec;
use alloc::vec::Vec;

use substrate_fixed::types::I32F32;

use crate::bonds::yuma3_dense;
use crate::emission::{Scores, assemble};
use crate::math::{
    fixed_to_fixed_u16_proportion, inplace_col_clip, inplace_col_max_upscale, inplace_col_normalize, inplace_mask_cols,
    inplace_mask_diag, inplace_mask_matrix, inplace_mask_rows, inplace_normalize, inplace_row_normalize, interpolate,
    mat_ema, mat_vec_mul, matmul, matmul_transpose, row_hadamard, row_sum, u16_to_fixed, vec_fixed_proportions_to_u16,
    vec_mul, weighted_median_col,
};
use crate::prepare::{OwnerRules, Prepared, bonds_penalty, ema_alpha, kappa, prepare};
use crate::types::{EpochInput, EpochOutput, EpochParams, SparseRow as StoredRow};

/// Loads stored u16 rows into an `n × n` matrix (later duplicates overwrite earlier ones).
fn load(rows: &[StoredRow], n: usize, convert: impl Fn(u16) -> I32F32) -> Vec<Vec<I32F32>> {
    let mut m = vec![vec![I32F32::from_num(0); n]; n];
    for (row, stored) in m.iter_mut().zip(rows) {
        for &(j, v) in stored {
            if let Some(cell) = row.get_mut(usize::from(j)) {
                *cell = convert(v);
            }
        }
    }
    m
}

fn weights(input: &EpochInput, prep: &Prepared) -> Vec<Vec<I32F32>> {
    let forbids: Vec<bool> = prep.permits.iter().map(|p| !p).collect();
    let mut w = load(&input.weights, prep.n, u16_to_fixed);
    inplace_mask_rows(&forbids, &mut w);
    // The reference first keeps the owner's self-weight, then masks the whole diagonal again:
    // the net effect is a fully masked diagonal.
    inplace_mask_diag(&mut w);
    let outdated: Vec<Vec<bool>> =
        prep.last_update.iter().map(|u| prep.block_at_registration.iter().map(|r| u <= r).collect()).collect();
    inplace_mask_matrix(&outdated, &mut w);
    inplace_row_normalize(&mut w);
    w
}

/// Runs one epoch on the dense test path. See the module docs for how it differs from
/// [`crate::epoch`].
pub fn epoch_dense(params: &EpochParams, input: &EpochInput) -> EpochOutput {
    let prep = prepare(params, input, OwnerRules::Ignore);
    let n = prep.n;

    let weights = weights(input, &prep);

    let consensus = weighted_median_col(&prep.active_stake, &weights, kappa(params));
    let mut clipped = weights.clone();
    inplace_col_clip(&mut clipped, &consensus);
    let validator_trust = row_sum(&clipped);

    let mut incentive = matmul(&clipped, &prep.active_stake);
    inplace_normalize(&mut incentive);

    let weights_for_bonds = interpolate(&weights, &clipped, bonds_penalty(params));
    let recently_registered: Vec<bool> = prep.block_at_registration.iter().map(|r| prep.last_tempo <= *r).collect();

    let (dividends, ema) = if params.yuma3 {
        let mut bonds = load(&input.bonds, n, |b| fixed_to_fixed_u16_proportion(u16_to_fixed(b)));
        inplace_mask_cols(&recently_registered, &mut bonds);
        let ema = yuma3_dense(params, &weights_for_bonds, &bonds, &consensus);
        let mut ema_norm = ema.clone();
        inplace_col_normalize(&mut ema_norm);
        let per_validator = row_sum(&mat_vec_mul(&ema_norm, &incentive));
        let mut dividends = vec_mul(&per_validator, &prep.active_stake);
        inplace_normalize(&mut dividends);
        (dividends, ema)
    } else {
        let mut bonds = load(&input.bonds, n, u16_to_fixed);
        inplace_mask_cols(&recently_registered, &mut bonds);
        inplace_col_normalize(&mut bonds);
        let mut delta = row_hadamard(&weights_for_bonds, &prep.active_stake);
        inplace_col_normalize(&mut delta);
        let mut ema = mat_ema(&delta, &bonds, ema_alpha(params));
        inplace_col_normalize(&mut ema);
        let mut dividends = matmul_transpose(&ema, &incentive);
        inplace_normalize(&mut dividends);
        inplace_col_max_upscale(&mut ema);
        (dividends, ema)
    };

    // Rows: all n columns for new permit holders, emptied when a permit is lost, otherwise the
    // stored row is left as it was.
    let bonds: Vec<StoredRow> = (0..n)
        .map(|i| {
            let new_permit = prep.new_permits.get(i).copied().unwrap_or(false);
            match ema.get(i) {
                Some(row) if new_permit => (0u16..).zip(vec_fixed_proportions_to_u16(row)).collect(),
                _ if !new_permit && prep.permits.get(i).copied().unwrap_or(false) => Vec::new(),
                _ => input.bonds.get(i).cloned().unwrap_or_default(),
            }
        })
        .collect();

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
    use super::*;
    use crate::epoch;
    use alloc::vec;

    fn params() -> EpochParams {
        EpochParams {
            current_block: 10,
            tempo: 5,
            activity_cutoff: 100,
            last_mechanism_step_block: 0,
            stake_threshold: 0,
            tao_weight: 0,
            max_allowed_validators: 1,
            kappa: 32_767,
            bonds_penalty: u16::MAX,
            bonds_moving_average: 900_000,
            yuma3: false,
            liquid_alpha: false,
            alpha_low: 45_875,
            alpha_high: 58_982,
            alpha_sigmoid_steepness: 1000,
            owner_uid: None,
            emission: 1_000_000_000,
        }
    }

    fn input() -> EpochInput {
        EpochInput {
            stake: vec![600, 400, 0],
            root_stake: vec![],
            last_update: vec![9, 9, 0],
            block_at_registration: vec![1, 1, 1],
            validator_permit: vec![true, false, false],
            weights: vec![vec![(2, 65535)], vec![], vec![]],
            bonds: vec![vec![], vec![], vec![(0, 7)]],
            commit_reveal_earliest: None,
        }
    }

    #[test]
    fn empty_subnet_gives_empty_output() {
        assert_eq!(epoch_dense(&params(), &EpochInput::default()), EpochOutput::default());
    }

    #[test]
    fn bond_rows_list_every_column_and_untouched_rows_are_kept() {
        let out = epoch_dense(&params(), &input());
        assert_eq!(out.bonds[0], vec![(0, 0), (1, 0), (2, 65535)]);
        assert!(out.bonds[1].is_empty());
        // Uid 2 neither had nor gets a permit: its stored row is left as it was.
        assert_eq!(out.bonds[2], vec![(0, 7)]);
        // The production path empties it.
        assert!(epoch(&params(), &input()).bonds[2].is_empty());
    }

    #[test]
    fn owner_rules_do_not_apply() {
        let mut p = params();
        p.owner_uid = Some(1);
        p.stake_threshold = 500;
        let out = epoch_dense(&p, &input());
        assert_eq!(out.stake_weight[1], 0, "no threshold exemption");
        assert!(!out.validator_permit[1], "no forced permit");
        let mut i = input();
        i.validator_permit = vec![true, true, false];
        i.weights[1] = vec![(1, 65535)];
        p.stake_threshold = 0;
        assert_eq!(epoch_dense(&p, &i).incentive[1], 0, "owner self-weight masked");
    }
}
