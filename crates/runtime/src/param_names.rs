//! Hyperparameters and chain-wide parameters by name: the table from the names users type (ours,
//! btcli's and the reference setters', e.g. `weights_rate_limit`, `weights_set_rate_limit`,
//! `sudo_set_weights_set_rate_limit`) to the [`HyperparameterUpdate`] and [`GlobalUpdate`] setters
//! defined in [`crate::call`]. Adding a setter there means adding its names here.

use agora_primitives::Balance;

use crate::call::{GlobalUpdate, HyperparameterUpdate};

/// Why a parameter name or value was not understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// No subnet hyperparameter has this name.
    #[error("{0} is not a subnet hyperparameter; see `agora sudo get --netuid N`")]
    UnknownHyperparameter(String),
    /// No chain-wide parameter has this name.
    #[error("{0} is not a chain-wide parameter; see `agora sudo get`")]
    UnknownGlobal(String),
    /// The value does not parse as the parameter's number type.
    #[error("{param}: {value:?} is not a valid {type_name}")]
    NotA {
        /// The parameter.
        param: String,
        /// The value given.
        value: String,
        /// The number type.
        type_name: &'static str,
    },
    /// The value is not one of the accepted forms.
    #[error("{param}: {value:?} is not {expected}")]
    BadValue {
        /// The parameter.
        param: String,
        /// The value given.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
}

fn parse<T: std::str::FromStr>(param: &str, value: &str) -> Result<T, ParamError> {
    value.trim().parse().map_err(|_| ParamError::NotA {
        param: param.into(),
        value: value.into(),
        type_name: std::any::type_name::<T>(),
    })
}

fn switch(param: &str, value: &str) -> Result<bool, ParamError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ParamError::BadValue { param: param.into(), value: value.into(), expected: "true or false" }),
    }
}

/// A subnet hyperparameter from its name (ours, btcli's or the setter's, with or without
/// `sudo_set_`, dashes or underscores) and a value as the chain stores it (rao, u16 proportions).
pub fn hyperparameter(param: &str, value: &str) -> Result<HyperparameterUpdate, ParamError> {
    use HyperparameterUpdate::*;
    let name = param.trim().trim_start_matches("sudo_set_").replace('-', "_");
    let p = name.as_str();
    Ok(match p {
        "serving_rate_limit" => ServingRateLimit(parse(p, value)?),
        "weights_version" | "weights_version_key" => WeightsVersionKey(parse(p, value)?),
        "immunity_period" => ImmunityPeriod(parse(p, value)?),
        "min_allowed_weights" => MinAllowedWeights(parse(p, value)?),
        "max_allowed_uids" | "max_n" => MaxAllowedUids(parse(p, value)?),
        "rho" => Rho(parse(p, value)?),
        "activity_cutoff" => ActivityCutoff(parse(p, value)?),
        "activity_cutoff_factor" | "activity_cutoff_factor_milli" => ActivityCutoffFactorMilli(parse(p, value)?),
        "min_burn" => MinBurn(Balance::from_rao(parse(p, value)?)),
        "max_burn" => MaxBurn(Balance::from_rao(parse(p, value)?)),
        "bonds_moving_avg" | "bonds_moving_average" => BondsMovingAverage(parse(p, value)?),
        "bonds_penalty" => BondsPenalty(parse(p, value)?),
        "commit_reveal_weights_enabled" | "commit_reveal" => CommitRevealWeightsEnabled(switch(p, value)?),
        "commit_reveal_period" | "commit_reveal_weights_interval" | "reveal_period_epochs" => {
            CommitRevealWeightsInterval(parse(p, value)?)
        }
        "liquid_alpha_enabled" | "liquid_alpha" => LiquidAlphaEnabled(switch(p, value)?),
        "alpha_values" => {
            let (low, high) = value.split_once(',').ok_or_else(|| ParamError::BadValue {
                param: p.into(),
                value: value.into(),
                expected: "LOW,HIGH (u16 each), e.g. 45875,58982",
            })?;
            AlphaValues { alpha_low: parse(p, low)?, alpha_high: parse(p, high)? }
        }
        "alpha_sigmoid_steepness" => AlphaSigmoidSteepness(parse(p, value)?),
        "yuma3_enabled" | "yuma3" => Yuma3Enabled(switch(p, value)?),
        // btcli passes the Yuma version number.
        "yuma_version" => match value.trim() {
            "3" => Yuma3Enabled(true),
            "2" => Yuma3Enabled(false),
            _ => return Err(ParamError::BadValue { param: p.into(), value: value.into(), expected: "2 or 3" }),
        },
        "bonds_reset_enabled" | "bonds_reset" => BondsResetEnabled(switch(p, value)?),
        "owner_immune_neuron_limit" | "immune_owner_uids_limit" => OwnerImmuneNeuronLimit(parse(p, value)?),
        "burn_half_life" => BurnHalfLife(parse(p, value)?),
        "burn_increase_mult" => BurnIncreaseMult(parse(p, value)?),
        "owner_cut_enabled" => OwnerCutEnabled(switch(p, value)?),
        "trim_to_max_allowed_uids" | "trim" => TrimToMaxAllowedUids(parse(p, value)?),
        "kappa" => Kappa(parse(p, value)?),
        "tempo" => Tempo(parse(p, value)?),
        "weights_rate_limit" | "weights_set_rate_limit" => WeightsSetRateLimit(parse(p, value)?),
        "max_validators" | "max_allowed_validators" => MaxAllowedValidators(parse(p, value)?),
        "max_weights_limit" | "max_weight_limit" => MaxWeightLimit(parse(p, value)?),
        "registration_allowed" | "network_registration_allowed" => NetworkRegistrationAllowed(switch(p, value)?),
        "max_regs_per_block" | "max_registrations_per_block" => MaxRegistrationsPerBlock(parse(p, value)?),
        "target_regs_per_interval" | "target_registrations_per_interval" => {
            TargetRegistrationsPerInterval(parse(p, value)?)
        }
        "min_allowed_uids" => MinAllowedUids(parse(p, value)?),
        "min_non_immune_uids" => MinNonImmuneUids(parse(p, value)?),
        "subnet_emission_enabled" | "emission_enabled" => SubnetEmissionEnabled(switch(p, value)?),
        _ => {
            return Err(ParamError::UnknownHyperparameter(param.into()));
        }
    })
}

/// A chain-wide parameter from its name and a value.
pub fn global_param(param: &str, value: &str) -> Result<GlobalUpdate, ParamError> {
    use GlobalUpdate::*;
    let name = param.trim().trim_start_matches("sudo_set_").replace('-', "_");
    let p = name.as_str();
    Ok(match p {
        "subnet_owner_cut" => SubnetOwnerCut(parse(p, value)?),
        "stake_threshold" => StakeThreshold(parse(p, value)?),
        "network_min_lock_cost" => NetworkMinLockCost(Balance::from_rao(parse(p, value)?)),
        "lock_reduction_interval" | "network_lock_reduction_interval" => LockReductionInterval(parse(p, value)?),
        "network_rate_limit" => NetworkRateLimit(parse(p, value)?),
        "network_immunity_period" => NetworkImmunityPeriod(parse(p, value)?),
        "subnet_limit" => SubnetLimit(parse(p, value)?),
        "default_take" => DefaultTake(parse(p, value)?),
        "min_delegate_take" => MinDelegateTake(parse(p, value)?),
        "tx_delegate_take_rate_limit" => TxDelegateTakeRateLimit(parse(p, value)?),
        "max_epochs_per_block" => MaxEpochsPerBlock(parse(p, value)?),
        "admin_freeze_window" => AdminFreezeWindow(parse(p, value)?),
        "owner_hyperparam_rate_limit" => OwnerHyperparamRateLimit(parse(p, value)?),
        "start_call_delay" => StartCallDelay(parse(p, value)?),
        "tx_fee" => TxFee(Balance::from_rao(parse(p, value)?)),
        "allow_loopback_axons" => AllowLoopbackAxons(switch(p, value)?),
        _ => return Err(ParamError::UnknownGlobal(param.into())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_ours_btcli_and_the_setters_reach_the_same_setter() {
        for name in
            ["weights_rate_limit", "weights_set_rate_limit", "sudo_set_weights_set_rate_limit", "weights-rate-limit"]
        {
            assert_eq!(hyperparameter(name, "7"), Ok(HyperparameterUpdate::WeightsSetRateLimit(7)));
        }
        assert_eq!(hyperparameter("yuma_version", "3"), Ok(HyperparameterUpdate::Yuma3Enabled(true)));
        assert_eq!(
            hyperparameter("alpha_values", "45875,58982"),
            Ok(HyperparameterUpdate::AlphaValues { alpha_low: 45875, alpha_high: 58982 })
        );
        assert_eq!(global_param("tx_fee", "5"), Ok(GlobalUpdate::TxFee(Balance::from_rao(5))));
    }

    #[test]
    fn bad_names_and_values_say_what_is_wrong() {
        assert_eq!(hyperparameter("nope", "1"), Err(ParamError::UnknownHyperparameter("nope".into())));
        assert_eq!(global_param("tempo", "1"), Err(ParamError::UnknownGlobal("tempo".into())));
        let e = hyperparameter("tempo", "-1").unwrap_err();
        assert_eq!(e.to_string(), "tempo: \"-1\" is not a valid u16");
        let e = hyperparameter("commit_reveal", "maybe").unwrap_err();
        assert_eq!(e.to_string(), "commit_reveal: \"maybe\" is not true or false");
    }
}
