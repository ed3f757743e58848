//! Bad scenarios: one clear error naming the problem, never a panic.

use agora_sim::{Scenario, SimError, run};

const GOOD: &str = r#"{"hyperparameters": {"tempo": 1, "commit_reveal": false, "max_allowed_uids": 8},
    "emission": 100, "neurons": [{"stake": 5}, {"stake": 0}], "steps": [{"epoch": {}}]}"#;

fn err(text: &str) -> String {
    match Scenario::from_json(text) {
        Err(e) => e.to_string(),
        Ok(s) => run(&s).unwrap_err().to_string(),
    }
}

#[test]
fn malformed_json() {
    assert!(err("{\"hyperparameters\": ").starts_with("invalid scenario:"));
    assert!(err("[]").starts_with("invalid scenario:"));
}

#[test]
fn unknown_keys_are_named() {
    assert!(err(&GOOD.replace("\"emission\"", "\"emissions\"")).contains("emissions"));
    assert!(err(&GOOD.replace("\"tempo\"", "\"tmpo\"")).contains("tmpo"));
    assert!(err(&GOOD.replace("{\"epoch\": {}}", "{\"epock\": {}}")).contains("epock"));
}

#[test]
fn missing_keys_are_named() {
    assert!(err(&GOOD.replace("\"emission\": 100,", "")).contains("emission"));
}

#[test]
fn uid_out_of_range_and_weights_on_a_missing_uid() {
    let out_of_range = GOOD.replace("{\"epoch\": {}}", "{\"set_weights\": {\"uid\": 7, \"weights\": [[1, 1]]}}");
    assert_eq!(err(&out_of_range), "step 1 (set_weights): uid 7 out of range (n = 2)");
    let missing_target =
        GOOD.replace("{\"epoch\": {}}", "{\"epoch\": {}}, {\"set_weights\": {\"uid\": 0, \"weights\": [[9, 1]]}}");
    let e = err(&missing_target);
    assert!(e.starts_with("step 2 (set_weights by uid 0): UidVecContainInvalidOne"), "{e}");
    let replace = GOOD.replace("{\"epoch\": {}}", "{\"register\": {\"replace_uid\": 2}}");
    assert!(err(&replace).contains("uid 2 out of range"));
}

#[test]
fn too_many_neurons_for_the_subnet() {
    let e = err(&GOOD.replace("\"max_allowed_uids\": 8", "\"max_allowed_uids\": 1"));
    assert!(e.contains("max_allowed_uids"), "{e}");
    assert!(matches!(
        Scenario::from_json(&GOOD.replace("[{\"stake\": 5}, {\"stake\": 0}]", "[]")),
        Err(SimError::Invalid(_))
    ));
}

#[test]
fn the_issues_example_hyperparameters_parse_verbatim() {
    let text = r#"{
      "hyperparameters": { "tempo": 1, "kappa": 32767, "bonds_penalty": 65535,
        "bonds_moving_average": 900000, "yuma3": false, "liquid_alpha": false,
        "alpha_low": 45875, "alpha_high": 58982, "alpha_sigmoid_steepness": 1000,
        "max_allowed_validators": 8, "max_allowed_uids": 8, "min_allowed_weights": 0,
        "max_weight_limit": 65535, "activity_cutoff": 5000, "immunity_period": 0,
        "weights_rate_limit": 0, "commit_reveal": false, "bonds_reset": false },
      "emission": 1000000000,
      "neurons": [ { "stake": 1 }, { "stake": 2 }, { "stake": 0 } ],
      "steps": [ { "epoch": {} }, { "block": 2 },
                 { "set_weights": { "uid": 0, "weights": [[1, 16383], [2, 32767]] } },
                 { "register": { "replace_uid": 2 } }, { "reset_bonds": { "uid": 2 } }, { "epoch": {} } ]
    }"#;
    let scenario = Scenario::from_json(text).unwrap();
    assert_eq!(scenario.hyperparameters.activity_cutoff, 5000);
    assert_eq!(scenario.hyperparameters.max_weight_limit, 65535);
    assert_eq!(run(&scenario).unwrap().epochs.len(), 2);
}
