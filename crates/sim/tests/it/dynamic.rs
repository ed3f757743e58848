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

/// `move_stake`, `transfer_stake`, `swap_stake` and `claim_root` steps run the real calls: a move
/// between hotkeys leaves the pool alone, a transfer changes only who owns the stake, a swap into
/// root sells through the pool, and a refused call is recorded by its reference name.
#[test]
fn stake_moves_run_the_real_calls() {
    let result = run(&load("stake_moves.json")).unwrap();
    let kinds: Vec<&str> = result.steps.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["move_stake", "transfer_stake", "swap_stake", "swap_stake", "claim_root"]);
    let errors: Vec<Option<&str>> = result.steps.iter().map(|s| s.error.as_deref()).collect();
    assert_eq!(errors, [None, None, None, Some("SameNetuid"), None]);
    let stakes = |i: usize| (result.steps[i].stakes[0].alpha, result.steps[i].stakes[1].alpha);
    let (moved0, moved1) = stakes(0);
    assert!(moved0 > moved1 && moved0 - moved1 > 39_000_000_000, "{moved0} {moved1}");
    assert_eq!(stakes(1), stakes(0), "a transfer keeps the stake on the same hotkey");
    assert_eq!(result.steps[1].pool.price_rao, result.steps[0].pool.price_rao);
    let (_, swapped1) = stakes(2);
    assert_eq!(moved1 - swapped1, 30_000_000_000);
    assert!(result.steps[2].pool.price_rao < result.steps[1].pool.price_rao, "the sale lowered the price");
    assert_eq!(stakes(3), stakes(2));
}
