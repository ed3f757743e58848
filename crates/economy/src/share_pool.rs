//! Stake share pools with decimal floating-point shares (spec `dtao.md` §3.1), the arithmetic the
//! reference's stake pools use since it moved to `SafeFloat` shares (`AlphaV2`,
//! `TotalHotkeySharesV2`).
//!
//! A pool holds a value `V` (rao) and a share denominator `D`; a holder with share `s` owns
//! `⌊V·s/D⌋`. Adding `a` to one holder mints `a·D/V` shares (the whole `a` in an empty pool),
//! removing burns as many; crediting everyone only raises `V`. Shares are [`SafeFloat`]s: a
//! 21-digit decimal mantissa and an exponent, so that a pool whose value per share has grown or
//! shrunk by many orders of magnitude still prices a 1-rao change, and a 0.1-rao change makes no
//! difference. Every operation is integer arithmetic with wide intermediates; rounding truncates
//! where the reference's does, so results agree with it to the rao.
//!
//! The runtime's dynamic-TAO stake pools (`alpha_shares`) are these; TAO-era chains keep Agora's
//! 32-fractional-bit integer shares.

use num_bigint::BigUint;
use num_traits::{ToPrimitive, Zero};

/// The largest mantissa: 10²¹. A normalised mantissa lies in (10²⁰, 10²¹].
pub const SAFE_FLOAT_MAX: u128 = 1_000_000_000_000_000_000_000;
/// `log₁₀` of [`SAFE_FLOAT_MAX`].
pub const SAFE_FLOAT_MAX_EXP: i64 = 21;

/// `mantissa · 10^exponent`, normalised (or zero as `0 · 10⁰`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SafeFloat {
    mantissa: u128,
    exponent: i64,
}

/// `10^e`, capped at `10^(SAFE_FLOAT_MAX_EXP + 1)` (no larger power is ever needed).
fn pow10_capped(e: u64) -> BigUint {
    let e = e.min(SAFE_FLOAT_MAX_EXP as u64 + 1);
    num_traits::pow(BigUint::from(10u8), e as usize)
}

impl SafeFloat {
    /// 0.
    pub const ZERO: SafeFloat = SafeFloat { mantissa: 0, exponent: 0 };

    /// `mantissa · 10^exponent`, normalised; `None` if the mantissa is over [`SAFE_FLOAT_MAX`] or
    /// the exponent overflows.
    pub fn new(mantissa: u128, exponent: i64) -> Option<SafeFloat> {
        if mantissa > SAFE_FLOAT_MAX {
            return None;
        }
        SafeFloat::normalized(BigUint::from(mantissa), exponent)
    }

    /// The stored mantissa and exponent (for storage).
    pub fn parts(&self) -> (u128, i64) {
        (self.mantissa, self.exponent)
    }

    /// From stored parts, as they were written by [`SafeFloat::parts`] (re-normalised).
    pub fn from_parts(mantissa: u128, exponent: i64) -> SafeFloat {
        SafeFloat::new(mantissa, exponent).unwrap_or_default()
    }

    /// Whether it is 0.
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// Scales `m · 10^e` by tens until `10²⁰ < m ≤ 10²¹`, truncating when dividing; `None` when
    /// the exponent would overflow.
    fn normalized(mut m: BigUint, mut e: i64) -> Option<SafeFloat> {
        if m.is_zero() {
            return Some(SafeFloat::ZERO);
        }
        let max = BigUint::from(SAFE_FLOAT_MAX);
        let min = BigUint::from(SAFE_FLOAT_MAX / 10);
        let ten = BigUint::from(10u8);
        while m > max {
            m /= &ten;
            e = e.checked_add(1)?;
        }
        while m <= min {
            m *= &ten;
            e = e.checked_sub(1)?;
        }
        Some(SafeFloat { mantissa: m.to_u128()?, exponent: e })
    }

    /// `self / a`, keeping 21 digits: `m₁·10²¹ / m₂` at exponent `e₁ − e₂ − 21`. `None` for a
    /// zero divisor or an exponent out of range.
    pub fn div(&self, a: &SafeFloat) -> Option<SafeFloat> {
        if a.mantissa == 0 {
            return None;
        }
        let e = i128::from(self.exponent) - i128::from(a.exponent) - i128::from(SAFE_FLOAT_MAX_EXP);
        let e = i64::try_from(e).ok()?;
        let m = BigUint::from(self.mantissa) * BigUint::from(SAFE_FLOAT_MAX) / BigUint::from(a.mantissa);
        SafeFloat::normalized(m, e)
    }

    /// The two mantissas on the larger exponent, the smaller one truncated to it.
    fn aligned(&self, a: &SafeFloat) -> (BigUint, BigUint, i64) {
        if self.exponent >= a.exponent {
            let shift = self.exponent.abs_diff(a.exponent);
            (BigUint::from(self.mantissa), BigUint::from(a.mantissa) / pow10_capped(shift), self.exponent)
        } else {
            let shift = a.exponent.abs_diff(self.exponent);
            (BigUint::from(self.mantissa) / pow10_capped(shift), BigUint::from(a.mantissa), a.exponent)
        }
    }

    /// `self + a` (the operand with the smaller exponent loses its low digits first).
    pub fn add(&self, a: &SafeFloat) -> Option<SafeFloat> {
        if self.is_zero() {
            return Some(*a);
        }
        if a.is_zero() {
            return Some(*self);
        }
        let (m1, m2, e) = self.aligned(a);
        SafeFloat::normalized(m1 + m2, e)
    }

    /// `self − a`, saturating at 0 on the aligned mantissas; `None` for `0 − a` with `a ≠ 0`.
    pub fn sub(&self, a: &SafeFloat) -> Option<SafeFloat> {
        if a.is_zero() {
            return Some(*self);
        }
        if self.is_zero() {
            return None;
        }
        let (m1, m2, e) = self.aligned(a);
        let m = if m1 > m2 { m1 - m2 } else { BigUint::zero() };
        SafeFloat::normalized(m, e)
    }

    /// `self · a / b` with a wide product: `⌊m·mₐ/m_b⌋` at exponent `e + eₐ − e_b`. `None` for a
    /// zero `b` or an exponent out of range.
    pub fn mul_div(&self, a: &SafeFloat, b: &SafeFloat) -> Option<SafeFloat> {
        if b.mantissa == 0 {
            return None;
        }
        let e = self.exponent.checked_add(a.exponent)?.checked_sub(b.exponent)?;
        let m = BigUint::from(self.mantissa) * BigUint::from(a.mantissa) / BigUint::from(b.mantissa);
        SafeFloat::normalized(m, e)
    }

    /// `self > a`, for normalised values.
    pub fn gt(&self, a: &SafeFloat) -> bool {
        let ten = |m: u128| BigUint::from(m) * BigUint::from(10u8);
        match self.exponent.cmp(&a.exponent) {
            std::cmp::Ordering::Equal => self.mantissa > a.mantissa,
            std::cmp::Ordering::Greater => {
                self.exponent.abs_diff(a.exponent) > 1 || ten(self.mantissa) > BigUint::from(a.mantissa)
            }
            std::cmp::Ordering::Less => {
                self.exponent.abs_diff(a.exponent) <= 1 && BigUint::from(self.mantissa) > ten(a.mantissa)
            }
        }
    }

    /// `⌊mantissa · 10^exponent⌋`, saturating at `u64::MAX`.
    pub fn to_u64(&self) -> u64 {
        if self.exponent == 0 {
            return u64::try_from(self.mantissa).unwrap_or(u64::MAX);
        }
        let scale = pow10_capped(self.exponent.unsigned_abs());
        let q =
            if self.exponent > 0 { BigUint::from(self.mantissa) * scale } else { BigUint::from(self.mantissa) / scale };
        q.to_u64().unwrap_or(u64::MAX)
    }
}

impl From<u64> for SafeFloat {
    fn from(value: u64) -> SafeFloat {
        SafeFloat::new(u128::from(value), 0).unwrap_or_default()
    }
}

/// A stake pool's shared state: its value and its share denominator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SharePool {
    /// Value of the whole pool (rao).
    pub value: u64,
    /// Sum of every holder's share.
    pub denominator: SafeFloat,
}

impl SharePool {
    /// What `share` is worth: `⌊V·share/D⌋`, 0 when the pool has no shares.
    pub fn value_of(&self, share: &SafeFloat) -> u64 {
        SafeFloat::from(self.value).mul_div(share, &self.denominator).unwrap_or_default().to_u64()
    }

    /// The shares a change of `amount` (either sign) moves: `|amount|·D/V`.
    pub fn shares_per_update(&self, amount: i64) -> SafeFloat {
        SafeFloat::from(amount.unsigned_abs())
            .mul_div(&self.denominator, &SafeFloat::from(self.value))
            .unwrap_or_default()
    }

    /// Whether a change of `amount` to one holder would move any share (the reference's
    /// precision guard `sim_update_value_for_one`): always in an empty pool.
    pub fn update_moves_shares(&self, amount: i64) -> bool {
        self.denominator.is_zero() || !self.shares_per_update(amount).is_zero()
    }

    /// Credits (or debits) every holder pro rata: only the value changes (saturating).
    pub fn update_all(&mut self, amount: i64) {
        self.value = if amount >= 0 {
            self.value.saturating_add(amount.unsigned_abs())
        } else {
            self.value.saturating_sub(amount.unsigned_abs())
        };
    }

    /// Adds `amount` (or removes, when negative) to the holder of `share`; returns its new share.
    /// An empty pool starts with that holder owning `|amount|` shares. Where the shares cannot be
    /// represented the old ones are kept, as the reference keeps them.
    pub fn update_one(&mut self, share: &SafeFloat, amount: i64) -> SafeFloat {
        let new_share = if self.denominator.is_zero() {
            let start = SafeFloat::from(amount.unsigned_abs());
            self.denominator = start;
            start
        } else {
            let moved = self.shares_per_update(amount);
            let (denominator, updated) = if amount > 0 {
                (self.denominator.add(&moved), share.add(&moved))
            } else {
                (self.denominator.sub(&moved), share.sub(&moved))
            };
            self.denominator = denominator.unwrap_or(self.denominator);
            updated.unwrap_or(*share)
        };
        self.update_all(amount);
        new_share
    }
}

/// The reference's share-pool tests (`primitives/share-pool`), by name, with its values and
/// epsilons; floats only to compare, as there.
#[cfg(test)]
mod tests {
    use super::*;

    /// A pool with per-holder shares, as the reference's mock data operations.
    #[derive(Default)]
    struct Mock {
        pool: SharePool,
        shares: std::collections::BTreeMap<u16, SafeFloat>,
    }

    impl Mock {
        fn get_value(&self, key: u16) -> u64 {
            self.pool.value_of(&self.shares.get(&key).copied().unwrap_or_default())
        }

        fn update_value_for_one(&mut self, key: u16, amount: i64) {
            let share = self.shares.get(&key).copied().unwrap_or_default();
            let new = self.pool.update_one(&share, amount);
            self.shares.insert(key, new);
        }
    }

    fn sf(m: u128, e: i64) -> SafeFloat {
        SafeFloat::new(m, e).unwrap()
    }

    fn f64_of(x: &SafeFloat) -> f64 {
        x.mantissa as f64 * 10f64.powi(x.exponent as i32)
    }

    fn near(actual: f64, expected: f64, epsilon: f64) {
        assert!((actual - expected).abs() <= epsilon, "{actual} vs {expected} (±{epsilon})");
    }

    #[test]
    fn test_get_value() {
        let mut m = Mock { pool: SharePool { value: 100, denominator: 10.into() }, ..Mock::default() };
        m.shares.insert(1, 3.into());
        m.shares.insert(2, 7.into());
        assert_eq!((m.get_value(1), m.get_value(2)), (30, 70));
    }

    #[test]
    fn test_division_by_zero() {
        let m = Mock::default();
        assert_eq!(m.get_value(1), 0, "value is 0 when the denominator is zero");
    }

    #[test]
    fn test_max_shared_value() {
        let mut m = Mock { pool: SharePool { value: u64::MAX, denominator: 10.into() }, ..Mock::default() };
        m.shares.insert(1, 3.into());
        m.shares.insert(2, 7.into());
        assert!(u64::MAX - (m.get_value(1) + m.get_value(2)) <= 5);
    }

    #[test]
    fn test_max_share_value() {
        let mut m = Mock { pool: SharePool { value: 1_000_000_000, denominator: u64::MAX.into() }, ..Mock::default() };
        m.shares.insert(1, (u64::MAX / 2).into());
        m.shares.insert(2, (u64::MAX / 2).into());
        near(m.get_value(1) as f64, 500_000_000.0, 1.0);
        assert!(m.get_value(2).abs_diff(500_000_000) <= 1);
    }

    #[test]
    fn test_denom_precision() {
        let mut m = Mock::default();
        m.update_value_for_one(1, 1000);
        assert_eq!(m.get_value(1), 1000);
        m.update_value_for_one(1, -990);
        m.update_value_for_one(2, 1000);
        m.update_value_for_one(2, -990);
        assert_eq!((m.get_value(1), m.get_value(2)), (10, 10));
    }

    #[test]
    fn test_denom_high_precision() {
        let mut m = Mock::default();
        m.update_value_for_one(1, 1);
        m.update_value_for_one(2, 1);
        m.pool.update_all(999_999_999_999_998);
        m.update_value_for_one(1, -499_999_999_999_990);
        m.update_value_for_one(2, -499_999_999_999_990);
        m.pool.update_all(999_999_999_999_980);
        m.update_value_for_one(1, 1_000_000_000_000);
        m.update_value_for_one(2, 1_000_000_000_000);
        near(m.get_value(1) as f64, 501_000_000_000_000.0, 1.0);
        near(m.get_value(2) as f64, 501_000_000_000_000.0, 1.0);
    }

    #[test]
    fn test_denom_high_precision_many_small_unstakes() {
        let mut m = Mock::default();
        m.update_value_for_one(1, 1);
        m.update_value_for_one(2, 1);
        m.pool.update_all(1_000_000_000_000_000);
        let (count, unstake) = (1000i64, -500_000_000i64);
        for _ in 0..count {
            m.update_value_for_one(1, unstake);
            m.update_value_for_one(2, unstake);
        }
        m.pool.update_all(1_000_000_000_000_000);
        m.update_value_for_one(1, 1_000_000_000_000);
        m.update_value_for_one(2, 1_000_000_000_000);
        let expected = (1_001_000_000_000_000 + count * unstake) as f64;
        near(m.get_value(1) as f64, expected, 1.0);
        near(m.get_value(2) as f64, expected, 1.0);
    }

    #[test]
    fn test_update_value_for_one() {
        let mut m = Mock::default();
        m.update_value_for_one(1, 1000);
        assert_eq!(m.get_value(1), 1000);
    }

    #[test]
    fn test_update_value_for_all() {
        let mut pool = SharePool::default();
        pool.update_all(1000);
        assert_eq!(pool.value, 1000);
        pool.update_all(-1001);
        assert_eq!(pool.value, 0, "saturating");
    }

    #[test]
    fn test_get_shares_per_update() {
        let cases: &[(i64, u64, u128, i64)] = &[
            (1, 1, 1, 0),
            (1, 1_000_000_000_000_000_000, 1, 0),
            (1, 21_000_000_000_000_000, 1, 5),
            (1, 21_000_000_000_000_000, 1, -1_000_000),
            (1, 21_000_000_000_000_000, 1, -1_000_000_000),
            (1, 21_000_000_000_000_000, 1, -1_000_000_001),
            (1_000, 21_000_000_000_000_000, 1, 5),
            (21_000_000_000_000_000, 21_000_000_000_000_000, 1, 5),
            (21_000_000_000_000_000, 21_000_000_000_000_000, 1, -5),
            (21_000_000_000_000_000, 21_000_000_000_000_000, 1, -100),
            (21_000_000_000_000_000, 21_000_000_000_000_000, 1, 100),
            (210_000_000_000_000_000, 21_000_000_000_000_000, 1, 5),
            (1_000, 1_000, 21_000_000_000_000_000, 0),
            (1_000, 1_000, 21_000_000_000_000_000, -1),
        ];
        for &(update, value, dm, de) in cases {
            let denominator = SafeFloat::new(dm, de).unwrap_or_default();
            let pool = SharePool { value, denominator };
            let spu = f64_of(&pool.shares_per_update(update));
            let expected = update as f64 * f64_of(&denominator) / value as f64;
            near(spu, expected, (expected / 1000.0).abs());
        }
    }

    #[test]
    fn test_safefloat_normalize() {
        for (m, e, em, ee) in [
            (1u128, 0, SAFE_FLOAT_MAX, -21i64),
            (0, 0, 0, 0),
            (10, 0, SAFE_FLOAT_MAX, -20),
            (1_000, 0, SAFE_FLOAT_MAX, -18),
            (100_000_000_000_000_000_000, 0, SAFE_FLOAT_MAX, -1),
            (SAFE_FLOAT_MAX, 0, SAFE_FLOAT_MAX, 0),
        ] {
            assert_eq!(sf(m, e).parts(), (em, ee), "{m}e{e}");
        }
        assert_eq!(SafeFloat::new(SAFE_FLOAT_MAX + 1, 0), None);
    }

    #[test]
    fn test_safefloat_add() {
        let cases: &[(u128, i64, u128, i64, u128, i64)] = &[
            (1, 0, 1, 0, 200_000_000_000_000_000_000, -20),
            (0, 0, 1, 0, SAFE_FLOAT_MAX, -21),
            (0, 0, 1, -1, SAFE_FLOAT_MAX, -22),
            (1, -1000, 1, -1, SAFE_FLOAT_MAX, -22),
            (SAFE_FLOAT_MAX, 0, SAFE_FLOAT_MAX, 0, SAFE_FLOAT_MAX * 2 / 10, 1),
            (1, 0, SAFE_FLOAT_MAX, 1, SAFE_FLOAT_MAX, 1),
            (1, 0, 1, 22, SAFE_FLOAT_MAX, 1),
            (1, 0, 1, 23, SAFE_FLOAT_MAX, 2),
            (123, 0, 1, 23, SAFE_FLOAT_MAX, 2),
            (123, 1, 1, 23, 100_000_000_000_000_000_001, 3),
            (42, 0, 1, 22, SAFE_FLOAT_MAX, 1),
            (999_999_999_999_999_999_999, 0, 1, 22, 109_999_999_999_999_999_999, 2),
        ];
        for &(ma, ea, mb, eb, em, ee) in cases {
            let (a, b) = (sf(ma, ea), sf(mb, eb));
            assert_eq!(a.add(&b).unwrap().parts(), (em, ee), "{ma}e{ea} + {mb}e{eb}");
            assert_eq!(b.add(&a).unwrap().parts(), (em, ee), "{mb}e{eb} + {ma}e{ea}");
        }
    }

    #[test]
    fn test_safefloat_div_by_zero_is_none() {
        assert!(sf(1, 0).div(&SafeFloat::ZERO).is_none());
        assert!(sf(1, 0).mul_div(&sf(1, 0), &SafeFloat::ZERO).is_none());
    }

    #[test]
    fn test_safefloat_mul_div() {
        for (ma, ea, mb, eb, mc, ec) in [
            (1u128, -20i64, 1u128, -20i64, 1u128, -20i64),
            (123, 20, 123, -20, 321, 0),
            (123_123_123_123_123_123, 20, 321_321_321_321_321_321, -20, 777_777_777_777_777_777, 0),
            (11_111_111_111_111_111_111, 20, 99_321_321_321_321_321_321, -20, 77_777_777_777_777_777_777, 0),
        ] {
            let actual = f64_of(&sf(ma, ea).mul_div(&sf(mb, eb), &sf(mc, ec)).unwrap());
            let expected = (ma as f64 * 10f64.powi(ea as i32)) * (mb as f64 * 10f64.powi(eb as i32))
                / (mc as f64 * 10f64.powi(ec as i32));
            near(actual, expected, actual / 100_000_000_000_000.0);
        }
    }

    #[test]
    fn test_loss_due_to_precision() {
        let mut m = Mock { pool: SharePool { value: 1_000_000_000_000, denominator: sf(1, -14) }, ..Mock::default() };
        m.shares.insert(1, sf(1, -15));
        let before = m.get_value(1);
        near(before as f64, 100_000_000_000.0, 0.1);
        m.update_value_for_one(1, -1000);
        let after = m.get_value(1);
        near((before - after) as f64, 1000.0, 1000.0 / 1_000_000_000.0);
    }

    /// Spec §8 vector 1: `D=10, s=3/7, V=100` → 30/70; `+1000 −990` twice → 10/10, exact.
    #[test]
    fn vector_1_is_exact() {
        test_get_value();
        test_denom_precision();
    }

    #[test]
    fn comparisons_and_conversions() {
        assert!(sf(2, 0).gt(&sf(1, 0)) && !sf(1, 0).gt(&sf(2, 0)));
        assert!(sf(1, 5).gt(&sf(99_999, 0)) && !sf(99_999, 0).gt(&sf(1, 5)));
        assert_eq!(sf(12_345, -2).to_u64(), 123);
        assert_eq!(sf(1, 30).to_u64(), u64::MAX);
        assert_eq!(SafeFloat::from(u64::MAX).to_u64(), u64::MAX);
        assert_eq!(sf(7, 0).sub(&sf(9, 0)), Some(SafeFloat::ZERO), "saturates");
        assert_eq!(SafeFloat::ZERO.sub(&sf(1, 0)), None);
        let (m, e) = sf(123, -4).parts();
        assert_eq!(SafeFloat::from_parts(m, e), sf(123, -4));
    }
}
