//! Dynamic TAO scenarios (`scenarios/dtao/`) reproduce the reference's vectors (spec `dtao.md`
//! §8): 2 (`test_swap_basic`), 3 (the 1000× input cap) and 5 (`test_add_stake_limit_ok`).

use agora_sim::{Scenario, output, run};

use crate::scenarios_dir;

fn load(name: &str) -> Scenario {
    let text = std::fs::read_to_string(scenarios_dir().join("dtao").join(name)).unwrap();
    Scenario::from_json(&text).unwrap()
}

#[test]
fn vector_2_swap_basic() {
    let result = run(&load("swap_basic.json")).unwrap();
    let swaps: Vec<(u64, u64, u64)> = result
        .steps
        .iter()
        .map(|s| s.swap.as_ref().map(|w| (w.paid_in, w.paid_out, w.fee)).expect("a swap result"))
        .collect();
    assert_eq!(
        swaps,
        vec![
            (1_000, 3_999, 0),
            (123_394, 493_515, 62),
            (999_496_453, 1_999_496_326, 503_547),
            (1_000, 249, 0),
            (123_394, 30_847, 62),
        ]
    );
    // A swap step changes nothing.
    assert!(result.steps.iter().all(|s| s.pool.tao == 1_000_000_000 && s.pool.alpha_in == 4_000_000_000));
    let charts = agora_sim::chart::charts(&result);
    assert!(charts.iter().any(|(name, svg)| *name == "pool.svg" && svg.contains("price (max")));
    let json = output::to_json(&result);
    assert!(json.contains("\"steps\":[{\"index\":1,\"kind\":\"swap\""), "{json}");
}

#[test]
fn vector_3_the_input_is_capped_at_1000_times_the_reserve() {
    let result = run(&load("swap_input_cap.json")).unwrap();
    let errors: Vec<Option<&str>> = result.steps.iter().map(|s| s.error.as_deref()).collect();
    assert_eq!(errors, vec![Some("SwapInputTooLarge"), None, Some("SwapInputTooLarge")]);
}

#[test]
fn vector_5_add_stake_limit_ok() {
    let result = run(&load("add_stake_limit.json")).unwrap();
    let first = &result.steps[0];
    assert_eq!(first.error, None);
    let staked = first.stakes[0].alpha;
    assert!(staked.abs_diff(75_000_000_000) <= 75_000_000, "{staked}");
    assert!(first.pool.price_rao.abs_diff(24_000_000_000) <= 24_000_000, "{}", first.pool.price_rao);
    // At the limit already: all or nothing fails by name, and the scenario goes on.
    assert_eq!(result.steps[1].error.as_deref(), Some("PriceLimitExceeded"));
    assert_eq!(result.steps[2].error, None);
    assert!(result.steps[2].stakes[0].alpha < staked);
    // Real blocks moved the chain on.
    assert_eq!(result.steps[3].block, result.steps[2].block + 3);
}

#[test]
fn dynamic_steps_need_a_dynamic_economy() {
    let text = r#"{"hyperparameters": {"max_allowed_uids": 8}, "emission": 0, "neurons": [{"stake": 0}],
        "steps": [{"swap": {"direction": "tao_for_alpha", "amount": 5}}]}"#;
    let err = Scenario::from_json(text).unwrap_err().to_string();
    assert!(err.contains("needs \"economy\": \"dynamic\""), "{err}");
}
