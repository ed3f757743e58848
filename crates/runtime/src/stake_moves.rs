//! Moving stake without leaving it (spec `dtao.md` §3.4): `move_stake` (to another hotkey and/or
//! subnet), `transfer_stake` (to another coldkey), `swap_stake` (to another subnet) and
//! `swap_stake_limit` (which stops at a price of one alpha in the other), and the
//! exits `unstake_all` / `unstake_all_alpha`, `recycle_alpha` / `burn_alpha`.
//!
//! On a dynamic chain a move within one subnet hands shares over (no swap, no fee); across subnets
//! it sells on the origin and buys on the destination, and exactly one leg pays a fee (the sale,
//! or the buy when the origin is root, whose pool has none). In the TAO era stake is TAO, so a move is a debit and a credit.
//! Each call runs in one transaction: a failed leg reverts the whole call.

use agora_economy::Direction;
use agora_economy::fixed::{tou64, u64f64};
use agora_economy::max_amount::max_alpha_moved;
use agora_economy::stake::plan_remove_stake;
use agora_economy::swap::{MAX_PRICE_RAO, MIN_PRICE_RAO};
use agora_primitives::{AccountId, Balance, NetUid};

use crate::alpha_staking::{stake_into_subnet, subtoken_enabled, unstake_from_subnet, view};
use crate::balances::{deposit, withdraw};
use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::pools::{dynamic_params, is_dynamic, pool_state};
use crate::staking::{decrease_stake, hotkey_owner, increase_stake, stake_of};
use crate::state::{NETWORKS, SUBNET_POOLS};

/// Which of the three calls a transition serves (for its event and the checks that differ).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Move,
    Transfer,
    Swap,
}

/// One stake transition: from (`origin_hotkey`, `origin_coldkey`, `origin_netuid`) to the
/// destination triple.
struct Transition {
    origin_coldkey: AccountId,
    destination_coldkey: AccountId,
    origin_hotkey: AccountId,
    destination_hotkey: AccountId,
    origin_netuid: NetUid,
    destination_netuid: NetUid,
}

/// `move_stake(origin_hotkey, destination_hotkey, origin_netuid, destination_netuid, alpha)`.
pub(crate) fn do_move_stake(
    cx: &mut Ctx,
    coldkey: &AccountId,
    origin_hotkey: &AccountId,
    destination_hotkey: &AccountId,
    origin_netuid: NetUid,
    destination_netuid: NetUid,
    alpha: u64,
) -> DispatchResult {
    let t = Transition {
        origin_coldkey: *coldkey,
        destination_coldkey: *coldkey,
        origin_hotkey: *origin_hotkey,
        destination_hotkey: *destination_hotkey,
        origin_netuid,
        destination_netuid,
    };
    transition(cx, &t, alpha, None, Kind::Move)
}

/// `transfer_stake(destination_coldkey, hotkey, origin_netuid, destination_netuid, alpha)`.
pub(crate) fn do_transfer_stake(
    cx: &mut Ctx,
    coldkey: &AccountId,
    destination_coldkey: &AccountId,
    hotkey: &AccountId,
    origin_netuid: NetUid,
    destination_netuid: NetUid,
    alpha: u64,
) -> DispatchResult {
    let t = Transition {
        origin_coldkey: *coldkey,
        destination_coldkey: *destination_coldkey,
        origin_hotkey: *hotkey,
        destination_hotkey: *hotkey,
        origin_netuid,
        destination_netuid,
    };
    transition(cx, &t, alpha, None, Kind::Transfer)
}

/// `swap_stake(hotkey, origin_netuid, destination_netuid, alpha)`.
pub(crate) fn do_swap_stake(
    cx: &mut Ctx,
    coldkey: &AccountId,
    hotkey: &AccountId,
    origin_netuid: NetUid,
    destination_netuid: NetUid,
    alpha: u64,
) -> DispatchResult {
    let t = Transition {
        origin_coldkey: *coldkey,
        destination_coldkey: *coldkey,
        origin_hotkey: *hotkey,
        destination_hotkey: *hotkey,
        origin_netuid,
        destination_netuid,
    };
    transition(cx, &t, alpha, None, Kind::Swap)
}

/// `swap_stake_limit(hotkey, origin_netuid, destination_netuid, alpha, limit_price,
/// allow_partial)`: [`do_swap_stake`] that moves at most what keeps the origin's price in the
/// destination's alpha at `limit_price` (rao per alpha) or above.
pub(crate) fn do_swap_stake_limit(
    cx: &mut Ctx,
    coldkey: &AccountId,
    hotkey: &AccountId,
    (origin_netuid, destination_netuid): (NetUid, NetUid),
    alpha: u64,
    limit_price: u64,
    allow_partial: bool,
) -> DispatchResult {
    let t = Transition {
        origin_coldkey: *coldkey,
        destination_coldkey: *coldkey,
        origin_hotkey: *hotkey,
        destination_hotkey: *hotkey,
        origin_netuid,
        destination_netuid,
    };
    transition(cx, &t, alpha, Some(Limit { price: limit_price, allow_partial }), Kind::Swap)
}

/// A limit order's terms: the lowest price of the origin's alpha in the destination's (rao per
/// alpha), and whether what fits may execute alone.
#[derive(Clone, Copy)]
struct Limit {
    price: u64,
    allow_partial: bool,
}

/// The most origin alpha that keeps the move within `limit` (`get_max_amount_move`); without
/// pools (the TAO era) both sides are priced at 1.
fn max_amount_move(cx: &Ctx, t: &Transition, limit: u64) -> Result<u64, DispatchError> {
    match (pool_state(cx.s, t.origin_netuid), pool_state(cx.s, t.destination_netuid)) {
        (Some(origin), Some(destination)) => {
            max_alpha_moved(&origin.pool(), &destination.pool(), limit, dynamic_params(cx.s).minimum_reserve)
                .map_err(crate::alpha_staking::swap_error)
        }
        _ => Ok(if limit > 1_000_000_000 { 0 } else { u64::MAX }),
    }
}

/// The reference's `transition_stake_internal`: caps `alpha` at the origin stake, validates in
/// the reference's order, moves, and emits the call's event with the TAO moved.
fn transition(cx: &mut Ctx, t: &Transition, alpha: u64, limit: Option<Limit>, kind: Kind) -> DispatchResult {
    let alpha = alpha.min(stake_of(cx.s, &t.origin_hotkey, t.origin_netuid, &t.origin_coldkey));
    let max = match limit {
        Some(l) if t.origin_netuid != t.destination_netuid => max_amount_move(cx, t, l.price)?,
        _ => alpha,
    };
    validate(cx, t, alpha)?;
    if t.origin_netuid != t.destination_netuid && limit.is_some_and(|l| !l.allow_partial) && alpha > max {
        return Err(DispatchError::SlippageTooHigh);
    }
    let alpha = alpha.min(max);
    let tao = if t.origin_netuid == t.destination_netuid {
        within_subnet(cx, t, alpha)?
    } else if is_dynamic(cx.s) {
        across_subnets(cx, t, alpha)?
    } else {
        // TAO era: stake is TAO on every subnet.
        let removed = decrease_stake(cx, &t.origin_hotkey, t.origin_netuid, &t.origin_coldkey, alpha)?;
        increase_stake(cx, &t.destination_hotkey, t.destination_netuid, &t.destination_coldkey, removed.min(alpha))?;
        alpha
    };
    let tao = Balance(tao);
    cx.emit(match kind {
        Kind::Move => Event::StakeMoved {
            coldkey: t.origin_coldkey,
            origin_hotkey: t.origin_hotkey,
            origin_netuid: t.origin_netuid,
            destination_hotkey: t.destination_hotkey,
            destination_netuid: t.destination_netuid,
            tao,
        },
        Kind::Transfer => Event::StakeTransferred {
            origin_coldkey: t.origin_coldkey,
            destination_coldkey: t.destination_coldkey,
            hotkey: t.origin_hotkey,
            origin_netuid: t.origin_netuid,
            destination_netuid: t.destination_netuid,
            tao,
        },
        Kind::Swap => Event::StakeSwapped {
            coldkey: t.origin_coldkey,
            hotkey: t.origin_hotkey,
            origin_netuid: t.origin_netuid,
            destination_netuid: t.destination_netuid,
            tao,
        },
    });
    Ok(())
}

/// `validate_stake_transition`, first failure wins: `SameNetuid`, `SubnetNotExists` (origin,
/// then destination), `SubtokenDisabled`, `HotKeyAccountNotExists` (origin, then destination),
/// `NotEnoughStakeToWithdraw`, and across subnets `InsufficientLiquidity` when the origin's pool
/// cannot quote the sale and `AmountTooLow` unless it pays more than the minimum stake.
fn validate(cx: &Ctx, t: &Transition, alpha: u64) -> DispatchResult {
    let same_position = t.origin_coldkey == t.destination_coldkey && t.origin_hotkey == t.destination_hotkey;
    if same_position && t.origin_netuid == t.destination_netuid {
        return Err(DispatchError::SameNetuid);
    }
    for netuid in [t.origin_netuid, t.destination_netuid] {
        if !NETWORKS.contains(cx.s, &netuid) {
            return Err(DispatchError::SubnetNotExists);
        }
    }
    for netuid in [t.origin_netuid, t.destination_netuid] {
        if !subtoken_enabled(cx, netuid) {
            return Err(DispatchError::SubtokenDisabled);
        }
    }
    for hotkey in [&t.origin_hotkey, &t.destination_hotkey] {
        if hotkey_owner(cx.s, hotkey).is_none() {
            return Err(DispatchError::HotKeyAccountNotExists);
        }
    }
    if alpha > stake_of(cx.s, &t.origin_hotkey, t.origin_netuid, &t.origin_coldkey) {
        return Err(DispatchError::NotEnoughStakeToWithdraw);
    }
    if t.origin_netuid != t.destination_netuid {
        let tao = tao_for(cx, t.origin_netuid, alpha)?;
        if tao <= cx.params().min_stake {
            return Err(DispatchError::AmountTooLow);
        }
    }
    Ok(())
}

/// What selling `alpha` on `netuid` would pay (with its fee); 1:1 in the TAO era.
fn tao_for(cx: &Ctx, netuid: NetUid, alpha: u64) -> Result<u64, DispatchError> {
    let Some(state) = pool_state(cx.s, netuid) else { return Ok(alpha) };
    state
        .pool()
        .quote(Direction::AlphaForTao, alpha, MIN_PRICE_RAO, false, dynamic_params(cx.s).minimum_reserve)
        .map(|r| r.paid_out)
        .map_err(|_| DispatchError::InsufficientLiquidity)
}

/// `transfer_stake_within_subnet`: the shares change hands, no swap and no fee; the alpha moved
/// must be worth the minimum stake at the spot price (`AmountTooLow`). Returns its TAO value.
fn within_subnet(cx: &mut Ctx, t: &Transition, alpha: u64) -> Result<u64, DispatchError> {
    let netuid = t.origin_netuid;
    let removed = decrease_stake(cx, &t.origin_hotkey, netuid, &t.origin_coldkey, alpha)?;
    // In the TAO era `decrease_stake` pays rounding dust to the coldkey itself.
    let moved = if is_dynamic(cx.s) { removed } else { alpha };
    increase_stake(cx, &t.destination_hotkey, netuid, &t.destination_coldkey, moved)?;
    if netuid.is_root() {
        crate::root_claims::adjust_claimed_on_remove(cx, &t.origin_hotkey, &t.origin_coldkey, moved);
        crate::root_claims::adjust_claimed_on_add(cx, &t.destination_hotkey, &t.destination_coldkey, moved);
    }
    // `tou64(price · alpha)` in U64F64; 1:1 in the TAO era.
    let tao = pool_state(cx.s, netuid).map_or(alpha, |p| tou64(p.pool().price().saturating_mul(u64f64(alpha))));
    if tao < cx.params().min_stake {
        return Err(DispatchError::AmountTooLow);
    }
    cx.emit(Event::StakeRemoved { coldkey: t.origin_coldkey, hotkey: t.origin_hotkey, netuid, amount: Balance(tao) });
    cx.emit(Event::StakeAdded {
        coldkey: t.destination_coldkey,
        hotkey: t.destination_hotkey,
        netuid,
        amount: Balance(tao),
    });
    Ok(tao)
}

/// Across subnets on a dynamic chain: sell on the origin (fee-free when it is root), hand the TAO
/// to the destination coldkey, and buy on the destination (fee-free unless the origin is root)
/// when the TAO reaches the minimum stake; otherwise the TAO stays free with the destination
/// coldkey. Returns the TAO between the legs.
fn across_subnets(cx: &mut Ctx, t: &Transition, alpha: u64) -> Result<u64, DispatchError> {
    let origin_is_root = t.origin_netuid.is_root();
    let tao = unstake_from_subnet(
        cx,
        &t.origin_hotkey,
        &t.origin_coldkey,
        t.origin_netuid,
        alpha,
        MIN_PRICE_RAO,
        origin_is_root,
    )?;
    if t.origin_coldkey != t.destination_coldkey {
        withdraw(cx, &t.origin_coldkey, tao, DispatchError::InsufficientBalance)?;
        deposit(cx, &t.destination_coldkey, tao)?;
    }
    if tao >= cx.params().min_stake {
        stake_into_subnet(
            cx,
            &t.destination_hotkey,
            &t.destination_coldkey,
            t.destination_netuid,
            tao,
            MAX_PRICE_RAO,
            !origin_is_root,
        )?;
    }
    Ok(tao)
}

/// `unstake_all(hotkey)` (`keep_alpha = false`) and `unstake_all_alpha(hotkey)`: a full exit from
/// every subnet whose token trades; subnets where a full exit fails its checks are skipped. The
/// `_alpha` form leaves root alone and stakes the TAO it freed on root (`AmountTooLow` when none).
pub(crate) fn do_unstake_all(cx: &mut Ctx, coldkey: &AccountId, hotkey: &AccountId, to_root: bool) -> DispatchResult {
    if hotkey_owner(cx.s, hotkey).is_none() {
        return Err(DispatchError::HotKeyAccountNotExists);
    }
    let netuids: Vec<NetUid> = NETWORKS.iter(cx.s).into_iter().map(|(n, _)| n).collect();
    let mut freed = 0u64;
    for netuid in netuids {
        if !subtoken_enabled(cx, netuid) || (to_root && netuid.is_root()) {
            continue;
        }
        let alpha = stake_of(cx.s, hotkey, netuid, coldkey);
        if alpha == 0 {
            continue;
        }
        let tao = if is_dynamic(cx.s) {
            let pool = pool_state(cx.s, netuid).map(|s| s.pool());
            if plan_remove_stake(&view(cx, coldkey, hotkey, netuid, pool.as_ref()), alpha, None, false).is_err() {
                continue;
            }
            unstake_from_subnet(cx, hotkey, coldkey, netuid, alpha, MIN_PRICE_RAO, false)?
        } else {
            crate::staking::do_remove_stake(cx, coldkey, hotkey, netuid, Balance(alpha))?;
            alpha
        };
        freed = freed.saturating_add(tao);
    }
    if to_root {
        if freed == 0 {
            return Err(DispatchError::AmountTooLow);
        }
        if is_dynamic(cx.s) {
            stake_into_subnet(cx, hotkey, coldkey, NetUid::ROOT, freed, MAX_PRICE_RAO, false)?;
        } else {
            // Whatever was freed goes to root, as on a dynamic chain (no minimum-stake check).
            withdraw(cx, coldkey, freed, DispatchError::NotEnoughBalanceToStake)?;
            increase_stake(cx, hotkey, NetUid::ROOT, coldkey, freed)?;
            cx.emit(Event::StakeAdded {
                coldkey: *coldkey,
                hotkey: *hotkey,
                netuid: NetUid::ROOT,
                amount: Balance(freed),
            });
        }
    }
    Ok(())
}

/// `recycle_alpha(hotkey, amount, netuid)` (`burn = false`: the alpha leaves the subnet's supply)
/// and `burn_alpha` (`burn = true`: it is counted as burned and the supply stays). Checks:
/// `SubnetNotExists`, `CannotBurnOrRecycleOnRootSubnet`, `SubtokenDisabled`,
/// `HotKeyAccountNotExists`, then `InsufficientLiquidity` when the subnet's alpha outside the pool
/// is less than the amount (capped at the stake). Only a dynamic chain has alpha to destroy.
pub(crate) fn do_recycle_alpha(
    cx: &mut Ctx,
    coldkey: &AccountId,
    hotkey: &AccountId,
    amount: u64,
    netuid: NetUid,
    burn: bool,
) -> DispatchResult {
    if !NETWORKS.contains(cx.s, &netuid) {
        return Err(DispatchError::SubnetNotExists);
    }
    if netuid.is_root() {
        return Err(DispatchError::CannotBurnOrRecycleOnRootSubnet);
    }
    if !subtoken_enabled(cx, netuid) {
        return Err(DispatchError::SubtokenDisabled);
    }
    if hotkey_owner(cx.s, hotkey).is_none() {
        return Err(DispatchError::HotKeyAccountNotExists);
    }
    let Some(mut state) = pool_state(cx.s, netuid) else { return Err(DispatchError::NotDynamic) };
    let amount = amount.min(stake_of(cx.s, hotkey, netuid, coldkey));
    if state.alpha_out < amount {
        return Err(DispatchError::InsufficientLiquidity);
    }
    let removed = decrease_stake(cx, hotkey, netuid, coldkey, amount)?;
    if burn {
        state.alpha_burned = state.alpha_burned.saturating_add(removed);
    } else {
        state.alpha_out = state.alpha_out.saturating_sub(removed);
    }
    SUBNET_POOLS.insert(cx.s, &netuid, &state);
    cx.emit(Event::AlphaDestroyed { coldkey: *coldkey, hotkey: *hotkey, netuid, alpha: removed, burned: burn });
    Ok(())
}
