//! [`Event`]: what happened, recorded in receipts (for calls) and in the block outcome (for the
//! block hooks: emission, epochs, pruning).

use agora_primitives::{AccountId, Balance, BlockNumber, Hash, NetUid, Uid};
use parity_scale_codec::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::call::{GlobalUpdate, HyperparameterUpdate};

/// Something that happened during execution.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Free balance moved.
    Transfer {
        /// Sender.
        from: AccountId,
        /// Recipient.
        to: AccountId,
        /// Amount.
        amount: Balance,
    },
    /// A transaction fee was paid to the block author (or recycled when there is none).
    FeePaid {
        /// Payer.
        who: AccountId,
        /// Author, if any.
        author: Option<AccountId>,
        /// Fee.
        amount: Balance,
    },
    /// A subnet was created.
    NetworkAdded {
        /// New netuid.
        netuid: NetUid,
        /// Owner coldkey.
        owner: AccountId,
        /// Lock paid.
        lock: Balance,
    },
    /// A subnet was removed (pruned to make room), its lock refunded and its stake returned.
    NetworkRemoved {
        /// Removed netuid.
        netuid: NetUid,
    },
    /// Emission to a subnet started.
    FirstEmissionBlockNumberSet {
        /// The subnet.
        netuid: NetUid,
        /// First block that emits.
        block: BlockNumber,
    },
    /// A subnet identity was set.
    SubnetIdentitySet {
        /// The subnet.
        netuid: NetUid,
    },
    /// A hyperparameter changed.
    HyperparameterSet {
        /// The subnet.
        netuid: NetUid,
        /// The change.
        update: HyperparameterUpdate,
    },
    /// A chain-wide parameter changed.
    GlobalParameterSet {
        /// The change.
        update: GlobalUpdate,
    },
    /// A neuron registered (on the root network too).
    NeuronRegistered {
        /// The subnet.
        netuid: NetUid,
        /// Its uid.
        uid: Uid,
        /// Its hotkey.
        hotkey: AccountId,
        /// The hotkey it replaced, if the subnet was full.
        replaced: Option<AccountId>,
        /// Amount burned (recycled).
        burned: Balance,
    },
    /// An axon endpoint was published.
    AxonServed {
        /// The subnet.
        netuid: NetUid,
        /// Hotkey.
        hotkey: AccountId,
    },
    /// Stake added.
    StakeAdded {
        /// Coldkey.
        coldkey: AccountId,
        /// Hotkey.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
        /// Amount.
        amount: Balance,
    },
    /// Stake removed.
    StakeRemoved {
        /// Coldkey.
        coldkey: AccountId,
        /// Hotkey.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
        /// Amount.
        amount: Balance,
    },
    /// A delegate take increased.
    TakeIncreased {
        /// Hotkey.
        hotkey: AccountId,
        /// New take.
        take: u16,
    },
    /// A delegate take decreased.
    TakeDecreased {
        /// Hotkey.
        hotkey: AccountId,
        /// New take.
        take: u16,
    },
    /// Weights stored.
    WeightsSet {
        /// The subnet.
        netuid: NetUid,
        /// The setter's uid.
        uid: Uid,
    },
    /// Weights committed.
    WeightsCommitted {
        /// Hotkey.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
        /// Commit hash.
        commit_hash: Hash,
    },
    /// Weights revealed.
    WeightsRevealed {
        /// Hotkey.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
        /// Commit hash.
        commit_hash: Hash,
    },
    /// The block emission was minted and split among subnets.
    BlockEmission {
        /// Emission of this block per the halving schedule.
        emission: Balance,
        /// Amount actually minted (rounding leaves dust unminted).
        minted: Balance,
    },
    /// An epoch ran and its emission was paid out as stake.
    EpochPaid {
        /// The subnet.
        netuid: NetUid,
        /// Pending emission drained.
        emission: Balance,
        /// Paid to the owner hotkey.
        owner_cut: Balance,
        /// Paid to miners (incentive).
        server: Balance,
        /// Paid to validators (dividends, takes included).
        validator: Balance,
        /// Rounding dust and undistributable emission, recycled.
        recycled: Balance,
    },
    /// A due epoch was moved to the next block by the per-block cap.
    EpochDeferred {
        /// The subnet.
        netuid: NetUid,
        /// Block it will run.
        to_block: BlockNumber,
    },
    /// A subnet's epoch failed; its writes were dropped and its pending emission kept.
    EpochFailed {
        /// The subnet.
        netuid: NetUid,
        /// The error.
        error: crate::error::DispatchError,
    },
    /// A block hook failed; its writes were dropped (never expected: see `execute_block`).
    HookFailed {
        /// The error.
        error: crate::error::DispatchError,
    },
    /// Dynamic TAO: TAO swapped for alpha (a stake) or back (an unstake) through a subnet's pool.
    PoolSwap {
        /// The subnet.
        netuid: NetUid,
        /// Who staked or unstaked.
        coldkey: AccountId,
        /// TAO into the pool (buy) or out of it (sell).
        tao: Balance,
        /// Alpha out of the pool (buy) or into it (sell), rao.
        alpha: u64,
        /// Fee, in the input token (rao).
        fee: u64,
        /// A buy (TAO for alpha) or a sell.
        buy: bool,
    },
    /// Dynamic TAO: one block's emission into a subnet.
    SubnetEmission {
        /// The subnet.
        netuid: NetUid,
        /// TAO injected into the pool.
        tao_in: Balance,
        /// Alpha injected into the pool.
        alpha_in: u64,
        /// TAO spent buying alpha for the protocol.
        chain_buy: Balance,
        /// Alpha emitted outside the pool (owner, miners, validators, root).
        alpha_out: u64,
    },
    /// Dynamic TAO: an epoch paid its pending alpha.
    AlphaEpochPaid {
        /// The subnet.
        netuid: NetUid,
        /// Owner cut staked to the owner hotkey.
        owner_cut: u64,
        /// Incentive staked to miners (burned for the owner's own hotkeys).
        server: u64,
        /// Alpha dividends to validators and their nominators (takes included).
        validator: u64,
        /// Root dividends made claimable by root stakers (takes included).
        root: u64,
    },
    /// Stake moved to another hotkey and/or subnet (`move_stake`).
    StakeMoved {
        /// Coldkey.
        coldkey: AccountId,
        /// Hotkey it left.
        origin_hotkey: AccountId,
        /// Subnet it left.
        origin_netuid: NetUid,
        /// Hotkey it went to.
        destination_hotkey: AccountId,
        /// Subnet it went to.
        destination_netuid: NetUid,
        /// TAO between the legs (across subnets) or the value moved (within one).
        tao: Balance,
    },
    /// Stake handed to another coldkey (`transfer_stake`).
    StakeTransferred {
        /// Sender.
        origin_coldkey: AccountId,
        /// Recipient.
        destination_coldkey: AccountId,
        /// Hotkey.
        hotkey: AccountId,
        /// Subnet it left.
        origin_netuid: NetUid,
        /// Subnet it went to.
        destination_netuid: NetUid,
        /// TAO between the legs or the value moved.
        tao: Balance,
    },
    /// Stake swapped to another subnet under the same hotkey (`swap_stake`).
    StakeSwapped {
        /// Coldkey.
        coldkey: AccountId,
        /// Hotkey.
        hotkey: AccountId,
        /// Subnet it left.
        origin_netuid: NetUid,
        /// Subnet it went to.
        destination_netuid: NetUid,
        /// TAO between the legs.
        tao: Balance,
    },
    /// Staked alpha destroyed: recycled out of the subnet's supply or burned (`recycle_alpha`,
    /// `burn_alpha`).
    AlphaDestroyed {
        /// Coldkey.
        coldkey: AccountId,
        /// Hotkey.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
        /// Alpha (rao).
        alpha: u64,
        /// Burned (supply unchanged) rather than recycled.
        burned: bool,
    },
    /// A coldkey claimed its root dividends.
    RootClaimed {
        /// Coldkey.
        coldkey: AccountId,
    },
    /// A coldkey chose how it takes root dividends.
    RootClaimTypeSet {
        /// Coldkey.
        coldkey: AccountId,
        /// The choice.
        claim_type: crate::root_claims::RootClaimType,
    },
    /// Swap fees (TAO) paid to the block author, or recycled when there is none.
    SwapFeesPaid {
        /// Author, if any.
        author: Option<AccountId>,
        /// Fees.
        amount: Balance,
    },
}
