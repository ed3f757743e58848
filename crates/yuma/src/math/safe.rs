//! Division that never panics, and sums that never overflow.
//!
//! The reference divides fixed-point numbers with `safe_div`: `checked_div`, falling back to zero
//! when the divisor is zero *or* the quotient does not fit. Its sums use `Iterator::sum`, which
//! panics on overflow in a checked build; we saturate instead. For every state reachable on chain
//! the two agree (the sums involved are far below the type's range).

use substrate_fixed::types::{I32F32, I64F64, I96F32};

/// `self / rhs`, or zero when `rhs` is zero or the quotient overflows (the reference's `safe_div`).
pub trait SafeDiv: Sized {
    /// Divides, returning zero instead of failing.
    fn safe_div(self, rhs: Self) -> Self;
}

macro_rules! impl_safe_div {
    ($($t:ty),*) => {$(
        impl SafeDiv for $t {
            #[inline]
            fn safe_div(self, rhs: Self) -> Self {
                self.checked_div(rhs).unwrap_or_else(|| <$t>::from_bits(0))
            }
        }
    )*};
}
impl_safe_div!(I64F64, I96F32);

impl SafeDiv for I32F32 {
    /// Same result as `checked_div` (or 0), bit for bit, with a fast path for non-negative
    /// operands (see `div_i32f32`).
    #[inline]
    fn safe_div(self, rhs: Self) -> Self {
        div_i32f32(self, rhs).unwrap_or_else(|| I32F32::from_bits(0))
    }
}

/// `a.checked_div(b)` for I32F32, with a fast exact path for the non-negative operands the
/// epoch divides.
///
/// I32F32 division is `trunc((a_bits · 2^32) / b_bits)`, which substrate-fixed computes in i128
/// (a software division on 64-bit targets). When both operands are non-negative we divide out
/// their common power of two (exact: `n·2^t / d·2^t = n / d`) and, if the numerator then fits in
/// 64 bits, use one u64 division. Normalisations divide numbers below one, or integers by
/// integers (raw u16 weights and bonds), so this path covers nearly every call. Anything else
/// goes to `checked_div` itself.
#[inline]
pub(crate) fn div_i32f32(a: I32F32, b: I32F32) -> Option<I32F32> {
    let (x, y) = (a.to_bits(), b.to_bits());
    if x >= 0 && y > 0 {
        // x < 2^63, so the shifted numerator stays below 2^95.
        let n = u128::from(x.unsigned_abs()) << 32;
        let d = y.unsigned_abs();
        let t = n.trailing_zeros().min(d.trailing_zeros());
        let (n, d) = (n >> t, d >> t);
        if let Ok(n) = u64::try_from(n) {
            // The quotient is representable iff it fits in i64 (checked_div's overflow rule).
            return i64::try_from(n / d).ok().map(I32F32::from_bits);
        }
    }
    a.checked_div(b)
}

/// I32F32 multiplication saturating at the type's bounds, bit-identical to substrate-fixed's
/// `saturating_mul`, which computes the product through an overflow-checked 128-bit multiply.
/// Here the exact product of the two 64-bit bit patterns (it always fits in i128) is shifted
/// right by 32 (floor, as the library does) and saturated when it leaves the i64 range.
pub trait SaturatingMulFast {
    /// `self · rhs`, saturating.
    fn smul(self, rhs: Self) -> Self;
}

impl SaturatingMulFast for I32F32 {
    #[inline(always)]
    fn smul(self, rhs: Self) -> Self {
        let (a, b) = (self.to_bits(), rhs.to_bits());
        // |a·b| < 2^126: the product always fits, so a wrapping multiply is exact (and avoids
        // the overflow check an `overflow-checks` build would add to `*`).
        let q = i128::from(a).wrapping_mul(i128::from(b)) >> 32;
        match i64::try_from(q) {
            Ok(bits) => I32F32::from_bits(bits),
            Err(_) if (a < 0) != (b < 0) => I32F32::min_value(),
            Err(_) => I32F32::max_value(),
        }
    }
}

/// Division of many I32F32 values by one divisor, bit-identical to `safe_div`, without a
/// hardware or software division per value.
///
/// Uses the Möller–Granlund reciprocal ("Improved division by invariant integers", 2011,
/// algorithm 4): the quotient `trunc(a_bits · 2^32 / d)` is obtained from two multiplications
/// and at most two corrections. Negative operands, a non-positive divisor and quotients that do
/// not fit (where `safe_div` yields 0) are handled exactly as `safe_div` does.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedDivisor {
    /// The divisor's bits.
    bits: i64,
    /// `d << shift`, normalised so its top bit is set (0 when the divisor is not positive).
    d_norm: u64,
    /// `⌊(2^128 − 1) / d_norm⌋ − 2^64`.
    reciprocal: u64,
    shift: u32,
}

impl FixedDivisor {
    pub(crate) fn new(divisor: I32F32) -> Self {
        let bits = divisor.to_bits();
        if bits <= 0 {
            return Self { bits, d_norm: 0, reciprocal: 0, shift: 0 };
        }
        let d = bits.unsigned_abs();
        let shift = d.leading_zeros();
        let d_norm = d << shift;
        // d_norm ≥ 2^63, so the quotient lies in [2^64, 2^65) and the difference fits in u64.
        let reciprocal = u64::try_from((u128::MAX / u128::from(d_norm)) - (1u128 << 64)).unwrap_or(u64::MAX);
        Self { bits, d_norm, reciprocal, shift }
    }

    /// `a.safe_div(divisor)`.
    #[inline(always)]
    pub(crate) fn div(&self, a: I32F32) -> I32F32 {
        let x = a.to_bits();
        if self.d_norm == 0 || x < 0 {
            return self.slow(a);
        }
        let x = x.unsigned_abs();
        let d = self.bits.unsigned_abs();
        // The quotient ⌊x·2^32 / d⌋ reaches 2^63 (overflow: `safe_div` gives 0) exactly when
        // ⌊x·2^32 / 2^63⌋ = x >> 31 is at least d.
        if x >> 31 >= d {
            return I32F32::from_bits(0);
        }
        // n = x·2^32·2^shift < d_norm·2^63 < 2^127, so the high word u1 is below d_norm.
        let n = (u128::from(x) << 32) << self.shift;
        let (u1, u0) = split_words(n);
        let dn = self.d_norm;
        let qq = u128::from(self.reciprocal).wrapping_mul(u128::from(u1)).wrapping_add(n);
        let (q1, q0) = split_words(qq);
        let mut q1 = q1.wrapping_add(1);
        let mut r = u0.wrapping_sub(q1.wrapping_mul(dn));
        if r > q0 {
            q1 = q1.wrapping_sub(1);
            r = r.wrapping_add(dn);
        }
        if r >= dn {
            q1 = q1.wrapping_add(1);
        }
        // q1 < 2^63 by the check above, so the conversion always succeeds.
        I32F32::from_bits(i64::try_from(q1).unwrap_or(0))
    }

    #[cold]
    fn slow(&self, a: I32F32) -> I32F32 {
        a.safe_div(I32F32::from_bits(self.bits))
    }
}

/// The high and low 64-bit words of `x`.
#[inline(always)]
fn split_words(x: u128) -> (u64, u64) {
    let low = x & u128::from(u64::MAX);
    (u64::try_from(x >> 64).unwrap_or(u64::MAX), u64::try_from(low).unwrap_or(0))
}

/// Sum of I32F32 values added one after another, saturating at the type's bounds.
#[inline]
pub fn sum_fixed<'a, I: IntoIterator<Item = &'a I32F32>>(values: I) -> I32F32 {
    values.into_iter().fold(I32F32::from_bits(0), |acc, v| acc.saturating_add(*v))
}

/// Sum of I64F64 values added one after another, saturating at the type's bounds.
#[inline]
pub fn sum_fixed64<'a, I: IntoIterator<Item = &'a I64F64>>(values: I) -> I64F64 {
    values.into_iter().fold(I64F64::from_bits(0), |acc, v| acc.saturating_add(*v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_div_by_zero_is_zero() {
        assert_eq!(I32F32::from_num(5).safe_div(I32F32::from_num(0)), I32F32::from_num(0));
        assert_eq!(I64F64::from_num(5).safe_div(I64F64::from_num(0)), I64F64::from_num(0));
    }

    #[test]
    fn safe_div_overflow_is_zero_not_saturated() {
        // 2^30 / 2^-32 does not fit in I32F32: the reference yields 0, not the maximum.
        let big = I32F32::from_num(1u64 << 30);
        let tiny = I32F32::from_bits(1);
        assert_eq!(big.safe_div(tiny), I32F32::from_num(0));
    }

    fn reference_div(a: I32F32, b: I32F32) -> I32F32 {
        a.checked_div(b).unwrap_or_else(|| I32F32::from_bits(0))
    }

    #[test]
    fn fast_division_matches_checked_div_on_edges() {
        let edges = [
            0i64,
            1,
            2,
            3,
            (1 << 31) - 1,
            1 << 31,
            (1 << 32) - 1,
            1 << 32,
            (1 << 32) + 1,
            65_535 << 32,
            1 << 62,
            i64::MAX,
            -1,
            -(1 << 32),
            i64::MIN,
        ];
        for &x in &edges {
            for &y in &edges {
                let (a, b) = (I32F32::from_bits(x), I32F32::from_bits(y));
                assert_eq!(a.safe_div(b), reference_div(a, b), "{x} / {y}");
            }
        }
    }

    #[test]
    fn divisor_matches_checked_div_on_edges() {
        let edges = [
            0i64,
            1,
            2,
            3,
            7,
            (1 << 31) - 1,
            1 << 31,
            (1 << 32) - 1,
            1 << 32,
            (1 << 32) + 1,
            65_535 << 32,
            (1 << 62) + 12345,
            1 << 62,
            i64::MAX - 1,
            i64::MAX,
            -1,
            -(1 << 32),
            i64::MIN,
        ];
        for &y in &edges {
            let d = FixedDivisor::new(I32F32::from_bits(y));
            for &x in &edges {
                let a = I32F32::from_bits(x);
                assert_eq!(d.div(a), reference_div(a, I32F32::from_bits(y)), "{x} / {y}");
            }
        }
    }

    #[test]
    fn smul_matches_saturating_mul_on_edges() {
        let edges = [
            0i64,
            1,
            -1,
            2,
            (1 << 31) - 1,
            1 << 31,
            1 << 32,
            -(1 << 32),
            1 << 47,
            1 << 62,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        for &x in &edges {
            for &y in &edges {
                let (a, b) = (I32F32::from_bits(x), I32F32::from_bits(y));
                assert_eq!(a.smul(b), a.saturating_mul(b), "{x} * {y}");
            }
        }
    }

    /// These equivalence checks are cheap, so they run many more cases than proptest's default
    /// (or `PROPTEST_CASES`, if larger).
    fn many_cases() -> proptest::prelude::ProptestConfig {
        let default = proptest::prelude::ProptestConfig::default();
        proptest::prelude::ProptestConfig { cases: default.cases.max(100_000), ..default }
    }

    proptest::proptest! {
        #![proptest_config(many_cases())]

        #[test]
        fn smul_matches_saturating_mul(x in proptest::prelude::any::<i64>(), y in proptest::prelude::any::<i64>(), sx in 0u32..64, sy in 0u32..64) {
            let (a, b) = (I32F32::from_bits(x >> sx), I32F32::from_bits(y >> sy));
            proptest::prop_assert_eq!(a.smul(b), a.saturating_mul(b));
        }

        #[test]
        fn divisor_matches_checked_div(x in proptest::prelude::any::<i64>(), y in proptest::prelude::any::<i64>(), sx in 0u32..64, sy in 0u32..64) {
            let (a, b) = (I32F32::from_bits(x >> sx), I32F32::from_bits(y >> sy));
            let d = FixedDivisor::new(b);
            proptest::prop_assert_eq!(d.div(a), reference_div(a, b));
            // Integers over integers (raw u16 weights by their sums).
            let (c, e) = (I32F32::from_bits((x >> 48) << 32), I32F32::from_bits((y >> 36).abs() << 32));
            proptest::prop_assert_eq!(FixedDivisor::new(e).div(c), reference_div(c, e));
        }

        #[test]
        fn fast_division_matches_checked_div(x in proptest::prelude::any::<i64>(), y in proptest::prelude::any::<i64>(), shift in 0u32..40) {
            let (a, b) = (I32F32::from_bits(x >> shift), I32F32::from_bits(y));
            proptest::prop_assert_eq!(a.safe_div(b), reference_div(a, b));
            let (c, d) = (I32F32::from_bits((x >> 40) << 32), I32F32::from_bits((y >> 30) << (shift % 33)));
            proptest::prop_assert_eq!(c.safe_div(d), reference_div(c, d));
        }
    }

    #[test]
    fn sums_saturate() {
        let v = [I32F32::max_value(), I32F32::max_value()];
        assert_eq!(sum_fixed(&v), I32F32::max_value());
        let w = [I32F32::from_num(1), I32F32::from_num(2)];
        assert_eq!(sum_fixed(&w), I32F32::from_num(3));
    }
}
