//! Genesis: the configuration of a new chain and the state it starts from.
//!
//! # Format
//!
//! JSON or TOML with these keys (unknown keys are an error that names them):
//!
//! ```json
//! {
//!   "chain_id": "agora-local",
//!   "sudo": "5Grw…",
//!   "balances": { "5Grw…": 1000000000000 },
//!   "params": { "tx_fee": 0, "allow_loopback_axons": true },
//!   "root": { "tempo": 100 },
//!   "root_validators": [ { "hotkey": "5F…", "coldkey": "5D…" } ],
//!   "subnets": [ { "netuid": 1, "owner": "5D…", "owner_hotkey": "5F…", "started": true,
//!                  "hyperparameters": { "tempo": 10 },
//!                  "neurons": [ { "hotkey": "5H…", "coldkey": "5C…", "registered_at": 0 } ] } ],
//!   "stakes": [ { "coldkey": "5C…", "hotkey": "5H…", "netuid": 1, "amount": 5000000000 } ],
//!   "economy": "tao"
//! }
//! ```
//!
//! With `"economy": "dynamic"` each subnet may give `"pool": {"tao", "alpha", "w2", "moving_price"}`
//! and `"emission_enabled"`, a top-level `"dynamic"` object sets the economy's parameters
//! ([`DynamicParams`]), subnet stakes buy alpha through the pool at genesis, and the TAO in
//! pools is part of genesis issuance.
//!
//! Amounts are rao. Total issuance at genesis is the sum of all balances and stakes. Stakes are
//! placed directly (genesis is not subject to the minimum stake). The genesis hash, which every
//! transaction signature commits to, is `blake2b-256("agora/genesis/v1" ‖ genesis state root)`.

use std::collections::{BTreeMap, BTreeSet};

use agora_primitives::{AccountId, Balance, Hash, NetUid, blake2_256_concat};
use parity_scale_codec::Encode;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::context::Ctx;
use crate::error::DispatchError;
use crate::executive::{META_GENESIS_HASH_KEY, commit_root};
use crate::hyperparams::{GlobalParams, MAX_ALLOWED_UIDS_CEILING, ROOT_MAX_UIDS, SubnetHyperparams};
use crate::pools::{DynamicParams, Economy, PoolState};
use crate::registration::append_neuron;
use crate::staking::{create_account_if_non_existent, hotkey_owner, increase_stake};
use crate::state::*;
use crate::storage::{ChangeSet, MemoryStorage, Overlay};
use crate::subnets::init_new_network;

/// Domain tag of the genesis hash.
pub const GENESIS_DOMAIN: &[u8] = b"agora/genesis/v1";

/// A hotkey and the coldkey that owns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisKeys {
    /// Hotkey.
    pub hotkey: AccountId,
    /// Owning coldkey.
    pub coldkey: AccountId,
}

/// A neuron registered at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisNeuron {
    /// Hotkey.
    pub hotkey: AccountId,
    /// Owning coldkey.
    pub coldkey: AccountId,
    /// Registration block (also its last update); default 0.
    #[serde(default)]
    pub registered_at: u64,
}

/// A subnet that exists at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisSubnet {
    /// Its netuid (≥ 1).
    pub netuid: u16,
    /// Owner coldkey.
    pub owner: AccountId,
    /// Owner hotkey (uid 0).
    pub owner_hotkey: AccountId,
    /// Whether emission flows from block 1 (as if `start_call` was made); default true.
    #[serde(default = "default_true")]
    pub started: bool,
    /// Hyperparameters; omitted ones take the new-subnet defaults.
    #[serde(default)]
    pub hyperparameters: SubnetHyperparams,
    /// Whether the owner hotkey takes uid 0 (default true, as `register_network` does). When
    /// false the owner has no uid, so no owner exemption applies in the epoch (the reference's
    /// unit tests set subnets up this way).
    #[serde(default = "default_true")]
    pub register_owner: bool,
    /// Further neurons, in uid order after the owner's.
    #[serde(default)]
    pub neurons: Vec<GenesisNeuron>,
    /// Dynamic TAO: the subnet's pool at genesis (default: the minimum lock cost in TAO against
    /// as much alpha, price 1). Ignored in the TAO era.
    #[serde(default)]
    pub pool: Option<GenesisPool>,
    /// Dynamic TAO: whether the subnet gets TAO emission from the start (default true; a subnet
    /// registered later starts with it off until root enables it, as in the reference).
    #[serde(default = "default_true")]
    pub emission_enabled: bool,
}

/// A dynamic subnet's pool at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisPool {
    /// TAO in the pool (rao); part of genesis issuance.
    pub tao: u64,
    /// Alpha in the pool (rao).
    pub alpha: u64,
    /// TAO weight `w₂`, parts per 10¹⁸ (default ½); within [0.01, 0.99].
    #[serde(default)]
    pub w2: Option<u64>,
    /// Starting price EMA, rao per alpha (default 0, as a new subnet).
    #[serde(default)]
    pub moving_price: Option<u64>,
}

fn default_true() -> bool {
    true
}

fn default_root() -> SubnetHyperparams {
    SubnetHyperparams::root_defaults()
}

/// Stake placed at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisStake {
    /// Staker.
    pub coldkey: AccountId,
    /// Hotkey staked on (must have an owner at genesis).
    pub hotkey: AccountId,
    /// Subnet (0 = root stake).
    pub netuid: u16,
    /// Amount in rao.
    pub amount: Balance,
}

/// The whole genesis configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisConfig {
    /// Chain identifier (part of the genesis hash, so two chains never share signatures).
    pub chain_id: String,
    /// Sudo key, if any.
    #[serde(default)]
    pub sudo: Option<AccountId>,
    /// Free balances (rao).
    #[serde(default)]
    pub balances: BTreeMap<AccountId, Balance>,
    /// Chain-wide parameters.
    #[serde(default)]
    pub params: GlobalParams,
    /// Root network hyperparameters.
    #[serde(default = "default_root")]
    pub root: SubnetHyperparams,
    /// Root validators registered at genesis.
    #[serde(default)]
    pub root_validators: Vec<GenesisKeys>,
    /// Subnets.
    #[serde(default)]
    pub subnets: Vec<GenesisSubnet>,
    /// Stakes. On a dynamic chain a subnet stake buys alpha through the subnet's pool, fee-free,
    /// in the order given; a root stake (netuid 0) is TAO, one for one.
    #[serde(default)]
    pub stakes: Vec<GenesisStake>,
    /// The economy: `"tao"` (the TAO era, default) or `"dynamic"` (dynamic TAO).
    #[serde(default)]
    pub economy: Economy,
    /// Parameters of the dynamic economy (ignored in the TAO era).
    #[serde(default)]
    pub dynamic: DynamicParams,
}

/// Why a genesis configuration is unusable.
#[derive(Debug, Error)]
pub enum GenesisError {
    /// Not valid JSON/TOML or has unknown keys.
    #[error("cannot parse genesis: {0}")]
    Parse(String),
    /// A subnet uses netuid 0 or a netuid twice.
    #[error("subnet netuid {0} is reserved or used twice")]
    BadNetuid(u16),
    /// A hotkey is claimed by two coldkeys.
    #[error("hotkey {hotkey} is owned by both {first} and {second}")]
    HotkeyOwnedTwice {
        /// Hotkey.
        hotkey: AccountId,
        /// First owner.
        first: AccountId,
        /// Second owner.
        second: AccountId,
    },
    /// A hotkey appears twice in one subnet.
    #[error("hotkey {hotkey} is registered twice on netuid {netuid}")]
    DuplicateNeuron {
        /// Subnet.
        netuid: u16,
        /// Hotkey.
        hotkey: AccountId,
    },
    /// More neurons than the subnet allows.
    #[error("netuid {netuid} has {count} neurons but max_allowed_uids is {max}")]
    TooManyNeurons {
        /// Subnet.
        netuid: u16,
        /// Neurons configured.
        count: usize,
        /// Limit.
        max: u16,
    },
    /// A stake targets a missing subnet or a hotkey nobody owns.
    #[error("stake of {coldkey} on {hotkey} (netuid {netuid}): {reason}")]
    BadStake {
        /// Staker.
        coldkey: AccountId,
        /// Hotkey.
        hotkey: AccountId,
        /// Subnet.
        netuid: u16,
        /// What is wrong.
        reason: &'static str,
    },
    /// A parameter has a value its setter would refuse.
    #[error("invalid genesis parameter: {0}")]
    InvalidParameter(String),
    /// Issuance exceeds the supply cap or overflows.
    #[error("total issuance at genesis exceeds 21,000,000 TAO")]
    IssuanceTooLarge,
    /// A state operation failed (only on absurd amounts).
    #[error("building genesis state failed: {0}")]
    State(DispatchError),
}

/// The genesis state.
#[derive(Clone, Debug)]
pub struct Genesis {
    /// Everything to write (into an empty store).
    pub changes: ChangeSet,
    /// State root at genesis.
    pub state_root: Hash,
    /// Genesis hash (signature domain).
    pub genesis_hash: Hash,
}

impl Genesis {
    /// The genesis state in a fresh in-memory store.
    pub fn into_memory(self) -> MemoryStorage {
        let mut s = MemoryStorage::new();
        s.commit(self.changes);
        s
    }
}

impl GenesisConfig {
    /// Parses JSON.
    pub fn from_json(text: &str) -> Result<Self, GenesisError> {
        serde_json::from_str(text).map_err(|e| GenesisError::Parse(e.to_string()))
    }

    /// Parses TOML.
    pub fn from_toml(text: &str) -> Result<Self, GenesisError> {
        toml::from_str(text).map_err(|e| GenesisError::Parse(e.to_string()))
    }

    /// A configuration with only a chain id (root network, no accounts).
    pub fn new(chain_id: impl Into<String>) -> Self {
        GenesisConfig {
            chain_id: chain_id.into(),
            sudo: None,
            balances: BTreeMap::new(),
            params: GlobalParams::default(),
            root: SubnetHyperparams::root_defaults(),
            root_validators: Vec::new(),
            subnets: Vec::new(),
            stakes: Vec::new(),
            economy: Economy::Tao,
            dynamic: DynamicParams::default(),
        }
    }

    fn check_params(&self) -> Result<(), GenesisError> {
        let bad = |what: String| Err(GenesisError::InvalidParameter(what));
        let p = &self.params;
        if p.max_epochs_per_block == 0 {
            return bad("params.max_epochs_per_block must be at least 1".into());
        }
        if p.min_delegate_take > p.max_delegate_take
            || !(p.min_delegate_take..=p.max_delegate_take).contains(&p.default_take)
        {
            return bad(format!(
                "params: need min_delegate_take ({}) ≤ default_take ({}) ≤ max_delegate_take ({})",
                p.min_delegate_take, p.default_take, p.max_delegate_take
            ));
        }
        let subnets = std::iter::once(("root".to_string(), &self.root, ROOT_MAX_UIDS)).chain(
            self.subnets.iter().map(|s| (format!("subnet {}", s.netuid), &s.hyperparameters, MAX_ALLOWED_UIDS_CEILING)),
        );
        for (name, h, ceiling) in subnets {
            if h.max_allowed_uids > ceiling {
                return bad(format!("{name}: max_allowed_uids {} is above {ceiling}", h.max_allowed_uids));
            }
            if h.min_burn > h.max_burn {
                return bad(format!("{name}: min_burn is above max_burn"));
            }
            if h.alpha_low > h.alpha_high {
                return bad(format!("{name}: alpha_low is above alpha_high"));
            }
            if !(1..=100).contains(&h.reveal_period_epochs) {
                return bad(format!("{name}: reveal_period_epochs must be within 1..=100"));
            }
        }
        Ok(())
    }

    fn check(&self) -> Result<(), GenesisError> {
        self.check_params()?;
        let mut owners: BTreeMap<AccountId, AccountId> = BTreeMap::new();
        let mut claim = |hotkey: AccountId, coldkey: AccountId| match owners.get(&hotkey) {
            Some(first) if *first != coldkey => {
                Err(GenesisError::HotkeyOwnedTwice { hotkey, first: *first, second: coldkey })
            }
            _ => {
                owners.insert(hotkey, coldkey);
                Ok(())
            }
        };
        let mut netuids = BTreeSet::new();
        for k in &self.root_validators {
            claim(k.hotkey, k.coldkey)?;
        }
        if self.root_validators.len() > usize::from(self.root.max_allowed_uids.min(ROOT_MAX_UIDS)) {
            return Err(GenesisError::TooManyNeurons {
                netuid: 0,
                count: self.root_validators.len(),
                max: self.root.max_allowed_uids.min(ROOT_MAX_UIDS),
            });
        }
        for sn in &self.subnets {
            if sn.netuid == 0 || !netuids.insert(sn.netuid) {
                return Err(GenesisError::BadNetuid(sn.netuid));
            }
            claim(sn.owner_hotkey, sn.owner)?;
            let mut seen = BTreeSet::from([sn.owner_hotkey]);
            for n in &sn.neurons {
                claim(n.hotkey, n.coldkey)?;
                if !seen.insert(n.hotkey) {
                    return Err(GenesisError::DuplicateNeuron { netuid: sn.netuid, hotkey: n.hotkey });
                }
            }
            let count = sn.neurons.len() + usize::from(sn.register_owner);
            if count > usize::from(sn.hyperparameters.max_allowed_uids) {
                return Err(GenesisError::TooManyNeurons {
                    netuid: sn.netuid,
                    count,
                    max: sn.hyperparameters.max_allowed_uids,
                });
            }
        }
        for st in &self.stakes {
            let bad =
                |reason| GenesisError::BadStake { coldkey: st.coldkey, hotkey: st.hotkey, netuid: st.netuid, reason };
            if st.netuid != 0 && !netuids.contains(&st.netuid) {
                return Err(bad("no such subnet"));
            }
            if !owners.contains_key(&st.hotkey) {
                return Err(bad("the hotkey is not a genesis neuron, subnet owner or root validator"));
            }
        }
        let mut issuance: u64 = 0;
        for amount in self.balances.values().chain(self.stakes.iter().map(|s| &s.amount)) {
            issuance = issuance.checked_add(amount.rao()).ok_or(GenesisError::IssuanceTooLarge)?;
        }
        if self.economy == Economy::Dynamic {
            for sn in &self.subnets {
                let pool_tao = sn.pool.as_ref().map_or(self.params.network_min_lock_cost, |p| p.tao);
                issuance = issuance.checked_add(pool_tao).ok_or(GenesisError::IssuanceTooLarge)?;
                let w2 = sn.pool.as_ref().and_then(|p| p.w2);
                if let Some(w2) = w2
                    && agora_economy::Balancer::new(agora_economy::fixed::Perquintill::from_parts(w2)).is_err()
                {
                    return Err(GenesisError::InvalidParameter(format!(
                        "subnet {}: pool.w2 {w2} is outside [0.01, 0.99] (parts per 10^18)",
                        sn.netuid
                    )));
                }
            }
        }
        if issuance > crate::emission::TOTAL_SUPPLY {
            return Err(GenesisError::IssuanceTooLarge);
        }
        Ok(())
    }

    /// Validates the configuration and builds the genesis state.
    pub fn build(&self) -> Result<Genesis, GenesisError> {
        self.check()?;
        let empty = MemoryStorage::new();
        let mut overlay = Overlay::new(&empty);
        let mut events = Vec::new();
        {
            let mut cx = Ctx { s: &mut overlay, block: 0, events: &mut events };
            self.write(&mut cx).map_err(GenesisError::State)?;
        }
        let state_root = commit_root(&empty, &mut overlay);
        let genesis_hash = blake2_256_concat(&[GENESIS_DOMAIN, state_root.as_bytes()]);
        overlay_put(&mut overlay, META_GENESIS_HASH_KEY, genesis_hash.encode());
        Ok(Genesis { changes: overlay.into_changes(), state_root, genesis_hash })
    }

    fn write(&self, cx: &mut Ctx) -> Result<(), DispatchError> {
        CHAIN_ID.set(cx.s, &self.chain_id);
        SUDO_KEY.set(cx.s, &self.sudo);
        GLOBAL_PARAMS.set(cx.s, &self.params);
        let mut issuance: u64 = 0;
        for (who, amount) in &self.balances {
            BALANCES.set(cx.s, who, &amount.rao());
            issuance += amount.rao();
        }
        // Root network.
        let root = NetUid::ROOT;
        NETWORKS.insert(cx.s, &root, &SubnetInfo::default());
        HYPERPARAMS.insert(cx.s, &root, &self.root);
        for k in &self.root_validators {
            create_account_if_non_existent(cx, &k.coldkey, &k.hotkey);
            append_neuron(cx, root, &k.hotkey);
        }
        // Subnets.
        for sn in &self.subnets {
            let netuid = NetUid(sn.netuid);
            init_new_network(cx, netuid, &sn.owner, &sn.owner_hotkey, 0, sn.hyperparameters.clone(), sn.register_owner);
            if sn.started {
                let mut info = NETWORKS.try_get(cx.s, &netuid).unwrap_or_default();
                info.first_emission_block = 1;
                NETWORKS.insert(cx.s, &netuid, &info);
            }
            for n in &sn.neurons {
                create_account_if_non_existent(cx, &n.coldkey, &n.hotkey);
                let uid = append_neuron(cx, netuid, &n.hotkey);
                BLOCK_AT_REGISTRATION.set(cx.s, &(netuid, uid), &n.registered_at);
                LAST_UPDATE.mutate(cx.s, &netuid, |v| v[uid.index()] = n.registered_at);
            }
        }
        if self.economy == Economy::Dynamic {
            issuance = issuance.checked_add(self.write_pools(cx)?).ok_or(DispatchError::ArithmeticOverflow)?;
        }
        for st in &self.stakes {
            debug_assert!(hotkey_owner(cx.s, &st.hotkey).is_some());
            let netuid = NetUid(st.netuid);
            let alpha = match self.economy {
                Economy::Tao => st.amount.rao(),
                Economy::Dynamic => {
                    let direction = agora_economy::Direction::TaoForAlpha;
                    let max = agora_economy::swap::MAX_PRICE_RAO;
                    crate::alpha_staking::swap(cx, netuid, direction, st.amount.rao(), max, true)?.paid_out
                }
            };
            increase_stake(cx, &st.hotkey, netuid, &st.coldkey, alpha)?;
            issuance += st.amount.rao();
        }
        TOTAL_ISSUANCE.set(cx.s, &issuance);
        Ok(())
    }

    /// Dynamic TAO: the economy, its parameters, root's stable pool and each subnet's pool.
    /// Returns the TAO put in pools (part of issuance).
    fn write_pools(&self, cx: &mut Ctx) -> Result<u64, DispatchError> {
        use agora_economy::fixed::{I96F32, Perquintill};
        use agora_economy::{Balancer, Mechanism, Pool};
        ECONOMY.set(cx.s, &Economy::Dynamic);
        DYNAMIC_PARAMS.set(cx.s, &self.dynamic);
        let root = Pool { mechanism: Mechanism::Stable, fee_rate: 0, ..Pool::dynamic(0, 0) };
        SUBNET_POOLS.insert(cx.s, &NetUid::ROOT, &PoolState::from_pool(&root, false));
        let mut in_pools: u64 = 0;
        for sn in &self.subnets {
            let default_tao = self.params.network_min_lock_cost;
            let spec = sn.pool.clone().unwrap_or(GenesisPool {
                tao: default_tao,
                alpha: default_tao,
                w2: None,
                moving_price: None,
            });
            let mut pool = Pool::dynamic(spec.tao, spec.alpha);
            pool.fee_rate = self.dynamic.fee_rate;
            if let Some(w2) = spec.w2 {
                pool.curve =
                    Balancer::new(Perquintill::from_parts(w2)).map_err(|_| DispatchError::InsufficientLiquidity)?;
                pool.initialized = true;
            }
            let mut state = PoolState::from_pool(&pool, sn.emission_enabled);
            if let Some(price) = spec.moving_price {
                let ema = I96F32::saturating_from_num(price) / I96F32::saturating_from_num(1_000_000_000u64);
                state.moving_price = ema.to_bits();
            }
            SUBNET_POOLS.insert(cx.s, &NetUid(sn.netuid), &state);
            in_pools = in_pools.checked_add(spec.tao).ok_or(DispatchError::ArithmeticOverflow)?;
        }
        TOTAL_STAKE.mutate(cx.s, |t| *t = t.saturating_add(in_pools));
        Ok(in_pools)
    }
}

fn overlay_put<B: crate::storage::StorageRead>(o: &mut Overlay<B>, key: &[u8], value: Vec<u8>) {
    use crate::storage::Storage;
    o.put(key, value);
}
