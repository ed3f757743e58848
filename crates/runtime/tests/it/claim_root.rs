//! The reference's claim-root tests (`pallets/subtensor/src/tests/claim_root.rs`) by name, on its
//! mock's footing: positions seeded straight into the share pools (the mock's
//! `increase_stake_for_hotkey_and_coldkey_on_subnet`), pending root alpha paid by
//! `distribute_emission`, then `set_root_claim_type` and `claim_root` as signed calls. Values and
//! epsilons are the reference's; spec §8 vector 18.

use agora_primitives::NetUid;
use agora_runtime::genesis::GenesisPool;
use agora_runtime::harness::{HarnessOutcome, apply_in_current_block, distribute_emission, increase_stake};
use agora_runtime::pools::{Economy, PendingAlpha};
use agora_runtime::root_claims::RootClaimType;
use agora_runtime::{Call, GenesisConfig};

use crate::common::*;

/// The mock's `add_dynamic_network(hotkey, owner)` with TaoWeight 1.0: subnet 1 owned by `owner`,
/// whose hotkey `hotkey` is uid 0, its pool 100 TAO / 100 alpha.
fn network() -> Chain {
    network_with_pool(100 * TAO, 100 * TAO)
}

fn network_with_pool(tao: u64, alpha: u64) -> Chain {
    let mut c: GenesisConfig = base_config();
    c.economy = Economy::Dynamic;
    c.dynamic.tao_weight = u64::MAX;
    c.params.network_min_lock_cost = 100 * TAO;
    let sn = &mut c.subnets[0];
    sn.owner_hotkey = acc("hotkey");
    sn.pool = Some(GenesisPool { tao, alpha, w2: None, moving_price: None });
    Chain::new(&c)
}

fn commit(chain: &mut Chain, outcome: HarnessOutcome) {
    chain.state.commit(outcome.changes);
}

/// Seeds a position of the owner's hotkey directly in the share pool.
fn seed(chain: &mut Chain, coldkey: &str, netuid: u16, alpha: u64) {
    let outcome = increase_stake(&chain.state, &acc("hotkey"), &acc(coldkey), NetUid(netuid), alpha).unwrap();
    commit(chain, outcome);
}

/// Signed calls in the current block; each must succeed.
fn calls(chain: &mut Chain, list: Vec<(&str, Call)>) {
    for r in try_calls(chain, list) {
        assert!(r.is_ok(), "{r:?}");
    }
}

/// Signed calls in the current block; their results.
fn try_calls(chain: &mut Chain, list: Vec<(&str, Call)>) -> Vec<Result<(), agora_runtime::DispatchError>> {
    let txs: Vec<_> = list
        .into_iter()
        .scan(std::collections::BTreeMap::<String, u64>::new(), |nonces, (who, call)| {
            let base = agora_runtime::query::nonce(&chain.state, &acc(who));
            let n = nonces.entry(who.to_string()).or_insert(base);
            let tx = agora_runtime::SignedTransaction::sign(&key(who), &chain.genesis_hash, *n, call);
            *n += 1;
            Some(tx)
        })
        .collect();
    let (outcome, receipts) = apply_in_current_block(&chain.state, &txs).unwrap();
    commit(chain, outcome);
    receipts.iter().map(|r| r.result).collect()
}

/// `distribute_emission(netuid 1, 0, 0, root, 0)`.
fn drain_root(chain: &mut Chain, root: u64) {
    let pending = PendingAlpha { server: 0, validator: 0, root, owner_cut: 0 };
    let outcome = distribute_emission(&chain.state, NetUid(1), pending).unwrap();
    commit(chain, outcome);
}

fn claim(chain: &mut Chain, coldkey: &str) {
    calls(chain, vec![(coldkey, Call::ClaimRoot { subnets: vec![NetUid(1)] })]);
}

/// Root stakes `alice : bob : other`, 10⁷ alpha of the owner on the subnet, both Keep, 10⁷ pending
/// root alpha distributed, both claim; their alpha on the subnet.
fn claims_with_root_stakes(alice: u64, bob: u64, other: u64) -> (u64, u64) {
    let mut chain = network();
    seed(&mut chain, "alice", 0, alice);
    seed(&mut chain, "bob", 0, bob);
    seed(&mut chain, "carol", 0, other);
    seed(&mut chain, "owner", 1, 10_000_000);
    calls(
        &mut chain,
        vec![
            ("alice", Call::SetRootClaimType { claim_type: RootClaimType::Keep }),
            ("bob", Call::SetRootClaimType { claim_type: RootClaimType::Keep }),
        ],
    );
    let pending = PendingAlpha { server: 0, validator: 0, root: 10_000_000, owner_cut: 0 };
    let outcome = distribute_emission(&chain.state, NetUid(1), pending).unwrap();
    commit(&mut chain, outcome);
    calls(
        &mut chain,
        vec![
            ("alice", Call::ClaimRoot { subnets: vec![NetUid(1)] }),
            ("bob", Call::ClaimRoot { subnets: vec![NetUid(1)] }),
        ],
    );
    (chain.stake(&acc("alice"), &acc("hotkey"), 1), chain.stake(&acc("bob"), &acc("hotkey"), 1))
}

/// 10 % of the root stake each, the validator's 18 % take first: ≈ 820,000 alpha each, equal.
#[test]
fn test_claim_root_adding_stake_proportionally_for_two_stakers() {
    let (alice, bob) = claims_with_root_stakes(1_000_000, 1_000_000, 8_000_000);
    let estimated = (10_000_000f64 * (1.0 - 0.18) * 0.1) as u64;
    assert_eq!(alice, bob);
    assert!(alice.abs_diff(estimated) <= 100, "{alice} vs {estimated}");
    // To the rao: the spec's value from the reference's integer path (§8 vector 18, "D").
    assert_eq!(alice, 820_004);
}

/// Root stakes 1 : 2 : 7: bob claims exactly twice what alice does.
#[test]
fn test_claim_root_adding_stake_disproportionally_for_two_stakers() {
    let (alice, bob) = claims_with_root_stakes(1_000_000, 2_000_000, 7_000_000);
    let estimated = (10_000_000f64 * (1.0 - 0.18) * 0.1) as u64;
    assert_eq!(2 * alice, bob);
    assert!(alice.abs_diff(estimated) <= 100, "{alice} vs {estimated}");
}

/// The validator takes 18 % of the root alpha as its own alpha; the rest is claimable at
/// `0.82 · pending / root stake` per unit of root stake; a Keep claim stakes `rate · root stake`
/// and records it as claimed; a second round adds to the rate and the claim to the stake.
#[test]
fn test_claim_root_with_drain_emissions() {
    use agora_runtime::root_claims::claimable_rate;
    use agora_runtime::state::ROOT_CLAIMED;
    let mut chain = network();
    let (root_stake, initial_alpha, pending_root) = (2_000_000u64, 10_000_000u64, 1_000_000u64);
    seed(&mut chain, "carol", 0, root_stake);
    seed(&mut chain, "owner", 1, initial_alpha);
    assert_eq!(chain.stake(&acc("owner"), &acc("hotkey"), 1), initial_alpha);
    let pending = PendingAlpha { server: 0, validator: 0, root: pending_root, owner_cut: 0 };
    let outcome = distribute_emission(&chain.state, NetUid(1), pending).unwrap();
    commit(&mut chain, outcome);

    let take = 0.18f64;
    let validator = chain.stake(&acc("owner"), &acc("hotkey"), 1);
    let expected = (pending_root as f64 * take + initial_alpha as f64) as u64;
    assert!(validator.abs_diff(expected) <= 100, "{validator} vs {expected}");
    let rate = claimable_rate(&chain.state, &acc("hotkey"), NetUid(1));
    let expected_rate = pending_root as f64 * (1.0 - take) / root_stake as f64;
    assert!((rate.to_num::<f64>() - expected_rate).abs() < 0.001, "{rate} vs {expected_rate}");

    calls(&mut chain, vec![("carol", Call::SetRootClaimType { claim_type: RootClaimType::Keep })]);
    calls(&mut chain, vec![("carol", Call::ClaimRoot { subnets: vec![NetUid(1)] })]);
    let stake = chain.stake(&acc("carol"), &acc("hotkey"), 1);
    let owed = (agora_economy::fixed::I96F32::from_num(root_stake) * rate).to_num::<u64>();
    assert!(stake.abs_diff(owed) <= 10, "{stake} vs {owed}");
    let claimed = ROOT_CLAIMED.get(&chain.state, &(NetUid(1), acc("hotkey"), acc("carol")));
    assert_eq!(u128::from(stake), claimed);

    // Round 2.
    let outcome = distribute_emission(&chain.state, NetUid(1), pending).unwrap();
    commit(&mut chain, outcome);
    let rate2 = claimable_rate(&chain.state, &acc("hotkey"), NetUid(1));
    assert!((rate2.to_num::<f64>() - (expected_rate + rate.to_num::<f64>())).abs() < 0.001, "{rate2}");
    calls(&mut chain, vec![("carol", Call::ClaimRoot { subnets: vec![NetUid(1)] })]);
    let stake2 = chain.stake(&acc("carol"), &acc("hotkey"), 1);
    let owed2 = (agora_economy::fixed::I96F32::from_num(root_stake) * rate2).to_num::<u64>();
    assert!(stake2.abs_diff(owed2) <= 10, "{stake2} vs {owed2}");
    let claimed = ROOT_CLAIMED.get(&chain.state, &(NetUid(1), acc("hotkey"), acc("carol")));
    assert_eq!(u128::from(stake2), claimed);
    // To the rao (§8 vector 17): the take is 179,995 as the spec derives. The claim is 820,003,
    // not the spec's derived 820,004: the reference floors the root dividend after the take to
    // rao (`tou64!(root_alpha)`: 820,004.57 → 820,004) before it divides by the root stake, and
    // the I96F32 rate 820,004 / 2·10⁶ times 2·10⁶ is 820,003.9998, floored again. The spec's
    // derivation skipped the first floor; this is the reference's integer path.
    assert_eq!(validator - initial_alpha, 179_995);
    assert_eq!(stake, 820_003);
}

/// Price 0.5 (50 / 100 TAO of alpha), carol holding 10 % of the hotkey's root stake and claiming
/// with Swap: her claim is sold for TAO and staked on root, about 10⁷ · 0.82 · 0.5 · 0.1 ≈ 410,000
/// a round (±10⁴); each later round counts her grown share of the root stake.
#[test]
fn test_claim_root_with_drain_emissions_and_swap_claim_type() {
    let mut chain = network_with_pool(50_000_000_000, 100_000_000_000);
    let price = agora_runtime::query::pool(&chain.state, NetUid(1)).unwrap().price;
    assert_eq!(price, TAO / 2);
    let current_price = 0.5f64;
    let (root_stake, root_stake_rate) = (2_000_000u64, 0.1f64);
    seed(&mut chain, "carol", 0, root_stake);
    seed(&mut chain, "dave", 0, 9 * root_stake);
    seed(&mut chain, "owner", 1, 10_000_000);
    let pending_root = 10_000_000u64;
    let take = 0.18f64;
    let pending = PendingAlpha { server: 0, validator: 0, root: pending_root, owner_cut: 0 };
    let round = |chain: &mut Chain| {
        let outcome = distribute_emission(&chain.state, NetUid(1), pending).unwrap();
        commit(chain, outcome);
        calls(chain, vec![("carol", Call::ClaimRoot { subnets: vec![NetUid(1)] })]);
        chain.stake(&acc("carol"), &acc("hotkey"), 0)
    };
    let outcome = distribute_emission(&chain.state, NetUid(1), pending).unwrap();
    commit(&mut chain, outcome);
    calls(&mut chain, vec![("carol", Call::SetRootClaimType { claim_type: RootClaimType::Swap })]);
    calls(&mut chain, vec![("carol", Call::ClaimRoot { subnets: vec![NetUid(1)] })]);
    let new_stake = chain.stake(&acc("carol"), &acc("hotkey"), 0);
    let increment = pending_root as f64 * (1.0 - take) * current_price * root_stake_rate;
    assert!(new_stake.abs_diff(root_stake + increment as u64) <= 10_000, "{new_stake}");
    // The claimed alpha left the subnet: carol holds none there.
    assert_eq!(chain.stake(&acc("carol"), &acc("hotkey"), 1), 0);

    // Round 2: carol's share of the root stake grew by what she claimed.
    let new_stake2 = round(&mut chain);
    let rate2 = (root_stake as f64 + increment) / (root_stake as f64 / root_stake_rate + increment);
    let increment2 = pending_root as f64 * (1.0 - take) * current_price * rate2;
    assert!(new_stake2.abs_diff(new_stake + increment2 as u64) <= 10_000, "{new_stake2}");

    // Round 3.
    let new_stake3 = round(&mut chain);
    let rate3 =
        (root_stake as f64 + increment + increment2) / (root_stake as f64 / root_stake_rate + increment + increment2);
    let increment3 = pending_root as f64 * (1.0 - take) * current_price * rate3;
    assert!(new_stake3.abs_diff(new_stake2 + increment3 as u64) <= 10_000, "{new_stake3}");
}

/// Alice and bob hold equal root stakes and Keep: equal claims; bob unstakes half from root and
/// the next round pays alice twice what it pays him; he stakes it back and they are equal again.
/// Each round 10⁷ root alpha, 18 % to the validator first.
#[test]
fn test_claim_root_with_changed_stake() {
    let mut chain = network();
    let root_stake = 8_000_000u64;
    seed(&mut chain, "alice", 0, root_stake);
    seed(&mut chain, "bob", 0, root_stake);
    seed(&mut chain, "owner", 1, 10_000_000);
    // Root's pool holds the TAO behind the seeded root stake, as staking would have put it there.
    crate::coinbase::edit_pool(&mut chain, 0, |p| p.tao += 2 * root_stake);
    calls(
        &mut chain,
        vec![
            ("alice", Call::SetRootClaimType { claim_type: RootClaimType::Keep }),
            ("bob", Call::SetRootClaimType { claim_type: RootClaimType::Keep }),
        ],
    );
    let pending_root = 10_000_000u64;
    let take = 0.18f64;
    let round = |chain: &mut Chain| {
        drain_root(chain, pending_root);
        claim(chain, "alice");
        claim(chain, "bob");
        (chain.stake(&acc("alice"), &acc("hotkey"), 1), chain.stake(&acc("bob"), &acc("hotkey"), 1))
    };
    let (alice, bob) = round(&mut chain);
    assert_eq!(alice, bob);
    assert!(alice.abs_diff((pending_root as f64 * (1.0 - take) / 2.0) as u64) <= 100, "{alice}");

    let amount = agora_primitives::Balance::from_rao(root_stake / 2);
    calls(&mut chain, vec![("bob", Call::RemoveStake { hotkey: acc("hotkey"), netuid: NetUid::ROOT, amount })]);
    let (alice2, bob2) = round(&mut chain);
    let (alice_diff, bob_diff) = (alice2 - alice, bob2 - bob);
    assert!(alice_diff.abs_diff(2 * bob_diff) <= 100, "{alice_diff} {bob_diff}");
    assert!(bob_diff.abs_diff((pending_root as f64 * (1.0 - take) / 3.0) as u64) <= 100, "{bob_diff}");

    calls(&mut chain, vec![("bob", Call::AddStake { hotkey: acc("hotkey"), netuid: NetUid::ROOT, amount })]);
    let (alice3, bob3) = round(&mut chain);
    let (alice_diff2, bob_diff2) = (alice3 - alice2, bob3 - bob2);
    assert!(alice_diff2.abs_diff(bob_diff2) <= 100, "{alice_diff2} {bob_diff2}");
    assert!(bob_diff2.abs_diff((pending_root as f64 * (1.0 - take) / 2.0) as u64) <= 100, "{bob_diff2}");
}

/// `RootAlphaDividendsPerSubnet` holds the hotkey's root dividend after its take (≈ 0.82 of the
/// pending root alpha) and is rewritten, not added to, at each epoch.
#[test]
fn test_claim_root_fill_root_alpha_dividends_per_subnet() {
    use agora_runtime::query::root_alpha_dividends;
    let mut chain = network_with_pool(50_000_000_000, 100_000_000_000);
    let root_stake = 2_000_000u64;
    seed(&mut chain, "carol", 0, root_stake);
    seed(&mut chain, "dave", 0, 9 * root_stake);
    seed(&mut chain, "owner", 1, 10_000_000);
    assert_eq!(root_alpha_dividends(&chain.state, NetUid(1), &acc("hotkey")), 0);
    let pending_root = 10_000_000u64;
    drain_root(&mut chain, pending_root);
    let first = root_alpha_dividends(&chain.state, NetUid(1), &acc("hotkey"));
    assert!(first.abs_diff((pending_root as f64 * (1.0 - 0.18)) as u64) <= 100, "{first}");
    drain_root(&mut chain, pending_root);
    assert_eq!(root_alpha_dividends(&chain.state, NetUid(1), &acc("hotkey")), first);
}

/// KeepSubnets needs at least one subnet (`InvalidSubnetNumber`); keeping subnet 1 stakes the
/// claim there: `root stake · claimable rate`.
#[test]
fn test_claim_root_with_keep_subnets() {
    use agora_runtime::root_claims::claimable_rate;
    use agora_runtime::state::ROOT_CLAIM_TYPE;
    let mut chain = network();
    let root_stake = 2_000_000u64;
    seed(&mut chain, "carol", 0, root_stake);
    seed(&mut chain, "owner", 1, 10_000_000);
    assert_eq!(chain.stake(&acc("owner"), &acc("hotkey"), 1), 10_000_000);
    drain_root(&mut chain, 1_000_000);
    let claimable = claimable_rate(&chain.state, &acc("hotkey"), NetUid(1));
    assert!(claimable > agora_economy::fixed::I96F32::from_num(0), "claimable must exist at this point");

    let empty = Call::SetRootClaimType { claim_type: RootClaimType::KeepSubnets(vec![]) };
    assert_eq!(
        try_calls(&mut chain, vec![("carol", empty)]),
        vec![Err(agora_runtime::DispatchError::InvalidSubnetNumber)]
    );
    let keep = RootClaimType::KeepSubnets(vec![NetUid(1)]);
    calls(&mut chain, vec![("carol", Call::SetRootClaimType { claim_type: keep.clone() })]);
    assert_eq!(ROOT_CLAIM_TYPE.get(&chain.state, &acc("carol")), keep);
    claim(&mut chain, "carol");
    let stake = chain.stake(&acc("carol"), &acc("hotkey"), 1);
    let owed = (agora_economy::fixed::I96F32::from_num(root_stake) * claimable).to_num::<u64>();
    assert!(stake.abs_diff(owed) <= 10, "{stake} vs {owed}");
}

/// Keeping only another subnet (100) means subnet 1's claim is swapped: at price 0.5 and 10 % of
/// the root stake, ≈ 10⁷ · 0.82 · 0.5 · 0.1 more on root (±10⁴).
#[test]
fn test_claim_root_keep_subnets_swap_claim_type() {
    let mut chain = network_with_pool(50_000_000_000, 100_000_000_000);
    assert_eq!(agora_runtime::query::pool(&chain.state, NetUid(1)).unwrap().price, TAO / 2);
    let root_stake = 2_000_000u64;
    seed(&mut chain, "carol", 0, root_stake);
    seed(&mut chain, "dave", 0, 9 * root_stake);
    seed(&mut chain, "owner", 1, 10_000_000);
    let pending_root = 10_000_000u64;
    drain_root(&mut chain, pending_root);
    let keep = RootClaimType::KeepSubnets(vec![NetUid(100)]);
    calls(&mut chain, vec![("carol", Call::SetRootClaimType { claim_type: keep.clone() })]);
    assert_eq!(agora_runtime::state::ROOT_CLAIM_TYPE.get(&chain.state, &acc("carol")), keep);
    claim(&mut chain, "carol");
    let new_stake = chain.stake(&acc("carol"), &acc("hotkey"), 0);
    let increment = pending_root as f64 * (1.0 - 0.18) * 0.5 * 0.1;
    assert!(new_stake.abs_diff(root_stake + increment as u64) <= 10_000, "{new_stake}");
}

/// A coldkey that never chose has the Swap claim type.
#[test]
fn test_claim_root_default_mode_keep() {
    let chain = network();
    assert_eq!(agora_runtime::state::ROOT_CLAIM_TYPE.get(&chain.state, &acc("carol")), RootClaimType::Swap);
}

/// Bob transfers half his root stake to eve after a round's dividends but before claiming: the
/// claim watermark moves with the stake, so bob still claims his whole round and eve nothing of
/// it; once it is transferred back, alice and bob earn equally again.
#[test]
fn test_claim_root_with_moved_stake() {
    let mut chain = network();
    let root_stake = 8_000_000u64;
    seed(&mut chain, "alice", 0, root_stake);
    seed(&mut chain, "bob", 0, root_stake);
    seed(&mut chain, "owner", 1, 10_000_000);
    let keep = || Call::SetRootClaimType { claim_type: RootClaimType::Keep };
    calls(&mut chain, vec![("alice", keep()), ("bob", keep()), ("eve", keep())]);
    let pending_root = 10_000_000u64;
    let estimated = (pending_root as f64 * (1.0 - 0.18) / 2.0) as u64;
    let alpha_of = |chain: &Chain, who: &str| chain.stake(&acc(who), &acc("hotkey"), 1);
    drain_root(&mut chain, pending_root);
    claim(&mut chain, "alice");
    claim(&mut chain, "bob");
    let (alice, bob) = (alpha_of(&chain, "alice"), alpha_of(&chain, "bob"));
    assert_eq!(alice, bob);
    assert!(alice.abs_diff(estimated) <= 100, "{alice}");

    drain_root(&mut chain, pending_root);
    let transfer = |to: &str| Call::TransferStake {
        destination_coldkey: acc(to),
        hotkey: acc("hotkey"),
        origin_netuid: NetUid::ROOT,
        destination_netuid: NetUid::ROOT,
        amount: root_stake / 2,
    };
    calls(&mut chain, vec![("bob", transfer("eve"))]);
    let eve = alpha_of(&chain, "eve");
    for who in ["alice", "bob", "eve"] {
        claim(&mut chain, who);
    }
    let (alice2, bob2, eve2) = (alpha_of(&chain, "alice"), alpha_of(&chain, "bob"), alpha_of(&chain, "eve"));
    assert!(eve2.abs_diff(eve) <= 100, "eve claimed {}", eve2 - eve);
    assert!((alice2 - alice).abs_diff(bob2 - bob) <= 100, "{} {}", alice2 - alice, bob2 - bob);
    assert!((bob2 - bob).abs_diff(estimated) <= 100, "{}", bob2 - bob);

    calls(&mut chain, vec![("eve", transfer("bob"))]);
    drain_root(&mut chain, pending_root);
    claim(&mut chain, "alice");
    claim(&mut chain, "bob");
    let (alice3, bob3) = (alpha_of(&chain, "alice"), alpha_of(&chain, "bob"));
    assert!((alice3 - alice2).abs_diff(bob3 - bob2) <= 100, "{} {}", alice3 - alice2, bob3 - bob2);
    assert!((bob3 - bob2).abs_diff(estimated) <= 100, "{}", bob3 - bob2);
}
