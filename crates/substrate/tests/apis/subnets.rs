//! `SubnetInfoRuntimeApi`, `SwapRuntimeApi` and `SubnetRegistrationRuntimeApi` against the
//! runtime's queries, with the TAO-era values of spec §10.

use agora_primitives::NetUid;
use agora_runtime::query;
use agora_runtime::state::{LAST_EPOCH_BLOCK, TOTAL_HOTKEY_STAKE};
use agora_substrate::info::{
    AxonInfo, DynamicInfo, HyperparamEntry, HyperparamValue, METAGRAPH_FIELDS, Metagraph, SelectiveMetagraph,
    SimSwapResult, SubnetPrice, SubnetState,
};
use agora_substrate::types::AccountId32;
use parity_scale_codec::{Compact, Encode};

use crate::chain::{Chain, acc, scenario};

fn plain<T: Copy>(v: &[Compact<T>]) -> Vec<T> {
    v.iter().map(|c| c.0).collect()
}

fn text(v: &[Compact<u8>]) -> String {
    String::from_utf8(v.iter().map(|c| c.0).collect()).unwrap()
}

/// All stake on `netuid`, from the runtime's pools.
fn subnet_stake(chain: &Chain, netuid: u16) -> u64 {
    TOTAL_HOTKEY_STAKE.iter(&chain.state).into_iter().filter(|((_, n), _)| n.0 == netuid).map(|(_, v)| v).sum()
}

#[test]
fn the_metagraph_is_the_runtime_metagraph_with_tao_era_pool_values() {
    let chain = scenario();
    let mg = query::metagraph(&chain.state, NetUid(1), false).unwrap();
    let view = query::subnet(&chain.state, NetUid(1)).unwrap();
    let h = &view.hyperparameters;
    let m: Metagraph = chain.call::<Option<Metagraph>>("SubnetInfoRuntimeApi_get_metagraph", 1u16).unwrap();

    assert_eq!(m.netuid.0, 1);
    assert_eq!((text(&m.name), text(&m.symbol)), ("apex".to_string(), "α".to_string()));
    assert_eq!(m.identity.as_ref().map(|i| i.github_repo.clone()), Some(b"repo".to_vec()));
    assert_eq!((m.owner_hotkey, m.owner_coldkey), (acc("owner-hk").into(), acc("owner").into()));
    assert_eq!(m.block.0, query::chain_info(&chain.state).block_number.0);
    assert_eq!((m.tempo.0, m.num_uids.0, m.max_uids.0), (h.tempo, mg.n, h.max_allowed_uids));
    assert_eq!((m.burn.0, m.min_burn.0, m.max_burn.0), (view.burn.rao(), h.min_burn, h.max_burn));
    assert_eq!((m.kappa.0, m.rho.0, m.immunity_period.0), (h.kappa, h.rho, h.immunity_period));
    assert_eq!((m.weights_rate_limit.0, m.commit_reveal_weights_enabled), (h.weights_rate_limit, h.commit_reveal));
    assert_eq!(m.activity_cutoff.0, h.effective_activity_cutoff());

    // Per uid.
    let keys = |v: &[agora_primitives::AccountId]| v.iter().copied().map(AccountId32::from).collect::<Vec<_>>();
    assert_eq!(m.hotkeys, keys(&mg.hotkeys));
    assert_eq!(m.coldkeys, keys(&mg.coldkeys));
    assert_eq!(m.axons, mg.axons.iter().copied().map(AxonInfo::from).collect::<Vec<_>>());
    assert_eq!((m.active.clone(), m.validator_permit.clone()), (mg.active.clone(), mg.validator_permit.clone()));
    assert_eq!(plain(&m.last_update), mg.last_update.iter().map(|b| b.0).collect::<Vec<_>>());
    assert_eq!(plain(&m.block_at_registration), mg.block_at_registration.iter().map(|b| b.0).collect::<Vec<_>>());
    assert_eq!((plain(&m.incentives), plain(&m.dividends)), (mg.incentive.clone(), mg.dividends.clone()));
    assert_eq!((plain(&m.consensus), plain(&m.emission)), (mg.consensus.clone(), mg.emission.clone()));
    assert_eq!((plain(&m.alpha_stake), plain(&m.total_stake)), (mg.stake.clone(), mg.stake.clone()));
    assert_eq!(plain(&m.tao_stake), vec![0; 3]);
    assert_eq!(m.identities, vec![None; 3]);
    assert!(m.trust.is_empty() && m.rank.is_empty() && m.pruning_score.is_empty(), "deprecated, as the reference");
    assert_eq!(m.alpha_dividends_per_hotkey, m.hotkeys.iter().map(|h| (*h, Compact(0))).collect::<Vec<_>>());

    // TAO era: price 1.0 (tao_in / alpha_in), moving price 1.0 as I96F32.
    let stake = subnet_stake(&chain, 1);
    assert_eq!((m.alpha_in.0, m.tao_in.0, m.alpha_out.0), (stake, stake, stake));
    assert_eq!(m.moving_price.bits, 1 << 32);
    assert_eq!(m.pending_alpha_emission.0, view.pending_emission.rao());
    assert_eq!(m.tao_in_emission.0, view.emission_per_block.rao());

    // The mechanism 0 metagraph is the same; other mechanisms and subnets do not exist.
    let mecha: Option<Metagraph> = chain.call("SubnetInfoRuntimeApi_get_mechagraph", (1u16, 0u8));
    assert_eq!(mecha.as_ref(), Some(&m));
    let other: Option<Metagraph> = chain.call("SubnetInfoRuntimeApi_get_mechagraph", (1u16, 1u8));
    let unknown: Option<Metagraph> = chain.call("SubnetInfoRuntimeApi_get_metagraph", 9u16);
    assert_eq!((other, unknown), (None, None));
}

#[test]
fn a_selective_mechagraph_has_exactly_the_requested_fields() {
    let chain = scenario();
    let m = chain.call::<Option<Metagraph>>("SubnetInfoRuntimeApi_get_metagraph", 1u16).unwrap();
    assert_eq!(METAGRAPH_FIELDS.len(), 74, "netuid, 71 metagraph fields, validators, commitments");

    // Everything, as SDK 10.5.0 asks (0..=73): each field is the metagraph's.
    let all: Vec<u16> = (0..74).collect();
    let s: SelectiveMetagraph =
        chain.call::<Option<_>>("SubnetInfoRuntimeApi_get_selective_mechagraph", (1u16, 0u8, all)).unwrap();
    assert_eq!(s.netuid.0, 1);
    assert_eq!(s.name.as_ref(), Some(&m.name));
    assert_eq!(s.hotkeys.as_ref(), Some(&m.hotkeys));
    assert_eq!(s.burn, Some(m.burn));
    assert_eq!(s.moving_price, Some(m.moving_price));
    assert_eq!(s.alpha_dividends_per_hotkey.as_ref(), Some(&m.alpha_dividends_per_hotkey));
    assert_eq!(s.commitments, Some(vec![]));
    // Uids with a permit and stake above the threshold, by ascending stake; the validator `v`
    // (uid 1) is one, the miner (uid 2) is not.
    let threshold = agora_runtime::state::GLOBAL_PARAMS.get(&chain.state).stake_threshold;
    let mut permitted: Vec<(u64, u16)> = (0..3u16)
        .filter(|&u| m.validator_permit[usize::from(u)] && m.total_stake[usize::from(u)].0 > threshold)
        .map(|u| (m.total_stake[usize::from(u)].0, u))
        .collect();
    permitted.sort();
    let expected: Vec<Compact<u16>> = permitted.into_iter().map(|(_, u)| Compact(u)).collect();
    assert_eq!(s.validators, Some(expected));
    assert!(s.validators.as_ref().unwrap().contains(&Compact(1)));
    assert!(!s.validators.as_ref().unwrap().contains(&Compact(2)));
    // Index i selects field i: asked alone, field i is the only `Some` (0x01 ‖ its bytes), and
    // the fields so cut out, in index order, are the metagraph's encoding.
    let netuid = m.netuid.encode();
    let mut concatenated = netuid.clone();
    for i in 1..=71u16 {
        let args = (1u16, 0u8, vec![i]).encode();
        let bytes = chain.call_raw("SubnetInfoRuntimeApi_get_selective_mechagraph", &args).unwrap();
        let (before, after) = (usize::from(i) - 1, 71 - usize::from(i) + 2);
        let head = 1 + netuid.len();
        assert_eq!(&bytes[..head], &[&[1u8][..], &netuid].concat()[..], "Some, then the netuid");
        assert!(bytes[head..head + before].iter().all(|&b| b == 0), "fields before {i} are None");
        assert_eq!(bytes[head + before], 1, "field {i} ({}) is Some", METAGRAPH_FIELDS[usize::from(i)]);
        assert!(bytes[bytes.len() - after..].iter().all(|&b| b == 0), "fields after {i} are None");
        concatenated.extend_from_slice(&bytes[head + before + 1..bytes.len() - after]);
    }
    assert_eq!(concatenated, m.encode());

    // A few fields: the others are `None`; the netuid is always there.
    let some: SelectiveMetagraph = chain
        .call::<Option<_>>("SubnetInfoRuntimeApi_get_selective_mechagraph", (1u16, 0u8, vec![52u16, 32, 999]))
        .unwrap();
    assert_eq!((some.netuid.0, some.hotkeys.as_ref(), some.burn), (1, Some(&m.hotkeys), Some(m.burn)));
    assert!(some.name.is_none() && some.coldkeys.is_none() && some.validators.is_none());

    let unknown: Option<SelectiveMetagraph> =
        chain.call("SubnetInfoRuntimeApi_get_selective_mechagraph", (9u16, 0u8, vec![0u16]));
    let other_mechanism: Option<SelectiveMetagraph> =
        chain.call("SubnetInfoRuntimeApi_get_selective_mechagraph", (1u16, 1u8, vec![0u16]));
    assert_eq!((unknown, other_mechanism), (None, None));
}

#[test]
fn the_subnet_state_carries_the_stakes_and_the_emission_history() {
    let chain = scenario();
    let mg = query::metagraph(&chain.state, NetUid(1), false).unwrap();
    let s: SubnetState = chain.call::<Option<_>>("SubnetInfoRuntimeApi_get_subnet_state", 1u16).unwrap();
    assert_eq!(s.netuid, 1);
    assert_eq!(s.hotkeys, mg.hotkeys.iter().copied().map(AccountId32::from).collect::<Vec<_>>());
    assert_eq!((plain(&s.alpha_stake), plain(&s.total_stake)), (mg.stake.clone(), mg.stake.clone()));
    assert_eq!(plain(&s.tao_stake), vec![0; 3]);
    assert_eq!((plain(&s.incentives), plain(&s.emission)), (mg.incentive.clone(), mg.emission.clone()));
    assert_eq!(plain(&s.last_update), mg.last_update.iter().map(|b| b.0).collect::<Vec<_>>());
    // One row per subnet (root, 1, 2), one column per hotkey of subnet 1; `v` is uid 1 on both.
    assert_eq!(s.emission_history.len(), 3);
    assert!(s.emission_history.iter().all(|row| row.len() == 3));
    assert_eq!(plain(&s.emission_history[1]), mg.emission);
    let on_two = query::metagraph(&chain.state, NetUid(2), false).unwrap();
    assert_eq!(s.emission_history[2][1].0, on_two.emission[1]);
    assert_eq!((s.emission_history[2][0].0, s.emission_history[2][2].0), (0, 0), "not registered there");
    let unknown: Option<SubnetState> = chain.call("SubnetInfoRuntimeApi_get_subnet_state", 9u16);
    assert_eq!(unknown, None);
}

#[test]
fn dynamic_info_lists_every_subnet_at_price_one() {
    let chain = scenario();
    let all: Vec<Option<DynamicInfo>> = chain.call("SubnetInfoRuntimeApi_get_all_dynamic_info", ());
    let netuids: Vec<u16> = all.iter().map(|d| d.as_ref().unwrap().netuid).collect();
    assert_eq!(netuids, [0, 1, 2], "indexable by netuid, root included");
    let root = all[0].as_ref().unwrap();
    assert_eq!((text(&root.token_symbol), text(&root.subnet_name)), ("τ".to_string(), "root".to_string()));
    let one = all[1].as_ref().unwrap();
    assert_eq!((text(&one.token_symbol), text(&one.subnet_name)), ("α".to_string(), "apex".to_string()));
    let stake = subnet_stake(&chain, 1);
    assert_eq!((one.alpha_in, one.tao_in, one.alpha_out), (stake, stake, stake));
    assert_eq!((one.moving_price.bits, one.subnet_volume, one.emission), (1 << 32, 0, 0));
    assert_eq!(one.owner_coldkey, acc("owner").into());
    let view = query::subnet(&chain.state, NetUid(1)).unwrap();
    assert_eq!((one.tempo, one.network_registered_at), (view.hyperparameters.tempo, view.registered_at.0));
    let single: Option<DynamicInfo> = chain.call("SubnetInfoRuntimeApi_get_dynamic_info", 1u16);
    assert_eq!(single.as_ref(), Some(one));
    let unknown: Option<DynamicInfo> = chain.call("SubnetInfoRuntimeApi_get_dynamic_info", 9u16);
    assert_eq!(unknown, None);
    // An empty pool still prices at 1.0 (the SDK divides tao_in by alpha_in).
    let root_pool = (root.alpha_in, root.tao_in);
    assert!(root_pool.0 >= 1 && root_pool.0 == root_pool.1);
}

#[test]
fn hyperparameters_come_by_the_reference_names() {
    let chain = scenario();
    let h = query::subnet(&chain.state, NetUid(1)).unwrap().hyperparameters;
    let list: Vec<HyperparamEntry> =
        chain.call::<Option<_>>("SubnetInfoRuntimeApi_get_subnet_hyperparams_v3", 1u16).unwrap();
    let get = |name: &str| list.iter().find(|e| e.name == name.as_bytes()).map(|e| e.value);
    assert_eq!(get("tempo"), Some(HyperparamValue::U16(h.tempo)));
    assert_eq!(get("rho"), Some(HyperparamValue::U16(h.rho)));
    assert_eq!(get("max_weights_limit"), Some(HyperparamValue::U16(h.max_weight_limit)));
    assert_eq!(get("weights_rate_limit"), Some(HyperparamValue::U64(h.weights_rate_limit)));
    assert_eq!(get("commit_reveal_weights_enabled"), Some(HyperparamValue::Bool(h.commit_reveal)));
    assert_eq!(get("commit_reveal_period"), Some(HyperparamValue::U64(h.reveal_period_epochs)));
    assert_eq!(get("min_burn"), Some(HyperparamValue::TaoBalance(h.min_burn)));
    assert_eq!(get("yuma_version"), Some(HyperparamValue::U16(2)));
    match get("alpha_sigmoid_steepness") {
        Some(HyperparamValue::I32F32(x)) => assert_eq!(x.bits, i64::from(h.alpha_sigmoid_steepness) << 32),
        other => panic!("{other:?}"),
    }
    assert!(list.iter().all(|e| e.name.iter().all(|c| c.is_ascii_lowercase() || *c == b'_')));
    let unknown: Option<Vec<HyperparamEntry>> = chain.call("SubnetInfoRuntimeApi_get_subnet_hyperparams_v3", 9u16);
    assert_eq!(unknown, None);
}

#[test]
fn the_next_epoch_is_the_last_one_plus_the_tempo() {
    let chain = scenario();
    let last = LAST_EPOCH_BLOCK.get(&chain.state, &NetUid(1));
    let next: Option<u64> = chain.call("SubnetInfoRuntimeApi_get_next_epoch_start_block", 1u16);
    assert_eq!(next, Some(last + 10));
    let unknown: Option<u64> = chain.call("SubnetInfoRuntimeApi_get_next_epoch_start_block", 9u16);
    assert_eq!(unknown, None);
}

#[test]
fn swaps_are_the_identity_and_prices_one() {
    let chain = scenario();
    let price: u64 = chain.call("SwapRuntimeApi_current_alpha_price", 1u16);
    let unknown: u64 = chain.call("SwapRuntimeApi_current_alpha_price", 9u16);
    assert_eq!((price, unknown), (1_000_000_000, 0));
    let all: Vec<SubnetPrice> = chain.call("SwapRuntimeApi_current_alpha_price_all", ());
    let expected: Vec<SubnetPrice> = [0, 1, 2].map(|netuid| SubnetPrice { netuid, price: 1_000_000_000 }).to_vec();
    assert_eq!(all, expected);
    let stake: SimSwapResult = chain.call("SwapRuntimeApi_sim_swap_tao_for_alpha", (1u16, 5u64));
    let unstake: SimSwapResult = chain.call("SwapRuntimeApi_sim_swap_alpha_for_tao", (1u16, 7u64));
    let quote = |x| SimSwapResult { tao_amount: x, alpha_amount: x, ..SimSwapResult::default() };
    assert_eq!((stake, unstake), (quote(5), quote(7)));
    let nothing: SimSwapResult = chain.call("SwapRuntimeApi_sim_swap_tao_for_alpha", (9u16, 5u64));
    assert_eq!(nothing, SimSwapResult::default());
}

#[test]
fn the_registration_cost_is_the_runtime_lock_cost() {
    let chain = scenario();
    let cost: u64 = chain.call("SubnetRegistrationRuntimeApi_get_network_registration_cost", ());
    assert_eq!(cost, query::chain_info(&chain.state).network_lock_cost.rao());
    assert!(cost > 0);
}

#[test]
fn dynamic_info_leaves_gaps_in_the_netuids_as_none() {
    let mut config = agora_runtime::GenesisConfig::new("gaps");
    config.balances.insert(acc("owner"), agora_primitives::Balance(1_000 * crate::chain::TAO));
    config.subnets.push(crate::chain::subnet(3, "owner", &[]));
    let chain = crate::chain::Chain::new(&config);
    let all: Vec<Option<DynamicInfo>> = chain.call("SubnetInfoRuntimeApi_get_all_dynamic_info", ());
    assert_eq!(all.len(), 4);
    assert!(all[0].is_some() && all[1].is_none() && all[2].is_none());
    assert_eq!(all[3].as_ref().unwrap().netuid, 3);
}
