//! Stake: hotkey ownership, per-(hotkey, subnet) share pools, `add_stake`, `remove_stake`, and
//! delegate takes.
//!
//! # Share pools
//!
//! Each `(hotkey, netuid)` holds a pool of value `V` (rao) and `S` shares; a coldkey holding `s`
//! shares owns `⌊s·V/S⌋`. Staking `a` mints `⌊a·S/V⌋` shares (`a·2^32` in an empty pool); unstaking
//! `a` burns `⌈a·S/V⌉` shares (all of them when the whole position is withdrawn), so rounding always
//! favours the holders who stay. Dividends credited to a hotkey raise `V` without minting shares:
//! every nominator gains pro-rata, as the reference's share pool does.
//!
//! Shares carry 32 fractional bits so that a pool whose value per share has grown by dividends
//! still prices a new stake to the rao (the reference uses high-precision float shares for the
//! same reason); a stake the pool cannot represent within one rao is refused with
//! `InsufficientLiquidity`, as the reference refuses imprecise pools. Products go through a
//! 256-bit intermediate ([`agora_primitives::fixed::mul_div_floor_u128`]); no floats.
//!
//! This is the TAO era's pool. On a dynamic chain the same entry points keep alpha in the
//! reference's `SafeFloat` share pools instead ([`crate::alpha_shares`]), so that stakes and
//! dividends agree with the reference's to the rao.

use agora_primitives::fixed::{mul_div_ceil_u128, mul_div_floor_u128};
use agora_primitives::{AccountId, Balance, NetUid};

use crate::balances::{deposit, withdraw};
use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::state::{
    DELEGATE_TAKE, GLOBAL_PARAMS, LAST_TX_BLOCK_DELEGATE_TAKE, NETWORKS, OWNED_HOTKEYS, OWNER, STAKE_SHARES,
    STAKING_HOTKEYS, TOTAL_HOTKEY_SHARES, TOTAL_HOTKEY_STAKE, TOTAL_STAKE,
};
use crate::storage::StorageRead;

/// The coldkey owning `hotkey`, if it has one.
pub fn hotkey_owner(s: &(impl StorageRead + ?Sized), hotkey: &AccountId) -> Option<AccountId> {
    OWNER.try_get(s, hotkey)
}

/// Makes `coldkey` the owner of `hotkey` if the hotkey has no owner yet.
pub(crate) fn create_account_if_non_existent(cx: &mut Ctx, coldkey: &AccountId, hotkey: &AccountId) {
    if !OWNER.contains(cx.s, hotkey) {
        OWNER.insert(cx.s, hotkey, coldkey);
        OWNED_HOTKEYS.insert(cx.s, &(*coldkey, *hotkey), &());
    }
}

/// Value of the whole pool of `hotkey` on `netuid` (rao).
pub fn total_hotkey_stake(s: &(impl StorageRead + ?Sized), hotkey: &AccountId, netuid: NetUid) -> u64 {
    TOTAL_HOTKEY_STAKE.get(s, &(*hotkey, netuid))
}

/// Value of `coldkey`'s position in `hotkey`'s pool on `netuid` (rao).
pub fn stake_of(s: &(impl StorageRead + ?Sized), hotkey: &AccountId, netuid: NetUid, coldkey: &AccountId) -> u64 {
    if crate::pools::is_dynamic(s) {
        return crate::alpha_shares::stake_of(s, hotkey, netuid, coldkey);
    }
    let shares = STAKE_SHARES.get(s, &(*hotkey, netuid, *coldkey));
    if shares == 0 {
        return 0;
    }
    let total_shares = TOTAL_HOTKEY_SHARES.get(s, &(*hotkey, netuid));
    let value = u128::from(total_hotkey_stake(s, hotkey, netuid));
    // shares ≤ total_shares, so the quotient is ≤ value ≤ u64::MAX.
    mul_div_floor_u128(shares, value, total_shares).and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

/// Fractional bits of a share: an empty pool mints `amount · 2^32` shares.
pub const SHARE_SCALE_BITS: u32 = 32;

/// The delegate take of `hotkey` (u16 proportion).
pub fn take_of(s: &(impl StorageRead + ?Sized), hotkey: &AccountId) -> u16 {
    DELEGATE_TAKE.try_get(s, hotkey).unwrap_or_else(|| GLOBAL_PARAMS.get(s).default_take)
}

fn set_pool(cx: &mut Ctx, hotkey: &AccountId, netuid: NetUid, value: u64, shares: u128) {
    TOTAL_HOTKEY_STAKE.set(cx.s, &(*hotkey, netuid), &value);
    TOTAL_HOTKEY_SHARES.set(cx.s, &(*hotkey, netuid), &shares);
}

fn set_shares(cx: &mut Ctx, hotkey: &AccountId, netuid: NetUid, coldkey: &AccountId, shares: u128) {
    STAKE_SHARES.set(cx.s, &(*hotkey, netuid, *coldkey), &shares);
    index_position(cx, hotkey, netuid, coldkey, shares != 0);
}

/// Keeps the position indexes in step: `StakingHotkeys`, and on a dynamic chain the root stakers
/// the auto-claim visits.
pub(crate) fn index_position(cx: &mut Ctx, hotkey: &AccountId, netuid: NetUid, coldkey: &AccountId, holds: bool) {
    if holds {
        STAKING_HOTKEYS.insert(cx.s, &(*coldkey, *hotkey, netuid), &());
    } else {
        STAKING_HOTKEYS.remove(cx.s, &(*coldkey, *hotkey, netuid));
    }
    if netuid.is_root() && crate::pools::is_dynamic(cx.s) {
        crate::root_claims::index_root_staker(cx, coldkey);
    }
}

/// Every position on `netuid`: (hotkey, coldkey).
pub(crate) fn positions_in(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> Vec<(AccountId, AccountId)> {
    if crate::pools::is_dynamic(s) {
        return crate::alpha_shares::positions_in(s, netuid);
    }
    STAKE_SHARES.iter(s).into_iter().filter(|((_, n, _), _)| *n == netuid).map(|((h, _, c), _)| (h, c)).collect()
}

/// Every position on `hotkey`: (netuid, coldkey).
pub(crate) fn positions_on(s: &(impl StorageRead + ?Sized), hotkey: &AccountId) -> Vec<(NetUid, AccountId)> {
    if crate::pools::is_dynamic(s) {
        return crate::alpha_shares::positions_on(s, hotkey);
    }
    STAKE_SHARES.iter_prefix(s, hotkey).into_iter().map(|((_, n, c), _)| (n, c)).collect()
}

/// Counts `amount` in `TotalStake` (TAO era: stake is TAO). On a dynamic chain `TotalStake` is
/// the TAO in pools, kept by the swaps, and stake pools hold alpha.
fn add_total_stake(cx: &mut Ctx, amount: u64) -> DispatchResult {
    if crate::pools::is_dynamic(cx.s) {
        return Ok(());
    }
    TOTAL_STAKE.mutate(cx.s, |t| {
        *t = t.checked_add(amount).ok_or(DispatchError::ArithmeticOverflow)?;
        Ok(())
    })
}

/// Adds `amount` (already taken from somewhere) to `coldkey`'s position in `hotkey`'s pool. In
/// the TAO era a pool whose value per share exceeds the amount mints no shares: the amount then
/// accrues to the existing holders.
pub(crate) fn increase_stake(
    cx: &mut Ctx,
    hotkey: &AccountId,
    netuid: NetUid,
    coldkey: &AccountId,
    amount: u64,
) -> DispatchResult {
    if crate::pools::is_dynamic(cx.s) {
        return crate::alpha_shares::increase(cx, hotkey, netuid, coldkey, amount);
    }
    if amount == 0 {
        return Ok(());
    }
    let value = total_hotkey_stake(cx.s, hotkey, netuid);
    let shares = TOTAL_HOTKEY_SHARES.get(cx.s, &(*hotkey, netuid));
    let minted: u128 = if shares == 0 || value == 0 {
        u128::from(amount) << SHARE_SCALE_BITS
    } else {
        mul_div_floor_u128(u128::from(amount), shares, u128::from(value)).ok_or(DispatchError::ArithmeticOverflow)?
    };
    let new_value = value.checked_add(amount).ok_or(DispatchError::ArithmeticOverflow)?;
    let new_shares = shares.checked_add(minted).ok_or(DispatchError::ArithmeticOverflow)?;
    let mine = STAKE_SHARES
        .get(cx.s, &(*hotkey, netuid, *coldkey))
        .checked_add(minted)
        .ok_or(DispatchError::ArithmeticOverflow)?;
    add_total_stake(cx, amount)?;
    set_pool(cx, hotkey, netuid, new_value, new_shares);
    set_shares(cx, hotkey, netuid, coldkey, mine);
    Ok(())
}

/// Credits `amount` to `hotkey`'s pool without minting shares: every holder gains pro-rata. An
/// empty pool is credited to the hotkey's owner as a normal stake.
pub(crate) fn credit_pool(cx: &mut Ctx, hotkey: &AccountId, netuid: NetUid, amount: u64) -> DispatchResult {
    if crate::pools::is_dynamic(cx.s) {
        return crate::alpha_shares::credit(cx, hotkey, netuid, amount);
    }
    if amount == 0 {
        return Ok(());
    }
    let shares = TOTAL_HOTKEY_SHARES.get(cx.s, &(*hotkey, netuid));
    if shares == 0 {
        let owner = hotkey_owner(cx.s, hotkey).ok_or(DispatchError::HotKeyAccountNotExists)?;
        return increase_stake(cx, hotkey, netuid, &owner, amount);
    }
    let value = total_hotkey_stake(cx.s, hotkey, netuid);
    let new_value = value.checked_add(amount).ok_or(DispatchError::ArithmeticOverflow)?;
    add_total_stake(cx, amount)?;
    set_pool(cx, hotkey, netuid, new_value, shares);
    Ok(())
}

/// Removes `amount` from `coldkey`'s position (the caller puts it somewhere) and returns what
/// left the pool: `amount`, or more when the last holder out takes the rounding dust of those who
/// left before. In the TAO era that dust is paid to the coldkey here; on a dynamic chain it is
/// alpha and the caller sells it with the rest.
pub(crate) fn decrease_stake(
    cx: &mut Ctx,
    hotkey: &AccountId,
    netuid: NetUid,
    coldkey: &AccountId,
    amount: u64,
) -> Result<u64, DispatchError> {
    if crate::pools::is_dynamic(cx.s) {
        return crate::alpha_shares::decrease(cx, hotkey, netuid, coldkey, amount);
    }
    let owned = stake_of(cx.s, hotkey, netuid, coldkey);
    if amount > owned {
        return Err(DispatchError::NotEnoughStakeToWithdraw);
    }
    if amount == 0 {
        return Ok(0);
    }
    let dynamic = crate::pools::is_dynamic(cx.s);
    let value = total_hotkey_stake(cx.s, hotkey, netuid);
    let shares = TOTAL_HOTKEY_SHARES.get(cx.s, &(*hotkey, netuid));
    let mine = STAKE_SHARES.get(cx.s, &(*hotkey, netuid, *coldkey));
    let burned = if amount == owned {
        mine
    } else {
        // ⌈amount·S/V⌉, capped at the holder's shares. amount < owned ≤ V, so V > 0.
        mul_div_ceil_u128(u128::from(amount), shares, u128::from(value))
            .ok_or(DispatchError::ArithmeticOverflow)?
            .min(mine)
    };
    let new_shares = shares - burned;
    // The last holder leaving takes the pool's full value (amount == owned == V then).
    let new_value = if new_shares == 0 { 0 } else { value - amount };
    let removed = value - new_value;
    if !dynamic {
        TOTAL_STAKE.mutate(cx.s, |t| *t = t.saturating_sub(removed));
    }
    set_pool(cx, hotkey, netuid, new_value, new_shares);
    set_shares(cx, hotkey, netuid, coldkey, mine - burned);
    if removed > amount && !dynamic {
        // Rounding dust left by holders who already left goes to the last one out.
        deposit(cx, coldkey, removed - amount)?;
    }
    Ok(removed)
}

fn ensure_subnet_open_for_stake(cx: &Ctx, netuid: NetUid) -> DispatchResult {
    let info = NETWORKS.try_get(cx.s, &netuid).ok_or(DispatchError::SubnetNotExists)?;
    if !netuid.is_root() && info.first_emission_block == 0 {
        return Err(DispatchError::SubtokenDisabled);
    }
    Ok(())
}

/// `add_stake(hotkey, netuid, amount)`, signed by the coldkey.
///
/// Checks, in order: `SubnetNotExists`, `SubtokenDisabled` (subnet not started), `AmountTooLow`
/// (below the minimum stake), `NotEnoughBalanceToStake`, `HotKeyAccountNotExists` (the hotkey has
/// no owner: register it first), `InsufficientLiquidity` (the pool cannot represent the amount).
pub(crate) fn do_add_stake(
    cx: &mut Ctx,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    amount: Balance,
) -> DispatchResult {
    if crate::pools::is_dynamic(cx.s) {
        return crate::alpha_staking::do_add_stake(cx, coldkey, hotkey, netuid, amount.rao(), None, false);
    }
    ensure_subnet_open_for_stake(cx, netuid)?;
    let amount = amount.rao();
    if amount < cx.params().min_stake {
        return Err(DispatchError::AmountTooLow);
    }
    withdraw(cx, coldkey, amount, DispatchError::NotEnoughBalanceToStake)?;
    if hotkey_owner(cx.s, hotkey).is_none() {
        return Err(DispatchError::HotKeyAccountNotExists);
    }
    let before = stake_of(cx.s, hotkey, netuid, coldkey);
    increase_stake(cx, hotkey, netuid, coldkey, amount)?;
    // The pool must represent the new stake to within one rao of rounding.
    if stake_of(cx.s, hotkey, netuid, coldkey).saturating_sub(before).saturating_add(1) < amount {
        return Err(DispatchError::InsufficientLiquidity);
    }
    cx.emit(Event::StakeAdded { coldkey: *coldkey, hotkey: *hotkey, netuid, amount: Balance(amount) });
    Ok(())
}

/// `remove_stake(hotkey, netuid, amount)`, signed by the coldkey.
///
/// Checks, in the reference's order: `SubnetNotExists`, `AmountTooLow` (zero),
/// `NotEnoughStakeToWithdraw`, `AmountTooLow` again when a partial withdrawal is below the minimum
/// stake, `HotKeyAccountNotExists`.
pub(crate) fn do_remove_stake(
    cx: &mut Ctx,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    amount: Balance,
) -> DispatchResult {
    if crate::pools::is_dynamic(cx.s) {
        return crate::alpha_staking::do_remove_stake(cx, coldkey, hotkey, netuid, amount.rao(), None, false);
    }
    if !NETWORKS.contains(cx.s, &netuid) {
        return Err(DispatchError::SubnetNotExists);
    }
    let amount = amount.rao();
    if amount == 0 {
        return Err(DispatchError::AmountTooLow);
    }
    let owned = stake_of(cx.s, hotkey, netuid, coldkey);
    if amount > owned {
        return Err(DispatchError::NotEnoughStakeToWithdraw);
    }
    if amount < owned && amount < cx.params().min_stake {
        return Err(DispatchError::AmountTooLow);
    }
    if hotkey_owner(cx.s, hotkey).is_none() {
        return Err(DispatchError::HotKeyAccountNotExists);
    }
    decrease_stake(cx, hotkey, netuid, coldkey, amount)?;
    deposit(cx, coldkey, amount)?;
    cx.emit(Event::StakeRemoved { coldkey: *coldkey, hotkey: *hotkey, netuid, amount: Balance(amount) });
    Ok(())
}

/// One TAO per alpha, in rao: the price of stake in the TAO era and on root.
const PRICE_ONE: u64 = 1_000_000_000;

/// `add_stake_limit(hotkey, netuid, amount, limit_price, allow_partial)`, signed by the coldkey:
/// on a dynamic chain a stake that stops at `limit_price` (rao per alpha); in the TAO era the
/// price is one TAO per alpha, so a limit under it is `SlippageTooHigh` and any other is
/// `add_stake`.
pub(crate) fn do_add_stake_limit(
    cx: &mut Ctx,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    amount: Balance,
    limit_price: u64,
    allow_partial: bool,
) -> DispatchResult {
    if crate::pools::is_dynamic(cx.s) {
        return crate::alpha_staking::do_add_stake(
            cx,
            coldkey,
            hotkey,
            netuid,
            amount.rao(),
            Some(limit_price),
            allow_partial,
        );
    }
    if limit_price < PRICE_ONE {
        return Err(DispatchError::SlippageTooHigh);
    }
    do_add_stake(cx, coldkey, hotkey, netuid, amount)
}

/// `remove_stake_limit(hotkey, netuid, amount, limit_price, allow_partial)`, signed by the
/// coldkey: the mirror of [`do_add_stake_limit`] (a limit over one TAO per alpha is
/// `SlippageTooHigh` in the TAO era).
pub(crate) fn do_remove_stake_limit(
    cx: &mut Ctx,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    amount: u64,
    limit_price: u64,
    allow_partial: bool,
) -> DispatchResult {
    if crate::pools::is_dynamic(cx.s) {
        return crate::alpha_staking::do_remove_stake(
            cx,
            coldkey,
            hotkey,
            netuid,
            amount,
            Some(limit_price),
            allow_partial,
        );
    }
    if limit_price > PRICE_ONE {
        return Err(DispatchError::SlippageTooHigh);
    }
    do_remove_stake(cx, coldkey, hotkey, netuid, Balance(amount))
}

fn ensure_owns_hotkey(cx: &Ctx, coldkey: &AccountId, hotkey: &AccountId) -> DispatchResult {
    match hotkey_owner(cx.s, hotkey) {
        None => Err(DispatchError::HotKeyAccountNotExists),
        Some(owner) if owner != *coldkey => Err(DispatchError::NonAssociatedColdKey),
        Some(_) => Ok(()),
    }
}

/// `increase_take(hotkey, take)`: `HotKeyAccountNotExists`, `NonAssociatedColdKey`,
/// `DelegateTakeTooLow` (not above an explicitly set take), `DelegateTakeTooHigh`,
/// `DelegateTxRateLimitExceeded` (within `tx_delegate_take_rate_limit` blocks of the hotkey's last
/// take change).
pub(crate) fn do_increase_take(cx: &mut Ctx, coldkey: &AccountId, hotkey: &AccountId, take: u16) -> DispatchResult {
    ensure_owns_hotkey(cx, coldkey, hotkey)?;
    if DELEGATE_TAKE.try_get(cx.s, hotkey).is_some_and(|current| take <= current) {
        return Err(DispatchError::DelegateTakeTooLow);
    }
    let params = cx.params();
    if take > params.max_delegate_take {
        return Err(DispatchError::DelegateTakeTooHigh);
    }
    let last = LAST_TX_BLOCK_DELEGATE_TAKE.get(cx.s, hotkey);
    let limit = params.tx_delegate_take_rate_limit;
    if limit != 0 && last != 0 && cx.block.saturating_sub(last) <= limit {
        return Err(DispatchError::DelegateTxRateLimitExceeded);
    }
    LAST_TX_BLOCK_DELEGATE_TAKE.set(cx.s, hotkey, &cx.block);
    DELEGATE_TAKE.insert(cx.s, hotkey, &take);
    cx.emit(Event::TakeIncreased { hotkey: *hotkey, take });
    Ok(())
}

/// `decrease_take(hotkey, take)`: `HotKeyAccountNotExists`, `NonAssociatedColdKey`,
/// `DelegateTakeTooLow` (not below an explicitly set take, or below the minimum). Not rate
/// limited, but it starts the rate limit of the next increase.
pub(crate) fn do_decrease_take(cx: &mut Ctx, coldkey: &AccountId, hotkey: &AccountId, take: u16) -> DispatchResult {
    ensure_owns_hotkey(cx, coldkey, hotkey)?;
    if DELEGATE_TAKE.try_get(cx.s, hotkey).is_some_and(|current| take >= current) {
        return Err(DispatchError::DelegateTakeTooLow);
    }
    if take < cx.params().min_delegate_take {
        return Err(DispatchError::DelegateTakeTooLow);
    }
    LAST_TX_BLOCK_DELEGATE_TAKE.set(cx.s, hotkey, &cx.block);
    DELEGATE_TAKE.insert(cx.s, hotkey, &take);
    cx.emit(Event::TakeDecreased { hotkey: *hotkey, take });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{MemoryStorage, Overlay};

    fn with_ctx<R>(state: &MemoryStorage, f: impl FnOnce(&mut Ctx) -> R) -> (R, crate::storage::ChangeSet) {
        let mut overlay = Overlay::new(state);
        let mut events = Vec::new();
        let r = {
            let mut cx = Ctx { s: &mut overlay, block: 1, events: &mut events };
            f(&mut cx)
        };
        (r, overlay.into_changes())
    }

    #[test]
    fn overflowing_a_pool_is_a_typed_error() {
        // Unreachable under the 21M supply cap; the guard still has to hold.
        let hk = AccountId([1; 32]);
        let ck = AccountId([2; 32]);
        let mut state = MemoryStorage::new();
        TOTAL_HOTKEY_STAKE.set(&mut state, &(hk, NetUid(1)), &(u64::MAX - 5));
        TOTAL_HOTKEY_SHARES.set(&mut state, &(hk, NetUid(1)), &u128::from(u64::MAX - 5));
        let (r, _) = with_ctx(&state, |cx| increase_stake(cx, &hk, NetUid(1), &ck, 10));
        assert_eq!(r, Err(DispatchError::ArithmeticOverflow));
        let (r, _) = with_ctx(&state, |cx| credit_pool(cx, &hk, NetUid(1), 10));
        assert_eq!(r, Err(DispatchError::ArithmeticOverflow));
    }

    #[test]
    fn a_stake_the_pool_cannot_represent_is_refused() {
        // A pool whose value per share has grown enormous (1e16 rao on a single share unit).
        let hk = AccountId([1; 32]);
        let ck = AccountId([2; 32]);
        let mut state = MemoryStorage::new();
        NETWORKS.insert(
            &mut state,
            &NetUid(1),
            &crate::state::SubnetInfo { first_emission_block: 1, ..Default::default() },
        );
        OWNER.insert(&mut state, &hk, &ck);
        crate::state::BALANCES.set(&mut state, &ck, &(10 * 1_000_000_000));
        TOTAL_HOTKEY_STAKE.set(&mut state, &(hk, NetUid(1)), &10_000_000_000_000_000);
        TOTAL_HOTKEY_SHARES.set(&mut state, &(hk, NetUid(1)), &1);
        let (r, _) = with_ctx(&state, |cx| do_add_stake(cx, &ck, &hk, NetUid(1), Balance(2_000_000)));
        assert_eq!(r, Err(DispatchError::InsufficientLiquidity));
    }

    #[test]
    fn scaled_shares_price_new_stake_to_the_rao_after_large_dividends() {
        let hk = AccountId([1; 32]);
        let (a, b) = (AccountId([2; 32]), AccountId([3; 32]));
        let mut state = MemoryStorage::new();
        OWNER.insert(&mut state, &hk, &a);
        let (_, changes) = with_ctx(&state, |cx| {
            increase_stake(cx, &hk, NetUid(1), &a, 2_000_000).unwrap();
            // Dividends multiply the pool's value a million-fold.
            credit_pool(cx, &hk, NetUid(1), 2_000_000_000_000).unwrap();
            increase_stake(cx, &hk, NetUid(1), &b, 2_000_000).unwrap();
        });
        state.commit(changes);
        let b_value = stake_of(&state, &hk, NetUid(1), &b);
        assert!(2_000_000 - b_value <= 1, "b's 0.002 TAO is worth {b_value} rao");
        assert!(stake_of(&state, &hk, NetUid(1), &a) >= 2_002_000_000 - 1);
    }

    #[test]
    fn last_holder_takes_the_rounding_dust() {
        let hk = AccountId([1; 32]);
        let (a, b) = (AccountId([2; 32]), AccountId([3; 32]));
        let mut state = MemoryStorage::new();
        OWNER.insert(&mut state, &hk, &a);
        let (_, changes) = with_ctx(&state, |cx| {
            increase_stake(cx, &hk, NetUid(1), &a, 3).unwrap();
            increase_stake(cx, &hk, NetUid(1), &b, 3).unwrap();
            credit_pool(cx, &hk, NetUid(1), 1).unwrap(); // 7 rao over 6 shares: a and b each own ⌊3.5⌋
        });
        state.commit(changes);
        assert_eq!(stake_of(&state, &hk, NetUid(1), &a), 3);
        assert_eq!(stake_of(&state, &hk, NetUid(1), &b), 3);
        let (_, changes) = with_ctx(&state, |cx| decrease_stake(cx, &hk, NetUid(1), &a, 3).unwrap());
        state.commit(changes);
        assert_eq!(stake_of(&state, &hk, NetUid(1), &b), 4, "b keeps a's rounding remainder");
        let (_, changes) = with_ctx(&state, |cx| decrease_stake(cx, &hk, NetUid(1), &b, 4).unwrap());
        state.commit(changes);
        assert_eq!(total_hotkey_stake(&state, &hk, NetUid(1)), 0);
        assert_eq!(TOTAL_HOTKEY_SHARES.get(&state, &(hk, NetUid(1))), 0);
    }
}
