//! Vector operations: sums, normalisation, top-k selection, masks and element-wise products.

use alloc::vec;
use alloc::vec::Vec;

use substrate_fixed::types::{I32F32, I64F64};

use super::safe::{FixedDivisor, SafeDiv, sum_fixed, sum_fixed64};

/// Sum of the entries (sequential saturating addition).
pub fn sum(x: &[I32F32]) -> I32F32 {
    sum_fixed(x)
}

/// True when the entries sum to zero.
pub fn is_zero(x: &[I32F32]) -> bool {
    sum(x) == I32F32::from_num(0)
}

/// A copy of `x` divided by its sum; returned unchanged when the sum is zero.
pub fn normalize(x: &[I32F32]) -> Vec<I32F32> {
    let mut out = x.to_vec();
    inplace_normalize(&mut out);
    out
}

/// Divides every entry by the sum of all entries (nothing happens when the sum is zero).
pub fn inplace_normalize(x: &mut [I32F32]) {
    let total = sum(x);
    inplace_normalize_using_sum(x, total);
}

/// Divides every entry by `x_sum` (nothing happens when `x_sum` is zero).
pub fn inplace_normalize_using_sum(x: &mut [I32F32], x_sum: I32F32) {
    if x_sum == I32F32::from_num(0) {
        return;
    }
    let d = FixedDivisor::new(x_sum);
    x.iter_mut().for_each(|v| *v = d.div(*v));
}

/// [`inplace_normalize`] for I64F64 vectors (stake normalisation; the legacy root epoch's stake
/// and emission vectors).
///
/// The legacy code (before `safe_div`) divided with `saturating_div`; for the non-negative
/// vectors it is used on the quotient is at most 1 and both agree.
pub fn inplace_normalize_64(x: &mut [I64F64]) {
    let total = sum_fixed64(x.iter());
    if total == I64F64::from_num(0) {
        return;
    }
    x.iter_mut().for_each(|v| *v = v.safe_div(total));
}

/// Marks the `k` largest entries that are also non-zero.
///
/// Every non-zero entry starts marked. When `n ≥ k` the indices are stably sorted by value
/// (ascending) and the first `n − k` are unmarked, so among equal values the lower index loses.
pub fn is_topk_nonzero(vector: &[I32F32], k: usize) -> Vec<bool> {
    let zero = I32F32::from_num(0);
    let mut result: Vec<bool> = vector.iter().map(|v| *v != zero).collect();
    unmark_lowest(vector, k, &mut result);
    result
}

/// Marks the `k` largest entries (every entry when `n < k`), ties resolved as in
/// [`is_topk_nonzero`].
pub fn is_topk(vector: &[I32F32], k: usize) -> Vec<bool> {
    let mut result = vec![true; vector.len()];
    unmark_lowest(vector, k, &mut result);
    result
}

fn unmark_lowest(vector: &[I32F32], k: usize, result: &mut [bool]) {
    let n = vector.len();
    if n < k {
        return;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| vector.get(i).copied().unwrap_or_default());
    for &i in order.iter().take(n.saturating_sub(k)) {
        if let Some(cell) = result.get_mut(i) {
            *cell = false;
        }
    }
}

/// Zeroes `vector[i]` where `mask[i]` is true. Positions past the end of the mask count as
/// masked; an empty mask masks nothing.
pub fn inplace_mask_vector(mask: &[bool], vector: &mut [I32F32]) {
    if mask.is_empty() {
        return;
    }
    let zero = I32F32::from_num(0);
    for (i, v) in vector.iter_mut().enumerate() {
        if mask.get(i).copied().unwrap_or(true) {
            *v = zero;
        }
    }
}

/// Element-wise product over the common length; a product that overflows becomes zero.
pub fn vec_mul(a: &[I32F32], b: &[I32F32]) -> Vec<I32F32> {
    a.iter().zip(b).map(|(x, y)| x.checked_mul(*y).unwrap_or_default()).collect()
}

/// Element-wise `x / y` (zero where `y` is zero or missing).
pub fn vecdiv(x: &[I32F32], y: &[I32F32]) -> Vec<I32F32> {
    x.iter().enumerate().map(|(i, xi)| xi.safe_div(y.get(i).copied().unwrap_or_default())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: i32) -> I32F32 {
        I32F32::from_num(v)
    }

    #[test]
    fn normalize_sums_to_one_or_leaves_zero() {
        let mut x = vec![f(1), f(1), f(2)];
        inplace_normalize(&mut x);
        assert_eq!(x[2], f(1) / f(2));
        assert_eq!(x[0], f(1) / f(4));
        let mut z = vec![f(0), f(0)];
        inplace_normalize(&mut z);
        assert_eq!(z, vec![f(0), f(0)]);
        assert!(is_zero(&z));
    }

    #[test]
    fn normalize_truncates() {
        // 1/3 truncated at 2^-32.
        let x = normalize(&[f(1), f(1), f(1)]);
        assert_eq!(x[0].to_bits(), (1i64 << 32) / 3);
        assert!(sum(&x) < f(1));
    }

    #[test]
    fn normalize_64_works() {
        let mut x = vec![I64F64::from_num(3), I64F64::from_num(1)];
        inplace_normalize_64(&mut x);
        assert_eq!(x[0], I64F64::from_num(3) / I64F64::from_num(4));
        let mut z = vec![I64F64::from_num(0)];
        inplace_normalize_64(&mut z);
        assert_eq!(z[0], I64F64::from_num(0));
    }

    #[test]
    fn topk_nonzero_ties_lower_uid_loses() {
        let v = [f(1), f(1), f(0), f(2)];
        assert_eq!(is_topk_nonzero(&v, 2), vec![false, true, false, true]);
        // n < k keeps every non-zero entry.
        assert_eq!(is_topk_nonzero(&v, 5), vec![true, true, false, true]);
        assert_eq!(is_topk_nonzero(&v, 0), vec![false; 4]);
        assert_eq!(is_topk(&v, 1), vec![false, false, false, true]);
    }

    #[test]
    fn mask_vector_semantics() {
        let mut v = vec![f(1), f(2), f(3)];
        inplace_mask_vector(&[false, true], &mut v);
        assert_eq!(v, vec![f(1), f(0), f(0)]);
        let mut w = vec![f(1)];
        inplace_mask_vector(&[], &mut w);
        assert_eq!(w, vec![f(1)]);
    }

    #[test]
    fn vec_mul_and_div() {
        assert_eq!(vec_mul(&[f(2), f(3)], &[f(4)]), vec![f(8)]);
        assert_eq!(vec_mul(&[I32F32::max_value()], &[f(2)]), vec![f(0)], "overflow → 0");
        assert_eq!(vecdiv(&[f(4), f(1)], &[f(2)]), vec![f(2), f(0)]);
    }
}
