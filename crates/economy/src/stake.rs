//! Staking as swaps (spec `dtao.md` §3.3–3.4): the checks `add_stake`, `remove_stake` and their
//! limit forms make, in the reference's order (the first failure wins, by its error name), and
//! how much of a limit order executes. The caller reads what the checks need from its state into
//! [`StakeView`], and then performs the swap with [`crate::Pool::swap`] and books the alpha.

use crate::max_amount::{max_alpha_in, max_tao_in};
use crate::swap::{Direction, MAX_INPUT_RESERVE_MULTIPLIER, MAX_PRICE_RAO, MIN_PRICE_RAO, Mechanism, Pool};

/// The reference's minimum stake (`DefaultMinStake`): 0.002 TAO.
pub const DEFAULT_MIN_STAKE: u64 = 2_000_000;

/// Why a staking call was refused, by the reference's error names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StakeError {
    /// No such subnet.
    #[error("SubnetNotExists: the subnet does not exist")]
    SubnetNotExists,
    /// The subnet's token has not started (`start_call` not made).
    #[error("SubtokenDisabled: the subnet has not started trading")]
    SubtokenDisabled,
    /// Under the minimum stake (or a remainder under it).
    #[error("AmountTooLow: the amount is under the minimum stake")]
    AmountTooLow,
    /// Over what the limit price allows, and partial execution was not allowed.
    #[error("SlippageTooHigh: the price would pass the limit; allow partial execution or raise the limit")]
    SlippageTooHigh,
    /// The coldkey cannot pay it.
    #[error("NotEnoughBalanceToStake: the coldkey's free balance is too low")]
    NotEnoughBalanceToStake,
    /// The hotkey has no owner.
    #[error("HotKeyAccountNotExists: the hotkey is not registered to any coldkey")]
    HotKeyAccountNotExists,
    /// The pool cannot take it, or the stake could not be recorded precisely.
    #[error("InsufficientLiquidity: the pool cannot take this swap")]
    InsufficientLiquidity,
    /// The coldkey holds less stake than asked for.
    #[error("NotEnoughStakeToWithdraw: not enough stake to withdraw")]
    NotEnoughStakeToWithdraw,
    /// The limit price is already reached.
    #[error("PriceLimitExceeded: the limit price is already reached")]
    PriceLimitExceeded,
}

/// What the checks read from the chain about a subnet, a hotkey and a coldkey.
#[derive(Clone, Copy, Debug)]
pub struct StakeView<'a> {
    /// The subnet's pool, or `None` when the subnet does not exist.
    pub pool: Option<&'a Pool>,
    /// Whether the subnet's token trades (`SubtokenEnabled`).
    pub subtoken_enabled: bool,
    /// Whether the hotkey has an owner.
    pub hotkey_exists: bool,
    /// TAO the coldkey can pay (free balance it may spend).
    pub spendable: u64,
    /// The coldkey's alpha staked on the hotkey on this subnet.
    pub stake: u64,
    /// The minimum stake (rao).
    pub min_stake: u64,
    /// The pool's minimum reserve (rao).
    pub minimum_reserve: u64,
}

impl StakeView<'_> {
    fn pool(&self) -> Result<&Pool, StakeError> {
        self.pool.ok_or(StakeError::SubnetNotExists)
    }
}

/// The smallest TAO `add_stake` takes: the minimum stake plus the fee on it.
pub fn min_add_amount(pool: &Pool, min_stake: u64, minimum_reserve: u64) -> u64 {
    let fee = match pool.quote(Direction::TaoForAlpha, min_stake, MAX_PRICE_RAO, false, minimum_reserve) {
        Ok(r) => r.fee,
        Err(_) => pool.fee_on(min_stake, false),
    };
    min_stake.saturating_add(fee)
}

/// `validate_add_stake`: checks staking `amount` TAO when at most `max_amount` may execute, and
/// returns the TAO that will be staked (`min(amount, max_amount)` with `allow_partial`).
/// `records` says whether the share pool can record that much alpha precisely.
pub fn validate_add_stake(
    view: &StakeView,
    amount: u64,
    max_amount: u64,
    allow_partial: bool,
    records: impl Fn(u64) -> bool,
) -> Result<u64, StakeError> {
    let pool = view.pool()?;
    if !view.subtoken_enabled {
        return Err(StakeError::SubtokenDisabled);
    }
    if amount < min_add_amount(pool, view.min_stake, view.minimum_reserve) {
        return Err(StakeError::AmountTooLow);
    }
    let amount = match allow_partial {
        false if amount > max_amount => return Err(StakeError::SlippageTooHigh),
        false => amount,
        true => amount.min(max_amount),
    };
    if view.spendable < amount {
        return Err(StakeError::NotEnoughBalanceToStake);
    }
    if !view.hotkey_exists {
        return Err(StakeError::HotKeyAccountNotExists);
    }
    let r = pool
        .quote(Direction::TaoForAlpha, amount, MAX_PRICE_RAO, false, view.minimum_reserve)
        .map_err(|_| StakeError::InsufficientLiquidity)?;
    if r.paid_in < view.min_stake {
        return Err(StakeError::AmountTooLow);
    }
    if r.paid_out == 0 || !records(r.paid_out) {
        return Err(StakeError::InsufficientLiquidity);
    }
    Ok(amount)
}

/// `validate_remove_stake`: checks unstaking `alpha` when at most `max_amount` may execute.
pub fn validate_remove_stake(
    view: &StakeView,
    alpha: u64,
    max_amount: u64,
    allow_partial: bool,
) -> Result<(), StakeError> {
    let pool = view.pool()?;
    if alpha == 0 {
        return Err(StakeError::AmountTooLow);
    }
    let remaining = view.stake.checked_sub(alpha).ok_or(StakeError::NotEnoughStakeToWithdraw)?;
    let r = pool
        .quote(Direction::AlphaForTao, alpha, MIN_PRICE_RAO, false, view.minimum_reserve)
        .map_err(|_| StakeError::InsufficientLiquidity)?;
    if remaining != 0 && r.paid_out < view.min_stake {
        return Err(StakeError::AmountTooLow);
    }
    if !allow_partial && alpha > max_amount {
        return Err(StakeError::SlippageTooHigh);
    }
    if !view.hotkey_exists {
        return Err(StakeError::HotKeyAccountNotExists);
    }
    Ok(())
}

/// What `add_stake` / `add_stake_limit` will execute: the TAO to swap and the limit price to
/// swap at. `limit_rao: None` is plain `add_stake` (fill or fail, no price limit).
pub fn plan_add_stake(
    view: &StakeView,
    amount: u64,
    limit_rao: Option<u64>,
    allow_partial: bool,
    records: impl Fn(u64) -> bool,
) -> Result<(u64, u64), StakeError> {
    let pool = view.pool()?;
    if pool.mechanism == Mechanism::Dynamic && amount > pool.tao.saturating_mul(MAX_INPUT_RESERVE_MULTIPLIER) {
        return Err(StakeError::InsufficientLiquidity);
    }
    match limit_rao {
        None => Ok((validate_add_stake(view, amount, amount, false, records)?, MAX_PRICE_RAO)),
        Some(limit) => {
            let max = max_tao_in(pool, limit, view.minimum_reserve).map_err(limit_error)?;
            let amount = validate_add_stake(view, amount, max, allow_partial, records)?;
            Ok((amount.min(max), limit))
        }
    }
}

/// What `remove_stake` / `remove_stake_limit` will execute: the alpha to sell and the limit.
/// Plain `remove_stake` takes at most the stake held.
pub fn plan_remove_stake(
    view: &StakeView,
    alpha: u64,
    limit_rao: Option<u64>,
    allow_partial: bool,
) -> Result<(u64, u64), StakeError> {
    let pool = view.pool()?;
    match limit_rao {
        None => {
            if !view.subtoken_enabled {
                return Err(StakeError::SubtokenDisabled);
            }
            let alpha = alpha.min(view.stake);
            if pool.mechanism == Mechanism::Dynamic
                && alpha > pool.alpha_in.saturating_mul(MAX_INPUT_RESERVE_MULTIPLIER)
            {
                return Err(StakeError::InsufficientLiquidity);
            }
            validate_remove_stake(view, alpha, alpha, false)?;
            Ok((alpha, MIN_PRICE_RAO))
        }
        Some(limit) => {
            let max = max_alpha_in(pool, limit, view.minimum_reserve).map_err(limit_error)?;
            validate_remove_stake(view, alpha, max, allow_partial)?;
            Ok((alpha.min(max), limit))
        }
    }
}

fn limit_error(e: crate::swap::SwapError) -> StakeError {
    match e {
        crate::swap::SwapError::PriceLimitExceeded => StakeError::PriceLimitExceeded,
        _ => StakeError::InsufficientLiquidity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swap::Direction;

    fn view(pool: &Pool) -> StakeView<'_> {
        StakeView {
            pool: Some(pool),
            subtoken_enabled: true,
            hotkey_exists: true,
            spendable: u64::MAX,
            stake: 0,
            min_stake: DEFAULT_MIN_STAKE,
            minimum_reserve: 100,
        }
    }

    /// §3.3: at fee rate 33 the smallest `add_stake` is 2,001,007 rao on a dynamic subnet and
    /// 2,000,000 on root.
    #[test]
    fn the_minimum_add_includes_the_fee_on_the_minimum_stake() {
        let pool = Pool::dynamic(1_000_000_000_000, 1_000_000_000_000);
        assert_eq!(min_add_amount(&pool, DEFAULT_MIN_STAKE, 100), 2_001_007);
        let root = Pool { mechanism: Mechanism::Stable, ..pool };
        assert_eq!(min_add_amount(&root, DEFAULT_MIN_STAKE, 100), 2_000_000);
    }

    #[test]
    fn add_stake_checks_in_the_reference_order() {
        let pool = Pool::dynamic(1_000_000_000_000, 1_000_000_000_000);
        let ok = |_| true;
        let mut v = view(&pool);
        v.pool = None;
        v.subtoken_enabled = false;
        assert_eq!(validate_add_stake(&v, 1, 1, false, ok), Err(StakeError::SubnetNotExists));
        let mut v = view(&pool);
        v.subtoken_enabled = false;
        v.spendable = 0;
        assert_eq!(validate_add_stake(&v, 1, 1, false, ok), Err(StakeError::SubtokenDisabled));
        let mut v = view(&pool);
        v.spendable = 0;
        assert_eq!(validate_add_stake(&v, 2_001_006, u64::MAX, false, ok), Err(StakeError::AmountTooLow));
        assert_eq!(validate_add_stake(&v, 3_000_000, 2_500_000, false, ok), Err(StakeError::SlippageTooHigh));
        assert_eq!(validate_add_stake(&v, 3_000_000, 2_500_000, true, ok), Err(StakeError::NotEnoughBalanceToStake));
        let mut v = view(&pool);
        v.hotkey_exists = false;
        assert_eq!(validate_add_stake(&v, 3_000_000, u64::MAX, false, ok), Err(StakeError::HotKeyAccountNotExists));
        let v = view(&pool);
        assert_eq!(
            validate_add_stake(&v, 3_000_000, u64::MAX, false, |_| false),
            Err(StakeError::InsufficientLiquidity)
        );
        assert_eq!(validate_add_stake(&v, 3_000_000, 2_500_000, true, ok), Ok(2_500_000));
    }

    #[test]
    fn remove_stake_checks_in_the_reference_order() {
        let pool = Pool::dynamic(1_000_000_000_000, 1_000_000_000_000);
        let mut v = view(&pool);
        v.stake = 10_000_000;
        assert_eq!(validate_remove_stake(&v, 0, 0, false), Err(StakeError::AmountTooLow));
        assert_eq!(validate_remove_stake(&v, 10_000_001, u64::MAX, false), Err(StakeError::NotEnoughStakeToWithdraw));
        // A remainder is left and what comes out is under the minimum stake.
        assert_eq!(validate_remove_stake(&v, 1_000_000, u64::MAX, false), Err(StakeError::AmountTooLow));
        // A full exit is exempt from the minimum.
        v.stake = 1_000_000;
        assert_eq!(validate_remove_stake(&v, 1_000_000, u64::MAX, false), Ok(()));
        v.stake = 10_000_000;
        assert_eq!(validate_remove_stake(&v, 5_000_000, 4_000_000, false), Err(StakeError::SlippageTooHigh));
        v.hotkey_exists = false;
        assert_eq!(validate_remove_stake(&v, 5_000_000, 4_000_000, true), Err(StakeError::HotKeyAccountNotExists));
    }

    /// `test_add_stake_limit_ok` (tests/staking.rs; §8 vector 5): a 150/100 pool, 900 TAO offered
    /// at a limit of 24 TAO per alpha with partial execution: about 450 TAO executes, 75 alpha is
    /// staked and the price ends at 24.
    #[test]
    fn test_add_stake_limit_ok() {
        let mut pool = Pool::dynamic(150_000_000_000, 100_000_000_000);
        let v = view(&pool);
        let amount = 900_000_000_000u64;
        let (tao, limit) = plan_add_stake(&v, amount, Some(24_000_000_000), true, |_| true).unwrap();
        let r = pool.swap(Direction::TaoForAlpha, tao, limit, false, 100).unwrap();
        let refund = tao - r.paid_in - r.fee;
        let staked = r.paid_out;
        assert!(staked.abs_diff(75_000_000_000) <= 75_000_000, "{staked}");
        let kept = amount - tao + refund;
        let fee_on_half = pool.fee_on(amount / 2, false);
        assert!(kept.abs_diff(amount / 2 - fee_on_half) <= amount / 2 / 1000, "{kept}");
        assert!((pool.price().to_num::<f64>() - 24.0).abs() < 0.001, "{}", pool.price());
        // The spec's value from the integer path: the fee is 226,710,634 rao.
        assert_eq!(r.fee, 226_710_634);
    }

    #[test]
    fn limit_orders_refuse_a_limit_already_passed_and_fill_or_kill_without_partial() {
        let pool = Pool::dynamic(150_000_000_000, 100_000_000_000);
        let v = view(&pool);
        assert_eq!(
            plan_add_stake(&v, 10_000_000_000, Some(1_000_000_000), true, |_| true),
            Err(StakeError::PriceLimitExceeded)
        );
        assert_eq!(
            plan_add_stake(&v, 900_000_000_000, Some(2_000_000_000), false, |_| true),
            Err(StakeError::SlippageTooHigh)
        );
        let mut v = view(&pool);
        v.stake = 50_000_000_000;
        assert_eq!(
            plan_remove_stake(&v, 1_000_000_000, Some(2_000_000_000), true),
            Err(StakeError::PriceLimitExceeded)
        );
        let (alpha, _) = plan_remove_stake(&v, 50_000_000_000, Some(1_000_000_000), true).unwrap();
        assert!(alpha < 50_000_000_000 && alpha > 20_000_000_000, "{alpha}");
        // Plain remove_stake takes at most what is held.
        assert_eq!(plan_remove_stake(&v, u64::MAX, None, false).unwrap().0, 50_000_000_000);
    }
}
