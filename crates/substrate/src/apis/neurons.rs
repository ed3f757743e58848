//! `NeuronInfoRuntimeApi`: neurons from the runtime's metagraph query, one per uid.

use agora_primitives::NetUid;
use agora_runtime::query::{self, Metagraph};
use agora_runtime::state::SparseRow;
use parity_scale_codec::Compact;

use super::Context;
use crate::info::{AxonInfo, NeuronInfo, NeuronInfoLite, PrometheusInfo};
use crate::types::AccountId32;

/// The reference's value of the deprecated pruning score.
const PRUNING_SCORE: u16 = u16::MAX;

fn at<T: Copy + Default>(values: &[T], i: usize) -> T {
    values.get(i).copied().unwrap_or_default()
}

fn key(keys: &[agora_primitives::AccountId], i: usize) -> AccountId32 {
    keys.get(i).copied().map(AccountId32::from).unwrap_or_default()
}

/// Uid `uid` of `mg`, without weights and bonds.
fn lite(mg: &Metagraph, uid: u16) -> NeuronInfoLite {
    let i = usize::from(uid);
    let coldkey = key(&mg.coldkeys, i);
    NeuronInfoLite {
        hotkey: key(&mg.hotkeys, i),
        coldkey,
        uid,
        netuid: mg.netuid.0,
        active: at(&mg.active, i),
        axon_info: AxonInfo::from(at(&mg.axons, i)),
        prometheus_info: PrometheusInfo::default(),
        // The reference's `get_stake_for_hotkey_on_subnet`: alpha only (no inherited root stake).
        stake: vec![(coldkey, Compact(at(&mg.alpha_stake, i)))],
        rank: 0,
        emission: at(&mg.emission, i),
        incentive: at(&mg.incentive, i),
        consensus: at(&mg.consensus, i),
        trust: 0,
        validator_trust: at(&mg.validator_trust, i),
        dividends: at(&mg.dividends, i),
        last_update: at(&mg.last_update, i).0,
        validator_permit: at(&mg.validator_permit, i),
        pruning_score: PRUNING_SCORE,
    }
}

/// The non-zero entries of a weights or bonds row.
fn row(rows: Option<&Vec<SparseRow>>, uid: u16) -> Vec<(Compact<u16>, Compact<u16>)> {
    let row = rows.and_then(|r| r.get(usize::from(uid)));
    row.into_iter().flatten().filter(|&&(_, v)| v > 0).map(|&(c, v)| (Compact(c), Compact(v))).collect()
}

/// Uid `uid` of a full `mg`, with weights and bonds.
fn full(mg: &Metagraph, uid: u16) -> NeuronInfo {
    let l = lite(mg, uid);
    NeuronInfo {
        hotkey: l.hotkey,
        coldkey: l.coldkey,
        uid: l.uid,
        netuid: l.netuid,
        active: l.active,
        axon_info: l.axon_info,
        prometheus_info: l.prometheus_info,
        stake: l.stake,
        rank: l.rank,
        emission: l.emission,
        incentive: l.incentive,
        consensus: l.consensus,
        trust: l.trust,
        validator_trust: l.validator_trust,
        dividends: l.dividends,
        last_update: l.last_update,
        validator_permit: l.validator_permit,
        weights: row(mg.weights.as_ref(), uid),
        bonds: row(mg.bonds.as_ref(), uid),
        pruning_score: l.pruning_score,
    }
}

fn metagraph(cx: &Context<'_>, netuid: u16, with_rows: bool) -> Option<Metagraph> {
    query::metagraph(cx.state, NetUid(netuid), with_rows)
}

pub(super) fn neurons_lite(cx: &Context<'_>, netuid: u16) -> Vec<NeuronInfoLite> {
    metagraph(cx, netuid, false).map(|mg| (0..mg.n).map(|u| lite(&mg, u)).collect()).unwrap_or_default()
}

pub(super) fn neuron_lite(cx: &Context<'_>, netuid: u16, uid: u16) -> Option<NeuronInfoLite> {
    metagraph(cx, netuid, false).filter(|mg| uid < mg.n).map(|mg| lite(&mg, uid))
}

pub(super) fn neurons(cx: &Context<'_>, netuid: u16) -> Vec<NeuronInfo> {
    metagraph(cx, netuid, true).map(|mg| (0..mg.n).map(|u| full(&mg, u)).collect()).unwrap_or_default()
}

pub(super) fn neuron(cx: &Context<'_>, netuid: u16, uid: u16) -> Option<NeuronInfo> {
    metagraph(cx, netuid, true).filter(|mg| uid < mg.n).map(|mg| full(&mg, uid))
}
