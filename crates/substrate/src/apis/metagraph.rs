//! `SubnetInfoRuntimeApi`'s metagraphs: `get_metagraph`, `get_mechagraph`,
//! `get_selective_mechagraph` and `get_subnet_state`, from the runtime's metagraph query.

use agora_primitives::NetUid;
use agora_runtime::query;
use agora_runtime::state::{EMISSION, GLOBAL_PARAMS, NETWORKS, UIDS};
use agora_runtime::storage::StorageRead;
use parity_scale_codec::Compact;

use super::Context;
use super::subnet_facts::SubnetFacts;
use crate::info::{AxonInfo, Metagraph, SelectiveMetagraph, SubnetState};
use crate::types::AccountId32;

/// The only mechanism of an Agora subnet.
const MECHANISM: u8 = 0;

/// `Metagraph` index of `validators` and `commitments` in `SelectiveMetagraph`.
const VALIDATORS: u16 = 72;
const COMMITMENTS: u16 = 73;

fn compact<T: Copy>(values: &[T]) -> Vec<Compact<T>> {
    values.iter().copied().map(Compact).collect()
}

fn keys(list: &[agora_primitives::AccountId]) -> Vec<AccountId32> {
    list.iter().copied().map(AccountId32::from).collect()
}

fn heights(list: &[agora_primitives::BlockNumber]) -> Vec<Compact<u64>> {
    list.iter().map(|b| Compact(b.0)).collect()
}

/// The metagraph of `netuid` from its facts and the runtime's per-uid view.
fn build(s: &dyn StorageRead, facts: &SubnetFacts, mg: &query::Metagraph) -> Metagraph {
    let h = &facts.view.hyperparameters;
    let (alpha_in, alpha_out, tao_in) = facts.pool();
    let last_step = facts.last_step(s);
    let (alpha_out_emission, alpha_in_emission, tao_in_emission) = facts.emissions();
    let len = mg.hotkeys.len();
    let tao_stake = if mg.root_stake.is_empty() { vec![Compact(0); len] } else { compact(&mg.root_stake) };
    let zero_per_hotkey = || mg.hotkeys.iter().map(|&hk| (AccountId32::from(hk), Compact(0u64))).collect();
    Metagraph {
        netuid: Compact(facts.netuid()),
        name: facts.name(),
        symbol: facts.symbol(),
        identity: facts.identity(),
        network_registered_at: Compact(facts.view.registered_at.0),
        owner_hotkey: facts.owner_hotkey(),
        owner_coldkey: facts.owner_coldkey(),
        block: Compact(facts.block),
        tempo: Compact(h.tempo),
        last_step: Compact(last_step),
        blocks_since_last_step: Compact(facts.block.saturating_sub(last_step)),
        subnet_emission: Compact(0),
        alpha_in: Compact(alpha_in),
        alpha_out: Compact(alpha_out),
        tao_in: Compact(tao_in),
        alpha_out_emission: Compact(alpha_out_emission),
        alpha_in_emission: Compact(alpha_in_emission),
        tao_in_emission: Compact(tao_in_emission),
        pending_alpha_emission: Compact(facts.pending_alpha_emission()),
        pending_root_emission: Compact(0),
        subnet_volume: Compact(facts.volume()),
        moving_price: facts.moving_price(),
        rho: Compact(h.rho),
        kappa: Compact(h.kappa),
        min_allowed_weights: Compact(h.min_allowed_weights),
        max_weights_limit: Compact(h.max_weight_limit),
        weights_version: Compact(h.weights_version_key),
        weights_rate_limit: Compact(h.weights_rate_limit),
        activity_cutoff: Compact(h.effective_activity_cutoff()),
        max_validators: Compact(h.max_allowed_validators),
        num_uids: Compact(mg.n),
        max_uids: Compact(h.max_allowed_uids),
        burn: Compact(facts.view.burn.rao()),
        difficulty: Compact(0),
        registration_allowed: h.registration_allowed,
        pow_registration_allowed: false,
        immunity_period: Compact(h.immunity_period),
        min_difficulty: Compact(0),
        max_difficulty: Compact(0),
        min_burn: Compact(h.min_burn),
        max_burn: Compact(h.max_burn),
        adjustment_alpha: Compact(0),
        adjustment_interval: Compact(0),
        target_regs_per_interval: Compact(h.target_registrations_per_interval),
        max_regs_per_block: Compact(h.max_registrations_per_block),
        serving_rate_limit: Compact(h.serving_rate_limit),
        commit_reveal_weights_enabled: h.commit_reveal,
        commit_reveal_period: Compact(h.reveal_period_epochs),
        liquid_alpha_enabled: h.liquid_alpha,
        alpha_high: Compact(h.alpha_high),
        alpha_low: Compact(h.alpha_low),
        bonds_moving_avg: Compact(h.bonds_moving_average),
        hotkeys: keys(&mg.hotkeys),
        coldkeys: keys(&mg.coldkeys),
        identities: vec![None; len],
        axons: mg.axons.iter().copied().map(AxonInfo::from).collect(),
        active: mg.active.clone(),
        validator_permit: mg.validator_permit.clone(),
        pruning_score: Vec::new(),
        last_update: heights(&mg.last_update),
        emission: compact(&mg.emission),
        dividends: compact(&mg.dividends),
        incentives: compact(&mg.incentive),
        consensus: compact(&mg.consensus),
        trust: Vec::new(),
        rank: Vec::new(),
        block_at_registration: heights(&mg.block_at_registration),
        alpha_stake: compact(&mg.alpha_stake),
        tao_stake,
        total_stake: compact(&mg.stake),
        tao_dividends_per_hotkey: zero_per_hotkey(),
        alpha_dividends_per_hotkey: mg
            .hotkeys
            .iter()
            .map(|hk| (AccountId32::from(*hk), Compact(query::alpha_dividends(s, NetUid(facts.netuid()), hk))))
            .collect(),
    }
}

/// The facts and per-uid view of `netuid`, if it exists.
fn load(s: &dyn StorageRead, netuid: u16) -> Option<(SubnetFacts, query::Metagraph)> {
    let facts = SubnetFacts::load(s, NetUid(netuid))?;
    let mg = query::metagraph(s, NetUid(netuid), false)?;
    Some((facts, mg))
}

pub(super) fn metagraph(cx: &Context<'_>, netuid: u16) -> Option<Metagraph> {
    let (facts, mg) = load(cx.state, netuid)?;
    Some(build(cx.state, &facts, &mg))
}

pub(super) fn mechagraph(cx: &Context<'_>, netuid: u16, mecid: u8) -> Option<Metagraph> {
    if mecid != MECHANISM {
        return None;
    }
    metagraph(cx, netuid)
}

/// Uids with a permit and stake above the chain's threshold, by ascending stake (the
/// reference's `get_validators`).
fn validators(s: &dyn StorageRead, mg: &query::Metagraph) -> Vec<Compact<u16>> {
    let threshold = GLOBAL_PARAMS.get(s).stake_threshold;
    let mut permitted: Vec<(u16, u64)> = (0..mg.n)
        .filter(|&u| mg.validator_permit.get(usize::from(u)).copied().unwrap_or(false))
        .map(|u| (u, mg.stake.get(usize::from(u)).copied().unwrap_or(0)))
        .collect();
    permitted.sort_by_key(|&(_, stake)| stake);
    permitted.into_iter().filter(|&(_, stake)| stake > threshold).map(|(u, _)| Compact(u)).collect()
}

pub(super) fn selective_mechagraph(
    cx: &Context<'_>,
    netuid: u16,
    subid: u8,
    metagraph_indexes: Vec<u16>,
) -> Option<SelectiveMetagraph> {
    if subid != MECHANISM {
        return None;
    }
    let (facts, mg) = load(cx.state, netuid)?;
    let mut selected = build(cx.state, &facts, &mg).select(&metagraph_indexes);
    if metagraph_indexes.contains(&VALIDATORS) {
        selected.validators = Some(validators(cx.state, &mg));
    }
    if metagraph_indexes.contains(&COMMITMENTS) {
        selected.commitments = Some(Vec::new());
    }
    Some(selected)
}

/// Per subnet (ascending netuid), per hotkey: its emission there at the last epoch.
fn emission_history(s: &dyn StorageRead, hotkeys: &[agora_primitives::AccountId]) -> Vec<Vec<Compact<u64>>> {
    NETWORKS
        .iter(s)
        .into_iter()
        .map(|(netuid, _)| {
            let emission = EMISSION.get(s, &netuid);
            hotkeys
                .iter()
                .map(|hk| {
                    let uid = UIDS.try_get(s, &(netuid, *hk));
                    Compact(uid.and_then(|u| emission.get(usize::from(u.0)).copied()).unwrap_or(0))
                })
                .collect()
        })
        .collect()
}

/// The per-uid columns of the metagraph, plus each hotkey's emission on every subnet.
pub(super) fn subnet_state(cx: &Context<'_>, netuid: u16) -> Option<SubnetState> {
    let (facts, mg) = load(cx.state, netuid)?;
    let m = build(cx.state, &facts, &mg);
    Some(SubnetState {
        netuid,
        emission_history: emission_history(cx.state, &mg.hotkeys),
        hotkeys: m.hotkeys,
        coldkeys: m.coldkeys,
        active: m.active,
        validator_permit: m.validator_permit,
        pruning_score: m.pruning_score,
        last_update: m.last_update,
        emission: m.emission,
        dividends: m.dividends,
        incentives: m.incentives,
        consensus: m.consensus,
        trust: m.trust,
        rank: m.rank,
        block_at_registration: m.block_at_registration,
        alpha_stake: m.alpha_stake,
        tao_stake: m.tao_stake,
        total_stake: m.total_stake,
    })
}
