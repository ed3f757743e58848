//! Genesis configuration: formats, validation, issuance.

use agora_primitives::Balance;
use agora_runtime::genesis::{GenesisKeys, GenesisNeuron, GenesisStake};
use agora_runtime::{GenesisConfig, GenesisError, query};

use crate::common::*;

#[test]
fn issuance_is_the_sum_of_balances_and_stakes() {
    let mut config = base_config();
    config.stakes.push(GenesisStake { coldkey: acc("alice"), hotkey: acc("owner-hk"), netuid: 1, amount: tao(7) });
    let chain = Chain::new(&config);
    let info = query::chain_info(&chain.state);
    assert_eq!(info.total_issuance.rao(), 6 * 10_000 * TAO + 7 * TAO);
    assert_eq!(info.total_stake, tao(7));
    assert_eq!(info.chain_id, "agora-test");
    assert_eq!(info.genesis_hash, Some(chain.genesis_hash));
}

#[test]
fn json_and_toml_parse_to_the_same_genesis() {
    let alice = acc("alice");
    let hk = acc("alice-hk");
    let json = format!(
        r#"{{"chain_id": "x", "balances": {{"{alice}": 5000}},
            "subnets": [{{"netuid": 1, "owner": "{alice}", "owner_hotkey": "{hk}", "hyperparameters": {{"tempo": 7}}}}],
            "stakes": [{{"coldkey": "{alice}", "hotkey": "{hk}", "netuid": 1, "amount": 3000000}}]}}"#
    );
    let toml = format!(
        r#"chain_id = "x"
[balances]
"{alice}" = 5000
[[subnets]]
netuid = 1
owner = "{alice}"
owner_hotkey = "{hk}"
hyperparameters = {{ tempo = 7 }}
[[stakes]]
coldkey = "{alice}"
hotkey = "{hk}"
netuid = 1
amount = 3000000
"#
    );
    let a = GenesisConfig::from_json(&json).unwrap();
    let b = GenesisConfig::from_toml(&toml).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.subnets[0].hyperparameters.tempo, 7);
    assert!(a.subnets[0].started, "genesis subnets start by default");
    assert_eq!(a.build().unwrap().genesis_hash, b.build().unwrap().genesis_hash);
}

#[test]
fn bad_genesis_files_are_rejected_with_a_reason() {
    let unknown = GenesisConfig::from_json(r#"{"chain_id": "x", "balance": {}}"#).unwrap_err();
    assert!(unknown.to_string().contains("balance"), "{unknown}");
    let bad_address = GenesisConfig::from_json(r#"{"chain_id": "x", "balances": {"nope": 1}}"#).unwrap_err();
    assert!(bad_address.to_string().contains("nope"), "{bad_address}");

    let mut c = base_config();
    c.subnets[0].netuid = 0;
    assert!(matches!(c.build(), Err(GenesisError::BadNetuid(0))));

    let mut c = base_config();
    c.subnets[0].neurons.push(GenesisNeuron { hotkey: acc("owner-hk"), coldkey: acc("bob"), registered_at: 0 });
    assert!(matches!(c.build(), Err(GenesisError::HotkeyOwnedTwice { .. })));

    let mut c = base_config();
    c.stakes.push(GenesisStake { coldkey: acc("a"), hotkey: acc("ghost"), netuid: 1, amount: tao(1) });
    assert!(matches!(c.build(), Err(GenesisError::BadStake { .. })));

    let mut c = base_config();
    c.stakes.push(GenesisStake { coldkey: acc("a"), hotkey: acc("owner-hk"), netuid: 9, amount: tao(1) });
    assert!(matches!(c.build(), Err(GenesisError::BadStake { .. })));

    let mut c = base_config();
    c.balances.insert(acc("whale"), Balance(21_000_000 * TAO));
    assert!(matches!(c.build(), Err(GenesisError::IssuanceTooLarge)));

    let mut c = base_config();
    c.subnets[0].hyperparameters.max_allowed_uids = 1;
    c.subnets[0].neurons.push(GenesisNeuron { hotkey: acc("n"), coldkey: acc("bob"), registered_at: 0 });
    assert!(matches!(c.build(), Err(GenesisError::TooManyNeurons { .. })));

    for (edit, needle) in [
        ((|c: &mut GenesisConfig| c.params.max_epochs_per_block = 0) as fn(&mut GenesisConfig), "max_epochs_per_block"),
        (|c| c.params.default_take = 20_000, "default_take"),
        (|c| c.subnets[0].hyperparameters.max_allowed_uids = 300, "max_allowed_uids"),
        (|c| c.subnets[0].hyperparameters.min_burn = u64::MAX, "min_burn"),
        (|c| c.subnets[0].hyperparameters.alpha_low = 60_000, "alpha_low"),
        (|c| c.root.reveal_period_epochs = 0, "reveal_period_epochs"),
    ] {
        let mut c = base_config();
        edit(&mut c);
        match c.build() {
            Err(GenesisError::InvalidParameter(what)) => assert!(what.contains(needle), "{what}"),
            other => panic!("{needle}: expected InvalidParameter, got {other:?}"),
        }
    }

    let mut c = base_config();
    c.root.max_allowed_uids = 1;
    for name in ["r1", "r2"] {
        c.root_validators.push(GenesisKeys { hotkey: acc(name), coldkey: acc("bob") });
    }
    assert!(matches!(c.build(), Err(GenesisError::TooManyNeurons { netuid: 0, .. })));
}
