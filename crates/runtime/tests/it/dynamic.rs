//! Dynamic TAO end to end through `execute_block`: stakes are swaps through the subnet's pool,
//! the price moves with stake, limit orders stop at their price, emission is injected into pools
//! by price EMA, epochs pay alpha, a new subnet's pool starts at the median price, and every
//! block conserves TAO (`check_conservation` runs after each block in [`Chain::block`]).

use agora_primitives::NetUid;
use agora_runtime::genesis::{GenesisNeuron, GenesisPool, GenesisStake};
use agora_runtime::pools::Economy;
use agora_runtime::{Call, DispatchError, Event, GenesisConfig, query};

use crate::common::*;

/// `base_config` in the dynamic economy: subnet 1 has a 1,000 TAO / 1,000 alpha pool and a
/// validator (`val`, 100 TAO staked at genesis) and a miner.
pub(crate) fn dynamic_config() -> GenesisConfig {
    let mut c = base_config();
    c.economy = Economy::Dynamic;
    c.params.network_min_lock_cost = 100 * TAO;
    let sn = &mut c.subnets[0];
    sn.pool = Some(GenesisPool { tao: 1_000 * TAO, alpha: 1_000 * TAO, w2: None, moving_price: None });
    for name in ["val", "miner"] {
        sn.neurons.push(GenesisNeuron { hotkey: acc(&format!("{name}-hk")), coldkey: acc(name), registered_at: 0 });
        c.balances.insert(acc(name), tao(1_000));
    }
    c.stakes.push(GenesisStake { coldkey: acc("val"), hotkey: acc("val-hk"), netuid: 1, amount: tao(100) });
    c
}

pub(crate) fn price(chain: &Chain, netuid: u16) -> u64 {
    query::pool(&chain.state, NetUid(netuid)).expect("a pool").price
}

#[test]
fn a_tao_era_chain_has_no_pools_and_a_dynamic_one_has_them_from_genesis() {
    let tao_era = Chain::new(&base_config());
    assert_eq!(query::economy(&tao_era.state), Economy::Tao);
    assert!(query::pools(&tao_era.state).is_empty());

    let chain = Chain::new(&dynamic_config());
    assert_eq!(query::economy(&chain.state), Economy::Dynamic);
    let pools = query::pools(&chain.state);
    assert_eq!(pools.iter().map(|p| p.netuid.0).collect::<Vec<_>>(), vec![0, 1]);
    // The genesis stake bought alpha fee-free: 1,100 TAO in the pool, fewer than 100 alpha out.
    let p = &pools[1];
    assert_eq!(p.tao_in.rao(), 1_100 * TAO);
    assert!(p.alpha_out < 100 * TAO && p.alpha_out > 90 * TAO, "{}", p.alpha_out);
    assert_eq!(chain.stake(&acc("val"), &acc("val-hk"), 1), p.alpha_out);
    assert!(p.price > TAO, "the genesis stake raised the price: {}", p.price);
    // Root's pool is stable: price 1.
    assert_eq!(pools[0].price, TAO);
}

#[test]
fn staking_buys_alpha_and_moves_the_price_and_unstaking_never_gains() {
    let mut chain = Chain::new(&dynamic_config());
    chain.author = Some(acc("author"));
    let before = price(&chain, 1);
    let alice = key("alice");
    let (result, events) =
        chain.submit_events(&alice, Call::AddStake { hotkey: acc("val-hk"), netuid: NetUid(1), amount: tao(100) });
    result.unwrap();
    let alpha = chain.stake(&acc("alice"), &acc("val-hk"), 1);
    assert!(alpha > 0 && alpha < 100 * TAO, "{alpha}");
    assert!(price(&chain, 1) > before, "a buy raises the price");
    assert_eq!(chain.balance(&acc("alice")), 9_900 * TAO);
    // The fee (≈ 0.05 %) went to the block author.
    let fee = events
        .iter()
        .find_map(|e| match e {
            Event::PoolSwap { fee, buy: true, .. } => Some(*fee),
            _ => None,
        })
        .expect("a swap event");
    assert!(fee > 0 && fee < 100 * TAO / 1_000, "{fee}");
    assert_eq!(chain.balance(&acc("author")), fee);

    let mid = price(&chain, 1);
    chain
        .submit(
            &alice,
            Call::RemoveStake { hotkey: acc("val-hk"), netuid: NetUid(1), amount: agora_primitives::Balance(alpha) },
        )
        .unwrap();
    assert_eq!(chain.stake(&acc("alice"), &acc("val-hk"), 1), 0);
    assert!(price(&chain, 1) < mid, "a sell lowers the price");
    let back = chain.balance(&acc("alice"));
    assert!(back < 10_000 * TAO && back > 9_999 * TAO, "paid 100 TAO, got back {}", back - 9_900 * TAO);
}

/// SafeFloat share pools: holders who leave take their whole position, and the last one out
/// takes the pool's whole value, rounding dust included, and the pool is gone.
#[test]
fn the_last_holder_out_empties_the_pool() {
    use agora_runtime::state::{ALPHA_SHARES, TOTAL_ALPHA_SHARES, TOTAL_HOTKEY_STAKE};
    let mut chain = Chain::new(&dynamic_config());
    let pool_key = (acc("miner-hk"), NetUid(1));
    for (who, tao) in [("alice", 7), ("bob", 3), ("carol", 11)] {
        let call = Call::AddStake {
            hotkey: acc("miner-hk"),
            netuid: NetUid(1),
            amount: agora_primitives::Balance(tao * TAO / 3),
        };
        chain.submit(&key(who), call).unwrap();
    }
    assert!(TOTAL_HOTKEY_STAKE.get(&chain.state, &pool_key) > 0);
    for who in ["bob", "alice", "carol"] {
        let all = agora_primitives::Balance(u64::MAX);
        chain.submit(&key(who), Call::RemoveStake { hotkey: acc("miner-hk"), netuid: NetUid(1), amount: all }).unwrap();
        assert_eq!(chain.stake(&acc(who), &acc("miner-hk"), 1), 0, "{who} left nothing behind");
    }
    // The miner's own incentive may have joined the pool meanwhile; without it the pool is gone.
    if chain.stake(&acc("miner"), &acc("miner-hk"), 1) == 0 {
        assert_eq!(TOTAL_HOTKEY_STAKE.get(&chain.state, &pool_key), 0);
        assert_eq!(TOTAL_ALPHA_SHARES.try_get(&chain.state, &pool_key), None);
        assert!(ALPHA_SHARES.iter_prefix(&chain.state, &pool_key).is_empty());
    }
}

#[test]
fn limit_orders_stop_at_their_price_or_fail_whole() {
    let mut chain = Chain::new(&dynamic_config());
    let alice = key("alice");
    let spot = price(&chain, 1);
    let limit = spot + spot / 100; // +1 %
    // All or nothing: 500 TAO would pass the limit.
    chain.assert_fails(
        &alice,
        Call::AddStakeLimit {
            hotkey: acc("val-hk"),
            netuid: NetUid(1),
            amount: tao(500),
            limit_price: limit,
            allow_partial: false,
        },
        DispatchError::SlippageTooHigh,
    );
    // A limit already passed.
    chain.assert_fails(
        &alice,
        Call::AddStakeLimit {
            hotkey: acc("val-hk"),
            netuid: NetUid(1),
            amount: tao(5),
            limit_price: spot / 2,
            allow_partial: true,
        },
        DispatchError::PriceLimitExceeded,
    );
    // Partial: executes what keeps the price under the limit (about ½ % of the pool's TAO).
    chain
        .submit(
            &alice,
            Call::AddStakeLimit {
                hotkey: acc("val-hk"),
                netuid: NetUid(1),
                amount: tao(500),
                limit_price: limit,
                allow_partial: true,
            },
        )
        .unwrap();
    let after = price(&chain, 1);
    assert!(after <= limit + limit / 1_000_000, "{after} > {limit}");
    let spent = 10_000 * TAO - chain.balance(&acc("alice"));
    assert!(spent > 4 * TAO && spent < 7 * TAO, "spent {spent}");
    // An unstake limit above the price is already passed.
    let alpha = chain.stake(&acc("alice"), &acc("val-hk"), 1);
    chain.assert_fails(
        &alice,
        Call::RemoveStakeLimit {
            hotkey: acc("val-hk"),
            netuid: NetUid(1),
            amount: alpha,
            limit_price: after * 2,
            allow_partial: true,
        },
        DispatchError::PriceLimitExceeded,
    );
}

#[test]
fn emission_goes_into_the_pool_and_epochs_pay_alpha() {
    let mut chain = Chain::new(&dynamic_config());
    let issuance = query::chain_info(&chain.state).total_issuance.rao();
    let pool = query::pool(&chain.state, NetUid(1)).unwrap();
    // Miner sets nothing; the validator weights the miner once the first epoch gave it a permit.
    chain.advance(11);
    let val = key("val-hk");
    chain
        .submit(&val, Call::SetWeights { netuid: NetUid(1), dests: vec![2], weights: vec![u16::MAX], version_key: 0 })
        .unwrap();
    chain.advance(30);
    let after = query::pool(&chain.state, NetUid(1)).unwrap();
    // TAO was minted into the pool (the EMA became positive after the first block).
    let minted = query::chain_info(&chain.state).total_issuance.rao() - issuance;
    assert!(minted > 0, "no TAO emitted");
    assert_eq!(after.tao_in.rao() - pool.tao_in.rao(), minted, "every minted TAO is in the pool");
    assert!(after.moving_price > 0);
    assert!(after.alpha_out > pool.alpha_out);
    // Epochs ran (tempo 10): the miner and the validator hold alpha they did not buy.
    assert!(chain.stake(&acc("miner"), &acc("miner-hk"), 1) > 0, "the miner earned alpha");
    assert!(chain.stake(&acc("val"), &acc("val-hk"), 1) > pool.alpha_out, "the validator earned alpha");
    assert!(chain.hook_events.iter().any(|e| matches!(e, Event::AlphaEpochPaid { server, .. } if *server > 0)));
    // The owner's hotkey holds the owner cut.
    assert!(chain.stake(&acc("owner"), &acc("owner-hk"), 1) > 0);
}

#[test]
fn a_registered_subnet_starts_at_the_median_price_with_emission_off() {
    let mut chain = Chain::new(&dynamic_config());
    let median = price(&chain, 1);
    let lock = agora_runtime::network_lock_cost(&chain.state, chain.height + 1);
    chain.submit(&key("carol"), Call::RegisterNetwork { hotkey: acc("carol-hk") }).unwrap();
    let p = query::pool(&chain.state, NetUid(2)).expect("a pool for the new subnet");
    assert_eq!(p.tao_in.rao(), lock, "the whole lock is in the pool");
    assert!(p.price.abs_diff(median) <= 1, "{} vs {median}", p.price);
    assert!(!p.emission_enabled);
    assert_eq!(p.alpha_out, 0);
    // Only root (the sudo key) turns its emission on; the owner cannot.
    let enable = Call::SudoSetHyperparameter {
        netuid: NetUid(2),
        update: agora_runtime::HyperparameterUpdate::SubnetEmissionEnabled(true),
    };
    chain.assert_fails(&key("carol"), enable.clone(), DispatchError::BadOrigin);
    chain.submit(&key("sudo"), enable).unwrap();
    assert!(query::pool(&chain.state, NetUid(2)).unwrap().emission_enabled);
    // A TAO-era chain has no pools to enable.
    let mut tao_era = Chain::new(&base_config());
    tao_era.assert_fails(
        &key("sudo"),
        Call::SudoSetHyperparameter {
            netuid: NetUid(1),
            update: agora_runtime::HyperparameterUpdate::SubnetEmissionEnabled(true),
        },
        DispatchError::NotDynamic,
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    #[derive(Clone, Debug)]
    enum Op {
        Stake { who: usize, tao: u64 },
        Unstake { who: usize, permille: u64 },
        StakeLimit { who: usize, tao: u64, up_permille: u64, partial: bool },
        Blocks(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..3, 1u64..2_000).prop_map(|(who, tao)| Op::Stake { who, tao }),
            (0usize..3, 1u64..=1_000).prop_map(|(who, permille)| Op::Unstake { who, permille }),
            (0usize..3, 1u64..2_000, 1u64..200, any::<bool>())
                .prop_map(|(who, tao, up_permille, partial)| Op::StakeLimit { who, tao, up_permille, partial }),
            (1u64..15).prop_map(Op::Blocks),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Over random stakes, unstakes, limit orders and blocks (emission and epochs), TAO is
        /// conserved and each subnet's alpha outside the pool covers every stake and pending amount
        /// (checked after every block by `Chain::block`); a full exit removes the whole stake.
        /// (Whether a trader gains is not an invariant here: others' buys and emission raise the
        /// price; a buy then a sell by itself never gains, `crates/economy/tests`.)
        #[test]
        fn random_dynamic_sequences_conserve_tao_and_alpha(ops in prop::collection::vec(op(), 1..25)) {
            let mut chain = Chain::new(&dynamic_config());
            chain.author = Some(acc("author"));
            let names = ["alice", "bob", "carol"];
            for op in ops {
                match op {
                    Op::Stake { who, tao: t } => {
                        let _ = chain.submit(&key(names[who]), Call::AddStake { hotkey: acc("val-hk"), netuid: NetUid(1), amount: agora_primitives::Balance(t * TAO / 10) });
                    }
                    Op::Unstake { who, permille } => {
                        let held = chain.stake(&acc(names[who]), &acc("val-hk"), 1);
                        let amount = (u128::from(held) * u128::from(permille) / 1_000) as u64;
                        let _ = chain.submit(&key(names[who]), Call::RemoveStake { hotkey: acc("val-hk"), netuid: NetUid(1), amount: agora_primitives::Balance(amount) });
                    }
                    Op::StakeLimit { who, tao: t, up_permille, partial } => {
                        let spot = price(&chain, 1);
                        let limit = spot + spot / 1_000 * up_permille;
                        let _ = chain.submit(&key(names[who]), Call::AddStakeLimit { hotkey: acc("val-hk"), netuid: NetUid(1), amount: agora_primitives::Balance(t * TAO / 10), limit_price: limit, allow_partial: partial });
                    }
                    Op::Blocks(n) => chain.advance(n),
                }
            }
            // Everyone unstakes.
            for name in names {
                let held = chain.stake(&acc(name), &acc("val-hk"), 1);
                if held > 0 {
                    // More than held is all of it (dividends may arrive in the same block's hooks).
                    let all = agora_primitives::Balance(u64::MAX);
                    let result = chain.submit(&key(name), Call::RemoveStake { hotkey: acc("val-hk"), netuid: NetUid(1), amount: all });
                    let left = chain.stake(&acc(name), &acc("val-hk"), 1);
                    prop_assert!(result.is_ok() && left == 0 || result.is_err() && left >= held, "{name}: {result:?}, {left} of {held} left");
                }
            }
        }
    }
}
