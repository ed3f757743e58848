//! Neurons: `burned_register`, the registration burn price, appending and replacing uids, and the
//! choice of which neuron to prune when a subnet is full.
//!
//! # Burn price (current reference rule)
//!
//! Every block, each subnet's burn decays by a factor `f` (Q32 fixed point) chosen so that
//! `f^half_life ≤ 0.5` as tightly as possible; after each registration it is multiplied by
//! `burn_increase_mult` (1.26 ≈ 2^(1/3) by default); both results are clamped to
//! `[min_burn, max_burn]`. The paid burn leaves circulation (recycled).

use agora_primitives::fixed::U64F64;
use agora_primitives::{AccountId, Balance, NetUid, Uid};

use crate::balances::{recycle, withdraw};
use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::staking::{create_account_if_non_existent, hotkey_owner};
use crate::state::*;
use crate::storage::StorageRead;
use crate::subnets::hyperparams;

/// `⌊value · factor / 2^32⌋`, saturating (the reference's `mul_by_q32`).
pub fn mul_by_q32(value: u64, factor_q32: u64) -> u64 {
    let product = u128::from(value).saturating_mul(u128::from(factor_q32)) >> 32;
    u64::try_from(product).unwrap_or(u64::MAX)
}

/// `base^exp` in Q32 by squaring (the reference's `pow_q32`).
pub fn pow_q32(base_q32: u64, exp: u16) -> u64 {
    let mut result: u64 = 1 << 32;
    let mut factor = base_q32;
    let mut power = u32::from(exp);
    while power > 0 {
        if power & 1 == 1 {
            result = mul_by_q32(result, factor);
        }
        power >>= 1;
        if power > 0 {
            factor = mul_by_q32(factor, factor);
        }
    }
    result
}

/// The largest Q32 factor `f` with `f^half_life ≤ 0.5` (binary search, as the reference).
pub fn decay_factor_q32(half_life: u16) -> u64 {
    if half_life == 0 {
        return 1 << 32;
    }
    let half: u64 = 1 << 31;
    let (mut lo, mut hi): (u64, u64) = (0, 1 << 32);
    while lo + 1 < hi {
        let mid = lo + ((hi - lo) >> 1);
        if pow_q32(mid, half_life) > half {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    lo
}

/// Block hook: decays every subnet's burn and resets per-block registration counters.
pub(crate) fn update_registration_prices(cx: &mut Ctx) {
    for (netuid, _) in NETWORKS.iter(cx.s) {
        let h = hyperparams(cx.s, netuid);
        let burn = BURN.get(cx.s, &netuid);
        let mut new_burn = burn;
        if h.burn_half_life > 0 && cx.block > 1 {
            new_burn = mul_by_q32(burn, decay_factor_q32(h.burn_half_life));
        }
        new_burn = new_burn.max(h.min_burn).min(h.max_burn);
        if new_burn != burn {
            BURN.set(cx.s, &netuid, &new_burn);
        }
        REGISTRATIONS_THIS_BLOCK.remove(cx.s, &netuid);
    }
}

fn bump_burn_after_registration(cx: &mut Ctx, netuid: NetUid) {
    let h = hyperparams(cx.s, netuid);
    let mult = h.burn_increase_mult_fixed().max(U64F64::from_num(1));
    let burn = BURN.get(cx.s, &netuid);
    let bumped: u64 = U64F64::saturating_from_num(burn).saturating_mul(mult).saturating_to_num();
    BURN.set(cx.s, &netuid, &bumped.max(h.min_burn).min(h.max_burn));
}

/// Whether `uid` is still within its immunity period.
pub fn is_immune(s: &(impl StorageRead + ?Sized), netuid: NetUid, uid: Uid, block: u64) -> bool {
    let registered = BLOCK_AT_REGISTRATION.get(s, &(netuid, uid));
    block.saturating_sub(registered) < u64::from(hyperparams(s, netuid).immunity_period)
}

/// Owner hotkeys that are never pruned: the subnet owner hotkey first, then the owner coldkey's
/// other hotkeys on the subnet, oldest registration first, up to `immune_owner_uids_limit`.
pub(crate) fn immune_owner_uids(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> Vec<Uid> {
    let Some(info) = NETWORKS.try_get(s, &netuid) else {
        return Vec::new();
    };
    let limit = usize::from(hyperparams(s, netuid).immune_owner_uids_limit);
    let mut owned: Vec<(u64, Uid)> = match info.owner {
        Some(owner) => OWNED_HOTKEYS
            .iter_prefix(s, &owner)
            .into_iter()
            .filter_map(|((_, hk), ())| UIDS.try_get(s, &(netuid, hk)))
            .map(|uid| (BLOCK_AT_REGISTRATION.get(s, &(netuid, uid)), uid))
            .collect(),
        None => Vec::new(),
    };
    owned.sort();
    owned.truncate(limit);
    let mut uids: Vec<Uid> = owned.into_iter().map(|(_, u)| u).collect();
    if let Some(owner_uid) = info.owner_hotkey.and_then(|hk| UIDS.try_get(s, &(netuid, hk)))
        && !uids.contains(&owner_uid)
    {
        uids.insert(0, owner_uid);
        uids.truncate(limit);
    }
    uids
}

/// The uid a new registration replaces when the subnet is full (reference `get_neuron_to_prune`):
/// the lowest `Emission` among non-immune uids (ties: earliest registration, then lowest uid),
/// provided more than `min_non_immune_uids` are non-immune; otherwise the same choice among immune
/// uids. Owner hotkeys are never chosen.
pub fn neuron_to_prune(s: &(impl StorageRead + ?Sized), netuid: NetUid, block: u64) -> Option<Uid> {
    let n = SUBNETWORK_N.get(s, &netuid);
    if n == 0 {
        return None;
    }
    let immortal = immune_owner_uids(s, netuid);
    let emission = EMISSION.get(s, &netuid);
    let mut free_count: u16 = 0;
    let mut best_free: Option<(u64, u64, Uid)> = None;
    let mut best_immune: Option<(u64, u64, Uid)> = None;
    for raw in 0..n {
        let uid = Uid(raw);
        if !KEYS.contains(s, &(netuid, uid)) || immortal.contains(&uid) {
            continue;
        }
        let candidate =
            (emission.get(uid.index()).copied().unwrap_or(0), BLOCK_AT_REGISTRATION.get(s, &(netuid, uid)), uid);
        let slot = if is_immune(s, netuid, uid, block) {
            &mut best_immune
        } else {
            free_count += 1;
            &mut best_free
        };
        if slot.is_none_or(|best| candidate < best) {
            *slot = Some(candidate);
        }
    }
    let min_free = hyperparams(s, netuid).min_non_immune_uids;
    if free_count > min_free
        && let Some((_, _, uid)) = best_free
    {
        return Some(uid);
    }
    best_immune.map(|(_, _, uid)| uid)
}

fn push_default<T: Clone + Default>(v: &mut Vec<T>, len: usize) {
    v.resize(len, T::default());
}

fn set_at<T: Clone + Default>(v: &mut Vec<T>, index: usize, value: T) {
    if v.len() <= index {
        v.resize(index + 1, T::default());
    }
    v[index] = value;
}

/// Appends `hotkey` as uid `n` (reference `append_neuron`).
pub(crate) fn append_neuron(cx: &mut Ctx, netuid: NetUid, hotkey: &AccountId) -> Uid {
    let n = SUBNETWORK_N.get(cx.s, &netuid);
    let uid = Uid(n);
    let len = usize::from(n) + 1;
    SUBNETWORK_N.set(cx.s, &netuid, &(n + 1));
    ACTIVE.mutate(cx.s, &netuid, |v| set_at(v, uid.index(), true));
    EMISSION.mutate(cx.s, &netuid, |v| push_default(v, len));
    CONSENSUS.mutate(cx.s, &netuid, |v| push_default(v, len));
    INCENTIVE.mutate(cx.s, &netuid, |v| push_default(v, len));
    DIVIDENDS.mutate(cx.s, &netuid, |v| push_default(v, len));
    VALIDATOR_TRUST.mutate(cx.s, &netuid, |v| push_default(v, len));
    STAKE_WEIGHT.mutate(cx.s, &netuid, |v| push_default(v, len));
    VALIDATOR_PERMIT.mutate(cx.s, &netuid, |v| push_default(v, len));
    LAST_UPDATE.mutate(cx.s, &netuid, |v| set_at(v, uid.index(), cx.block));
    KEYS.insert(cx.s, &(netuid, uid), hotkey);
    UIDS.insert(cx.s, &(netuid, *hotkey), &uid);
    BLOCK_AT_REGISTRATION.set(cx.s, &(netuid, uid), &cx.block);
    IS_NETWORK_MEMBER.insert(cx.s, &(*hotkey, netuid), &());
    uid
}

/// Clears a uid's epoch outputs, its bonds and weights rows, and every weight pointing to it
/// (set to an explicit 0, as the reference does; not on the root network, whose weights point at
/// subnets).
pub(crate) fn clear_neuron(cx: &mut Ctx, netuid: NetUid, uid: Uid) {
    let i = uid.index();
    EMISSION.mutate(cx.s, &netuid, |v| set_at(v, i, 0));
    CONSENSUS.mutate(cx.s, &netuid, |v| set_at(v, i, 0));
    INCENTIVE.mutate(cx.s, &netuid, |v| set_at(v, i, 0));
    DIVIDENDS.mutate(cx.s, &netuid, |v| set_at(v, i, 0));
    STAKE_WEIGHT.mutate(cx.s, &netuid, |v| set_at(v, i, 0));
    VALIDATOR_TRUST.mutate(cx.s, &netuid, |v| set_at(v, i, 0));
    VALIDATOR_PERMIT.mutate(cx.s, &netuid, |v| set_at(v, i, false));
    BONDS.remove(cx.s, &(netuid, uid));
    WEIGHTS.remove(cx.s, &(netuid, uid));
    if netuid.is_root() {
        // Root weights point at netuids, not uids: a new root validator changes no subnet's weight.
        return;
    }
    for ((_, row_uid), mut row) in WEIGHTS.iter_prefix(cx.s, &netuid) {
        let mut changed = false;
        for (target, w) in row.iter_mut() {
            if *target == uid.0 && *w != 0 {
                *w = 0;
                changed = true;
            }
        }
        if changed {
            WEIGHTS.insert(cx.s, &(netuid, row_uid), &row);
        }
    }
}

/// Puts `hotkey` in place of the neuron at `uid` (reference `replace_neuron`). Returns the old
/// hotkey, or `None` if `uid` holds the subnet owner hotkey (never replaced).
pub(crate) fn replace_neuron(cx: &mut Ctx, netuid: NetUid, uid: Uid, hotkey: &AccountId) -> Option<AccountId> {
    let old = KEYS.try_get(cx.s, &(netuid, uid))?;
    let owner_hotkey = NETWORKS.try_get(cx.s, &netuid).and_then(|i| i.owner_hotkey);
    if owner_hotkey == Some(old) {
        return None;
    }
    UIDS.remove(cx.s, &(netuid, old));
    IS_NETWORK_MEMBER.remove(cx.s, &(old, netuid));
    AXONS.remove(cx.s, &(netuid, old));
    WEIGHT_COMMITS.remove(cx.s, &(netuid, old));
    ACTIVE.mutate(cx.s, &netuid, |v| set_at(v, uid.index(), true));
    KEYS.insert(cx.s, &(netuid, uid), hotkey);
    UIDS.insert(cx.s, &(netuid, *hotkey), &uid);
    BLOCK_AT_REGISTRATION.set(cx.s, &(netuid, uid), &cx.block);
    IS_NETWORK_MEMBER.insert(cx.s, &(*hotkey, netuid), &());
    clear_neuron(cx, netuid, uid);
    LAST_UPDATE.mutate(cx.s, &netuid, |v| set_at(v, uid.index(), cx.block));
    Some(old)
}

/// Registers `hotkey`: appends a uid if there is room, else replaces [`neuron_to_prune`].
pub(crate) fn register_neuron(
    cx: &mut Ctx,
    netuid: NetUid,
    hotkey: &AccountId,
) -> Result<(Uid, Option<AccountId>), DispatchError> {
    let n = SUBNETWORK_N.get(cx.s, &netuid);
    if n < hyperparams(cx.s, netuid).max_allowed_uids {
        return Ok((append_neuron(cx, netuid, hotkey), None));
    }
    let uid = neuron_to_prune(cx.s, netuid, cx.block).ok_or(DispatchError::NoNeuronIdAvailable)?;
    let replaced = replace_neuron(cx, netuid, uid, hotkey).ok_or(DispatchError::NoNeuronIdAvailable)?;
    Ok((uid, Some(replaced)))
}

/// `burned_register(netuid, hotkey)`, signed by the coldkey.
///
/// Checks, in order: `RegistrationNotPermittedOnRootSubnet`, `SubnetNotExists`,
/// `SubNetRegistrationDisabled`, `HotKeyAlreadyRegisteredInSubNet`, `NotEnoughBalanceToStake`
/// (balance below the burn), `NonAssociatedColdKey` (hotkey owned by another coldkey),
/// `NoNeuronIdAvailable` (no uids, or full with nothing prunable).
/// `register_limit(netuid, hotkey, limit_price)`: `burned_register` when the burn is at most
/// `limit_price`, else `RegistrationPriceLimitExceeded` (after the root and existence checks,
/// as the reference orders them).
pub(crate) fn do_register_limit(
    cx: &mut Ctx,
    coldkey: &AccountId,
    netuid: NetUid,
    hotkey: &AccountId,
    limit_price: Balance,
) -> DispatchResult {
    if netuid.is_root() {
        return Err(DispatchError::RegistrationNotPermittedOnRootSubnet);
    }
    if !NETWORKS.contains(cx.s, &netuid) {
        return Err(DispatchError::SubnetNotExists);
    }
    if BURN.get(cx.s, &netuid) > limit_price.rao() {
        return Err(DispatchError::RegistrationPriceLimitExceeded);
    }
    do_burned_register(cx, coldkey, netuid, hotkey)
}

pub(crate) fn do_burned_register(
    cx: &mut Ctx,
    coldkey: &AccountId,
    netuid: NetUid,
    hotkey: &AccountId,
) -> DispatchResult {
    if netuid.is_root() {
        return Err(DispatchError::RegistrationNotPermittedOnRootSubnet);
    }
    if !NETWORKS.contains(cx.s, &netuid) {
        return Err(DispatchError::SubnetNotExists);
    }
    let h = hyperparams(cx.s, netuid);
    if !h.registration_allowed {
        return Err(DispatchError::SubNetRegistrationDisabled);
    }
    if UIDS.contains(cx.s, &(netuid, *hotkey)) {
        return Err(DispatchError::HotKeyAlreadyRegisteredInSubNet);
    }
    let burn = BURN.get(cx.s, &netuid);
    if crate::balances::free_balance(cx.s, coldkey) < burn {
        return Err(DispatchError::NotEnoughBalanceToStake);
    }
    create_account_if_non_existent(cx, coldkey, hotkey);
    if hotkey_owner(cx.s, hotkey) != Some(*coldkey) {
        return Err(DispatchError::NonAssociatedColdKey);
    }
    if h.max_allowed_uids == 0
        || (SUBNETWORK_N.get(cx.s, &netuid) >= h.max_allowed_uids && neuron_to_prune(cx.s, netuid, cx.block).is_none())
    {
        return Err(DispatchError::NoNeuronIdAvailable);
    }
    withdraw(cx, coldkey, burn, DispatchError::NotEnoughBalanceToStake)?;
    recycle(cx, burn);
    let (uid, replaced) = register_neuron(cx, netuid, hotkey)?;
    bump_burn_after_registration(cx, netuid);
    REGISTRATIONS_THIS_BLOCK.mutate(cx.s, &netuid, |r| *r = r.saturating_add(1));
    RAO_RECYCLED_FOR_REGISTRATION.mutate(cx.s, &netuid, |r| *r = r.saturating_add(burn));
    cx.emit(Event::NeuronRegistered { netuid, uid, hotkey: *hotkey, replaced, burned: Balance(burn) });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_factor_halves_over_the_half_life() {
        let f = decay_factor_q32(360);
        assert!(pow_q32(f, 360) <= 1 << 31);
        assert!(pow_q32(f + 1, 360) > 1 << 31);
        assert_eq!(decay_factor_q32(0), 1 << 32);
        assert_eq!(decay_factor_q32(1), 1 << 31);
    }

    #[test]
    fn q32_multiplication_floors_and_saturates() {
        assert_eq!(mul_by_q32(10, 1 << 31), 5);
        assert_eq!(mul_by_q32(11, 1 << 31), 5);
        assert_eq!(mul_by_q32(u64::MAX, u64::MAX), u64::MAX);
    }
}
