//! Subnet hyperparameters and chain-wide parameters, with their reference defaults.
//!
//! Defaults are the values the reference writes for every new subnet (`init_new_network`, spec §7
//! "init" column) or, where it writes nothing, its storage default. Deliberate differences:
//!
//! - `activity_cutoff` (blocks) is honoured when non-zero; 0 (the default) keeps the current
//!   reference rule `max(1, ⌊activity_cutoff_factor_milli · tempo / 1000⌋)`. The reference still
//!   accepts `sudo_set_activity_cutoff` but no longer reads the value; here the setter works.
//! - `allow_loopback_axons` (chain-wide, off by default) lets a local network serve axons on
//!   127.0.0.1, which the reference always refuses.

use agora_primitives::RAO_PER_TAO;
use agora_primitives::fixed::U64F64;
use parity_scale_codec::{Decode, Encode};
use serde::{Deserialize, Serialize};

/// Bits of `U64F64::from_num(1.26_f64)`, the reference's default burn multiplier (kept as bits so
/// no float conversion happens at run time; a unit test checks the value).
pub const DEFAULT_BURN_INCREASE_MULT_BITS: u128 = 23_242_897_532_874_035_200;

/// Largest `max_allowed_uids` a subnet may use (`DefaultMaxAllowedUids`).
pub const MAX_ALLOWED_UIDS_CEILING: u16 = 256;

/// Largest number of uids a root network may hold (the top-64 root validators).
pub const ROOT_MAX_UIDS: u16 = 64;

/// A subnet's hyperparameters.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubnetHyperparams {
    /// Blocks between epochs.
    pub tempo: u16,
    /// Activity cutoff as thousandths of a tempo (reference rule).
    pub activity_cutoff_factor_milli: u32,
    /// Activity cutoff in blocks; 0 = use the factor rule.
    pub activity_cutoff: u64,
    /// Consensus majority threshold (u16 proportion).
    pub kappa: u16,
    /// Sigmoid temperature of the root epoch (used on netuid 0 only).
    pub rho: u16,
    /// Maximum number of neurons.
    pub max_allowed_uids: u16,
    /// Lower bound for `max_allowed_uids` when changed by its setter.
    pub min_allowed_uids: u16,
    /// Maximum number of validator permits.
    pub max_allowed_validators: u16,
    /// Blocks after registration during which a neuron cannot be pruned.
    pub immunity_period: u16,
    /// Minimum number of weights a validator must set.
    pub min_allowed_weights: u16,
    /// Maximum normalised weight on one uid (65535 = no limit).
    pub max_weight_limit: u16,
    /// Minimum `version_key` accepted by `set_weights` (0 = any).
    pub weights_version_key: u64,
    /// Blocks between two weight settings by the same uid.
    pub weights_rate_limit: u64,
    /// Bonds moving average in parts per million.
    pub bonds_moving_average: u64,
    /// Bonds penalty β (u16 proportion).
    pub bonds_penalty: u16,
    /// Whether a miner may reset the bonds held on it.
    pub bonds_reset: bool,
    /// Yuma3 bonds.
    pub yuma3: bool,
    /// Liquid alpha (Yuma3 only).
    pub liquid_alpha: bool,
    /// Liquid alpha lower bound (u16 proportion).
    pub alpha_low: u16,
    /// Liquid alpha upper bound (u16 proportion).
    pub alpha_high: u16,
    /// Liquid alpha sigmoid steepness.
    pub alpha_sigmoid_steepness: i16,
    /// Weights must be committed, then revealed.
    pub commit_reveal: bool,
    /// Epochs between a commit and its reveal.
    pub reveal_period_epochs: u64,
    /// Minimum registration burn (rao).
    pub min_burn: u64,
    /// Maximum registration burn (rao).
    pub max_burn: u64,
    /// Half-life of the registration burn decay, in blocks (0 = no decay).
    pub burn_half_life: u16,
    /// Burn multiplier after each registration, as `U64F64` bits.
    pub burn_increase_mult: u128,
    /// Blocks between two `serve_axon` calls by the same hotkey (0 = none).
    pub serving_rate_limit: u64,
    /// Whether neurons may register.
    pub registration_allowed: bool,
    /// How many owner hotkeys are never pruned.
    pub immune_owner_uids_limit: u16,
    /// Non-immune uids that must remain before one may be pruned.
    pub min_non_immune_uids: u16,
    /// Root network only: registrations allowed per block.
    pub max_registrations_per_block: u16,
    /// Root network only: target registrations per tempo (the cap is three times this).
    pub target_registrations_per_interval: u16,
    /// Whether the owner cut is taken from this subnet's emission.
    pub owner_cut_enabled: bool,
}

impl Default for SubnetHyperparams {
    fn default() -> Self {
        SubnetHyperparams {
            tempo: 360,
            activity_cutoff_factor_milli: 13_889,
            activity_cutoff: 0,
            kappa: 32_767,
            rho: 10,
            max_allowed_uids: 256,
            min_allowed_uids: 64,
            max_allowed_validators: 64,
            immunity_period: 5000,
            min_allowed_weights: 1,
            max_weight_limit: u16::MAX,
            weights_version_key: 0,
            weights_rate_limit: 100,
            bonds_moving_average: 900_000,
            bonds_penalty: u16::MAX,
            bonds_reset: false,
            yuma3: true,
            liquid_alpha: false,
            alpha_low: 45_875,
            alpha_high: 58_982,
            alpha_sigmoid_steepness: 1000,
            commit_reveal: true,
            reveal_period_epochs: 1,
            min_burn: 500_000,
            max_burn: 100 * RAO_PER_TAO,
            burn_half_life: 360,
            burn_increase_mult: DEFAULT_BURN_INCREASE_MULT_BITS,
            serving_rate_limit: 50,
            registration_allowed: true,
            immune_owner_uids_limit: 1,
            min_non_immune_uids: 10,
            max_registrations_per_block: 1,
            target_registrations_per_interval: 2,
            owner_cut_enabled: true,
        }
    }
}

impl SubnetHyperparams {
    /// The defaults of the root network (netuid 0): 64 uids, tempo 100, no burn.
    pub fn root_defaults() -> Self {
        SubnetHyperparams {
            tempo: 100,
            max_allowed_uids: ROOT_MAX_UIDS,
            max_allowed_validators: ROOT_MAX_UIDS,
            min_allowed_weights: 0,
            weights_rate_limit: 0,
            burn_half_life: 0,
            min_burn: 0,
            max_burn: 0,
            max_registrations_per_block: 1,
            target_registrations_per_interval: 2,
            ..SubnetHyperparams::default()
        }
    }

    /// The activity cutoff in blocks that the epoch uses.
    pub fn effective_activity_cutoff(&self) -> u64 {
        if self.activity_cutoff > 0 {
            return self.activity_cutoff;
        }
        let blocks = u64::from(self.activity_cutoff_factor_milli) * u64::from(self.tempo) / 1000;
        blocks.max(1)
    }

    /// The burn multiplier as a fixed-point number.
    pub fn burn_increase_mult_fixed(&self) -> U64F64 {
        U64F64::from_bits(self.burn_increase_mult)
    }
}

/// Chain-wide parameters (root-only setters).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GlobalParams {
    /// Owner cut of every subnet's emission (u16 proportion; 11796 ≈ 18 %).
    pub subnet_owner_cut: u16,
    /// Minimum stake (rao) to set weights; also zeroes smaller stakes in the epoch.
    pub stake_threshold: u64,
    /// Floor of the subnet lock cost (rao).
    pub network_min_lock_cost: u64,
    /// Blocks over which the lock cost falls back by the last lock paid.
    pub network_lock_reduction_interval: u64,
    /// Blocks between two subnet registrations, chain-wide.
    pub network_rate_limit: u64,
    /// Blocks after registration during which a subnet cannot be pruned.
    pub network_immunity_period: u64,
    /// Maximum number of subnets (root excluded).
    pub subnet_limit: u16,
    /// Take of a hotkey that never changed it (u16 proportion).
    pub default_take: u16,
    /// Lowest allowed delegate take.
    pub min_delegate_take: u16,
    /// Highest allowed delegate take.
    pub max_delegate_take: u16,
    /// Blocks between two take increases by the same coldkey.
    pub tx_delegate_take_rate_limit: u64,
    /// Minimum stake movement (rao).
    pub min_stake: u64,
    /// Most epochs run in one block; further due subnets wait a block.
    pub max_epochs_per_block: u16,
    /// Blocks before an epoch during which owner setters are refused.
    pub admin_freeze_window: u16,
    /// Tempos between two owner changes of the same hyperparameter.
    pub owner_hyperparam_rate_limit: u16,
    /// Blocks after subnet registration before `start_call` is allowed.
    pub start_call_delay: u64,
    /// Minimum balance of an account created by a transfer (rao).
    pub existential_deposit: u64,
    /// Fee charged per transaction, paid to the block author (rao).
    pub tx_fee: u64,
    /// Accept axons on 127.0.0.1 / ::1 (local networks only).
    pub allow_loopback_axons: bool,
}

impl Default for GlobalParams {
    fn default() -> Self {
        GlobalParams {
            subnet_owner_cut: 11_796,
            stake_threshold: 0,
            network_min_lock_cost: 1000 * RAO_PER_TAO,
            network_lock_reduction_interval: 100_800,
            network_rate_limit: 7200,
            network_immunity_period: 1_296_000,
            subnet_limit: 128,
            default_take: 11_796,
            min_delegate_take: 0,
            max_delegate_take: 11_796,
            tx_delegate_take_rate_limit: 216_000,
            min_stake: 2_000_000,
            max_epochs_per_block: 2,
            admin_freeze_window: 10,
            owner_hyperparam_rate_limit: 2,
            start_call_delay: 0,
            existential_deposit: 500,
            tx_fee: 0,
            allow_loopback_axons: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::float_arithmetic)]
    fn default_burn_multiplier_is_the_reference_value() {
        assert_eq!(U64F64::from_num(1.26_f64).to_bits(), DEFAULT_BURN_INCREASE_MULT_BITS);
    }

    #[test]
    fn activity_cutoff_follows_the_factor_rule() {
        let mut h = SubnetHyperparams::default();
        assert_eq!(h.effective_activity_cutoff(), 5000);
        h.tempo = 1;
        assert_eq!(h.effective_activity_cutoff(), 13);
        h.tempo = 0;
        assert_eq!(h.effective_activity_cutoff(), 1);
        h.activity_cutoff = 77;
        assert_eq!(h.effective_activity_cutoff(), 77);
    }

    #[test]
    fn unknown_genesis_keys_are_rejected() {
        let err = serde_json::from_str::<SubnetHyperparams>(r#"{"tempo": 5, "kapa": 1}"#).unwrap_err();
        assert!(err.to_string().contains("kapa"), "{err}");
    }
}
