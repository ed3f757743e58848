//! The reference's network-lifecycle tests (`pallets/subtensor/src/tests/networks.rs`) by name,
//! on its mock's footing (the coinbase ports' [`network`]): a new subnet's pool seeded at the
//! median price of the others, and a dissolve paying the pool's TAO with its rounding remainder.
//! Spec §8 vector 20.

use agora_economy::fixed::U64F64;
use agora_primitives::NetUid;
use agora_runtime::harness::{apply_in_current_block, dissolve_network, increase_stake};
use agora_runtime::query;
use agora_runtime::state::NETWORKS;
use agora_runtime::{Call, SignedTransaction};

use crate::coinbase::{commit, edit_pool, network, pool, setup_reserves};
use crate::common::*;

/// Prices {5, 2}: the median is 3.5, and `register_network` puts the whole lock in the new pool
/// with ⌊lock / 3.5⌋ alpha and none outside it.
#[test]
fn register_network_seeds_new_subnet_from_even_median_snapshot() {
    let mut chain = network(2);
    setup_reserves(&mut chain, 1, 500, 100);
    setup_reserves(&mut chain, 2, 200, 100);
    let prices: Vec<U64F64> = [1, 2].iter().map(|n| pool(&chain, *n).pool().price()).collect();
    assert_eq!(agora_economy::lifecycle::median_price(&prices), U64F64::from_num(3.5));
    let (lock, new) = register_and_read_seed(&mut chain);
    assert_eq!(NETWORKS.get(&chain.state, &NetUid(3)).owner, Some(acc("carol")));
    assert_eq!(new.tao, lock);
    assert_eq!(new.alpha_in, (u128::from(lock) * 2 / 7) as u64, "⌊lock / 3.5⌋");
    assert_eq!(new.alpha_out, 0);
    assert_eq!(chain.stake(&acc("carol"), &acc("carol-hk"), 3), 0);
}

/// Two stakers holding 3 and 2 alpha and a pot of 1 rao: the holder of 3 has the larger
/// remainder and gets the rao; the positions and the pool are gone.
#[test]
fn dissolve_rounding_remainder_distribution() {
    let mut chain = dissolvable(1, &[("s1h", "s1c", 3), ("s2h", "s2c", 2)]);
    let (c1, c2) = (chain.balance(&acc("s1c")), chain.balance(&acc("s2c")));
    dissolve(&mut chain);
    assert_eq!(chain.balance(&acc("s1c")), c1 + 1);
    assert_eq!(chain.balance(&acc("s2c")), c2);
    assert!(holds_nothing_on_1(&chain, "s1c") && holds_nothing_on_1(&chain, "s2c"));
    assert!(dissolve_network(&chain.state, NetUid(1)).is_err(), "a dissolved subnet is gone");
}

/// `carol` registers a subnet: the lock, and the new pool (⌊lock / median⌋ alpha of the others' prices).
fn register_and_read_seed(chain: &mut Chain) -> (u64, agora_runtime::pools::PoolState) {
    let lock = agora_runtime::network_lock_cost(&chain.state, chain.height);
    let tx = SignedTransaction::sign(
        &key("carol"),
        &chain.genesis_hash,
        query::nonce(&chain.state, &acc("carol")),
        Call::RegisterNetwork { hotkey: acc("carol-hk") },
    );
    let (outcome, receipts) = apply_in_current_block(&chain.state, &[tx]).unwrap();
    receipts[0].result.unwrap();
    commit(chain, outcome);
    let netuid = (1..=u16::MAX).rev().find(|n| NETWORKS.get(&chain.state, &NetUid(*n)).owner == Some(acc("carol")));
    (lock, pool(chain, netuid.expect("carol's subnet")))
}

/// No subnet with a price above 0 (root is not counted): the median is 1. (The reference's
/// `NetworksAdded = false` case has no counterpart: an Agora subnet exists or it does not.)
#[test]
fn median_subnet_alpha_price_returns_one_when_no_eligible_subnet_prices() {
    let mut chain = network(1);
    setup_reserves(&mut chain, 1, 0, 100);
    assert_eq!(pool(&chain, 1).pool().price(), U64F64::from_num(0));
    let (lock, new) = register_and_read_seed(&mut chain);
    assert_eq!(new.alpha_in, lock);
}

/// Unsorted prices 7, 2, 5: the median is 5.
#[test]
fn median_subnet_alpha_price_returns_middle_value_for_odd_unsorted_prices() {
    let mut chain = network(3);
    for (netuid, tao) in [(1, 700), (2, 200), (3, 500)] {
        setup_reserves(&mut chain, netuid, tao, 100);
    }
    let (lock, new) = register_and_read_seed(&mut chain);
    assert_eq!(new.alpha_in, lock / 5);
}

/// Prices 2, 8 and 0 (and root's 1): root and the unpriced subnet are ignored, and the median of
/// {2, 8} is their mean, 5. (The reference's fourth subnet, at price 4 with `NetworksAdded =
/// false`, has no counterpart: an Agora subnet exists or it does not.)
#[test]
fn median_subnet_alpha_price_averages_even_prices_and_ignores_root_zero_and_unadded() {
    let mut chain = network(3);
    for (netuid, tao) in [(1, 200), (2, 800), (3, 0)] {
        setup_reserves(&mut chain, netuid, tao, 100);
    }
    let (lock, new) = register_and_read_seed(&mut chain);
    assert_eq!(new.alpha_in, lock / 5);
}

/// A subnet with stakes `(hotkey, coldkey, alpha)`, `pot` TAO in its pool, no pool alpha, no
/// protocol alpha and no lock.
fn dissolvable(pot: u64, stakers: &[(&str, &str, u64)]) -> Chain {
    let mut chain = network(1);
    setup_reserves(&mut chain, 1, pot, 0);
    edit_pool(&mut chain, 1, |p| p.protocol_alpha = 0);
    let mut info = NETWORKS.get(&chain.state, &NetUid(1));
    info.locked = 0;
    NETWORKS.insert(&mut chain.state, &NetUid(1), &info);
    for (hotkey, coldkey, alpha) in stakers {
        let outcome = increase_stake(&chain.state, &acc(hotkey), &acc(coldkey), NetUid(1), *alpha).unwrap();
        commit(&mut chain, outcome);
    }
    chain
}

fn dissolve(chain: &mut Chain) {
    let outcome = dissolve_network(&chain.state, NetUid(1)).unwrap();
    commit(chain, outcome);
    assert!(query::pool(&chain.state, NetUid(1)).is_none());
    assert!(!NETWORKS.contains(&chain.state, &NetUid(1)));
}

fn holds_nothing_on_1(chain: &Chain, coldkey: &str) -> bool {
    query::stakes_of_coldkey(&chain.state, &acc(coldkey)).iter().all(|p| p.netuid != NetUid(1))
}

/// No stakers, no TAO, no lock: dissolving moves no balance.
#[test]
fn dissolve_no_stakers_no_alpha_no_emission() {
    let mut chain = dissolvable(0, &[]);
    let before = chain.balance(&acc("owner"));
    dissolve(&mut chain);
    assert_eq!(chain.balance(&acc("owner")), before);
}

/// The one staker outside the pool gets the whole 99,999 rao pot.
#[test]
fn dissolve_single_alpha_out_staker_gets_all_tao() {
    let mut chain = dissolvable(99_999, &[("s_hot", "s_cold", 5_000)]);
    let before = chain.balance(&acc("s_cold"));
    dissolve(&mut chain);
    assert_eq!(chain.balance(&acc("s_cold")), before + 99_999);
    assert!(holds_nothing_on_1(&chain, "s_cold"));
}

/// 300 and 700 alpha share a 10,000 rao pot 3,000 : 7,000. (The reference also refunds a legacy
/// subnet's lock to its owner here; Agora's subnets keep their lock in the pool, so there is no
/// separate refund — see the README's dynamic-TAO section.)
#[test]
fn dissolve_two_stakers_pro_rata_distribution() {
    let (a1, a2, pot) = (300u64, 700u64, 10_000u64);
    let mut chain = dissolvable(pot, &[("s1_hot", "s1_cold", a1), ("s2_hot", "s2_cold", a2)]);
    let (b1, b2) = (chain.balance(&acc("s1_cold")), chain.balance(&acc("s2_cold")));
    dissolve(&mut chain);
    let share = |a: u64| (u128::from(a) * u128::from(pot) / u128::from(a1 + a2)) as u64;
    assert_eq!(chain.balance(&acc("s1_cold")), b1 + share(a1));
    assert_eq!(chain.balance(&acc("s2_cold")), b2 + share(a2));
    assert!(holds_nothing_on_1(&chain, "s1_cold") && holds_nothing_on_1(&chain, "s2_cold"));
}

/// Alpha outside the pool but no TAO in it: nobody is paid, and the positions are cleared.
#[test]
fn dissolve_alpha_out_but_zero_tao_no_rewards() {
    let mut chain = dissolvable(0, &[("sh", "sc", 1_000)]);
    let before = chain.balance(&acc("sc"));
    dissolve(&mut chain);
    assert_eq!(chain.balance(&acc("sc")), before);
    assert!(holds_nothing_on_1(&chain, "sc"));
}

/// 100 alpha in the pool, 50 bought by the protocol and 50 of a staker share a 200 rao pot by
/// alpha: the staker gets 50 (the reference's post-deploy rule, the one Agora keeps); the
/// owner, with no lock, nothing.
#[test]
fn dissolve_protocol_alpha_post_deploy_includes_alpha_in() {
    let mut chain = dissolvable(200, &[("staker_hot", "staker_cold", 50)]);
    setup_reserves(&mut chain, 1, 200, 100);
    edit_pool(&mut chain, 1, |p| {
        p.protocol_alpha = 50;
        p.alpha_out += 50;
    });
    let (staker, owner) = (chain.balance(&acc("staker_cold")), chain.balance(&acc("owner")));
    dissolve(&mut chain);
    assert_eq!(chain.balance(&acc("staker_cold")), staker + 50);
    assert_eq!(chain.balance(&acc("owner")), owner);
}

/// No stakers: the whole pot is the protocol's (pool and chain-bought alpha) and is recycled,
/// lowering the issuance, not paid to the owner.
#[test]
fn dissolve_chain_bought_alpha_is_converted_to_tao_and_recycled() {
    let mut chain = dissolvable(100, &[]);
    setup_reserves(&mut chain, 1, 100, 123);
    edit_pool(&mut chain, 1, |p| {
        p.protocol_alpha = 100;
        p.alpha_out += 100;
    });
    let (issuance, owner) = (agora_runtime::state::TOTAL_ISSUANCE.get(&chain.state), chain.balance(&acc("owner")));
    dissolve(&mut chain);
    assert_eq!(chain.balance(&acc("owner")), owner);
    assert_eq!(agora_runtime::state::TOTAL_ISSUANCE.get(&chain.state), issuance - 100);
}

#[test]
fn dissolve_nonexistent_subnet_fails() {
    let chain = network(1);
    assert_eq!(
        dissolve_network(&chain.state, NetUid(9_999)).err(),
        Some(agora_runtime::DispatchError::SubnetNotExists)
    );
}

#[test]
fn dissolve_decrements_total_networks() {
    let mut chain = dissolvable(100_000_000_000, &[]);
    let total = NETWORKS.iter(&chain.state).len();
    dissolve(&mut chain);
    assert_eq!(NETWORKS.iter(&chain.state).len(), total - 1);
}

/// The first subnet (only root exists): the median falls back to 1, so the pool holds the whole
/// lock against as much alpha, nothing outside it, nothing recycled, and total stake counts it.
#[test]
fn register_network_seeds_first_subnet_from_fallback_price_one_and_keeps_lock_in_pool() {
    let mut chain = network(0);
    let (stake, issuance) =
        (agora_runtime::state::TOTAL_STAKE.get(&chain.state), agora_runtime::state::TOTAL_ISSUANCE.get(&chain.state));
    let (lock, new) = register_and_read_seed(&mut chain);
    assert_eq!((new.tao, new.alpha_in, new.alpha_out), (lock, lock, 0));
    assert_eq!(new.pool().price(), U64F64::from_num(1));
    assert!(!new.emission_enabled, "emission starts off");
    let info = NETWORKS.get(&chain.state, &NetUid(1));
    // The reference records the lock paid in `SubnetLocked`, read only for the legacy owner
    // refund; Agora's `locked` is a lock held outside the pool and refunded on dissolve, so a
    // dynamic subnet's is 0: its lock is the pool's TAO, asserted above.
    assert_eq!((info.owner, info.owner_hotkey, info.locked), (Some(acc("carol")), Some(acc("carol-hk")), 0));
    assert_eq!(chain.stake(&acc("carol"), &acc("carol-hk"), 1), 0);
    assert_eq!(agora_runtime::state::TOTAL_STAKE.get(&chain.state), stake + lock);
    assert_eq!(agora_runtime::state::TOTAL_ISSUANCE.get(&chain.state), issuance, "nothing recycled");
}
