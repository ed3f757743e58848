//! `set_weights` (every check, in order), commit-reveal.

use agora_primitives::{BlockNumber, NetUid, Uid};
use agora_runtime::genesis::{GenesisNeuron, GenesisStake};
use agora_runtime::{Call, DispatchError, GlobalUpdate, HyperparameterUpdate as H, query, weights_commit_hash};

use crate::common::*;

/// Subnet 1: owner-hk (uid 0), v1 (uid 1, alice, 100 TAO), m1, m2 (uids 2, 3, bob). Past the first
/// epoch, so v1 holds a validator permit.
fn setup() -> Chain {
    let mut config = base_config();
    for (hk, ck) in [("v1", "alice"), ("m1", "bob"), ("m2", "bob")] {
        config.subnets[0].neurons.push(GenesisNeuron { hotkey: acc(hk), coldkey: acc(ck), registered_at: 0 });
    }
    config.stakes.push(GenesisStake { coldkey: acc("alice"), hotkey: acc("v1"), netuid: 1, amount: tao(100) });
    let mut chain = Chain::new(&config);
    chain.advance(11);
    let mg = query::metagraph(&chain.state, NetUid(1), false).unwrap();
    assert!(mg.validator_permit[1], "v1 holds a permit after the first epoch");
    assert!(!mg.validator_permit[2], "m1 has no stake, no permit");
    chain
}

fn sw(netuid: u16, dests: &[u16], weights: &[u16]) -> Call {
    Call::SetWeights { netuid: NetUid(netuid), dests: dests.to_vec(), weights: weights.to_vec(), version_key: 0 }
}

fn sudo_h(chain: &mut Chain, update: H) {
    chain.submit(&key("sudo"), Call::SudoSetHyperparameter { netuid: NetUid(1), update }).unwrap();
}

#[test]
fn set_weights_stores_max_upscaled_row_with_explicit_zeros() {
    let mut chain = setup();
    assert_eq!(chain.submit(&key("v1"), sw(1, &[2, 3, 0], &[10, 5, 0])), Ok(()));
    let rows = query::weights(&chain.state, NetUid(1));
    assert_eq!(rows, vec![(Uid(1), vec![(2, 65535), (3, 32768), (0, 0)])]);
    let mg = query::metagraph(&chain.state, NetUid(1), false).unwrap();
    assert_eq!(mg.last_update[1], BlockNumber(chain.height));
}

#[test]
fn self_weight_needs_no_permit() {
    let mut chain = setup();
    assert_eq!(chain.submit(&key("m1"), sw(1, &[2], &[1])), Ok(()));
}

#[test]
fn set_weights_error_paths_in_reference_order() {
    let mut chain = setup();
    let v1 = key("v1");
    chain.assert_fails(&v1, sw(1, &[2, 3], &[1]), DispatchError::WeightVecNotEqualSize);
    chain.assert_fails(&v1, sw(7, &[2], &[1]), DispatchError::SubnetNotExists);
    chain.assert_fails(&v1, sw(1, &[0, 1, 2, 3, 3], &[1, 1, 1, 1, 1]), DispatchError::UidsLengthExceedUidsInSubNet);
    chain.assert_fails(&key("stranger"), sw(1, &[2], &[1]), DispatchError::HotKeyNotRegisteredInSubNet);
    chain.assert_fails(&key("m1"), sw(1, &[3], &[1]), DispatchError::NeuronNoValidatorPermit);
    chain.assert_fails(&v1, sw(1, &[2, 2], &[1, 1]), DispatchError::DuplicateUids);
    chain.assert_fails(&v1, sw(1, &[2, 9], &[1, 1]), DispatchError::UidVecContainInvalidOne);
    sudo_h(&mut chain, H::MaxWeightLimit(40_000));
    chain.assert_fails(&v1, sw(1, &[2, 3], &[3, 1]), DispatchError::MaxWeightExceeded);
    assert_eq!(chain.submit(&v1, sw(1, &[2, 3], &[1, 1])), Ok(()));
    chain
        .submit(&key("owner"), Call::SudoSetHyperparameter { netuid: NetUid(1), update: H::MinAllowedWeights(3) })
        .unwrap();
    chain.assert_fails(&v1, sw(1, &[2, 3], &[1, 1]), DispatchError::WeightVecLengthIsLow);
    sudo_h(&mut chain, H::WeightsSetRateLimit(100));
    chain.assert_fails(&v1, sw(1, &[0, 2, 3], &[1, 1, 1]), DispatchError::SettingWeightsTooFast);
    chain
        .submit(&key("owner"), Call::SudoSetHyperparameter { netuid: NetUid(1), update: H::WeightsVersionKey(5) })
        .unwrap();
    chain.assert_fails(&v1, sw(1, &[0, 2, 3], &[1, 1, 1]), DispatchError::IncorrectWeightVersionKey);
    chain.submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::StakeThreshold(1_000 * TAO) }).unwrap();
    chain.assert_fails(&v1, sw(1, &[0, 2, 3], &[1, 1, 1]), DispatchError::NotEnoughStakeToSetWeights);
    // The owner hotkey is exempt from the stake threshold and the permit.
    chain
        .submit(
            &key("owner"),
            Call::SudoSetHyperparameter { netuid: NetUid(1), update: H::CommitRevealWeightsEnabled(true) },
        )
        .unwrap();
    chain.assert_fails(&v1, sw(1, &[0, 2, 3], &[1, 1, 1]), DispatchError::CommitRevealEnabled);
}

#[test]
fn each_check_wins_over_every_later_one() {
    // Each call violates its check and every later one it can; the earlier check must be reported.
    let mut chain = setup();
    let v1 = key("v1");
    sudo_h(&mut chain, H::MaxWeightLimit(40_000));
    chain
        .submit(&key("owner"), Call::SudoSetHyperparameter { netuid: NetUid(1), update: H::MinAllowedWeights(3) })
        .unwrap();
    // no permit + duplicates + invalid uid + too short + over the max weight
    chain.assert_fails(&key("m1"), sw(1, &[2, 2], &[9, 1]), DispatchError::NeuronNoValidatorPermit);
    // duplicates + invalid uid + too short + over the max weight
    chain.assert_fails(&v1, sw(1, &[9, 9], &[9, 1]), DispatchError::DuplicateUids);
    // invalid uid + too short + over the max weight
    chain.assert_fails(&v1, sw(1, &[9, 2], &[9, 1]), DispatchError::UidVecContainInvalidOne);
    // too short + over the max weight
    chain.assert_fails(&v1, sw(1, &[3, 2], &[9, 1]), DispatchError::WeightVecLengthIsLow);
    // over the max weight only
    chain.assert_fails(&v1, sw(1, &[0, 3, 2], &[9, 1, 1]), DispatchError::MaxWeightExceeded);
    // Earlier group: rate limit beats the permit check, version beats rate limit, stake beats version.
    sudo_h(&mut chain, H::WeightsSetRateLimit(1000));
    chain.submit(&key("owner-hk"), sw(1, &[0, 2, 3], &[1, 1, 1])).unwrap();
    chain.assert_fails(&key("owner-hk"), sw(1, &[2, 2], &[9, 1]), DispatchError::SettingWeightsTooFast);
    chain
        .submit(&key("owner"), Call::SudoSetHyperparameter { netuid: NetUid(1), update: H::WeightsVersionKey(5) })
        .unwrap();
    chain.assert_fails(&key("owner-hk"), sw(1, &[2, 2], &[9, 1]), DispatchError::IncorrectWeightVersionKey);
    chain.submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::StakeThreshold(1_000 * TAO) }).unwrap();
    chain.assert_fails(&key("m1"), sw(1, &[2, 2], &[9, 1]), DispatchError::NotEnoughStakeToSetWeights);
    chain.assert_fails(&key("stranger"), sw(1, &[2, 2], &[9, 1]), DispatchError::HotKeyNotRegisteredInSubNet);
    chain.assert_fails(&v1, sw(1, &[0, 1, 2, 3, 3], &[9, 1, 1, 1, 1]), DispatchError::UidsLengthExceedUidsInSubNet);
    chain.assert_fails(&v1, sw(9, &[2, 2], &[9]), DispatchError::WeightVecNotEqualSize);
}

#[test]
fn owner_hotkey_is_exempt_from_threshold_and_permit() {
    let mut chain = setup();
    chain.submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::StakeThreshold(1_000 * TAO) }).unwrap();
    assert_eq!(chain.submit(&key("owner-hk"), sw(1, &[2, 3], &[1, 1])), Ok(()));
}

fn commit(hotkey: &str, uids: &[u16], values: &[u16], salt: &[u16]) -> Call {
    Call::CommitWeights {
        netuid: NetUid(1),
        commit_hash: weights_commit_hash(&acc(hotkey), NetUid(1), uids, values, salt, 0),
    }
}

fn reveal(uids: &[u16], values: &[u16], salt: &[u16]) -> Call {
    Call::RevealWeights {
        netuid: NetUid(1),
        uids: uids.to_vec(),
        values: values.to_vec(),
        salt: salt.to_vec(),
        version_key: 0,
    }
}

fn next_epoch(chain: &mut Chain) {
    let index = |c: &Chain| agora_runtime::state::SUBNET_EPOCH_INDEX.get(&c.state, &NetUid(1));
    let start = index(chain);
    while index(chain) == start {
        chain.advance(1);
    }
}

#[test]
fn commit_then_reveal_in_the_next_epoch() {
    let mut chain = setup();
    chain
        .submit(
            &key("owner"),
            Call::SudoSetHyperparameter { netuid: NetUid(1), update: H::CommitRevealWeightsEnabled(true) },
        )
        .unwrap();
    let v1 = key("v1");
    let c = commit("v1", &[2, 3], &[7, 3], &[1, 2, 3]);
    assert_eq!(chain.submit(&v1, c), Ok(()));
    assert_eq!(query::weight_commits(&chain.state, NetUid(1), &acc("v1")).len(), 1);
    chain.assert_fails(&v1, reveal(&[2, 3], &[7, 3], &[1, 2, 3]), DispatchError::RevealTooEarly);
    next_epoch(&mut chain);
    chain.assert_fails(&v1, reveal(&[2, 3], &[7, 3], &[9]), DispatchError::InvalidRevealCommitHashNotMatch);
    assert_eq!(chain.submit(&v1, reveal(&[2, 3], &[7, 3], &[1, 2, 3])), Ok(()));
    assert_eq!(query::weights(&chain.state, NetUid(1)), vec![(Uid(1), vec![(2, 65535), (3, 28086)])]);
    assert!(query::weight_commits(&chain.state, NetUid(1), &acc("v1")).is_empty());
    chain.assert_fails(&v1, reveal(&[2, 3], &[7, 3], &[1, 2, 3]), DispatchError::NoWeightsCommitFound);
}

#[test]
fn commit_reveal_error_paths() {
    let mut chain = setup();
    let v1 = key("v1");
    chain.assert_fails(&v1, commit("v1", &[2], &[1], &[1]), DispatchError::CommitRevealDisabled);
    chain.assert_fails(&v1, reveal(&[2], &[1], &[1]), DispatchError::CommitRevealDisabled);
    chain
        .submit(
            &key("owner"),
            Call::SudoSetHyperparameter { netuid: NetUid(1), update: H::CommitRevealWeightsEnabled(true) },
        )
        .unwrap();
    chain.assert_fails(
        &key("stranger"),
        commit("stranger", &[2], &[1], &[1]),
        DispatchError::HotKeyNotRegisteredInSubNet,
    );
    chain.assert_fails(&v1, reveal(&[2], &[1], &[1]), DispatchError::NoWeightsCommitFound);
    for i in 0..10u16 {
        assert_eq!(chain.submit(&v1, commit("v1", &[2], &[1], &[i])), Ok(()));
    }
    chain.assert_fails(&v1, commit("v1", &[2], &[1], &[99]), DispatchError::TooManyUnrevealedCommits);
    // Two epochs later every commit has expired.
    next_epoch(&mut chain);
    next_epoch(&mut chain);
    chain.assert_fails(&v1, reveal(&[2], &[1], &[0]), DispatchError::ExpiredWeightCommit);
    sudo_h(&mut chain, H::WeightsSetRateLimit(50));
    chain.advance(50);
    chain.submit(&v1, commit("v1", &[2], &[1], &[5])).unwrap();
    chain.assert_fails(&v1, commit("v1", &[2], &[1], &[6]), DispatchError::CommittingWeightsTooFast);
}

#[test]
fn a_registered_hotkey_sets_weights_and_serves_without_balance_others_pay_the_fee() {
    let mut chain = setup();
    chain
        .submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::TxFee(agora_primitives::Balance(10)) })
        .unwrap();
    assert_eq!(chain.balance(&acc("v1")), 0, "v1 holds no TAO");
    let serve = Call::ServeAxon {
        netuid: NetUid(1),
        version: 1,
        ip: u128::from(u32::from_be_bytes([10, 0, 0, 1])),
        port: 8091,
        ip_type: 4,
        protocol: 4,
        placeholder1: 0,
        placeholder2: 0,
    };
    for call in [sw(1, &[2, 3], &[1, 1]), serve.clone()] {
        assert_eq!(agora_runtime::fee_for(&chain.state, &acc("v1"), &call), 0);
        let tx = chain.tx(&key("v1"), call);
        assert_eq!(agora_runtime::validate_transaction(&chain.state, &tx.clone().into()), Ok(()));
        let outcome = chain.block(&[tx]);
        assert_eq!((outcome.receipts[0].result, outcome.receipts[0].fee.0), (Ok(()), 0));
    }
    // Not registered on subnet 1: the fee applies, so an empty key cannot send them.
    assert_eq!(agora_runtime::fee_for(&chain.state, &acc("stranger"), &serve), 10);
    let tx = chain.tx(&key("stranger"), serve);
    assert!(matches!(
        agora_runtime::validate_transaction(&chain.state, &tx.into()),
        Err(agora_runtime::TransactionError::CannotPayFee { .. })
    ));
    // Other calls pay, registered or not.
    assert_eq!(agora_runtime::fee_for(&chain.state, &acc("v1"), &Call::StartCall { netuid: NetUid(1) }), 10);
}

#[test]
fn a_failing_free_call_pays_the_fee_or_is_not_includable() {
    let mut chain = setup();
    chain
        .submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::TxFee(agora_primitives::Balance(10)) })
        .unwrap();
    let bad = sw(1, &[99], &[1]); // no uid 99
    let tx = chain.tx(&key("v1"), bad.clone());
    let runs: agora_runtime::Transaction = tx.clone().into();
    assert_eq!(agora_runtime::validate_transaction(&chain.state, &runs), Ok(()), "free up front");
    let refused = agora_runtime::dry_run(&chain.state, &runs).unwrap_err();
    assert_eq!(
        refused,
        agora_runtime::TransactionError::FreeCallFails { error: DispatchError::UidVecContainInvalidOne, fee: 10 }
    );
    assert!(refused.to_string().contains("UidVecContainInvalidOne"));
    let input = agora_runtime::BlockInput {
        height: BlockNumber(chain.height + 1),
        timestamp_ms: 0,
        author: None,
        transactions: std::slice::from_ref(&runs),
    };
    assert!(matches!(
        agora_runtime::execute_block(&chain.state, &input),
        Err(agora_runtime::BlockError::InvalidTransaction {
            error: agora_runtime::TransactionError::FreeCallFails { .. },
            ..
        })
    ));
    // With a balance, the failing call is included and pays the block author; a succeeding one
    // stays free.
    chain.submit(&key("alice"), Call::Transfer { dest: acc("v1"), amount: agora_primitives::Balance(1_000) }).unwrap();
    chain.author = Some(acc("author"));
    let outcome = chain.block(&[chain.tx(&key("v1"), bad)]);
    assert_eq!(outcome.receipts[0].result, Err(DispatchError::UidVecContainInvalidOne));
    assert_eq!((outcome.receipts[0].fee.0, chain.balance(&acc("v1"))), (10, 990));
    assert_eq!(chain.balance(&acc("author")), 10, "the fee went to the author");
    let outcome = chain.block(&[chain.tx(&key("v1"), sw(1, &[2], &[1]))]);
    assert_eq!((outcome.receipts[0].result, outcome.receipts[0].fee.0), (Ok(()), 0));
    assert_eq!(chain.balance(&acc("v1")), 990);
}
