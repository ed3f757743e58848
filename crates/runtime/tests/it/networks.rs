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
    let lock = agora_runtime::network_lock_cost(&chain.state, chain.height);
    let tx = SignedTransaction::sign(
        &key("carol"),
        &chain.genesis_hash,
        query::nonce(&chain.state, &acc("carol")),
        Call::RegisterNetwork { hotkey: acc("carol-hk") },
    );
    let (outcome, receipts) = apply_in_current_block(&chain.state, &[tx]).unwrap();
    receipts[0].result.unwrap();
    commit(&mut chain, outcome);
    let new = pool(&chain, 3);
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
    let mut chain = network(1);
    setup_reserves(&mut chain, 1, 1, 0);
    edit_pool(&mut chain, 1, |p| p.protocol_alpha = 0);
    let mut info = NETWORKS.get(&chain.state, &NetUid(1));
    info.locked = 0;
    NETWORKS.insert(&mut chain.state, &NetUid(1), &info);
    for (hotkey, coldkey, alpha) in [("s1h", "s1c", 3), ("s2h", "s2c", 2)] {
        let outcome = increase_stake(&chain.state, &acc(hotkey), &acc(coldkey), NetUid(1), alpha).unwrap();
        commit(&mut chain, outcome);
    }
    let (c1, c2) = (chain.balance(&acc("s1c")), chain.balance(&acc("s2c")));
    let outcome = dissolve_network(&chain.state, NetUid(1)).unwrap();
    commit(&mut chain, outcome);
    assert_eq!(chain.balance(&acc("s1c")), c1 + 1);
    assert_eq!(chain.balance(&acc("s2c")), c2);
    assert!(query::stakes_of_coldkey(&chain.state, &acc("s1c")).iter().all(|p| p.netuid != NetUid(1)));
    assert!(query::stakes_of_coldkey(&chain.state, &acc("s2c")).iter().all(|p| p.netuid != NetUid(1)));
    assert!(query::pool(&chain.state, NetUid(1)).is_none());
    assert!(dissolve_network(&chain.state, NetUid(1)).is_err(), "a dissolved subnet is gone");
}
