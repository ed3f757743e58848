//! Errors: why a call failed ([`DispatchError`], recorded in its receipt), why a transaction cannot
//! be included at all ([`TransactionError`]), and why a block is invalid ([`BlockError`]).

use agora_primitives::{BlockNumber, Hash};
use parity_scale_codec::{Decode, Encode};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a call failed. Variant names are the reference's error names, because users and scripts
/// match on them; a failed call changes no state except the signer's nonce and fee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, Error)]
#[allow(missing_docs)] // each variant's doc is its reference name; the message says when it happens
pub enum DispatchError {
    // --- origin and arithmetic ---
    #[error("the signer is not allowed to make this call")]
    BadOrigin,
    #[error("arithmetic overflow")]
    ArithmeticOverflow,
    // --- balances ---
    #[error("the sender's free balance is too low")]
    InsufficientBalance,
    #[error("the transfer would leave the sender below the existential deposit")]
    Expendability,
    #[error("the recipient would hold less than the existential deposit")]
    ExistentialDeposit,
    // --- subnets ---
    #[error("the subnet does not exist")]
    SubnetNotExists,
    #[error("the subnet does not exist")]
    SubnetDoesNotExist,
    #[error("registration is not allowed on this subnet")]
    SubNetRegistrationDisabled,
    #[error("the chain-wide subnet registration rate limit has not passed")]
    NetworkTxRateLimitExceeded,
    #[error("the subnet limit is reached and every subnet is immune")]
    SubnetLimitReached,
    #[error("the balance does not cover the subnet lock cost")]
    CannotAffordLockCost,
    #[error("an identity field is too long")]
    InvalidIdentity,
    #[error("the signer does not own this subnet")]
    NotSubnetOwner,
    #[error("start_call was already made for this subnet")]
    FirstEmissionBlockNumberAlreadySet,
    #[error("start_call is not allowed yet")]
    NeedWaitingMoreBlocksToStarCall,
    #[error("the subnet has not started (start_call) yet")]
    SubtokenDisabled,
    #[error("this action is not permitted on the root subnet")]
    NotPermittedOnRootSubnet,
    // --- hyperparameter setters ---
    #[error("hyperparameters are frozen in the blocks just before an epoch")]
    AdminActionProhibitedDuringWeightsWindow,
    #[error("this hyperparameter was changed too recently")]
    TxRateLimitExceeded,
    #[error("value out of range")]
    InvalidValue,
    #[error("value out of bounds")]
    ValueNotInBounds,
    #[error("the owner may not set bonds_moving_average above 975000")]
    BondsMovingAverageMaxReached,
    #[error("max_allowed_uids is below min_allowed_uids")]
    MaxAllowedUidsLessThanMinAllowedUids,
    #[error("max_allowed_uids is below the number of registered uids")]
    MaxAllowedUIdsLessThanCurrentUIds,
    #[error("max_allowed_uids is above 256")]
    MaxAllowedUidsGreaterThanDefaultMaxAllowedUids,
    #[error("max_allowed_validators is above max_allowed_uids")]
    MaxValidatorsLargerThanMaxUIds,
    #[error("liquid alpha is disabled on this subnet")]
    LiquidAlphaDisabled,
    #[error("alpha_low must be between 1638 and alpha_high")]
    AlphaLowOutOfRange,
    #[error("alpha_high must be at least 1638")]
    AlphaHighTooLow,
    #[error("the sigmoid steepness may not be negative")]
    NegativeSigmoidSteepness,
    #[error("reveal period is above 100 epochs")]
    RevealPeriodTooLarge,
    #[error("reveal period is below 1 epoch")]
    RevealPeriodTooSmall,
    #[error("activity cutoff is below 360 blocks")]
    ActivityCutoffTooLow,
    #[error("activity cutoff factor must be within 1000..=50000")]
    ActivityCutoffFactorMilliOutOfBounds,
    #[error("trimming would leave 80 % or more of the new max_allowed_uids immune")]
    TrimmingWouldExceedMaxImmunePercentage,
    // --- registration ---
    #[error("neurons cannot register on the root subnet with burned_register")]
    RegistrationNotPermittedOnRootSubnet,
    #[error("the hotkey is already registered on this subnet")]
    HotKeyAlreadyRegisteredInSubNet,
    #[error("the balance does not cover the amount")]
    NotEnoughBalanceToStake,
    #[error("the hotkey belongs to another coldkey")]
    NonAssociatedColdKey,
    #[error("the subnet is full and no neuron can be pruned")]
    NoNeuronIdAvailable,
    #[error("too many registrations this block")]
    TooManyRegistrationsThisBlock,
    #[error("too many registrations this interval")]
    TooManyRegistrationsThisInterval,
    #[error("the root network is full and this hotkey's root stake is not above the lowest")]
    StakeTooLowForRoot,
    // --- serving ---
    #[error("the hotkey is not registered on this subnet")]
    HotKeyNotRegisteredInNetwork,
    #[error("ip_type must be 4 or 6")]
    InvalidIpType,
    #[error("invalid IP address")]
    InvalidIpAddress,
    #[error("serve_axon called again before the serving rate limit")]
    ServingRateLimitExceeded,
    #[error("port must be non-zero")]
    InvalidPort,
    // --- staking ---
    #[error("amount below the minimum stake")]
    AmountTooLow,
    #[error("the stake pool cannot represent this amount precisely")]
    InsufficientLiquidity,
    #[error("the hotkey has no owner (register it first)")]
    HotKeyAccountNotExists,
    #[error("not enough stake to withdraw")]
    NotEnoughStakeToWithdraw,
    #[error("the new take must be above the current one and within bounds")]
    DelegateTakeTooLow,
    #[error("the take is above the maximum")]
    DelegateTakeTooHigh,
    #[error("take was increased too recently")]
    DelegateTxRateLimitExceeded,
    // --- weights ---
    #[error("uids and weights differ in length")]
    WeightVecNotEqualSize,
    #[error("more uids than neurons in the subnet")]
    UidsLengthExceedUidsInSubNet,
    #[error("the hotkey is not registered on this subnet")]
    HotKeyNotRegisteredInSubNet,
    #[error("stake below the threshold for setting weights")]
    NotEnoughStakeToSetWeights,
    #[error("version_key is older than the subnet requires")]
    IncorrectWeightVersionKey,
    #[error("weights set again before the rate limit")]
    SettingWeightsTooFast,
    #[error("the neuron has no validator permit")]
    NeuronNoValidatorPermit,
    #[error("duplicate uids")]
    DuplicateUids,
    #[error("a uid does not exist")]
    UidVecContainInvalidOne,
    #[error("fewer weights than min_allowed_weights")]
    WeightVecLengthIsLow,
    #[error("a weight exceeds max_weight_limit")]
    MaxWeightExceeded,
    #[error("commit-reveal is enabled: use commit_weights and reveal_weights")]
    CommitRevealEnabled,
    #[error("commit-reveal is disabled on this subnet")]
    CommitRevealDisabled,
    #[error("weights committed again before the rate limit")]
    CommittingWeightsTooFast,
    #[error("ten unrevealed commits already pending")]
    TooManyUnrevealedCommits,
    #[error("no commit found")]
    NoWeightsCommitFound,
    #[error("the commit has expired")]
    ExpiredWeightCommit,
    #[error("the revealed data does not match any commit")]
    InvalidRevealCommitHashNotMatch,
    #[error("the reveal period has not been reached")]
    RevealTooEarly,
    #[error("the registration burn is above the limit the caller set")]
    RegistrationPriceLimitExceeded,
    // --- dynamic TAO: pools ---
    #[error("the price would pass the limit before the whole amount is swapped")]
    SlippageTooHigh,
    #[error("the limit price is already reached")]
    PriceLimitExceeded,
    #[error("the input is over 1000 times the pool's reserve")]
    SwapInputTooLarge,
    #[error("the pool's reserves are too low for this swap")]
    ReservesTooLow,
    // --- dynamic TAO: moving stake and root claims ---
    #[error("the origin and destination are the same stake position")]
    SameNetuid,
    #[error("alpha cannot be recycled or burned on the root subnet")]
    CannotBurnOrRecycleOnRootSubnet,
    #[error("claim_root takes 1 to 5 subnets, and KeepSubnets at least one")]
    InvalidSubnetNumber,
    #[error("this chain runs the TAO-era economy, which has no alpha pools (genesis economy \"dynamic\" has them)")]
    NotDynamic,
}

/// Why a transaction cannot be included in a block. Nothing about it is recorded on chain.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TransactionError {
    /// The encoded transaction exceeds the size limit.
    #[error("transaction is {len} bytes, more than the {max}-byte limit")]
    Oversized {
        /// Encoded length.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// The bytes are not a transaction (truncated, trailing bytes, bad field).
    #[error("malformed transaction: {0}")]
    Malformed(String),
    /// The call index is not one this runtime knows.
    #[error("unknown call index {0}")]
    UnknownCall(u8),
    /// A vector argument exceeds its limit.
    #[error("vector argument of {len} items exceeds the limit of {max}")]
    VectorTooLong {
        /// Items.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// The signature does not verify for this chain (wrong key, wrong chain, tampered payload).
    #[error("bad signature")]
    BadSignature,
    /// The nonce was already used.
    #[error("stale nonce: got {got}, expected {expected}")]
    StaleNonce {
        /// Next valid nonce.
        expected: u64,
        /// Nonce in the transaction.
        got: u64,
    },
    /// The nonce is ahead of the account (valid later, once earlier ones are included).
    #[error("future nonce: got {got}, expected {expected}")]
    FutureNonce {
        /// Next valid nonce.
        expected: u64,
        /// Nonce in the transaction.
        got: u64,
    },
    /// The signer cannot pay the transaction fee.
    #[error("free balance {balance} rao cannot pay the {fee} rao fee")]
    CannotPayFee {
        /// Signer's free balance.
        balance: u64,
        /// Fee.
        fee: u64,
    },
    /// A call that is free when it succeeds (a registered hotkey's weights or axon) fails, and
    /// the signer cannot pay the fee a failing call costs.
    #[error(
        "Custom error: {error:?}: the call fails ({error}) and a failing call costs the {fee} rao fee, more than the free balance"
    )]
    FreeCallFails {
        /// Why it fails.
        error: DispatchError,
        /// The fee it would cost.
        fee: u64,
    },
}

/// Why a block cannot be executed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum BlockError {
    /// The height does not follow the state's last block.
    #[error("block height {got} does not follow the state's height {parent}")]
    WrongHeight {
        /// Height of the state.
        parent: BlockNumber,
        /// Height of the block.
        got: BlockNumber,
    },
    /// The state has no genesis.
    #[error("state has no genesis; build it with agora_runtime::genesis::build first")]
    NoGenesis,
    /// A transaction in the block is not includable.
    #[error("transaction {index} ({hash}) is invalid: {error}")]
    InvalidTransaction {
        /// Position in the block.
        index: usize,
        /// Its hash.
        hash: Hash,
        /// Why.
        error: TransactionError,
    },
}

/// Result of a call.
pub type DispatchResult = Result<(), DispatchError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_reference_names() {
        assert_eq!(format!("{:?}", DispatchError::SettingWeightsTooFast), "SettingWeightsTooFast");
        let json = serde_json::to_string(&DispatchError::NotEnoughBalanceToStake).unwrap();
        assert_eq!(json, "\"NotEnoughBalanceToStake\"");
    }
}
