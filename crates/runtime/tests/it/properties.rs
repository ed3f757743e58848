//! Property tests: random call sequences keep issuance conserved, never overflow a balance, and
//! replay to identical state roots; the incremental root always equals a from-scratch recompute.

use agora_primitives::{Balance, Hash, NetUid};
use agora_runtime::genesis::{GenesisNeuron, GenesisStake};
use agora_runtime::storage::compute_state_root_from_scratch;
use agora_runtime::{Call, HyperparameterUpdate, query};
use proptest::prelude::*;

use crate::common::*;

const COLDKEYS: [&str; 4] = ["alice", "bob", "carol", "dave"];
const HOTKEYS: [&str; 6] = ["h0", "h1", "h2", "h3", "h4", "h5"];

#[derive(Clone, Debug)]
enum Op {
    Transfer { from: usize, to: usize, amount: u64 },
    AddStake { who: usize, hotkey: usize, netuid: u16, amount: u64 },
    RemoveStake { who: usize, hotkey: usize, netuid: u16, amount: u64 },
    Register { who: usize, hotkey: usize },
    SetWeights { hotkey: usize, weights: Vec<(u16, u16)> },
    RegisterNetwork { who: usize, hotkey: usize },
    RootRegister { who: usize, hotkey: usize },
    RootWeights { hotkey: usize, weights: Vec<(u16, u16)> },
    Commit { hotkey: usize, salt: u16 },
    Reveal { hotkey: usize, salt: u16 },
    DecreaseTake { who: usize, hotkey: usize, take: u16 },
    IncreaseTake { who: usize, hotkey: usize, take: u16 },
    StartCall { who: usize, netuid: u16 },
    SudoTempo(u16),
    SudoCommitReveal(bool),
    Advance(u8),
}

/// The weights every commit/reveal in the property test uses.
const CR_UIDS: [u16; 2] = [0, 1];
const CR_VALUES: [u16; 2] = [3, 1];

fn op() -> impl Strategy<Value = Op> {
    let amount = prop_oneof![0u64..3_000_000, 1_000_000u64..500 * TAO, Just(u64::MAX)];
    prop_oneof![
        (0..4usize, 0..4usize, amount.clone()).prop_map(|(from, to, amount)| Op::Transfer { from, to, amount }),
        (0..4usize, 0..6usize, 0..3u16, amount.clone()).prop_map(|(who, hotkey, netuid, amount)| Op::AddStake {
            who,
            hotkey,
            netuid,
            amount
        }),
        (0..4usize, 0..6usize, 0..3u16, amount).prop_map(|(who, hotkey, netuid, amount)| Op::RemoveStake {
            who,
            hotkey,
            netuid,
            amount
        }),
        (0..4usize, 0..6usize).prop_map(|(who, hotkey)| Op::Register { who, hotkey }),
        (0..6usize, prop::collection::vec((0..8u16, any::<u16>()), 0..6))
            .prop_map(|(hotkey, weights)| Op::SetWeights { hotkey, weights }),
        (0..4usize, 0..6usize).prop_map(|(who, hotkey)| Op::RegisterNetwork { who, hotkey }),
        (0..4usize, 0..6usize).prop_map(|(who, hotkey)| Op::RootRegister { who, hotkey }),
        (0..6usize, prop::collection::vec((0..5u16, any::<u16>()), 0..4))
            .prop_map(|(hotkey, weights)| Op::RootWeights { hotkey, weights }),
        (0..6usize, 0..3u16).prop_map(|(hotkey, salt)| Op::Commit { hotkey, salt }),
        (0..6usize, 0..3u16).prop_map(|(hotkey, salt)| Op::Reveal { hotkey, salt }),
        (0..4usize, 0..6usize, any::<u16>()).prop_map(|(who, hotkey, take)| Op::DecreaseTake { who, hotkey, take }),
        (0..4usize, 0..6usize, any::<u16>()).prop_map(|(who, hotkey, take)| Op::IncreaseTake { who, hotkey, take }),
        (0..4usize, 1..4u16).prop_map(|(who, netuid)| Op::StartCall { who, netuid }),
        (0..20u16).prop_map(Op::SudoTempo),
        any::<bool>().prop_map(Op::SudoCommitReveal),
        (1..12u8).prop_map(Op::Advance),
    ]
}

fn genesis() -> agora_runtime::GenesisConfig {
    let mut config = base_config();
    config.params.network_min_lock_cost = 100 * TAO;
    config.params.subnet_limit = 2;
    config.params.network_immunity_period = 0;
    config.params.tx_delegate_take_rate_limit = 5;
    config.subnets[0].neurons.push(GenesisNeuron { hotkey: acc("h0"), coldkey: acc("alice"), registered_at: 0 });
    config.stakes.push(GenesisStake { coldkey: acc("alice"), hotkey: acc("h0"), netuid: 1, amount: tao(50) });
    config
}

fn call_for(op: &Op) -> Option<(&'static str, Call)> {
    Some(match op {
        Op::Transfer { from, to, amount } => {
            (COLDKEYS[*from], Call::Transfer { dest: acc(COLDKEYS[*to]), amount: Balance(*amount) })
        }
        Op::AddStake { who, hotkey, netuid, amount } => (
            COLDKEYS[*who],
            Call::AddStake { hotkey: acc(HOTKEYS[*hotkey]), netuid: NetUid(*netuid), amount: Balance(*amount) },
        ),
        Op::RemoveStake { who, hotkey, netuid, amount } => (
            COLDKEYS[*who],
            Call::RemoveStake { hotkey: acc(HOTKEYS[*hotkey]), netuid: NetUid(*netuid), amount: Balance(*amount) },
        ),
        Op::Register { who, hotkey } => {
            (COLDKEYS[*who], Call::BurnedRegister { netuid: NetUid(1), hotkey: acc(HOTKEYS[*hotkey]) })
        }
        Op::SetWeights { hotkey, weights } => (
            HOTKEYS[*hotkey],
            Call::SetWeights {
                netuid: NetUid(1),
                dests: weights.iter().map(|w| w.0).collect(),
                weights: weights.iter().map(|w| w.1).collect(),
                version_key: 0,
            },
        ),
        Op::RegisterNetwork { who, hotkey } => {
            (COLDKEYS[*who], Call::RegisterNetwork { hotkey: acc(HOTKEYS[*hotkey]) })
        }
        Op::RootRegister { who, hotkey } => (COLDKEYS[*who], Call::RootRegister { hotkey: acc(HOTKEYS[*hotkey]) }),
        Op::RootWeights { hotkey, weights } => (
            HOTKEYS[*hotkey],
            Call::SetWeights {
                netuid: NetUid::ROOT,
                dests: weights.iter().map(|w| w.0).collect(),
                weights: weights.iter().map(|w| w.1).collect(),
                version_key: 0,
            },
        ),
        Op::Commit { hotkey, salt } => (
            HOTKEYS[*hotkey],
            Call::CommitWeights {
                netuid: NetUid(1),
                commit_hash: agora_runtime::weights_commit_hash(
                    &acc(HOTKEYS[*hotkey]),
                    NetUid(1),
                    &CR_UIDS,
                    &CR_VALUES,
                    &[*salt],
                    0,
                ),
            },
        ),
        Op::Reveal { hotkey, salt } => (
            HOTKEYS[*hotkey],
            Call::RevealWeights {
                netuid: NetUid(1),
                uids: CR_UIDS.to_vec(),
                values: CR_VALUES.to_vec(),
                salt: vec![*salt],
                version_key: 0,
            },
        ),
        Op::DecreaseTake { who, hotkey, take } => {
            (COLDKEYS[*who], Call::DecreaseTake { hotkey: acc(HOTKEYS[*hotkey]), take: *take })
        }
        Op::IncreaseTake { who, hotkey, take } => {
            (COLDKEYS[*who], Call::IncreaseTake { hotkey: acc(HOTKEYS[*hotkey]), take: *take })
        }
        Op::StartCall { who, netuid } => (COLDKEYS[*who], Call::StartCall { netuid: NetUid(*netuid) }),
        Op::SudoTempo(t) => {
            ("sudo", Call::SudoSetHyperparameter { netuid: NetUid(1), update: HyperparameterUpdate::Tempo(*t) })
        }
        Op::SudoCommitReveal(on) => (
            "sudo",
            Call::SudoSetHyperparameter {
                netuid: NetUid(1),
                update: HyperparameterUpdate::CommitRevealWeightsEnabled(*on),
            },
        ),
        Op::Advance(_) => return None,
    })
}

/// Runs `ops` (one call per block), returning the state root after each block.
fn replay(ops: &[Op]) -> (Chain, Vec<Hash>) {
    let mut chain = Chain::new(&genesis());
    let mut roots = Vec::new();
    for op in ops {
        match call_for(op) {
            Some((signer, call)) => {
                let tx = chain.tx(&key(signer), call);
                roots.push(chain.block(&[tx]).state_root);
            }
            None => {
                let Op::Advance(n) = op else { unreachable!() };
                for _ in 0..*n {
                    roots.push(chain.block(&[]).state_root);
                }
            }
        }
        // Conservation is checked by `Chain::block` after every block; balances fit the supply and
        // every share pool is consistent.
        check_pools(&chain);
        let issuance = query::chain_info(&chain.state).total_issuance.rao();
        assert!(issuance <= agora_runtime::emission::TOTAL_SUPPLY);
        for c in COLDKEYS {
            assert!(chain.balance(&acc(c)) <= issuance);
        }
    }
    (chain, roots)
}

/// Σ member shares = the pool's shares; Σ member values ≤ the pool's value (rounding stays in the
/// pool); a pool has value exactly when it has shares.
fn check_pools(chain: &Chain) {
    use agora_runtime::state::{STAKE_SHARES, TOTAL_HOTKEY_SHARES, TOTAL_HOTKEY_STAKE};
    use std::collections::BTreeMap;
    let mut members: BTreeMap<_, (u128, u128)> = BTreeMap::new();
    for ((hotkey, netuid, coldkey), shares) in STAKE_SHARES.iter(&chain.state) {
        let entry = members.entry((hotkey, netuid)).or_default();
        entry.0 += shares;
        entry.1 += u128::from(query::stake(&chain.state, &coldkey, &hotkey, netuid).rao());
    }
    for ((hotkey, netuid), total) in TOTAL_HOTKEY_SHARES.iter(&chain.state) {
        let (shares, value) = members.remove(&(hotkey, netuid)).unwrap_or_default();
        assert_eq!(shares, total, "shares of pool {hotkey}/{netuid}");
        let pool = TOTAL_HOTKEY_STAKE.get(&chain.state, &(hotkey, netuid));
        assert!(value <= u128::from(pool), "members own {value} of a {pool} pool");
        assert!(pool > 0, "a pool with shares has value");
    }
    assert!(members.is_empty(), "member shares without a pool: {members:?}");
    for ((hotkey, netuid), value) in TOTAL_HOTKEY_STAKE.iter(&chain.state) {
        assert!(TOTAL_HOTKEY_SHARES.get(&chain.state, &(hotkey, netuid)) > 0, "{value} rao in a pool without shares");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_calls_conserve_issuance_and_replay_identically(ops in prop::collection::vec(op(), 1..40)) {
        let (chain, roots) = replay(&ops);
        let (_, again) = replay(&ops);
        prop_assert_eq!(&roots, &again);
        prop_assert_eq!(compute_state_root_from_scratch(&chain.state), agora_runtime::state_root(&chain.state));
    }
}

#[test]
fn insertion_order_does_not_change_the_genesis_root() {
    // The same balances listed in a different order give the same genesis.
    let mut a = base_config();
    let mut b = base_config();
    a.stakes.push(GenesisStake { coldkey: acc("alice"), hotkey: acc("owner-hk"), netuid: 1, amount: tao(1) });
    a.stakes.push(GenesisStake { coldkey: acc("bob"), hotkey: acc("owner-hk"), netuid: 1, amount: tao(2) });
    b.stakes.push(GenesisStake { coldkey: acc("bob"), hotkey: acc("owner-hk"), netuid: 1, amount: tao(2) });
    b.stakes.push(GenesisStake { coldkey: acc("alice"), hotkey: acc("owner-hk"), netuid: 1, amount: tao(1) });
    assert_eq!(a.build().unwrap().state_root, b.build().unwrap().state_root);
}
