//! The scenario format.
//!
//! ```json
//! {
//!   "hyperparameters": { "tempo": 1, "kappa": 32767, "yuma3": false },
//!   "emission": 1000000000,
//!   "auto_epochs": false,
//!   "neurons": [ { "stake": 1 }, { "stake": 2, "registered_at": 0 }, { "stake": 0 } ],
//!   "steps": [
//!     { "epoch": {} },
//!     { "block": 2 },
//!     { "set_weights": { "uid": 0, "weights": [[1, 16383], [2, 32767]] } },
//!     { "register": { "replace_uid": 2 } },
//!     { "reset_bonds": { "uid": 2 } },
//!     { "epoch": { "pay": true } }
//!   ]
//! }
//! ```
//!
//! - `hyperparameters`: any subnet hyperparameter by its reference name. Omitted ones take the
//!   values a new subnet gets, except `weights_rate_limit` (0 here). `activity_cutoff` in blocks
//!   replaces the factor rule when given.
//! - `emission` (rao): what each `epoch` step distributes.
//! - `neurons`: in uid order; `stake` (rao) is placed at genesis on the neuron's hotkey for its own
//!   coldkey; `registered_at` sets its registration block and last update (default 0).
//! - `auto_epochs` (default false): let the tempo schedule epochs, paying block emission as the
//!   chain does; otherwise epochs run only at `epoch` steps.
//! - `steps`, in order: `block` (move to that block), `set_weights` (a real signed call by that
//!   uid's hotkey), `register` (replace a uid as pruning does), `reset_bonds`, `epoch` (optionally
//!   `{"pay": true}`), and the Agora extension `move_stake`
//!   (`{"move_stake": {"from_uid": 2, "to_uid": 1, "amount": 100}}`: real `remove_stake` and
//!   `add_stake` calls by `from_uid`'s coldkey).
//!
//! Unknown keys anywhere are an error that names the key.

use agora_runtime::hyperparams::SubnetHyperparams;
use serde::{Deserialize, Serialize};

use crate::error::SimError;

/// A neuron at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeuronSpec {
    /// Stake in rao on the neuron's own hotkey.
    pub stake: u64,
    /// Registration block (and last update); default 0.
    #[serde(default)]
    pub registered_at: u64,
}

/// One step of a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Move the chain to this block.
    Block(u64),
    /// Submit `set_weights` for `uid`.
    SetWeights {
        /// Setter.
        uid: u16,
        /// `(target uid, weight)` pairs.
        weights: Vec<(u16, u16)>,
    },
    /// Replace the neuron at `replace_uid` with a fresh hotkey.
    Register {
        /// The uid to replace.
        replace_uid: u16,
    },
    /// Move stake between neurons with real `remove_stake` + `add_stake` calls signed by the
    /// source neuron's coldkey (an Agora extension, for stake-merging cases).
    MoveStake {
        /// Neuron whose coldkey unstakes from its own hotkey.
        from_uid: u16,
        /// Neuron whose hotkey receives the stake (nominated by the source coldkey).
        to_uid: u16,
        /// Amount in rao.
        amount: u64,
    },
    /// Remove every bond to `uid` (when the subnet has `bonds_reset` on).
    ResetBonds {
        /// The miner whose bonds are reset.
        uid: u16,
    },
    /// Run the epoch now.
    Epoch {
        /// Also pay the emission into stake.
        #[serde(default)]
        pay: bool,
    },
}

/// A whole scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Subnet hyperparameters.
    pub hyperparameters: SubnetHyperparams,
    /// Emission per `epoch` step (rao).
    pub emission: u64,
    /// Neurons in uid order.
    pub neurons: Vec<NeuronSpec>,
    /// Steps.
    pub steps: Vec<Step>,
    /// Let the tempo schedule epochs.
    #[serde(default)]
    pub auto_epochs: bool,
}

impl Scenario {
    /// Parses a scenario from JSON, applying the scenario defaults and checking uids.
    pub fn from_json(text: &str) -> Result<Scenario, SimError> {
        let mut value: serde_json::Value = serde_json::from_str(text).map_err(|e| SimError::Parse(e.to_string()))?;
        // Scenarios default `weights_rate_limit` to 0 (the chain's default is 100 blocks).
        if let Some(h) = value.get_mut("hyperparameters").and_then(|h| h.as_object_mut()) {
            h.entry("weights_rate_limit").or_insert(serde_json::Value::from(0));
        }
        let scenario: Scenario = serde_json::from_value(value).map_err(|e| SimError::Parse(e.to_string()))?;
        scenario.check()?;
        Ok(scenario)
    }

    /// Hyperparameters the subnet starts with (`hyperparameters` is already complete after parse).
    pub fn hyperparams(&self) -> &SubnetHyperparams {
        &self.hyperparameters
    }

    fn check(&self) -> Result<(), SimError> {
        let n = self.neurons.len();
        if n == 0 {
            return Err(SimError::Invalid("`neurons` is empty".into()));
        }
        if n > usize::from(self.hyperparameters.max_allowed_uids) {
            return Err(SimError::Invalid(format!(
                "{n} neurons but max_allowed_uids is {}",
                self.hyperparameters.max_allowed_uids
            )));
        }
        let uid_in_range = |step: usize, what: &str, uid: u16| {
            if usize::from(uid) < n {
                Ok(())
            } else {
                Err(SimError::Step { step, what: what.into(), message: format!("uid {uid} out of range (n = {n})") })
            }
        };
        let mut block = 1u64;
        for (i, step) in self.steps.iter().enumerate() {
            let at = i + 1;
            match step {
                Step::Block(b) => {
                    if *b < block {
                        return Err(SimError::Step {
                            step: at,
                            what: "block".into(),
                            message: format!("block {b} is before the current block {block}"),
                        });
                    }
                    block = *b;
                }
                Step::SetWeights { uid, .. } => uid_in_range(at, "set_weights", *uid)?,
                Step::Register { replace_uid } => uid_in_range(at, "register", *replace_uid)?,
                Step::ResetBonds { uid } => uid_in_range(at, "reset_bonds", *uid)?,
                Step::MoveStake { from_uid, to_uid, .. } => {
                    uid_in_range(at, "move_stake", *from_uid)?;
                    uid_in_range(at, "move_stake", *to_uid)?;
                }
                Step::Epoch { .. } => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        r#"{"hyperparameters": {"tempo": 1}, "emission": 10, "neurons": [{"stake": 1}], "steps": [{"epoch": {}}]}"#;

    #[test]
    fn defaults_apply() {
        let s = Scenario::from_json(MINIMAL).unwrap();
        assert_eq!(s.hyperparameters.weights_rate_limit, 0);
        assert_eq!(s.hyperparameters.kappa, 32767);
        assert_eq!(s.steps, vec![Step::Epoch { pay: false }]);
        assert!(!s.auto_epochs);
    }

    #[test]
    fn unknown_keys_are_named() {
        for (text, key) in [
            (MINIMAL.replace("\"emission\"", "\"emision\""), "emision"),
            (MINIMAL.replace("\"tempo\"", "\"tempoo\""), "tempoo"),
            (MINIMAL.replace("{\"stake\": 1}", "{\"stake\": 1, \"colour\": 2}"), "colour"),
            (MINIMAL.replace("{\"epoch\": {}}", "{\"epoch\": {\"paid\": true}}"), "paid"),
            (MINIMAL.replace("{\"epoch\": {}}", "{\"jump\": 3}"), "jump"),
        ] {
            let err = Scenario::from_json(&text).unwrap_err().to_string();
            assert!(err.contains(key), "{err} should name {key}");
        }
    }

    #[test]
    fn uids_and_blocks_are_checked() {
        let bad = MINIMAL.replace("{\"epoch\": {}}", "{\"set_weights\": {\"uid\": 4, \"weights\": []}}");
        assert!(Scenario::from_json(&bad).unwrap_err().to_string().contains("uid 4 out of range"));
        let bad = MINIMAL.replace("{\"epoch\": {}}", "{\"block\": 5}, {\"block\": 3}");
        assert!(Scenario::from_json(&bad).unwrap_err().to_string().contains("before the current block"));
        assert!(matches!(Scenario::from_json("{"), Err(SimError::Parse(_))));
    }
}
