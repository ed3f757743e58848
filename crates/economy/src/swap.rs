//! A subnet's pool and one swap through it (spec `dtao.md` §2.3–2.4): the fee, the 1000× input
//! cap, the minimum reserve, the lazy ½ initialisation, the price limit and a swap that stops at
//! it, and the reserve bookkeeping a committed swap does.
//!
//! [`Pool::quote`] changes nothing (the reference's `sim_swap`); [`Pool::swap`] commits. Fees go
//! to the block author: the caller pays [`SwapResult::fee_to_author`] out.

use crate::balancer::{Balancer, Curve};
use crate::fixed::{SafeDiv, U64F64, tou64, u64f64};

/// The input may be at most this many times the reserve it goes into.
pub const MAX_INPUT_RESERVE_MULTIPLIER: u64 = 1_000;
/// "No limit" for a sell: 1,000 rao per alpha.
pub const MIN_PRICE_RAO: u64 = 1_000;
/// "No limit" for a buy: 10¹⁵ rao per alpha.
pub const MAX_PRICE_RAO: u64 = 1_000_000_000_000_000;
/// The reference's default fee rate, parts of 65,535 (≈ 0.05 %).
pub const DEFAULT_FEE_RATE: u16 = 33;
/// The reference's default minimum reserve (rao).
pub const DEFAULT_MINIMUM_RESERVE: u64 = 1_000_000;

/// Which way a swap goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Pay TAO, get alpha (staking).
    TaoForAlpha,
    /// Pay alpha, get TAO (unstaking).
    AlphaForTao,
}

/// How the subnet prices alpha.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    /// Price ≡ 1, swaps 1:1 without fees (root).
    Stable,
    /// The weighted pool.
    Dynamic,
}

/// What a swap did. `paid_in` is net of the fee; the caller refunds `amount − paid_in − fee`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SwapResult {
    /// Input that went into the pool.
    pub paid_in: u64,
    /// Output that came out.
    pub paid_out: u64,
    /// Fee charged, in the input token.
    pub fee: u64,
    /// Of which to the block author (0 when nothing was swapped).
    pub fee_to_author: u64,
}

/// Why a swap was refused, by the reference's error names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SwapError {
    /// The input (net of the fee) is over 1000× the reserve it goes into.
    #[error("SwapInputTooLarge: the input is over 1000 times the pool's reserve")]
    SwapInputTooLarge,
    /// The output reserve is under the minimum, or the swap would pay out nothing.
    #[error("ReservesTooLow: the pool's reserves are too low for this swap")]
    ReservesTooLow,
    /// The limit is not beyond the spot price.
    #[error("PriceLimitExceeded: the limit price is already reached")]
    PriceLimitExceeded,
    /// The pool cannot pay the output.
    #[error("InsufficientLiquidity: the pool cannot pay this out")]
    InsufficientLiquidity,
}

/// A subnet's pool: its reserves, alpha outside it, curve and fee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    /// How alpha is priced.
    pub mechanism: Mechanism,
    /// TAO in the pool (`SubnetTAO`).
    pub tao: u64,
    /// Alpha in the pool (`SubnetAlphaIn`).
    pub alpha_in: u64,
    /// Alpha outside the pool (`SubnetAlphaOut`): stakes, pending emission, protocol alpha.
    pub alpha_out: u64,
    /// The curve's weights.
    pub curve: Balancer,
    /// Whether the weights were set (by the first swap, at ½, or a seeded price).
    pub initialized: bool,
    /// Fee, parts of 65,535.
    pub fee_rate: u16,
    /// TAO volume: gross TAO of buys plus TAO out of sells (`SubnetVolume`).
    pub volume: u128,
}

impl Pool {
    /// A dynamic pool with these reserves, default weights and fee, not yet initialised.
    pub fn dynamic(tao: u64, alpha_in: u64) -> Pool {
        Pool {
            mechanism: Mechanism::Dynamic,
            tao,
            alpha_in,
            alpha_out: 0,
            curve: Balancer::default(),
            initialized: false,
            fee_rate: DEFAULT_FEE_RATE,
            volume: 0,
        }
    }

    /// Spot price in TAO per alpha (1 for a stable pool, 0 with no alpha in the pool).
    pub fn price(&self) -> U64F64 {
        match self.mechanism {
            Mechanism::Stable => u64f64(1),
            Mechanism::Dynamic if self.alpha_in == 0 => u64f64(0),
            Mechanism::Dynamic => self.curve.price(self.alpha_in, self.tao),
        }
    }

    /// Spot price in rao per alpha, floored (what the APIs report).
    pub fn price_rao(&self) -> u64 {
        tou64(self.price().saturating_mul(u64f64(1_000_000_000)))
    }

    /// The fee on `amount` (0 for a stable pool or with `drop_fees`).
    pub fn fee_on(&self, amount: u64, drop_fees: bool) -> u64 {
        if drop_fees || self.mechanism == Mechanism::Stable {
            return 0;
        }
        let rate = u64f64(u64::from(self.fee_rate)).safe_div(u64f64(u64::from(u16::MAX)));
        tou64(u64f64(amount).saturating_mul(rate))
    }

    /// What swapping `amount` would do, without doing it. `limit_rao` is in rao per alpha: the
    /// highest price a buy may reach or the lowest a sell may reach.
    pub fn quote(
        &self,
        direction: Direction,
        amount: u64,
        limit_rao: u64,
        drop_fees: bool,
        minimum_reserve: u64,
    ) -> Result<SwapResult, SwapError> {
        self.clone().execute(direction, amount, limit_rao, drop_fees, minimum_reserve)
    }

    /// Swaps `amount` through the pool and books it: reserves, alpha outside the pool, volume.
    /// On an error nothing changes.
    pub fn swap(
        &mut self,
        direction: Direction,
        amount: u64,
        limit_rao: u64,
        drop_fees: bool,
        minimum_reserve: u64,
    ) -> Result<SwapResult, SwapError> {
        let mut next = self.clone();
        let result = next.execute(direction, amount, limit_rao, drop_fees, minimum_reserve)?;
        match direction {
            Direction::TaoForAlpha => {
                if next.mechanism == Mechanism::Dynamic && next.alpha_in < result.paid_out {
                    return Err(SwapError::InsufficientLiquidity);
                }
                next.alpha_in = next.alpha_in.saturating_sub(result.paid_out);
                next.alpha_out = next.alpha_out.saturating_add(result.paid_out);
                next.tao = next.tao.saturating_add(result.paid_in);
                next.volume = next.volume.saturating_add(u128::from(amount));
            }
            Direction::AlphaForTao => {
                if next.mechanism == Mechanism::Dynamic && next.tao < result.paid_out {
                    return Err(SwapError::InsufficientLiquidity);
                }
                next.tao = next.tao.saturating_sub(result.paid_out);
                next.alpha_in = next.alpha_in.saturating_add(result.paid_in);
                next.alpha_out = next.alpha_out.saturating_sub(result.paid_in);
                next.volume = next.volume.saturating_add(u128::from(result.paid_out));
            }
        }
        *self = next;
        Ok(result)
    }

    /// The swap itself on `self` (only the lazy initialisation changes it).
    fn execute(
        &mut self,
        direction: Direction,
        amount: u64,
        limit_rao: u64,
        drop_fees: bool,
        minimum_reserve: u64,
    ) -> Result<SwapResult, SwapError> {
        if self.mechanism == Mechanism::Stable {
            return Ok(SwapResult { paid_in: amount, paid_out: amount, fee: 0, fee_to_author: 0 });
        }
        let (reserve_in, reserve_out) = match direction {
            Direction::TaoForAlpha => (self.tao, self.alpha_in),
            Direction::AlphaForTao => (self.alpha_in, self.tao),
        };
        let fee0 = self.fee_on(amount, drop_fees);
        if amount.saturating_sub(fee0) > reserve_in.saturating_mul(MAX_INPUT_RESERVE_MULTIPLIER) {
            return Err(SwapError::SwapInputTooLarge);
        }
        if reserve_out < minimum_reserve {
            return Err(SwapError::ReservesTooLow);
        }
        if !self.initialized {
            self.curve = Balancer::default();
            self.initialized = true;
        }
        let limit = u64f64(limit_rao).safe_div(u64f64(1_000_000_000));
        let current = self.price();
        let beyond = match direction {
            Direction::TaoForAlpha => current < limit,
            Direction::AlphaForTao => current > limit,
        };
        if !beyond {
            return Err(SwapError::PriceLimitExceeded);
        }

        let requested = amount.saturating_sub(fee0);
        let (x, y) = (self.alpha_in, self.tao);
        // The price after swapping all of it, against the limit.
        let within = match direction {
            Direction::TaoForAlpha => {
                let dx = self.curve.alpha_out(x, y, requested);
                self.curve.price(x.saturating_sub(dx), y.saturating_add(requested)) <= limit
            }
            Direction::AlphaForTao => {
                let dy = self.curve.tao_out(x, y, requested);
                self.curve.price(x.saturating_add(requested), y.saturating_sub(dy)) >= limit
            }
        };
        let (delta_in, fee) = if within {
            (requested, fee0)
        } else {
            let delta_in = match direction {
                Direction::TaoForAlpha => self.curve.tao_to_reach(current, limit, y),
                Direction::AlphaForTao => self.curve.alpha_to_reach(current, limit, x),
            };
            let rate = if drop_fees { u64f64(0) } else { u64f64(u64::from(self.fee_rate)) };
            let factor = rate.safe_div(u64f64(u64::from(u16::MAX)).saturating_sub(rate));
            (delta_in, tou64(u64f64(delta_in).saturating_mul(factor)))
        };
        let delta_out = match direction {
            Direction::TaoForAlpha => self.curve.alpha_out(x, y, delta_in),
            Direction::AlphaForTao => self.curve.tao_out(x, y, delta_in),
        };
        let mut fee_to_author = 0;
        if delta_in != 0 {
            if delta_out == 0 {
                return Err(SwapError::ReservesTooLow);
            }
            fee_to_author = fee;
        }
        Ok(SwapResult { paid_in: delta_in, paid_out: delta_out, fee, fee_to_author })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spec §8 vector 2 (`test_swap_basic`, values derived from the integer path).
    #[test]
    fn test_swap_basic() {
        let pool = Pool::dynamic(1_000_000_000, 4_000_000_000);
        let buy = |amount| pool.quote(Direction::TaoForAlpha, amount, MAX_PRICE_RAO, false, 100).unwrap();
        let sell = |amount| pool.quote(Direction::AlphaForTao, amount, MIN_PRICE_RAO, false, 100).unwrap();
        let t = |r: SwapResult| (r.paid_in, r.paid_out, r.fee);
        assert_eq!(t(buy(1_000)), (1_000, 3_999, 0));
        assert_eq!(t(buy(123_456)), (123_394, 493_515, 62));
        assert_eq!(t(buy(1_000_000_000)), (999_496_453, 1_999_496_326, 503_547));
        assert_eq!(t(sell(1_000)), (1_000, 249, 0));
        assert_eq!(t(sell(123_456)), (123_394, 30_847, 62));
    }

    /// `test_swap_initialization`: a pool of 1 TAO against 4 alpha whose weights were never
    /// initialised (here left at ⅓ by an older state) is set to ½ / ½ by its first swap, which
    /// then trades at price 0.25.
    #[test]
    fn test_swap_initialization() {
        let third = Balancer::new(crate::fixed::Perquintill::from_rational(1, 3)).unwrap();
        let mut pool = Pool { curve: third, ..Pool::dynamic(1_000_000_000, 4_000_000_000) };
        assert!(!pool.initialized);
        pool.swap(Direction::TaoForAlpha, 1, MAX_PRICE_RAO, false, 100).unwrap();
        assert!(pool.initialized);
        assert_eq!(pool.curve.quote_weight(), crate::fixed::Perquintill::from_rational(1, 2));
        assert!((pool.price().to_num::<f64>() - 0.25).abs() <= 1e-9, "{}", pool.price());
    }

    /// `test_swap_precision_edge_case`: selling 999.5× the alpha reserve of a tiny pool at the
    /// lowest limit still pays out some TAO (the integer path does not round it to nothing).
    #[test]
    fn test_swap_precision_edge_case() {
        for (tao, alpha, amount) in [(1_000u64, 1_000u64, 999_500u64), (1_000_000, 1_000_000, 999_500_000)] {
            let r = Pool::dynamic(tao, alpha).quote(Direction::AlphaForTao, amount, MIN_PRICE_RAO, false, 100).unwrap();
            assert!(r.paid_out > 0, "({tao}, {alpha}, {amount})");
        }
    }

    fn reserves_1000() -> Pool {
        Pool::dynamic(1_000, 1_000)
    }

    /// Spec §8 vector 3: with fees dropped, 1,000,001 rao into a 1,000-rao reserve is refused.
    #[test]
    fn test_swap_rejects_input_over_1000x_input_reserve() {
        let r = reserves_1000().quote(Direction::TaoForAlpha, 1_000_001, MAX_PRICE_RAO, true, 100);
        assert_eq!(r, Err(SwapError::SwapInputTooLarge));
    }

    /// Spec §8 vector 3: exactly 1,000 × the reserve is allowed.
    #[test]
    fn test_swap_allows_input_at_1000x_input_reserve() {
        assert!(reserves_1000().quote(Direction::TaoForAlpha, 1_000_000, MAX_PRICE_RAO, true, 100).is_ok());
    }

    /// Spec §8 vector 3: a quote with the fee counts the fee against the cap too.
    #[test]
    fn test_sim_swap_rejects_input_over_1000x_input_reserve() {
        let r = reserves_1000().quote(Direction::TaoForAlpha, 1_001_000, MAX_PRICE_RAO, false, 100);
        assert_eq!(r, Err(SwapError::SwapInputTooLarge));
    }

    #[test]
    fn a_limit_at_or_behind_spot_is_refused_and_a_near_one_stops_the_swap() {
        let pool = Pool::dynamic(1_000_000_000_000, 1_000_000_000_000);
        assert_eq!(pool.price_rao(), 1_000_000_000);
        let buy = |amount, limit| pool.quote(Direction::TaoForAlpha, amount, limit, false, 100);
        assert_eq!(buy(1_000, 1_000_000_000), Err(SwapError::PriceLimitExceeded));
        // A buy of 10% of the pool stopped at +1%: about 0.5% of the pool is paid in.
        let r = buy(100_000_000_000, 1_010_000_000).unwrap();
        assert!(r.paid_in > 4_900_000_000 && r.paid_in < 5_100_000_000, "{r:?}");
        let mut after = pool.clone();
        after.swap(Direction::TaoForAlpha, r.paid_in + r.fee, MAX_PRICE_RAO, false, 100).unwrap();
        assert!(after.price_rao() <= 1_010_000_000 + 10, "{}", after.price_rao());
    }

    #[test]
    fn a_committed_swap_books_the_reserves_and_an_error_changes_nothing() {
        let mut pool = Pool::dynamic(1_000_000_000, 4_000_000_000);
        let r = pool.swap(Direction::TaoForAlpha, 123_456, MAX_PRICE_RAO, false, 100).unwrap();
        assert_eq!(pool.tao, 1_000_000_000 + r.paid_in);
        assert_eq!(pool.alpha_in, 4_000_000_000 - r.paid_out);
        assert_eq!(pool.alpha_out, r.paid_out);
        assert_eq!(pool.volume, 123_456);
        assert!(pool.initialized);
        let before = pool.clone();
        assert_eq!(
            pool.swap(Direction::AlphaForTao, 10, MIN_PRICE_RAO, false, 2_000_000_000),
            Err(SwapError::ReservesTooLow)
        );
        assert_eq!(pool, before);
    }

    #[test]
    fn a_stable_pool_swaps_one_for_one_without_fees() {
        let mut pool = Pool { mechanism: Mechanism::Stable, ..Pool::dynamic(0, 0) };
        assert_eq!(pool.price(), u64f64(1));
        let r = pool.swap(Direction::TaoForAlpha, 5_000, MAX_PRICE_RAO, false, 1_000_000).unwrap();
        assert_eq!((r.paid_in, r.paid_out, r.fee), (5_000, 5_000, 0));
    }
}
