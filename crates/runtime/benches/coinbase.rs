//! Criterion benchmark of dynamic TAO's block work through `execute_block`:
//!
//! - `dtao::coinbase/subnets=128`: one empty block on a chain of 128 started subnets with pools
//!   and price EMAs (shares by EMA, injection, chain buys, alpha-out split, EMA update), with no
//!   epoch due (tempo 7,200);
//! - `dtao::epoch/uids=256`: one block in which a 256-uid subnet's epoch drains its pending alpha
//!   (Yuma with alpha + TaoWeight × root stake, incentive, dividends split between alpha and root
//!   pots, takes), 64 validators weighting every other uid.
// `criterion_group!` generates an undocumented `pub fn`.
#![allow(missing_docs)]

use agora_primitives::{AccountId, Balance, BlockNumber, Pair, blake2_256};
use agora_runtime::genesis::{GenesisNeuron, GenesisPool, GenesisStake, GenesisSubnet};
use agora_runtime::hyperparams::SubnetHyperparams;
use agora_runtime::pools::Economy;
use agora_runtime::storage::MemoryStorage;
use agora_runtime::{BlockInput, Call, GenesisConfig, SignedTransaction, Transaction, execute_block};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const TAO: u64 = 1_000_000_000;

fn acc(label: &str) -> AccountId {
    Pair::from_seed(&blake2_256(label.as_bytes()).0).public()
}

fn pair(label: &str) -> Pair {
    Pair::from_seed(&blake2_256(label.as_bytes()).0)
}

fn subnet(netuid: u16, tempo: u16, neurons: usize) -> GenesisSubnet {
    GenesisSubnet {
        netuid,
        owner: acc(&format!("owner/{netuid}")),
        owner_hotkey: acc(&format!("owner-hk/{netuid}")),
        started: true,
        register_owner: true,
        hyperparameters: SubnetHyperparams {
            tempo,
            max_allowed_uids: 256,
            max_allowed_validators: 64,
            weights_rate_limit: 0,
            min_allowed_weights: 0,
            commit_reveal: false,
            ..SubnetHyperparams::default()
        },
        neurons: (0..neurons)
            .map(|i| GenesisNeuron {
                hotkey: acc(&format!("hk/{netuid}/{i}")),
                coldkey: acc(&format!("ck/{netuid}/{i}")),
                registered_at: 0,
            })
            .collect(),
        pool: Some(GenesisPool {
            tao: 1_000 * TAO + u64::from(netuid) * TAO,
            alpha: 1_000 * TAO,
            w2: None,
            moving_price: Some(500_000_000 + u64::from(netuid) * 1_000_000),
        }),
        emission_enabled: true,
    }
}

/// Runs blocks 1..=`to` on `state` (after genesis), returning the state at `to`.
fn run_to(mut state: MemoryStorage, from: u64, to: u64, txs: &[Transaction]) -> MemoryStorage {
    for h in from..=to {
        let input = BlockInput {
            height: BlockNumber(h),
            timestamp_ms: h * 12_000,
            author: None,
            transactions: if h == from { txs } else { &[] },
        };
        let outcome = execute_block(&state, &input).expect("block executes");
        state.commit(outcome.changes);
    }
    state
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("dtao");
    group.sample_size(10);

    group.bench_function("coinbase/subnets=128", |b| {
        let mut config = GenesisConfig::new("bench-coinbase");
        config.economy = Economy::Dynamic;
        config.subnets = (1..=128).map(|n| subnet(n, 7_200, 0)).collect();
        let state = run_to(config.build().unwrap().into_memory(), 1, 2, &[]);
        let input = BlockInput { height: BlockNumber(3), timestamp_ms: 36_000, author: None, transactions: &[] };
        b.iter(|| execute_block(black_box(&state), black_box(&input)).unwrap())
    });

    group.bench_function("epoch/uids=256", |b| {
        let (n, validators) = (256usize, 64usize);
        let mut config = GenesisConfig::new("bench-epoch");
        config.economy = Economy::Dynamic;
        config.subnets = vec![subnet(1, 20, n - 1)];
        for i in 0..validators {
            config.balances.insert(acc(&format!("ck/1/{i}")), Balance(10 * TAO));
            config.stakes.push(GenesisStake {
                coldkey: acc(&format!("ck/1/{i}")),
                hotkey: acc(&format!("hk/1/{i}")),
                netuid: 1,
                amount: Balance(TAO + i as u64 * TAO / 10),
            });
        }
        let genesis = config.build().unwrap();
        let genesis_hash = genesis.genesis_hash;
        // One epoch gives permits; then every validator weights every other uid.
        let state = run_to(genesis.into_memory(), 1, 21, &[]);
        let txs: Vec<Transaction> = (0..validators)
            .map(|i| {
                let dests: Vec<u16> = (1..n as u16).filter(|u| usize::from(*u) != i + 1).collect();
                let weights = dests.iter().map(|u| 1 + (*u % 100)).collect();
                let call = Call::SetWeights { netuid: agora_primitives::NetUid(1), dests, weights, version_key: 0 };
                SignedTransaction::sign(&pair(&format!("hk/1/{i}")), &genesis_hash, 0, call).into()
            })
            .collect();
        let state = run_to(state, 22, 22, &txs);
        // Move to the block before the next epoch, and measure that block.
        let mut state = state;
        let mut height = 23;
        let is_epoch = |outcome: &agora_runtime::BlockOutcome| {
            outcome.events.iter().any(|e| matches!(e, agora_runtime::Event::AlphaEpochPaid { .. }))
        };
        let input = loop {
            let input = BlockInput {
                height: BlockNumber(height),
                timestamp_ms: height * 12_000,
                author: None,
                transactions: &[],
            };
            let outcome = execute_block(&state, &input).unwrap();
            if is_epoch(&outcome) {
                break input;
            }
            state.commit(outcome.changes);
            height += 1;
            assert!(height < 100, "an epoch within a few tempos");
        };
        b.iter(|| execute_block(black_box(&state), black_box(&input)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
