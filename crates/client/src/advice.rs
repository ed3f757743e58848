//! One sentence of what to do for every chain error, so a failure reads
//! `SettingWeightsTooFast: wait for the weights rate limit …` rather than a bare name.

use agora_runtime::DispatchError;

/// The reference name of an error (`InsufficientBalance`), as scripts match on it.
pub fn name(error: &DispatchError) -> String {
    format!("{error:?}")
}

/// What the user can do about `error`.
pub fn advice(error: &DispatchError) -> &'static str {
    use DispatchError::*;
    match error {
        BadOrigin => "sign with the key the call needs (the coldkey that owns the hotkey, the subnet owner, or sudo)",
        ArithmeticOverflow => "use a smaller amount",
        InsufficientBalance => "the free balance does not cover the amount plus the fee; check `agora wallet balance`",
        Expendability => "send a little less so the account keeps the existential deposit (`--all` does that)",
        ExistentialDeposit => "send at least the existential deposit to a new account",
        SubnetNotExists | SubnetDoesNotExist => "check the netuid with `agora subnets list`",
        SubNetRegistrationDisabled => "registration is closed on this subnet; ask its owner or try another subnet",
        NetworkTxRateLimitExceeded => "a subnet was created recently; wait for the network rate limit and retry",
        SubnetLimitReached => "every subnet slot is taken and immune; wait for a subnet's immunity to end",
        CannotAffordLockCost => "the balance does not cover the lock; see `agora subnets burn-cost`",
        InvalidIdentity => "shorten the identity fields (name ≤ 256 bytes, others ≤ 1024)",
        NotSubnetOwner => "sign with the subnet owner's coldkey (or the sudo key)",
        FirstEmissionBlockNumberAlreadySet => "the subnet has already started; nothing to do",
        NeedWaitingMoreBlocksToStarCall => {
            "wait until start_call_delay blocks have passed since the subnet was created"
        }
        SubtokenDisabled => "the subnet has not started: its owner must send start_call first",
        NotPermittedOnRootSubnet => "use a netuid other than 0",
        AdminActionProhibitedDuringWeightsWindow => "hyperparameters are frozen just before an epoch; retry after it",
        TxRateLimitExceeded => "this was changed recently; wait for the owner rate limit and retry",
        InvalidValue | ValueNotInBounds => "see `agora sudo get` for the allowed range and pick a value inside it",
        BondsMovingAverageMaxReached => "owners may set at most 975000; ask the sudo key for more",
        MaxAllowedUidsLessThanMinAllowedUids => "choose max_allowed_uids at least min_allowed_uids",
        MaxAllowedUIdsLessThanCurrentUIds => {
            "trim the subnet first (`trim_to_max_allowed_uids`) or choose a larger value"
        }
        MaxAllowedUidsGreaterThanDefaultMaxAllowedUids => "choose at most 256",
        MaxValidatorsLargerThanMaxUIds => "choose max_allowed_validators at most max_allowed_uids",
        LiquidAlphaDisabled => "enable liquid_alpha first",
        AlphaLowOutOfRange => "choose alpha_low between 1638 and alpha_high",
        AlphaHighTooLow => "choose alpha_high of at least 1638",
        NegativeSigmoidSteepness => "choose a steepness of 0 or more",
        RevealPeriodTooLarge => "choose a reveal period of at most 100 epochs",
        RevealPeriodTooSmall => "choose a reveal period of at least 1 epoch",
        ActivityCutoffTooLow => "choose an activity cutoff of at least 360 blocks",
        ActivityCutoffFactorMilliOutOfBounds => "choose a factor within 1000..=50000",
        TrimmingWouldExceedMaxImmunePercentage => "trim to a larger number of uids",
        RegistrationNotPermittedOnRootSubnet => "register on a subnet other than 0 (root uses root_register)",
        HotKeyAlreadyRegisteredInSubNet => "this hotkey already has a uid here; use another hotkey to register again",
        NotEnoughBalanceToStake => {
            "the free balance does not cover the amount plus the fee; check `agora wallet balance`"
        }
        NonAssociatedColdKey => "this hotkey belongs to another coldkey; use a hotkey of your own",
        NoNeuronIdAvailable => "the subnet is full of immune neurons; wait for immunity to end",
        TooManyRegistrationsThisBlock => "retry in the next block",
        TooManyRegistrationsThisInterval => "the subnet's registration target is reached; retry in the next interval",
        StakeTooLowForRoot => "stake more on this hotkey before registering on root",
        HotKeyNotRegisteredInNetwork | HotKeyNotRegisteredInSubNet => {
            "register the hotkey first with `agora subnets register --netuid N`"
        }
        InvalidIpType => "give an IPv4 or IPv6 address",
        InvalidIpAddress => "give a routable IP address (loopback only on chains that allow it)",
        ServingRateLimitExceeded => "the axon was published recently; wait for the serving rate limit",
        InvalidPort => "give a port between 1 and 65535",
        AmountTooLow => "stake at least the chain's minimum stake",
        InsufficientLiquidity => "use a larger amount",
        HotKeyAccountNotExists => "the hotkey is not known to the chain; register it on a subnet first",
        NotEnoughStakeToWithdraw => "unstake at most what `agora stake list` shows",
        DelegateTakeTooLow => "a new take must differ from the current one and stay within the chain's bounds",
        DelegateTakeTooHigh => "choose a take at most the chain's maximum (see `agora delegate list`)",
        DelegateTxRateLimitExceeded => "the take was raised recently; wait for the take rate limit",
        WeightVecNotEqualSize => "give as many weights as uids",
        UidsLengthExceedUidsInSubNet => "give at most one weight per uid of the subnet",
        NotEnoughStakeToSetWeights => "stake more on this hotkey to reach the weights stake threshold",
        IncorrectWeightVersionKey => "pass --version-key with at least the subnet's weights_version_key",
        SettingWeightsTooFast => "wait for the weights rate limit (see `agora subnets hyperparameters`) and retry",
        NeuronNoValidatorPermit => "only validators with a permit may set weights on others; stake more",
        DuplicateUids => "list every uid once",
        UidVecContainInvalidOne => "every uid must be below the subnet's size",
        WeightVecLengthIsLow => "set weights on at least min_allowed_weights uids",
        MaxWeightExceeded => "spread the weights: no share may exceed max_weight_limit",
        CommitRevealEnabled => "this subnet uses commit-reveal: `agora weights commit`, then `agora weights reveal`",
        CommitRevealDisabled => "this subnet takes weights directly: use `agora weights set`",
        CommittingWeightsTooFast => "wait for the weights rate limit before committing again",
        TooManyUnrevealedCommits => "reveal your pending commits before committing more",
        NoWeightsCommitFound => "commit first with `agora weights commit`",
        ExpiredWeightCommit => "the commit expired; commit again and reveal within the reveal period",
        InvalidRevealCommitHashNotMatch => "reveal exactly the uids, weights, salt and version key you committed",
        RevealTooEarly => "wait until the reveal period of your commit starts",
        RegistrationPriceLimitExceeded => {
            "the burn rose above your limit; check `agora subnets burn-cost` and retry with a higher limit"
        }
        SlippageTooHigh => {
            "the price would pass your limit: raise the tolerance, or allow partial execution (`--partial`)"
        }
        PriceLimitExceeded => "the pool's price is already past your limit; set a limit beyond the current price",
        SwapInputTooLarge => "the amount is over 1000 times the pool's reserve; swap less",
        ReservesTooLow => "the pool holds too little to pay this out; swap less",
        SameNetuid => "origin and destination are the same; choose another subnet, hotkey or coldkey",
        CannotBurnOrRecycleOnRootSubnet => "root stake is TAO, not alpha; recycle or burn on a subnet (netuid ≥ 1)",
        InvalidSubnetNumber => "name between 1 and 5 subnets (and at least one for keep-subnets)",
        NotDynamic => {
            "this chain runs the TAO-era economy; alpha pools exist on a chain started with economy \"dynamic\""
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_reference_names() {
        assert_eq!(name(&DispatchError::SettingWeightsTooFast), "SettingWeightsTooFast");
        assert!(advice(&DispatchError::InsufficientBalance).contains("balance"));
    }
}
