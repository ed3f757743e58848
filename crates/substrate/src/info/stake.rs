//! Stake positions and pool quotes (`rpc_info/stake_info.rs`, `pallets/swap/runtime-api`).

use parity_scale_codec::{Decode, Encode};
use scale_info::TypeInfo;

use crate::types::AccountId32;

/// One stake position (`StakeInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct StakeInfo {
    /// Hotkey staked on.
    pub hotkey: AccountId32,
    /// Staker.
    pub coldkey: AccountId32,
    /// Subnet.
    #[codec(compact)]
    pub netuid: u16,
    /// Stake (rao; alpha ≡ TAO).
    #[codec(compact)]
    pub stake: u64,
    /// Locked (0).
    #[codec(compact)]
    pub locked: u64,
    /// The hotkey's dividends (0: Agora keeps no per-hotkey dividend amounts).
    #[codec(compact)]
    pub emission: u64,
    /// Root dividends (0).
    #[codec(compact)]
    pub tao_emission: u64,
    /// Drain (0).
    #[codec(compact)]
    pub drain: u64,
    /// Whether the hotkey holds a uid on the subnet.
    pub is_registered: bool,
}

/// A subnet's alpha price (`SubnetPrice`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct SubnetPrice {
    /// Subnet.
    pub netuid: u16,
    /// Rao per alpha (1e9 = 1.0).
    pub price: u64,
}

/// A simulated swap (`SimSwapResult`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct SimSwapResult {
    /// TAO side (rao).
    pub tao_amount: u64,
    /// Alpha side (rao).
    pub alpha_amount: u64,
    /// Fee in TAO.
    pub tao_fee: u64,
    /// Fee in alpha.
    pub alpha_fee: u64,
    /// Slippage in TAO.
    pub tao_slippage: u64,
    /// Slippage in alpha.
    pub alpha_slippage: u64,
}
