//! Read-only queries: everything a client needs, as plain serialisable views.
//!
//! The metagraph of a subnet comes back whole (every per-uid vector in one value), so a client
//! needs one round trip for it.

use agora_primitives::{AccountId, Balance, BlockNumber, Hash, NetUid, Uid};
use serde::{Deserialize, Serialize};

use crate::call::SubnetIdentity;
use crate::emission::block_emission_for_issuance;
use crate::hyperparams::{GlobalParams, SubnetHyperparams};
use crate::staking::{hotkey_owner, stake_of, take_of, total_hotkey_stake};
use crate::state::*;
use crate::storage::StorageRead;
use crate::subnets::{hyperparams, network_lock_cost};

/// Chain-wide figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainInfo {
    /// Chain id.
    pub chain_id: String,
    /// Genesis hash.
    pub genesis_hash: Option<Hash>,
    /// Height of the state.
    pub block_number: BlockNumber,
    /// Timestamp of the last block (ms).
    pub timestamp_ms: u64,
    /// State root.
    pub state_root: Hash,
    /// Total issuance.
    pub total_issuance: Balance,
    /// Total stake.
    pub total_stake: Balance,
    /// Total recycled so far.
    pub total_recycled: Balance,
    /// Emission of the next block.
    pub block_emission: Balance,
    /// Cost to register a subnet now.
    pub network_lock_cost: Balance,
    /// Sudo key.
    pub sudo: Option<AccountId>,
    /// Chain-wide parameters.
    pub params: GlobalParams,
}

/// A subnet's summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetView {
    /// Netuid.
    pub netuid: NetUid,
    /// Owner coldkey.
    pub owner: Option<AccountId>,
    /// Owner hotkey.
    pub owner_hotkey: Option<AccountId>,
    /// Registration block.
    pub registered_at: BlockNumber,
    /// Locked TAO.
    pub locked: Balance,
    /// First emitting block (0 = not started).
    pub first_emission_block: BlockNumber,
    /// Number of uids.
    pub n: u16,
    /// Current registration burn.
    pub burn: Balance,
    /// Per-block emission share.
    pub emission_per_block: Balance,
    /// Emission accumulated since the last epoch.
    pub pending_emission: Balance,
    /// Last epoch block.
    pub last_epoch_block: BlockNumber,
    /// Hyperparameters.
    pub hyperparameters: SubnetHyperparams,
    /// Identity, if set.
    pub identity: Option<SubnetIdentity>,
}

impl SubnetView {
    /// Whether it emits: the root network always, a subnet once `start_call` has set its first
    /// emission block.
    pub fn started(&self) -> bool {
        self.netuid.is_root() || self.first_emission_block != BlockNumber::GENESIS
    }
}

/// One neuron's axon.
pub type Axon = AxonInfo;

/// All per-uid vectors of a subnet (the reference's metagraph fields).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metagraph {
    /// Netuid.
    pub netuid: NetUid,
    /// Block of the state.
    pub block: BlockNumber,
    /// Number of uids.
    pub n: u16,
    /// Hotkey per uid.
    pub hotkeys: Vec<AccountId>,
    /// Owning coldkey per uid.
    pub coldkeys: Vec<AccountId>,
    /// Stake of each hotkey as the epoch weighs it (rao): the stake on this subnet in the TAO
    /// era; on a dynamic chain the reference's total stake, `alpha + TaoWeight × root stake`,
    /// floored.
    pub stake: Vec<u64>,
    /// Alpha staked on each hotkey on this subnet (on a TAO-era chain, its TAO stake).
    #[serde(default)]
    pub alpha_stake: Vec<u64>,
    /// TAO each hotkey holds on root, which a dynamic subnet counts at TaoWeight (empty on a
    /// TAO-era chain, where root stake does not count).
    #[serde(default)]
    pub root_stake: Vec<u64>,
    /// Consensus (u16).
    pub consensus: Vec<u16>,
    /// Incentive (u16).
    pub incentive: Vec<u16>,
    /// Dividends (u16).
    pub dividends: Vec<u16>,
    /// Emission at the last epoch (rao).
    pub emission: Vec<u64>,
    /// Validator trust (u16).
    pub validator_trust: Vec<u16>,
    /// Validator permit.
    pub validator_permit: Vec<bool>,
    /// Active.
    pub active: Vec<bool>,
    /// Last weights update block.
    pub last_update: Vec<BlockNumber>,
    /// Registration block.
    pub block_at_registration: Vec<BlockNumber>,
    /// Normalised stake (u16).
    pub stake_weight: Vec<u16>,
    /// Axon per uid (default when never served).
    pub axons: Vec<AxonInfo>,
    /// Weights rows (only in full mode).
    pub weights: Option<Vec<SparseRow>>,
    /// Bonds rows (only in full mode).
    pub bonds: Option<Vec<SparseRow>>,
}

/// A stake position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeView {
    /// Coldkey.
    pub coldkey: AccountId,
    /// Hotkey.
    pub hotkey: AccountId,
    /// Subnet.
    pub netuid: NetUid,
    /// Value (rao).
    pub amount: Balance,
}

/// A hotkey others can stake on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegateView {
    /// Hotkey.
    pub hotkey: AccountId,
    /// Owner coldkey.
    pub owner: AccountId,
    /// Take (u16 proportion).
    pub take: u16,
    /// Stake per subnet.
    pub stake: Vec<(NetUid, Balance)>,
    /// Number of distinct nominators.
    pub nominators: u32,
    /// Subnets the hotkey is registered on.
    pub registrations: Vec<NetUid>,
}

/// Chain-wide figures.
pub fn chain_info(s: &(impl StorageRead + ?Sized)) -> ChainInfo {
    let block = BLOCK_NUMBER.get(s);
    let issuance = TOTAL_ISSUANCE.get(s);
    ChainInfo {
        chain_id: CHAIN_ID.get(s),
        genesis_hash: crate::executive::genesis_hash(s),
        block_number: BlockNumber(block),
        timestamp_ms: TIMESTAMP.get(s),
        state_root: crate::executive::state_root(s),
        total_issuance: Balance(issuance),
        total_stake: Balance(TOTAL_STAKE.get(s)),
        total_recycled: Balance(TOTAL_RECYCLED.get(s)),
        block_emission: Balance(block_emission_for_issuance(issuance)),
        network_lock_cost: Balance(network_lock_cost(s, block + 1)),
        sudo: SUDO_KEY.get(s),
        params: GLOBAL_PARAMS.get(s),
    }
}

/// Free balance.
pub fn balance(s: &(impl StorageRead + ?Sized), who: &AccountId) -> Balance {
    Balance(BALANCES.get(s, who))
}

/// Next nonce of an account.
pub fn nonce(s: &(impl StorageRead + ?Sized), who: &AccountId) -> u64 {
    NONCES.get(s, who)
}

fn subnet_view(s: &(impl StorageRead + ?Sized), netuid: NetUid, info: SubnetInfo) -> SubnetView {
    SubnetView {
        netuid,
        owner: info.owner,
        owner_hotkey: info.owner_hotkey,
        registered_at: BlockNumber(info.registered_at),
        locked: Balance(info.locked),
        first_emission_block: BlockNumber(info.first_emission_block),
        n: SUBNETWORK_N.get(s, &netuid),
        burn: Balance(BURN.get(s, &netuid)),
        emission_per_block: Balance(EMISSION_VALUES.get(s, &netuid)),
        pending_emission: Balance(PENDING_EMISSION.get(s, &netuid)),
        last_epoch_block: BlockNumber(LAST_EPOCH_BLOCK.get(s, &netuid)),
        hyperparameters: hyperparams(s, netuid),
        identity: SUBNET_IDENTITY.try_get(s, &netuid),
    }
}

/// Every subnet, root included, ascending netuid.
pub fn subnets(s: &(impl StorageRead + ?Sized)) -> Vec<SubnetView> {
    NETWORKS.iter(s).into_iter().map(|(n, info)| subnet_view(s, n, info)).collect()
}

/// One subnet.
pub fn subnet(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> Option<SubnetView> {
    NETWORKS.try_get(s, &netuid).map(|info| subnet_view(s, netuid, info))
}

/// The metagraph of `netuid` (`full` adds weights and bonds). `None` if the subnet does not exist.
pub fn metagraph(s: &(impl StorageRead + ?Sized), netuid: NetUid, full: bool) -> Option<Metagraph> {
    if !NETWORKS.contains(s, &netuid) {
        return None;
    }
    let n = SUBNETWORK_N.get(s, &netuid);
    let len = usize::from(n);
    let fit = |mut v: Vec<u16>| {
        v.resize(len, 0);
        v
    };
    let hotkeys: Vec<AccountId> =
        (0..n).map(|u| KEYS.try_get(s, &(netuid, Uid(u))).unwrap_or(AccountId([0; 32]))).collect();
    let rows = |m: &crate::storage::Map<(NetUid, Uid), SparseRow>| {
        (0..n).map(|u| m.try_get(s, &(netuid, Uid(u))).unwrap_or_default()).collect::<Vec<_>>()
    };
    let mut emission = EMISSION.get(s, &netuid);
    emission.resize(len, 0);
    let mut last_update = LAST_UPDATE.get(s, &netuid);
    last_update.resize(len, 0);
    let mut permit = VALIDATOR_PERMIT.get(s, &netuid);
    permit.resize(len, false);
    let mut active = ACTIVE.get(s, &netuid);
    active.resize(len, false);
    let alpha_stake: Vec<u64> = hotkeys.iter().map(|hk| total_hotkey_stake(s, hk, netuid)).collect();
    let (stake, root_stake) = if crate::pools::is_dynamic(s) {
        let tao_weight = crate::pools::dynamic_params(s).tao_weight;
        let root: Vec<u64> = hotkeys.iter().map(|hk| total_hotkey_stake(s, hk, NetUid::ROOT)).collect();
        let total = alpha_stake
            .iter()
            .zip(&root)
            .map(|(&a, &r)| agora_yuma::total_stake(a, r, tao_weight).saturating_to_num::<u64>())
            .collect();
        (total, root)
    } else {
        (alpha_stake.clone(), Vec::new())
    };
    Some(Metagraph {
        netuid,
        block: BlockNumber(BLOCK_NUMBER.get(s)),
        n,
        coldkeys: hotkeys.iter().map(|hk| hotkey_owner(s, hk).unwrap_or(AccountId([0; 32]))).collect(),
        stake,
        alpha_stake,
        root_stake,
        consensus: fit(CONSENSUS.get(s, &netuid)),
        incentive: fit(INCENTIVE.get(s, &netuid)),
        dividends: fit(DIVIDENDS.get(s, &netuid)),
        emission,
        validator_trust: fit(VALIDATOR_TRUST.get(s, &netuid)),
        validator_permit: permit,
        active,
        last_update: last_update.into_iter().map(BlockNumber).collect(),
        block_at_registration: (0..n).map(|u| BlockNumber(BLOCK_AT_REGISTRATION.get(s, &(netuid, Uid(u))))).collect(),
        stake_weight: fit(STAKE_WEIGHT.get(s, &netuid)),
        axons: hotkeys.iter().map(|hk| AXONS.try_get(s, &(netuid, *hk)).unwrap_or_default()).collect(),
        weights: full.then(|| rows(&WEIGHTS)),
        bonds: full.then(|| rows(&BONDS)),
        hotkeys,
    })
}

/// Weights rows of a subnet: `(uid, row)` for every uid with a stored row.
pub fn weights(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> Vec<(Uid, SparseRow)> {
    WEIGHTS.iter_prefix(s, &netuid).into_iter().map(|((_, u), r)| (u, r)).collect()
}

/// Bonds rows of a subnet.
pub fn bonds(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> Vec<(Uid, SparseRow)> {
    BONDS.iter_prefix(s, &netuid).into_iter().map(|((_, u), r)| (u, r)).collect()
}

/// Stake of `coldkey` on `hotkey` on `netuid`.
pub fn stake(s: &(impl StorageRead + ?Sized), coldkey: &AccountId, hotkey: &AccountId, netuid: NetUid) -> Balance {
    Balance(stake_of(s, hotkey, netuid, coldkey))
}

/// Every stake position of `coldkey`.
pub fn stakes_of_coldkey(s: &(impl StorageRead + ?Sized), coldkey: &AccountId) -> Vec<StakeView> {
    STAKING_HOTKEYS
        .iter_prefix(s, coldkey)
        .into_iter()
        .map(|((c, hotkey, netuid), ())| StakeView {
            coldkey: c,
            hotkey,
            netuid,
            amount: Balance(stake_of(s, &hotkey, netuid, &c)),
        })
        .collect()
}

/// Every position staked on `hotkey` (all subnets).
pub fn stakes_on_hotkey(s: &(impl StorageRead + ?Sized), hotkey: &AccountId) -> Vec<StakeView> {
    crate::staking::positions_on(s, hotkey)
        .into_iter()
        .map(|(netuid, coldkey)| StakeView {
            coldkey,
            hotkey: *hotkey,
            netuid,
            amount: Balance(stake_of(s, hotkey, netuid, &coldkey)),
        })
        .collect()
}

/// Hotkeys holding stake, with take, stake per subnet, nominators and registrations.
pub fn delegates(s: &(impl StorageRead + ?Sized)) -> Vec<DelegateView> {
    let mut by_hotkey: std::collections::BTreeMap<AccountId, Vec<(NetUid, Balance)>> = Default::default();
    for ((hotkey, netuid), value) in TOTAL_HOTKEY_STAKE.iter(s) {
        by_hotkey.entry(hotkey).or_default().push((netuid, Balance(value)));
    }
    by_hotkey
        .into_iter()
        .filter_map(|(hotkey, stake)| {
            let owner = hotkey_owner(s, &hotkey)?;
            let mut nominators: Vec<AccountId> =
                crate::staking::positions_on(s, &hotkey).into_iter().map(|(_, c)| c).collect();
            nominators.sort();
            nominators.dedup();
            let registrations = IS_NETWORK_MEMBER.iter_prefix(s, &hotkey).into_iter().map(|((_, n), ())| n).collect();
            Some(DelegateView {
                hotkey,
                owner,
                take: take_of(s, &hotkey),
                stake,
                nominators: nominators.len() as u32,
                registrations,
            })
        })
        .collect()
}

/// The uid of `hotkey` on `netuid`.
pub fn uid_of(s: &(impl StorageRead + ?Sized), netuid: NetUid, hotkey: &AccountId) -> Option<Uid> {
    UIDS.try_get(s, &(netuid, *hotkey))
}

/// Pending weight commits of `hotkey` on `netuid`.
pub fn weight_commits(s: &(impl StorageRead + ?Sized), netuid: NetUid, hotkey: &AccountId) -> Vec<WeightCommit> {
    WEIGHT_COMMITS.try_get(s, &(netuid, *hotkey)).unwrap_or_default()
}

/// Checks conservation: `TotalIssuance = Σ free + Σ stake + Σ locked + Σ pending emission` and
/// `TotalStake = Σ pool values`. Returns the two sides on failure. O(state): for tests and audits.
pub fn check_conservation(s: &(impl StorageRead + ?Sized)) -> Result<(), String> {
    if crate::pools::is_dynamic(s) {
        return check_dynamic_conservation(s);
    }
    let free: u128 = BALANCES.iter(s).into_iter().map(|(_, b)| u128::from(b)).sum();
    let staked: u128 = TOTAL_HOTKEY_STAKE.iter(s).into_iter().map(|(_, v)| u128::from(v)).sum();
    let locked: u128 = NETWORKS.iter(s).into_iter().map(|(_, i)| u128::from(i.locked)).sum();
    let pending: u128 = PENDING_EMISSION.iter(s).into_iter().map(|(_, p)| u128::from(p)).sum();
    let issuance = u128::from(TOTAL_ISSUANCE.get(s));
    if issuance != free + staked + locked + pending {
        return Err(format!(
            "issuance {issuance} != free {free} + stake {staked} + locked {locked} + pending {pending}"
        ));
    }
    if u128::from(TOTAL_STAKE.get(s)) != staked {
        return Err(format!("TotalStake {} != Σ pools {staked}", TOTAL_STAKE.get(s)));
    }
    Ok(())
}

/// Dynamic TAO's invariants: `TotalIssuance = free + TAO in pools + swap fees in flight`,
/// `TotalStake = TAO in pools`, and per subnet the alpha outside its pool covers every stake on
/// it, its pending alpha and the protocol's alpha (what is left over is rounding dust and burned
/// incentive, unowned, as in the reference).
pub fn check_dynamic_conservation(s: &(impl StorageRead + ?Sized)) -> Result<(), String> {
    let free: u128 = BALANCES.iter(s).into_iter().map(|(_, b)| u128::from(b)).sum();
    let pools = SUBNET_POOLS.iter(s);
    let in_pools: u128 = pools.iter().map(|(_, p)| u128::from(p.tao)).sum();
    let fees = u128::from(SWAP_FEES.get(s));
    let issuance = u128::from(TOTAL_ISSUANCE.get(s));
    if issuance != free + in_pools + fees {
        return Err(format!("issuance {issuance} != free {free} + TAO in pools {in_pools} + swap fees {fees}"));
    }
    if u128::from(TOTAL_STAKE.get(s)) != in_pools {
        return Err(format!("TotalStake {} != TAO in pools {in_pools}", TOTAL_STAKE.get(s)));
    }
    for (netuid, pool) in pools {
        if netuid.is_root() {
            continue;
        }
        let staked: u128 =
            TOTAL_HOTKEY_STAKE.iter(s).into_iter().filter(|((_, n), _)| *n == netuid).map(|(_, v)| u128::from(v)).sum();
        let pending = u128::from(crate::pools::pending_alpha(s, netuid).total());
        let owned = staked + pending + u128::from(pool.protocol_alpha);
        if u128::from(pool.alpha_out) < owned {
            return Err(format!(
                "subnet {netuid}: alpha outside the pool {} < stakes {staked} + pending {pending} + protocol {}",
                pool.alpha_out, pool.protocol_alpha
            ));
        }
    }
    Ok(())
}

/// Dynamic TAO: a subnet's pool as the APIs show it (the reference's `DynamicInfo` pool fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolInfo {
    /// The subnet.
    pub netuid: NetUid,
    /// Spot price, rao per alpha.
    pub price: u64,
    /// Price EMA, rao per alpha (`moving_price`).
    pub moving_price: u64,
    /// TAO in the pool (`tao_in`, `SubnetTAO`).
    pub tao_in: Balance,
    /// Alpha in the pool (`alpha_in`).
    pub alpha_in: u64,
    /// Alpha outside the pool (`alpha_out`).
    pub alpha_out: u64,
    /// TAO weight of the pool's curve, parts per 10¹⁸ (½ for a constant-product pool).
    pub quote_weight: u64,
    /// Swap fee, parts of 65,535.
    pub fee_rate: u16,
    /// TAO volume (`subnet_volume`).
    pub volume: u128,
    /// Whether the subnet gets TAO emission.
    pub emission_enabled: bool,
    /// Last block's TAO injected (`tao_in_emission`).
    pub tao_in_emission: u64,
    /// Last block's alpha injected (`alpha_in_emission`).
    pub alpha_in_emission: u64,
    /// Last block's alpha emitted outside the pool (`alpha_out_emission`).
    pub alpha_out_emission: u64,
    /// Alpha pending for miners and validators (`pending_alpha_emission`).
    pub pending_alpha_emission: u64,
    /// Of which for miners.
    pub pending_server: u64,
    /// Of which for validators.
    pub pending_validator: u64,
    /// Alpha pending for root stakers.
    pub pending_root_emission: u64,
    /// Alpha pending for the owner.
    pub pending_owner_cut: u64,
    /// Alpha the protocol bought with emission.
    pub protocol_alpha: u64,
    /// Alpha burned with `burn_alpha` (still in `alpha_out`).
    #[serde(default)]
    pub alpha_burned: u64,
    /// Whether the curve's weights are set (by the first swap, or a seeded price).
    #[serde(default)]
    pub initialized: bool,
    /// A stable pool (1 TAO = 1 alpha, no fee: root's) rather than the weighted curve.
    #[serde(default)]
    pub stable: bool,
    /// The chain's minimum reserve a swap must leave (rao; the reference's default from a node
    /// that does not say).
    #[serde(default = "default_minimum_reserve")]
    pub minimum_reserve: u64,
}

fn default_minimum_reserve() -> u64 {
    agora_economy::swap::DEFAULT_MINIMUM_RESERVE
}

impl PoolInfo {
    /// The pool itself, to quote swaps against (with [`PoolInfo::minimum_reserve`]).
    pub fn pool(&self) -> agora_economy::Pool {
        crate::pools::PoolState {
            // Root's pool is stable whatever an older node leaves out.
            mechanism: u8::from(!(self.stable || self.netuid.is_root())),
            tao: self.tao_in.rao(),
            alpha_in: self.alpha_in,
            alpha_out: self.alpha_out,
            quote_weight: self.quote_weight,
            initialized: self.initialized,
            fee_rate: self.fee_rate,
            volume: self.volume,
            ..Default::default()
        }
        .pool()
    }
}

/// Dynamic TAO: the alpha dividends `hotkey` passed to its stakers at `netuid`'s last epoch, after
/// its take (the reference's `AlphaDividendsPerSubnet`); 0 on a TAO-era chain.
pub fn alpha_dividends(s: &(impl StorageRead + ?Sized), netuid: NetUid, hotkey: &AccountId) -> u64 {
    ALPHA_DIVIDENDS.get(s, &(netuid, *hotkey))
}

/// Dynamic TAO: the root dividends `hotkey` made claimable at `netuid`'s last epoch, after its take
/// (`RootAlphaDividendsPerSubnet`).
pub fn root_alpha_dividends(s: &(impl StorageRead + ?Sized), netuid: NetUid, hotkey: &AccountId) -> u64 {
    ROOT_ALPHA_DIVIDENDS.get(s, &(netuid, *hotkey))
}

/// A subnet's pool (`None` on a TAO-era chain or for a subnet that does not exist).
pub fn pool(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> Option<PoolInfo> {
    use agora_economy::fixed::{I96F32, U64F64};
    let state = crate::pools::pool_state(s, netuid)?;
    let pending = crate::pools::pending_alpha(s, netuid);
    let ema = U64F64::saturating_from_num(state.moving_price().max(I96F32::from_num(0)));
    Some(PoolInfo {
        netuid,
        price: state.pool().price_rao(),
        moving_price: ema.saturating_mul(U64F64::from_num(1_000_000_000u64)).saturating_to_num::<u64>(),
        tao_in: Balance(state.tao),
        alpha_in: state.alpha_in,
        alpha_out: state.alpha_out,
        quote_weight: state.pool().curve.quote_weight().parts(),
        fee_rate: state.fee_rate,
        volume: state.volume,
        emission_enabled: state.emission_enabled,
        tao_in_emission: state.last_emission.0,
        alpha_in_emission: state.last_emission.1,
        alpha_out_emission: state.last_emission.2,
        pending_alpha_emission: pending.server.saturating_add(pending.validator),
        pending_server: pending.server,
        pending_validator: pending.validator,
        pending_root_emission: pending.root,
        pending_owner_cut: pending.owner_cut,
        protocol_alpha: state.protocol_alpha,
        alpha_burned: state.alpha_burned,
        initialized: state.initialized,
        stable: state.mechanism == 0,
        minimum_reserve: crate::pools::dynamic_params(s).minimum_reserve,
    })
}

/// Every pool, root's included, ascending netuid (empty on a TAO-era chain).
pub fn pools(s: &(impl StorageRead + ?Sized)) -> Vec<PoolInfo> {
    SUBNET_POOLS.iter(s).into_iter().filter_map(|(n, _)| pool(s, n)).collect()
}

/// The chain's economy.
pub fn economy(s: &(impl StorageRead + ?Sized)) -> crate::pools::Economy {
    crate::pools::economy(s)
}

/// The value of `hotkey`'s stake pool on `netuid` (alpha on a dynamic chain, TAO in the TAO era).
pub fn hotkey_stake(s: &(impl StorageRead + ?Sized), hotkey: &AccountId, netuid: NetUid) -> u64 {
    total_hotkey_stake(s, hotkey, netuid)
}
