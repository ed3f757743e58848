//! A subnet's pool at birth and at death (spec `dtao.md` §6.2, §6.4): the new pool is seeded
//! with the whole lock at the median price of the existing subnets, and a dissolved subnet's
//! TAO is paid out to its stakers at the pool's average TAO per alpha, the rounding remainder
//! going one rao at a time to the largest remainders.

use crate::fixed::{SafeDiv, U64F64, tou64, u64f64};
use crate::swap::Pool;

/// The median spot price of the subnets given (those with a price above 0), averaging the middle
/// pair when their number is even; 1 when there are none.
pub fn median_price(prices: &[U64F64]) -> U64F64 {
    let mut positive: Vec<U64F64> = prices.iter().copied().filter(|p| *p > u64f64(0)).collect();
    if positive.is_empty() {
        return u64f64(1);
    }
    positive.sort();
    let (lower, upper) = ((positive.len() - 1) / 2, positive.len() / 2);
    if lower == upper { positive[upper] } else { positive[lower].saturating_add(positive[upper]).safe_div(u64f64(2)) }
}

/// The pool of a subnet registered with `lock` TAO: `max(lock, min_lock)` TAO against
/// `⌊tao/median⌋` alpha, weights ½ (so it starts at the median price), nothing outside it.
pub fn seed_pool(lock: u64, min_lock: u64, median: U64F64) -> Pool {
    let tao = lock.max(min_lock);
    let alpha = tou64(u64f64(tao).safe_div(median).saturating_floor());
    Pool::dynamic(tao, alpha)
}

/// How a dissolved subnet's TAO `pot` is shared: each staker in proportion to its alpha value,
/// the protocol (pool alpha plus protocol-bought alpha) likewise. Shares are floored, then the
/// leftover rao go one each to the largest remainders (ties: in the order given, stakers before the
/// protocol). Returns each staker's TAO in the order given and the protocol's.
pub fn dissolve_shares<K: Clone>(pot: u64, stakers: &[(K, u64)], protocol_alpha: u64) -> (Vec<(K, u64)>, u64) {
    let total: u128 = stakers.iter().map(|(_, v)| u128::from(*v)).sum::<u128>() + u128::from(protocol_alpha);
    if pot == 0 || total == 0 {
        return (stakers.iter().map(|(k, _)| (k.clone(), 0)).collect(), 0);
    }
    let pot128 = u128::from(pot);
    // (share, remainder) for each staker, then the protocol last.
    let mut portions: Vec<(u64, u128)> = stakers
        .iter()
        .map(|(_, v)| u128::from(*v))
        .chain((protocol_alpha > 0).then_some(u128::from(protocol_alpha)))
        .map(|v| {
            let product = pot128.saturating_mul(v);
            (u64::try_from(product / total).unwrap_or(u64::MAX), product % total)
        })
        .collect();
    let distributed: u128 = portions.iter().map(|(s, _)| u128::from(*s)).sum();
    let leftover = pot128.saturating_sub(distributed);
    if leftover > 0 {
        let mut order: Vec<usize> = (0..portions.len()).collect();
        // Stable: equal remainders keep their order.
        order.sort_by(|a, b| portions[*b].1.cmp(&portions[*a].1));
        for &i in order.iter().take(usize::try_from(leftover).unwrap_or(usize::MAX)) {
            portions[i].0 = portions[i].0.saturating_add(1);
        }
    }
    let protocol = if protocol_alpha > 0 { portions.last().map_or(0, |p| p.0) } else { 0 };
    let paid = stakers.iter().zip(&portions).map(|((k, _), (s, _))| (k.clone(), *s)).collect();
    (paid, protocol)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `register_network_seeds_new_subnet_from_even_median_snapshot` (§8 vector 20): prices
    /// {5, 2} give a median of 3.5, and the pool holds ⌊pool_tao/3.5⌋ alpha and none outside.
    #[test]
    fn register_network_seeds_new_subnet_from_even_median_snapshot() {
        let median = median_price(&[u64f64(5), u64f64(2)]);
        assert_eq!(median, U64F64::from_num(3.5));
        let pool = seed_pool(1_000_000_000_000, 100_000_000_000, median);
        assert_eq!(pool.tao, 1_000_000_000_000);
        assert_eq!(pool.alpha_in, 285_714_285_714);
        assert_eq!(pool.alpha_out, 0);
        assert!((pool.price().to_num::<f64>() - 3.5).abs() < 1e-9);
        // Under the minimum lock the pool still gets the minimum.
        assert_eq!(seed_pool(5, 100_000_000_000, median).tao, 100_000_000_000);
    }

    #[test]
    fn the_median_skips_unpriced_subnets_and_defaults_to_one() {
        assert_eq!(median_price(&[]), u64f64(1));
        assert_eq!(median_price(&[u64f64(0)]), u64f64(1));
        assert_eq!(median_price(&[u64f64(3), u64f64(0), u64f64(1), u64f64(2)]), u64f64(2));
        assert_eq!(median_price(&[u64f64(4), u64f64(4), u64f64(1), u64f64(1)]), U64F64::from_num(2.5));
    }

    /// `dissolve_rounding_remainder_distribution` (§8 vector 20): values 3 and 2, a pot of 1 rao:
    /// the rao goes to the holder of 3.
    #[test]
    fn dissolve_rounding_remainder_distribution() {
        let (paid, protocol) = dissolve_shares(1, &[("a", 3), ("b", 2)], 0);
        assert_eq!(paid, vec![("a", 1), ("b", 0)]);
        assert_eq!(protocol, 0);
    }

    #[test]
    fn dissolve_pays_the_whole_pot_at_the_average_price() {
        let (paid, protocol) = dissolve_shares(1_000, &[(1, 100), (2, 200), (3, 300)], 400);
        assert_eq!(paid, vec![(1, 100), (2, 200), (3, 300)]);
        assert_eq!(protocol, 400);
        let (paid, protocol) = dissolve_shares(10, &[(1, 1), (2, 1), (3, 1)], 0);
        assert_eq!(paid.iter().map(|p| p.1).sum::<u64>() + protocol, 10);
        assert_eq!(paid, vec![(1, 4), (2, 3), (3, 3)]);
        assert_eq!(dissolve_shares::<u8>(0, &[(1, 5)], 5), (vec![(1, 0)], 0));
    }
}
