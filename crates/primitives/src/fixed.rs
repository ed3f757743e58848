//! Fixed-point numbers with the reference chain's semantics.
//!
//! The reference computes every ratio in consensus with `substrate-fixed` 0.6 (I32F32, I64F64,
//! I96F32, U64F64, U96F32): multiplication and division truncate toward zero (floor for the
//! non-negative values consensus uses), conversions to integers truncate, and division by zero is
//! defined as zero through [`SafeDiv`]. We use the very same crate so results agree bit for bit.

pub use substrate_fixed::transcendental;
pub use substrate_fixed::types::{I32F32, I64F64, I96F32, I110F18, U64F64, U96F32};

/// Division that returns zero instead of panicking when the divisor is zero (`safe_div(x, 0) = 0`),
/// as `safe-math` in the reference does.
pub trait SafeDiv: Sized {
    /// `self / rhs`, or zero when `rhs` is zero (or the quotient overflows).
    fn safe_div(self, rhs: Self) -> Self;
}

macro_rules! safe_div_fixed {
    ($($t:ty),*) => {$(
        impl SafeDiv for $t {
            fn safe_div(self, rhs: Self) -> Self {
                self.checked_div(rhs).unwrap_or(<$t>::from_num(0))
            }
        }
    )*};
}
safe_div_fixed!(I32F32, I64F64, I96F32, I110F18, U64F64, U96F32);

macro_rules! safe_div_int {
    ($($t:ty),*) => {$(
        impl SafeDiv for $t {
            fn safe_div(self, rhs: Self) -> Self {
                self.checked_div(rhs).unwrap_or(0)
            }
        }
    )*};
}
safe_div_int!(u16, u32, u64, u128);

/// `x / 65535` as I32F32: a stored u16 proportion as a fraction of one.
pub fn u16_proportion_to_fixed(x: u16) -> I32F32 {
    I32F32::from_num(x).safe_div(I32F32::from_num(u16::MAX))
}

/// `trunc(x · 65535)` saturated to u16: a fraction of one in stored u16 form (multiply, then truncate).
pub fn fixed_proportion_to_u16(x: I32F32) -> u16 {
    let scaled = x.saturating_mul(I32F32::from_num(u16::MAX));
    if scaled <= I32F32::from_num(0) {
        0
    } else if scaled >= I32F32::from_num(u16::MAX) {
        u16::MAX
    } else {
        scaled.to_num::<u16>()
    }
}

/// `⌊value · numerator / denominator⌋` in u128, or `None` if the denominator is zero or the result
/// does not fit in u64. Exact: no intermediate rounding.
pub fn mul_div_floor(value: u64, numerator: u64, denominator: u64) -> Option<u64> {
    if denominator == 0 {
        return None;
    }
    let r = u128::from(value) * u128::from(numerator) / u128::from(denominator);
    u64::try_from(r).ok()
}

const LOW64: u128 = u64::MAX as u128;

/// The full 256-bit product `a·b` as `(high, low)` 128-bit halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & LOW64);
    let (b1, b0) = (b >> 64, b & LOW64);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & LOW64) + (p10 & LOW64);
    let low = (p00 & LOW64) | (mid << 64);
    let high = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (high, low)
}

/// `(high·2^128 + low) / divisor` as `(quotient, remainder)`, or `None` if the quotient does not
/// fit in u128 (or the divisor is zero). Plain binary long division.
fn div_wide(high: u128, low: u128, divisor: u128) -> Option<(u128, u128)> {
    if divisor == 0 || high >= divisor {
        return None;
    }
    let mut rem = high;
    let mut quotient = 0u128;
    for bit in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        // rem < divisor held before the shift, so the shifted value is < 2·divisor: one
        // subtraction suffices, and with a carry the true value exceeds 2^128 > divisor.
        if carry == 1 || rem >= divisor {
            rem = rem.wrapping_sub(divisor);
            quotient |= 1;
        }
    }
    Some((quotient, rem))
}

/// `⌊a·b/c⌋` with a 256-bit intermediate; `None` if `c` is zero or the result exceeds u128.
pub fn mul_div_floor_u128(a: u128, b: u128, c: u128) -> Option<u128> {
    let (high, low) = mul_wide(a, b);
    div_wide(high, low, c).map(|(q, _)| q)
}

/// `⌈a·b/c⌉` with a 256-bit intermediate; `None` if `c` is zero or the result exceeds u128.
pub fn mul_div_ceil_u128(a: u128, b: u128, c: u128) -> Option<u128> {
    let (high, low) = mul_wide(a, b);
    let (q, r) = div_wide(high, low, c)?;
    if r == 0 { Some(q) } else { q.checked_add(1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_div_by_zero_is_zero() {
        assert_eq!(I32F32::from_num(5).safe_div(I32F32::from_num(0)), I32F32::from_num(0));
        assert_eq!(I64F64::from_num(5).safe_div(I64F64::from_num(0)), I64F64::from_num(0));
        assert_eq!(7u64.safe_div(0), 0);
        assert_eq!(7u64.safe_div(2), 3);
    }

    #[test]
    fn division_truncates() {
        // 1/3 in I32F32 is floor(2^32/3) / 2^32.
        let third = I32F32::from_num(1).safe_div(I32F32::from_num(3));
        assert_eq!(third.to_bits(), (1i64 << 32) / 3);
    }

    #[test]
    fn u16_proportions_round_trip_at_the_ends() {
        assert_eq!(fixed_proportion_to_u16(u16_proportion_to_fixed(0)), 0);
        assert_eq!(fixed_proportion_to_u16(u16_proportion_to_fixed(65535)), 65535);
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(2)), 65535);
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(-1)), 0);
        // Truncation: 0.5 * 65535 = 32767.5 -> 32767.
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(1) / I32F32::from_num(2)), 32767);
    }

    #[test]
    fn wide_mul_div_handles_products_beyond_u128() {
        let big = 1u128 << 100;
        assert_eq!(mul_div_floor_u128(big, big, big), Some(big));
        assert_eq!(mul_div_floor_u128(u128::MAX, u128::MAX, u128::MAX), Some(u128::MAX));
        assert_eq!(mul_div_floor_u128(u128::MAX, 2, 1), None);
        assert_eq!(mul_div_floor_u128(5, 5, 0), None);
        assert_eq!(mul_div_floor_u128(7, 3, 2), Some(10));
        assert_eq!(mul_div_ceil_u128(7, 3, 2), Some(11));
        assert_eq!(mul_div_ceil_u128(8, 3, 2), Some(12));
        assert_eq!(mul_div_ceil_u128(u128::MAX, u128::MAX, u128::MAX), Some(u128::MAX));
    }

    proptest::proptest! {
        #[test]
        fn wide_mul_div_matches_u128_where_it_fits(a in 0u128..(1 << 64), b in 0u128..(1 << 64), c in 1u128..) {
            proptest::prop_assert_eq!(mul_div_floor_u128(a, b, c), Some(a * b / c));
            proptest::prop_assert_eq!(mul_div_ceil_u128(a, b, c), Some((a * b).div_ceil(c)));
        }

        #[test]
        fn wide_mul_div_inverts(a in proptest::prelude::any::<u128>(), b in proptest::prelude::any::<u128>(), c in 1u128..) {
            // q = ⌊ab/c⌋ ⇔ q·c ≤ ab < (q+1)·c, checked with the wide product.
            if let Some(q) = mul_div_floor_u128(a, b, c) {
                let ab = mul_wide(a, b);
                proptest::prop_assert!(mul_wide(q, c) <= ab);
                let (h, l) = mul_wide(q, c);
                let (l2, carry) = l.overflowing_add(c);
                let next = (h + u128::from(carry), l2);
                proptest::prop_assert!(next > ab);
            }
        }
    }

    #[test]
    fn mul_div_is_exact() {
        assert_eq!(mul_div_floor(u64::MAX, u64::MAX, u64::MAX), Some(u64::MAX));
        assert_eq!(mul_div_floor(10, 1, 3), Some(3));
        assert_eq!(mul_div_floor(1, 1, 0), None);
        assert_eq!(mul_div_floor(u64::MAX, 2, 1), None);
    }
}
