//! Operations on sparse matrices: one `Vec<(column, value)>` per row, in stored order.
//!
//! Rows keep the order and the explicit zero entries they were given (spec §11.2); column
//! indices at or beyond the declared width are ignored by every column-indexed operation.

use alloc::vec;
use alloc::vec::Vec;

use substrate_fixed::types::I32F32;

use super::safe::{FixedDivisor, SaturatingMulFast, sum_fixed};

/// A sparse row: `(column, value)` pairs.
pub type FixedRow = Vec<(u16, I32F32)>;
/// A sparse matrix: one [`FixedRow`] per row.
pub type FixedMatrix = Vec<FixedRow>;

fn zero() -> I32F32 {
    I32F32::from_num(0)
}

/// Replaces row `i` by an empty row where `mask[i]` is true (rows past the mask's end are masked).
pub fn mask_rows_sparse(mask: &[bool], matrix: &[FixedRow]) -> FixedMatrix {
    matrix
        .iter()
        .enumerate()
        .map(|(i, row)| if mask.get(i).copied().unwrap_or(true) { Vec::new() } else { row.clone() })
        .collect()
}

/// Removes every diagonal entry `(i, i)`.
pub fn mask_diag_sparse(matrix: &[FixedRow]) -> FixedMatrix {
    matrix
        .iter()
        .enumerate()
        .map(|(i, row)| row.iter().filter(|(j, _)| usize::from(*j) != i).copied().collect())
        .collect()
}

/// Removes every diagonal entry except `(except_index, except_index)`.
pub fn mask_diag_sparse_except_index(matrix: &[FixedRow], except_index: u16) -> FixedMatrix {
    matrix
        .iter()
        .enumerate()
        .map(|(i, row)| row.iter().filter(|(j, _)| usize::from(*j) != i || *j == except_index).copied().collect())
        .collect()
}

/// Drops entry `(i, j)` where `mask_fn(first[i], second[j])` holds (missing values read as 0).
pub fn vec_mask_sparse_matrix(
    matrix: &[FixedRow],
    first: &[u64],
    second: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) -> FixedMatrix {
    matrix
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let fv = first.get(i).copied().unwrap_or(0);
            row.iter()
                .filter(|(j, _)| !mask_fn(fv, second.get(usize::from(*j)).copied().unwrap_or(0)))
                .copied()
                .collect()
        })
        .collect()
}

/// Drops entry `(i, j)` where `mask_fn(scalar, vector[j])` holds (missing values read as 0).
pub fn scalar_vec_mask_sparse_matrix(
    matrix: &[FixedRow],
    scalar: u64,
    vector: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) -> FixedMatrix {
    matrix
        .iter()
        .map(|row| {
            row.iter()
                .filter(|(j, _)| !mask_fn(scalar, vector.get(usize::from(*j)).copied().unwrap_or(0)))
                .copied()
                .collect()
        })
        .collect()
}

/// Divides each row by its sum when that sum is positive.
pub fn inplace_row_normalize_sparse(matrix: &mut [FixedRow]) {
    for row in matrix.iter_mut() {
        let total = sum_fixed(row.iter().map(|(_, v)| v));
        if total > zero() {
            let d = FixedDivisor::new(total);
            row.iter_mut().for_each(|(_, v)| *v = d.div(*v));
        }
    }
}

/// Sum of each row.
pub fn row_sum_sparse(matrix: &[FixedRow]) -> Vec<I32F32> {
    matrix.iter().map(|row| sum_fixed(row.iter().map(|(_, v)| v))).collect()
}

/// Divides entry `(i, j)` by `by[j]` where that is non-zero (columns beyond `by` are left as is).
fn divide_by_columns(matrix: &mut [FixedRow], by: &[I32F32]) {
    let divisors: Vec<Option<FixedDivisor>> =
        by.iter().map(|d| (*d != zero()).then(|| FixedDivisor::new(*d))).collect();
    for row in matrix.iter_mut() {
        for (j, v) in row.iter_mut() {
            if let Some(Some(d)) = divisors.get(usize::from(*j)) {
                *v = d.div(*v);
            }
        }
    }
}

/// Divides each entry by its column's sum (columns `< columns` only; zero sums leave it as is).
pub fn inplace_col_normalize_sparse(matrix: &mut [FixedRow], columns: u16) {
    let mut col_sum = vec![zero(); usize::from(columns)];
    for row in matrix.iter() {
        for &(j, v) in row {
            if let Some(s) = col_sum.get_mut(usize::from(j)) {
                *s = s.saturating_add(v);
            }
        }
    }
    divide_by_columns(matrix, &col_sum);
}

/// Divides each entry by its column's maximum (columns `< columns` only; zero maxima leave it).
pub fn inplace_col_max_upscale_sparse(matrix: &mut [FixedRow], columns: u16) {
    let mut col_max = vec![zero(); usize::from(columns)];
    for row in matrix.iter() {
        for &(j, v) in row {
            if let Some(m) = col_max.get_mut(usize::from(j))
                && *m < v
            {
                *m = v;
            }
        }
    }
    divide_by_columns(matrix, &col_max);
}

/// Clips each entry to its column threshold: values above a positive threshold become the
/// threshold, values above a non-positive threshold are dropped, the rest (including explicit
/// zeros) are kept.
pub fn col_clip_sparse(matrix: &[FixedRow], col_threshold: &[I32F32]) -> FixedMatrix {
    matrix.iter().map(|row| clip_row(row, col_threshold)).collect()
}

/// One row of [`col_clip_sparse`].
pub(crate) fn clip_row(row: &[(u16, I32F32)], col_threshold: &[I32F32]) -> FixedRow {
    let mut out = Vec::with_capacity(row.len());
    out.extend(row.iter().filter_map(|&(j, v)| {
        let th = col_threshold.get(usize::from(j)).copied().unwrap_or(zero());
        if th < v { (th > zero()).then_some((j, th)) } else { Some((j, v)) }
    }));
    out
}

/// `r_j = Σ_i vector_i · m_ij` over `columns` columns (rows beyond the vector weigh 0).
pub fn matmul_sparse(matrix: &[FixedRow], vector: &[I32F32], columns: u16) -> Vec<I32F32> {
    let mut out = vec![zero(); usize::from(columns)];
    for (i, row) in matrix.iter().enumerate() {
        let scale = vector.get(i).copied().unwrap_or(zero());
        for &(j, v) in row {
            if let Some(r) = out.get_mut(usize::from(j)) {
                *r = r.saturating_add(scale.smul(v));
            }
        }
    }
    out
}

/// `r_i = Σ_j vector_j · m_ij` (columns beyond the vector weigh 0).
pub fn matmul_transpose_sparse(matrix: &[FixedRow], vector: &[I32F32]) -> Vec<I32F32> {
    matrix
        .iter()
        .map(|row| {
            row.iter().fold(zero(), |acc, &(j, v)| {
                let x = vector.get(usize::from(j)).copied().unwrap_or(zero());
                acc.saturating_add(x.smul(v))
            })
        })
        .collect()
}

/// Multiplies row `i` by `vector[i]`; stops at the shorter of the two.
pub fn row_hadamard_sparse(matrix: &[FixedRow], vector: &[I32F32]) -> FixedMatrix {
    matrix.iter().zip(vector).map(|(row, s)| row.iter().map(|&(j, v)| (j, v.smul(*s))).collect()).collect()
}

/// Multiplies entry `(i, j)` by `vector[j]`, dropping products equal to zero and columns beyond
/// the vector.
pub fn mat_vec_mul_sparse(matrix: &[FixedRow], vector: &[I32F32]) -> FixedMatrix {
    matrix
        .iter()
        .map(|row| {
            let mut out = Vec::with_capacity(row.len());
            out.extend(row.iter().filter_map(|&(j, v)| {
                let x = vector.get(usize::from(j))?;
                let p = v.smul(*x);
                (p != zero()).then_some((j, p))
            }));
            out
        })
        .collect()
}

/// Densifies a row over `columns` columns (later duplicates overwrite earlier ones).
fn densify(row: &[(u16, I32F32)], columns: usize) -> Vec<I32F32> {
    let mut dense = vec![zero(); columns];
    for &(j, v) in row {
        if let Some(cell) = dense.get_mut(usize::from(j)) {
            *cell = v;
        }
    }
    dense
}

/// `A + ratio · (B − A)` entry by entry, keeping only positive results (in column order).
/// `ratio = 0` returns `A` and `ratio = 1` returns `B` unchanged (explicit zeros included);
/// matrices with different row counts return `B`.
pub fn interpolate_sparse(mat1: &[FixedRow], mat2: &[FixedRow], columns: u16, ratio: I32F32) -> FixedMatrix {
    if ratio == zero() {
        return mat1.to_vec();
    }
    if ratio == I32F32::from_num(1) {
        return mat2.to_vec();
    }
    if mat1.len() != mat2.len() {
        return mat2.to_vec();
    }
    let cols = usize::from(columns);
    mat1.iter()
        .zip(mat2)
        .map(|(r1, r2)| {
            if r1.is_empty() && r2.is_empty() {
                // Every interpolated value would be 0 and dropped.
                return Vec::new();
            }
            let d1 = densify(r1, cols);
            let d2 = densify(r2, cols);
            // `cols` ≤ u16::MAX, so every position has a u16 column index.
            (0..=u16::MAX)
                .zip(d1.iter().zip(&d2))
                .filter_map(|(j, (v1, v2))| {
                    let v = v1.saturating_add(ratio.smul(v2.saturating_sub(*v1)));
                    (v > zero()).then_some((j, v))
                })
                .collect()
        })
        .collect()
}

/// `alpha · new + (1 − alpha) · old` entry by entry over a square matrix (width = row count),
/// keeping positive results in column order. Duplicated columns accumulate.
pub fn mat_ema_sparse(new: &[FixedRow], old: &[FixedRow], alpha: I32F32) -> FixedMatrix {
    let n = new.len();
    let one_minus_alpha = I32F32::from_num(1).saturating_sub(alpha);
    // One dense accumulator, cleared after each row, serves every row.
    let mut acc = vec![zero(); n];
    new.iter()
        .enumerate()
        .map(|(i, new_row)| {
            let old_row: &[(u16, I32F32)] = old.get(i).map_or(&[], Vec::as_slice);
            if new_row.is_empty() && old_row.is_empty() {
                return Vec::new();
            }
            for &(j, v) in new_row {
                if let Some(c) = acc.get_mut(usize::from(j)) {
                    *c = c.saturating_add(alpha.smul(v));
                }
            }
            for &(j, v) in old_row {
                if let Some(c) = acc.get_mut(usize::from(j)) {
                    *c = c.saturating_add(one_minus_alpha.smul(v));
                }
            }
            let mut out = Vec::with_capacity(new_row.len().saturating_add(old_row.len()).min(n));
            for (j, c) in acc.iter_mut().enumerate() {
                // Only columns with a u16 index can hold a value (rows list u16 columns).
                if *c > zero()
                    && let Ok(j) = u16::try_from(j)
                {
                    out.push((j, *c));
                }
                *c = zero();
            }
            out
        })
        .collect()
}

/// Yuma3 bond update with one alpha per entry:
/// `min(1, (1 − α_ij) · old_ij + max(0, α_ij · new_ij))`.
///
/// Output entries exist only for the columns of `new` (in `new`'s order, positive values only):
/// a bond whose column is absent from `new` is dropped rather than decayed. Columns at or beyond
/// the alpha row's width are ignored. Shape mismatches return `new` unchanged.
pub fn mat_ema_alpha_sparse(new: &[FixedRow], old: &[FixedRow], alpha: &[Vec<I32F32>]) -> FixedMatrix {
    if new.len() != old.len() || new.len() != alpha.len() {
        return new.to_vec();
    }
    new.iter()
        .zip(old)
        .zip(alpha)
        .map(|((new_row, old_row), alpha_row)| {
            ema_alpha_row(new_row, old_row, |j| alpha_row.get(j).copied(), alpha_row.len())
        })
        .collect()
}

/// One row of [`mat_ema_alpha_sparse`], with the alpha of column `j` given by `alpha_at(j)`
/// (`None` = column outside the alpha row) and `width` the alpha row's length.
pub(crate) fn ema_alpha_row(
    new_row: &[(u16, I32F32)],
    old_row: &[(u16, I32F32)],
    alpha_at: impl Fn(usize) -> Option<I32F32>,
    width: usize,
) -> FixedRow {
    let one = I32F32::from_num(1);
    if new_row.is_empty() {
        return Vec::new();
    }
    let mut decayed = vec![zero(); width];
    for &(j, o) in old_row {
        let j = usize::from(j);
        if let (Some(a), Some(cell)) = (alpha_at(j), decayed.get_mut(j)) {
            *cell = one.saturating_sub(a).smul(o);
        }
    }
    new_row
        .iter()
        .filter_map(|&(j, w)| {
            let ju = usize::from(j);
            let a = alpha_at(ju)?;
            let d = decayed.get(ju).copied()?;
            let v = d.saturating_add(a.smul(w).max(zero())).min(one);
            (v > zero()).then_some((j, v))
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
    fn masks() {
        let m: FixedMatrix = vec![vec![(0, f(1, 1)), (1, f(1, 1))], vec![(1, f(1, 1)), (0, f(1, 2))]];
        assert_eq!(mask_rows_sparse(&[false], &m), vec![m[0].clone(), vec![]]);
        assert_eq!(mask_diag_sparse(&m), vec![vec![(1, f(1, 1))], vec![(0, f(1, 2))]]);
        assert_eq!(mask_diag_sparse_except_index(&m, 1), vec![vec![(1, f(1, 1))], vec![(1, f(1, 1)), (0, f(1, 2))]]);
        // last_update ≤ registration ⇒ dropped.
        let out = vec_mask_sparse_matrix(&m, &[5, 1], &[5, 0], |u, r| u <= r);
        assert_eq!(out, vec![vec![(1, f(1, 1))], vec![(1, f(1, 1))]]);
        let out = scalar_vec_mask_sparse_matrix(&m, 3, &[3, 2], |s, r| s <= r);
        assert_eq!(out, vec![vec![(1, f(1, 1))], vec![(1, f(1, 1))]]);
    }

    #[test]
    fn normalisations_keep_explicit_zeros() {
        let mut m: FixedMatrix = vec![vec![(0, f(1, 1)), (1, f(0, 1)), (2, f(3, 1))], vec![]];
        inplace_row_normalize_sparse(&mut m);
        assert_eq!(m[0], vec![(0, f(1, 4)), (1, f(0, 1)), (2, f(3, 4))]);
        let mut c: FixedMatrix = vec![vec![(0, f(1, 1))], vec![(0, f(3, 1)), (5, f(7, 1))]];
        inplace_col_normalize_sparse(&mut c, 2);
        assert_eq!(c, vec![vec![(0, f(1, 4))], vec![(0, f(3, 4)), (5, f(7, 1))]]);
        let mut u: FixedMatrix = vec![vec![(0, f(1, 1))], vec![(0, f(4, 1))]];
        inplace_col_max_upscale_sparse(&mut u, 1);
        assert_eq!(u, vec![vec![(0, f(1, 4))], vec![(0, f(1, 1))]]);
    }

    #[test]
    fn clip() {
        let m: FixedMatrix = vec![vec![(0, f(1, 2)), (1, f(1, 2)), (2, f(0, 1))]];
        let c = col_clip_sparse(&m, &[f(1, 4), f(0, 1), f(0, 1)]);
        assert_eq!(c, vec![vec![(0, f(1, 4)), (2, f(0, 1))]]);
    }

    #[test]
    fn products() {
        let m: FixedMatrix = vec![vec![(0, f(1, 2)), (1, f(1, 2))], vec![(1, f(1, 1))]];
        assert_eq!(matmul_sparse(&m, &[f(1, 2), f(1, 2)], 2), vec![f(1, 4), f(3, 4)]);
        assert_eq!(matmul_transpose_sparse(&m, &[f(1, 1), f(2, 1)]), vec![f(3, 2), f(2, 1)]);
        assert_eq!(row_hadamard_sparse(&m, &[f(2, 1)]), vec![vec![(0, f(1, 1)), (1, f(1, 1))]]);
        assert_eq!(mat_vec_mul_sparse(&m, &[f(0, 1), f(2, 1)]), vec![vec![(1, f(1, 1))], vec![(1, f(2, 1))]]);
    }

    #[test]
    fn interpolate_extremes_and_middle() {
        let a: FixedMatrix = vec![vec![(0, f(1, 1)), (1, f(0, 1))]];
        let b: FixedMatrix = vec![vec![(0, f(1, 2))]];
        assert_eq!(interpolate_sparse(&a, &b, 2, f(0, 1)), a);
        assert_eq!(interpolate_sparse(&a, &b, 2, f(1, 1)), b);
        assert_eq!(interpolate_sparse(&a, &b, 2, f(1, 2)), vec![vec![(0, f(3, 4))]]);
    }

    #[test]
    fn ema() {
        let new: FixedMatrix = vec![vec![(1, f(1, 1))], vec![]];
        let old: FixedMatrix = vec![vec![(0, f(1, 1))], vec![]];
        let out = mat_ema_sparse(&new, &old, f(1, 4));
        assert_eq!(out, vec![vec![(0, f(3, 4)), (1, f(1, 4))], vec![]]);
        let alpha = vec![vec![f(1, 2), f(1, 2)], vec![f(1, 2), f(1, 2)]];
        let out = mat_ema_alpha_sparse(&new, &old, &alpha);
        // Column 0 is absent from `new`: dropped, not decayed.
        assert_eq!(out, vec![vec![(1, f(1, 2))], vec![]]);
        assert_eq!(mat_ema_alpha_sparse(&new, &old, &[]), new);
    }
}
