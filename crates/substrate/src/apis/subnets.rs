//! `SubnetInfoRuntimeApi`'s subnet-level answers (pool view, hyperparameters, epoch clock) and
//! `SubnetRegistrationRuntimeApi`.

use agora_primitives::NetUid;
use agora_runtime::hyperparams::SubnetHyperparams;
use agora_runtime::state::{BLOCK_NUMBER, PENDING_EPOCH_AT};

use super::Context;
use super::subnet_facts::SubnetFacts;
use crate::info::{DynamicInfo, HyperparamEntry, HyperparamValue, I32F32, U64F64};

fn dynamic(cx: &Context<'_>, facts: &SubnetFacts) -> DynamicInfo {
    let (alpha_in, alpha_out, tao_in) = facts.pool();
    let last_step = facts.last_step(cx.state);
    let (alpha_out_emission, alpha_in_emission, tao_in_emission) = facts.emissions();
    DynamicInfo {
        netuid: facts.netuid(),
        owner_hotkey: facts.owner_hotkey(),
        owner_coldkey: facts.owner_coldkey(),
        subnet_name: facts.name(),
        token_symbol: facts.symbol(),
        tempo: facts.view.hyperparameters.tempo,
        last_step,
        blocks_since_last_step: facts.block.saturating_sub(last_step),
        emission: 0,
        alpha_in,
        alpha_out,
        tao_in,
        alpha_out_emission,
        alpha_in_emission,
        tao_in_emission,
        pending_alpha_emission: facts.pending_alpha_emission(),
        pending_root_emission: 0,
        subnet_volume: facts.volume(),
        network_registered_at: facts.view.registered_at.0,
        subnet_identity: facts.identity(),
        moving_price: facts.moving_price(),
    }
}

pub(super) fn dynamic_info(cx: &Context<'_>, netuid: u16) -> Option<DynamicInfo> {
    SubnetFacts::load(cx.state, NetUid(netuid)).map(|facts| dynamic(cx, &facts))
}

/// Indexed by netuid (btcli reads `list[netuid]`): `None` where no subnet has that netuid.
pub(super) fn all_dynamic_info(cx: &Context<'_>) -> Vec<Option<DynamicInfo>> {
    let mut out: Vec<Option<DynamicInfo>> = Vec::new();
    for facts in SubnetFacts::all(cx.state) {
        let netuid = usize::from(facts.view.netuid.get());
        if out.len() <= netuid {
            out.resize(netuid + 1, None);
        }
        out[netuid] = Some(dynamic(cx, &facts));
    }
    out
}

/// The reference's `get_subnet_hyperparams_v3` list (its names, in its order, after `rho`),
/// from Agora's hyperparameters; what Agora lacks is left out.
fn entries(h: &SubnetHyperparams, started: bool) -> Vec<HyperparamEntry> {
    use HyperparamValue::{Bool, I32F32 as Signed, TaoBalance, U16, U32, U64, U64F64 as Unsigned};
    let list = [
        ("rho", U16(h.rho)),
        ("kappa", U16(h.kappa)),
        ("immunity_period", U16(h.immunity_period)),
        ("min_allowed_weights", U16(h.min_allowed_weights)),
        ("max_weights_limit", U16(h.max_weight_limit)),
        ("tempo", U16(h.tempo)),
        ("weights_version", U64(h.weights_version_key)),
        ("weights_rate_limit", U64(h.weights_rate_limit)),
        ("activity_cutoff", U64(h.effective_activity_cutoff())),
        ("activity_cutoff_factor", U32(h.activity_cutoff_factor_milli)),
        ("registration_allowed", Bool(h.registration_allowed)),
        ("target_regs_per_interval", U16(h.target_registrations_per_interval)),
        ("min_burn", TaoBalance(h.min_burn)),
        ("max_burn", TaoBalance(h.max_burn)),
        ("burn_half_life", U16(h.burn_half_life)),
        ("burn_increase_mult", Unsigned(U64F64 { bits: h.burn_increase_mult })),
        ("bonds_moving_avg", U64(h.bonds_moving_average)),
        ("max_regs_per_block", U16(h.max_registrations_per_block)),
        ("serving_rate_limit", U64(h.serving_rate_limit)),
        ("max_validators", U16(h.max_allowed_validators)),
        ("commit_reveal_period", U64(h.reveal_period_epochs)),
        ("commit_reveal_weights_enabled", Bool(h.commit_reveal)),
        ("alpha_high", U16(h.alpha_high)),
        ("alpha_low", U16(h.alpha_low)),
        ("liquid_alpha_enabled", Bool(h.liquid_alpha)),
        ("alpha_sigmoid_steepness", Signed(I32F32::from_int(i32::from(h.alpha_sigmoid_steepness)))),
        ("yuma_version", U16(if h.yuma3 { 3 } else { 2 })),
        ("subnet_is_active", Bool(started)),
        ("transfers_enabled", Bool(true)),
        ("bonds_reset_enabled", Bool(h.bonds_reset)),
        ("user_liquidity_enabled", Bool(false)),
        ("owner_cut_enabled", Bool(h.owner_cut_enabled)),
    ];
    list.into_iter().map(|(name, value)| HyperparamEntry::new(name, value)).collect()
}

pub(super) fn hyperparams_v3(cx: &Context<'_>, netuid: u16) -> Option<Vec<HyperparamEntry>> {
    let view = agora_runtime::query::subnet(cx.state, NetUid(netuid))?;
    Some(entries(&view.hyperparameters, view.started()))
}

/// The last epoch block plus the tempo, or the pending epoch block if that is earlier (the
/// reference's rule); `None` for an unknown subnet or a tempo of 0.
pub(super) fn next_epoch_start_block(cx: &Context<'_>, netuid: u16) -> Option<u64> {
    let view = agora_runtime::query::subnet(cx.state, NetUid(netuid))?;
    let tempo = view.hyperparameters.tempo;
    if tempo == 0 {
        return None;
    }
    let scheduled = view.last_epoch_block.0.saturating_add(u64::from(tempo));
    let pending = PENDING_EPOCH_AT.get(cx.state, &view.netuid);
    Some(if pending > 0 { scheduled.min(pending) } else { scheduled })
}

/// The lock a subnet registration would pay in the next block.
pub(super) fn registration_cost(cx: &Context<'_>) -> u64 {
    agora_runtime::network_lock_cost(cx.state, BLOCK_NUMBER.get(cx.state).saturating_add(1))
}
