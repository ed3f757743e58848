//! `register_network` (lock cost, rate limit, limit and pruning), `start_call`, `set_subnet_identity`.

use agora_primitives::{BlockNumber, NetUid};
use agora_runtime::{Call, DispatchError, Event, GlobalUpdate, SubnetIdentity, network_lock_cost, query};

use crate::common::*;

#[test]
fn register_network_locks_the_cost_and_creates_the_subnet() {
    let mut chain = Chain::new(&base_config());
    let (r, events) = chain.submit_events(&key("alice"), Call::RegisterNetwork { hotkey: acc("alice-hk") });
    assert_eq!(r, Ok(()));
    assert!(events.contains(&Event::NetworkAdded { netuid: NetUid(2), owner: acc("alice"), lock: tao(1000) }));
    assert_eq!(chain.balance(&acc("alice")), 9_000 * TAO);
    let sn = query::subnet(&chain.state, NetUid(2)).unwrap();
    assert_eq!(sn.owner, Some(acc("alice")));
    assert_eq!(sn.locked, tao(1000));
    assert_eq!(sn.n, 1);
    assert_eq!(sn.burn, tao(1), "new subnets start at a 1 TAO burn");
    assert_eq!(sn.first_emission_block, BlockNumber::GENESIS, "not started until start_call");
    assert_eq!(query::uid_of(&chain.state, NetUid(2), &acc("alice-hk")), Some(agora_primitives::Uid(0)));
    // The new subnet's defaults are the reference's init values.
    assert_eq!(sn.hyperparameters.max_allowed_validators, 64);
    assert_eq!(sn.hyperparameters.immunity_period, 5000);
    assert!(sn.hyperparameters.yuma3);
}

#[test]
fn lock_cost_doubles_then_decays_linearly_to_the_floor() {
    let mut chain = Chain::new(&base_config());
    assert_eq!(network_lock_cost(&chain.state, 1), 1000 * TAO);
    chain.submit(&key("alice"), Call::RegisterNetwork { hotkey: acc("alice-hk") }).unwrap();
    let registered_at = chain.height;
    let per_block = 1000 * TAO / 100_800;
    assert_eq!(network_lock_cost(&chain.state, registered_at), 2000 * TAO);
    assert_eq!(network_lock_cost(&chain.state, registered_at + 1), 2000 * TAO - per_block);
    assert_eq!(network_lock_cost(&chain.state, registered_at + 100_800), 2000 * TAO - per_block * 100_800);
    assert_eq!(network_lock_cost(&chain.state, registered_at + 300_000), 1000 * TAO);
    // The second registration pays the doubled price.
    let before = chain.balance(&acc("bob"));
    chain.submit(&key("bob"), Call::RegisterNetwork { hotkey: acc("bob-hk") }).unwrap();
    assert_eq!(before - chain.balance(&acc("bob")), 2000 * TAO - per_block);
}

#[test]
fn register_network_error_paths() {
    let mut chain = Chain::new(&base_config());
    // The hotkey belongs to someone else.
    chain.assert_fails(
        &key("alice"),
        Call::RegisterNetwork { hotkey: acc("owner-hk") },
        DispatchError::NonAssociatedColdKey,
    );
    // Cannot afford.
    chain.submit(&key("alice"), Call::Transfer { dest: acc("poor"), amount: tao(999) }).unwrap();
    chain.assert_fails(
        &key("poor"),
        Call::RegisterNetwork { hotkey: acc("poor-hk") },
        DispatchError::CannotAffordLockCost,
    );
    // Rate limit.
    chain.submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::NetworkRateLimit(100) }).unwrap();
    chain.submit(&key("alice"), Call::RegisterNetwork { hotkey: acc("alice-hk") }).unwrap();
    chain.assert_fails(
        &key("bob"),
        Call::RegisterNetwork { hotkey: acc("bob-hk") },
        DispatchError::NetworkTxRateLimitExceeded,
    );
}

#[test]
fn full_chain_prunes_the_lowest_emission_non_immune_subnet() {
    let mut config = base_config();
    config.params.subnet_limit = 1;
    config.params.network_immunity_period = 0;
    config.stakes.push(agora_runtime::genesis::GenesisStake {
        coldkey: acc("carol"),
        hotkey: acc("owner-hk"),
        netuid: 1,
        amount: tao(50),
    });
    let mut chain = Chain::new(&config);
    chain.advance(3);
    let carol_before = chain.balance(&acc("carol"));
    let carol_stake = chain.stake(&acc("carol"), &acc("owner-hk"), 1);
    assert!(carol_stake >= 50 * TAO);
    let (r, events) = chain.submit_events(&key("alice"), Call::RegisterNetwork { hotkey: acc("alice-hk") });
    assert_eq!(r, Ok(()));
    assert!(events.contains(&Event::NetworkRemoved { netuid: NetUid(1) }));
    // netuid 1 is reused by the new subnet; carol's stake came back as free balance.
    assert_eq!(query::subnet(&chain.state, NetUid(1)).unwrap().owner, Some(acc("alice")));
    assert_eq!(chain.balance(&acc("carol")), carol_before + carol_stake);
    assert_eq!(chain.stake(&acc("carol"), &acc("owner-hk"), 1), 0);
}

#[test]
fn pruning_picks_the_lowest_emission_then_the_oldest_and_refunds_the_lock() {
    // Three subnets under root weights 3:1:1 — subnets 2 and 3 tie on the lowest emission; the
    // earlier registered (2) goes, and its owner gets its lock back.
    let mut config = base_config();
    config.params.subnet_limit = 3;
    config.params.network_immunity_period = 0;
    config.root_validators.push(agora_runtime::genesis::GenesisKeys { hotkey: acc("rv"), coldkey: acc("dave") });
    config.stakes.push(agora_runtime::genesis::GenesisStake {
        coldkey: acc("dave"),
        hotkey: acc("rv"),
        netuid: 0,
        amount: tao(10),
    });
    let mut chain = Chain::new(&config);
    chain.submit(&key("alice"), Call::RegisterNetwork { hotkey: acc("alice-hk") }).unwrap();
    chain.submit(&key("bob"), Call::RegisterNetwork { hotkey: acc("bob-hk") }).unwrap();
    for (owner, netuid) in [("alice", 2u16), ("bob", 3)] {
        chain.submit(&key(owner), Call::StartCall { netuid: NetUid(netuid) }).unwrap();
    }
    let weights = Call::SetWeights { netuid: NetUid(0), dests: vec![1, 2, 3], weights: vec![3, 1, 1], version_key: 0 };
    chain.submit(&key("rv"), weights).unwrap();
    chain.advance(2);
    let ev: Vec<u64> = query::subnets(&chain.state).iter().skip(1).map(|s| s.emission_per_block.rao()).collect();
    assert!(ev[0] > ev[1] && ev[1] == ev[2], "{ev:?}");
    let alice_before = chain.balance(&acc("alice"));
    let lock_paid = query::subnet(&chain.state, NetUid(2)).unwrap().locked.rao();
    let (r, events) = chain.submit_events(&key("carol"), Call::RegisterNetwork { hotkey: acc("carol-hk") });
    assert_eq!(r, Ok(()));
    assert!(events.contains(&Event::NetworkRemoved { netuid: NetUid(2) }));
    assert_eq!(chain.balance(&acc("alice")), alice_before + lock_paid, "lock refunded");
    assert_eq!(query::subnet(&chain.state, NetUid(2)).unwrap().owner, Some(acc("carol")));
    assert_eq!(query::subnet(&chain.state, NetUid(3)).unwrap().owner, Some(acc("bob")));
}

#[test]
fn the_subnet_limit_is_checked_before_the_lock_cost() {
    let mut config = base_config();
    config.params.subnet_limit = 1;
    let mut chain = Chain::new(&config);
    // "poor" could not afford the lock either; the reference reports the limit first.
    chain.assert_fails(
        &key("poor"),
        Call::RegisterNetwork { hotkey: acc("poor-hk") },
        DispatchError::SubnetLimitReached,
    );
}

#[test]
fn full_chain_of_immune_subnets_refuses() {
    let mut config = base_config();
    config.params.subnet_limit = 1;
    let mut chain = Chain::new(&config);
    chain.assert_fails(
        &key("alice"),
        Call::RegisterNetwork { hotkey: acc("alice-hk") },
        DispatchError::SubnetLimitReached,
    );
}

#[test]
fn start_call_paths() {
    let mut config = base_config();
    config.params.start_call_delay = 5;
    let mut chain = Chain::new(&config);
    chain.submit(&key("alice"), Call::RegisterNetwork { hotkey: acc("alice-hk") }).unwrap();
    let sn = NetUid(2);
    chain.assert_fails(&key("alice"), Call::StartCall { netuid: NetUid(9) }, DispatchError::SubnetNotExists);
    chain.assert_fails(&key("bob"), Call::StartCall { netuid: sn }, DispatchError::NotSubnetOwner);
    chain.assert_fails(&key("alice"), Call::StartCall { netuid: sn }, DispatchError::NeedWaitingMoreBlocksToStarCall);
    chain.advance(5);
    let (r, events) = chain.submit_events(&key("alice"), Call::StartCall { netuid: sn });
    assert_eq!(r, Ok(()));
    let first = chain.height + 1;
    assert!(events.contains(&Event::FirstEmissionBlockNumberSet { netuid: sn, block: BlockNumber(first) }));
    chain.assert_fails(
        &key("alice"),
        Call::StartCall { netuid: sn },
        DispatchError::FirstEmissionBlockNumberAlreadySet,
    );
    // From then on the subnet receives emission.
    chain.advance(2);
    assert!(query::subnet(&chain.state, sn).unwrap().emission_per_block.rao() > 0);
}

#[test]
fn staking_needs_a_started_subnet() {
    let mut chain = Chain::new(&base_config());
    chain.submit(&key("alice"), Call::RegisterNetwork { hotkey: acc("alice-hk") }).unwrap();
    chain.assert_fails(
        &key("bob"),
        Call::AddStake { hotkey: acc("alice-hk"), netuid: NetUid(2), amount: tao(1) },
        DispatchError::SubtokenDisabled,
    );
}

#[test]
fn subnet_identity_paths() {
    let mut chain = Chain::new(&base_config());
    let identity =
        SubnetIdentity { subnet_name: "text".into(), github_repo: "agora/text".into(), ..Default::default() };
    chain.assert_fails(
        &key("owner"),
        Call::SetSubnetIdentity { netuid: NetUid(7), identity: identity.clone() },
        DispatchError::SubnetNotExists,
    );
    chain.assert_fails(
        &key("bob"),
        Call::SetSubnetIdentity { netuid: NetUid(1), identity: identity.clone() },
        DispatchError::NotSubnetOwner,
    );
    let too_long = SubnetIdentity { subnet_name: "x".repeat(257), ..Default::default() };
    chain.assert_fails(
        &key("owner"),
        Call::SetSubnetIdentity { netuid: NetUid(1), identity: too_long },
        DispatchError::InvalidIdentity,
    );
    assert_eq!(
        chain.submit(&key("owner"), Call::SetSubnetIdentity { netuid: NetUid(1), identity: identity.clone() }),
        Ok(())
    );
    assert_eq!(query::subnet(&chain.state, NetUid(1)).unwrap().identity, Some(identity));
}
