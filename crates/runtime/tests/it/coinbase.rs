//! The reference's coinbase tests (`pallets/subtensor/src/tests/coinbase.rs`) by name, on its
//! mock's footing: reserves, mechanisms and price EMAs written straight into the state (as the
//! mock's `setup_reserves` and storage inserts do), then the coinbase through the harness's
//! `run_coinbase(block_emission)` and the epoch's payout through `distribute_emission`. Values and
//! epsilons are the reference's; spec §8 vectors 9–13 and 16.

use agora_economy::fixed::I96F32;
use agora_primitives::NetUid;
use agora_runtime::genesis::{GenesisNeuron, GenesisPool, GenesisSubnet};
use agora_runtime::harness::{HarnessOutcome, distribute_emission, increase_stake, run_coinbase, set_block_number};
use agora_runtime::pools::{Economy, PendingAlpha, PoolState, pending_alpha, pool_state};
use agora_runtime::state::{DELEGATE_TAKE, DYNAMIC_PARAMS, GLOBAL_PARAMS, SUBNET_POOLS, TOTAL_ISSUANCE, TOTAL_STAKE};

use crate::common::*;

/// The mock's footing: subnets `1..=n` started at block 1 (`add_network`), each with a dynamic
/// pool that the tests overwrite, owner cut 0, TaoWeight 0, and the chain at block 1.
pub(crate) fn network(n: u16) -> Chain {
    let mut c = base_config();
    c.economy = Economy::Dynamic;
    c.params.network_min_lock_cost = 100 * TAO;
    c.params.subnet_owner_cut = 0;
    c.dynamic.tao_weight = 0;
    c.subnets.clear();
    for netuid in 1..=n {
        c.subnets.push(GenesisSubnet {
            netuid,
            owner: acc("owner"),
            owner_hotkey: acc(&format!("owner-hk-{netuid}")),
            started: true,
            register_owner: false,
            hyperparameters: fast_hparams(),
            neurons: Vec::<GenesisNeuron>::new(),
            pool: Some(GenesisPool { tao: 100 * TAO, alpha: 100 * TAO, w2: None, moving_price: None }),
            emission_enabled: true,
        });
    }
    let mut chain = Chain::new(&c);
    let outcome = set_block_number(&chain.state, 1).unwrap();
    commit(&mut chain, outcome);
    chain
}

pub(crate) fn commit(chain: &mut Chain, outcome: HarnessOutcome) {
    chain.state.commit(outcome.changes);
}

pub(crate) fn pool(chain: &Chain, netuid: u16) -> PoolState {
    pool_state(&chain.state, NetUid(netuid)).expect("a pool")
}

/// Edits `netuid`'s pool in place (the mock's storage inserts).
pub(crate) fn edit_pool(chain: &mut Chain, netuid: u16, edit: impl FnOnce(&mut PoolState)) {
    let mut p = pool(chain, netuid);
    edit(&mut p);
    SUBNET_POOLS.insert(&mut chain.state, &NetUid(netuid), &p);
}

/// The mock's `setup_reserves(netuid, tao, alpha)`.
pub(crate) fn setup_reserves(chain: &mut Chain, netuid: u16, tao: u64, alpha: u64) {
    edit_pool(chain, netuid, |p| {
        p.tao = tao;
        p.alpha_in = alpha;
    });
}

fn set_moving_price(chain: &mut Chain, netuid: u16, price: f64) {
    edit_pool(chain, netuid, |p| p.moving_price = I96F32::from_num(price).to_bits());
}

fn set_tao_weight(chain: &mut Chain, tao_weight: u64) {
    let mut params = DYNAMIC_PARAMS.get(&chain.state);
    params.tao_weight = tao_weight;
    DYNAMIC_PARAMS.set(&mut chain.state, &params);
}

/// `set_full_injection_root_stake`: root holds 10¹⁸ rao and TaoWeight is 1, so the root proportion
/// is ≈ 1 and the injection cap does not bind.
fn set_full_injection_root_stake(chain: &mut Chain) {
    edit_pool(chain, 0, |p| p.tao = 1_000_000_000_000_000_000);
    set_tao_weight(chain, u64::MAX);
}

fn coinbase(chain: &mut Chain, emission: u64) {
    let outcome = run_coinbase(&chain.state, emission).unwrap();
    commit(chain, outcome);
}

/// Stable pools (mechanism 0, price 1) of 10⁶ / 10⁶: 10⁶ rao of emission splits evenly and
/// injects 500,000 alpha into each.
#[test]
fn test_coinbase_alpha_issuance_base() {
    let mut chain = network(2);
    let (initial, emission) = (1_000_000u64, 1_000_000u64);
    for netuid in [1, 2] {
        setup_reserves(&mut chain, netuid, initial, initial);
        edit_pool(&mut chain, netuid, |p| p.mechanism = 0);
    }
    set_full_injection_root_stake(&mut chain);
    coinbase(&mut chain, emission);
    assert_eq!(pool(&chain, 1).alpha_in, initial + emission / 2);
    assert_eq!(pool(&chain, 2).alpha_in, initial + emission / 2);
}

/// Dynamic pools at prices 1 and 2 with EMAs 1 and 2: TAO splits 1 : 2 and each gets 333,333
/// alpha (the second's TAO buys half as much).
#[test]
fn test_coinbase_alpha_issuance_different() {
    let mut chain = network(2);
    let (initial, emission) = (1_000_000u64, 1_000_000u64);
    setup_reserves(&mut chain, 1, initial, initial);
    setup_reserves(&mut chain, 2, 2 * initial, initial);
    set_moving_price(&mut chain, 1, 1.0);
    set_moving_price(&mut chain, 2, 2.0);
    set_full_injection_root_stake(&mut chain);
    coinbase(&mut chain, emission);
    assert_eq!(pool(&chain, 1).alpha_in, initial + emission / 3);
    assert_eq!(pool(&chain, 2).alpha_in, initial + (emission * 2 / 3) / 2);
}

/// Prices 0.1 and 0.2 (EMAs alike): 10⁸ rao splits 1 : 2 into the pools' TAO, all of it minted
/// and staked.
#[test]
fn test_coinbase_tao_issuance_different_prices() {
    let mut chain = network(2);
    let (initial_tao, emission) = (100_000u64, 100_000_000u64);
    setup_reserves(&mut chain, 1, initial_tao, initial_tao * 10);
    setup_reserves(&mut chain, 2, initial_tao, initial_tao * 5);
    set_moving_price(&mut chain, 1, 0.1);
    set_moving_price(&mut chain, 2, 0.2);
    set_full_injection_root_stake(&mut chain);
    let (issuance, stake) = (TOTAL_ISSUANCE.get(&chain.state), TOTAL_STAKE.get(&chain.state));
    coinbase(&mut chain, emission);
    assert!(pool(&chain, 1).tao.abs_diff(initial_tao + emission / 3) <= 10, "{}", pool(&chain, 1).tao);
    assert!(pool(&chain, 2).tao.abs_diff(initial_tao + 2 * emission / 3) <= 10, "{}", pool(&chain, 2).tao);
    assert!((TOTAL_ISSUANCE.get(&chain.state) - issuance).abs_diff(emission) <= 10);
    assert!((TOTAL_STAKE.get(&chain.state) - stake).abs_diff(emission) <= 10);
}

/// Three stable subnets with empty pools, the second with emission disabled: the first and third
/// share 3,333,333 rao, the second gets no TAO but still emits alpha outside its pool.
#[test]
fn test_coinbase_disabled_subnet_emission_redistributes_tao_to_enabled_subnets() {
    let mut chain = network(3);
    let emission = 3_333_333u64;
    for netuid in [1, 2, 3] {
        setup_reserves(&mut chain, netuid, 0, 0);
        edit_pool(&mut chain, netuid, |p| {
            p.mechanism = 0;
            p.alpha_out = 0;
        });
    }
    edit_pool(&mut chain, 2, |p| p.emission_enabled = false);
    let (issuance, stake) = (TOTAL_ISSUANCE.get(&chain.state), TOTAL_STAKE.get(&chain.state));
    coinbase(&mut chain, emission);
    assert!(pool(&chain, 1).tao.abs_diff(emission / 2) <= 2, "{}", pool(&chain, 1).tao);
    assert_eq!(pool(&chain, 2).tao, 0);
    assert!(pool(&chain, 3).tao.abs_diff(emission / 2) <= 2, "{}", pool(&chain, 3).tao);
    assert_eq!(pool(&chain, 2).alpha_in, 0);
    assert!(pool(&chain, 2).alpha_out > 0);
    assert!((TOTAL_ISSUANCE.get(&chain.state) - issuance).abs_diff(emission) <= 2);
    assert!((TOTAL_STAKE.get(&chain.state) - stake).abs_diff(emission) <= 2);
}

/// Owner cut 0 leaves nothing pending for the owner; 100 % takes a whole block's alpha (10⁹).
#[test]
fn test_owner_cut_base() {
    let mut chain = network(1);
    setup_reserves(&mut chain, 1, 1_000_000_000_000, 1_000_000_000_000);
    coinbase(&mut chain, 0);
    assert_eq!(pending_alpha(&chain.state, NetUid(1)).owner_cut, 0);
    let mut params = GLOBAL_PARAMS.get(&chain.state);
    params.subnet_owner_cut = u16::MAX;
    GLOBAL_PARAMS.set(&mut chain.state, &params);
    coinbase(&mut chain, 0);
    assert_eq!(pending_alpha(&chain.state, NetUid(1)).owner_cut, 1_000_000_000);
}

/// A 10⁶ TAO / 1 alpha pool, root holding 10⁹ TAO at TaoWeight 1 after the first block, EMA 2 so
/// that root sells: once alpha issuance is ≈ 3·10⁹, root's proportion is ¼ and a block's 10⁹
/// alpha pends as 500,000,000 to miners, 375,000,000 to validators and 125,000,000 to root.
/// (The reference's tempo-1 epochs drain the pending maps between its first blocks; the harness
/// runs no epochs, so the third block's increments are compared.)
#[test]
fn test_pending_emission() {
    let mut chain = network(1);
    edit_pool(&mut chain, 1, |p| p.alpha_out = 0);
    setup_reserves(&mut chain, 1, 1_000_000, 1);
    let outcome = set_block_number(&chain.state, 10).unwrap();
    commit(&mut chain, outcome);
    coinbase(&mut chain, 0);
    edit_pool(&mut chain, 0, |p| p.tao = 1_000_000_000);
    let outcome = set_block_number(&chain.state, 12).unwrap();
    commit(&mut chain, outcome);
    coinbase(&mut chain, 0);
    set_tao_weight(&mut chain, u64::MAX);
    set_moving_price(&mut chain, 1, 2.0);
    let before = pending_alpha(&chain.state, NetUid(1));
    coinbase(&mut chain, 0);
    let after = pending_alpha(&chain.state, NetUid(1));
    assert!((after.server - before.server).abs_diff(500_000_000) <= 1, "{after:?}");
    assert!((after.validator - before.validator).abs_diff(375_000_000) <= 1, "{after:?}");
    assert!((after.root - before.root).abs_diff(125_000_000) <= 1, "{after:?}");
}

/// Two registered validators with 10⁹ alpha each, take 0, root stakes 2·10⁹ and 10⁹, no weights:
/// 10⁹ pending alpha (half miners', half validators') goes to them as 5·10⁸ each, whatever the
/// TaoWeight, because no root alpha is pending.
fn drain_two_stakers_with_root(tao_weight: u64) {
    let mut c = base_config();
    c.economy = Economy::Dynamic;
    c.params.network_min_lock_cost = 100 * TAO;
    let sn = &mut c.subnets[0];
    sn.register_owner = false;
    sn.pool = Some(GenesisPool { tao: 100 * TAO, alpha: 100 * TAO, w2: None, moving_price: None });
    for hotkey in ["hotkey1", "hotkey2"] {
        sn.neurons.push(GenesisNeuron { hotkey: acc(hotkey), coldkey: acc("coldkey"), registered_at: 0 });
    }
    let mut chain = Chain::new(&c);
    set_tao_weight(&mut chain, tao_weight);
    let stake_before = 1_000_000_000u64;
    for (hotkey, root) in [("hotkey1", 2 * stake_before), ("hotkey2", stake_before)] {
        DELEGATE_TAKE.insert(&mut chain.state, &acc(hotkey), &0);
        for (netuid, alpha) in [(NetUid(1), stake_before), (NetUid::ROOT, root)] {
            let outcome = increase_stake(&chain.state, &acc(hotkey), &acc("coldkey"), netuid, alpha).unwrap();
            commit(&mut chain, outcome);
        }
    }
    assert_eq!(pool(&chain, 0).tao, 0, "the root pool holds no TAO");
    let pending_alpha = 1_000_000_000u64;
    let pending = PendingAlpha { server: pending_alpha / 2, validator: pending_alpha / 2, root: 0, owner_cut: 0 };
    let outcome = distribute_emission(&chain.state, NetUid(1), pending).unwrap();
    commit(&mut chain, outcome);
    let expected =
        (I96F32::from_num(stake_before) + I96F32::from_num(pending_alpha) * I96F32::from_num(0.5)).to_num::<u64>();
    for hotkey in ["hotkey1", "hotkey2"] {
        let after = chain.stake(&acc("coldkey"), &acc(hotkey), 1);
        assert!(after.abs_diff(expected) <= 10, "{hotkey}: {after} vs {expected}");
        // Take 0: the whole dividend is recorded as passed to the stakers (`AlphaDividendsPerSubnet`).
        let divs = agora_runtime::query::alpha_dividends(&chain.state, NetUid(1), &acc(hotkey));
        assert!(divs.abs_diff(pending_alpha / 2) <= 10, "{hotkey}: {divs}");
    }
}

#[test]
fn test_drain_base_with_subnet_with_two_stakers_registered_and_root_different_amounts() {
    drain_two_stakers_with_root(u64::MAX);
}

#[test]
fn test_drain_base_with_subnet_with_two_stakers_registered_and_root_different_amounts_half_tao_weight() {
    drain_two_stakers_with_root(u64::MAX / 2);
}
