//! Subnets: `register_network` with the lock cost rule and pruning, `start_call`,
//! `set_subnet_identity`, and removal.
//!
//! # Lock cost
//!
//! `cost = max(min_lock, last_lock · m − ⌊last_lock / interval⌋ · (now − last_lock_block))` with
//! `m = 2` after any registration (1 before the first): right after a registration that paid `L`
//! the price is `2L`, falling linearly by `L` over `interval` blocks (14 days by default) and never
//! below `min_lock` (1000 TAO). The lock is refunded to the owner if the subnet is ever removed.
//!
//! # Subnet limit
//!
//! When `subnet_limit` subnets exist, registering removes the subnet with the lowest per-block
//! emission among those older than `network_immunity_period` (ties: earliest registration); its
//! lock is refunded, every stake on it is returned to its coldkey, and its pending emission is
//! recycled. If all are immune, `SubnetLimitReached`.
//!
//! # Dynamic TAO
//!
//! The whole lock goes into the new subnet's pool at the median price of the other subnets (no
//! lock to refund), TAO emission starts off, pruning takes the lowest price EMA, and removal pays
//! the pool's TAO to the stakers in proportion to their alpha (spec `dtao.md` §6).

use agora_primitives::{AccountId, Balance, BlockNumber, NetUid, RAO_PER_TAO};

use crate::balances::{deposit, recycle, withdraw};
use crate::call::SubnetIdentity;
use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::hyperparams::SubnetHyperparams;
use crate::registration::append_neuron;
use crate::staking::{create_account_if_non_existent, decrease_stake, hotkey_owner, stake_of};
use crate::state::*;
use crate::storage::StorageRead;

/// Burn of a new subnet (the reference's init value).
pub const INITIAL_BURN: u64 = RAO_PER_TAO;

/// Hyperparameters of `netuid` (defaults if the subnet does not exist).
pub fn hyperparams(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> SubnetHyperparams {
    HYPERPARAMS.try_get(s, &netuid).unwrap_or_default()
}

/// The current subnet lock cost (rao).
pub fn network_lock_cost(s: &(impl StorageRead + ?Sized), now: u64) -> u64 {
    let params = GLOBAL_PARAMS.get(s);
    let last_lock = NETWORK_LAST_LOCK.get(s);
    let last_block = NETWORK_LAST_LOCK_BLOCK.get(s);
    let mult = if last_block == 0 { 1 } else { 2 };
    let decay =
        (last_lock / params.network_lock_reduction_interval.max(1)).saturating_mul(now.saturating_sub(last_block));
    last_lock.saturating_mul(mult).saturating_sub(decay).max(params.network_min_lock_cost)
}

/// The subnet that would be pruned to make room: lowest emission among non-immune subnets, ties to
/// the earliest registered.
/// On a dynamic chain the lowest price EMA decides instead of emission.
pub fn subnet_to_prune(s: &(impl StorageRead + ?Sized), now: u64) -> Option<NetUid> {
    let immunity = GLOBAL_PARAMS.get(s).network_immunity_period;
    let dynamic = crate::pools::is_dynamic(s);
    NETWORKS
        .iter(s)
        .into_iter()
        .filter(|(n, info)| !n.is_root() && now.saturating_sub(info.registered_at) >= immunity)
        .min_by_key(|(n, info)| {
            let score = if dynamic {
                // I96F32 bits order as the prices do (an EMA is never negative).
                crate::pools::pool_state(s, *n).map_or(0, |p| p.moving_price.max(0) as u128)
            } else {
                u128::from(EMISSION_VALUES.get(s, n))
            };
            (score, info.registered_at, *n)
        })
        .map(|(n, _)| n)
}

/// Creates subnet `netuid` with `hparams`, and (if `register_owner`) its owner hotkey as uid 0.
pub(crate) fn init_new_network(
    cx: &mut Ctx,
    netuid: NetUid,
    owner: &AccountId,
    owner_hotkey: &AccountId,
    locked: u64,
    hparams: SubnetHyperparams,
    register_owner: bool,
) {
    let tempo = u64::from(hparams.tempo);
    NETWORKS.insert(
        cx.s,
        &netuid,
        &SubnetInfo {
            owner: Some(*owner),
            owner_hotkey: Some(*owner_hotkey),
            registered_at: cx.block,
            locked,
            first_emission_block: 0,
        },
    );
    HYPERPARAMS.insert(cx.s, &netuid, &hparams);
    BURN.set(cx.s, &netuid, &INITIAL_BURN.max(hparams.min_burn).min(hparams.max_burn));
    // Stagger epochs across subnets (reference: LastEpochBlock = now − netuid mod tempo). As in the
    // reference the subtraction saturates, so subnets created before block `tempo` (genesis
    // subnets) share a phase; the per-block epoch cap spreads them out.
    let stagger = if tempo == 0 { 0 } else { u64::from(netuid.0) % tempo };
    LAST_EPOCH_BLOCK.set(cx.s, &netuid, &cx.block.saturating_sub(stagger));
    create_account_if_non_existent(cx, owner, owner_hotkey);
    if register_owner {
        append_neuron(cx, netuid, owner_hotkey);
    }
}

/// Removes a subnet: refunds the lock, returns every stake on it to its coldkey, recycles its
/// pending emission, and deletes all its state (root weights pointing to it become 0).
pub(crate) fn remove_network(cx: &mut Ctx, netuid: NetUid) -> DispatchResult {
    let Some(info) = NETWORKS.try_get(cx.s, &netuid) else {
        return Ok(());
    };
    if crate::pools::is_dynamic(cx.s) {
        dissolve_pool(cx, netuid)?;
    }
    // Return stake (TAO era; a dynamic subnet's stakes were paid out by `dissolve_pool`).
    for (hotkey, coldkey) in crate::staking::positions_in(cx.s, netuid) {
        let amount = stake_of(cx.s, &hotkey, netuid, &coldkey);
        decrease_stake(cx, &hotkey, netuid, &coldkey, amount)?;
        deposit(cx, &coldkey, amount)?;
    }
    // Refund the lock; recycle what had not been distributed yet.
    if let Some(owner) = info.owner {
        deposit(cx, &owner, info.locked)?;
    }
    let pending = PENDING_EMISSION.get(cx.s, &netuid);
    recycle(cx, pending);
    // Per-uid state.
    for ((_, hotkey), _) in UIDS.iter_prefix(cx.s, &netuid) {
        IS_NETWORK_MEMBER.remove(cx.s, &(hotkey, netuid));
    }
    KEYS.remove_prefix(cx.s, &netuid);
    UIDS.remove_prefix(cx.s, &netuid);
    ALPHA_DIVIDENDS.remove_prefix(cx.s, &netuid);
    ROOT_ALPHA_DIVIDENDS.remove_prefix(cx.s, &netuid);
    BLOCK_AT_REGISTRATION.remove_prefix(cx.s, &netuid);
    WEIGHTS.remove_prefix(cx.s, &netuid);
    BONDS.remove_prefix(cx.s, &netuid);
    AXONS.remove_prefix(cx.s, &netuid);
    WEIGHT_COMMITS.remove_prefix(cx.s, &netuid);
    OWNER_HYPERPARAM_LAST.remove_prefix(cx.s, &netuid);
    for item in [
        &LAST_UPDATE as &dyn RemoveNetuid,
        &ACTIVE,
        &VALIDATOR_PERMIT,
        &CONSENSUS,
        &INCENTIVE,
        &DIVIDENDS,
        &VALIDATOR_TRUST,
        &STAKE_WEIGHT,
        &EMISSION,
        &SUBNETWORK_N,
        &BURN,
        &REGISTRATIONS_THIS_BLOCK,
        &REGISTRATIONS_THIS_INTERVAL,
        &RAO_RECYCLED_FOR_REGISTRATION,
        &LAST_EPOCH_BLOCK,
        &PENDING_EPOCH_AT,
        &SUBNET_EPOCH_INDEX,
        &LAST_MECHANISM_STEP_BLOCK,
        &BLOCKS_SINCE_LAST_STEP,
        &PENDING_EMISSION,
        &EMISSION_VALUES,
        &HYPERPARAMS,
        &SUBNET_IDENTITY,
        &NETWORKS,
    ] {
        item.remove_netuid(cx, netuid);
    }
    // Root weights to the removed subnet become explicit zeros.
    for ((root, uid), mut row) in WEIGHTS.iter_prefix(cx.s, &NetUid::ROOT) {
        if row.iter().any(|(n, w)| *n == netuid.0 && *w != 0) {
            for (n, w) in row.iter_mut() {
                if *n == netuid.0 {
                    *w = 0;
                }
            }
            WEIGHTS.insert(cx.s, &(root, uid), &row);
        }
    }
    cx.emit(Event::NetworkRemoved { netuid });
    Ok(())
}

/// Dynamic TAO: pays a dissolved subnet's pool TAO to its stakers in proportion to their alpha
/// (the pool's own alpha counts for the protocol, whose share is recycled), removes every stake
/// on it, its pool, its pending alpha and its root claims.
fn dissolve_pool(cx: &mut Ctx, netuid: NetUid) -> DispatchResult {
    let Some(state) = SUBNET_POOLS.try_get(cx.s, &netuid) else { return Ok(()) };
    let stakers: Vec<((AccountId, AccountId), u64)> = crate::staking::positions_in(cx.s, netuid)
        .into_iter()
        .map(|(hotkey, coldkey)| ((hotkey, coldkey), stake_of(cx.s, &hotkey, netuid, &coldkey)))
        .collect();
    let protocol_alpha = state.alpha_in.saturating_add(state.protocol_alpha);
    let (paid, protocol) = agora_economy::lifecycle::dissolve_shares(state.tao, &stakers, protocol_alpha);
    for ((hotkey, coldkey), tao) in paid {
        let alpha = stake_of(cx.s, &hotkey, netuid, &coldkey);
        decrease_stake(cx, &hotkey, netuid, &coldkey, alpha)?;
        deposit(cx, &coldkey, tao)?;
    }
    recycle(cx, protocol);
    TOTAL_STAKE.mutate(cx.s, |t| *t = t.saturating_sub(state.tao));
    SUBNET_POOLS.remove(cx.s, &netuid);
    PENDING_ALPHA.remove(cx.s, &netuid);
    for ((hotkey, n), _) in ROOT_CLAIMABLE.iter(cx.s) {
        if n == netuid {
            ROOT_CLAIMABLE.remove(cx.s, &(hotkey, n));
        }
    }
    ROOT_CLAIMED.remove_prefix(cx.s, &netuid);
    crate::alpha_shares::clear_subnet(cx, netuid);
    Ok(())
}

/// Object-safe removal of one subnet's entry from a netuid-keyed map.
trait RemoveNetuid {
    fn remove_netuid(&self, cx: &mut Ctx, netuid: NetUid);
}

impl<V: parity_scale_codec::Encode + parity_scale_codec::Decode> RemoveNetuid for crate::storage::Map<NetUid, V> {
    fn remove_netuid(&self, cx: &mut Ctx, netuid: NetUid) {
        self.remove(cx.s, &netuid);
    }
}

/// `register_network(hotkey)`, signed by the future owner's coldkey.
///
/// Checks, in the reference's order: `NonAssociatedColdKey` (hotkey owned by another coldkey),
/// `NetworkTxRateLimitExceeded`, `SubnetLimitReached` (full and every subnet immune),
/// `CannotAffordLockCost`.
pub(crate) fn do_register_network(cx: &mut Ctx, coldkey: &AccountId, hotkey: &AccountId) -> DispatchResult {
    if hotkey_owner(cx.s, hotkey).is_some_and(|o| o != *coldkey) {
        return Err(DispatchError::NonAssociatedColdKey);
    }
    let params = cx.params();
    let last = NETWORK_LAST_LOCK_BLOCK.get(cx.s);
    if last != 0 && cx.block.saturating_sub(last) < params.network_rate_limit {
        return Err(DispatchError::NetworkTxRateLimitExceeded);
    }
    let lock = network_lock_cost(cx.s, cx.block);
    let subnet_count = NETWORKS.iter(cx.s).into_iter().filter(|(n, _)| !n.is_root()).count();
    let victim = if subnet_count >= usize::from(params.subnet_limit) {
        Some(subnet_to_prune(cx.s, cx.block).ok_or(DispatchError::SubnetLimitReached)?)
    } else {
        None
    };
    withdraw(cx, coldkey, lock, DispatchError::CannotAffordLockCost)?;
    let netuid = match victim {
        Some(victim) => {
            remove_network(cx, victim)?;
            victim
        }
        None => {
            (1..=u16::MAX).map(NetUid).find(|n| !NETWORKS.contains(cx.s, n)).ok_or(DispatchError::SubnetLimitReached)?
        }
    };
    NETWORK_LAST_LOCK.set(cx.s, &lock);
    NETWORK_LAST_LOCK_BLOCK.set(cx.s, &cx.block);
    if crate::pools::is_dynamic(cx.s) {
        // The whole lock stays in the new pool, at the median price of the other subnets (read
        // before this one exists); TAO emission starts off until root enables it.
        let median = median_price(cx.s);
        init_new_network(cx, netuid, coldkey, hotkey, 0, SubnetHyperparams::default(), true);
        let mut pool = agora_economy::lifecycle::seed_pool(lock, params.network_min_lock_cost.min(lock), median);
        pool.fee_rate = crate::pools::dynamic_params(cx.s).fee_rate;
        SUBNET_POOLS.insert(cx.s, &netuid, &crate::pools::PoolState::from_pool(&pool, false));
        TOTAL_STAKE.mutate(cx.s, |t| *t = t.saturating_add(pool.tao));
    } else {
        init_new_network(cx, netuid, coldkey, hotkey, lock, SubnetHyperparams::default(), true);
    }
    cx.emit(Event::NetworkAdded { netuid, owner: *coldkey, lock: Balance(lock) });
    Ok(())
}

/// The median spot price of the dynamic subnets (1 when there are none).
fn median_price(s: &(impl StorageRead + ?Sized)) -> agora_economy::fixed::U64F64 {
    let prices: Vec<_> =
        SUBNET_POOLS.iter(s).into_iter().filter(|(n, _)| !n.is_root()).map(|(_, state)| state.pool().price()).collect();
    agora_economy::lifecycle::median_price(&prices)
}

/// Checks that `who` owns `netuid`: `SubnetNotExists`, then `NotSubnetOwner`.
pub(crate) fn ensure_subnet_owner(cx: &Ctx, who: &AccountId, netuid: NetUid) -> Result<SubnetInfo, DispatchError> {
    let info = NETWORKS.try_get(cx.s, &netuid).ok_or(DispatchError::SubnetNotExists)?;
    if info.owner != Some(*who) {
        return Err(DispatchError::NotSubnetOwner);
    }
    Ok(info)
}

/// `start_call(netuid)`: `SubnetNotExists`, `NotSubnetOwner`, `FirstEmissionBlockNumberAlreadySet`,
/// `NeedWaitingMoreBlocksToStarCall`. Emission starts next block.
pub(crate) fn do_start_call(cx: &mut Ctx, who: &AccountId, netuid: NetUid) -> DispatchResult {
    let mut info = ensure_subnet_owner(cx, who, netuid)?;
    if info.first_emission_block != 0 {
        return Err(DispatchError::FirstEmissionBlockNumberAlreadySet);
    }
    if cx.block < info.registered_at.saturating_add(cx.params().start_call_delay) {
        return Err(DispatchError::NeedWaitingMoreBlocksToStarCall);
    }
    info.first_emission_block = cx.block + 1;
    NETWORKS.insert(cx.s, &netuid, &info);
    cx.emit(Event::FirstEmissionBlockNumberSet { netuid, block: BlockNumber(info.first_emission_block) });
    Ok(())
}

/// `set_subnet_identity(netuid, identity)`: `SubnetNotExists`, `NotSubnetOwner`, `InvalidIdentity`.
pub(crate) fn do_set_subnet_identity(
    cx: &mut Ctx,
    who: &AccountId,
    netuid: NetUid,
    identity: SubnetIdentity,
) -> DispatchResult {
    ensure_subnet_owner(cx, who, netuid)?;
    if !identity.is_valid() {
        return Err(DispatchError::InvalidIdentity);
    }
    SUBNET_IDENTITY.insert(cx.s, &netuid, &identity);
    cx.emit(Event::SubnetIdentitySet { netuid });
    Ok(())
}

/// Whether `netuid` receives emission: a non-root subnet after `start_call` took effect.
pub fn is_emitting(info: &SubnetInfo, netuid: NetUid, block: u64) -> bool {
    !netuid.is_root() && info.first_emission_block != 0 && block >= info.first_emission_block
}
