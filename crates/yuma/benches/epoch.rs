//! Criterion benchmark of one warm epoch (existing bonds and permits from a previous epoch),
//! every validator setting a full weight row over all other uids.
//!
//! `yuma::epoch/…` is the classic bonds path (the reference mock's default);
//! `yuma::epoch_yuma3/…` the Yuma3 path as new subnets start (liquid alpha off);
//! `yuma::epoch_yuma3_liquid/…` Yuma3 with liquid alpha, its most expensive setting.
// `criterion_group!` generates an undocumented `pub fn`.
#![allow(missing_docs)]

use agora_yuma::{EpochInput, EpochParams, epoch};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

/// A deterministic PRNG so every run benchmarks the same subnet.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn params(yuma3: bool, liquid_alpha: bool) -> EpochParams {
    EpochParams {
        current_block: 10_000,
        tempo: 360,
        activity_cutoff: 5_000,
        last_mechanism_step_block: 9_640,
        stake_threshold: 0,
        tao_weight: 0,
        max_allowed_validators: 256,
        kappa: 32_767,
        bonds_penalty: u16::MAX,
        bonds_moving_average: 900_000,
        yuma3,
        liquid_alpha,
        alpha_low: 45_875,
        alpha_high: 58_982,
        alpha_sigmoid_steepness: 1000,
        owner_uid: Some(0),
        emission: 1_000_000_000_000,
    }
}

/// `n` uids, the first `validators` staked and permitted, each validator weighting every other
/// uid; bonds and permits come from one cold epoch, so the measured epoch is warm.
fn subnet(n: usize, validators: usize, yuma3: bool, liquid_alpha: bool) -> (EpochParams, EpochInput) {
    let mut rng = SplitMix64(n as u64);
    let stake: Vec<u64> =
        (0..n).map(|i| if i < validators { 1_000_000_000 + rng.next() % 1_000_000_000_000 } else { 0 }).collect();
    let weights: Vec<Vec<(u16, u16)>> = (0..n)
        .map(|i| {
            if i < validators {
                (0..n).filter(|j| *j != i).map(|j| (j as u16, (rng.next() % 65_536) as u16)).collect()
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut input = EpochInput {
        stake,
        root_stake: Vec::new(),
        last_update: vec![9_900; n],
        block_at_registration: vec![100; n],
        validator_permit: (0..n).map(|i| i < validators).collect(),
        weights,
        bonds: vec![Vec::new(); n],
        commit_reveal_earliest: None,
    };
    let params = params(yuma3, liquid_alpha);
    let cold = epoch(&params, &input);
    input.bonds = cold.bonds;
    input.validator_permit = cold.validator_permit;
    (params, input)
}

fn bench(c: &mut Criterion) {
    for (name, yuma3, liquid) in
        [("yuma::epoch", false, false), ("yuma::epoch_yuma3", true, false), ("yuma::epoch_yuma3_liquid", true, true)]
    {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        for (n, validators) in [(256usize, 64usize), (1024, 128), (4096, 256)] {
            let id = BenchmarkId::from_parameter(format!("n={n},validators={validators}"));
            // The subnet is built inside the closure, which criterion only calls for selected
            // benchmarks.
            group.bench_function(id, |b| {
                let (params, input) = subnet(n, validators, yuma3, liquid);
                b.iter(|| epoch(black_box(&params), black_box(&input)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
