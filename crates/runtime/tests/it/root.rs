//! `root_register`, root weights and the emission split across subnets.

use agora_primitives::{NetUid, Uid};
use agora_runtime::genesis::{GenesisKeys, GenesisStake, GenesisSubnet};
use agora_runtime::{Call, DispatchError, query};

use crate::common::*;

fn two_subnets() -> agora_runtime::GenesisConfig {
    let mut config = base_config();
    config.subnets.push(GenesisSubnet {
        netuid: 2,
        owner: acc("owner2"),
        owner_hotkey: acc("owner2-hk"),
        started: true,
        register_owner: true,
        hyperparameters: fast_hparams(),
        neurons: vec![],
        pool: None,
        emission_enabled: true,
    });
    config
}

fn emission_values(chain: &Chain) -> Vec<u64> {
    query::subnets(&chain.state).iter().filter(|s| !s.netuid.is_root()).map(|s| s.emission_per_block.rao()).collect()
}

#[test]
fn without_root_weights_emission_is_split_equally() {
    let mut chain = Chain::new(&two_subnets());
    chain.advance(1);
    assert_eq!(emission_values(&chain), vec![TAO / 2, TAO / 2]);
}

#[test]
fn root_weights_steer_emission() {
    let mut config = two_subnets();
    for (hk, ck, stake) in [("rv1", "alice", 300u64), ("rv2", "bob", 100)] {
        config.root_validators.push(GenesisKeys { hotkey: acc(hk), coldkey: acc(ck) });
        config.stakes.push(GenesisStake { coldkey: acc(ck), hotkey: acc(hk), netuid: 0, amount: tao(stake) });
    }
    let mut chain = Chain::new(&config);
    // Everyone on subnet 1: subnet 1 takes (nearly) all, subnet 2 nothing.
    chain
        .submit(&key("rv1"), Call::SetWeights { netuid: NetUid(0), dests: vec![1], weights: vec![1], version_key: 0 })
        .unwrap();
    chain
        .submit(&key("rv2"), Call::SetWeights { netuid: NetUid(0), dests: vec![1], weights: vec![1], version_key: 0 })
        .unwrap();
    chain.advance(1);
    let ev = emission_values(&chain);
    assert_eq!(ev[1], 0);
    assert!(ev[0] > TAO - 10 && ev[0] <= TAO, "{ev:?}");
    // The larger validator (75 % of root stake) moves to subnet 2: past kappa, subnet 2 dominates.
    chain
        .submit(&key("rv1"), Call::SetWeights { netuid: NetUid(0), dests: vec![2], weights: vec![1], version_key: 0 })
        .unwrap();
    chain.advance(1);
    let ev = emission_values(&chain);
    assert!(ev[1] > ev[0] * 3, "{ev:?}");
    assert!(ev[0] + ev[1] <= TAO);
}

#[test]
fn root_register_and_replacement_by_stake() {
    let mut config = base_config();
    config.root.max_allowed_uids = 2;
    config.root.max_registrations_per_block = 5;
    config.root.target_registrations_per_interval = 5;
    let mut chain = Chain::new(&config);
    // Root stake can be placed on any owned hotkey; register r1, r2 (stakes 10, 20).
    for (hk, stake) in [("r1", 10u64), ("r2", 20)] {
        assert_eq!(chain.submit(&key("alice"), Call::RootRegister { hotkey: acc(hk) }), Ok(()));
        chain.submit(&key("alice"), Call::AddStake { hotkey: acc(hk), netuid: NetUid(0), amount: tao(stake) }).unwrap();
    }
    // r3 is owned by bob; with 5 TAO it cannot displace r1 (10).
    chain.submit(&key("bob"), Call::BurnedRegister { netuid: NetUid(1), hotkey: acc("r3") }).unwrap();
    chain.submit(&key("bob"), Call::AddStake { hotkey: acc("r3"), netuid: NetUid(0), amount: tao(5) }).unwrap();
    chain.assert_fails(&key("bob"), Call::RootRegister { hotkey: acc("r3") }, DispatchError::StakeTooLowForRoot);
    chain.submit(&key("bob"), Call::AddStake { hotkey: acc("r3"), netuid: NetUid(0), amount: tao(6) }).unwrap();
    assert_eq!(chain.submit(&key("bob"), Call::RootRegister { hotkey: acc("r3") }), Ok(()));
    assert_eq!(query::uid_of(&chain.state, NetUid(0), &acc("r3")), Some(Uid(0)));
    assert_eq!(query::uid_of(&chain.state, NetUid(0), &acc("r1")), None);
}

#[test]
fn root_register_error_paths() {
    let mut config = base_config();
    config.root.max_registrations_per_block = 1;
    config.root.target_registrations_per_interval = 1;
    let mut chain = Chain::new(&config);
    chain.assert_fails(
        &key("bob"),
        Call::RootRegister { hotkey: acc("owner-hk") },
        DispatchError::NonAssociatedColdKey,
    );
    // Two registrations in one block: the second is refused.
    let t1 = chain.tx(&key("alice"), Call::RootRegister { hotkey: acc("a1") });
    let t2 = chain.tx(&key("bob"), Call::RootRegister { hotkey: acc("b1") });
    let out = chain.block(&[t1, t2]);
    assert_eq!(out.receipts[1].result, Err(DispatchError::TooManyRegistrationsThisBlock));
    chain.assert_fails(
        &key("alice"),
        Call::RootRegister { hotkey: acc("a1") },
        DispatchError::HotKeyAlreadyRegisteredInSubNet,
    );
    // Interval cap: 3 × target = 3 per root tempo (100 blocks).
    chain.submit(&key("bob"), Call::RootRegister { hotkey: acc("b1") }).unwrap();
    chain.submit(&key("carol"), Call::RootRegister { hotkey: acc("c1") }).unwrap();
    chain.assert_fails(
        &key("dave"),
        Call::RootRegister { hotkey: acc("d1") },
        DispatchError::TooManyRegistrationsThisInterval,
    );
    // A new root tempo resets the interval.
    chain.advance_to(100);
    assert_eq!(chain.submit(&key("dave"), Call::RootRegister { hotkey: acc("d1") }), Ok(()));
}

#[test]
fn replacing_a_root_validator_leaves_root_weights_on_subnets_alone() {
    // Regression: root weight rows hold netuids; replacing root uid 1 must not zero the weights
    // every validator put on subnet 1.
    let mut config = two_subnets();
    config.root.max_allowed_uids = 2;
    for (hk, ck, stake) in [("rv1", "alice", 300u64), ("rv2", "bob", 100)] {
        config.root_validators.push(GenesisKeys { hotkey: acc(hk), coldkey: acc(ck) });
        config.stakes.push(GenesisStake { coldkey: acc(ck), hotkey: acc(hk), netuid: 0, amount: tao(stake) });
    }
    let mut chain = Chain::new(&config);
    let w = |dests: Vec<u16>, weights: Vec<u16>| Call::SetWeights { netuid: NetUid(0), dests, weights, version_key: 0 };
    chain.submit(&key("rv1"), w(vec![1, 2], vec![3, 1])).unwrap();
    chain.submit(&key("rv2"), w(vec![1, 2], vec![3, 1])).unwrap();
    chain.advance(1);
    let before = emission_values(&chain);
    // carol's new hotkey has more root stake than rv2 (uid 1) and takes its place.
    chain.submit(&key("carol"), Call::BurnedRegister { netuid: NetUid(1), hotkey: acc("rv3") }).unwrap();
    chain.submit(&key("carol"), Call::AddStake { hotkey: acc("rv3"), netuid: NetUid(0), amount: tao(200) }).unwrap();
    chain.submit(&key("carol"), Call::RootRegister { hotkey: acc("rv3") }).unwrap();
    assert_eq!(query::uid_of(&chain.state, NetUid(0), &acc("rv3")), Some(Uid(1)));
    let rows = query::weights(&chain.state, NetUid(0));
    assert_eq!(rows, vec![(Uid(0), vec![(1, 65535), (2, 21845)])], "rv1's weights untouched, rv2's row gone");
    chain.advance(1);
    let after = emission_values(&chain);
    assert!(after[0] > after[1] && after[1] > 0, "subnet 1 still leads: {before:?} → {after:?}");
}

#[test]
fn root_weight_error_paths() {
    let mut config = base_config();
    config.root_validators.push(GenesisKeys { hotkey: acc("rv"), coldkey: acc("alice") });
    let mut chain = Chain::new(&config);
    let rv = key("rv");
    let root_w = |dests: &[u16], w: &[u16]| Call::SetWeights {
        netuid: NetUid(0),
        dests: dests.to_vec(),
        weights: w.to_vec(),
        version_key: 0,
    };
    chain.assert_fails(&rv, root_w(&[1, 0], &[1]), DispatchError::WeightVecNotEqualSize);
    chain.assert_fails(&rv, root_w(&[7], &[1]), DispatchError::UidVecContainInvalidOne);
    chain.assert_fails(&key("owner-hk"), root_w(&[1], &[1]), DispatchError::HotKeyNotRegisteredInSubNet);
    chain.assert_fails(&rv, root_w(&[1, 1], &[1, 1]), DispatchError::DuplicateUids);
    assert_eq!(chain.submit(&rv, root_w(&[1], &[5])), Ok(()));
    assert_eq!(query::weights(&chain.state, NetUid(0)), vec![(Uid(0), vec![(1, 65535)])]);
    let sudo = key("sudo");
    let root_set = |update| Call::SudoSetHyperparameter { netuid: NetUid(0), update };
    // min_allowed_weights 2, but the root network has only one validator: min(2, n = 1) = 1 passes.
    chain.submit(&sudo, root_set(agora_runtime::HyperparameterUpdate::MinAllowedWeights(2))).unwrap();
    assert_eq!(chain.submit(&rv, root_w(&[1], &[5])), Ok(()));
    chain.submit(&key("bob"), Call::RootRegister { hotkey: acc("rv-b") }).unwrap();
    chain.assert_fails(&rv, root_w(&[1], &[5]), DispatchError::WeightVecLengthIsLow);
    chain.submit(&sudo, root_set(agora_runtime::HyperparameterUpdate::MaxWeightLimit(40_000))).unwrap();
    chain.submit(&key("owner"), Call::RegisterNetwork { hotkey: acc("owner-hk2") }).unwrap();
    chain.assert_fails(&rv, root_w(&[0, 1], &[3, 1]), DispatchError::MaxWeightExceeded);
    chain.submit(&sudo, root_set(agora_runtime::HyperparameterUpdate::WeightsSetRateLimit(1000))).unwrap();
    chain.assert_fails(&rv, root_w(&[0, 1], &[1, 1]), DispatchError::SettingWeightsTooFast);
    chain.submit(&sudo, root_set(agora_runtime::HyperparameterUpdate::WeightsVersionKey(9))).unwrap();
    chain.assert_fails(&rv, root_w(&[0, 1], &[1, 1]), DispatchError::IncorrectWeightVersionKey);
    chain.submit(&sudo, Call::SudoSetGlobal { update: agora_runtime::GlobalUpdate::StakeThreshold(TAO) }).unwrap();
    chain.assert_fails(&rv, root_w(&[0, 1], &[1, 1]), DispatchError::NotEnoughStakeToSetWeights);
}
