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
    fn mul_div_is_exact() {
        assert_eq!(mul_div_floor(u64::MAX, u64::MAX, u64::MAX), Some(u64::MAX));
        assert_eq!(mul_div_floor(10, 1, 3), Some(3));
        assert_eq!(mul_div_floor(1, 1, 0), None);
        assert_eq!(mul_div_floor(u64::MAX, 2, 1), None);
    }
}
