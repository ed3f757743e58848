//! What each step does, checked on small scenarios.

use agora_sim::{Scenario, run};

fn scenario(steps: &str, extra: &str) -> Scenario {
    let yuma = if extra.contains("yuma3") { "" } else { r#""yuma3": false,"# };
    let text = format!(
        r#"{{"hyperparameters": {{"tempo": 1, {yuma} "commit_reveal": false, "max_allowed_uids": 8,
             "min_allowed_weights": 0, "immunity_period": 0 {extra}}},
            "emission": 1000000000,
            "neurons": [{{"stake": 1000000000}}, {{"stake": 1000000000}}, {{"stake": 0}}, {{"stake": 0}}],
            "steps": {steps}}}"#
    );
    Scenario::from_json(&text).unwrap()
}

#[test]
fn genesis_neurons_hold_no_permit_until_the_first_epoch() {
    let err = run(&scenario(r#"[{"set_weights": {"uid": 0, "weights": [[2, 1]]}}]"#, "")).unwrap_err();
    assert!(err.to_string().contains("NeuronNoValidatorPermit"), "{err}");
    let ok = run(&scenario(r#"[{"epoch": {}}, {"set_weights": {"uid": 0, "weights": [[2, 1]]}}, {"epoch": {}}]"#, ""))
        .unwrap();
    assert!(ok.epochs[1].validator_permit[0]);
    assert_eq!(ok.epochs[1].incentive[2], 65535);
}

#[test]
fn emission_output_is_the_stored_pruning_score() {
    let steps = r#"[{"epoch": {}}, {"set_weights": {"uid": 0, "weights": [[2, 1]]}},
                   {"set_weights": {"uid": 1, "weights": [[2, 1]]}}, {"epoch": {}}, {"epoch": {"pay": true}}]"#;
    let result = run(&scenario(steps, "")).unwrap();
    // A paying epoch takes the owner cut first (⌊1 TAO · 11796/65535⌋ in I96F32) and runs Yuma on the rest.
    let owner_cut = ((1_000_000_000u128 * ((11_796u128 << 32) / 65_535)) >> 32) as u64;
    for (e, distributed) in [(&result.epochs[1], 1_000_000_000u64), (&result.epochs[2], 1_000_000_000 - owner_cut)] {
        // Half to the miner, half to the two equal validators; only truncation dust is missing.
        assert!(e.emission[2].abs_diff(distributed / 2) < 2, "{:?}", e.emission);
        assert!(e.emission[0].abs_diff(distributed / 4) < 2 && e.emission[1].abs_diff(distributed / 4) < 2);
        assert_eq!(e.emission[3], 0);
        let total: u64 = e.emission.iter().sum();
        assert!(total <= distributed && total > distributed - 4, "{total}");
    }
}

#[test]
fn register_replaces_a_uid_like_pruning() {
    let steps = r#"[{"epoch": {}}, {"set_weights": {"uid": 0, "weights": [[2, 1], [3, 1]]}}, {"epoch": {}},
                   {"block": 5}, {"register": {"replace_uid": 2}}, {"epoch": {}}]"#;
    let result = run(&scenario(steps, "")).unwrap();
    let before = &result.epochs[1];
    let after = &result.epochs[2];
    assert!(before.bonds[0][2] > 0, "validator 0 bonded to uid 2");
    // The weight to the new uid 2 was set before it registered: ignored, so no incentive and no bond.
    assert_eq!(after.incentive[2], 0);
    assert_eq!(after.bonds[0][2], 0);
    assert_eq!(after.incentive[3], 65535);
}

#[test]
fn reset_bonds_needs_the_hyperparameter() {
    // Each epoch at its own block: at block 1 the recently-registered mask (block − tempo ≤ the
    // miner's registration block 0) would drop every bond.
    let steps = r#"[{"epoch": {}}, {"set_weights": {"uid": 0, "weights": [[2, 1]]}}, {"block": 2}, {"epoch": {}},
                   {"block": 3}, {"reset_bonds": {"uid": 2}}, {"epoch": {}}]"#;
    // Yuma3 bonds with α = 0.1: 0.1 after one epoch, 0.19 after two, back to 0.1 after a reset.
    let off = run(&scenario(steps, r#", "yuma3": true"#)).unwrap();
    let on = run(&scenario(steps, r#", "yuma3": true, "bonds_reset": true"#)).unwrap();
    assert_eq!(off.epochs[1].bonds[0][2], 6553);
    assert_eq!(off.epochs[2].bonds[0][2], 12451);
    assert_eq!(on.epochs[2].bonds[0][2], 6553);
}

#[test]
fn auto_epochs_follow_the_tempo_and_pay_block_emission() {
    let text = r#"{"hyperparameters": {"tempo": 3, "yuma3": false, "commit_reveal": false, "max_allowed_uids": 8},
        "emission": 0, "auto_epochs": true,
        "neurons": [{"stake": 1000000000}, {"stake": 0}],
        "steps": [{"block": 12}]}"#;
    let result = run(&Scenario::from_json(text).unwrap()).unwrap();
    let blocks: Vec<u64> = result.epochs.iter().map(|e| e.block.get()).collect();
    assert_eq!(blocks, vec![3, 6, 9, 12]);
    // Each epoch drained 3 blocks of 1 TAO: the validator gets it all (no weights yet) minus the owner cut.
    assert!(result.epochs[1].emission[0] > 2_000_000_000);
}

#[test]
fn move_stake_uses_real_calls() {
    let steps = r#"[{"epoch": {}}, {"move_stake": {"from_uid": 1, "to_uid": 0, "amount": 1000000000}}, {"epoch": {}}]"#;
    let result = run(&scenario(steps, "")).unwrap();
    assert!(!result.epochs[1].validator_permit[1], "uid 1 has no stake left");
    let too_much = r#"[{"move_stake": {"from_uid": 1, "to_uid": 0, "amount": 2000000000}}]"#;
    let err = run(&scenario(too_much, "")).unwrap_err();
    assert!(err.to_string().contains("NotEnoughStakeToWithdraw"), "{err}");
}
