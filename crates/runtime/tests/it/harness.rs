//! The simulator's entry points: an epoch run on request pays only when asked.

use agora_primitives::NetUid;
use agora_runtime::genesis::{GenesisNeuron, GenesisStake};
use agora_runtime::{Call, harness, query};

use crate::common::*;

#[test]
fn a_requested_epoch_pays_only_when_asked() {
    let mut config = base_config();
    config.subnets[0].hyperparameters.tempo = 0; // no scheduled epochs: only the harness runs one
    config.subnets[0].neurons.push(GenesisNeuron { hotkey: acc("v"), coldkey: acc("alice"), registered_at: 0 });
    config.subnets[0].neurons.push(GenesisNeuron { hotkey: acc("m"), coldkey: acc("bob"), registered_at: 0 });
    config.stakes.push(GenesisStake { coldkey: acc("alice"), hotkey: acc("v"), netuid: 1, amount: tao(100) });
    let mut chain = Chain::new(&config);
    chain.advance(1);
    let permits = harness::run_epoch(&chain.state, NetUid(1), 0, false).unwrap();
    chain.state.commit(permits.changes);
    chain
        .submit(&key("v"), Call::SetWeights { netuid: NetUid(1), dests: vec![2], weights: vec![1], version_key: 0 })
        .unwrap();
    let before = query::chain_info(&chain.state);

    // Not paid: outputs stored, but issuance and every stake unchanged.
    let quiet = harness::run_epoch(&chain.state, NetUid(1), 5 * TAO, false).unwrap();
    assert!(quiet.payout.is_none());
    chain.state.commit(quiet.changes);
    let mg = query::metagraph(&chain.state, NetUid(1), false).unwrap();
    assert_eq!(mg.incentive[2], 65535);
    assert_eq!(query::chain_info(&chain.state).total_issuance, before.total_issuance);
    assert_eq!(chain.stake(&acc("bob"), &acc("m"), 1), 0);

    // Paid: the emission is minted and distributed as the block hook would.
    let paid = harness::run_epoch(&chain.state, NetUid(1), 5 * TAO, true).unwrap();
    let payout = paid.payout.unwrap();
    chain.state.commit(paid.changes);
    assert_eq!(payout.owner_cut + payout.server + payout.validator + payout.recycled, 5 * TAO);
    assert_eq!(chain.stake(&acc("bob"), &acc("m"), 1), payout.server);
    let after = query::chain_info(&chain.state);
    assert_eq!(after.total_issuance.rao(), before.total_issuance.rao() + 5 * TAO - payout.recycled);
    query::check_conservation(&chain.state).unwrap();
    assert_eq!(
        agora_runtime::state_root(&chain.state),
        agora_runtime::storage::compute_state_root_from_scratch(&chain.state)
    );
}
