//! Yuma3 bond updates (spec §3.2 step 10b): per-entry liquid alpha or one fixed alpha.

use alloc::vec;
use alloc::vec::Vec;

use substrate_fixed::types::{I32F32, I64F64};

use crate::math::{
    FixedMatrix, FixedRow, SaturatingMulFast, clamp_value, ema_alpha_row, exp_safe, mat_ema, mat_ema_alpha,
    mat_ema_sparse, u16_proportion_to_fixed,
};
use crate::types::EpochParams;

/// The liquid-alpha curve parameters.
#[derive(Clone, Copy)]
pub(crate) struct LiquidAlpha {
    low: I32F32,
    high: I32F32,
    /// `steepness / −100` (the same for every entry, so computed once).
    slope: I32F32,
}

impl LiquidAlpha {
    fn from_params(params: &EpochParams) -> Self {
        Self {
            low: u16_proportion_to_fixed(params.alpha_low),
            high: u16_proportion_to_fixed(params.alpha_high),
            slope: I32F32::saturating_from_num(params.alpha_sigmoid_steepness).saturating_div(I32F32::from_num(-100)),
        }
    }

    /// `alpha_sigmoid(consensus, weight, bond)`: the buy distance `w − c` when `w ≥ b`, else the
    /// sell distance `b − w` (each clamped to `[0, 1]`), pushed through
    /// `1 / (1 + e^(−(steepness/100)·(d − ½)))` and mapped into `[low, high]`.
    pub(crate) fn alpha(&self, consensus: I32F32, weight: I32F32, bond: I32F32) -> I32F32 {
        let zero = I32F32::from_num(0);
        let one = I32F32::from_num(1);
        let half = I32F32::from_bits(1 << 31);
        let buy = clamp_value(weight.saturating_sub(consensus), zero, one);
        let sell = clamp_value(bond.saturating_sub(weight), zero, one);
        let d = if weight >= bond { buy } else { sell };
        let e = exp_safe(self.slope.smul(d.saturating_sub(half)));
        let sigmoid = one.saturating_div(one.saturating_add(e));
        let a = self.low.saturating_add(sigmoid.smul(self.high.saturating_sub(self.low)));
        clamp_value(a, self.low, self.high)
    }
}

/// `1 − BondsMovingAverage / 10^6` as Yuma3 computes it without liquid alpha.
fn fixed_alpha(params: &EpochParams) -> I32F32 {
    let bma = I64F64::saturating_from_num(params.bonds_moving_average)
        .saturating_div(I64F64::saturating_from_num(1_000_000u64));
    I32F32::from_num(1).saturating_sub(I32F32::saturating_from_num(bma))
}

/// Liquid alpha is used when enabled and some consensus value is non-zero.
fn use_liquid(params: &EpochParams, consensus: &[I32F32]) -> Option<LiquidAlpha> {
    let any = consensus.iter().any(|c| *c != I32F32::from_num(0));
    (params.liquid_alpha && any).then(|| LiquidAlpha::from_params(params))
}

/// Scatters a row onto `out` the way the reference's column walk reads it: columns are visited
/// in order `0..width` and the row is consumed front to back, skipping entries whose column is
/// below the current one, so an entry is seen only if it appears in ascending position (for
/// sorted rows this is a plain scatter; a repeated column yields its first entry).
fn walk_row(row: &[(u16, I32F32)], out: &mut [I32F32]) {
    let zero = I32F32::from_num(0);
    out.iter_mut().for_each(|v| *v = zero);
    let mut pos = 0usize;
    for (j, cell) in out.iter_mut().enumerate() {
        while let Some(&(c, v)) = row.get(pos) {
            let c = usize::from(c);
            if c < j {
                pos = pos.saturating_add(1);
            } else {
                if c == j {
                    *cell = v;
                }
                break;
            }
        }
    }
}

/// Yuma3 sparse EMA: `compute_bonds_sparse`.
///
/// With liquid alpha the reference builds a dense `n × n` alpha matrix and reads it only at the
/// columns present in each row; we evaluate the sigmoid lazily at exactly those entries (same
/// values, same order), skipping rows without weights, whose output is empty either way.
pub(crate) fn yuma3_sparse(
    params: &EpochParams,
    weights_for_bonds: &[FixedRow],
    bonds: &[FixedRow],
    consensus: &[I32F32],
) -> FixedMatrix {
    let Some(la) = use_liquid(params, consensus) else {
        return mat_ema_sparse(weights_for_bonds, bonds, fixed_alpha(params));
    };
    if weights_for_bonds.len() != bonds.len() {
        // The reference's alpha matrix comes back empty and the EMA returns the weights.
        return weights_for_bonds.to_vec();
    }
    let n = consensus.len();
    let mut w_seen = vec![I32F32::from_num(0); n];
    let mut b_seen = vec![I32F32::from_num(0); n];
    weights_for_bonds
        .iter()
        .zip(bonds)
        .map(|(w_row, b_row)| {
            if w_row.is_empty() {
                return Vec::new();
            }
            walk_row(w_row, &mut w_seen);
            walk_row(b_row, &mut b_seen);
            let alpha_at = |j: usize| -> Option<I32F32> {
                let c = consensus.get(j)?;
                Some(la.alpha(*c, *w_seen.get(j)?, *b_seen.get(j)?))
            };
            ema_alpha_row(w_row, b_row, alpha_at, n)
        })
        .collect()
}

/// Yuma3 dense EMA: `compute_bonds` (alpha for every cell when liquid).
pub(crate) fn yuma3_dense(
    params: &EpochParams,
    weights_for_bonds: &[Vec<I32F32>],
    bonds: &[Vec<I32F32>],
    consensus: &[I32F32],
) -> Vec<Vec<I32F32>> {
    let Some(la) = use_liquid(params, consensus) else {
        return mat_ema(weights_for_bonds, bonds, fixed_alpha(params));
    };
    let alphas: Vec<Vec<I32F32>> = if weights_for_bonds.len() == bonds.len() {
        weights_for_bonds
            .iter()
            .zip(bonds)
            .map(|(w_row, b_row)| {
                w_row.iter().zip(b_row).zip(consensus).map(|((w, b), c)| la.alpha(*c, *w, *b)).collect()
            })
            .collect()
    } else {
        Vec::new()
    };
    mat_ema_alpha(weights_for_bonds, bonds, &alphas)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(low: u16, high: u16) -> EpochParams {
        EpochParams {
            current_block: 0,
            tempo: 1,
            activity_cutoff: 1,
            last_mechanism_step_block: 0,
            stake_threshold: 0,
            tao_weight: 0,
            max_allowed_validators: 1,
            kappa: 32767,
            bonds_penalty: 0,
            bonds_moving_average: 900_000,
            yuma3: true,
            liquid_alpha: true,
            alpha_low: low,
            alpha_high: high,
            alpha_sigmoid_steepness: 1000,
            owner_uid: None,
            emission: 0,
        }
    }

    fn f(num: i32, den: i32) -> I32F32 {
        I32F32::from_num(num) / I32F32::from_num(den)
    }

    #[test]
    fn alpha_stays_within_bounds_and_is_midpoint_at_half() {
        let la = LiquidAlpha::from_params(&params(6553, 19660));
        // d = ½ ⇒ sigmoid = ½ ⇒ alpha = (low + high)/2.
        let a = la.alpha(I32F32::from_num(0), f(1, 2), I32F32::from_num(0));
        let mid = la.low + (la.high - la.low) / I32F32::from_num(2);
        assert!((a - mid).abs() <= I32F32::from_bits(2));
        for (c, w, b) in [(f(0, 1), f(1, 1), f(0, 1)), (f(1, 1), f(0, 1), f(1, 1)), (f(1, 2), f(1, 2), f(1, 2))] {
            let a = la.alpha(c, w, b);
            assert!(a >= la.low && a <= la.high);
        }
    }

    #[test]
    fn walk_row_matches_scatter_on_sorted_rows() {
        let row = vec![(1u16, f(1, 2)), (3, f(1, 4))];
        let mut out = vec![I32F32::from_num(0); 4];
        walk_row(&row, &mut out);
        assert_eq!(out, vec![f(0, 1), f(1, 2), f(0, 1), f(1, 4)]);
        // An out-of-order entry is skipped by the walk.
        let unsorted = vec![(3u16, f(1, 4)), (1, f(1, 2))];
        walk_row(&unsorted, &mut out);
        assert_eq!(out, vec![f(0, 1), f(0, 1), f(0, 1), f(1, 4)]);
    }

    /// A row-major `rows × (len / rows)` matrix from `f32` literals, each converted with
    /// `I32F32::from_num` (how the reference's `vec_to_mat_fixed` builds its test matrices).
    fn literal_matrix(values: &[f32], rows: usize) -> Vec<Vec<I32F32>> {
        values.chunks(values.len() / rows).map(|r| r.iter().map(|x| I32F32::from_num(*x)).collect()).collect()
    }

    /// Port of the reference's `test_liquid_alpha_equal_values_against_itself`
    /// (`tests/epoch.rs`): `compute_bonds` (our [`yuma3_dense`]) on the same matrices and
    /// consensus, with `alpha_low = alpha_high = u16::MAX / 10` and a bonds moving average of
    /// 900_000, must give liquid-alpha-on bonds within 1e-3 of liquid-alpha-off bonds.
    #[test]
    fn test_liquid_alpha_equal_values_against_itself() {
        let weights = literal_matrix(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0.4, 0.5], 4);
        let bonds = literal_matrix(&[0.1, 0.1, 0.5, 0., 0., 0.4, 0.5, 0.1, 0.1, 0., 0.4, 0.2], 4);
        let consensus: Vec<I32F32> = [0.3f32, 0.2, 0.1, 0.4].iter().map(|x| I32F32::from_num(*x)).collect();
        let epsilon = I32F32::from_num(1e-3);

        let on = params(u16::MAX / 10, u16::MAX / 10);
        assert_eq!(on.bonds_moving_average, 900_000);
        assert_eq!(on.alpha_sigmoid_steepness, 1000, "the reference mock's default");
        let off = EpochParams { liquid_alpha: false, ..on.clone() };
        assert!(use_liquid(&on, &consensus).is_some(), "the liquid path is taken");

        let bonds_on = yuma3_dense(&on, &weights, &bonds, &consensus);
        let bonds_off = yuma3_dense(&off, &weights, &bonds, &consensus);
        assert_eq!(bonds_on.len(), bonds_off.len());
        for (row_on, row_off) in bonds_on.iter().zip(&bonds_off) {
            assert_eq!(row_on.len(), row_off.len());
            for (a, b) in row_on.iter().zip(row_off) {
                assert!((*a - *b).abs() <= epsilon, "{a} vs {b}");
            }
        }
    }
}
