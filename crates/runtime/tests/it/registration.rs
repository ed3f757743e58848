//! `burned_register`: price, recycling, uid assignment, pruning, and every error.

use agora_primitives::{BlockNumber, NetUid, Uid};
use agora_runtime::{Call, DispatchError, Event, HyperparameterUpdate as H, decay_factor_q32, query};

use crate::common::*;

fn register(hotkey: &str) -> Call {
    Call::BurnedRegister { netuid: NetUid(1), hotkey: acc(hotkey) }
}

fn burn(chain: &Chain) -> u64 {
    query::subnet(&chain.state, NetUid(1)).unwrap().burn.rao()
}

#[test]
fn registration_burns_the_price_and_assigns_the_next_uid() {
    let mut chain = Chain::new(&base_config());
    let issuance_before = query::chain_info(&chain.state).total_issuance.rao();
    let (r, events) = chain.submit_events(&key("alice"), register("m1"));
    assert_eq!(r, Ok(()));
    assert!(events.contains(&Event::NeuronRegistered {
        netuid: NetUid(1),
        uid: Uid(1),
        hotkey: acc("m1"),
        replaced: None,
        burned: tao(1)
    }));
    assert_eq!(chain.balance(&acc("alice")), 9_999 * TAO);
    let info = query::chain_info(&chain.state);
    // Issuance: + block emission minted, − the 1 TAO burn.
    let minted: u64 = chain
        .hook_events
        .iter()
        .map(|e| if let Event::BlockEmission { minted, .. } = e { minted.rao() } else { 0 })
        .sum();
    assert_eq!(info.total_issuance.rao(), issuance_before + minted - TAO);
    assert_eq!(info.total_recycled.rao(), TAO);
    // The hotkey now belongs to alice.
    let mg = query::metagraph(&chain.state, NetUid(1), false).unwrap();
    assert_eq!(mg.hotkeys[1], acc("m1"));
    assert_eq!(mg.coldkeys[1], acc("alice"));
    assert_eq!(mg.block_at_registration[1], BlockNumber(chain.height));
    assert_eq!(mg.last_update[1], BlockNumber(chain.height));
}

#[test]
fn burn_bumps_after_registration_and_decays_per_block() {
    let mut chain = Chain::new(&base_config());
    assert_eq!(burn(&chain), TAO, "new subnet burn");
    chain.submit(&key("alice"), register("m1")).unwrap();
    // × 1.26 (U64F64 of the f64 1.26), floor.
    let bumped = 1_260_000_000u64;
    assert_eq!(burn(&chain), bumped);
    chain.advance(1);
    let f = decay_factor_q32(360);
    let decayed = ((u128::from(bumped) * u128::from(f)) >> 32) as u64;
    assert_eq!(burn(&chain), decayed);
    // After one half-life (360 blocks) the price is at most half.
    chain.advance(359);
    assert!(burn(&chain) <= bumped / 2 + 1, "{}", burn(&chain));
    // Never below min_burn.
    chain.advance(20_000);
    assert_eq!(burn(&chain), 500_000);
}

#[test]
fn full_subnet_replaces_the_lowest_emission_non_immune_neuron() {
    let mut config = base_config();
    let hp = &mut config.subnets[0].hyperparameters;
    hp.max_allowed_uids = 3;
    hp.min_non_immune_uids = 0;
    hp.immunity_period = 5;
    let mut chain = Chain::new(&config);
    chain.submit(&key("alice"), register("m1")).unwrap();
    chain.submit(&key("alice"), register("m2")).unwrap();
    // Full (owner + 2), both immune: the earliest registered immune neuron goes (lowest emission tie).
    let (r, events) = chain.submit_events(&key("bob"), register("m3"));
    assert_eq!(r, Ok(()));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::NeuronRegistered { uid: Uid(1), replaced: Some(h), .. } if *h == acc("m1")))
    );
    assert_eq!(query::uid_of(&chain.state, NetUid(1), &acc("m1")), None);
    assert_eq!(query::uid_of(&chain.state, NetUid(1), &acc("m3")), Some(Uid(1)));
    // The owner hotkey is never pruned.
    assert_eq!(query::uid_of(&chain.state, NetUid(1), &acc("owner-hk")), Some(Uid(0)));
}

#[test]
fn pruning_prefers_non_immune_when_enough_are_free() {
    let mut config = base_config();
    let hp = &mut config.subnets[0].hyperparameters;
    hp.max_allowed_uids = 4;
    hp.min_non_immune_uids = 1;
    hp.immunity_period = 3;
    let mut chain = Chain::new(&config);
    chain.submit(&key("alice"), register("old1")).unwrap(); // block 1
    chain.submit(&key("alice"), register("old2")).unwrap(); // block 2
    chain.advance(5);
    chain.submit(&key("alice"), register("new")).unwrap(); // immune
    // Two non-immune (old1, old2) > min 1: the earliest of equal emission goes.
    let (r, events) = chain.submit_events(&key("bob"), register("late"));
    assert_eq!(r, Ok(()));
    assert!(events.iter().any(|e| matches!(e, Event::NeuronRegistered { replaced: Some(h), .. } if *h == acc("old1"))));
    // Now only old2 is non-immune, which is not more than min_non_immune_uids = 1: the choice falls
    // back to the immune uids, earliest registration first ("new", uid 3).
    assert_eq!(agora_runtime::neuron_to_prune(&chain.state, NetUid(1), chain.height + 1), Some(Uid(3)));
}

#[test]
fn registration_error_paths() {
    let mut config = base_config();
    config.subnets[0].hyperparameters.max_allowed_uids = 2;
    let mut chain = Chain::new(&config);
    let alice = key("alice");
    chain.assert_fails(
        &alice,
        Call::BurnedRegister { netuid: NetUid(0), hotkey: acc("x") },
        DispatchError::RegistrationNotPermittedOnRootSubnet,
    );
    chain.assert_fails(
        &alice,
        Call::BurnedRegister { netuid: NetUid(5), hotkey: acc("x") },
        DispatchError::SubnetNotExists,
    );
    chain.assert_fails(&alice, register("owner-hk"), DispatchError::HotKeyAlreadyRegisteredInSubNet);
    chain.assert_fails(&key("broke"), register("x"), DispatchError::NotEnoughBalanceToStake);
    // A hotkey owned by another coldkey.
    chain.submit(&key("bob"), register("bob-m")).unwrap();
    chain
        .submit(&key("sudo"), Call::SudoSetHyperparameter { netuid: NetUid(1), update: H::MaxAllowedUids(16) })
        .unwrap();
    chain.submit(&key("alice"), Call::RegisterNetwork { hotkey: acc("alice-hk") }).unwrap();
    chain.assert_fails(
        &key("carol"),
        Call::BurnedRegister { netuid: NetUid(1), hotkey: acc("alice-hk") },
        DispatchError::NonAssociatedColdKey,
    );
    // Registration disabled.
    chain
        .submit(
            &key("sudo"),
            Call::SudoSetHyperparameter { netuid: NetUid(1), update: H::NetworkRegistrationAllowed(false) },
        )
        .unwrap();
    chain.assert_fails(&alice, register("y"), DispatchError::SubNetRegistrationDisabled);
}

#[test]
fn no_neuron_id_available_when_only_the_owner_fills_the_subnet() {
    let mut config = base_config();
    config.subnets[0].hyperparameters.max_allowed_uids = 1;
    let mut chain = Chain::new(&config);
    chain.assert_fails(&key("alice"), register("m1"), DispatchError::NoNeuronIdAvailable);
}

#[test]
fn register_limit_registers_only_at_or_below_the_limit() {
    let mut chain = Chain::new(&base_config());
    let price = burn(&chain);
    let limited = |netuid: u16, limit: u64| Call::RegisterLimit {
        netuid: NetUid(netuid),
        hotkey: acc("a1"),
        limit_price: agora_primitives::Balance(limit),
    };
    let alice = key("alice");
    chain.assert_fails(&alice, limited(1, price - 1), DispatchError::RegistrationPriceLimitExceeded);
    chain.assert_fails(&alice, limited(0, price), DispatchError::RegistrationNotPermittedOnRootSubnet);
    chain.assert_fails(&alice, limited(9, price), DispatchError::SubnetNotExists);
    assert_eq!(chain.submit(&alice, limited(1, price)), Ok(()));
    assert!(query::uid_of(&chain.state, NetUid(1), &acc("a1")).is_some());
}
