//! Classic bonds on the production path (spec §3.2 step 10a), with the reference's
//! normalisations fused into the passes that already touch each row.
//!
//! The reference runs, on sparse matrices: column-normalise B; ΔB = W_b ∘ S, column-normalise;
//! EMA; column-normalise; D = EMA · I; column max-upscale. Each of those is element-wise given
//! per-column totals, so we compute the totals in the pass that produces a matrix and apply the
//! division in the pass that next reads it. Every value is computed by the same operations in
//! the same order (sums of non-negative values saturate identically in any order), so the
//! results are bit-identical; `dense.rs` runs the unfused sequence and the property tests compare
//! the two.

use alloc::vec;
use alloc::vec::Vec;

use substrate_fixed::types::I32F32;

use crate::math::{FixedDivisor, FixedMatrix, SaturatingMulFast, fixed_proportion_to_u16, inplace_normalize};
use crate::types::SparseRow as StoredRow;

fn zero() -> I32F32 {
    I32F32::from_num(0)
}

/// Per-column divisors for a normalisation: `None` where the total is zero (values unchanged).
fn divisors(totals: &[I32F32]) -> Vec<Option<FixedDivisor>> {
    totals.iter().map(|t| (*t != zero()).then(|| FixedDivisor::new(*t))).collect()
}

/// `v / by[j]` where that divisor exists, else `v` (the reference's column normalisation).
#[inline]
fn scaled(by: &[Option<FixedDivisor>], j: u16, v: I32F32) -> I32F32 {
    match by.get(usize::from(j)) {
        Some(Some(d)) => d.div(v),
        _ => v,
    }
}

fn add_to_column(totals: &mut [I32F32], j: u16, v: I32F32) {
    if let Some(t) = totals.get_mut(usize::from(j)) {
        *t = t.saturating_add(v);
    }
}

/// The classic path. `bonds` are the stored bonds (raw u16 as I32F32, already masked);
/// `weights_for_bonds` is consumed. Returns the normalised dividends and the new stored bonds
/// rows (written for `new_permits`, empty otherwise).
pub(crate) fn classic_sparse(
    bonds: FixedMatrix,
    weights_for_bonds: FixedMatrix,
    active_stake: &[I32F32],
    incentive: &[I32F32],
    alpha: I32F32,
    new_permits: &[bool],
) -> (Vec<I32F32>, Vec<StoredRow>) {
    let n = weights_for_bonds.len();
    let one_minus_alpha = I32F32::from_num(1).saturating_sub(alpha);

    // Column totals of B.
    let mut bond_totals = vec![zero(); n];
    for row in &bonds {
        for &(j, v) in row {
            add_to_column(&mut bond_totals, j, v);
        }
    }
    let bond_div = divisors(&bond_totals);

    // ΔB = W_b ∘ S (row-wise), with its column totals.
    let mut delta = weights_for_bonds;
    let mut delta_totals = vec![zero(); n];
    for (row, s) in delta.iter_mut().zip(active_stake) {
        for (j, v) in row.iter_mut() {
            *v = v.smul(*s);
            add_to_column(&mut delta_totals, *j, *v);
        }
    }
    let delta_div = divisors(&delta_totals);

    // EMA = α · colnorm(ΔB) + (1 − α) · colnorm(B), positives in column order, with totals.
    let mut acc = vec![zero(); n];
    let mut ema_totals = vec![zero(); n];
    let mut ema: FixedMatrix = delta
        .iter()
        .enumerate()
        .map(|(i, new_row)| {
            let old_row: &[(u16, I32F32)] = bonds.get(i).map_or(&[], Vec::as_slice);
            if new_row.is_empty() && old_row.is_empty() {
                return Vec::new();
            }
            for &(j, v) in new_row {
                if let Some(c) = acc.get_mut(usize::from(j)) {
                    *c = c.saturating_add(alpha.smul(scaled(&delta_div, j, v)));
                }
            }
            for &(j, v) in old_row {
                if let Some(c) = acc.get_mut(usize::from(j)) {
                    *c = c.saturating_add(one_minus_alpha.smul(scaled(&bond_div, j, v)));
                }
            }
            let mut out = Vec::with_capacity(new_row.len().saturating_add(old_row.len()).min(n));
            for (j, c) in acc.iter_mut().enumerate() {
                // n ≤ u16::MAX, so every column has a u16 index.
                if *c > zero()
                    && let Ok(j) = u16::try_from(j)
                {
                    out.push((j, *c));
                    add_to_column(&mut ema_totals, j, *c);
                }
                *c = zero();
            }
            out
        })
        .collect();
    drop(delta);
    drop(bonds);

    // Column-normalise the EMA; dividends D_i = Σ_j EMA_ij · I_j; column maxima.
    let ema_div = divisors(&ema_totals);
    let mut col_max = vec![zero(); n];
    let mut dividends: Vec<I32F32> = ema
        .iter_mut()
        .map(|row| {
            let mut d = zero();
            for (j, v) in row.iter_mut() {
                *v = scaled(&ema_div, *j, *v);
                let x = incentive.get(usize::from(*j)).copied().unwrap_or(zero());
                d = d.saturating_add(x.smul(*v));
                if let Some(m) = col_max.get_mut(usize::from(*j))
                    && *m < *v
                {
                    *m = *v;
                }
            }
            d
        })
        .collect();
    inplace_normalize(&mut dividends);

    // Storage form: column max-upscale, then u16, for the uids that hold a permit.
    let max_div = divisors(&col_max);
    let stored = ema
        .iter()
        .enumerate()
        .map(|(i, row)| {
            if new_permits.get(i).copied().unwrap_or(false) {
                row.iter().map(|&(j, v)| (j, fixed_proportion_to_u16(scaled(&max_div, j, v)))).collect()
            } else {
                Vec::new()
            }
        })
        .collect();
    (dividends, stored)
}
