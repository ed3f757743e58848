//! The reference's fixed-point conventions (spec `dtao.md` §0): `U64F64`, `U96F32` and
//! `I96F32` from `substrate-fixed` (the same crate and version the reference uses, so products
//! and quotients truncate and saturate identically), division that yields 0 where it cannot be
//! done, and `Perquintill`, parts per 10¹⁸.

pub use substrate_fixed::types::{I96F32, U64F64, U96F32};

use num_bigint::BigUint;
use num_traits::ToPrimitive;

/// `v.saturating_to_num::<u64>()`: the floor, saturating at 0 and `u64::MAX`.
pub fn tou64(v: U64F64) -> u64 {
    v.saturating_to_num::<u64>()
}

/// `U96F32` → u64, floor, saturating.
pub fn tou64_96(v: U96F32) -> u64 {
    v.saturating_to_num::<u64>()
}

/// The reference's `safe_div`: the quotient, or 0 where it does not exist (division by zero)
/// or does not fit.
pub trait SafeDiv: Sized {
    /// `self / rhs`, or 0.
    fn safe_div(self, rhs: Self) -> Self;
}

macro_rules! safe_div_for_fixed {
    ($($t:ty),*) => {$(
        impl SafeDiv for $t {
            fn safe_div(self, rhs: Self) -> Self {
                self.checked_div(rhs).unwrap_or(<$t>::from_bits(0))
            }
        }
    )*};
}
safe_div_for_fixed!(U64F64, U96F32, I96F32);

/// `U64F64::saturating_from_num` of an integer.
pub fn u64f64(v: u64) -> U64F64 {
    U64F64::saturating_from_num(v)
}

/// 10¹⁸: Perquintill's accuracy.
pub const ACCURACY: u64 = 1_000_000_000_000_000_000;

/// A fraction in parts per 10¹⁸ (`sp_arithmetic::Perquintill`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Perquintill(u64);

impl Perquintill {
    /// 1.
    pub const ONE: Perquintill = Perquintill(ACCURACY);

    /// From parts per 10¹⁸, capped at 1.
    pub const fn from_parts(parts: u64) -> Perquintill {
        Perquintill(if parts > ACCURACY { ACCURACY } else { parts })
    }

    /// `p/q` rounded down; 1 when `q` is 0 or `p > q` (the reference's `from_rational`).
    pub fn from_rational(p: u128, q: u128) -> Perquintill {
        if q == 0 || p >= q {
            return Perquintill::ONE;
        }
        let parts = (BigUint::from(p) * BigUint::from(ACCURACY)) / BigUint::from(q);
        Perquintill(parts.to_u64().unwrap_or(ACCURACY))
    }

    /// Parts per 10¹⁸.
    pub const fn parts(self) -> u64 {
        self.0
    }

    /// `1 − self`.
    pub const fn complement(self) -> Perquintill {
        Perquintill(ACCURACY - self.0)
    }

    /// `⌊(v·parts + 10¹⁸/2) / 10¹⁸⌋`: `v` times this fraction, rounded to the nearest (ties up),
    /// saturating at `u128::MAX`.
    pub fn mul_round(self, v: u128) -> u128 {
        let n = BigUint::from(v) * BigUint::from(self.0) + BigUint::from(ACCURACY / 2);
        (n / BigUint::from(ACCURACY)).to_u128().unwrap_or(u128::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_rational_rounds_down_and_saturates_at_one() {
        assert_eq!(Perquintill::from_rational(1, 2).parts(), ACCURACY / 2);
        assert_eq!(Perquintill::from_rational(1, 3).parts(), 333_333_333_333_333_333);
        assert_eq!(Perquintill::from_rational(2, 3).parts(), 666_666_666_666_666_666);
        assert_eq!(Perquintill::from_rational(5, 0), Perquintill::ONE);
        assert_eq!(Perquintill::from_rational(7, 5), Perquintill::ONE);
        assert_eq!(Perquintill::from_rational(u128::MAX - 1, u128::MAX).parts(), ACCURACY - 1);
    }

    #[test]
    fn mul_round_rounds_half_up() {
        let half = Perquintill::from_parts(ACCURACY / 2);
        assert_eq!(half.mul_round(3), 2);
        assert_eq!(half.mul_round(4), 2);
        assert_eq!(Perquintill::from_rational(1, 3).mul_round(2), 1);
        assert_eq!(Perquintill::ONE.mul_round(u128::MAX), u128::MAX);
    }

    #[test]
    fn safe_div_is_zero_where_the_quotient_does_not_exist() {
        assert_eq!(u64f64(5).safe_div(u64f64(0)), u64f64(0));
        assert_eq!(u64f64(6).safe_div(u64f64(3)), u64f64(2));
        assert_eq!(U64F64::from_num(u64::MAX).safe_div(U64F64::from_bits(1)), u64f64(0));
        assert_eq!(tou64(U64F64::from_num(2.99)), 2);
    }
}
