//! Every shipped scenario runs, deterministically, with the shape the case promises.

use agora_sim::{Scenario, output, run};

use crate::scenarios_dir;

fn load(name: &str) -> Scenario {
    let text = std::fs::read_to_string(scenarios_dir().join(name)).unwrap();
    Scenario::from_json(&text).unwrap()
}

#[test]
fn every_shipped_scenario_runs_and_is_byte_stable() {
    let mut names: Vec<_> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 16, "8 cases × 2 variants, got {names:?}");
    for name in names {
        let scenario = load(&name);
        let a = output::to_json(&run(&scenario).unwrap_or_else(|e| panic!("{name}: {e}")));
        let b = output::to_json(&run(&scenario).unwrap());
        assert_eq!(a, b, "{name} is not deterministic");
        assert!(a.starts_with("{\"epochs\":[{\"block\":"), "{name}");
    }
}

#[test]
fn kappa_moves_first_ends_with_all_incentive_on_server_2() {
    for variant in ["classic", "yuma3"] {
        let result = run(&load(&format!("kappa_moves_first.{variant}.json"))).unwrap();
        assert_eq!(result.epochs.len(), 41);
        // Epoch 2 (case epoch 0): everyone on server 1 (uid 3).
        assert_eq!(result.epochs[1].incentive[3], 65535, "{variant}");
        let last = result.epochs.last().unwrap();
        assert_eq!(last.incentive[4], 65535, "{variant}");
        assert_eq!(last.incentive[3], 0, "{variant}");
        // The big validator (80 % of stake) earns the most dividends.
        assert!(last.dividends[0] > last.dividends[1] && last.dividends[0] > last.dividends[2], "{variant}");
    }
}

#[test]
fn one_epoch_switch_is_forgiven_quickly() {
    let result = run(&load("one_epoch_switch.classic.json")).unwrap();
    // Case epoch 20 is record 21: validator 2 moved alone, so server 1 keeps all consensus.
    let switch = &result.epochs[21];
    assert_eq!(switch.incentive[3], 65535);
    assert_eq!(switch.incentive[4], 0);
}

#[test]
fn clipping_demo_clips_the_outvoted_share() {
    let result = run(&load("clipping_demo.classic.json")).unwrap();
    let e = &result.epochs[10];
    // Consensus on server 1 sits at the stake-weighted median weight, below the small validator's.
    assert!(e.consensus[3] > 0 && e.consensus[4] > 0);
    assert!(e.validator_trust[2] < e.validator_trust[0].max(e.validator_trust[1]));
}

#[test]
fn merged_validator_loses_its_permit_and_dividends() {
    let result = run(&load("small_validators_merge.classic.json")).unwrap();
    let last = result.epochs.last().unwrap();
    assert!(!last.validator_permit[2]);
    assert_eq!(last.dividends[2], 0);
    assert!(last.dividends[1] > 0);
}

#[test]
fn bonds_reset_clears_the_miners_column() {
    // Yuma3 stores absolute bonds (classic ones are column-max-upscaled, which hides a reset).
    let result = run(&load("bonds_reset.yuma3.json")).unwrap();
    // Case epoch 20 (record 21) resets server 2's (uid 4) bonds before its epoch: every validator
    // still weighting it buys back only one epoch's worth, α·w = 0.1.
    let before = &result.epochs[20];
    let after = &result.epochs[21];
    for v in 0..3 {
        assert!(before.bonds[v][4] > 50_000, "{}", before.bonds[v][4]);
        assert_eq!(after.bonds[v][4], 6553);
    }
}
