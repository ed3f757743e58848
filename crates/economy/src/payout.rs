//! The epoch's payout in alpha (spec `dtao.md` §4.9): Yuma's dividends are weights that split
//! the validators' pot and the root pot; each validator's dividend divides between alpha stake
//! and root stake (counted at `TaoWeight`); the take goes to the validator's owner first and the
//! rest raises the hotkey's pool for its nominators (alpha) or its root stakers' claimable rate
//! (root). Childkeys are not modelled (Agora has none), so a hotkey keeps its whole dividend.

use std::collections::BTreeMap;

use crate::fixed::{SafeDiv, U96F32, tou64_96};

/// A validator's dividend weight and the stake it holds, for the split.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ValidatorDividend {
    /// Its dividend from the epoch (alpha, as a weight).
    pub dividend: U96F32,
    /// Alpha staked on it on the subnet (`TotalHotkeyAlpha[h][s]`).
    pub alpha_stake: u64,
    /// TAO staked on it on root (`TotalHotkeyAlpha[h][0]`).
    pub root_stake: u64,
}

/// The pot the validators share: the pending validator alpha, plus the miners' when no miner
/// earned incentive.
pub fn validator_pot(pending_server: u64, pending_validator: u64, incentive_sum: u64) -> u64 {
    if incentive_sum == 0 { pending_validator.saturating_add(pending_server) } else { pending_validator }
}

/// Splits `validator_pot` and `root_pot` among validators (`calculate_dividend_distribution`):
/// each dividend divides into a root part `d·τ·tw/(α + τ·tw)` and an alpha part; each pot is
/// then shared in proportion to those parts. Returns (alpha dividends, root dividends) per
/// validator; a pot whose parts sum to 0 is paid to nobody.
pub fn dividend_distribution<K: Ord + Clone>(
    validator_pot: u64,
    root_pot: u64,
    tao_weight: U96F32,
    dividends: &BTreeMap<K, ValidatorDividend>,
) -> (BTreeMap<K, U96F32>, BTreeMap<K, U96F32>) {
    let zero = U96F32::from_num(0);
    let mut alpha_parts = BTreeMap::new();
    let mut root_parts = BTreeMap::new();
    let (mut alpha_total, mut root_total) = (zero, zero);
    for (hotkey, d) in dividends {
        let root_alpha = U96F32::saturating_from_num(d.root_stake).saturating_mul(tao_weight);
        let total = U96F32::saturating_from_num(d.alpha_stake).saturating_add(root_alpha);
        let root_prop = root_alpha.checked_div(total).unwrap_or(zero);
        let root_part = d.dividend.saturating_mul(root_prop);
        let alpha_part = d.dividend.saturating_sub(root_part);
        alpha_total = alpha_total.saturating_add(alpha_part);
        root_total = root_total.saturating_add(root_part);
        alpha_parts.insert(hotkey.clone(), alpha_part);
        root_parts.insert(hotkey.clone(), root_part);
    }
    let share = |parts: BTreeMap<K, U96F32>, total: U96F32, pot: u64| {
        parts
            .into_iter()
            .map(|(k, part)| {
                (k, U96F32::saturating_from_num(pot).saturating_mul(part.checked_div(total).unwrap_or(zero)))
            })
            .collect::<BTreeMap<K, U96F32>>()
    };
    (share(alpha_parts, alpha_total, validator_pot), share(root_parts, root_total, root_pot))
}

/// A hotkey's take (parts of 65,535) of `amount`, and what is left: the take is staked to the
/// hotkey's owner first, the rest goes to its nominators (or root stakers). Both floored to rao.
pub fn take_split(amount: U96F32, take: u16) -> (u64, u64) {
    let rate = U96F32::saturating_from_num(take).safe_div(U96F32::saturating_from_num(u16::MAX));
    let taken = rate.saturating_mul(amount);
    (tou64_96(taken), tou64_96(amount.saturating_sub(taken)))
}

/// The share of the epoch's incentive withheld from the owner's own hotkeys (`MinerBurned`),
/// which lowers the subnet's share of the next blocks' TAO.
pub fn miner_burned(withheld: u64, total: u64) -> U96F32 {
    U96F32::saturating_from_num(withheld).checked_div(U96F32::saturating_from_num(total)).unwrap_or(U96F32::from_num(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn div(dividend: u64, alpha_stake: u64, root_stake: u64) -> ValidatorDividend {
        ValidatorDividend { dividend: U96F32::from_num(dividend), alpha_stake, root_stake }
    }

    #[test]
    fn without_root_stake_the_validator_pot_follows_dividends() {
        let dividends: BTreeMap<u8, _> = [(1, div(300, 1_000, 0)), (2, div(100, 1_000, 0))].into_iter().collect();
        let (alpha, root) = dividend_distribution(1_000_000, 500, U96F32::from_num(1), &dividends);
        assert_eq!(tou64_96(alpha[&1]), 750_000);
        assert_eq!(tou64_96(alpha[&2]), 250_000);
        // Nobody has root stake: the root pot's parts sum to 0 and it is paid to nobody.
        assert!(root.values().all(|r| *r == U96F32::from_num(0)));
    }

    /// Two validators with equal dividends and alpha stake 10⁹ each, root stake 2·10⁹ and 10⁹ at
    /// TaoWeight 1: root parts 2/3 and 1/2 of each dividend, alpha parts 1/3 and 1/2.
    #[test]
    fn root_stake_moves_dividend_weight_to_the_root_pot() {
        let dividends: BTreeMap<u8, _> =
            [(1, div(1_000, 1_000_000_000, 2_000_000_000)), (2, div(1_000, 1_000_000_000, 1_000_000_000))]
                .into_iter()
                .collect();
        let (alpha, root) = dividend_distribution(1_000_000_000, 1_000_000_000, U96F32::from_num(1), &dividends);
        // Alpha: 1/3 : 1/2 = 2 : 3. Root: 2/3 : 1/2 = 4 : 3.
        assert!(tou64_96(alpha[&1]).abs_diff(400_000_000) <= 1);
        assert!(tou64_96(alpha[&2]).abs_diff(600_000_000) <= 1);
        assert!(tou64_96(root[&1]).abs_diff(571_428_571) <= 1);
        assert!(tou64_96(root[&2]).abs_diff(428_571_428) <= 1);
        // TaoWeight 0: root stake counts for nothing.
        let (alpha, root) = dividend_distribution(1_000, 1_000, U96F32::from_num(0), &dividends);
        assert_eq!((tou64_96(alpha[&1]), tou64_96(alpha[&2])), (500, 500));
        assert!(root.values().all(|r| *r == U96F32::from_num(0)));
    }

    #[test]
    fn take_and_pot_rules() {
        assert_eq!(take_split(U96F32::from_num(1_000_000), 0), (0, 1_000_000));
        assert_eq!(take_split(U96F32::from_num(1_000_000), u16::MAX), (1_000_000, 0));
        let (take, rest) = take_split(U96F32::from_num(1_000_000_000), 11_796);
        assert!(1_000_000_000 - (take + rest) <= 1, "two floors lose at most a rao");
        assert!(take.abs_diff(179_995_422) <= 1, "{take}");
        assert_eq!(validator_pot(10, 20, 0), 30);
        assert_eq!(validator_pot(10, 20, 1), 20);
        assert_eq!(miner_burned(1, 4), U96F32::from_num(0.25));
        assert_eq!(miner_burned(0, 0), U96F32::from_num(0));
    }

    /// The reference's `test_calculate_dividend_distribution_*` inputs: two validators with
    /// (alpha, root) stakes (4,859,302, 2,342,352) and (23,423, 859,273), dividends 77,783,738
    /// and 19,283,940. Each pot is paid out whole, within the reference's epsilon of 1,000.
    fn distribution_totals(validator_pot: u64, root_pot: u64, tao_weight: f64) -> (u64, u64) {
        let dividends: BTreeMap<u8, _> =
            [(0, div(77_783_738, 4_859_302, 2_342_352)), (1, div(19_283_940, 23_423, 859_273))].into_iter().collect();
        let (alpha, root) = dividend_distribution(validator_pot, root_pot, U96F32::from_num(tao_weight), &dividends);
        let sum = |m: BTreeMap<u8, U96F32>| m.values().fold(U96F32::from_num(0), |a, v| a + *v).to_num::<u64>();
        (sum(alpha), sum(root))
    }

    #[test]
    fn test_calculate_dividend_distribution_totals() {
        let (alpha, root) = distribution_totals(183_123_567_452, 837_120_949_872, 0.18);
        assert!(alpha.abs_diff(183_123_567_452) <= 1_000, "{alpha}");
        assert!(root.abs_diff(837_120_949_872) <= 1_000, "{root}");
    }

    #[test]
    fn test_calculate_dividend_distribution_total_only_tao() {
        let (alpha, root) = distribution_totals(0, 837_120_949_872, 0.18);
        assert!(alpha <= 1_000, "{alpha}");
        assert!(root.abs_diff(837_120_949_872) <= 1_000, "{root}");
    }

    #[test]
    fn test_calculate_dividend_distribution_total_no_tao_weight() {
        let (alpha, root) = distribution_totals(183_123_567_452, 0, 0.0);
        assert!(alpha.abs_diff(183_123_567_452) <= 1_000, "{alpha}");
        assert!(root <= 1_000, "{root}");
    }

    #[test]
    fn test_calculate_dividend_distribution_total_only_alpha() {
        let (alpha, root) = distribution_totals(183_123_567_452, 0, 0.18);
        assert!(alpha.abs_diff(183_123_567_452) <= 1_000, "{alpha}");
        assert!(root <= 1_000, "{root}");
    }
}
