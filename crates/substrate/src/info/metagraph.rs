//! A subnet's whole metagraph (`rpc_info/metagraph.rs`: `Metagraph`, `SelectiveMetagraph`) and
//! its per-uid state (`rpc_info/show_subnet.rs`: `SubnetState`).
//!
//! `Metagraph` and `SelectiveMetagraph` are declared from one field list, so the selective form
//! is always `netuid`, then every other field of `Metagraph` in order as `Option<T>`, then
//! `validators` and `commitments`; selective index `i` is field `i`.

use parity_scale_codec::{Compact, Decode, Encode};
use scale_info::TypeInfo;

use super::common::{AxonInfo, ChainIdentityV2, I96F32, SubnetIdentityV3};
use crate::types::AccountId32;

/// Declares `Metagraph` (the fields as given, after `netuid`), `SelectiveMetagraph` (each field
/// as `Option`, then `validators` and `commitments`), the selective field names, and
/// `Metagraph::select`.
macro_rules! metagraph {
    ($($(#[doc = $doc:literal])* $field:ident: $ty:ty,)*) => {
        /// A subnet's parameters, pool and per-uid vectors (`Metagraph`).
        #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
        pub struct Metagraph {
            /// Subnet (the storage index `mecid · 4096 + netuid`; Agora has mechanism 0).
            pub netuid: Compact<u16>,
            $($(#[doc = $doc])* pub $field: $ty,)*
        }

        /// The requested fields of a [`Metagraph`] (`SelectiveMetagraph`): field `i` is `Some`
        /// when index `i` was asked for.
        #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
        pub struct SelectiveMetagraph {
            /// Subnet (always present).
            pub netuid: Compact<u16>,
            $($(#[doc = $doc])* pub $field: Option<$ty>,)*
            /// Uids with a validator permit and stake above the threshold, by ascending stake.
            pub validators: Option<Vec<Compact<u16>>>,
            /// `(hotkey, commitment bytes)` (none on Agora).
            pub commitments: Option<Vec<(AccountId32, Vec<Compact<u8>>)>>,
        }

        /// The field names of [`SelectiveMetagraph`]; index `i` of `get_selective_mechagraph`
        /// selects field `i`.
        pub const METAGRAPH_FIELDS: &[&str] = &["netuid", $(stringify!($field),)* "validators", "commitments"];

        impl Metagraph {
            /// The fields whose index is in `indexes`; `validators` and `commitments` are left
            /// `None` for the caller to fill. Unknown indexes are ignored.
            pub fn select(self, indexes: &[u16]) -> SelectiveMetagraph {
                let mut wanted = [false; METAGRAPH_FIELDS.len()];
                for &i in indexes {
                    if let Some(w) = wanted.get_mut(usize::from(i)) {
                        *w = true;
                    }
                }
                // Field `index` of the list; every index is below the list's length.
                let mut index = 0usize;
                SelectiveMetagraph {
                    netuid: self.netuid,
                    $($field: {
                        index += 1;
                        wanted[index].then_some(self.$field)
                    },)*
                    validators: None,
                    commitments: None,
                }
            }
        }
    };
}

metagraph! {
    /// Name (UTF-8 bytes).
    name: Vec<Compact<u8>>,
    /// Token symbol (UTF-8 bytes).
    symbol: Vec<Compact<u8>>,
    /// Identity, if set.
    identity: Option<SubnetIdentityV3>,
    /// Registration block.
    network_registered_at: Compact<u64>,
    /// Owner hotkey.
    owner_hotkey: AccountId32,
    /// Owner coldkey.
    owner_coldkey: AccountId32,
    /// Block of the state.
    block: Compact<u64>,
    /// Tempo.
    tempo: Compact<u16>,
    /// Block of the last epoch.
    last_step: Compact<u64>,
    /// Blocks since then.
    blocks_since_last_step: Compact<u64>,
    /// Deprecated (0).
    subnet_emission: Compact<u64>,
    /// Alpha reserve.
    alpha_in: Compact<u64>,
    /// Alpha outstanding.
    alpha_out: Compact<u64>,
    /// TAO reserve.
    tao_in: Compact<u64>,
    /// Alpha emitted per block to the neurons.
    alpha_out_emission: Compact<u64>,
    /// Alpha injected into the reserve per block.
    alpha_in_emission: Compact<u64>,
    /// TAO emitted to the subnet per block.
    tao_in_emission: Compact<u64>,
    /// Emission waiting for the next epoch.
    pending_alpha_emission: Compact<u64>,
    /// Root dividends waiting (0).
    pending_root_emission: Compact<u64>,
    /// Traded volume (0).
    subnet_volume: Compact<u128>,
    /// Moving price.
    moving_price: I96F32,
    /// Rho.
    rho: Compact<u16>,
    /// Kappa.
    kappa: Compact<u16>,
    /// Fewest weights a validator may set.
    min_allowed_weights: Compact<u16>,
    /// Largest single weight.
    max_weights_limit: Compact<u16>,
    /// Minimum weights version.
    weights_version: Compact<u64>,
    /// Blocks between two weight settings.
    weights_rate_limit: Compact<u64>,
    /// Activity cutoff (blocks).
    activity_cutoff: Compact<u64>,
    /// Most validator permits.
    max_validators: Compact<u16>,
    /// Uids registered.
    num_uids: Compact<u16>,
    /// Most uids.
    max_uids: Compact<u16>,
    /// Registration burn (rao).
    burn: Compact<u64>,
    /// PoW difficulty (0: no PoW).
    difficulty: Compact<u64>,
    /// Whether neurons may register.
    registration_allowed: bool,
    /// Whether PoW registration is open (false).
    pow_registration_allowed: bool,
    /// Immunity period (blocks).
    immunity_period: Compact<u16>,
    /// Minimum PoW difficulty (0).
    min_difficulty: Compact<u64>,
    /// Maximum PoW difficulty (0).
    max_difficulty: Compact<u64>,
    /// Minimum burn (rao).
    min_burn: Compact<u64>,
    /// Maximum burn (rao).
    max_burn: Compact<u64>,
    /// Registration adjustment speed (0).
    adjustment_alpha: Compact<u64>,
    /// Registration adjustment interval (0).
    adjustment_interval: Compact<u16>,
    /// Target registrations per interval.
    target_regs_per_interval: Compact<u16>,
    /// Most registrations per block.
    max_regs_per_block: Compact<u16>,
    /// Blocks between two axon updates.
    serving_rate_limit: Compact<u64>,
    /// Commit-reveal on.
    commit_reveal_weights_enabled: bool,
    /// Epochs between commit and reveal.
    commit_reveal_period: Compact<u64>,
    /// Liquid alpha on.
    liquid_alpha_enabled: bool,
    /// Liquid alpha upper bound.
    alpha_high: Compact<u16>,
    /// Liquid alpha lower bound.
    alpha_low: Compact<u16>,
    /// Bonds moving average (ppm).
    bonds_moving_avg: Compact<u64>,
    /// Hotkey per uid.
    hotkeys: Vec<AccountId32>,
    /// Coldkey per uid.
    coldkeys: Vec<AccountId32>,
    /// Coldkey identity per uid (none on Agora).
    identities: Vec<Option<ChainIdentityV2>>,
    /// Axon per uid.
    axons: Vec<AxonInfo>,
    /// Active per uid.
    active: Vec<bool>,
    /// Validator permit per uid.
    validator_permit: Vec<bool>,
    /// Deprecated (empty).
    pruning_score: Vec<Compact<u16>>,
    /// Last weights block per uid.
    last_update: Vec<Compact<u64>>,
    /// Emission at the last epoch per uid (rao).
    emission: Vec<Compact<u64>>,
    /// Dividends per uid.
    dividends: Vec<Compact<u16>>,
    /// Incentive per uid.
    incentives: Vec<Compact<u16>>,
    /// Consensus per uid.
    consensus: Vec<Compact<u16>>,
    /// Deprecated (empty).
    trust: Vec<Compact<u16>>,
    /// Deprecated (empty).
    rank: Vec<Compact<u16>>,
    /// Registration block per uid.
    block_at_registration: Vec<Compact<u64>>,
    /// Alpha stake per uid (= Agora stake).
    alpha_stake: Vec<Compact<u64>>,
    /// TAO (root) stake per uid (0).
    tao_stake: Vec<Compact<u64>>,
    /// Total stake per uid (= Agora stake).
    total_stake: Vec<Compact<u64>>,
    /// Root dividends per hotkey (0 each).
    tao_dividends_per_hotkey: Vec<(AccountId32, Compact<u64>)>,
    /// Alpha dividends per hotkey (0 each).
    alpha_dividends_per_hotkey: Vec<(AccountId32, Compact<u64>)>,
}

/// A subnet's per-uid state (`SubnetState`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct SubnetState {
    /// Subnet.
    #[codec(compact)]
    pub netuid: u16,
    /// Hotkey per uid.
    pub hotkeys: Vec<AccountId32>,
    /// Coldkey per uid.
    pub coldkeys: Vec<AccountId32>,
    /// Active per uid.
    pub active: Vec<bool>,
    /// Validator permit per uid.
    pub validator_permit: Vec<bool>,
    /// Deprecated (empty).
    pub pruning_score: Vec<Compact<u16>>,
    /// Last weights block per uid.
    pub last_update: Vec<Compact<u64>>,
    /// Emission at the last epoch per uid (rao).
    pub emission: Vec<Compact<u64>>,
    /// Dividends per uid.
    pub dividends: Vec<Compact<u16>>,
    /// Incentive per uid.
    pub incentives: Vec<Compact<u16>>,
    /// Consensus per uid.
    pub consensus: Vec<Compact<u16>>,
    /// Deprecated (empty).
    pub trust: Vec<Compact<u16>>,
    /// Deprecated (empty).
    pub rank: Vec<Compact<u16>>,
    /// Registration block per uid.
    pub block_at_registration: Vec<Compact<u64>>,
    /// Alpha stake per uid (= Agora stake).
    pub alpha_stake: Vec<Compact<u64>>,
    /// TAO (root) stake per uid (0).
    pub tao_stake: Vec<Compact<u64>>,
    /// Total stake per uid (= Agora stake).
    pub total_stake: Vec<Compact<u64>>,
    /// Per subnet (ascending netuid), per hotkey of this subnet: its emission there at the last
    /// epoch (0 where it holds no uid).
    pub emission_history: Vec<Vec<Compact<u64>>>,
}
