//! Staking in dynamic TAO: a stake buys the subnet's alpha through its pool and an unstake sells
//! it back (spec `dtao.md` §3), with the checks in the reference's order
//! ([`agora_economy::stake`]). The stake pools per (hotkey, netuid) hold alpha; root's pool is
//! stable (1 TAO = 1 alpha, no fee).
//!
//! Bookkeeping: `TotalStake` is the TAO held in pools (Σ `SubnetTAO`), so
//! `TotalIssuance = free + TotalStake + swap fees in flight` on a dynamic chain. Swap fees are
//! collected in `SwapFees` and paid to the block author after each transaction (recycled when the
//! block has none); an alpha fee is sold fee-free and its TAO paid the same way.

use agora_economy::stake::{StakeError, StakeView, plan_add_stake, plan_remove_stake};
use agora_economy::swap::{MIN_PRICE_RAO, SwapError};
use agora_economy::{Direction, SwapResult};
use agora_primitives::{AccountId, Balance, NetUid};

use crate::balances::{deposit, free_balance, withdraw};
use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::pools::{dynamic_params, pool_state};
use crate::staking::{decrease_stake, hotkey_owner, increase_stake, stake_of};
use crate::state::{NETWORKS, SUBNET_POOLS, SWAP_FEES, TOTAL_STAKE};

fn stake_error(e: StakeError) -> DispatchError {
    match e {
        StakeError::SubnetNotExists => DispatchError::SubnetNotExists,
        StakeError::SubtokenDisabled => DispatchError::SubtokenDisabled,
        StakeError::AmountTooLow => DispatchError::AmountTooLow,
        StakeError::SlippageTooHigh => DispatchError::SlippageTooHigh,
        StakeError::NotEnoughBalanceToStake => DispatchError::NotEnoughBalanceToStake,
        StakeError::HotKeyAccountNotExists => DispatchError::HotKeyAccountNotExists,
        StakeError::InsufficientLiquidity => DispatchError::InsufficientLiquidity,
        StakeError::NotEnoughStakeToWithdraw => DispatchError::NotEnoughStakeToWithdraw,
        StakeError::PriceLimitExceeded => DispatchError::PriceLimitExceeded,
    }
}

pub(crate) fn swap_error(e: SwapError) -> DispatchError {
    match e {
        SwapError::SwapInputTooLarge => DispatchError::SwapInputTooLarge,
        SwapError::ReservesTooLow => DispatchError::ReservesTooLow,
        SwapError::PriceLimitExceeded => DispatchError::PriceLimitExceeded,
        SwapError::InsufficientLiquidity => DispatchError::InsufficientLiquidity,
    }
}

/// Whether the subnet's token trades: root always, a subnet once `start_call` was made.
pub(crate) fn subtoken_enabled(cx: &Ctx, netuid: NetUid) -> bool {
    netuid.is_root() || NETWORKS.try_get(cx.s, &netuid).is_some_and(|i| i.first_emission_block != 0)
}

/// Swaps `amount` through `netuid`'s pool and stores the pool; keeps `TotalStake` equal to the
/// TAO in pools.
pub(crate) fn swap(
    cx: &mut Ctx,
    netuid: NetUid,
    direction: Direction,
    amount: u64,
    limit_rao: u64,
    drop_fees: bool,
) -> Result<SwapResult, DispatchError> {
    let mut state = pool_state(cx.s, netuid).ok_or(DispatchError::SubnetNotExists)?;
    let mut pool = state.pool();
    let before = pool.tao;
    let r =
        pool.swap(direction, amount, limit_rao, drop_fees, dynamic_params(cx.s).minimum_reserve).map_err(swap_error)?;
    let after = pool.tao;
    state.set_pool(&pool);
    SUBNET_POOLS.insert(cx.s, &netuid, &state);
    TOTAL_STAKE.mutate(cx.s, |t| *t = t.saturating_add(after).saturating_sub(before));
    Ok(r)
}

/// `add_stake` / `add_stake_limit` on a dynamic chain: buys alpha with `amount` TAO (at most up to
/// `limit_rao` rao per alpha, all or nothing unless `allow_partial`) and stakes it.
pub(crate) fn do_add_stake(
    cx: &mut Ctx,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    amount: u64,
    limit_rao: Option<u64>,
    allow_partial: bool,
) -> DispatchResult {
    let view_pool = pool_state(cx.s, netuid).filter(|_| NETWORKS.contains(cx.s, &netuid)).map(|s| s.pool());
    let view = view(cx, coldkey, hotkey, netuid, view_pool.as_ref());
    // The reference's precision guard: alpha the stake pool cannot record is refused.
    let records = |alpha| crate::alpha_shares::records(cx.s, hotkey, netuid, alpha);
    let (tao, limit) = plan_add_stake(&view, amount, limit_rao, allow_partial, records).map_err(stake_error)?;
    stake_into_subnet(cx, hotkey, coldkey, netuid, tao, limit, false).map(|_| ())
}

/// `remove_stake` / `remove_stake_limit` on a dynamic chain: sells `alpha` of the coldkey's stake
/// (at least down to `limit_rao`, all or nothing unless `allow_partial`) and pays the TAO out.
pub(crate) fn do_remove_stake(
    cx: &mut Ctx,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    alpha: u64,
    limit_rao: Option<u64>,
    allow_partial: bool,
) -> DispatchResult {
    let view_pool = pool_state(cx.s, netuid).filter(|_| NETWORKS.contains(cx.s, &netuid)).map(|s| s.pool());
    let view = view(cx, coldkey, hotkey, netuid, view_pool.as_ref());
    let (alpha, limit) = plan_remove_stake(&view, alpha, limit_rao, allow_partial).map_err(stake_error)?;
    unstake_from_subnet(cx, hotkey, coldkey, netuid, alpha, limit, false).map(|_| ())
}

/// What the reference's checks read about (`coldkey`, `hotkey`, `netuid`).
pub(crate) fn view<'a>(
    cx: &Ctx,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    pool: Option<&'a agora_economy::Pool>,
) -> StakeView<'a> {
    StakeView {
        pool,
        subtoken_enabled: subtoken_enabled(cx, netuid),
        hotkey_exists: hotkey_owner(cx.s, hotkey).is_some(),
        spendable: free_balance(cx.s, coldkey),
        stake: stake_of(cx.s, hotkey, netuid, coldkey),
        min_stake: cx.params().min_stake,
        minimum_reserve: dynamic_params(cx.s).minimum_reserve,
    }
}

/// The reference's `stake_into_subnet`: takes `tao` from the coldkey, buys alpha through the pool
/// (up to `limit_rao`; fee-free with `drop_fees`), stakes it to (`hotkey`, `coldkey`) and returns
/// the alpha. Checks are the caller's; on root the coldkey's claim watermarks move with the stake.
pub(crate) fn stake_into_subnet(
    cx: &mut Ctx,
    hotkey: &AccountId,
    coldkey: &AccountId,
    netuid: NetUid,
    tao: u64,
    limit_rao: u64,
    drop_fees: bool,
) -> Result<u64, DispatchError> {
    withdraw(cx, coldkey, tao, DispatchError::NotEnoughBalanceToStake)?;
    let r = swap(cx, netuid, Direction::TaoForAlpha, tao, limit_rao, drop_fees)?;
    if r.paid_out == 0 {
        return Err(DispatchError::AmountTooLow);
    }
    // What the swap did not use comes back; the fee goes to the block author.
    let refund = tao.saturating_sub(r.paid_in).saturating_sub(r.fee_to_author);
    deposit(cx, coldkey, refund)?;
    SWAP_FEES.mutate(cx.s, |f| *f = f.saturating_add(r.fee_to_author));
    let before = stake_of(cx.s, hotkey, netuid, coldkey);
    increase_stake(cx, hotkey, netuid, coldkey, r.paid_out)?;
    // The share pool must represent the new alpha to within one rao of rounding.
    if stake_of(cx.s, hotkey, netuid, coldkey).saturating_sub(before).saturating_add(1) < r.paid_out {
        return Err(DispatchError::InsufficientLiquidity);
    }
    if netuid.is_root() {
        crate::root_claims::adjust_claimed_on_add(cx, hotkey, coldkey, r.paid_out);
    }
    let paid = r.paid_in.saturating_add(r.fee_to_author);
    cx.emit(Event::PoolSwap {
        netuid,
        coldkey: *coldkey,
        tao: Balance(r.paid_in),
        alpha: r.paid_out,
        fee: r.fee,
        buy: true,
    });
    cx.emit(Event::StakeAdded { coldkey: *coldkey, hotkey: *hotkey, netuid, amount: Balance(paid) });
    Ok(r.paid_out)
}

/// The reference's `unstake_from_subnet`: takes `alpha` from (`hotkey`, `coldkey`), sells it
/// through the pool (down to `limit_rao`; fee-free with `drop_fees`), pays the TAO to the coldkey
/// and returns it. Checks are the caller's.
pub(crate) fn unstake_from_subnet(
    cx: &mut Ctx,
    hotkey: &AccountId,
    coldkey: &AccountId,
    netuid: NetUid,
    alpha: u64,
    limit_rao: u64,
    drop_fees: bool,
) -> Result<u64, DispatchError> {
    let removed = decrease_stake(cx, hotkey, netuid, coldkey, alpha)?;
    let r = swap(cx, netuid, Direction::AlphaForTao, removed, limit_rao, drop_fees)?;
    // Alpha the swap did not use goes back to the stake.
    let unused = removed.saturating_sub(r.paid_in).saturating_sub(r.fee);
    increase_stake(cx, hotkey, netuid, coldkey, unused)?;
    deposit(cx, coldkey, r.paid_out)?;
    // The alpha fee is sold fee-free and its TAO goes to the author; if the pool cannot take it,
    // it stays in the subnet's alpha outside the pool, unowned.
    if r.fee_to_author > 0
        && let Ok(fee) = swap(cx, netuid, Direction::AlphaForTao, r.fee_to_author, MIN_PRICE_RAO, true)
    {
        SWAP_FEES.mutate(cx.s, |f| *f = f.saturating_add(fee.paid_out));
    }
    if netuid.is_root() {
        crate::root_claims::adjust_claimed_on_remove(cx, hotkey, coldkey, removed.saturating_sub(unused));
    }
    cx.emit(Event::PoolSwap {
        netuid,
        coldkey: *coldkey,
        tao: Balance(r.paid_out),
        alpha: r.paid_in,
        fee: r.fee,
        buy: false,
    });
    cx.emit(Event::StakeRemoved { coldkey: *coldkey, hotkey: *hotkey, netuid, amount: Balance(r.paid_out) });
    Ok(r.paid_out)
}
