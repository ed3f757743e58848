//! The pool curve: a weighted two-asset ("Balancer") pool of alpha `x` and TAO `y` with weights
//! `w₁` (alpha) and `w₂` (TAO), `w₁ + w₂ = 1` (spec `dtao.md` §2). Price `p = (w₁/w₂)·(y/x)`;
//! a swap keeps `x^w₁ · y^w₂`; protocol injections move the weights so the price stays.
//!
//! [`Curve`] is the interface a swap needs from a curve, so the next AMM the reference adopts is
//! one more implementation; [`Balancer`] is the one pinned (`main@14bc6f9f`).

use num_bigint::BigUint;
use num_traits::ToPrimitive;

use crate::fixed::{ACCURACY, Perquintill, SafeDiv, U64F64, tou64, u64f64};
use crate::pow::pow_ratio_scaled;

/// What a swap asks of a pool curve. Reserves are in rao (alpha has 9 decimals too).
pub trait Curve {
    /// Spot price in TAO per alpha; 0 when there is no alpha in the pool.
    fn price(&self, alpha: u64, tao: u64) -> U64F64;
    /// Alpha paid out for `tao_in` TAO.
    fn alpha_out(&self, alpha: u64, tao: u64, tao_in: u64) -> u64;
    /// TAO paid out for `alpha_in` alpha.
    fn tao_out(&self, alpha: u64, tao: u64, alpha_in: u64) -> u64;
    /// TAO to pay in to lift the price from `current` to `target` (≥ current).
    fn tao_to_reach(&self, current: U64F64, target: U64F64, tao: u64) -> u64;
    /// Alpha to pay in to lower the price from `current` to `target` (≤ current).
    fn alpha_to_reach(&self, current: U64F64, target: U64F64, alpha: u64) -> u64;
    /// Re-weights for `tao_delta` and `alpha_delta` added to the reserves at the same price.
    /// Refused (and nothing changes) where the weights would leave their range.
    fn add_liquidity(&mut self, alpha: u64, tao: u64, tao_delta: u64, alpha_delta: u64)
    -> Result<(), WeightOutOfRange>;
}

/// A weight would fall below [`MIN_WEIGHT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a pool weight would fall below 0.01")]
pub struct WeightOutOfRange;

/// The smallest weight either side may have: 0.01.
pub const MIN_WEIGHT: Perquintill = Perquintill::from_parts(ACCURACY / 100);

/// Precision (bits) of the swap's powers and of the limit-price powers.
const SWAP_PRECISION: u32 = 256;
const LIMIT_PRECISION: u32 = 1024;

/// A weighted pool's weights; only the TAO weight `w₂` is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Balancer {
    quote: Perquintill,
}

impl Default for Balancer {
    /// ½ and ½: a constant-product pool.
    fn default() -> Balancer {
        Balancer { quote: Perquintill::from_rational(1, 2) }
    }
}

impl Balancer {
    /// With the TAO weight `w₂`; both weights must be at least [`MIN_WEIGHT`].
    pub fn new(quote: Perquintill) -> Result<Balancer, WeightOutOfRange> {
        if quote >= MIN_WEIGHT && quote.complement() >= MIN_WEIGHT {
            Ok(Balancer { quote })
        } else {
            Err(WeightOutOfRange)
        }
    }

    /// `w₂`, the TAO weight.
    pub fn quote_weight(&self) -> Perquintill {
        self.quote
    }

    /// `w₁ = 1 − w₂`, the alpha weight.
    pub fn base_weight(&self) -> Perquintill {
        self.quote.complement()
    }

    /// `(r/(r+d))^(a/b)` as U64F64 through parts per 10¹⁸, capped at 1; `base_quote` picks
    /// `w₁/w₂` (a sell) or `w₂/w₁` (a buy). 0 where `r + d` is 0 or the power fails.
    fn exp_scaled(&self, r: u64, d: u64, base_quote: bool) -> U64F64 {
        let sum = r.saturating_add(d);
        if sum == 0 {
            return u64f64(0);
        }
        let (w1, w2) = (BigUint::from(self.base_weight().parts()), BigUint::from(self.quote.parts()));
        let (en, ed) = if base_quote { (w1, w2) } else { (w2, w1) };
        let k = pow_ratio_scaled(&r.into(), &sum.into(), &en, &ed, SWAP_PRECISION, &BigUint::from(ACCURACY));
        match k.and_then(|k| k.to_u64()) {
            Some(k) => u64f64(k).safe_div(u64f64(ACCURACY)).min(u64f64(1)),
            None => u64f64(0),
        }
    }

    /// `reserve · ((num/den)^(w/10¹⁸) − 1)`, saturating: the input that moves the price to a limit.
    fn delta_to_reach(num: U64F64, den: U64F64, weight: Perquintill, reserve: u64) -> u64 {
        let scale = BigUint::from(ACCURACY);
        let k = pow_ratio_scaled(
            &num.to_bits().into(),
            &den.to_bits().into(),
            &weight.parts().into(),
            &scale,
            LIMIT_PRECISION,
            &scale,
        );
        let Some(k) = k else { return 0 };
        let k = k.to_u64().map_or(u64f64(u64::MAX), u64f64);
        tou64(u64f64(reserve).saturating_mul(k.safe_div(u64f64(ACCURACY)).saturating_sub(u64f64(1))))
    }
}

impl Curve for Balancer {
    fn price(&self, alpha: u64, tao: u64) -> U64F64 {
        let w2 = u64f64(self.quote.parts());
        let w1 = u64f64(self.base_weight().parts());
        w1.safe_div(w2).saturating_mul(u64f64(tao).safe_div(u64f64(alpha)))
    }

    fn alpha_out(&self, alpha: u64, tao: u64, tao_in: u64) -> u64 {
        let e = self.exp_scaled(tao, tao_in, false);
        tou64(u64f64(alpha).saturating_mul(u64f64(1).saturating_sub(e)))
    }

    fn tao_out(&self, alpha: u64, tao: u64, alpha_in: u64) -> u64 {
        let e = self.exp_scaled(alpha, alpha_in, true);
        tou64(u64f64(tao).saturating_mul(u64f64(1).saturating_sub(e)))
    }

    fn tao_to_reach(&self, current: U64F64, target: U64F64, tao: u64) -> u64 {
        Balancer::delta_to_reach(target, current, self.base_weight(), tao)
    }

    fn alpha_to_reach(&self, current: U64F64, target: U64F64, alpha: u64) -> u64 {
        Balancer::delta_to_reach(current, target, self.quote, alpha)
    }

    fn add_liquidity(
        &mut self,
        alpha: u64,
        tao: u64,
        tao_delta: u64,
        alpha_delta: u64,
    ) -> Result<(), WeightOutOfRange> {
        let (x, y) = (u128::from(alpha), u128::from(tao));
        let new_x = x.saturating_add(u128::from(alpha_delta));
        let new_y = y.saturating_add(u128::from(tao_delta));
        let q1 = self.base_weight().mul_round(y.saturating_mul(new_x));
        let q2 = self.quote.mul_round(x.saturating_mul(new_y));
        let sum = q1.saturating_add(q2);
        let w2 = if sum != 0 { Perquintill::from_rational(q2, sum) } else { Perquintill::from_rational(1, 2) };
        *self = Balancer::new(w2)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_stay_in_range() {
        assert!(Balancer::new(Perquintill::from_parts(ACCURACY / 100)).is_ok());
        assert_eq!(Balancer::new(Perquintill::from_parts(ACCURACY / 100 - 1)), Err(WeightOutOfRange));
        assert_eq!(Balancer::new(Perquintill::from_parts(ACCURACY - ACCURACY / 100 + 1)), Err(WeightOutOfRange));
        assert_eq!(Balancer::default().quote_weight().parts(), ACCURACY / 2);
    }

    #[test]
    fn price_is_the_weighted_reserve_ratio() {
        let b = Balancer::default();
        assert_eq!(b.price(4_000_000_000, 1_000_000_000), U64F64::from_num(0.25));
        assert_eq!(b.price(0, 1_000), u64f64(0));
        let b = Balancer::new(Perquintill::from_parts(ACCURACY / 4)).unwrap();
        // (0.75/0.25)·(1/1) = 3
        assert_eq!(b.price(10, 10), u64f64(3));
    }

    /// Spec §8 vector 4 (`test_adjust_protocol_liquidity_happy`, derived values).
    #[test]
    fn test_adjust_protocol_liquidity_happy() {
        let (y, x) = (1_000_000_000_000u64, 4_000_000_000_000u64);
        let mut b = Balancer::default();
        b.add_liquidity(x, y, 1_000_000, 1_000_000).unwrap();
        assert_eq!(b.quote_weight().parts(), 500_000_187_499_882_812);
        let before = Balancer::default().price(x, y).to_num::<f64>();
        let after = b.price(x + 1_000_000, y + 1_000_000).to_num::<f64>();
        assert!((before - after).abs() < 1e-9, "{before} {after}");

        let mut b = Balancer::default();
        b.add_liquidity(x, y, 1_000_000_000, 0).unwrap();
        assert_eq!(b.quote_weight().parts(), 500_249_875_062_468_765);
    }

    #[test]
    fn an_injection_that_would_push_a_weight_out_of_range_is_refused() {
        let mut b = Balancer::default();
        assert_eq!(b.add_liquidity(1_000, 1_000, 1_000_000_000, 0), Err(WeightOutOfRange));
        assert_eq!(b, Balancer::default());
        // Empty reserves: back to ½.
        let mut b = Balancer::new(Perquintill::from_parts(ACCURACY / 3)).unwrap();
        b.add_liquidity(0, 0, 0, 0).unwrap();
        assert_eq!(b, Balancer::default());
    }

    /// `test_convert_deltas`: buys and sells on the integer path against the closed form in f64,
    /// within 2 rao, over reserves, weights (½ ± 10⁻⁸, 0.1, 0.9) and inputs up to `u64::MAX`.
    #[test]
    fn test_convert_deltas() {
        let reserves = [(1_500u64, 1_000u64), (1, 1_000_000), (1_000_000, 1)];
        let weights = [0.5, 0.500_000_01, 0.499_999_99, 0.1, 0.9];
        let inputs = [1u64, 10_000, 1_000_000, u64::MAX];
        for w_quote in weights {
            let accuracy = 1_000_000_000f64;
            let b = Balancer::new(Perquintill::from_rational((w_quote * accuracy) as u128, accuracy as u128)).unwrap();
            for (tao, alpha) in reserves {
                for delta in inputs {
                    let (y, x, d) = (tao as f64, alpha as f64, delta as f64);
                    let expected_sell = y * (1. - (x / (x + d)).powf((1. - w_quote) / w_quote));
                    let expected_buy = x * (1. - (y / (y + d)).powf(w_quote / (1. - w_quote)));
                    let case = format!("tao {tao} alpha {alpha} w {w_quote} delta {delta}");
                    let sell = b.tao_out(alpha, tao, delta);
                    assert!(sell.abs_diff(expected_sell as u64) <= 2, "sell {case}: {sell} vs {expected_sell}");
                    let buy = b.alpha_out(alpha, tao, delta);
                    assert!(buy.abs_diff(expected_buy as u64) <= 2, "buy {case}: {buy} vs {expected_buy}");
                }
            }
        }
    }

    /// `test_adjust_protocol_liquidity_zero_alpha`: from a broken pool (10¹² rao of TAO, no alpha, price 0)
    /// an injection leaves the weights at ½ and, once there is alpha, the price is TAO / alpha.
    #[test]
    fn test_adjust_protocol_liquidity_zero_alpha() {
        let deltas: &[(u64, u64)] = &[
            (0, 0),
            (0, 1),
            (1, 0),
            (1, 1),
            (0, 10),
            (10, 0),
            (10, 10),
            (0, 100),
            (100, 0),
            (100, 100),
            (0, 1_000),
            (1_000, 0),
            (1_000, 1_000),
            (1_000_000, 0),
            (0, 1_000_000),
            (1_000_000, 1_000_000),
            (1_000_000_000, 0),
            (0, 1_000_000_000),
            (1_000_000_000, 1_000_000_000),
            (1_000_000_000_000, 0),
            (0, 1_000_000_000_000),
            (1_000_000_000_000, 1_000_000_000_000),
            (1, 2),
            (2, 1),
            (10, 20),
            (20, 10),
            (100, 200),
            (200, 100),
            (1_000, 2_000),
            (2_000, 1_000),
            (1_000_000, 2_000_000),
            (2_000_000, 1_000_000),
            (1_000_000_000, 2_000_000_000),
            (2_000_000_000, 1_000_000_000),
            (1_000_000_000_000, 2_000_000_000_000),
            (2_000_000_000_000, 1_000_000_000_000),
            (1_234_567, 2_432_765),
            (1_234_567, 2_432_765_890),
        ];
        let (tao, alpha) = (1_000_000_000_000u64, 0u64);
        for &(tao_delta, alpha_delta) in deltas {
            let mut b = Balancer::default();
            assert_eq!(b.price(alpha, tao), u64f64(0));
            // A refused weight change keeps the weights, as the reference's does.
            let _ = b.add_liquidity(alpha, tao, tao_delta, alpha_delta);
            assert_eq!(b.quote_weight(), Perquintill::from_rational(1, 2), "({tao_delta}, {alpha_delta})");
            let (new_tao, new_alpha) = (tao + tao_delta, alpha + alpha_delta);
            let price = b.price(new_alpha, new_tao);
            if new_alpha == 0 {
                assert_eq!(price, u64f64(0));
            } else {
                let expected = new_tao as f64 / new_alpha as f64;
                // The reference's epsilon is the old price / 10¹², which is 0: equal in f64.
                assert_eq!(price.to_num::<f64>(), expected, "({tao_delta}, {alpha_delta})");
            }
        }
    }
}
