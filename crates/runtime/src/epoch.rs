//! Epochs: when each subnet's epoch runs, how the runtime feeds Yuma consensus, and how the
//! result is stored and paid out as stake.
//!
//! ```text
//! block b ── for each emitting subnet (ascending netuid):
//!             due? (b − LastEpochBlock ≥ tempo, or a deferred epoch is due)
//!             ├─ more than max_epochs_per_block already ran → defer to b+1
//!             └─ run: E = pending emission (drained)
//!                  owner_cut = ⌊E · SubnetOwnerCut/65535⌋ (I96F32)  → stake of (owner hotkey, owner)
//!                  yuma::epoch(stake, weights, bonds, …, E − owner_cut)
//!                  miner incentive  → stake of (hotkey, its owner)
//!                  validator dividends: take → stake of (hotkey, its owner);
//!                                       rest → the hotkey's pool (all nominators pro-rata)
//!                  rounding dust → recycled
//! ```

use agora_primitives::fixed::I96F32;
use agora_primitives::{AccountId, Balance, BlockNumber, NetUid, Uid};
use agora_yuma::{EpochInput, EpochOutput, EpochParams};

use crate::balances::recycle;
use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::staking::{credit_pool, hotkey_owner, increase_stake, take_of, total_hotkey_stake};
use crate::state::*;
use crate::storage::StorageRead;
use crate::subnets::hyperparams;

/// Longest time a subnet can go without an epoch (`MAX_TEMPO`).
pub const MAX_TEMPO: u64 = 50_400;

/// Whether `netuid`'s epoch is due at `block` (reference `should_run_epoch`).
pub fn should_run_epoch(s: &(impl StorageRead + ?Sized), netuid: NetUid, block: u64) -> bool {
    let tempo = u64::from(hyperparams(s, netuid).tempo);
    if tempo == 0 {
        return false;
    }
    let pending = PENDING_EPOCH_AT.get(s, &netuid);
    if pending > 0 && block >= pending {
        return true;
    }
    if BLOCKS_SINCE_LAST_STEP.get(s, &netuid) > MAX_TEMPO {
        return true;
    }
    block.saturating_sub(LAST_EPOCH_BLOCK.get(s, &netuid)) >= tempo
}

/// The inputs Yuma sees for `netuid` at `block` with emission `emission`, and the hotkey per uid.
pub fn epoch_inputs(
    s: &(impl StorageRead + ?Sized),
    netuid: NetUid,
    block: u64,
    emission: u64,
) -> (EpochParams, EpochInput, Vec<Option<AccountId>>) {
    let h = hyperparams(s, netuid);
    let n = SUBNETWORK_N.get(s, &netuid);
    let dynamic = crate::pools::is_dynamic(s);
    let hotkeys: Vec<Option<AccountId>> = (0..n).map(|u| KEYS.try_get(s, &(netuid, Uid(u)))).collect();
    let owner_uid = NETWORKS
        .try_get(s, &netuid)
        .and_then(|i| i.owner_hotkey)
        .and_then(|hk| UIDS.try_get(s, &(netuid, hk)))
        .map(|u| u.0);
    let params = EpochParams {
        current_block: block,
        tempo: h.tempo,
        activity_cutoff: h.effective_activity_cutoff(),
        last_mechanism_step_block: LAST_MECHANISM_STEP_BLOCK.get(s, &netuid),
        stake_threshold: GLOBAL_PARAMS.get(s).stake_threshold,
        max_allowed_validators: h.max_allowed_validators,
        kappa: h.kappa,
        bonds_penalty: h.bonds_penalty,
        bonds_moving_average: h.bonds_moving_average,
        yuma3: h.yuma3,
        liquid_alpha: h.liquid_alpha,
        alpha_low: h.alpha_low,
        alpha_high: h.alpha_high,
        alpha_sigmoid_steepness: h.alpha_sigmoid_steepness,
        owner_uid,
        emission,
        // TAO era: a subnet's stake is the stake on that subnet; root stake does not count.
        // Dynamic TAO: alpha stake plus TaoWeight × root stake.
        tao_weight: if dynamic { crate::pools::dynamic_params(s).tao_weight } else { 0 },
    };
    let rows = |m: &crate::storage::Map<(NetUid, Uid), SparseRow>| -> Vec<SparseRow> {
        (0..n).map(|u| m.try_get(s, &(netuid, Uid(u))).unwrap_or_default()).collect()
    };
    let commit_reveal_earliest = h.commit_reveal.then(|| {
        let current = crate::weights::current_epoch_with_lookahead(s, netuid, block);
        hotkeys
            .iter()
            .map(|hk| {
                let hk = (*hk)?;
                WEIGHT_COMMITS
                    .try_get(s, &(netuid, hk))
                    .unwrap_or_default()
                    .iter()
                    .filter(|c| current <= c.epoch.saturating_add(h.reveal_period_epochs))
                    .map(|c| c.block)
                    .min()
            })
            .collect()
    });
    let input = EpochInput {
        stake: hotkeys.iter().map(|hk| hk.map_or(0, |hk| total_hotkey_stake(s, &hk, netuid))).collect(),
        root_stake: if dynamic {
            hotkeys.iter().map(|hk| hk.map_or(0, |hk| total_hotkey_stake(s, &hk, NetUid::ROOT))).collect()
        } else {
            Vec::new()
        },
        last_update: LAST_UPDATE.get(s, &netuid),
        block_at_registration: (0..n).map(|u| BLOCK_AT_REGISTRATION.get(s, &(netuid, Uid(u)))).collect(),
        validator_permit: VALIDATOR_PERMIT.get(s, &netuid),
        weights: rows(&WEIGHTS),
        bonds: rows(&BONDS),
        commit_reveal_earliest,
    };
    (params, input, hotkeys)
}

/// Runs Yuma for `netuid` with `emission` and stores its outputs (u16 vectors, permits, bonds).
/// Pays nothing; returns the output for the caller to distribute.
pub(crate) fn run_yuma_and_store(cx: &mut Ctx, netuid: NetUid, emission: u64) -> (EpochOutput, Vec<Option<AccountId>>) {
    let (params, input, hotkeys) = epoch_inputs(cx.s, netuid, cx.block, emission);
    let out = agora_yuma::epoch(&params, &input);
    ACTIVE.set(cx.s, &netuid, &out.active);
    EMISSION.set(cx.s, &netuid, &out.emission);
    CONSENSUS.set(cx.s, &netuid, &out.consensus);
    INCENTIVE.set(cx.s, &netuid, &out.incentive);
    DIVIDENDS.set(cx.s, &netuid, &out.dividends);
    VALIDATOR_TRUST.set(cx.s, &netuid, &out.validator_trust);
    STAKE_WEIGHT.set(cx.s, &netuid, &out.stake_weight);
    VALIDATOR_PERMIT.set(cx.s, &netuid, &out.validator_permit);
    for (uid, row) in out.bonds.iter().enumerate() {
        let key = (netuid, Uid(uid as u16));
        if row.is_empty() {
            BONDS.remove(cx.s, &key);
        } else {
            BONDS.insert(cx.s, &key, row);
        }
    }
    (out, hotkeys)
}

/// Totals paid by one epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpochPayout {
    /// Owner cut.
    pub owner_cut: u64,
    /// Miner incentive.
    pub server: u64,
    /// Validator dividends (takes included).
    pub validator: u64,
    /// Recycled remainder.
    pub recycled: u64,
}

/// Drains nothing itself: pays `emission` for `netuid` as the block hook does (owner cut, Yuma,
/// miners, validators with take, dust recycled) and records the `EpochPaid` event.
pub(crate) fn run_epoch_and_pay(cx: &mut Ctx, netuid: NetUid, emission: u64) -> Result<EpochPayout, DispatchError> {
    let info = NETWORKS.try_get(cx.s, &netuid).ok_or(DispatchError::SubnetNotExists)?;
    let cut_u16 = if hyperparams(cx.s, netuid).owner_cut_enabled { cx.params().subnet_owner_cut } else { 0 };
    let owner_cut: u64 = I96F32::from_num(emission)
        .saturating_mul(I96F32::from_num(cut_u16).saturating_div(I96F32::from_num(u16::MAX)))
        .to_num();
    let mut paid = EpochPayout::default();
    let owner_keys = info.owner.zip(info.owner_hotkey);
    let owner_cut = if owner_keys.is_some() { owner_cut } else { 0 };
    // Yuma sees the stake as it was before this epoch's payouts.
    let (out, hotkeys) = run_yuma_and_store(cx, netuid, emission - owner_cut);
    if let Some((owner, owner_hotkey)) = owner_keys {
        increase_stake(cx, &owner_hotkey, netuid, &owner, owner_cut)?;
        paid.owner_cut = owner_cut;
    }
    for (uid, hotkey) in hotkeys.iter().enumerate() {
        let Some(hotkey) = hotkey else { continue };
        let Some(coldkey) = hotkey_owner(cx.s, hotkey) else { continue };
        let server = out.server_emission.get(uid).copied().unwrap_or(0);
        let validator = out.validator_emission.get(uid).copied().unwrap_or(0);
        if server > 0 {
            increase_stake(cx, hotkey, netuid, &coldkey, server)?;
            paid.server += server;
        }
        if validator > 0 {
            pay_dividend(cx, hotkey, &coldkey, netuid, validator)?;
            paid.validator += validator;
        }
    }
    paid.recycled =
        emission.checked_sub(paid.owner_cut + paid.server + paid.validator).ok_or(DispatchError::ArithmeticOverflow)?;
    recycle(cx, paid.recycled);
    cx.emit(Event::EpochPaid {
        netuid,
        emission: Balance(emission),
        owner_cut: Balance(paid.owner_cut),
        server: Balance(paid.server),
        validator: Balance(paid.validator),
        recycled: Balance(paid.recycled),
    });
    Ok(paid)
}

/// A validator's dividend: the delegate take (I64F64, as the reference) goes to the hotkey's owner
/// as stake; the rest raises the hotkey's pool for every nominator pro-rata.
fn pay_dividend(cx: &mut Ctx, hotkey: &AccountId, owner: &AccountId, netuid: NetUid, amount: u64) -> DispatchResult {
    use agora_primitives::fixed::I64F64;
    let take = I64F64::from_num(take_of(cx.s, hotkey)).saturating_div(I64F64::from_num(u16::MAX));
    let take_amount: u64 = take.saturating_mul(I64F64::from_num(amount)).to_num::<u64>().min(amount);
    credit_pool(cx, hotkey, netuid, amount - take_amount)?;
    increase_stake(cx, hotkey, netuid, owner, take_amount).map(|_| ())
}

/// Block hook: runs every due epoch of every subnet but root (at most `max_epochs_per_block`, the
/// rest deferred a block). A subnet that has not started (`start_call`) has no pending emission
/// but still consumes its epoch slots, as in the reference, so its schedule and admin window move
/// on. Each epoch is atomic on its own: one that fails keeps its pending emission and leaves the
/// other subnets and hooks untouched (`EpochFailed`).
pub(crate) fn run_due_epochs(cx: &mut Ctx) -> DispatchResult {
    let cap = cx.params().max_epochs_per_block;
    let mut ran: u16 = 0;
    // The root network has no Yuma epoch; its tempo only paces the root registration interval.
    if should_run_epoch(cx.s, NetUid::ROOT, cx.block) && NETWORKS.contains(cx.s, &NetUid::ROOT) {
        LAST_EPOCH_BLOCK.set(cx.s, &NetUid::ROOT, &cx.block);
        REGISTRATIONS_THIS_INTERVAL.remove(cx.s, &NetUid::ROOT);
    }
    for (netuid, _) in NETWORKS.iter(cx.s) {
        if netuid.is_root() {
            continue;
        }
        BLOCKS_SINCE_LAST_STEP.mutate(cx.s, &netuid, |b| *b = b.saturating_add(1));
        if !should_run_epoch(cx.s, netuid, cx.block) {
            continue;
        }
        if ran >= cap {
            let to_block = cx.block + 1;
            PENDING_EPOCH_AT.set(cx.s, &netuid, &to_block);
            cx.emit(Event::EpochDeferred { netuid, to_block: BlockNumber(to_block) });
            continue;
        }
        ran += 1;
        BLOCKS_SINCE_LAST_STEP.remove(cx.s, &netuid);
        LAST_EPOCH_BLOCK.set(cx.s, &netuid, &cx.block);
        PENDING_EPOCH_AT.remove(cx.s, &netuid);
        SUBNET_EPOCH_INDEX.mutate(cx.s, &netuid, |i| *i = i.saturating_add(1));
        let pending = PENDING_EMISSION.get(cx.s, &netuid);
        let block = cx.block;
        let dynamic = crate::pools::is_dynamic(cx.s);
        let result = crate::executive::atomically(&mut *cx.s, block, cx.events, |cx| {
            if dynamic {
                let pending = crate::pools::pending_alpha(cx.s, netuid);
                PENDING_ALPHA.remove(cx.s, &netuid);
                crate::alpha_emission::run_epoch_and_pay(cx, netuid, pending)?;
            } else {
                PENDING_EMISSION.remove(cx.s, &netuid);
                run_epoch_and_pay(cx, netuid, pending)?;
            }
            LAST_MECHANISM_STEP_BLOCK.set(cx.s, &netuid, &cx.block);
            Ok(())
        });
        if let Err(error) = result {
            cx.emit(Event::EpochFailed { netuid, error });
        }
    }
    Ok(())
}
