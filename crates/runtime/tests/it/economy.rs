//! End to end: 2 subnets, 4 validators with different stake, 10 miners, weights set, 3 tempos.
//!
//! # Expected table (derived by hand; see each test for the tolerance)
//!
//! No root validators, so the 1 TAO block emission is split equally: 0.5 TAO per subnet per block.
//! Tempo 10, so each subnet's epoch (blocks 10, 20, 30) drains E = 10 × 0.5 = 5 TAO.
//!
//! | per subnet, per epoch | owner (18 %) | miners (41 %) | validators (41 %) |
//! |-----------------------|--------------|---------------|-------------------|
//! | epoch 1 (block 10)    | 0.9 TAO      | 0             | 4.1 TAO ¹         |
//! | epochs 2, 3           | 0.9 TAO      | 2.05 TAO      | 2.05 TAO          |
//!
//! Owner cut = ⌊5 TAO · 11796/65535⌋ (≈ 17.9995 %, I96F32). ¹ At the first epoch no validator
//! holds a permit from a previous epoch, so no weights count and the whole non-owner emission goes
//! to validators by stake. Validators (stakes 400, 300, 200, 100 TAO on each subnet) share their
//! part in proportion to stake (identical weights ⇒ identical bonds per unit of stake): 40 / 30 /
//! 20 / 10 %. Miners share theirs by the weights all validators agree on: subnet 1 weights
//! 8:4:2:1:1 (→ 50 / 25 / 12.5 / 6.25 / 6.25 %), subnet 2 weights 1:1:1:1:4 (12.5 % × 4, 50 %).
//! Everything is paid as stake; the rounding dust of each epoch is recycled, so for every epoch
//! `owner + miners + validators + recycled = E` exactly.

use agora_primitives::NetUid;
use agora_runtime::genesis::{GenesisNeuron, GenesisStake, GenesisSubnet};
use agora_runtime::{Call, Event, GenesisConfig, query};

use crate::common::*;

const VALIDATORS: [(&str, u64); 4] = [("v0", 400), ("v1", 300), ("v2", 200), ("v3", 100)];

fn miners(netuid: u16) -> Vec<String> {
    let first = if netuid == 1 { 0 } else { 5 };
    (first..first + 5).map(|i| format!("m{i}")).collect()
}

fn config() -> GenesisConfig {
    let mut config = GenesisConfig::new("economy");
    for (v, _) in VALIDATORS {
        config.balances.insert(acc(&format!("{v}-cold")), tao(1));
    }
    for netuid in [1u16, 2] {
        let mut neurons: Vec<GenesisNeuron> = VALIDATORS
            .iter()
            .map(|(v, _)| GenesisNeuron { hotkey: acc(v), coldkey: acc(&format!("{v}-cold")), registered_at: 0 })
            .collect();
        neurons.extend(miners(netuid).iter().map(|m| GenesisNeuron {
            hotkey: acc(m),
            coldkey: acc(&format!("{m}-cold")),
            registered_at: 0,
        }));
        config.subnets.push(GenesisSubnet {
            netuid,
            owner: acc(&format!("owner{netuid}")),
            owner_hotkey: acc(&format!("owner{netuid}-hk")),
            started: true,
            register_owner: true,
            hyperparameters: fast_hparams(),
            neurons,
            pool: None,
            emission_enabled: true,
        });
        for (v, stake) in VALIDATORS {
            config.stakes.push(GenesisStake {
                coldkey: acc(&format!("{v}-cold")),
                hotkey: acc(v),
                netuid,
                amount: tao(stake),
            });
        }
    }
    config
}

/// Uids: 0 owner hotkey, 1..=4 validators, 5..=9 miners.
fn weights_call(netuid: u16) -> Call {
    let weights = if netuid == 1 { vec![8, 4, 2, 1, 1] } else { vec![1, 1, 1, 1, 4] };
    Call::SetWeights { netuid: NetUid(netuid), dests: vec![5, 6, 7, 8, 9], weights, version_key: 0 }
}

struct Run {
    chain: Chain,
    /// EpochPaid per (netuid, epoch number 1..=3): (emission, owner, server, validator, recycled).
    paid: Vec<(u16, [u64; 5])>,
}

fn run() -> Run {
    let mut chain = Chain::new(&config());
    chain.advance_to(10); // first epoch: validators earn permits
    for netuid in [1u16, 2] {
        let txs: Vec<_> = VALIDATORS.iter().map(|(v, _)| chain.tx(&key(v), weights_call(netuid))).collect();
        let out = chain.block(&txs);
        assert!(out.receipts.iter().all(|r| r.result.is_ok()), "{:?}", out.receipts);
    }
    chain.advance_to(30);
    let paid = chain
        .hook_events
        .iter()
        .filter_map(|e| match e {
            Event::EpochPaid { netuid, emission, owner_cut, server, validator, recycled } => {
                Some((netuid.0, [emission.rao(), owner_cut.rao(), server.rao(), validator.rao(), recycled.rao()]))
            }
            _ => None,
        })
        .collect();
    Run { chain, paid }
}

fn close(got: u64, expected: u64, tolerance: u64, what: &str) {
    assert!(got.abs_diff(expected) <= tolerance, "{what}: got {got} rao, expected {expected} ± {tolerance}");
}

#[test]
fn every_epoch_pays_out_exactly_what_it_drained() {
    let Run { paid, .. } = run();
    assert_eq!(paid.len(), 6, "3 epochs × 2 subnets");
    let owner_cut = (((5 * TAO as u128) * ((11_796u128 << 32) / 65_535)) >> 32) as u64;
    for (netuid, [emission, owner, server, validator, recycled]) in &paid {
        assert_eq!(*emission, 5 * TAO, "netuid {netuid}");
        assert_eq!(owner + server + validator + recycled, *emission, "netuid {netuid}: sum must be exact");
        assert_eq!(*owner, owner_cut);
        assert!(*recycled < 100, "dust only: {recycled}");
    }
    // Epoch 1: no permits yet → no miner pay.
    for (_, [_, owner, server, validator, _]) in &paid[..2] {
        assert_eq!(*server, 0);
        close(*validator, 5 * TAO - owner, 100, "epoch 1 validators");
    }
    // Epochs 2 and 3: half of the non-owner emission each to miners and validators.
    for (_, [_, owner, server, validator, _]) in &paid[2..] {
        close(*server, (5 * TAO - owner) / 2, 100, "miners");
        close(*validator, (5 * TAO - owner) / 2, 100, "validators");
    }
}

#[test]
fn stake_gains_match_the_table() {
    let Run { chain, paid } = run();
    let owner_cut = paid[0].1[1];
    let per_epoch_rest = 5 * TAO - owner_cut;
    for netuid in [1u16, 2] {
        let paid_here: Vec<_> = paid.iter().filter(|(n, _)| *n == netuid).map(|(_, p)| *p).collect();
        // Owner: three owner cuts, staked on the owner hotkey.
        let owner = chain.stake(&acc(&format!("owner{netuid}")), &acc(&format!("owner{netuid}-hk")), netuid);
        assert_eq!(owner, 3 * owner_cut);
        // Validators: (4.1 + 2.05 + 2.05) TAO × stake share.
        let validator_total: u64 = paid_here.iter().map(|p| p[3]).sum();
        let mut validator_gain_sum = 0;
        for (v, stake) in VALIDATORS {
            let now = chain.stake(&acc(&format!("{v}-cold")), &acc(v), netuid);
            let gain = now - stake * TAO;
            validator_gain_sum += gain;
            let expected = (per_epoch_rest + per_epoch_rest / 2 + per_epoch_rest / 2) * stake / 1000;
            close(gain, expected, 20_000, &format!("{v} on netuid {netuid}"));
        }
        // Share-pool rounding keeps at most a few rao per payout inside the pools.
        close(validator_gain_sum, validator_total, 16, "validators' gains vs paid");
        // Miners: 2.05 TAO × 2 epochs × weight share.
        let shares: [u64; 5] = if netuid == 1 { [8, 4, 2, 1, 1] } else { [1, 1, 1, 1, 4] };
        let miner_total: u64 = paid_here.iter().map(|p| p[2]).sum();
        let mut miner_sum = 0;
        for (m, share) in miners(netuid).iter().zip(shares) {
            let got = chain.stake(&acc(&format!("{m}-cold")), &acc(m), netuid);
            miner_sum += got;
            close(got, per_epoch_rest * share / shares.iter().sum::<u64>(), 20_000, m);
        }
        assert_eq!(miner_sum, miner_total, "miners' stake equals incentive paid, to the rao");
    }
    // Conservation over the whole run: 30 blocks × 1 TAO minted; what was recycled left issuance.
    let info = query::chain_info(&chain.state);
    let genesis_issuance = 4 * TAO + 2 * 1000 * TAO;
    let recycled: u64 = paid.iter().map(|p| p.1[4]).sum();
    assert_eq!(info.total_issuance.rao(), genesis_issuance + 30 * TAO - recycled);
}

#[test]
fn metagraph_reflects_the_epoch() {
    let Run { chain, .. } = run();
    let mg = query::metagraph(&chain.state, NetUid(1), true).unwrap();
    assert_eq!(mg.n, 10);
    // Incentive follows the agreed weights 8:4:2:1:1 (u16 of the normalised rank).
    let inc = &mg.incentive[5..10];
    close(u64::from(inc[0]), 32_767, 8, "incentive m0");
    close(u64::from(inc[1]), 16_383, 8, "incentive m1");
    assert!(mg.validator_permit[1..5].iter().all(|p| *p));
    // Dividends by stake 4:3:2:1.
    close(u64::from(mg.dividends[1]), 26_214, 16, "dividends v0");
    close(u64::from(mg.dividends[4]), 6_553, 16, "dividends v3");
    assert!(mg.bonds.unwrap()[1].len() == 5);
}

#[test]
fn the_same_blocks_give_the_same_state_root() {
    let a = run();
    let b = run();
    assert_eq!(agora_runtime::state_root(&a.chain.state), agora_runtime::state_root(&b.chain.state));
    assert_eq!(a.chain.state, b.chain.state);
    assert_eq!(
        agora_runtime::storage::compute_state_root_from_scratch(&a.chain.state),
        agora_runtime::state_root(&a.chain.state)
    );
}

/// The exact payouts, to the rao, per subnet and epoch: `(netuid, block, owner, miners,
/// validators, recycled)`, and every account's final stake. The hand-derived table in the module
/// docs is checked (with rounding tolerances) by the tests above; this one pins the exact bits so
/// any change to the arithmetic shows up here.
#[test]
fn exact_rao_table() {
    let Run { chain, paid } = run();
    let blocks = [10u64, 10, 20, 20, 30, 30];
    let actual: Vec<(u16, u64, u64, u64, u64, u64)> =
        paid.iter().zip(blocks).map(|((n, p), b)| (*n, b, p[1], p[2], p[3], p[4])).collect();
    let mut stakes: Vec<(String, u16, u64)> = Vec::new();
    for netuid in [1u16, 2] {
        stakes.push((
            format!("owner{netuid}"),
            netuid,
            chain.stake(&acc(&format!("owner{netuid}")), &acc(&format!("owner{netuid}-hk")), netuid),
        ));
        for (v, _) in VALIDATORS {
            stakes.push((v.to_string(), netuid, chain.stake(&acc(&format!("{v}-cold")), &acc(v), netuid)));
        }
        for m in miners(netuid) {
            let got = chain.stake(&acc(&format!("{m}-cold")), &acc(&m), netuid);
            stakes.push((m, netuid, got));
        }
    }
    let expected_paid: &[(u16, u64, u64, u64, u64, u64)] = EXPECTED_PAID;
    let expected_stakes: &[(&str, u16, u64)] = EXPECTED_STAKES;
    let stakes_view: Vec<(&str, u16, u64)> = stakes.iter().map(|(n, s, v)| (n.as_str(), *s, *v)).collect();
    if actual != expected_paid || stakes_view != expected_stakes {
        panic!("exact table changed:\npaid: {actual:?}\nstakes: {stakes_view:?}");
    }
    for (_, _, owner, miners, validators, recycled) in &actual {
        assert_eq!(owner + miners + validators + recycled, 5 * TAO);
    }
}

/// `(netuid, block, owner cut, miners, validators, recycled)` — each row sums to 5 TAO.
const EXPECTED_PAID: &[(u16, u64, u64, u64, u64, u64)] = &[
    (1, 10, 899_977_111, 0, 4_100_022_885, 4),
    (2, 10, 899_977_111, 0, 4_100_022_885, 4),
    (1, 20, 899_977_111, 2_050_011_440, 2_050_011_440, 9),
    (2, 20, 899_977_111, 2_050_011_439, 2_050_011_440, 10),
    (1, 30, 899_977_111, 2_050_011_438, 2_050_011_441, 10),
    (2, 30, 899_977_111, 2_050_011_440, 2_050_011_442, 7),
];

/// `(account, netuid, final stake in rao)`: validators started at 400/300/200/100 TAO, the rest at 0.
const EXPECTED_STAKES: &[(&str, u16, u64)] = &[
    ("owner1", 1, 2_699_931_333),
    ("v0", 1, 403_280_025_072),
    ("v1", 1, 302_460_015_984),
    ("v2", 1, 201_640_006_899),
    ("v3", 1, 100_819_997_811),
    ("m0", 1, 2_049_995_806),
    ("m1", 1, 1_025_013_542),
    ("m2", 1, 512_506_768),
    ("m3", 1, 256_253_381),
    ("m4", 1, 256_253_381),
    ("owner2", 2, 2_699_931_333),
    ("v0", 2, 403_280_025_073),
    ("v1", 2, 302_460_015_983),
    ("v2", 2, 201_640_006_900),
    ("v3", 2, 100_819_997_811),
    ("m5", 2, 512_506_768),
    ("m6", 2, 512_506_768),
    ("m7", 2, 512_506_768),
    ("m8", 2, 512_506_768),
    ("m9", 2, 2_049_995_807),
];
