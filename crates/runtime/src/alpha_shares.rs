//! Dynamic TAO's stake pools: one per (hotkey, netuid), its value in `TotalHotkeyAlpha` and its
//! shares as [`SafeFloat`]s (`AlphaV2` per position, `TotalHotkeySharesV2` per pool), the
//! reference's share pool (spec `dtao.md` §3.1, [`agora_economy::share_pool`]), so that stake,
//! dividends and unstakes agree with the reference's to the rao.
//!
//! Deliberate differences, all where the reference leaves dust: unstaking a whole position takes
//! its whole share out of the pool (the reference takes `amount·D/V` shares, truncated, which can
//! leave the leaver a rao; here that fraction of a rao stays with the other holders); a position
//! whose share is worth nothing after an unstake is dropped from the position index (its share
//! stays counted in the denominator, so nobody else's value moves); and a pool whose value
//! reaches 0 starts afresh (the reference keeps a denominator there that would give a new staker
//! no shares).

use agora_economy::share_pool::{SafeFloat, SharePool};
use agora_primitives::{AccountId, NetUid};

use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::staking::{hotkey_owner, index_position};
use crate::state::{ALPHA_SHARES, TOTAL_ALPHA_SHARES, TOTAL_HOTKEY_STAKE};
use crate::storage::StorageRead;

fn float((mantissa, exponent): (u128, i64)) -> SafeFloat {
    SafeFloat::from_parts(mantissa, exponent)
}

/// `hotkey`'s pool on `netuid`.
fn pool(s: &(impl StorageRead + ?Sized), hotkey: &AccountId, netuid: NetUid) -> SharePool {
    SharePool {
        value: TOTAL_HOTKEY_STAKE.get(s, &(*hotkey, netuid)),
        denominator: float(TOTAL_ALPHA_SHARES.get(s, &(*hotkey, netuid))),
    }
}

fn share(s: &(impl StorageRead + ?Sized), hotkey: &AccountId, netuid: NetUid, coldkey: &AccountId) -> SafeFloat {
    float(ALPHA_SHARES.get(s, &(*hotkey, netuid, *coldkey)))
}

fn store_pool(cx: &mut Ctx, hotkey: &AccountId, netuid: NetUid, p: &SharePool) {
    let key = (*hotkey, netuid);
    if p.value == 0 {
        TOTAL_HOTKEY_STAKE.remove(cx.s, &key);
        TOTAL_ALPHA_SHARES.remove(cx.s, &key);
    } else {
        TOTAL_HOTKEY_STAKE.set(cx.s, &key, &p.value);
        TOTAL_ALPHA_SHARES.set(cx.s, &key, &p.denominator.parts());
    }
}

/// Stores `coldkey`'s share; a share worth nothing in `p` leaves the position index.
fn store_share(cx: &mut Ctx, hotkey: &AccountId, netuid: NetUid, coldkey: &AccountId, p: &SharePool, s: SafeFloat) {
    let key = (*hotkey, netuid, *coldkey);
    let holds = !s.is_zero() && p.value_of(&s) > 0;
    if holds {
        ALPHA_SHARES.set(cx.s, &key, &s.parts());
    } else {
        ALPHA_SHARES.remove(cx.s, &key);
    }
    index_position(cx, hotkey, netuid, coldkey, holds);
}

/// `⌊V·s/D⌋` of `coldkey`'s position.
pub(crate) fn stake_of(
    s: &(impl StorageRead + ?Sized),
    hotkey: &AccountId,
    netuid: NetUid,
    coldkey: &AccountId,
) -> u64 {
    pool(s, hotkey, netuid).value_of(&share(s, hotkey, netuid, coldkey))
}

/// Whether adding `amount` to a position in `hotkey`'s pool would move any share (the reference's
/// precision guard): a stake too small for the pool to record is refused.
pub(crate) fn records(s: &(impl StorageRead + ?Sized), hotkey: &AccountId, netuid: NetUid, amount: u64) -> bool {
    i64::try_from(amount).is_ok_and(|a| pool(s, hotkey, netuid).update_moves_shares(a))
}

/// Adds `amount` to `coldkey`'s position (`update_value_for_one(+amount)`).
pub(crate) fn increase(
    cx: &mut Ctx,
    hotkey: &AccountId,
    netuid: NetUid,
    coldkey: &AccountId,
    amount: u64,
) -> DispatchResult {
    if amount == 0 {
        return Ok(());
    }
    let delta = i64::try_from(amount).map_err(|_| DispatchError::ArithmeticOverflow)?;
    let mut p = pool(cx.s, hotkey, netuid);
    p.value.checked_add(amount).ok_or(DispatchError::ArithmeticOverflow)?;
    let before = share(cx.s, hotkey, netuid, coldkey);
    let after = p.update_one(&before, delta);
    store_pool(cx, hotkey, netuid, &p);
    store_share(cx, hotkey, netuid, coldkey, &p, after);
    Ok(())
}

/// Takes `amount` (at most the position's value) from `coldkey`'s position
/// (`update_value_for_one(−amount)`); returns it.
pub(crate) fn decrease(
    cx: &mut Ctx,
    hotkey: &AccountId,
    netuid: NetUid,
    coldkey: &AccountId,
    amount: u64,
) -> Result<u64, DispatchError> {
    let owned = stake_of(cx.s, hotkey, netuid, coldkey);
    if amount > owned {
        return Err(DispatchError::NotEnoughStakeToWithdraw);
    }
    if amount == 0 {
        return Ok(0);
    }
    let delta = i64::try_from(amount).map_err(|_| DispatchError::ArithmeticOverflow)?;
    let mut p = pool(cx.s, hotkey, netuid);
    let before = share(cx.s, hotkey, netuid, coldkey);
    let after = if amount == owned {
        // A full exit takes the whole share with it, so no dust is left behind.
        p.denominator = p.denominator.sub(&before).unwrap_or(SafeFloat::ZERO);
        p.update_all(-delta);
        SafeFloat::ZERO
    } else {
        p.update_one(&before, -delta)
    };
    if p.value == 0 {
        p.denominator = SafeFloat::ZERO;
    }
    store_pool(cx, hotkey, netuid, &p);
    store_share(cx, hotkey, netuid, coldkey, &p, after);
    Ok(amount)
}

/// Credits `amount` to every holder of `hotkey`'s pool pro rata (`update_value_for_all`); an empty
/// pool is credited to the hotkey's owner as a stake.
pub(crate) fn credit(cx: &mut Ctx, hotkey: &AccountId, netuid: NetUid, amount: u64) -> DispatchResult {
    if amount == 0 {
        return Ok(());
    }
    let mut p = pool(cx.s, hotkey, netuid);
    if p.denominator.is_zero() {
        let owner = hotkey_owner(cx.s, hotkey).ok_or(DispatchError::HotKeyAccountNotExists)?;
        return increase(cx, hotkey, netuid, &owner, amount);
    }
    p.value = p.value.checked_add(amount).ok_or(DispatchError::ArithmeticOverflow)?;
    store_pool(cx, hotkey, netuid, &p);
    Ok(())
}

/// Every position on `netuid`: (hotkey, coldkey).
pub(crate) fn positions_in(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> Vec<(AccountId, AccountId)> {
    ALPHA_SHARES.iter(s).into_iter().filter(|((_, n, _), _)| *n == netuid).map(|((h, _, c), _)| (h, c)).collect()
}

/// Every position on `hotkey`: (netuid, coldkey).
pub(crate) fn positions_on(s: &(impl StorageRead + ?Sized), hotkey: &AccountId) -> Vec<(NetUid, AccountId)> {
    ALPHA_SHARES.iter_prefix(s, hotkey).into_iter().map(|((_, n, c), _)| (n, c)).collect()
}
