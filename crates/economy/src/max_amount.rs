//! How much a limit order may take before the price reaches its limit (spec `dtao.md` §3.4):
//! `add_stake_limit`, `remove_stake_limit` and `swap_stake_limit` stake, unstake or move at
//! most this much (all of it with `allow_partial`, or nothing when the amount is over it).
//!
//! Add and remove simulate the largest swap the pool accepts (1000× its input reserve) at the
//! limit and take what it would pay in plus its fee. Move is the reference's constant-product
//! algebra over both pools, without weights or fees, as the reference has it (spec §11.6).

use crate::fixed::{SafeDiv, U64F64, tou64, u64f64};
use crate::swap::{Direction, MAX_INPUT_RESERVE_MULTIPLIER, Mechanism, Pool, SwapError};

/// 1 TAO per alpha, in rao.
const ONE_RAO_PRICE: u64 = 1_000_000_000;

/// The most TAO an `add_stake_limit` at `limit_rao` (rao per alpha) may stake into `pool`.
pub fn max_tao_in(pool: &Pool, limit_rao: u64, minimum_reserve: u64) -> Result<u64, SwapError> {
    if pool.mechanism == Mechanism::Stable {
        return Ok(if limit_rao >= ONE_RAO_PRICE { u64::MAX } else { 0 });
    }
    let largest = pool.tao.saturating_mul(MAX_INPUT_RESERVE_MULTIPLIER);
    let r = pool.quote(Direction::TaoForAlpha, largest, limit_rao, false, minimum_reserve)?;
    Ok(r.paid_in.saturating_add(r.fee))
}

/// The most alpha a `remove_stake_limit` at `limit_rao` may unstake from `pool`.
pub fn max_alpha_in(pool: &Pool, limit_rao: u64, minimum_reserve: u64) -> Result<u64, SwapError> {
    if pool.mechanism == Mechanism::Stable {
        return Ok(if limit_rao <= ONE_RAO_PRICE { u64::MAX } else { 0 });
    }
    let largest = pool.alpha_in.saturating_mul(MAX_INPUT_RESERVE_MULTIPLIER);
    let r = pool.quote(Direction::AlphaForTao, largest, limit_rao, false, minimum_reserve)?;
    Ok(r.paid_in.saturating_add(r.fee))
}

/// The most alpha a `swap_stake_limit` from `origin` to `destination` may move while the
/// origin's price in the destination's alpha stays at least `limit_rao / 10⁹`.
pub fn max_alpha_moved(
    origin: &Pool,
    destination: &Pool,
    limit_rao: u64,
    minimum_reserve: u64,
) -> Result<u64, SwapError> {
    let tao = u64f64(ONE_RAO_PRICE);
    match (origin.mechanism, destination.mechanism) {
        (Mechanism::Stable, Mechanism::Stable) => return Ok(if limit_rao > ONE_RAO_PRICE { 0 } else { u64::MAX }),
        (Mechanism::Stable, Mechanism::Dynamic) => {
            if limit_rao == 0 {
                return Ok(u64::MAX);
            }
            let price = tou64(tao.safe_div(u64f64(limit_rao)).saturating_mul(tao));
            return max_tao_in(destination, price, minimum_reserve);
        }
        (Mechanism::Dynamic, Mechanism::Stable) => return max_alpha_in(origin, limit_rao, minimum_reserve),
        (Mechanism::Dynamic, Mechanism::Dynamic) => {}
    }
    if origin.tao == 0 || destination.tao == 0 || origin.alpha_in == 0 || destination.alpha_in == 0 {
        return Ok(0);
    }
    let (t1, t2) = (u64f64(origin.tao), u64f64(destination.tao));
    let (a1, a2) = (u64f64(origin.alpha_in), u64f64(destination.alpha_in));
    let limit = u64f64(limit_rao).checked_div(tao).unwrap_or(u64f64(0));
    let current: U64F64 = origin.price().safe_div(destination.price());
    if limit > current {
        return Ok(0);
    }
    if limit_rao == 0 {
        return Ok(u64::MAX);
    }
    let sum = t2.saturating_add(t1);
    let (t1_share, t2_share) = (t1.safe_div(sum), t2.safe_div(sum));
    Ok(tou64(a2.saturating_mul(t1_share).safe_div(limit).saturating_sub(a1.saturating_mul(t2_share))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's mock: `MinimumReserve` 100.
    const MIN_RESERVE: u64 = 100;

    fn pool(tao: u64, alpha: u64) -> Pool {
        Pool::dynamic(tao, alpha)
    }

    fn near(actual: u64, expected: u64, epsilon: u64, case: &str) {
        assert!(actual.abs_diff(expected) <= epsilon, "{case}: {actual} vs {expected} (±{epsilon})");
    }

    /// `test_max_amount_add_dynamic` (tests/staking.rs), its table and epsilon (v/10⁴), plus the
    /// spec's values derived from the integer path (§8 vector 6), which hold exactly.
    #[test]
    fn test_max_amount_add_dynamic() {
        use SwapError::PriceLimitExceeded as Limit;
        let cases: &[(u64, u64, u64, Result<u64, SwapError>)] = &[
            (1_000_000_000, 1_000_000_000, 0, Err(Limit)),
            (100, 100, 1_100_000_000, Ok(4)),
            (1_000, 1_000, 1_100_000_000, Ok(48)),
            (10_000, 10_000, 1_100_000_000, Ok(488)),
            (1_000_000, 1_000_000, 4_000_000_000, Ok(1_000_500)),
            (1_000_000, 1_000_000, 9_000_000_000, Ok(2_001_000)),
            (1_000_000, 1_000_000, 16_000_000_000, Ok(3_001_500)),
            (1_000_000_000_000, 1_000_000_000_000, 16_000_000_000, Ok(3_001_500_000_000)),
            (150_000_000_000, 100_000_000_000, 0, Err(Limit)),
            (150_000_000_000, 100_000_000_000, 100_000_000, Err(Limit)),
            (150_000_000_000, 100_000_000_000, 500_000_000, Err(Limit)),
            (150_000_000_000, 100_000_000_000, 1_499_999_999, Err(Limit)),
            (150_000_000_000, 100_000_000_000, 1_500_000_000, Err(Limit)),
            (150_000_000_000, 100_000_000_000, 1_500_000_001, Ok(49)),
            (150_000_000_000, 100_000_000_000, 6_000_000_000, Ok(150_075_000_000)),
            (u64::MAX / 2, u64::MAX, u64::MAX, Ok(u64::MAX)),
        ];
        for &(tao, alpha, limit, expected) in cases {
            let case = format!("({tao}, {alpha}, {limit})");
            let got = max_tao_in(&pool(tao, alpha), limit, MIN_RESERVE);
            match expected {
                Err(e) => assert_eq!(got, Err(e), "{case}"),
                Ok(v) => near(got.unwrap(), v, v / 10_000, &case),
            }
        }
        let exact = |tao, alpha, limit| max_tao_in(&pool(tao, alpha), limit, MIN_RESERVE).unwrap();
        assert_eq!(exact(100, 100, 1_100_000_000), 4);
        assert_eq!(exact(10_000, 10_000, 1_100_000_000), 488);
        assert_eq!(exact(1_000_000, 1_000_000, 4_000_000_000), 1_000_503);
        assert_eq!(exact(1_000_000, 1_000_000, 16_000_000_000), 3_001_511);
        assert_eq!(exact(150_000_000_000, 100_000_000_000, 1_500_000_001), 49);
        assert_eq!(exact(150_000_000_000, 100_000_000_000, 6_000_000_000), 150_075_570_211);
    }

    /// `test_max_amount_remove_dynamic`, its table and epsilon (v/100).
    #[test]
    fn test_max_amount_remove_dynamic() {
        use SwapError::{PriceLimitExceeded as Limit, ReservesTooLow as Low};
        let cases: &[(u64, u64, u64, Result<u64, SwapError>)] = &[
            (0, 1_000_000_000, 100, Err(Low)),
            (1_000_000_000, 0, 100, Err(Limit)),
            (10_000_000_000, 10_000_000_000, 0, Ok(10_000_000_000_000)),
            (1_000, 1_000, 0, Ok(1_000_000)),
            (1_001, 1_001, 0, Ok(1_001_000)),
            (1_001, 1_001, 1, Ok(1_001_000)),
            (1_001, 1_001, 2, Ok(1_001_000)),
            (1_001, 1_001, 1_001, Ok(1_001_000)),
            (1_001, 1_001, 10_000, Ok(17_472)),
            (1_001, 1_001, 100_000, Ok(17_472)),
            (1_001, 1_001, 1_000_000, Ok(17_472)),
            (1_001, 1_001, 10_000_000, Ok(9_013)),
            (1_001, 1_001, 100_000_000, Ok(2_165)),
            (1_000_000, 1_000_000, 250_000_000, Ok(1_010_000)),
            (1_000_000, 1_000_000, 62_500_000, Ok(3_030_000)),
            (1_000_000_000_000, 1_000_000_000_000, 62_500_000, Ok(3_030_000_000_000)),
            (200_000_000_000, 100_000_000_000, 0, Ok(100_000_000_000_000)),
            (200_000_000_000, 100_000_000_000, 500_000_000, Ok(101_000_000_000)),
            (200_000_000_000, 100_000_000_000, 125_000_000, Ok(303_000_000_000)),
            (200_000_000_000, 100_000_000_000, 2_000_000_000, Err(Limit)),
            (200_000_000_000, 100_000_000_000, 2_000_000_001, Err(Limit)),
            (200_000_000_000, 100_000_000_000, 1_999_999_999, Ok(24)),
            (200_000_000_000, 100_000_000_000, 1_999_999_990, Ok(250)),
            (21_000_000_000_000_000, 1_000_000, 21_000_000_000_000_000, Ok(17_455_533)),
            (21_000_000_000_000_000, 1_000_000, u64::MAX, Ok(67_000)),
            (21_000_000_000_000_000, 1_000_000_000_000_000_000, u64::MAX, Err(Limit)),
            (21_000_000_000_000_000, 1_000_000_000_000_000_000, 20_000_000, Ok(24_700_000_000_000_000)),
            (21_000_000_000_000_000, 21_000_000_000_000_000, 999_999_999, Ok(10_605_000)),
            (21_000_000_000_000_000, 21_000_000_000_000_000, 0, Ok(u64::MAX)),
        ];
        for &(tao, alpha, limit, expected) in cases {
            let case = format!("({tao}, {alpha}, {limit})");
            let got = max_alpha_in(&pool(tao, alpha), limit, MIN_RESERVE);
            match expected {
                Err(e) => assert_eq!(got, Err(e), "{case}"),
                Ok(v) => near(got.unwrap(), v, v / 100, &case),
            }
        }
    }

    /// `test_max_amount_move_dynamic_dynamic`: (t₁, α₁, t₂, α₂, limit, expected, precision).
    #[test]
    fn test_max_amount_move_dynamic_dynamic() {
        let cases: &[(u64, u64, u64, u64, u64, u64, u64)] = &[
            (0, 1_000_000_000, 1_000_000_000, 1_000_000_000, 100, 0, 1),
            (1_000_000_000, 0, 1_000_000_000, 1_000_000_000, 100, 0, 1),
            (1_000_000_000, 1_000_000_000, 0, 1_000_000_000, 100, 0, 1),
            (1_000_000_000, 1_000_000_000, 1_000_000_000, 0, 100, 0, 1),
            (1, 1, 1, 1, 0, u64::MAX, 1),
            (1, 1, 1, 1, 1, 500_000_000, 1),
            (1, 1, 1, 1, 2, 250_000_000, 1),
            (1, 1, 1, 1, 3, 166_666_666, 1),
            (1, 1, 1, 1, 4, 125_000_000, 1),
            (1, 1, 1, 1, 1_000, 500_000, 1),
            (1_000, 1_000, 1_000, 1_000, 500_000_000, 500, 1),
            (1_000, 1_000, 1_000, 1_000, 100_000_000, 4_500, 1),
            (
                150_000_000_000,
                100_000_000_000,
                100_000_000_000,
                100_000_000_000,
                100_000_000,
                560_000_000_000,
                1_000_000,
            ),
            (
                150_000_000_000,
                100_000_000_000,
                100_000_000_000,
                100_000_000_000,
                500_000_000,
                80_000_000_000,
                1_000_000,
            ),
            (
                150_000_000_000,
                100_000_000_000,
                100_000_000_000,
                100_000_000_000,
                750_000_000,
                40_000_000_000,
                1_000_000,
            ),
            (150_000_000_000, 100_000_000_000, 100_000_000_000, 100_000_000_000, 1_000_000_000, 20_000_000_000, 1_000),
            (150_000_000_000, 100_000_000_000, 100_000_000_000, 100_000_000_000, 1_250_000_000, 8_000_000_000, 1_000),
            (150_000_000_000, 100_000_000_000, 100_000_000_000, 100_000_000_000, 1_499_999_999, 27, 1),
            (150_000_000_000, 100_000_000_000, 100_000_000_000, 100_000_000_000, 1_500_000_000, 0, 1),
            (150_000_000_000, 100_000_000_000, 100_000_000_000, 100_000_000_000, 1_500_000_001, 0, 1),
            (150_000_000_000, 100_000_000_000, 100_000_000_000, 100_000_000_000, 1_500_001_000, 0, 1),
            (150_000_000_000, 100_000_000_000, 100_000_000_000, 100_000_000_000, 2_000_000_000, 0, 1),
            (150_000_000_000, 100_000_000_000, 100_000_000_000, 100_000_000_000, u64::MAX, 0, 1),
            (100_000_000_000, 200_000_000_000, 300_000_000_000, 400_000_000_000, 500_000_000, 50_000_000_000, 1_000),
            (1_000_000_000, 1_000_000_000, 1_000_000_000, 1_000_000_000, 1, 499_999_999_500_000_000, 100_000_000),
            (
                1_000_000,
                1_000_000,
                21_000_000_000_000_000,
                1_000_000_000_000_000_000,
                1,
                48_000_000_000_000_000,
                1_000_000_000_000_000,
            ),
            (150_000_000_000, 100_000_000_000, 100_000_000_000, 100_000_000_000, u64::MAX, 0, 1),
            (1_000_000, 1_000_000, 21_000_000_000_000_000, 1_000_000_000_000_000_000, u64::MAX, 0, 1),
        ];
        for &(t1, a1, t2, a2, limit, expected, precision) in cases {
            let case = format!("({t1}, {a1}, {t2}, {a2}, {limit})");
            let got = max_alpha_moved(&pool(t1, a1), &pool(t2, a2), limit, MIN_RESERVE).unwrap();
            near(got, expected, precision, &case);
        }
    }

    fn stable() -> Pool {
        Pool { mechanism: Mechanism::Stable, ..Pool::dynamic(0, 0) }
    }

    /// `test_max_amount_add_root` and `test_max_amount_add_stable`: a stable pool (root or a
    /// mechanism-0 subnet) takes everything at a limit of 1 TAO or more and nothing below.
    #[test]
    fn test_max_amount_add_root() {
        for (limit, expected) in
            [(0, 0), (999_999_999, 0), (1_000_000_000, u64::MAX), (1_000_000_001, u64::MAX), (2_000_000_000, u64::MAX)]
        {
            assert_eq!(max_tao_in(&stable(), limit, MIN_RESERVE), Ok(expected), "limit {limit}");
        }
    }

    #[test]
    fn test_max_amount_add_stable() {
        // Agora's root and a stable subnet share the one mechanism-0 rule.
        test_max_amount_add_root();
    }

    /// (limit, max) out of a stable pool: everything at a limit of 1 TAO or less, nothing above.
    const SELL_AT_MOST_ONE: [(u64, u64); 6] = [
        (0, u64::MAX),
        (500_000_000, u64::MAX),
        (999_999_999, u64::MAX),
        (1_000_000_000, u64::MAX),
        (1_000_000_001, 0),
        (2_000_000_000, 0),
    ];

    /// `test_max_amount_remove_root` and `test_max_amount_remove_stable`: everything at a limit
    /// of 1 TAO or less, nothing above.
    #[test]
    fn test_max_amount_remove_root() {
        for (limit, expected) in SELL_AT_MOST_ONE {
            assert_eq!(max_alpha_in(&stable(), limit, MIN_RESERVE), Ok(expected), "limit {limit}");
        }
    }

    #[test]
    fn test_max_amount_remove_stable() {
        test_max_amount_remove_root();
    }

    /// `test_max_amount_move_root_root` and `test_max_amount_move_root_stable`: between stable
    /// pools the exchange rate is 1, so the same all-or-nothing at 1.
    #[test]
    fn test_max_amount_move_root_root() {
        for (limit, expected) in SELL_AT_MOST_ONE {
            assert_eq!(max_alpha_moved(&stable(), &stable(), limit, MIN_RESERVE), Ok(expected), "limit {limit}");
        }
    }

    #[test]
    fn test_max_amount_move_root_stable() {
        test_max_amount_move_root_root();
    }

    /// `test_max_amount_move_stable_dynamic`: into a dynamic pool at price 0.5 the limit is the
    /// inverse price, so it mimics `add_stake_limit` at 1/limit.
    #[test]
    fn test_max_amount_move_stable_dynamic() {
        let tao_reserve = 50_000_000_000u64;
        let dynamic = pool(tao_reserve, 100_000_000_000);
        assert_eq!(dynamic.price(), u64f64(1) / u64f64(2));
        let max = |limit| max_alpha_moved(&stable(), &dynamic, limit, MIN_RESERVE);
        assert_eq!(max(0), Ok(u64::MAX));
        assert_eq!(max(2_000_000_000), Err(SwapError::PriceLimitExceeded));
        assert_eq!(max(3_000_000_000), Err(SwapError::PriceLimitExceeded));
        // Twice the price: the TAO reserve doubles, plus the fee.
        let expected = tao_reserve + (tao_reserve as f64 * 0.003) as u64;
        near(max(500_000_000).unwrap(), expected, tao_reserve / 100, "2x price");
        assert!(max(1_999_999_000).unwrap() > 0, "just under the spot price's inverse");
        for limit in [u64::MAX, u64::MAX - 1, u64::MAX / 2] {
            assert_eq!(max(limit), Err(SwapError::PriceLimitExceeded), "limit {limit}");
        }
    }

    /// `test_max_amount_move_dynamic_stable`: out of a dynamic pool at price 1.5 it mimics
    /// `remove_stake_limit`.
    #[test]
    fn test_max_amount_move_dynamic_stable() {
        let alpha_in = 100_000_000_000u64;
        let dynamic = pool(150_000_000_000, alpha_in);
        assert_eq!(dynamic.price(), u64f64(3) / u64f64(2));
        let max = |limit| max_alpha_moved(&dynamic, &stable(), limit, MIN_RESERVE);
        // Limit 0: capped at 1000x the input reserve.
        assert_eq!(max(0), Ok(alpha_in * 1_000));
        for limit in [1, 2, 3] {
            assert!(max(limit).unwrap() > 0, "limit {limit}");
        }
        assert_eq!(max(1_500_000_001), Err(SwapError::PriceLimitExceeded));
        // At the spot price: nothing (or dust), because any sale moves the price.
        near(max(1_500_000_000).unwrap_or(0), 0, 10_000, "spot");
        // A quarter of the price: the alpha reserve doubles, plus the 0.05 % fee.
        near(max(375_000_000).unwrap(), alpha_in + alpha_in / 2_000, alpha_in / 10_000, "1/4 price");
        assert!(max(1_499_999_999).unwrap() > 0, "just under spot");
        for limit in [u64::MAX, u64::MAX - 1, u64::MAX / 2] {
            assert!(max(limit).unwrap_or(0) < 21_000_000_000_000_000, "limit {limit}");
        }
    }
}
