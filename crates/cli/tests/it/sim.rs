//! `agora sim run`.

use crate::{agora, repo_file, temp_dir};

#[test]
fn json_output_is_one_document_and_stable() {
    let scenario = repo_file("scenarios/kappa_moves_first.classic.json");
    let a = agora(&["sim", "run", &scenario, "--json"]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(doc["epochs"].as_array().unwrap().len(), 41);
    for key in [
        "block",
        "consensus",
        "incentive",
        "dividends",
        "validator_trust",
        "emission",
        "validator_permit",
        "active",
        "bonds",
    ] {
        assert!(doc["epochs"][0].get(key).is_some(), "missing {key}");
    }
    let b = agora(&["sim", "run", &scenario, "--json"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn table_output_by_default() {
    let out = agora(&["sim", "run", &repo_file("scenarios/stable_miner.yuma3.json")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("epoch 41 (block 41)"));
    assert!(text.contains("dividends"));
}

#[test]
fn charts_are_written() {
    let dir = temp_dir("charts");
    let out = agora(&["sim", "run", &repo_file("scenarios/bonds_reset.yuma3.json"), "--chart", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for name in ["dividends.svg", "incentive.svg", "bonds.svg"] {
        let svg = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<polyline"), "{name}");
    }
}

#[test]
fn bad_scenarios_exit_2_with_one_line() {
    let dir = temp_dir("bad");
    let cases = [
        (
            "unknown.json",
            r#"{"hyperparameters": {}, "emission": 1, "neurons": [{"stake": 1}], "steps": [], "colour": 1}"#,
            "colour",
        ),
        ("malformed.json", "{ not json", "invalid scenario"),
        (
            "range.json",
            r#"{"hyperparameters": {}, "emission": 1, "neurons": [{"stake": 1}], "steps": [{"register": {"replace_uid": 3}}]}"#,
            "uid 3 out of range",
        ),
    ];
    for (name, text, needle) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = agora(&["sim", "run", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.starts_with("agora: error: ") && stderr.contains(needle), "{name}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    let missing = agora(&["sim", "run", "/nonexistent/scenario.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read /nonexistent/scenario.json"));
}

#[test]
fn usage_errors_are_reported_by_clap() {
    let out = agora(&["sim", "runn"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run"), "suggests the right subcommand");
}
