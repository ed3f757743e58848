//! `(bn/bd)^(en/ed) · scale`, floored, as the reference's swap computes it (spec `dtao.md` §2.3,
//! its `pow_ratio_scaled`). Two paths, and which one runs matters for parity:
//!
//! - **Exact**: after reducing the exponent by its gcd, when both of its terms are at most 1,024,
//!   the result is `⌊(bnᵉⁿ · scaleᵉᵈ / bdᵉⁿ)^(1/ed)⌋`, an integer root found by bisection. A pool
//!   whose weights are exactly ½ always takes it.
//! - **Series**: otherwise, `ln` of numerator and denominator from a Taylor series of `ln(1+x)` on
//!   a mantissa normalised near 1 plus a multiple of `ln 2`, the exponent applied, and `exp` from its
//!   Taylor series, in binary fixed point with 24 guard bits; each series stops once the value
//!   rounded to the requested precision stops changing. This is not an exact floor, so the steps
//!   below follow the reference's order and rounding one by one (`div_floor` toward −∞, rounding
//!   half away from zero when guard bits are dropped).
//!
//! Pure integer arithmetic on big integers: deterministic on every platform.

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Iteration cap of the series path.
pub const MAX_ITERS: usize = 4_096;
/// The largest exponent term the exact path takes.
const MAX_EXACT_EXPONENT: u32 = 1_024;
/// Guard bits of the series path.
const GUARD_BITS: u32 = 24;

/// `(base_num/base_den)^(exp_num/exp_den) · scale`, floored (see the module's header). `None` when a
/// denominator is 0; `Some(0)` when the base is 0; `Some(scale)` when the exponent is 0.
/// `precision` is the fractional bits the series path keeps at least.
pub fn pow_ratio_scaled(
    base_num: &BigUint,
    base_den: &BigUint,
    exp_num: &BigUint,
    exp_den: &BigUint,
    precision: u32,
    scale: &BigUint,
) -> Option<BigUint> {
    if base_den.is_zero() || exp_den.is_zero() {
        return None;
    }
    if base_num.is_zero() {
        return Some(BigUint::zero());
    }
    if exp_num.is_zero() {
        return Some(scale.clone());
    }
    let g = exp_num.gcd(exp_den);
    let (exp_num, exp_den) = (exp_num / &g, exp_den / &g);

    if let (Some(en), Some(ed)) = (exp_num.to_u32(), exp_den.to_u32())
        && en <= MAX_EXACT_EXPONENT
        && ed <= MAX_EXACT_EXPONENT
    {
        let target_num = base_num.pow(en) * scale.pow(ed);
        let target_den = base_den.pow(en);
        return Some(nth_root_ratio_floor(&target_num, &target_den, ed));
    }

    let scale_bits = u32::try_from(scale.bits()).unwrap_or(u32::MAX);
    let requested = precision.max(32).max(scale_bits.saturating_add(8));
    let internal_precision = requested.saturating_add(GUARD_BITS);
    let max_iters = MAX_ITERS.min(internal_precision as usize + 128).max(1);
    let target_scale = BigInt::one() << requested;
    let guard = BigInt::one() << GUARD_BITS;
    let one = BigInt::one() << internal_precision;

    let ln_two = -ln1p(&(-(&one >> 1usize)), &one, &guard, max_iters);
    let ln_base = ln(base_num, internal_precision, &one, &guard, &ln_two, max_iters)
        - ln(base_den, internal_precision, &one, &guard, &ln_two, max_iters);
    let ln_scaled = (ln_base * BigInt::from(exp_num)).div_floor(&BigInt::from(exp_den));
    let e = exp(&ln_scaled, &one, &guard, max_iters);
    let result = (round_off_guard(&e, &guard) * BigInt::from(scale.clone())).div_floor(&target_scale);
    // A positive base gives a non-negative power; a negative value would be a defect.
    result.to_biguint().or(Some(BigUint::zero()))
}

/// The largest `r` with `r^q · den ≤ num`.
fn nth_root_ratio_floor(num: &BigUint, den: &BigUint, q: u32) -> BigUint {
    if q == 0 {
        return BigUint::zero();
    }
    let fits = |r: &BigUint| r.pow(q) * den <= *num;
    let mut high = BigUint::one();
    while fits(&high) {
        high <<= 1;
    }
    let mut low = BigUint::zero();
    while low < high {
        let mid: BigUint = (&low + &high + 1u32) >> 1;
        if fits(&mid) {
            low = mid;
        } else {
            high = mid - 1u32;
        }
    }
    low
}

/// `ln(1 + x)` in fixed point (`one` = 1.0), by its Taylor series.
fn ln1p(x: &BigInt, one: &BigInt, guard: &BigInt, max_iters: usize) -> BigInt {
    let mut term = x.clone();
    let mut sum = term.clone();
    let mut previous = round_off_guard(&sum, guard);
    for n in 2..=max_iters {
        term = (&term * x).div_floor(one);
        if term.is_zero() {
            break;
        }
        let next = term.div_floor(&BigInt::from(n as u32));
        if next.is_zero() {
            break;
        }
        if n % 2 == 0 {
            sum -= &next;
        } else {
            sum += &next;
        }
        let rounded = round_off_guard(&sum, guard);
        if next.abs() < guard.abs() || rounded == previous {
            break;
        }
        previous = rounded;
    }
    sum
}

/// `e^x` in fixed point (`one` = 1.0), by its Taylor series.
fn exp(x: &BigInt, one: &BigInt, guard: &BigInt, max_iters: usize) -> BigInt {
    let mut term = one.clone();
    let mut sum = term.clone();
    let mut previous = round_off_guard(&sum, guard);
    for n in 1..=max_iters {
        term = (&term * x).div_floor(&(one * BigInt::from(n as u32)));
        if term.is_zero() {
            break;
        }
        sum += &term;
        let rounded = round_off_guard(&sum, guard);
        if term.abs() < guard.abs() || rounded == previous {
            break;
        }
        previous = rounded;
    }
    sum
}

/// `ln(value)` in fixed point: the value's mantissa, shifted into [0.75, 1.5), through
/// [`ln1p`], plus `ln 2` per bit of shift.
fn ln(value: &BigUint, precision: u32, one: &BigInt, guard: &BigInt, ln_two: &BigInt, max_iters: usize) -> BigInt {
    if value.is_zero() {
        return BigInt::zero();
    }
    let mut shift = value.bits().saturating_sub(1);
    let mut mantissa = (value << precision as usize) >> shift as usize;
    let one_u = one.magnitude();
    if mantissa >= one_u + (one_u >> 1usize) {
        mantissa >>= 1usize;
        shift += 1;
    }
    let x = BigInt::from_biguint(Sign::Plus, mantissa) - one;
    ln1p(&x, one, guard, max_iters) + ln_two * BigInt::from(shift)
}

/// Drops the guard bits, rounding half away from zero.
fn round_off_guard(value: &BigInt, guard: &BigInt) -> BigInt {
    let (mut truncated, remainder) = value.div_rem(guard);
    if !remainder.is_zero() && (remainder.abs() << 1usize) >= guard.abs() {
        truncated += remainder.signum();
    }
    truncated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(bn: u128, bd: u128, en: u128, ed: u128, precision: u32, scale: u128) -> Option<u128> {
        pow_ratio_scaled(&bn.into(), &bd.into(), &en.into(), &ed.into(), precision, &scale.into())
            .map(|v| v.to_u128().unwrap())
    }

    #[test]
    fn exact_path_floors_the_root() {
        // (2/3)^(1/2)·1000 = 816.49…
        assert_eq!(p(2, 3, 1, 2, 0, 1000), Some(816));
        // (1/4)^(1/2)·10¹⁸ exactly
        assert_eq!(p(1, 4, 5, 10, 256, 1_000_000_000_000_000_000), Some(500_000_000_000_000_000));
        // (4/1)^(3/2)·1 = 8
        assert_eq!(p(4, 1, 3, 2, 0, 1), Some(8));
    }

    #[test]
    fn edge_cases_follow_the_reference() {
        assert_eq!(p(1, 0, 1, 2, 0, 10), None);
        assert_eq!(p(1, 2, 1, 0, 0, 10), None);
        assert_eq!(p(0, 2, 1, 2, 0, 10), Some(0));
        assert_eq!(p(3, 2, 0, 2, 0, 10), Some(10));
    }

    #[test]
    fn series_path_is_close_to_the_true_power() {
        // Exponent 0.499999…/0.500000… (coprime, large): the series path.
        let scale = 1_000_000_000_000_000_000u128;
        let w1 = 499_999_999_999_999_999u128;
        let w2 = 500_000_000_000_000_001u128;
        for (x, dx) in [(1_000_000_000u128, 1_000u128), (4_000_000_000, 123_456), (1_000_000, 999_999)] {
            let got = p(x, x + dx, w1, w2, 256, scale).unwrap() as f64 / scale as f64;
            let want = (x as f64 / (x + dx) as f64).powf(w1 as f64 / w2 as f64);
            assert!((got - want).abs() < 1e-12, "{x} {dx}: {got} vs {want}");
            assert!(got <= 1.0);
        }
        // Greater than one too.
        let got = p(3, 2, w2, w1, 256, scale).unwrap() as f64 / scale as f64;
        assert!((got - 1.5f64.powf(w2 as f64 / w1 as f64)).abs() < 1e-12, "{got}");
    }

    #[test]
    fn the_series_agrees_with_the_exact_path_where_both_apply() {
        // 1025/2050 reduces to 1/2 (exact); 1025·k+1 terms force the series. Compare nearby.
        let scale = 1_000_000_000_000u128;
        let exact = p(81, 100, 1, 2, 64, scale).unwrap();
        let series = p(81, 100, 500_000_000_001, 1_000_000_000_000, 64, scale).unwrap();
        assert!(exact.abs_diff(series) <= 1, "{exact} {series}");
        assert_eq!(exact, 900_000_000_000);
    }
}
