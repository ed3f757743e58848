//! Hyperparameter setters: origins, freeze window, owner rate limit, bounds.

use agora_primitives::fixed::U64F64;
use agora_primitives::{Balance, BlockNumber, NetUid};
use agora_runtime::{Call, DispatchError, GlobalUpdate, HyperparameterUpdate as H, query};

use crate::common::*;

fn set(netuid: u16, update: H) -> Call {
    Call::SudoSetHyperparameter { netuid: NetUid(netuid), update }
}

fn hp(chain: &Chain) -> agora_runtime::hyperparams::SubnetHyperparams {
    query::subnet(&chain.state, NetUid(1)).unwrap().hyperparameters
}

#[test]
fn owner_sets_owner_params_and_sudo_sets_anything() {
    let mut chain = Chain::new(&base_config());
    assert_eq!(chain.submit(&key("owner"), set(1, H::ImmunityPeriod(77))), Ok(()));
    assert_eq!(hp(&chain).immunity_period, 77);
    assert_eq!(chain.submit(&key("sudo"), set(1, H::Kappa(40_000))), Ok(()));
    assert_eq!(hp(&chain).kappa, 40_000);
    assert_eq!(chain.submit(&key("sudo"), set(1, H::Tempo(20))), Ok(()));
    assert_eq!(hp(&chain).tempo, 20);
    assert_eq!(chain.submit(&key("owner"), set(1, H::CommitRevealWeightsEnabled(true))), Ok(()));
    assert!(hp(&chain).commit_reveal);
    assert_eq!(chain.submit(&key("owner"), set(1, H::LiquidAlphaEnabled(true))), Ok(()));
    assert_eq!(chain.submit(&key("owner"), set(1, H::AlphaValues { alpha_low: 2000, alpha_high: 3000 })), Ok(()));
    assert_eq!((hp(&chain).alpha_low, hp(&chain).alpha_high), (2000, 3000));
    let mult = U64F64::from_num(2).to_bits();
    assert_eq!(chain.submit(&key("owner"), set(1, H::BurnIncreaseMult(mult))), Ok(()));
    assert_eq!(hp(&chain).burn_increase_mult, mult);
}

#[test]
fn origin_errors() {
    let mut chain = Chain::new(&base_config());
    chain.assert_fails(&key("bob"), set(1, H::ImmunityPeriod(1)), DispatchError::BadOrigin);
    // Owners cannot touch root-only parameters.
    chain.assert_fails(&key("owner"), set(1, H::Kappa(1)), DispatchError::BadOrigin);
    // Origin is checked first (the owner of a missing subnet is nobody), then existence.
    chain.assert_fails(&key("owner"), set(9, H::ImmunityPeriod(1)), DispatchError::BadOrigin);
    chain.assert_fails(&key("sudo"), set(9, H::ImmunityPeriod(1)), DispatchError::SubnetDoesNotExist);
    chain.assert_fails(
        &key("owner"),
        Call::SudoSetGlobal { update: GlobalUpdate::SubnetOwnerCut(0) },
        DispatchError::BadOrigin,
    );
}

#[test]
fn owner_rate_limit_and_freeze_window() {
    let mut config = base_config();
    config.params.admin_freeze_window = 3;
    let mut chain = Chain::new(&config);
    // Tempo 10: the next epoch is at block 10 (last epoch block 0 + tempo; netuid 1 stagger 1 → 9).
    let next = |c: &Chain| agora_runtime::query::subnet(&c.state, NetUid(1)).unwrap().last_epoch_block.get() + 10;
    // Move to just before the freeze window.
    while next(&chain) - (chain.height + 1) < 3 {
        chain.advance(1);
    }
    assert_eq!(chain.submit(&key("owner"), set(1, H::ServingRateLimit(5))), Ok(()));
    // The same parameter again within 2 tempos: rate limited.
    chain.assert_fails(&key("owner"), set(1, H::ServingRateLimit(6)), DispatchError::TxRateLimitExceeded);
    // Inside the freeze window even another parameter (or sudo) is refused.
    while next(&chain) - (chain.height + 1) >= 3 {
        chain.advance(1);
    }
    chain.assert_fails(
        &key("owner"),
        set(1, H::ImmunityPeriod(5)),
        DispatchError::AdminActionProhibitedDuringWeightsWindow,
    );
    chain.assert_fails(
        &key("sudo"),
        set(1, H::ImmunityPeriod(5)),
        DispatchError::AdminActionProhibitedDuringWeightsWindow,
    );
    // Root-only parameters are not frozen.
    assert_eq!(chain.submit(&key("sudo"), set(1, H::Kappa(5))), Ok(()));
}

#[test]
fn weights_version_key_is_limited_to_once_per_five_tempos() {
    let mut chain = Chain::new(&base_config());
    assert_eq!(chain.submit(&key("owner"), set(1, H::WeightsVersionKey(1))), Ok(()));
    // Tempo 10: other parameters wait 2 tempos, the version key 5.
    chain.advance(25);
    chain.assert_fails(&key("owner"), set(1, H::WeightsVersionKey(2)), DispatchError::TxRateLimitExceeded);
    chain.advance(25);
    assert_eq!(chain.submit(&key("owner"), set(1, H::WeightsVersionKey(2))), Ok(()));
}

#[test]
fn a_subnet_that_has_not_started_keeps_its_admin_window_moving() {
    // Before start_call the subnet earns nothing but still consumes epoch slots, so the owner can
    // configure it at any time outside the freeze window (regression: the window used to freeze).
    let mut config = base_config();
    config.params.admin_freeze_window = 3;
    config.subnets[0].started = false;
    let mut chain = Chain::new(&config);
    chain.advance(45);
    let sn = query::subnet(&chain.state, NetUid(1)).unwrap();
    assert_eq!(sn.last_epoch_block, BlockNumber(40));
    assert_eq!(sn.pending_emission.rao(), 0);
    assert_eq!(chain.submit(&key("owner"), set(1, H::ImmunityPeriod(9))), Ok(()));
    assert_eq!(agora_runtime::state::SUBNET_EPOCH_INDEX.get(&chain.state, &NetUid(1)), 4);
}

#[test]
fn bounds_errors() {
    let mut config = base_config();
    config.subnets[0].hyperparameters.min_allowed_uids = 4;
    let mut chain = Chain::new(&config);
    let owner = key("owner");
    let cases: Vec<(H, DispatchError)> = vec![
        (H::MaxAllowedUids(3), DispatchError::MaxAllowedUidsLessThanMinAllowedUids),
        (H::MaxAllowedUids(257), DispatchError::MaxAllowedUidsGreaterThanDefaultMaxAllowedUids),
        (H::ActivityCutoff(359), DispatchError::ActivityCutoffTooLow),
        (H::ActivityCutoffFactorMilli(999), DispatchError::ActivityCutoffFactorMilliOutOfBounds),
        (H::MinBurn(tao(1)), DispatchError::ValueNotInBounds),
        (H::MaxBurn(Balance(100_000_000)), DispatchError::ValueNotInBounds),
        (H::BondsMovingAverage(975_001), DispatchError::BondsMovingAverageMaxReached),
        (H::CommitRevealWeightsInterval(101), DispatchError::RevealPeriodTooLarge),
        (H::CommitRevealWeightsInterval(0), DispatchError::RevealPeriodTooSmall),
        (H::AlphaValues { alpha_low: 2000, alpha_high: 3000 }, DispatchError::LiquidAlphaDisabled),
        (H::AlphaSigmoidSteepness(-1), DispatchError::NegativeSigmoidSteepness),
        (H::OwnerImmuneNeuronLimit(11), DispatchError::InvalidValue),
        (H::BurnHalfLife(0), DispatchError::InvalidValue),
        (H::BurnIncreaseMult(U64F64::from_num(4).to_bits()), DispatchError::InvalidValue),
    ];
    for (update, err) in cases {
        chain.assert_fails(&owner, set(1, update), err);
    }
    chain.submit(&owner, set(1, H::LiquidAlphaEnabled(true))).unwrap();
    chain.assert_fails(
        &owner,
        set(1, H::AlphaValues { alpha_low: 1000, alpha_high: 3000 }),
        DispatchError::AlphaLowOutOfRange,
    );
    chain.assert_fails(
        &owner,
        set(1, H::AlphaValues { alpha_low: 1000, alpha_high: 1000 }),
        DispatchError::AlphaHighTooLow,
    );
    let sudo = key("sudo");
    chain.assert_fails(&sudo, set(1, H::MaxAllowedValidators(17)), DispatchError::MaxValidatorsLargerThanMaxUIds);
    chain.assert_fails(&sudo, set(0, H::BurnHalfLife(5)), DispatchError::NotPermittedOnRootSubnet);
    chain.assert_fails(
        &sudo,
        Call::SudoSetGlobal { update: GlobalUpdate::MaxEpochsPerBlock(0) },
        DispatchError::InvalidValue,
    );
    // Registering neurons then shrinking below n.
    for i in 0..4 {
        let name = format!("m{i}");
        chain.submit(&key("alice"), Call::BurnedRegister { netuid: NetUid(1), hotkey: acc(&name) }).unwrap();
    }
    chain.assert_fails(&owner, set(1, H::MaxAllowedUids(4)), DispatchError::MaxAllowedUIdsLessThanCurrentUIds);
}

#[test]
fn global_parameters() {
    let mut chain = Chain::new(&base_config());
    let sudo = key("sudo");
    for update in [
        GlobalUpdate::SubnetOwnerCut(0),
        GlobalUpdate::StakeThreshold(5),
        GlobalUpdate::NetworkMinLockCost(tao(10)),
        GlobalUpdate::LockReductionInterval(10),
        GlobalUpdate::NetworkImmunityPeriod(1),
        GlobalUpdate::SubnetLimit(3),
        GlobalUpdate::DefaultTake(100),
        GlobalUpdate::MinDelegateTake(50),
        GlobalUpdate::TxDelegateTakeRateLimit(7),
        GlobalUpdate::MaxEpochsPerBlock(1),
        GlobalUpdate::OwnerHyperparamRateLimit(0),
        GlobalUpdate::StartCallDelay(2),
        GlobalUpdate::AllowLoopbackAxons(true),
    ] {
        assert_eq!(chain.submit(&sudo, Call::SudoSetGlobal { update }), Ok(()));
    }
    let p = query::chain_info(&chain.state).params;
    assert_eq!((p.subnet_owner_cut, p.stake_threshold, p.subnet_limit, p.default_take), (0, 5, 3, 100));
    assert_eq!(p.network_min_lock_cost, 10 * TAO);
    assert!(p.allow_loopback_axons);
    chain.assert_fails(
        &sudo,
        Call::SudoSetGlobal { update: GlobalUpdate::DefaultTake(40) },
        DispatchError::InvalidValue,
    );
    chain.assert_fails(
        &sudo,
        Call::SudoSetGlobal { update: GlobalUpdate::MinDelegateTake(60_000) },
        DispatchError::InvalidValue,
    );
}

#[test]
fn trim_removes_the_lowest_emission_uids_and_compacts_the_rest() {
    use agora_runtime::genesis::{GenesisNeuron, GenesisStake};
    let mut config = base_config();
    config.subnets[0].hyperparameters.min_allowed_uids = 1;
    // uids: 0 owner-hk, 1 v (validator), 2..=5 miners m2..m5.
    let mut neurons = vec![GenesisNeuron { hotkey: acc("v"), coldkey: acc("alice"), registered_at: 0 }];
    for i in 2..=5 {
        neurons.push(GenesisNeuron { hotkey: acc(&format!("m{i}")), coldkey: acc("bob"), registered_at: 0 });
    }
    config.subnets[0].neurons = neurons;
    config.stakes.push(GenesisStake { coldkey: acc("alice"), hotkey: acc("v"), netuid: 1, amount: tao(100) });
    let mut chain = Chain::new(&config);
    chain.advance(11); // permit for v
    // m4 earns most, then m2; m3 and m5 earn nothing.
    let w = Call::SetWeights { netuid: NetUid(1), dests: vec![2, 4], weights: vec![1, 3], version_key: 0 };
    chain.submit(&key("v"), w).unwrap();
    chain.advance(10);
    let before = query::metagraph(&chain.state, NetUid(1), true).unwrap();
    assert!(before.emission[4] > before.emission[2] && before.emission[3] == 0 && before.emission[5] == 0);
    // Trim to 4: the two zero-emission miners go; the higher uid (5) first, then 3.
    assert_eq!(chain.submit(&key("owner"), set(1, H::TrimToMaxAllowedUids(4))), Ok(()));
    let after = query::metagraph(&chain.state, NetUid(1), true).unwrap();
    assert_eq!(after.n, 4);
    assert_eq!(after.hotkeys, vec![acc("owner-hk"), acc("v"), acc("m2"), acc("m4")]);
    assert_eq!(query::uid_of(&chain.state, NetUid(1), &acc("m4")), Some(agora_primitives::Uid(3)));
    assert_eq!(query::uid_of(&chain.state, NetUid(1), &acc("m3")), None);
    // v's weights follow the renumbering (m4 was uid 4, now 3).
    assert_eq!(after.weights.as_ref().unwrap()[1], vec![(2, 21845), (3, 65535)]);
    assert_eq!(after.emission[3], before.emission[4]);
    assert_eq!(hp(&chain).max_allowed_uids, 4);
    // The owner may trim again only after 30 days.
    chain.assert_fails(&key("owner"), set(1, H::TrimToMaxAllowedUids(3)), DispatchError::TxRateLimitExceeded);
    // Bounds and the immune share.
    let sudo = key("sudo");
    chain.assert_fails(&sudo, set(1, H::TrimToMaxAllowedUids(5)), DispatchError::InvalidValue);
    chain.assert_fails(&sudo, set(1, H::TrimToMaxAllowedUids(0)), DispatchError::InvalidValue);
    chain.submit(&key("owner"), set(1, H::ImmunityPeriod(1000))).unwrap();
    chain.assert_fails(
        &sudo,
        set(1, H::TrimToMaxAllowedUids(3)),
        DispatchError::TrimmingWouldExceedMaxImmunePercentage,
    );
}

#[test]
fn owner_cut_can_be_switched_off() {
    let mut chain = Chain::new(&base_config());
    assert_eq!(chain.submit(&key("owner"), set(1, H::OwnerCutEnabled(false))), Ok(()));
    chain.advance(20);
    let paid: Vec<u64> = chain
        .hook_events
        .iter()
        .filter_map(|e| {
            if let agora_runtime::Event::EpochPaid { owner_cut, .. } = e { Some(owner_cut.rao()) } else { None }
        })
        .collect();
    assert!(!paid.is_empty());
    assert!(paid.iter().all(|c| *c == 0), "{paid:?}");
}
