//! Bounded exponential, sigmoid and clamping on I32F32 (substrate-fixed's series `exp`).

use substrate_fixed::transcendental::exp;
use substrate_fixed::types::I32F32;

use super::safe::{SafeDiv, SaturatingMulFast};

/// `e^x` with `x` clamped to `[-20, 20]`, computed with substrate-fixed's Taylor series exactly as
/// the reference does. If the series fails it yields 0 for non-positive inputs and the maximum
/// I32F32 otherwise.
pub fn exp_safe(input: I32F32) -> I32F32 {
    let lo = I32F32::from_num(-20);
    let hi = I32F32::from_num(20);
    let clamped = if input < lo {
        lo
    } else if hi < input {
        hi
    } else {
        input
    };
    match exp_series(clamped) {
        Ok(v) => v,
        Err(()) => {
            if clamped <= I32F32::from_num(0) {
                I32F32::from_num(0)
            } else {
                I32F32::max_value()
            }
        }
    }
}

/// substrate-fixed's `exp::<I32F32, I32F32>`, step for step, with its I32F32 operations written
/// out on the bit patterns (the series runs 30 terms per call, which dominates liquid alpha).
///
/// For `x ∉ {0, 1}`: with `y = |x|`, `result = 1 + y`, `term = y`; for `i` in `2..32`:
/// `term = term · y` (truncating, error on overflow), `term = term / i` (exactly
/// `⌊term_bits / i⌋`), `result = result + term` (error on overflow); for negative `x` the result
/// is `1 / result`. `x = 0` gives 1 and `x = 1` the library's constant `e`, taken from the library.
fn exp_series(x: I32F32) -> Result<I32F32, ()> {
    let one = I32F32::from_num(1);
    if x == I32F32::from_num(0) || x == one {
        return exp::<I32F32, I32F32>(x);
    }
    let neg = x < I32F32::from_num(0);
    let y = if neg { x.checked_neg().ok_or(())?.to_bits() } else { x.to_bits() };
    let mut result = y.checked_add(one.to_bits()).ok_or(())?;
    let mut term = y;
    // Unrolled so that each division is by a constant (compiled to an exact multiply-shift).
    macro_rules! step {
        ($($i:literal)*) => {$(
            // Both factors are non-negative: the product fits in i128 and floors like the library.
            term = i64::try_from(i128::from(term).wrapping_mul(i128::from(y)) >> 32).map_err(|_| ())?;
            // (term·2^32) / (i·2^32) truncated = term / i (term ≥ 0).
            term /= $i;
            result = result.checked_add(term).ok_or(())?;
        )*};
    }
    step!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    let result = I32F32::from_bits(result);
    if neg { one.checked_div(result).ok_or(()) } else { Ok(result) }
}

/// `1 / (1 + e^(−rho·(x − kappa)))` with [`exp_safe`].
pub fn sigmoid_safe(input: I32F32, rho: I32F32, kappa: I32F32) -> I32F32 {
    let one = I32F32::from_num(1);
    let offset = input.saturating_sub(kappa);
    let neg_rho = rho.smul(one.saturating_neg());
    let e = exp_safe(neg_rho.smul(offset));
    one.safe_div(e.saturating_add(one))
}

/// `min(value, high)` then `max(·, low)`.
pub fn clamp_value(value: I32F32, low: I32F32, high: I32F32) -> I32F32 {
    value.min(high).max(low)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_safe_clamps_and_matches_series() {
        assert_eq!(exp_safe(I32F32::from_num(0)), I32F32::from_num(1));
        assert_eq!(exp_safe(I32F32::from_num(100)), exp_safe(I32F32::from_num(20)));
        assert_eq!(exp_safe(I32F32::from_num(-100)), exp_safe(I32F32::from_num(-20)));
        // The reference sums 30 Taylor terms, which is accurate near 0 and far below e^x for
        // large x; we only require the same monotone, positive behaviour here (exactness comes
        // from calling the very same series).
        let e1 = exp_safe(I32F32::from_num(2));
        assert!(e1 > I32F32::from_num(7) && e1 < I32F32::from_num(8));
        assert!(exp_safe(I32F32::from_num(20)) > e1);
        assert!(exp_safe(I32F32::from_num(-20)) > I32F32::from_num(0));
    }

    #[test]
    fn series_matches_the_library_on_edges() {
        for bits in
            [0i64, 1, -1, 1 << 32, -(1 << 32), (1 << 32) + 1, 20 << 32, -(20 << 32), 21 << 32, i64::MAX, i64::MIN + 1]
        {
            let x = I32F32::from_bits(bits);
            assert_eq!(exp_series(x), exp::<I32F32, I32F32>(x), "{bits}");
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
        fn series_matches_the_library(bits in -(24i64 << 32)..(24i64 << 32)) {
            let x = I32F32::from_bits(bits);
            proptest::prop_assert_eq!(exp_series(x), exp::<I32F32, I32F32>(x));
        }

        #[test]
        fn series_matches_the_library_anywhere(bits in proptest::prelude::any::<i64>()) {
            let x = I32F32::from_bits(bits);
            proptest::prop_assert_eq!(exp_series(x), exp::<I32F32, I32F32>(x));
        }
    }

    #[test]
    fn sigmoid_is_half_at_kappa() {
        let half = I32F32::from_num(1) / I32F32::from_num(2);
        let s = sigmoid_safe(half, I32F32::from_num(10), half);
        assert_eq!(s, half);
    }

    #[test]
    fn clamp() {
        let (lo, hi) = (I32F32::from_num(1), I32F32::from_num(3));
        assert_eq!(clamp_value(I32F32::from_num(5), lo, hi), hi);
        assert_eq!(clamp_value(I32F32::from_num(0), lo, hi), lo);
        assert_eq!(clamp_value(I32F32::from_num(2), lo, hi), I32F32::from_num(2));
    }
}
