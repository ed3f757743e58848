//! Dynamic TAO's stake pools: one per (hotkey, netuid), its value in `TotalHotkeyAlpha` and its
//! shares as [`SafeFloat`]s (`AlphaV2` per position, `TotalHotkeySharesV2` per pool), the
//! reference's share pool (spec `dtao.md` §3.1, [`agora_economy::share_pool`]), so that stake,
//! dividends and unstakes agree with the reference's to the rao.
//!
//! Deliberate differences, all where the reference leaves dust: unstaking a whole position takes
//! its whole share out of the pool (the reference takes `amount·D/V` shares, truncated, which can
//! leave the leaver a rao; here that fraction of a rao stays with the other holders), and the
//! last holder out takes the pool's whole value and the pool is removed (the reference can leave
//! a rao and a denominator nobody owns, which would give a new staker no shares). A share worth
//! less than a rao is kept, as the reference keeps it, but leaves the position index. A dissolved
//! subnet's pools are removed with it.

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

/// Stores `coldkey`'s share (kept while nonzero, as the reference keeps it, even when it is worth
/// less than a rao); a position worth nothing leaves the position index.
fn store_share(cx: &mut Ctx, hotkey: &AccountId, netuid: NetUid, coldkey: &AccountId, p: &SharePool, s: SafeFloat) {
    let key = (*hotkey, netuid, *coldkey);
    if s.is_zero() {
        ALPHA_SHARES.remove(cx.s, &key);
    } else {
        ALPHA_SHARES.set(cx.s, &key, &s.parts());
    }
    index_position(cx, hotkey, netuid, coldkey, !s.is_zero() && p.value_of(&s) > 0);
}

/// Whether anyone but `coldkey` holds a share of `hotkey`'s pool on `netuid`.
fn others_hold(s: &(impl StorageRead + ?Sized), hotkey: &AccountId, netuid: NetUid, coldkey: &AccountId) -> bool {
    ALPHA_SHARES.iter_prefix(s, &(*hotkey, netuid)).into_iter().any(|((_, _, c), _)| c != *coldkey)
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
/// (`update_value_for_one(−amount)`); returns what left the pool: `amount`, or the pool's whole
/// value when the last holder leaves (the rounding dust goes with it).
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
    if amount == owned && !others_hold(cx.s, hotkey, netuid, coldkey) {
        // The last holder out takes the whole pool, dust included, and the pool is gone.
        let all = p.value;
        store_pool(cx, hotkey, netuid, &SharePool::default());
        store_share(cx, hotkey, netuid, coldkey, &SharePool::default(), SafeFloat::ZERO);
        return Ok(all);
    }
    let after = if amount == owned {
        // A full exit takes the whole share with it, so the leaver keeps no dust.
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

/// Forgets every stake pool and position on `netuid` (a dissolved subnet, after its stakers were
/// paid), so a netuid used again starts empty.
pub(crate) fn clear_subnet(cx: &mut Ctx, netuid: NetUid) {
    for ((hotkey, n, coldkey), _) in ALPHA_SHARES.iter(cx.s) {
        if n == netuid {
            ALPHA_SHARES.remove(cx.s, &(hotkey, n, coldkey));
            index_position(cx, &hotkey, n, &coldkey, false);
        }
    }
    for ((hotkey, n), _) in TOTAL_HOTKEY_STAKE.iter(cx.s) {
        if n == netuid {
            TOTAL_HOTKEY_STAKE.remove(cx.s, &(hotkey, n));
            TOTAL_ALPHA_SHARES.remove(cx.s, &(hotkey, n));
        }
    }
    for ((hotkey, n), _) in TOTAL_ALPHA_SHARES.iter(cx.s) {
        if n == netuid {
            TOTAL_ALPHA_SHARES.remove(cx.s, &(hotkey, n));
        }
    }
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
