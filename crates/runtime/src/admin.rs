//! Hyperparameter and chain-parameter setters (the reference's `admin-utils` pallet).
//!
//! Origins: the sudo key (set at genesis) may change anything; a subnet owner may change the
//! owner-settable hyperparameters of its own subnet, subject to
//!
//! - the **admin freeze window**: no owner-settable change in the last `admin_freeze_window`
//!   blocks before the subnet's next epoch (`AdminActionProhibitedDuringWeightsWindow`; this applies
//!   to the sudo key too, as in the reference), and
//! - a **per-parameter rate limit** for the owner of `owner_hyperparam_rate_limit` tempos
//!   (`TxRateLimitExceeded`).

use agora_primitives::fixed::U64F64;
use agora_primitives::{AccountId, NetUid};

use crate::call::{GlobalUpdate, HyperparameterUpdate};
use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::hyperparams::{MAX_ALLOWED_UIDS_CEILING, SubnetHyperparams};
use crate::state::*;
use crate::subnets::hyperparams;

/// Minimum `activity_cutoff` (blocks) the setter accepts.
pub const MIN_ACTIVITY_CUTOFF: u64 = 360;
/// Most a subnet owner may set `bonds_moving_average` to.
pub const OWNER_MAX_BONDS_MOVING_AVERAGE: u64 = 975_000;
/// Blocks between two owner trims of `max_allowed_uids` (30 days).
pub const TRIM_RATE_LIMIT_BLOCKS: u64 = 216_000;
/// Tempos between two owner changes of `weights_version_key`.
pub const WEIGHTS_VERSION_KEY_RATE_LIMIT_TEMPOS: u64 = 5;
/// Smallest liquid-alpha bound (65535 / 40).
pub const MIN_ALPHA_BOUND: u16 = 1638;

fn is_sudo(cx: &Ctx, who: &AccountId) -> bool {
    SUDO_KEY.get(cx.s) == Some(*who)
}

/// Blocks until the subnet's next automatic epoch.
pub fn blocks_until_next_epoch(s: &(impl crate::storage::StorageRead + ?Sized), netuid: NetUid, now: u64) -> u64 {
    let tempo = u64::from(hyperparams(s, netuid).tempo);
    if tempo == 0 {
        return u64::MAX;
    }
    (LAST_EPOCH_BLOCK.get(s, &netuid) + tempo).saturating_sub(now)
}

fn in_admin_freeze_window(cx: &Ctx, netuid: NetUid) -> bool {
    if hyperparams(cx.s, netuid).tempo == 0 {
        return false;
    }
    let pending = PENDING_EPOCH_AT.get(cx.s, &netuid);
    if pending > cx.block {
        return true;
    }
    blocks_until_next_epoch(cx.s, netuid, cx.block) < u64::from(cx.params().admin_freeze_window)
}

/// `sudo_set_<hyperparameter>(netuid, value)`.
///
/// Checks, in the reference's order: `BadOrigin` (neither the sudo key nor, for owner-settable
/// parameters, the subnet owner); for owner-settable parameters `TxRateLimitExceeded` (owner only;
/// `weights_version_key` once per 5 tempos, others per `owner_hyperparam_rate_limit` tempos) and
/// `AdminActionProhibitedDuringWeightsWindow`; `SubnetDoesNotExist`; then the parameter's bounds.
pub(crate) fn do_set_hyperparameter(
    cx: &mut Ctx,
    who: &AccountId,
    netuid: NetUid,
    update: HyperparameterUpdate,
) -> DispatchResult {
    let info = NETWORKS.try_get(cx.s, &netuid);
    let sudo = is_sudo(cx, who);
    let owner = info.as_ref().is_some_and(|i| i.owner == Some(*who));
    let owner_settable = update.owner_settable();
    if !(sudo || (owner && owner_settable)) {
        return Err(DispatchError::BadOrigin);
    }
    let as_owner = !sudo;
    let mut h = hyperparams(cx.s, netuid);
    let rl_key = (netuid, u16::from(update.id()));
    if owner_settable && info.is_some() {
        if as_owner {
            let last = OWNER_HYPERPARAM_LAST.get(cx.s, &rl_key);
            // The version key is limited to one change per 5 tempos, as in the reference.
            let limit = match update {
                HyperparameterUpdate::WeightsVersionKey(_) => {
                    WEIGHTS_VERSION_KEY_RATE_LIMIT_TEMPOS * u64::from(h.tempo)
                }
                HyperparameterUpdate::TrimToMaxAllowedUids(_) => TRIM_RATE_LIMIT_BLOCKS,
                _ => u64::from(cx.params().owner_hyperparam_rate_limit) * u64::from(h.tempo),
            };
            if last != 0 && cx.block.saturating_sub(last) < limit {
                return Err(DispatchError::TxRateLimitExceeded);
            }
        }
        if in_admin_freeze_window(cx, netuid) {
            return Err(DispatchError::AdminActionProhibitedDuringWeightsWindow);
        }
    }
    if info.is_none() {
        return Err(DispatchError::SubnetDoesNotExist);
    }
    if let HyperparameterUpdate::TrimToMaxAllowedUids(max_n) = update {
        crate::trim::trim_to_max_allowed_uids(cx, netuid, max_n)?;
        h = hyperparams(cx.s, netuid);
    } else if let HyperparameterUpdate::SubnetEmissionEnabled(enabled) = update {
        // Not a hyperparameter: it lives with the subnet's pool (none in the TAO era).
        let mut state = crate::pools::pool_state(cx.s, netuid).ok_or(DispatchError::NotDynamic)?;
        state.emission_enabled = enabled;
        crate::state::SUBNET_POOLS.insert(cx.s, &netuid, &state);
    } else {
        apply_update(cx, netuid, &mut h, &update, as_owner)?;
    }
    HYPERPARAMS.insert(cx.s, &netuid, &h);
    if as_owner {
        OWNER_HYPERPARAM_LAST.set(cx.s, &rl_key, &cx.block);
    }
    cx.emit(Event::HyperparameterSet { netuid, update });
    Ok(())
}

fn apply_update(
    cx: &Ctx,
    netuid: NetUid,
    h: &mut SubnetHyperparams,
    update: &HyperparameterUpdate,
    as_owner: bool,
) -> DispatchResult {
    use HyperparameterUpdate::*;
    let ensure = |ok: bool, e: DispatchError| if ok { Ok(()) } else { Err(e) };
    match *update {
        ServingRateLimit(v) => h.serving_rate_limit = v,
        WeightsVersionKey(v) => h.weights_version_key = v,
        ImmunityPeriod(v) => h.immunity_period = v,
        MinAllowedWeights(v) => h.min_allowed_weights = v,
        MaxAllowedUids(v) => {
            ensure(v >= h.min_allowed_uids, DispatchError::MaxAllowedUidsLessThanMinAllowedUids)?;
            ensure(SUBNETWORK_N.get(cx.s, &netuid) <= v, DispatchError::MaxAllowedUIdsLessThanCurrentUIds)?;
            ensure(v <= MAX_ALLOWED_UIDS_CEILING, DispatchError::MaxAllowedUidsGreaterThanDefaultMaxAllowedUids)?;
            h.max_allowed_uids = v;
        }
        Rho(v) => h.rho = v,
        ActivityCutoff(v) => {
            ensure(v >= MIN_ACTIVITY_CUTOFF, DispatchError::ActivityCutoffTooLow)?;
            h.activity_cutoff = v;
        }
        ActivityCutoffFactorMilli(v) => {
            ensure((1000..=50_000).contains(&v), DispatchError::ActivityCutoffFactorMilliOutOfBounds)?;
            h.activity_cutoff_factor_milli = v;
        }
        MinBurn(v) => {
            ensure(v.rao() < agora_primitives::RAO_PER_TAO && v.rao() < h.max_burn, DispatchError::ValueNotInBounds)?;
            h.min_burn = v.rao();
        }
        MaxBurn(v) => {
            ensure(
                v.rao() > agora_primitives::RAO_PER_TAO / 10 && v.rao() > h.min_burn,
                DispatchError::ValueNotInBounds,
            )?;
            h.max_burn = v.rao();
        }
        BondsMovingAverage(v) => {
            ensure(!as_owner || v <= OWNER_MAX_BONDS_MOVING_AVERAGE, DispatchError::BondsMovingAverageMaxReached)?;
            h.bonds_moving_average = v;
        }
        BondsPenalty(v) => h.bonds_penalty = v,
        CommitRevealWeightsEnabled(v) => h.commit_reveal = v,
        CommitRevealWeightsInterval(v) => {
            ensure(v <= 100, DispatchError::RevealPeriodTooLarge)?;
            ensure(v >= 1, DispatchError::RevealPeriodTooSmall)?;
            h.reveal_period_epochs = v;
        }
        LiquidAlphaEnabled(v) => h.liquid_alpha = v,
        AlphaValues { alpha_low, alpha_high } => {
            ensure(h.liquid_alpha, DispatchError::LiquidAlphaDisabled)?;
            ensure(alpha_high >= MIN_ALPHA_BOUND, DispatchError::AlphaHighTooLow)?;
            ensure(alpha_low >= MIN_ALPHA_BOUND && alpha_low <= alpha_high, DispatchError::AlphaLowOutOfRange)?;
            h.alpha_low = alpha_low;
            h.alpha_high = alpha_high;
        }
        AlphaSigmoidSteepness(v) => {
            ensure(!as_owner || v >= 0, DispatchError::NegativeSigmoidSteepness)?;
            h.alpha_sigmoid_steepness = v;
        }
        Yuma3Enabled(v) => h.yuma3 = v,
        // Handled by the caller (it is the pool's, not a hyperparameter).
        SubnetEmissionEnabled(_) => {}
        BondsResetEnabled(v) => h.bonds_reset = v,
        OwnerImmuneNeuronLimit(v) => {
            ensure((1..=10).contains(&v), DispatchError::InvalidValue)?;
            h.immune_owner_uids_limit = v;
        }
        BurnHalfLife(v) => {
            ensure(!netuid.is_root(), DispatchError::NotPermittedOnRootSubnet)?;
            ensure((1..=36_100).contains(&v), DispatchError::InvalidValue)?;
            h.burn_half_life = v;
        }
        BurnIncreaseMult(bits) => {
            ensure(!netuid.is_root(), DispatchError::NotPermittedOnRootSubnet)?;
            let v = U64F64::from_bits(bits);
            ensure(v >= U64F64::from_num(1) && v <= U64F64::from_num(3), DispatchError::InvalidValue)?;
            h.burn_increase_mult = bits;
        }
        Kappa(v) => h.kappa = v,
        Tempo(v) => h.tempo = v,
        WeightsSetRateLimit(v) => h.weights_rate_limit = v,
        MaxAllowedValidators(v) => {
            ensure(v <= h.max_allowed_uids, DispatchError::MaxValidatorsLargerThanMaxUIds)?;
            h.max_allowed_validators = v;
        }
        MaxWeightLimit(v) => h.max_weight_limit = v,
        NetworkRegistrationAllowed(v) => h.registration_allowed = v,
        MaxRegistrationsPerBlock(v) => h.max_registrations_per_block = v,
        TargetRegistrationsPerInterval(v) => h.target_registrations_per_interval = v,
        MinAllowedUids(v) => {
            ensure(v <= h.max_allowed_uids, DispatchError::InvalidValue)?;
            h.min_allowed_uids = v;
        }
        MinNonImmuneUids(v) => h.min_non_immune_uids = v,
        OwnerCutEnabled(v) => h.owner_cut_enabled = v,
        // Handled by `trim::trim_to_max_allowed_uids` before this is reached.
        TrimToMaxAllowedUids(_) => return Err(DispatchError::InvalidValue),
    }
    Ok(())
}

/// `sudo_set_*` for chain-wide parameters: `BadOrigin` unless signed by the sudo key.
pub(crate) fn do_set_global(cx: &mut Ctx, who: &AccountId, update: GlobalUpdate) -> DispatchResult {
    if !is_sudo(cx, who) {
        return Err(DispatchError::BadOrigin);
    }
    let mut p = cx.params();
    use GlobalUpdate::*;
    match update {
        SubnetOwnerCut(v) => p.subnet_owner_cut = v,
        StakeThreshold(v) => p.stake_threshold = v,
        NetworkMinLockCost(v) => p.network_min_lock_cost = v.rao(),
        LockReductionInterval(v) => p.network_lock_reduction_interval = v,
        NetworkRateLimit(v) => p.network_rate_limit = v,
        NetworkImmunityPeriod(v) => p.network_immunity_period = v,
        SubnetLimit(v) => p.subnet_limit = v,
        DefaultTake(v) => {
            if v > p.max_delegate_take || v < p.min_delegate_take {
                return Err(DispatchError::InvalidValue);
            }
            p.default_take = v;
        }
        MinDelegateTake(v) => {
            if v > p.max_delegate_take {
                return Err(DispatchError::InvalidValue);
            }
            p.min_delegate_take = v;
        }
        TxDelegateTakeRateLimit(v) => p.tx_delegate_take_rate_limit = v,
        MaxEpochsPerBlock(v) => {
            if v == 0 {
                return Err(DispatchError::InvalidValue);
            }
            p.max_epochs_per_block = v;
        }
        AdminFreezeWindow(v) => p.admin_freeze_window = v,
        OwnerHyperparamRateLimit(v) => p.owner_hyperparam_rate_limit = v,
        StartCallDelay(v) => p.start_call_delay = v,
        TxFee(v) => p.tx_fee = v.rao(),
        AllowLoopbackAxons(v) => p.allow_loopback_axons = v,
    }
    GLOBAL_PARAMS.set(cx.s, &p);
    cx.emit(Event::GlobalParameterSet { update });
    Ok(())
}
