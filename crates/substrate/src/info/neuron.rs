//! One neuron as `NeuronInfoRuntimeApi` returns it (`rpc_info/neuron_info.rs`).

use parity_scale_codec::{Compact, Decode, Encode};
use scale_info::TypeInfo;

use super::common::{AxonInfo, PrometheusInfo};
use crate::types::AccountId32;

/// A neuron without its weights and bonds (`NeuronInfoLite`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct NeuronInfoLite {
    /// Hotkey.
    pub hotkey: AccountId32,
    /// Owning coldkey.
    pub coldkey: AccountId32,
    /// Uid.
    #[codec(compact)]
    pub uid: u16,
    /// Subnet.
    #[codec(compact)]
    pub netuid: u16,
    /// Active at the last epoch.
    pub active: bool,
    /// Axon.
    pub axon_info: AxonInfo,
    /// Prometheus endpoint (none on Agora).
    pub prometheus_info: PrometheusInfo,
    /// `(owner coldkey, the hotkey's whole stake on the subnet)`, as the reference.
    pub stake: Vec<(AccountId32, Compact<u64>)>,
    /// Rank (deprecated: 0).
    #[codec(compact)]
    pub rank: u16,
    /// Emission at the last epoch (rao).
    #[codec(compact)]
    pub emission: u64,
    /// Incentive (u16 proportion).
    #[codec(compact)]
    pub incentive: u16,
    /// Consensus (u16 proportion).
    #[codec(compact)]
    pub consensus: u16,
    /// Trust (deprecated: 0).
    #[codec(compact)]
    pub trust: u16,
    /// Validator trust (u16 proportion).
    #[codec(compact)]
    pub validator_trust: u16,
    /// Dividends (u16 proportion).
    #[codec(compact)]
    pub dividends: u16,
    /// Block of the last weights.
    #[codec(compact)]
    pub last_update: u64,
    /// Validator permit.
    pub validator_permit: bool,
    /// Pruning score (deprecated: `u16::MAX`).
    #[codec(compact)]
    pub pruning_score: u16,
}

/// A neuron with its weights and bonds (`NeuronInfo`): [`NeuronInfoLite`]'s fields with
/// `weights` and `bonds` between `validator_permit` and `pruning_score`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct NeuronInfo {
    /// Hotkey.
    pub hotkey: AccountId32,
    /// Owning coldkey.
    pub coldkey: AccountId32,
    /// Uid.
    #[codec(compact)]
    pub uid: u16,
    /// Subnet.
    #[codec(compact)]
    pub netuid: u16,
    /// Active at the last epoch.
    pub active: bool,
    /// Axon.
    pub axon_info: AxonInfo,
    /// Prometheus endpoint (none on Agora).
    pub prometheus_info: PrometheusInfo,
    /// `(owner coldkey, the hotkey's whole stake on the subnet)`.
    pub stake: Vec<(AccountId32, Compact<u64>)>,
    /// Rank (deprecated: 0).
    #[codec(compact)]
    pub rank: u16,
    /// Emission at the last epoch (rao).
    #[codec(compact)]
    pub emission: u64,
    /// Incentive.
    #[codec(compact)]
    pub incentive: u16,
    /// Consensus.
    #[codec(compact)]
    pub consensus: u16,
    /// Trust (deprecated: 0).
    #[codec(compact)]
    pub trust: u16,
    /// Validator trust.
    #[codec(compact)]
    pub validator_trust: u16,
    /// Dividends.
    #[codec(compact)]
    pub dividends: u16,
    /// Block of the last weights.
    #[codec(compact)]
    pub last_update: u64,
    /// Validator permit.
    pub validator_permit: bool,
    /// Non-zero weights `(uid, weight)`.
    pub weights: Vec<(Compact<u16>, Compact<u16>)>,
    /// Non-zero bonds `(uid, bond)`.
    pub bonds: Vec<(Compact<u16>, Compact<u16>)>,
    /// Pruning score (deprecated: `u16::MAX`).
    #[codec(compact)]
    pub pruning_score: u16,
}
