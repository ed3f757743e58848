//! The halving schedule, observed through real blocks.

use agora_primitives::{Balance, NetUid};
use agora_runtime::genesis::GenesisSubnet;
use agora_runtime::{Event, GenesisConfig, query};

use crate::common::*;

fn chain_with_issuance(issuance: u64) -> Chain {
    let mut config = GenesisConfig::new("halving");
    config.balances.insert(acc("whale"), Balance(issuance));
    let mut hp = fast_hparams();
    hp.tempo = 1000; // no epoch within the test, so nothing is recycled
    config.subnets.push(GenesisSubnet {
        netuid: 1,
        owner: acc("o"),
        owner_hotkey: acc("o-hk"),
        started: true,
        register_owner: true,
        hyperparameters: hp,
        neurons: vec![],
        pool: None,
        emission_enabled: true,
    });
    Chain::new(&config)
}

fn emissions(chain: &mut Chain, blocks: u64) -> Vec<u64> {
    (0..blocks)
        .map(|_| {
            let out = chain.block(&[]);
            out.events
                .iter()
                .find_map(|e| {
                    if let Event::BlockEmission { emission, minted } = e {
                        assert_eq!(emission, minted);
                        Some(minted.rao())
                    } else {
                        None
                    }
                })
                .expect("every block reports its emission")
        })
        .collect()
}

#[test]
fn emission_halves_when_issuance_crosses_ten_and_a_half_million() {
    let start = 10_500_000 * TAO - 1_500_000_000; // 1.5 TAO below the first halving
    let mut chain = chain_with_issuance(start);
    let got = emissions(&mut chain, 8);
    // Block 1: 10.5M − 1.5 → mint 1 → 10.5M − 0.5; block 2: mint 1 → 10.5M + 0.5 (crossed);
    // from block 3 on, 0.5 TAO.
    let expected = [TAO, TAO, TAO / 2, TAO / 2, TAO / 2, TAO / 2, TAO / 2, TAO / 2];
    assert_eq!(got, expected);
    assert_eq!(query::chain_info(&chain.state).total_issuance.rao(), start + 2 * TAO + 6 * (TAO / 2));
    assert_eq!(query::subnet(&chain.state, NetUid(1)).unwrap().pending_emission.rao(), 5 * TAO);
}

#[test]
fn emission_is_zero_at_the_cap() {
    let mut chain = chain_with_issuance(21_000_000 * TAO);
    assert_eq!(emissions(&mut chain, 8), vec![0; 8]);
    assert_eq!(query::chain_info(&chain.state).total_issuance.rao(), 21_000_000 * TAO);
}

#[test]
fn no_started_subnet_means_nothing_is_minted() {
    let mut config = GenesisConfig::new("idle");
    config.balances.insert(acc("whale"), tao(5));
    let mut chain = Chain::new(&config);
    let out = chain.block(&[]);
    assert!(out.events.contains(&Event::BlockEmission { emission: tao(1), minted: Balance(0) }));
    assert_eq!(query::chain_info(&chain.state).total_issuance, tao(5));
}
