//! [`Call`]: everything a signed transaction can ask the chain to do.
//!
//! Names and arguments follow the reference (`transfer`, `burned_register`, `add_stake`, …) because
//! users and scripts know them; [`Call::name`] gives the reference's snake-case name. The SCALE
//! encoding of a call is `variant index:u8 ‖ fields`, with the indices fixed below: changing an
//! index is a breaking change of the transaction format.

use agora_primitives::{AccountId, Balance, Hash, NetUid};
use parity_scale_codec::{Decode, Encode};
use serde::{Deserialize, Serialize};

/// Maximum length of a weights, uids or salt vector in a call.
pub const MAX_WEIGHTS_LEN: usize = 4096;

/// A subnet's public identity, with the reference's field limits (bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubnetIdentity {
    /// Display name (≤ 256).
    pub subnet_name: String,
    /// Source repository (≤ 1024).
    pub github_repo: String,
    /// Contact (≤ 1024).
    pub subnet_contact: String,
    /// Web site (≤ 1024).
    pub subnet_url: String,
    /// Discord handle or invite (≤ 256).
    pub discord: String,
    /// Description (≤ 1024).
    pub description: String,
    /// Logo URL (≤ 1024).
    pub logo_url: String,
    /// Anything else (≤ 1024).
    pub additional: String,
}

impl SubnetIdentity {
    /// Whether every field is within its limit.
    pub fn is_valid(&self) -> bool {
        self.subnet_name.len() <= 256
            && self.github_repo.len() <= 1024
            && self.subnet_contact.len() <= 1024
            && self.subnet_url.len() <= 1024
            && self.discord.len() <= 256
            && self.description.len() <= 1024
            && self.logo_url.len() <= 1024
            && self.additional.len() <= 1024
    }
}

/// A new value for one subnet hyperparameter (`sudo_set_<name>`).
///
/// The first group may be set by the subnet owner (subject to the admin freeze window before an
/// epoch and a per-parameter rate limit) or by the sudo key; the second only by the sudo key.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HyperparameterUpdate {
    /// `sudo_set_serving_rate_limit` (owner).
    #[codec(index = 0)]
    ServingRateLimit(u64),
    /// `sudo_set_weights_version_key` (owner).
    #[codec(index = 1)]
    WeightsVersionKey(u64),
    /// `sudo_set_immunity_period` (owner).
    #[codec(index = 2)]
    ImmunityPeriod(u16),
    /// `sudo_set_min_allowed_weights` (owner).
    #[codec(index = 3)]
    MinAllowedWeights(u16),
    /// `sudo_set_max_allowed_uids` (owner).
    #[codec(index = 4)]
    MaxAllowedUids(u16),
    /// `sudo_set_rho` (owner).
    #[codec(index = 5)]
    Rho(u16),
    /// `sudo_set_activity_cutoff` (owner; ≥ 360 blocks).
    #[codec(index = 6)]
    ActivityCutoff(u64),
    /// `sudo_set_activity_cutoff_factor` (owner; 1000..=50000).
    #[codec(index = 7)]
    ActivityCutoffFactorMilli(u32),
    /// `sudo_set_min_burn` (owner).
    #[codec(index = 8)]
    MinBurn(Balance),
    /// `sudo_set_max_burn` (owner).
    #[codec(index = 9)]
    MaxBurn(Balance),
    /// `sudo_set_bonds_moving_average` (owner ≤ 975000).
    #[codec(index = 10)]
    BondsMovingAverage(u64),
    /// `sudo_set_bonds_penalty` (owner).
    #[codec(index = 11)]
    BondsPenalty(u16),
    /// `sudo_set_commit_reveal_weights_enabled` (owner).
    #[codec(index = 12)]
    CommitRevealWeightsEnabled(bool),
    /// `sudo_set_commit_reveal_weights_interval` (owner; 1..=100 epochs).
    #[codec(index = 13)]
    CommitRevealWeightsInterval(u64),
    /// `sudo_set_liquid_alpha_enabled` (owner).
    #[codec(index = 14)]
    LiquidAlphaEnabled(bool),
    /// `sudo_set_alpha_values` (owner; needs liquid alpha).
    #[codec(index = 15)]
    AlphaValues {
        /// Lower bound (≥ 1638).
        alpha_low: u16,
        /// Upper bound (≥ 1638, ≥ alpha_low).
        alpha_high: u16,
    },
    /// `sudo_set_alpha_sigmoid_steepness` (owner ≥ 0).
    #[codec(index = 16)]
    AlphaSigmoidSteepness(i16),
    /// `sudo_set_yuma3_enabled` (owner).
    #[codec(index = 17)]
    Yuma3Enabled(bool),
    /// `sudo_set_bonds_reset_enabled` (owner).
    #[codec(index = 18)]
    BondsResetEnabled(bool),
    /// `sudo_set_owner_immune_neuron_limit` (owner; 1..=10).
    #[codec(index = 19)]
    OwnerImmuneNeuronLimit(u16),
    /// `sudo_set_burn_half_life` (owner; 1..=36100).
    #[codec(index = 20)]
    BurnHalfLife(u16),
    /// `sudo_set_burn_increase_mult` (owner; 1.0..=3.0 as `U64F64` bits).
    #[codec(index = 21)]
    BurnIncreaseMult(u128),
    /// `sudo_set_owner_cut_enabled` (owner).
    #[codec(index = 22)]
    OwnerCutEnabled(bool),
    /// `sudo_trim_to_max_allowed_uids` (owner, once per 30 days): lowers `max_allowed_uids` and
    /// removes the lowest-emission non-immune uids above it, compacting the rest.
    #[codec(index = 23)]
    TrimToMaxAllowedUids(u16),
    /// `sudo_set_kappa` (sudo).
    #[codec(index = 64)]
    Kappa(u16),
    /// `sudo_set_tempo` (sudo).
    #[codec(index = 65)]
    Tempo(u16),
    /// `sudo_set_weights_set_rate_limit` (sudo).
    #[codec(index = 66)]
    WeightsSetRateLimit(u64),
    /// `sudo_set_max_allowed_validators` (sudo; ≤ max_allowed_uids).
    #[codec(index = 67)]
    MaxAllowedValidators(u16),
    /// `sudo_set_max_weight_limit` (sudo).
    #[codec(index = 68)]
    MaxWeightLimit(u16),
    /// `sudo_set_network_registration_allowed` (sudo).
    #[codec(index = 69)]
    NetworkRegistrationAllowed(bool),
    /// `sudo_set_max_registrations_per_block` (sudo).
    #[codec(index = 70)]
    MaxRegistrationsPerBlock(u16),
    /// `sudo_set_target_registrations_per_interval` (sudo).
    #[codec(index = 71)]
    TargetRegistrationsPerInterval(u16),
    /// `sudo_set_min_allowed_uids` (sudo).
    #[codec(index = 72)]
    MinAllowedUids(u16),
    /// `sudo_set_min_non_immune_uids` (sudo).
    #[codec(index = 73)]
    MinNonImmuneUids(u16),
    /// `sudo_set_subnet_emission_enabled` (sudo; dynamic TAO): whether the subnet gets TAO
    /// emission. A subnet registered on a dynamic chain starts without it.
    #[codec(index = 74)]
    SubnetEmissionEnabled(bool),
}

impl HyperparameterUpdate {
    /// Whether the subnet owner may make this change (otherwise only the sudo key).
    pub fn owner_settable(&self) -> bool {
        (self.encode()[0]) < 64
    }

    /// A stable small id of the parameter, used to key the owner rate limit.
    pub fn id(&self) -> u8 {
        self.encode()[0]
    }

    /// The reference's setter name, e.g. `sudo_set_kappa`.
    pub fn setter_name(&self) -> &'static str {
        use HyperparameterUpdate::*;
        match self {
            ServingRateLimit(_) => "sudo_set_serving_rate_limit",
            WeightsVersionKey(_) => "sudo_set_weights_version_key",
            ImmunityPeriod(_) => "sudo_set_immunity_period",
            MinAllowedWeights(_) => "sudo_set_min_allowed_weights",
            MaxAllowedUids(_) => "sudo_set_max_allowed_uids",
            Rho(_) => "sudo_set_rho",
            ActivityCutoff(_) => "sudo_set_activity_cutoff",
            ActivityCutoffFactorMilli(_) => "sudo_set_activity_cutoff_factor",
            MinBurn(_) => "sudo_set_min_burn",
            MaxBurn(_) => "sudo_set_max_burn",
            BondsMovingAverage(_) => "sudo_set_bonds_moving_average",
            BondsPenalty(_) => "sudo_set_bonds_penalty",
            CommitRevealWeightsEnabled(_) => "sudo_set_commit_reveal_weights_enabled",
            CommitRevealWeightsInterval(_) => "sudo_set_commit_reveal_weights_interval",
            LiquidAlphaEnabled(_) => "sudo_set_liquid_alpha_enabled",
            AlphaValues { .. } => "sudo_set_alpha_values",
            AlphaSigmoidSteepness(_) => "sudo_set_alpha_sigmoid_steepness",
            Yuma3Enabled(_) => "sudo_set_yuma3_enabled",
            BondsResetEnabled(_) => "sudo_set_bonds_reset_enabled",
            OwnerImmuneNeuronLimit(_) => "sudo_set_owner_immune_neuron_limit",
            BurnHalfLife(_) => "sudo_set_burn_half_life",
            BurnIncreaseMult(_) => "sudo_set_burn_increase_mult",
            OwnerCutEnabled(_) => "sudo_set_owner_cut_enabled",
            TrimToMaxAllowedUids(_) => "sudo_trim_to_max_allowed_uids",
            Kappa(_) => "sudo_set_kappa",
            Tempo(_) => "sudo_set_tempo",
            WeightsSetRateLimit(_) => "sudo_set_weights_set_rate_limit",
            MaxAllowedValidators(_) => "sudo_set_max_allowed_validators",
            MaxWeightLimit(_) => "sudo_set_max_weight_limit",
            NetworkRegistrationAllowed(_) => "sudo_set_network_registration_allowed",
            MaxRegistrationsPerBlock(_) => "sudo_set_max_registrations_per_block",
            TargetRegistrationsPerInterval(_) => "sudo_set_target_registrations_per_interval",
            MinAllowedUids(_) => "sudo_set_min_allowed_uids",
            MinNonImmuneUids(_) => "sudo_set_min_non_immune_uids",
            SubnetEmissionEnabled(_) => "sudo_set_subnet_emission_enabled",
        }
    }
}

/// A new value for one chain-wide parameter (sudo key only).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlobalUpdate {
    /// `sudo_set_subnet_owner_cut`.
    #[codec(index = 0)]
    SubnetOwnerCut(u16),
    /// `sudo_set_stake_threshold`.
    #[codec(index = 1)]
    StakeThreshold(u64),
    /// `sudo_set_network_min_lock_cost`.
    #[codec(index = 2)]
    NetworkMinLockCost(Balance),
    /// `sudo_set_lock_reduction_interval`.
    #[codec(index = 3)]
    LockReductionInterval(u64),
    /// `sudo_set_network_rate_limit`.
    #[codec(index = 4)]
    NetworkRateLimit(u64),
    /// `sudo_set_network_immunity_period`.
    #[codec(index = 5)]
    NetworkImmunityPeriod(u64),
    /// `sudo_set_subnet_limit`.
    #[codec(index = 6)]
    SubnetLimit(u16),
    /// `sudo_set_default_take`.
    #[codec(index = 7)]
    DefaultTake(u16),
    /// `sudo_set_min_delegate_take`.
    #[codec(index = 8)]
    MinDelegateTake(u16),
    /// `sudo_set_tx_delegate_take_rate_limit`.
    #[codec(index = 9)]
    TxDelegateTakeRateLimit(u64),
    /// `sudo_set_max_epochs_per_block` (≥ 1).
    #[codec(index = 10)]
    MaxEpochsPerBlock(u16),
    /// `sudo_set_admin_freeze_window`.
    #[codec(index = 11)]
    AdminFreezeWindow(u16),
    /// `sudo_set_owner_hparam_rate_limit`.
    #[codec(index = 12)]
    OwnerHyperparamRateLimit(u16),
    /// `sudo_set_start_call_delay`.
    #[codec(index = 13)]
    StartCallDelay(u64),
    /// `sudo_set_tx_fee` (Agora).
    #[codec(index = 14)]
    TxFee(Balance),
    /// `sudo_set_allow_loopback_axons` (Agora; local networks).
    #[codec(index = 15)]
    AllowLoopbackAxons(bool),
}

/// A call: what a signed transaction asks for. The origin (signer) is a coldkey or a hotkey as in
/// the reference: see each variant.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// Moves free balance; the sender keeps at least the existential deposit (keep-alive). Coldkey.
    #[codec(index = 0)]
    Transfer {
        /// Recipient.
        dest: AccountId,
        /// Amount.
        amount: Balance,
    },
    /// Creates a subnet owned by the signer, locking the current lock cost. Coldkey.
    #[codec(index = 1)]
    RegisterNetwork {
        /// The owner's hotkey, registered as uid 0.
        hotkey: AccountId,
    },
    /// Starts emission to the owner's subnet. Owner coldkey.
    #[codec(index = 2)]
    StartCall {
        /// The subnet.
        netuid: NetUid,
    },
    /// Sets the subnet's identity. Owner coldkey.
    #[codec(index = 3)]
    SetSubnetIdentity {
        /// The subnet.
        netuid: NetUid,
        /// New identity.
        identity: SubnetIdentity,
    },
    /// Changes one hyperparameter. Owner coldkey (owner-settable ones) or the sudo key.
    #[codec(index = 4)]
    SudoSetHyperparameter {
        /// The subnet.
        netuid: NetUid,
        /// The change.
        update: HyperparameterUpdate,
    },
    /// Changes one chain-wide parameter. Sudo key.
    #[codec(index = 5)]
    SudoSetGlobal {
        /// The change.
        update: GlobalUpdate,
    },
    /// Registers `hotkey` on `netuid`, burning the current registration price. Coldkey.
    #[codec(index = 6)]
    BurnedRegister {
        /// The subnet.
        netuid: NetUid,
        /// Hotkey to register (becomes owned by the signer if new).
        hotkey: AccountId,
    },
    /// Publishes the signer's axon endpoint on a subnet. Hotkey.
    #[codec(index = 7)]
    ServeAxon {
        /// The subnet.
        netuid: NetUid,
        /// Software version.
        version: u32,
        /// IPv4 (in the low 32 bits) or IPv6 address.
        ip: u128,
        /// TCP port (non-zero).
        port: u16,
        /// 4 or 6.
        ip_type: u8,
        /// Protocol tag.
        protocol: u8,
        /// Reserved.
        placeholder1: u8,
        /// Reserved.
        placeholder2: u8,
    },
    /// Stakes free balance on `hotkey` on `netuid`. Coldkey.
    #[codec(index = 8)]
    AddStake {
        /// Validator or miner hotkey.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
        /// TAO to stake.
        amount: Balance,
    },
    /// Unstakes back to free balance. Coldkey.
    #[codec(index = 9)]
    RemoveStake {
        /// Hotkey staked on.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
        /// Stake to withdraw.
        amount: Balance,
    },
    /// Raises the delegate take of an owned hotkey. Coldkey.
    #[codec(index = 10)]
    IncreaseTake {
        /// Hotkey.
        hotkey: AccountId,
        /// New take (u16 proportion).
        take: u16,
    },
    /// Lowers the delegate take of an owned hotkey. Coldkey.
    #[codec(index = 11)]
    DecreaseTake {
        /// Hotkey.
        hotkey: AccountId,
        /// New take (u16 proportion).
        take: u16,
    },
    /// Registers an owned hotkey on the root network. Coldkey.
    #[codec(index = 12)]
    RootRegister {
        /// Hotkey.
        hotkey: AccountId,
    },
    /// Sets the signer's weights (on netuid 0: weights over subnets). Hotkey.
    #[codec(index = 13)]
    SetWeights {
        /// The subnet.
        netuid: NetUid,
        /// Target uids (netuids on the root network).
        dests: Vec<u16>,
        /// Weights.
        weights: Vec<u16>,
        /// Client version.
        version_key: u64,
    },
    /// Commits a hash of weights to reveal later. Hotkey.
    #[codec(index = 14)]
    CommitWeights {
        /// The subnet.
        netuid: NetUid,
        /// Blake2-256 of SCALE(hotkey, netuid, uids, values, salt, version_key).
        commit_hash: Hash,
    },
    /// Reveals committed weights. Hotkey.
    #[codec(index = 15)]
    RevealWeights {
        /// The subnet.
        netuid: NetUid,
        /// Target uids.
        uids: Vec<u16>,
        /// Weights.
        values: Vec<u16>,
        /// Salt used in the commit.
        salt: Vec<u16>,
        /// Client version.
        version_key: u64,
    },
    /// Moves the whole free balance, less the existential deposit (Agora keeps every account
    /// alive: the reference's `keep_alive = false` is accepted and does the same). Coldkey.
    #[codec(index = 16)]
    TransferAll {
        /// Recipient.
        dest: AccountId,
    },
    /// `burned_register` that fails (`RegistrationPriceLimitExceeded`) when the burn is above
    /// `limit_price`. Coldkey.
    #[codec(index = 17)]
    RegisterLimit {
        /// The subnet.
        netuid: NetUid,
        /// The hotkey to register.
        hotkey: AccountId,
        /// The highest burn the caller accepts.
        limit_price: Balance,
    },
    /// Dynamic TAO: stakes up to `amount` TAO while the price stays at most `limit_price` rao
    /// per alpha; with `allow_partial` whatever fits under the limit, otherwise all or nothing
    /// (`SlippageTooHigh`). In the TAO era the price is 1 TAO per alpha. Coldkey.
    #[codec(index = 18)]
    AddStakeLimit {
        /// Validator or miner hotkey.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
        /// TAO to stake.
        amount: Balance,
        /// Highest price (rao per alpha) the stake may pay.
        limit_price: u64,
        /// Execute what fits under the limit instead of failing.
        allow_partial: bool,
    },
    /// Dynamic TAO: unstakes up to `amount` alpha while the price stays at least `limit_price`
    /// rao per alpha, partially or all or nothing. Coldkey.
    #[codec(index = 19)]
    RemoveStakeLimit {
        /// Hotkey staked on.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
        /// Alpha to unstake (rao).
        amount: u64,
        /// Lowest price (rao per alpha) the unstake may accept.
        limit_price: u64,
        /// Execute what fits over the limit instead of failing.
        allow_partial: bool,
    },
    /// Moves stake to another hotkey and/or subnet, same coldkey (a swap through both pools
    /// across subnets). Coldkey.
    #[codec(index = 20)]
    MoveStake {
        /// Hotkey the stake is on.
        origin_hotkey: AccountId,
        /// Hotkey it goes to.
        destination_hotkey: AccountId,
        /// Subnet it is on.
        origin_netuid: NetUid,
        /// Subnet it goes to.
        destination_netuid: NetUid,
        /// Alpha to move (rao; capped at the stake).
        amount: u64,
    },
    /// Hands stake to another coldkey, same hotkey, optionally into another subnet. Coldkey.
    #[codec(index = 21)]
    TransferStake {
        /// Recipient coldkey.
        destination_coldkey: AccountId,
        /// Hotkey.
        hotkey: AccountId,
        /// Subnet it is on.
        origin_netuid: NetUid,
        /// Subnet it goes to.
        destination_netuid: NetUid,
        /// Alpha to transfer (rao; capped at the stake).
        amount: u64,
    },
    /// Swaps stake into another subnet, same hotkey and coldkey. Coldkey.
    #[codec(index = 22)]
    SwapStake {
        /// Hotkey.
        hotkey: AccountId,
        /// Subnet it is on.
        origin_netuid: NetUid,
        /// Subnet it goes to.
        destination_netuid: NetUid,
        /// Alpha to swap (rao; capped at the stake).
        amount: u64,
    },
    /// Unstakes everything the coldkey has on `hotkey`, on every subnet. Coldkey.
    #[codec(index = 23)]
    UnstakeAll {
        /// Hotkey.
        hotkey: AccountId,
    },
    /// Unstakes everything on `hotkey` except root and stakes the TAO on root. Coldkey.
    #[codec(index = 24)]
    UnstakeAllAlpha {
        /// Hotkey.
        hotkey: AccountId,
    },
    /// Destroys staked alpha, taking it out of the subnet's supply. Coldkey.
    #[codec(index = 25)]
    RecycleAlpha {
        /// Hotkey.
        hotkey: AccountId,
        /// Alpha (rao; capped at the stake).
        amount: u64,
        /// The subnet.
        netuid: NetUid,
    },
    /// Destroys staked alpha, counting it as burned (the supply stays). Coldkey.
    #[codec(index = 26)]
    BurnAlpha {
        /// Hotkey.
        hotkey: AccountId,
        /// Alpha (rao; capped at the stake).
        amount: u64,
        /// The subnet.
        netuid: NetUid,
    },
    /// Claims the coldkey's root dividends on 1 to 5 subnets. Coldkey.
    #[codec(index = 27)]
    ClaimRoot {
        /// The subnets.
        subnets: Vec<NetUid>,
    },
    /// Chooses how the coldkey takes root dividends. Coldkey.
    #[codec(index = 28)]
    SetRootClaimType {
        /// Swap (the default), Keep, or KeepSubnets.
        claim_type: crate::root_claims::RootClaimType,
    },
    /// [`Call::SwapStake`] that stops where the origin's price in the destination's alpha would
    /// fall below `limit_price`. Coldkey.
    #[codec(index = 29)]
    SwapStakeLimit {
        /// Hotkey.
        hotkey: AccountId,
        /// Subnet it is on.
        origin_netuid: NetUid,
        /// Subnet it goes to.
        destination_netuid: NetUid,
        /// Alpha to swap (rao; capped at the stake).
        amount: u64,
        /// Lowest price of the origin's alpha in the destination's, rao per alpha.
        limit_price: u64,
        /// Execute what fits within the limit instead of failing (`SlippageTooHigh`).
        allow_partial: bool,
    },
    /// Unstakes the coldkey's whole stake on `hotkey` in `netuid`, at no less than `limit_price`
    /// when given (all or nothing). Coldkey.
    #[codec(index = 30)]
    RemoveStakeFullLimit {
        /// Hotkey.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
        /// Lowest price (rao per alpha), if any.
        limit_price: Option<u64>,
    },
}

impl Call {
    /// The reference's name of this call.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Transfer { .. } => "transfer",
            Call::RegisterNetwork { .. } => "register_network",
            Call::StartCall { .. } => "start_call",
            Call::SetSubnetIdentity { .. } => "set_subnet_identity",
            Call::SudoSetHyperparameter { update, .. } => update.setter_name(),
            Call::SudoSetGlobal { .. } => "sudo_set_global",
            Call::BurnedRegister { .. } => "burned_register",
            Call::ServeAxon { .. } => "serve_axon",
            Call::AddStake { .. } => "add_stake",
            Call::RemoveStake { .. } => "remove_stake",
            Call::IncreaseTake { .. } => "increase_take",
            Call::DecreaseTake { .. } => "decrease_take",
            Call::RootRegister { .. } => "root_register",
            Call::SetWeights { .. } => "set_weights",
            Call::CommitWeights { .. } => "commit_weights",
            Call::RevealWeights { .. } => "reveal_weights",
            Call::TransferAll { .. } => "transfer_all",
            Call::RegisterLimit { .. } => "register_limit",
            Call::AddStakeLimit { .. } => "add_stake_limit",
            Call::RemoveStakeLimit { .. } => "remove_stake_limit",
            Call::MoveStake { .. } => "move_stake",
            Call::TransferStake { .. } => "transfer_stake",
            Call::SwapStake { .. } => "swap_stake",
            Call::SwapStakeLimit { .. } => "swap_stake_limit",
            Call::RemoveStakeFullLimit { .. } => "remove_stake_full_limit",
            Call::UnstakeAll { .. } => "unstake_all",
            Call::UnstakeAllAlpha { .. } => "unstake_all_alpha",
            Call::RecycleAlpha { .. } => "recycle_alpha",
            Call::BurnAlpha { .. } => "burn_alpha",
            Call::ClaimRoot { .. } => "claim_root",
            Call::SetRootClaimType { .. } => "set_root_claim_type",
        }
    }

    /// The longest vector argument, for the size check at admission.
    pub fn longest_vector(&self) -> usize {
        match self {
            Call::SetWeights { dests, weights, .. } => dests.len().max(weights.len()),
            Call::RevealWeights { uids, values, salt, .. } => uids.len().max(values.len()).max(salt.len()),
            Call::ClaimRoot { subnets } => subnets.len(),
            Call::SetRootClaimType { claim_type: crate::root_claims::RootClaimType::KeepSubnets(kept) } => kept.len(),
            _ => 0,
        }
    }
}

/// The commit hash of `commit_weights`: blake2-256 over SCALE(hotkey, netuid:u16, uids, values,
/// salt, version_key), byte-compatible with the reference.
pub fn weights_commit_hash(
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> Hash {
    let encoded = (hotkey.0, netuid.0, uids, values, salt, version_key).encode();
    agora_primitives::blake2_256(&encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_settable_split() {
        assert!(HyperparameterUpdate::ImmunityPeriod(1).owner_settable());
        assert!(HyperparameterUpdate::BurnIncreaseMult(1).owner_settable());
        assert!(!HyperparameterUpdate::Kappa(1).owner_settable());
        assert!(!HyperparameterUpdate::Tempo(1).owner_settable());
    }

    #[test]
    fn commit_hash_covers_every_field() {
        let hk = AccountId([1; 32]);
        let base = weights_commit_hash(&hk, NetUid(1), &[0, 1], &[5, 6], &[9], 0);
        assert_ne!(base, weights_commit_hash(&hk, NetUid(2), &[0, 1], &[5, 6], &[9], 0));
        assert_ne!(base, weights_commit_hash(&hk, NetUid(1), &[0, 1], &[5, 7], &[9], 0));
        assert_ne!(base, weights_commit_hash(&hk, NetUid(1), &[0, 1], &[5, 6], &[8], 0));
        assert_ne!(base, weights_commit_hash(&hk, NetUid(1), &[0, 1], &[5, 6], &[9], 1));
        // Layout: 32-byte key, u16 LE, compact-length vectors, u64 LE.
        let encoded = (hk.0, 1u16, &[0u16, 1][..], &[5u16, 6][..], &[9u16][..], 0u64).encode();
        assert_eq!(encoded.len(), 32 + 2 + (1 + 4) + (1 + 4) + (1 + 2) + 8);
    }
}
