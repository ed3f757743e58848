//! A subnet's pool view and hyperparameters (`rpc_info/dynamic_info.rs`, `rpc_info/subnet_info.rs`).

use parity_scale_codec::{Compact, Decode, Encode};
use scale_info::TypeInfo;

use super::common::{I32F32, I96F32, SubnetIdentityV3, U64F64};
use crate::types::AccountId32;

/// A subnet's pool, emission and identity (`DynamicInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct DynamicInfo {
    /// Subnet.
    #[codec(compact)]
    pub netuid: u16,
    /// Owner hotkey.
    pub owner_hotkey: AccountId32,
    /// Owner coldkey.
    pub owner_coldkey: AccountId32,
    /// Name (UTF-8 bytes).
    pub subnet_name: Vec<Compact<u8>>,
    /// Token symbol (UTF-8 bytes).
    pub token_symbol: Vec<Compact<u8>>,
    /// Tempo.
    #[codec(compact)]
    pub tempo: u16,
    /// Block of the last epoch.
    #[codec(compact)]
    pub last_step: u64,
    /// Blocks since then.
    #[codec(compact)]
    pub blocks_since_last_step: u64,
    /// Deprecated (0).
    #[codec(compact)]
    pub emission: u64,
    /// Alpha reserve.
    #[codec(compact)]
    pub alpha_in: u64,
    /// Alpha outstanding.
    #[codec(compact)]
    pub alpha_out: u64,
    /// TAO reserve.
    #[codec(compact)]
    pub tao_in: u64,
    /// Alpha emitted per block to the subnet's neurons.
    #[codec(compact)]
    pub alpha_out_emission: u64,
    /// Alpha injected into the reserve per block.
    #[codec(compact)]
    pub alpha_in_emission: u64,
    /// TAO emitted to the subnet per block.
    #[codec(compact)]
    pub tao_in_emission: u64,
    /// Emission waiting for the next epoch.
    #[codec(compact)]
    pub pending_alpha_emission: u64,
    /// Root dividends waiting (0).
    #[codec(compact)]
    pub pending_root_emission: u64,
    /// Traded volume (0).
    #[codec(compact)]
    pub subnet_volume: u128,
    /// Registration block.
    #[codec(compact)]
    pub network_registered_at: u64,
    /// Identity, if set.
    pub subnet_identity: Option<SubnetIdentityV3>,
    /// Moving price (1.0).
    pub moving_price: I96F32,
}

/// One hyperparameter value, tagged by its type (`HyperparamValue`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum HyperparamValue {
    /// A flag.
    #[codec(index = 0)]
    Bool(bool),
    /// A `u16`.
    #[codec(index = 1)]
    U16(#[codec(compact)] u16),
    /// A `u32`.
    #[codec(index = 2)]
    U32(#[codec(compact)] u32),
    /// A `u64`.
    #[codec(index = 3)]
    U64(#[codec(compact)] u64),
    /// A `u128`.
    #[codec(index = 4)]
    U128(#[codec(compact)] u128),
    /// An amount of rao.
    #[codec(index = 5)]
    TaoBalance(#[codec(compact)] u64),
    /// A signed fixed-point number.
    #[codec(index = 6)]
    I32F32(I32F32),
    /// An unsigned fixed-point number.
    #[codec(index = 7)]
    U64F64(U64F64),
}

/// One named hyperparameter (`HyperparamEntry`); `name` is ASCII snake_case.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct HyperparamEntry {
    /// The reference's name (`tempo`, `kappa`, …).
    pub name: Vec<u8>,
    /// Its value.
    pub value: HyperparamValue,
}

impl HyperparamEntry {
    /// An entry named `name`.
    pub fn new(name: &str, value: HyperparamValue) -> Self {
        HyperparamEntry { name: name.as_bytes().to_vec(), value }
    }
}
