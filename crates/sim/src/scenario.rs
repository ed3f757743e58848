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
//! Dynamic TAO (an `economy` of `"dynamic"`; every key below is optional and ignored otherwise):
//!
//! ```json
//! {
//!   "economy": "dynamic",
//!   "pool": { "tao": 1000000000, "alpha": 4000000000, "w2": 500000000000000000, "moving_price": 0 },
//!   "fee_rate": 33, "minimum_reserve": 100, "tao_weight": 0,
//!   "neurons": [ { "stake": 0, "balance": 900000000000 } ],
//!   "steps": [
//!     { "swap": { "direction": "tao_for_alpha", "amount": 123456 } },
//!     { "add_stake": { "uid": 0, "amount": 900000000000, "limit_price": 24000000000, "allow_partial": true } },
//!     { "remove_stake": { "uid": 0, "alpha": 1000000000 } },
//!     { "run_blocks": { "n": 10 } }
//!   ]
//! }
//! ```
//!
//! - `pool`: the subnet's pool at genesis (rao; `w2` is the TAO weight in parts per 10¹⁸, default
//!   ½; `moving_price` in rao per alpha, default 0). `fee_rate` is parts of 65,535; `tao_weight`
//!   parts of `u64::MAX`. A neuron's `stake` buys alpha through the pool at genesis, fee-free;
//!   its `balance` is its coldkey's free TAO.
//! - `add_stake` / `remove_stake`: real signed `add_stake_limit` / `remove_stake_limit` calls by
//!   the uid's coldkey on the hotkey of `to_uid` (default: its own), without a limit unless
//!   `limit_price` (rao per alpha) is given. A failed call is recorded with its error name and
//!   the scenario goes on.
//! - `run_blocks`: `n` real blocks (emission, price EMA, epochs).
//! - `swap`: the harness step of the reference's swap tests: what the pool would give, without
//!   changing anything (`drop_fees` optional).
//!
//! Every step of a dynamic scenario adds a record to the output's `steps` (pool, stakes per uid,
//! pending emission, and the swap's result or the call's error).
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
    /// Free TAO of the neuron's coldkey at genesis (rao); default 0.
    #[serde(default)]
    pub balance: u64,
}

/// Which way a `swap` step goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SwapDirection {
    /// TAO in, alpha out.
    TaoForAlpha,
    /// Alpha in, TAO out.
    AlphaForTao,
}

/// A dynamic subnet's pool at genesis (rao): the runtime's genesis pool, `{tao, alpha, w2?,
/// moving_price?}`.
pub use agora_runtime::genesis::GenesisPool as PoolSpec;

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
    /// Move stake between neurons, signed by the source neuron's coldkey: in the TAO era real
    /// `remove_stake` + `add_stake` calls (an Agora extension, for stake-merging cases); in dynamic
    /// TAO one `move_stake` call, `amount` being alpha.
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
    /// Dynamic TAO: stake TAO (`add_stake_limit` by the uid's coldkey).
    AddStake {
        /// Whose coldkey pays.
        uid: u16,
        /// Hotkey staked on (default: the uid's own).
        #[serde(default)]
        to_uid: Option<u16>,
        /// TAO (rao).
        amount: u64,
        /// Highest price, rao per alpha (default: no limit).
        #[serde(default)]
        limit_price: Option<u64>,
        /// Execute what fits under the limit.
        #[serde(default)]
        allow_partial: bool,
    },
    /// Dynamic TAO: unstake alpha (`remove_stake_limit` by the uid's coldkey).
    RemoveStake {
        /// Whose coldkey receives the TAO.
        uid: u16,
        /// Hotkey unstaked from (default: the uid's own).
        #[serde(default)]
        to_uid: Option<u16>,
        /// Alpha (rao).
        alpha: u64,
        /// Lowest price, rao per alpha (default: no limit).
        #[serde(default)]
        limit_price: Option<u64>,
        /// Execute what fits over the limit.
        #[serde(default)]
        allow_partial: bool,
    },
    /// Dynamic TAO: `transfer_stake` by the uid's coldkey, handing its stake on `hotkey_uid`'s
    /// hotkey (default its own) to `to_uid`'s coldkey, on the subnet or into root (`destination_netuid`
    /// 0).
    TransferStake {
        /// Whose coldkey gives.
        uid: u16,
        /// Whose coldkey receives.
        to_uid: u16,
        /// Hotkey the stake is on (default: the uid's own).
        #[serde(default)]
        hotkey_uid: Option<u16>,
        /// Alpha (rao).
        alpha: u64,
        /// Subnet the stake lands on (default: the scenario's subnet; 0 is root).
        #[serde(default)]
        destination_netuid: Option<u16>,
    },
    /// Dynamic TAO: `swap_stake` by the uid's coldkey between the scenario's subnet and root (0).
    SwapStake {
        /// Whose coldkey.
        uid: u16,
        /// Hotkey the stake is on (default: the uid's own).
        #[serde(default)]
        hotkey_uid: Option<u16>,
        /// Subnet the stake is on.
        origin_netuid: u16,
        /// Subnet it goes to.
        destination_netuid: u16,
        /// Alpha (rao).
        alpha: u64,
    },
    /// Dynamic TAO: `claim_root` on the scenario's subnet by the uid's coldkey.
    ClaimRoot {
        /// Whose coldkey claims.
        uid: u16,
    },
    /// Dynamic TAO: run `n` real blocks.
    RunBlocks {
        /// Blocks.
        n: u64,
    },
    /// Dynamic TAO: what a swap through the pool would give (nothing changes).
    Swap {
        /// Which way.
        direction: SwapDirection,
        /// Input amount (rao).
        amount: u64,
        /// Without the fee.
        #[serde(default)]
        drop_fees: bool,
    },
}

impl Step {
    /// The step's name in the scenario format.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Block(_) => "block",
            Step::SetWeights { .. } => "set_weights",
            Step::Register { .. } => "register",
            Step::MoveStake { .. } => "move_stake",
            Step::ResetBonds { .. } => "reset_bonds",
            Step::Epoch { .. } => "epoch",
            Step::AddStake { .. } => "add_stake",
            Step::RemoveStake { .. } => "remove_stake",
            Step::RunBlocks { .. } => "run_blocks",
            Step::Swap { .. } => "swap",
            Step::TransferStake { .. } => "transfer_stake",
            Step::SwapStake { .. } => "swap_stake",
            Step::ClaimRoot { .. } => "claim_root",
        }
    }
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
    /// The economy (`"tao"`, default, or `"dynamic"`).
    #[serde(default)]
    pub economy: agora_runtime::pools::Economy,
    /// Dynamic TAO: the subnet's pool at genesis (default 1,000 TAO against 1,000 alpha).
    #[serde(default)]
    pub pool: Option<PoolSpec>,
    /// Dynamic TAO: swap fee, parts of 65,535 (default 33).
    #[serde(default)]
    pub fee_rate: Option<u16>,
    /// Dynamic TAO: minimum pool reserve, rao (default 1,000,000).
    #[serde(default)]
    pub minimum_reserve: Option<u64>,
    /// Dynamic TAO: `TaoWeight`, parts of `u64::MAX` (default 0.18).
    #[serde(default)]
    pub tao_weight: Option<u64>,
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

    fn require_dynamic(&self, step: usize, what: &str) -> Result<(), SimError> {
        if self.economy == agora_runtime::pools::Economy::Dynamic {
            Ok(())
        } else {
            Err(SimError::Step { step, what: what.into(), message: "needs \"economy\": \"dynamic\"".into() })
        }
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
        // A scenario has one subnet (netuid 1) and root (0).
        let netuid_known = |step: usize, what: &str, netuid: u16| {
            if netuid <= 1 {
                Ok(())
            } else {
                Err(SimError::Step {
                    step,
                    what: what.into(),
                    message: format!("netuid {netuid} does not exist (a scenario has its subnet, 1, and root, 0)"),
                })
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
                Step::AddStake { uid, to_uid, .. } | Step::RemoveStake { uid, to_uid, .. } => {
                    self.require_dynamic(at, step.kind())?;
                    uid_in_range(at, step.kind(), *uid)?;
                    uid_in_range(at, step.kind(), to_uid.unwrap_or(*uid))?;
                }
                Step::RunBlocks { .. } | Step::Swap { .. } => self.require_dynamic(at, step.kind())?,
                Step::TransferStake { uid, to_uid, hotkey_uid, destination_netuid, .. } => {
                    self.require_dynamic(at, step.kind())?;
                    for u in [*uid, *to_uid, hotkey_uid.unwrap_or(*uid)] {
                        uid_in_range(at, step.kind(), u)?;
                    }
                    netuid_known(at, step.kind(), destination_netuid.unwrap_or(1))?;
                }
                Step::SwapStake { uid, hotkey_uid, origin_netuid, destination_netuid, .. } => {
                    self.require_dynamic(at, step.kind())?;
                    uid_in_range(at, step.kind(), *uid)?;
                    uid_in_range(at, step.kind(), hotkey_uid.unwrap_or(*uid))?;
                    netuid_known(at, step.kind(), *origin_netuid)?;
                    netuid_known(at, step.kind(), *destination_netuid)?;
                }
                Step::ClaimRoot { uid } => {
                    self.require_dynamic(at, step.kind())?;
                    uid_in_range(at, step.kind(), *uid)?;
                }
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
