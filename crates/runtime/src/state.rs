//! The state schema: every storage item of the runtime, with its key and value types.
//!
//! Item names follow the reference's storage names where one exists. Per-uid vectors
//! (`LastUpdate`, `Incentive`, …) are stored whole per subnet, as in the reference, because the
//! epoch reads and writes them whole.

use agora_primitives::{AccountId, Hash, NetUid, Uid};
use parity_scale_codec::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::call::SubnetIdentity;
use crate::hyperparams::{GlobalParams, SubnetHyperparams};
use crate::storage::{Map, Value};

/// Registration facts of a subnet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct SubnetInfo {
    /// Owner coldkey (`None` for the root network).
    pub owner: Option<AccountId>,
    /// Owner hotkey, registered as uid 0 (`None` for the root network).
    pub owner_hotkey: Option<AccountId>,
    /// Block of registration.
    pub registered_at: u64,
    /// TAO locked by the owner, refunded if the subnet is removed.
    pub locked: u64,
    /// First block that emits to the subnet; 0 until `start_call`.
    pub first_emission_block: u64,
}

/// A published axon endpoint (the reference's `AxonInfo`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct AxonInfo {
    /// Block it was served.
    pub block: u64,
    /// Software version.
    pub version: u32,
    /// Address (IPv4 in the low 32 bits).
    pub ip: u128,
    /// Port.
    pub port: u16,
    /// 4 or 6.
    pub ip_type: u8,
    /// Protocol tag.
    pub protocol: u8,
    /// Reserved.
    pub placeholder1: u8,
    /// Reserved.
    pub placeholder2: u8,
}

/// A pending weights commit: `(hash, commit epoch, commit block)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct WeightCommit {
    /// Commit hash.
    pub hash: Hash,
    /// Epoch index at commit (with look-ahead).
    pub epoch: u64,
    /// Block of the commit.
    pub block: u64,
}

/// A sparse weights or bonds row as stored: `(uid, u16 value)`.
pub type SparseRow = Vec<(u16, u16)>;

// --- chain ---
/// Height of the last executed block (0 = genesis).
pub const BLOCK_NUMBER: Value<u64> = Value::new("BlockNumber");
/// Timestamp (ms) of the last executed block, as given by its proposer.
pub const TIMESTAMP: Value<u64> = Value::new("Timestamp");
/// Chain identifier chosen at genesis.
pub const CHAIN_ID: Value<String> = Value::new("ChainId");
/// Account allowed to make sudo calls.
pub const SUDO_KEY: Value<Option<AccountId>> = Value::new("SudoKey");
/// Chain-wide parameters.
pub const GLOBAL_PARAMS: Value<GlobalParams> = Value::new("GlobalParams");

// --- tokenomics ---
/// All TAO in existence: free + staked + locked + pending emission.
pub const TOTAL_ISSUANCE: Value<u64> = Value::new("TotalIssuance");
/// All staked TAO.
pub const TOTAL_STAKE: Value<u64> = Value::new("TotalStake");
/// TAO removed from issuance so far (registration burns, dust, authorless fees).
pub const TOTAL_RECYCLED: Value<u64> = Value::new("TotalRecycled");
/// Block emission computed for the last block.
pub const BLOCK_EMISSION: Value<u64> = Value::new("BlockEmission");
/// Lock paid by the last subnet registration.
pub const NETWORK_LAST_LOCK: Value<u64> = Value::new("NetworkLastLockCost");
/// Block of the last subnet registration.
pub const NETWORK_LAST_LOCK_BLOCK: Value<u64> = Value::new("NetworkLastRegistered");

// --- accounts ---
/// Free balance (rao).
pub const BALANCES: Map<AccountId, u64> = Map::new("Balance");
/// Next transaction nonce.
pub const NONCES: Map<AccountId, u64> = Map::new("Nonce");

// --- subnets ---
/// Existing subnets (the root network included).
pub const NETWORKS: Map<NetUid, SubnetInfo> = Map::new("Networks");
/// Hyperparameters per subnet.
pub const HYPERPARAMS: Map<NetUid, SubnetHyperparams> = Map::new("Hyperparams");
/// Subnet identities.
pub const SUBNET_IDENTITY: Map<NetUid, SubnetIdentity> = Map::new("SubnetIdentities");
/// Last block each owner-settable hyperparameter was set by the owner.
pub const OWNER_HYPERPARAM_LAST: Map<(NetUid, u16), u64> = Map::new("OwnerHyperparamLast");
/// Number of uids in a subnet.
pub const SUBNETWORK_N: Map<NetUid, u16> = Map::new("SubnetworkN");
/// uid → hotkey.
pub const KEYS: Map<(NetUid, Uid), AccountId> = Map::new("Keys");
/// hotkey → uid.
pub const UIDS: Map<(NetUid, AccountId), Uid> = Map::new("Uids");
/// hotkey → subnets it is registered on.
pub const IS_NETWORK_MEMBER: Map<(AccountId, NetUid), ()> = Map::new("IsNetworkMember");
/// Block a uid was (re)registered.
pub const BLOCK_AT_REGISTRATION: Map<(NetUid, Uid), u64> = Map::new("BlockAtRegistration");
/// Last weights update (or commit) per uid.
pub const LAST_UPDATE: Map<NetUid, Vec<u64>> = Map::new("LastUpdate");
/// Epoch output: active per uid.
pub const ACTIVE: Map<NetUid, Vec<bool>> = Map::new("Active");
/// Epoch output: validator permit per uid.
pub const VALIDATOR_PERMIT: Map<NetUid, Vec<bool>> = Map::new("ValidatorPermit");
/// Epoch output: consensus per uid.
pub const CONSENSUS: Map<NetUid, Vec<u16>> = Map::new("Consensus");
/// Epoch output: incentive per uid.
pub const INCENTIVE: Map<NetUid, Vec<u16>> = Map::new("Incentive");
/// Epoch output: dividends per uid.
pub const DIVIDENDS: Map<NetUid, Vec<u16>> = Map::new("Dividends");
/// Epoch output: validator trust per uid.
pub const VALIDATOR_TRUST: Map<NetUid, Vec<u16>> = Map::new("ValidatorTrust");
/// Epoch output: normalised stake per uid.
pub const STAKE_WEIGHT: Map<NetUid, Vec<u16>> = Map::new("StakeWeight");
/// Epoch output: emission per uid (rao), also the pruning score.
pub const EMISSION: Map<NetUid, Vec<u64>> = Map::new("Emission");
/// Weights rows.
pub const WEIGHTS: Map<(NetUid, Uid), SparseRow> = Map::new("Weights");
/// Bonds rows.
pub const BONDS: Map<(NetUid, Uid), SparseRow> = Map::new("Bonds");
/// Axon endpoints.
pub const AXONS: Map<(NetUid, AccountId), AxonInfo> = Map::new("Axons");
/// Current registration burn (rao).
pub const BURN: Map<NetUid, u64> = Map::new("Burn");
/// Registrations in the current block.
pub const REGISTRATIONS_THIS_BLOCK: Map<NetUid, u16> = Map::new("RegistrationsThisBlock");
/// Registrations in the current interval (root network).
pub const REGISTRATIONS_THIS_INTERVAL: Map<NetUid, u16> = Map::new("RegistrationsThisInterval");
/// TAO burned by registrations per subnet.
pub const RAO_RECYCLED_FOR_REGISTRATION: Map<NetUid, u64> = Map::new("RAORecycledForRegistration");
/// Block of the last epoch slot.
pub const LAST_EPOCH_BLOCK: Map<NetUid, u64> = Map::new("LastEpochBlock");
/// Block a deferred epoch must run at (0 = none).
pub const PENDING_EPOCH_AT: Map<NetUid, u64> = Map::new("PendingEpochAt");
/// Number of epoch slots consumed.
pub const SUBNET_EPOCH_INDEX: Map<NetUid, u64> = Map::new("SubnetEpochIndex");
/// Block of the last epoch that ran (bonds mask).
pub const LAST_MECHANISM_STEP_BLOCK: Map<NetUid, u64> = Map::new("LastMechansimStepBlock");
/// Blocks since the last epoch.
pub const BLOCKS_SINCE_LAST_STEP: Map<NetUid, u64> = Map::new("BlocksSinceLastStep");
/// Emission accumulated since the last epoch.
pub const PENDING_EMISSION: Map<NetUid, u64> = Map::new("PendingEmission");
/// Per-block emission share, from the root network.
pub const EMISSION_VALUES: Map<NetUid, u64> = Map::new("EmissionValues");
/// Pending weight commits.
pub const WEIGHT_COMMITS: Map<(NetUid, AccountId), Vec<WeightCommit>> = Map::new("WeightCommits");

// --- keys and stake ---
/// hotkey → owning coldkey.
pub const OWNER: Map<AccountId, AccountId> = Map::new("Owner");
/// coldkey → its hotkeys.
pub const OWNED_HOTKEYS: Map<(AccountId, AccountId), ()> = Map::new("OwnedHotkeys");
/// Delegate take per hotkey (absent = the default take).
pub const DELEGATE_TAKE: Map<AccountId, u16> = Map::new("Delegates");
/// Last take change per hotkey.
pub const LAST_TX_BLOCK_DELEGATE_TAKE: Map<AccountId, u64> = Map::new("LastTxBlockDelegateTake");
/// Value of a hotkey's stake pool on a subnet (rao).
pub const TOTAL_HOTKEY_STAKE: Map<(AccountId, NetUid), u64> = Map::new("TotalHotkeyAlpha");
/// Shares outstanding in a hotkey's stake pool.
pub const TOTAL_HOTKEY_SHARES: Map<(AccountId, NetUid), u128> = Map::new("TotalHotkeyShares");
/// Shares of one coldkey in a hotkey's pool: (hotkey, netuid, coldkey).
pub const STAKE_SHARES: Map<(AccountId, NetUid, AccountId), u128> = Map::new("Alpha");
/// Index of the pools a coldkey holds shares in: (coldkey, hotkey, netuid).
pub const STAKING_HOTKEYS: Map<(AccountId, AccountId, NetUid), ()> = Map::new("StakingHotkeys");

// --- dynamic TAO (written only when the chain's economy is dynamic) ---
/// The economy the chain runs (absent = the TAO era).
pub const ECONOMY: Value<crate::pools::Economy> = Value::new("Economy");
/// Parameters of the dynamic economy.
pub const DYNAMIC_PARAMS: Value<crate::pools::DynamicParams> = Value::new("DynamicParams");
/// Each subnet's pool (root's is stable: price 1, no fee).
pub const SUBNET_POOLS: Map<NetUid, crate::pools::PoolState> = Map::new("SubnetPools");
/// Alpha emitted to a subnet and waiting for its epoch.
pub const PENDING_ALPHA: Map<NetUid, crate::pools::PendingAlpha> = Map::new("PendingAlpha");
/// Swap fees (TAO) taken in this block, paid to its author when the block ends.
pub const SWAP_FEES: Value<u64> = Value::new("SwapFees");
/// Alpha per unit of root stake a hotkey's root stakers may claim on a subnet (I96F32 bits).
pub const ROOT_CLAIMABLE: Map<(AccountId, NetUid), i128> = Map::new("RootClaimable");
/// What a coldkey staking on root through a hotkey has claimed on a subnet: (netuid, hotkey, coldkey).
pub const ROOT_CLAIMED: Map<(NetUid, AccountId, AccountId), u128> = Map::new("RootClaimed");
/// How a coldkey takes its root dividends (absent: `Swap`).
pub const ROOT_CLAIM_TYPE: Map<AccountId, crate::root_claims::RootClaimType> = Map::new("RootClaimType");
/// Dynamic TAO: a position's share of its stake pool, `SafeFloat` (mantissa, exponent) (`AlphaV2`).
pub const ALPHA_SHARES: Map<(AccountId, NetUid, AccountId), (u128, i64)> = Map::new("AlphaV2");
/// Dynamic TAO: a stake pool's share denominator, `SafeFloat` (`TotalHotkeySharesV2`).
pub const TOTAL_ALPHA_SHARES: Map<(AccountId, NetUid), (u128, i64)> = Map::new("TotalHotkeySharesV2");
/// Dynamic TAO: the alpha dividends each hotkey passed to its stakers at the subnet's last epoch,
/// after its take (`AlphaDividendsPerSubnet`; the Substrate APIs' `emission` of a position).
pub const ALPHA_DIVIDENDS: Map<(NetUid, AccountId), u64> = Map::new("AlphaDividendsPerSubnet");
/// Dynamic TAO: the root dividends each hotkey made claimable at the subnet's last epoch, after its
/// take (`RootAlphaDividendsPerSubnet`).
pub const ROOT_ALPHA_DIVIDENDS: Map<(NetUid, AccountId), u64> = Map::new("RootAlphaDividendsPerSubnet");
/// Coldkeys holding root stake by a dense index, for the auto-claim (`StakingColdkeysByIndex`).
pub const ROOT_STAKERS_BY_INDEX: Map<u64, AccountId> = Map::new("StakingColdkeysByIndex");
/// Each such coldkey's index (`StakingColdkeys`).
pub const ROOT_STAKER_INDEX: Map<AccountId, u64> = Map::new("StakingColdkeys");
/// How many coldkeys hold root stake (`NumStakingColdkeys`).
pub const NUM_ROOT_STAKERS: Value<u64> = Value::new("NumStakingColdkeys");
/// The index the next block's auto-claim starts from.
pub const AUTO_CLAIM_CURSOR: Value<u64> = Value::new("AutoClaimCursor");
