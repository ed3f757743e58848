//! Conversions between stored integers (u16 proportions, rao) and fixed-point ratios.
//!
//! Every conversion truncates (the reference's semantics): a fraction becomes a u16 proportion by
//! multiplying by 65535 first and truncating afterwards; a fixed value becomes an integer by
//! dropping its fractional bits. Out-of-range values saturate.

use alloc::vec::Vec;

use substrate_fixed::types::{I32F32, I64F64};

use super::safe::{SafeDiv, SaturatingMulFast, sum_fixed};

/// 65535 as I32F32, the denominator of every u16 proportion.
#[inline]
pub(crate) fn u16_max_fixed() -> I32F32 {
    I32F32::from_num(u16::MAX)
}

/// Integer part of `x` as u16 (saturating: negative → 0, too large → 65535).
#[inline]
pub fn fixed_to_u16(x: I32F32) -> u16 {
    x.saturating_to_num::<u16>()
}

/// Integer part of `x` as u64 (saturating).
#[inline]
pub fn fixed_to_u64(x: I32F32) -> u64 {
    x.saturating_to_num::<u64>()
}

/// Integer part of an I64F64 as u64 (saturating).
#[inline]
pub fn fixed64_to_u64(x: I64F64) -> u64 {
    x.saturating_to_num::<u64>()
}

/// I64F64 → I32F32, dropping the low 32 fractional bits (saturating outside the I32F32 range).
#[inline]
pub fn fixed64_to_fixed32(x: I64F64) -> I32F32 {
    I32F32::saturating_from_num(x)
}

/// I32F32 → I64F64 (exact).
#[inline]
pub fn fixed32_to_fixed64(x: I32F32) -> I64F64 {
    I64F64::saturating_from_num(x)
}

/// A raw u16 as I32F32 (`x`, not `x / 65535`).
#[inline]
pub fn u16_to_fixed(x: u16) -> I32F32 {
    I32F32::from_num(x)
}

/// A stored u16 proportion as a ratio: `x / 65535`.
#[inline]
pub fn u16_proportion_to_fixed(x: u16) -> I32F32 {
    I32F32::from_num(x).safe_div(u16_max_fixed())
}

/// Divides an already-fixed value by 65535 (used on raw u16 bonds to turn them into proportions).
#[inline]
pub fn fixed_to_fixed_u16_proportion(x: I32F32) -> I32F32 {
    x.safe_div(u16_max_fixed())
}

/// A ratio as a stored u16 proportion: `trunc(x · 65535)`, saturating.
#[inline]
pub fn fixed_proportion_to_u16(x: I32F32) -> u16 {
    fixed_to_u16(x.smul(u16_max_fixed()))
}

/// [`fixed_proportion_to_u16`] over a vector.
pub fn vec_fixed_proportions_to_u16(vec: &[I32F32]) -> Vec<u16> {
    vec.iter().map(|x| fixed_proportion_to_u16(*x)).collect()
}

/// [`fixed_to_u64`] over a vector.
pub fn vec_fixed32_to_u64(vec: &[I32F32]) -> Vec<u64> {
    vec.iter().map(|x| fixed_to_u64(*x)).collect()
}

/// [`fixed64_to_u64`] over a vector (the legacy root epoch turns its TAO emission into rao with it).
pub fn vec_fixed64_to_u64(vec: &[I64F64]) -> Vec<u64> {
    vec.iter().map(|x| fixed64_to_u64(*x)).collect()
}

/// [`fixed64_to_fixed32`] over a vector.
pub fn vec_fixed64_to_fixed32(vec: &[I64F64]) -> Vec<I32F32> {
    vec.iter().map(|x| fixed64_to_fixed32(*x)).collect()
}

/// [`fixed32_to_fixed64`] over a vector.
pub fn vec_fixed32_to_fixed64(vec: &[I32F32]) -> Vec<I64F64> {
    vec.iter().map(|x| fixed32_to_fixed64(*x)).collect()
}

/// Scales a non-negative vector so its maximum becomes 65535, rounding to the nearest integer
/// (ties away from zero), and converts it to u16.
///
/// * empty input → empty output;
/// * all zero → `trunc(x · 65535)` of each entry (i.e. zeros);
/// * maximum above 32768 → each entry times `65535 / max` (ratio first, to stay in range);
/// * otherwise → `x · 65535 / max` (product first).
pub fn vec_max_upscale_to_u16(vec: &[I32F32]) -> Vec<u16> {
    let u16_max = u16_max_fixed();
    let threshold = I32F32::from_num(32768);
    let Some(max) = vec.iter().copied().max() else {
        return Vec::new();
    };
    if max == I32F32::from_num(0) {
        return vec.iter().map(|e| e.smul(u16_max).saturating_to_num::<u16>()).collect();
    }
    if max > threshold {
        let ratio = u16_max.safe_div(max);
        return vec.iter().map(|e| e.smul(ratio).saturating_round().saturating_to_num::<u16>()).collect();
    }
    vec.iter().map(|e| e.smul(u16_max).safe_div(max).saturating_round().saturating_to_num::<u16>()).collect()
}

/// Max-upscales raw u16 weights so that the largest becomes 65535 (what `set_weights` stores).
///
/// `[0, 1, 65534] → [0, 1, 65535]`; `[1] → [65535]`; all-zero input is returned unchanged.
pub fn vec_u16_max_upscale_to_u16(vec: &[u16]) -> Vec<u16> {
    let fixed: Vec<I32F32> = vec.iter().map(|e| I32F32::from_num(*e)).collect();
    vec_max_upscale_to_u16(&fixed)
}

/// True when the largest entry of `vec`, once the vector is normalised to sum 1, does not exceed
/// the u16 proportion `max_limit` (the check behind `MaxWeightExceeded`). Empty input passes.
pub fn check_vec_max_limited(vec: &[u16], max_limit: u16) -> bool {
    let limit = u16_proportion_to_fixed(max_limit);
    let mut fixed: Vec<I32F32> = vec.iter().map(|e| I32F32::from_num(*e)).collect();
    let total = sum_fixed(&fixed);
    if total != I32F32::from_num(0) {
        fixed.iter_mut().for_each(|v| *v = v.safe_div(total));
    }
    fixed.iter().max().is_none_or(|m| *m <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn proportion_round_trip_truncates() {
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(1)), 65535);
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(0)), 0);
        // 0.5 * 65535 = 32767.5 → 32767 (truncation, not rounding).
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(1) / I32F32::from_num(2)), 32767);
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(-1)), 0);
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(3)), 65535);
        assert_eq!(u16_proportion_to_fixed(65535), I32F32::from_num(1));
    }

    #[test]
    fn upscale_examples() {
        assert_eq!(vec_u16_max_upscale_to_u16(&[]), Vec::<u16>::new());
        assert_eq!(vec_u16_max_upscale_to_u16(&[0, 0]), vec![0, 0]);
        assert_eq!(vec_u16_max_upscale_to_u16(&[1]), vec![65535]);
        assert_eq!(vec_u16_max_upscale_to_u16(&[0, 1, 65534]), vec![0, 1, 65535]);
        // 2*(65535/3) and 65535/3 → 65535 and 32767.5 rounded up.
        assert_eq!(vec_u16_max_upscale_to_u16(&[43690, 21845]), vec![65535, 32768]);
        assert_eq!(vec_max_upscale_to_u16(&[I32F32::from_num(0), I32F32::max_value()]), vec![0, 65535]);
    }

    #[test]
    fn max_limited_examples() {
        assert!(check_vec_max_limited(&[], 0));
        assert!(check_vec_max_limited(&[0], 0));
        assert!(!check_vec_max_limited(&[u16::MAX], 0));
        assert!(!check_vec_max_limited(&[0, u16::MAX, u16::MAX], u16::MAX / 2));
        assert!(check_vec_max_limited(&[0, u16::MAX, u16::MAX], u16::MAX / 2 + 1));
    }
}
