//! Operations on dense matrices (`Vec` of rows), used by the dense epoch and the legacy root epoch.
//!
//! Shapes are not trusted: every operation walks rows and columns with bounds-checked iteration,
//! treating missing cells the way the reference does (documented per function).

use alloc::vec;
use alloc::vec::Vec;

use substrate_fixed::types::{I32F32, I64F64};

use super::safe::{FixedDivisor, SafeDiv, SaturatingMulFast, sum_fixed, sum_fixed64};
use super::vector::vec_mul;

fn zero() -> I32F32 {
    I32F32::from_num(0)
}

/// Divides each row by its sum when that sum is positive.
pub fn inplace_row_normalize(x: &mut [Vec<I32F32>]) {
    for row in x.iter_mut() {
        let total = sum_fixed(row.iter());
        if total > zero() {
            let d = FixedDivisor::new(total);
            row.iter_mut().for_each(|v| *v = d.div(*v));
        }
    }
}

/// [`inplace_row_normalize`] for I64F64 matrices (the legacy root epoch's weights).
pub fn inplace_row_normalize_64(x: &mut [Vec<I64F64>]) {
    for row in x.iter_mut() {
        let total = sum_fixed64(row.iter());
        if total > I64F64::from_num(0) {
            row.iter_mut().for_each(|v| *v = v.safe_div(total));
        }
    }
}

/// Sum of each row; an empty first row yields an empty result.
pub fn row_sum(x: &[Vec<I32F32>]) -> Vec<I32F32> {
    if x.first().is_some_and(Vec::is_empty) {
        return Vec::new();
    }
    x.iter().map(|row| sum_fixed(row.iter())).collect()
}

fn col_sums(x: &[Vec<I32F32>]) -> Vec<I32F32> {
    let mut sums: Vec<I32F32> = Vec::new();
    for row in x {
        if sums.len() < row.len() {
            sums.resize(row.len(), zero());
        }
        for (s, v) in sums.iter_mut().zip(row) {
            *s = s.saturating_add(*v);
        }
    }
    sums
}

/// Divides cell `(i, j)` by `by[j]` where that is non-zero.
fn divide_by_columns(x: &mut [Vec<I32F32>], by: &[I32F32]) {
    let divisors: Vec<Option<FixedDivisor>> =
        by.iter().map(|d| (*d != zero()).then(|| FixedDivisor::new(*d))).collect();
    for row in x.iter_mut() {
        for (v, d) in row.iter_mut().zip(&divisors) {
            if let Some(d) = d {
                *v = d.div(*v);
            }
        }
    }
}

/// Divides each entry by its column's sum (zero sums leave the column as is). Ragged rows are
/// allowed: a missing cell counts as zero.
pub fn inplace_col_normalize(x: &mut [Vec<I32F32>]) {
    let sums = col_sums(x);
    divide_by_columns(x, &sums);
}

/// Divides each entry by its column's maximum (zero maxima leave the column as is).
pub fn inplace_col_max_upscale(x: &mut [Vec<I32F32>]) {
    let width = x.iter().map(Vec::len).max().unwrap_or(0);
    let mut maxes = vec![zero(); width];
    for row in x.iter() {
        for (m, v) in maxes.iter_mut().zip(row) {
            if *m < *v {
                *m = *v;
            }
        }
    }
    divide_by_columns(x, &maxes);
}

/// Zeroes cell `(r, c)` where `mask[r][c]` is true or missing. An empty mask (or an empty first
/// mask row) masks nothing.
pub fn inplace_mask_matrix(mask: &[Vec<bool>], matrix: &mut [Vec<I32F32>]) {
    if mask.first().is_none_or(Vec::is_empty) {
        return;
    }
    for (r, row) in matrix.iter_mut().enumerate() {
        let mask_row = mask.get(r);
        for (c, v) in row.iter_mut().enumerate() {
            if mask_row.and_then(|m| m.get(c)).copied().unwrap_or(true) {
                *v = zero();
            }
        }
    }
}

/// Replaces row `r` by zeros (as wide as the first row) where `mask[r]` is true or missing.
pub fn inplace_mask_rows(mask: &[bool], matrix: &mut [Vec<I32F32>]) {
    let Some(cols) = matrix.first().map(Vec::len) else {
        return;
    };
    for (r, row) in matrix.iter_mut().enumerate() {
        if mask.get(r).copied().unwrap_or(true) {
            *row = vec![zero(); cols];
        }
    }
}

/// Zeroes column `c` where `mask[c]` is true or missing.
pub fn inplace_mask_cols(mask: &[bool], matrix: &mut [Vec<I32F32>]) {
    for row in matrix.iter_mut() {
        for (c, v) in row.iter_mut().enumerate() {
            if mask.get(c).copied().unwrap_or(true) {
                *v = zero();
            }
        }
    }
}

fn is_square_nonempty(matrix: &[Vec<I32F32>]) -> bool {
    matrix.first().is_some_and(|r| !r.is_empty() && r.len() == matrix.len())
}

/// Zeroes the diagonal of a square matrix (non-square matrices are left alone).
pub fn inplace_mask_diag(matrix: &mut [Vec<I32F32>]) {
    if !is_square_nonempty(matrix) {
        return;
    }
    for (i, row) in matrix.iter_mut().enumerate() {
        if let Some(v) = row.get_mut(i) {
            *v = zero();
        }
    }
}

/// Zeroes the diagonal of a square matrix except cell `(except_index, except_index)`.
pub fn inplace_mask_diag_except_index(matrix: &mut [Vec<I32F32>], except_index: u16) {
    if !is_square_nonempty(matrix) {
        return;
    }
    let k = usize::from(except_index);
    let kept = matrix.get(k).and_then(|r| r.get(k)).copied();
    inplace_mask_diag(matrix);
    if let (Some(v), Some(cell)) = (kept, matrix.get_mut(k).and_then(|r| r.get_mut(k))) {
        *cell = v;
    }
}

/// Multiplies row `i` by `vector[i]` (stops at the shorter; an empty matrix gives `[[]]`).
pub fn row_hadamard(matrix: &[Vec<I32F32>], vector: &[I32F32]) -> Vec<Vec<I32F32>> {
    if matrix.first().is_none_or(Vec::is_empty) {
        return vec![Vec::new()];
    }
    matrix.iter().zip(vector).map(|(row, s)| row.iter().map(|v| s.smul(*v)).collect()).collect()
}

/// `r_j = Σ_i vector_i · m_ij`, as wide as the first row (rows beyond the vector weigh 0).
pub fn matmul(matrix: &[Vec<I32F32>], vector: &[I32F32]) -> Vec<I32F32> {
    let cols = matrix.first().map_or(0, Vec::len);
    if cols == 0 {
        return Vec::new();
    }
    let mut acc = vec![zero(); cols];
    for (i, row) in matrix.iter().enumerate() {
        let s = vector.get(i).copied().unwrap_or(zero());
        for (a, v) in acc.iter_mut().zip(row) {
            *a = a.saturating_add(s.smul(*v));
        }
    }
    acc
}

/// [`matmul`] in I64F64 (the legacy root epoch's ranks).
///
/// The legacy code asserted equal lengths and narrowed the accumulator to each row's width as it
/// went; here rows beyond the vector are ignored (no panic) and the narrowing is kept, so
/// well-formed input gives the legacy result.
pub fn matmul_64(matrix: &[Vec<I64F64>], vector: &[I64F64]) -> Vec<I64F64> {
    let cols = matrix.first().map_or(0, Vec::len);
    if cols == 0 {
        return Vec::new();
    }
    matrix.iter().zip(vector).fold(vec![I64F64::from_num(0); cols], |acc, (row, s)| {
        row.iter().zip(acc).map(|(m, a)| a.saturating_add(s.saturating_mul(*m))).collect()
    })
}

/// `r_i = Σ_j vector_j · m_ij` (an empty first row gives an empty result).
pub fn matmul_transpose(matrix: &[Vec<I32F32>], vector: &[I32F32]) -> Vec<I32F32> {
    if matrix.first().is_none_or(Vec::is_empty) {
        return Vec::new();
    }
    matrix.iter().map(|row| row.iter().zip(vector).fold(zero(), |acc, (m, v)| acc.saturating_add(m.smul(*v)))).collect()
}

/// Clips each cell to its column threshold: `min(value, threshold)`.
pub fn inplace_col_clip(x: &mut [Vec<I32F32>], col_threshold: &[I32F32]) {
    for row in x.iter_mut() {
        for (v, th) in row.iter_mut().zip(col_threshold) {
            *v = (*th).min(*v);
        }
    }
}

/// `A + ratio · (B − A)` cell by cell, shaped like `A` (`ratio = 0` → `A`, `ratio = 1` → `B`).
pub fn interpolate(mat1: &[Vec<I32F32>], mat2: &[Vec<I32F32>], ratio: I32F32) -> Vec<Vec<I32F32>> {
    if ratio == zero() {
        return mat1.to_vec();
    }
    if ratio == I32F32::from_num(1) {
        return mat2.to_vec();
    }
    let Some(cols) = mat1.first().map(Vec::len).filter(|c| *c > 0) else {
        return vec![Vec::new()];
    };
    let mut out: Vec<Vec<I32F32>> = mat1.iter().map(|_| vec![zero(); cols]).collect();
    for ((r1, r2), o) in mat1.iter().zip(mat2).zip(out.iter_mut()) {
        for ((v1, v2), cell) in r1.iter().zip(r2).zip(o.iter_mut()) {
            *cell = v1.saturating_add(ratio.smul(v2.saturating_sub(*v1)));
        }
    }
    out
}

/// Multiplies cell `(i, j)` by `vector[j]` (an empty matrix gives `[[]]`).
pub fn mat_vec_mul(matrix: &[Vec<I32F32>], vector: &[I32F32]) -> Vec<Vec<I32F32>> {
    if matrix.first().is_none_or(Vec::is_empty) {
        return vec![Vec::new()];
    }
    matrix.iter().map(|row| vec_mul(row, vector)).collect()
}

/// `alpha · new + (1 − alpha) · old` cell by cell over the common shape.
pub fn mat_ema(new: &[Vec<I32F32>], old: &[Vec<I32F32>], alpha: I32F32) -> Vec<Vec<I32F32>> {
    if new.first().is_none_or(Vec::is_empty) {
        return vec![Vec::new()];
    }
    let one_minus_alpha = I32F32::from_num(1).saturating_sub(alpha);
    new.iter()
        .zip(old)
        .map(|(n_row, o_row)| {
            n_row.iter().zip(o_row).map(|(n, o)| alpha.smul(*n).saturating_add(one_minus_alpha.smul(*o))).collect()
        })
        .collect()
}

/// Yuma3 dense bond update with one alpha per cell:
/// `min(1, (1 − α) · old + max(0, α · new))`.
///
/// An empty `new` gives `[[]]`; mismatched row counts return `old`; mismatched row widths return
/// `new`.
pub fn mat_ema_alpha(new: &[Vec<I32F32>], old: &[Vec<I32F32>], alpha: &[Vec<I32F32>]) -> Vec<Vec<I32F32>> {
    if new.first().is_none_or(Vec::is_empty) {
        return vec![Vec::new()];
    }
    if new.len() != old.len() || new.len() != alpha.len() {
        return old.to_vec();
    }
    let widths_match = new.iter().zip(old).zip(alpha).all(|((n, o), a)| n.len() == o.len() && n.len() == a.len());
    if !widths_match {
        return new.to_vec();
    }
    let one = I32F32::from_num(1);
    new.iter()
        .zip(old)
        .zip(alpha)
        .map(|((n_row, o_row), a_row)| {
            n_row
                .iter()
                .zip(o_row)
                .zip(a_row)
                .map(|((n, o), a)| {
                    let decayed = one.saturating_sub(*a).smul(*o);
                    let inc = a.smul(*n).max(zero());
                    decayed.saturating_add(inc).min(one)
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(num: i32, den: i32) -> I32F32 {
        I32F32::from_num(num) / I32F32::from_num(den)
    }

    #[test]
    fn normalise_rows_and_cols() {
        let mut m = vec![vec![f(1, 1), f(3, 1)], vec![f(0, 1), f(0, 1)]];
        inplace_row_normalize(&mut m);
        assert_eq!(m, vec![vec![f(1, 4), f(3, 4)], vec![f(0, 1), f(0, 1)]]);
        let mut c = vec![vec![f(1, 1), f(0, 1)], vec![f(3, 1), f(0, 1)]];
        inplace_col_normalize(&mut c);
        assert_eq!(c, vec![vec![f(1, 4), f(0, 1)], vec![f(3, 4), f(0, 1)]]);
        let mut u = vec![vec![f(1, 1), f(2, 1)], vec![f(4, 1), f(1, 1)]];
        inplace_col_max_upscale(&mut u);
        assert_eq!(u, vec![vec![f(1, 4), f(1, 1)], vec![f(1, 1), f(1, 2)]]);
    }

    #[test]
    fn masks() {
        let mut m = vec![vec![f(1, 1), f(1, 1)], vec![f(1, 1), f(1, 1)]];
        inplace_mask_diag_except_index(&mut m, 1);
        assert_eq!(m, vec![vec![f(0, 1), f(1, 1)], vec![f(1, 1), f(1, 1)]]);
        inplace_mask_diag(&mut m);
        assert_eq!(m, vec![vec![f(0, 1), f(1, 1)], vec![f(1, 1), f(0, 1)]]);
        inplace_mask_rows(&[true, false], &mut m);
        assert_eq!(m[0], vec![f(0, 1); 2]);
        inplace_mask_cols(&[true], &mut m);
        assert_eq!(m[1], vec![f(0, 1); 2]);
    }

    #[test]
    fn legacy_64_helpers() {
        let mut w =
            vec![vec![I64F64::from_num(1), I64F64::from_num(3)], vec![I64F64::from_num(0), I64F64::from_num(0)]];
        inplace_row_normalize_64(&mut w);
        assert_eq!(w[0][1], I64F64::from_num(3) / I64F64::from_num(4));
        let s = [I64F64::from_num(1) / I64F64::from_num(2), I64F64::from_num(1) / I64F64::from_num(2)];
        let r = matmul_64(&w, &s);
        assert_eq!(r, vec![I64F64::from_num(1) / I64F64::from_num(8), I64F64::from_num(3) / I64F64::from_num(8)]);
        assert_eq!(matmul_64(&[], &s), Vec::<I64F64>::new());
        // Mismatched lengths do not panic.
        assert_eq!(matmul_64(&w, &s[..1]).len(), 2);
    }

    #[test]
    fn ema_dense() {
        let new = vec![vec![f(1, 1), f(0, 1)]];
        let old = vec![vec![f(0, 1), f(1, 1)]];
        assert_eq!(mat_ema(&new, &old, f(1, 4)), vec![vec![f(1, 4), f(3, 4)]]);
        let alpha = vec![vec![f(1, 2), f(1, 2)]];
        assert_eq!(mat_ema_alpha(&new, &old, &alpha), vec![vec![f(1, 2), f(1, 2)]]);
        assert_eq!(mat_ema_alpha(&new, &[], &alpha), Vec::<Vec<I32F32>>::new());
    }
}
