//! Dynamic TAO's state in the runtime: which economy the chain runs, its parameters, and each
//! subnet's pool (reserves, weights, price EMA, emission gate) and pending alpha. The rules live
//! in [`agora_economy`]; this module stores what they need and reads it back.
//!
//! A chain of the TAO era (`economy = "tao"`, the default) writes none of these items, so its
//! state, state root and genesis hash are what they were before dynamic TAO existed.

use agora_economy::fixed::{I96F32, Perquintill, U96F32};
use agora_economy::{Balancer, Mechanism, Pool};
use agora_primitives::NetUid;
use parity_scale_codec::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::state::{DYNAMIC_PARAMS, ECONOMY, PENDING_ALPHA, SUBNET_POOLS};
use crate::storage::StorageRead;

/// Which economy a chain runs, chosen in genesis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Economy {
    /// The TAO era: stake is TAO, the root network's weights split emission.
    #[default]
    Tao,
    /// Dynamic TAO: a pool per subnet, stake is alpha, emission follows price.
    Dynamic,
}

/// Parameters of the dynamic economy (genesis `dynamic`; root may change them later).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DynamicParams {
    /// Weight of root stake against alpha stake, parts of `u64::MAX` (`TaoWeight`; default
    /// 0.18, the value the reference's migration wrote).
    pub tao_weight: u64,
    /// Swap fee of new pools, parts of 65,535 (default 33 ≈ 0.05 %).
    pub fee_rate: u16,
    /// No swap may leave less than this in the reserve it pays out of (rao).
    pub minimum_reserve: u64,
    /// Price-EMA speed, parts per 10¹⁸ (`SubnetMovingAlpha`; default 0.000003).
    pub moving_alpha: u64,
    /// Blocks for the price EMA's weight to reach half of `moving_alpha` (`EMAPriceHalvingBlocks`).
    pub ema_halving_blocks: u64,
}

impl Default for DynamicParams {
    fn default() -> DynamicParams {
        DynamicParams {
            tao_weight: 3_320_413_933_267_719_290,
            fee_rate: agora_economy::swap::DEFAULT_FEE_RATE,
            minimum_reserve: agora_economy::swap::DEFAULT_MINIMUM_RESERVE,
            moving_alpha: 3_000_000_000_000,
            ema_halving_blocks: 201_600,
        }
    }
}

impl DynamicParams {
    /// `TaoWeight` as a fraction.
    pub fn tao_weight(&self) -> U96F32 {
        agora_economy::emission::tao_weight(self.tao_weight)
    }

    /// `SubnetMovingAlpha` as I96F32.
    pub fn moving_alpha(&self) -> I96F32 {
        I96F32::saturating_from_num(self.moving_alpha)
            .checked_div(I96F32::saturating_from_num(agora_economy::fixed::ACCURACY))
            .unwrap_or(I96F32::from_num(0))
    }
}

/// A subnet's pool as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct PoolState {
    /// 0 = stable (root), 1 = dynamic.
    pub mechanism: u8,
    /// TAO in the pool (`SubnetTAO`).
    pub tao: u64,
    /// Alpha in the pool (`SubnetAlphaIn`).
    pub alpha_in: u64,
    /// Alpha outside the pool (`SubnetAlphaOut`).
    pub alpha_out: u64,
    /// TAO weight `w₂`, parts per 10¹⁸.
    pub quote_weight: u64,
    /// Whether the weights were initialised.
    pub initialized: bool,
    /// Swap fee, parts of 65,535.
    pub fee_rate: u16,
    /// TAO volume.
    pub volume: u128,
    /// Alpha the protocol bought with emission (`SubnetProtocolAlpha`; counted in `alpha_out`).
    pub protocol_alpha: u64,
    /// Price EMA, I96F32 bits (`SubnetMovingPrice`).
    pub moving_price: i128,
    /// Whether the subnet gets TAO emission (`SubnetEmissionEnabled`).
    pub emission_enabled: bool,
    /// Share of the last epoch's incentive withheld, U96F32 bits (`MinerBurned`).
    pub miner_burned: u128,
    /// Last block's TAO injected, alpha injected and alpha emitted outside (for the APIs).
    pub last_emission: (u64, u64, u64),
    /// Alpha burned with `burn_alpha` (`AlphaBurned`; still counted in `alpha_out`).
    pub alpha_burned: u64,
}

impl PoolState {
    /// The pool the swap rules work on.
    pub fn pool(&self) -> Pool {
        Pool {
            mechanism: if self.mechanism == 0 { Mechanism::Stable } else { Mechanism::Dynamic },
            tao: self.tao,
            alpha_in: self.alpha_in,
            alpha_out: self.alpha_out,
            curve: Balancer::new(Perquintill::from_parts(self.quote_weight)).unwrap_or_default(),
            initialized: self.initialized,
            fee_rate: self.fee_rate,
            volume: self.volume,
        }
    }

    /// Takes back what a swap changed.
    pub fn set_pool(&mut self, pool: &Pool) {
        self.mechanism = u8::from(pool.mechanism == Mechanism::Dynamic);
        self.tao = pool.tao;
        self.alpha_in = pool.alpha_in;
        self.alpha_out = pool.alpha_out;
        self.quote_weight = pool.curve.quote_weight().parts();
        self.initialized = pool.initialized;
        self.fee_rate = pool.fee_rate;
        self.volume = pool.volume;
    }

    /// A stored pool for `pool`, emission enabled or not.
    pub fn from_pool(pool: &Pool, emission_enabled: bool) -> PoolState {
        let mut state = PoolState { emission_enabled, ..PoolState::default() };
        state.set_pool(pool);
        state
    }

    /// The price EMA.
    pub fn moving_price(&self) -> I96F32 {
        I96F32::from_bits(self.moving_price)
    }

    /// `MinerBurned`.
    pub fn miner_burned(&self) -> U96F32 {
        U96F32::from_bits(self.miner_burned)
    }
}

/// Alpha emitted to a subnet and waiting for its epoch (the reference's four pending maps).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct PendingAlpha {
    /// For miners (`PendingServerEmission`).
    pub server: u64,
    /// For validators (`PendingValidatorEmission`).
    pub validator: u64,
    /// For root stakers (`PendingRootAlphaDivs`).
    pub root: u64,
    /// For the owner (`PendingOwnerCut`).
    pub owner_cut: u64,
}

impl PendingAlpha {
    /// All of it.
    pub fn total(&self) -> u64 {
        self.server.saturating_add(self.validator).saturating_add(self.root).saturating_add(self.owner_cut)
    }
}

/// The chain's economy.
pub fn economy(s: &(impl StorageRead + ?Sized)) -> Economy {
    ECONOMY.get(s)
}

/// Whether the chain runs dynamic TAO.
pub fn is_dynamic(s: &(impl StorageRead + ?Sized)) -> bool {
    economy(s) == Economy::Dynamic
}

/// The dynamic economy's parameters.
pub fn dynamic_params(s: &(impl StorageRead + ?Sized)) -> DynamicParams {
    DYNAMIC_PARAMS.get(s)
}

/// A subnet's pool (`None` on a TAO-era chain or for a subnet without one).
pub fn pool_state(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> Option<PoolState> {
    SUBNET_POOLS.try_get(s, &netuid)
}

/// A subnet's pending alpha.
pub fn pending_alpha(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> PendingAlpha {
    PENDING_ALPHA.try_get(s, &netuid).unwrap_or_default()
}
