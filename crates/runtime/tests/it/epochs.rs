//! Epoch scheduling: tempo, stagger, and at most `max_epochs_per_block` per block.

use agora_primitives::{BlockNumber, NetUid};
use agora_runtime::genesis::GenesisSubnet;
use agora_runtime::{Call, Event, query};

use crate::common::*;

fn epochs_at(events: &[Event]) -> Vec<u16> {
    events.iter().filter_map(|e| if let Event::EpochPaid { netuid, .. } = e { Some(netuid.0) } else { None }).collect()
}

#[test]
fn at_most_two_epochs_per_block_the_rest_wait_a_block() {
    let mut config = base_config();
    for netuid in [2u16, 3] {
        config.subnets.push(GenesisSubnet {
            netuid,
            owner: acc("owner"),
            owner_hotkey: acc(&format!("owner-hk{netuid}")),
            started: true,
            register_owner: true,
            hyperparameters: fast_hparams(),
            neurons: vec![],
            pool: None,
            emission_enabled: true,
        });
    }
    let mut chain = Chain::new(&config);
    chain.advance(9);
    let at_10 = chain.block(&[]);
    assert_eq!(epochs_at(&at_10.events), vec![1, 2]);
    assert!(at_10.events.contains(&Event::EpochDeferred { netuid: NetUid(3), to_block: BlockNumber(11) }));
    let at_11 = chain.block(&[]);
    assert_eq!(epochs_at(&at_11.events), vec![3]);
    // Subnet 3's next epoch is a tempo after the one that ran.
    chain.advance(8);
    assert_eq!(epochs_at(&chain.block(&[]).events), vec![1, 2]);
    assert_eq!(epochs_at(&chain.block(&[]).events), vec![3]);
}

#[test]
fn a_registered_subnet_is_staggered_by_netuid() {
    let mut chain = Chain::new(&base_config());
    chain.advance(20);
    chain.submit(&key("alice"), Call::RegisterNetwork { hotkey: acc("alice-hk") }).unwrap();
    let sn = query::subnet(&chain.state, NetUid(2)).unwrap();
    // LastEpochBlock = registration block − (netuid mod tempo).
    assert_eq!(sn.last_epoch_block.get(), sn.registered_at.get() - 2);
    assert_eq!(sn.hyperparameters.tempo, 360);
}

#[test]
fn tempo_zero_never_runs_an_epoch_and_pending_emission_accumulates() {
    let mut config = base_config();
    config.subnets[0].hyperparameters.tempo = 0;
    let mut chain = Chain::new(&config);
    chain.advance(25);
    assert!(epochs_at(&chain.hook_events).is_empty());
    assert_eq!(query::subnet(&chain.state, NetUid(1)).unwrap().pending_emission.rao(), 25 * TAO);
}
