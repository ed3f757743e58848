//! The chain's own checks, run before anything is signed: each function reads what it needs
//! through [`Client`] and returns the [`Call`] to sign (with what it moves, locks or sets), or a
//! [`PreflightError::Refused`] carrying the runtime's [`DispatchError`] and what to do, so a
//! mistake costs no fee.
//!
//! The checks mirror the runtime: balances cover the amount, the fee and the existential deposit
//! ([`transfer`]); `--all` amounts leave the fee (and for transfers the existential deposit);
//! stakes meet the minimum on a started subnet ([`add_stake`]) and withdrawals stay within the
//! stake ([`remove_stake`]); registrations and new subnets are affordable ([`burned_register`],
//! [`register_network`]); takes stay within bounds and pick increase or decrease ([`set_take`]);
//! hyperparameters are set by the owner or the sudo key ([`sudo_set`]).
//!
//! A refusal is a prediction from the state at one height: the transaction can still fail on
//! chain if the state changes before it is included.

use agora_primitives::{AccountId, Balance, BlockNumber, NetUid};
use agora_runtime::hyperparams::GlobalParams;
use agora_runtime::query::SubnetView;
use agora_runtime::{Call, DispatchError, GlobalUpdate, HyperparameterUpdate};

use crate::metagraph::ratio;
use crate::rpc::ClientError;
use crate::{Client, advice};

/// Why a call was not planned; nothing was signed.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    /// The chain would refuse the call with `error`.
    #[error("{}: {detail}", advice::name(.error))]
    Refused {
        /// The chain's error.
        error: DispatchError,
        /// What is wrong and what to do.
        detail: String,
    },
    /// The signer's free balance does not cover the transaction fee.
    #[error(
        "{account} has {free} and cannot pay the transaction fee of {fee}; fund it first, e.g. \
         `agora wallet transfer --dest {account} --amount 0.001`"
    )]
    CannotPayFee {
        /// The signer.
        account: AccountId,
        /// Its free balance.
        free: Balance,
        /// The fee of one transaction.
        fee: Balance,
    },
    /// The node could not be asked.
    #[error(transparent)]
    Client(#[from] ClientError),
}

const _: () = assert!(std::mem::size_of::<PreflightError>() <= 64);

/// The result of a pre-flight check.
pub type Result<T, E = PreflightError> = std::result::Result<T, E>;

impl PreflightError {
    /// A refusal with the chain's `error` and what to do.
    pub fn refused(error: DispatchError, detail: impl Into<String>) -> PreflightError {
        PreflightError::Refused { error, detail: detail.into() }
    }

    /// The chain error this refusal stands for, if it is one.
    pub fn dispatch_error(&self) -> Option<DispatchError> {
        match self {
            PreflightError::Refused { error, .. } => Some(*error),
            _ => None,
        }
    }
}

/// How much to send, stake or unstake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amount {
    /// Exactly this much.
    Exact(Balance),
    /// As much as possible: the free balance less what must stay (fee, existential deposit), or
    /// the whole stake.
    All,
}

/// A call that passed the checks, and what it moves, locks or sets (for the confirmation and the
/// report).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned<T> {
    /// The call to sign.
    pub call: Call,
    /// The amount sent, staked, unstaked, burned or locked, or the take change.
    pub value: T,
}

/// A delegate take before and after `set_take` (u16 proportions of 65535).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TakeChange {
    /// The take now (the chain's default for a hotkey that never set one).
    pub previous: u16,
    /// The take asked for.
    pub new: u16,
}

/// A take given as a fraction outside [0, 1].
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("a take is a fraction between 0 and 1 (e.g. 0.09 for 9 %), got {0}")]
pub struct BadTakeFraction(pub f64);

/// A take as the chain stores it (a u16 proportion of 65535) from a fraction in [0, 1],
/// rounded to the nearest.
pub fn take_from_fraction(fraction: f64) -> Result<u16, BadTakeFraction> {
    if !(0.0..=1.0).contains(&fraction) {
        return Err(BadTakeFraction(fraction));
    }
    Ok((fraction * f64::from(u16::MAX)).round() as u16)
}

/// A take as the chain stores it, as a fraction in [0, 1].
pub fn take_fraction(take: u16) -> f64 {
    ratio(take)
}

/// A hyperparameter change for [`sudo_set`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    /// A subnet's hyperparameter (owner or sudo).
    Subnet(NetUid, HyperparameterUpdate),
    /// A chain-wide parameter (sudo only).
    Global(GlobalUpdate),
}

/// An account's free balance with the chain's fee and existential deposit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Funds {
    /// Free balance.
    pub free: Balance,
    /// Fee of one transaction.
    pub fee: Balance,
    /// What an account must keep to stay alive.
    pub existential_deposit: Balance,
}

impl Funds {
    fn new(free: Balance, params: &GlobalParams) -> Funds {
        Funds {
            free,
            fee: Balance::from_rao(params.tx_fee),
            existential_deposit: Balance::from_rao(params.existential_deposit),
        }
    }
}

/// The subnet `netuid`, or [`DispatchError::SubnetNotExists`].
pub fn subnet(client: &Client, netuid: NetUid) -> Result<SubnetView> {
    client.subnet(netuid).map_err(|e| match e {
        ClientError::Rpc { code: crate::NOT_FOUND, .. } => PreflightError::refused(
            DispatchError::SubnetNotExists,
            format!("there is no subnet {netuid}; {}", advice::advice(&DispatchError::SubnetNotExists)),
        ),
        other => other.into(),
    })
}

/// The transaction fee, when `payer`'s free balance covers it.
pub fn fee(client: &Client, payer: &AccountId) -> Result<Balance> {
    let fee = Balance::from_rao(client.chain_info()?.params.tx_fee);
    let free = client.account(payer)?.free;
    if free < fee {
        return Err(PreflightError::CannotPayFee { account: *payer, free, fee });
    }
    Ok(fee)
}

/// `transfer` of `amount` from `from` to `dest`: the sender pays the fee and keeps the existential
/// deposit, and a new account receives at least the existential deposit.
pub fn transfer(client: &Client, from: &AccountId, dest: &AccountId, amount: Amount) -> Result<Planned<Balance>> {
    let free = client.account(from)?.free;
    let funds = Funds::new(free, &client.chain_info()?.params);
    let amount = transfer_amount(from, funds, amount)?;
    let ed = funds.existential_deposit;
    if dest != from && client.account(dest)?.free.saturating_add(amount) < ed {
        return Err(PreflightError::refused(
            DispatchError::ExistentialDeposit,
            format!("a new account needs at least {ed}"),
        ));
    }
    Ok(Planned { call: Call::Transfer { dest: *dest, amount }, value: amount })
}

/// The amount `from` can send with `funds`: the fee, then the amount, must leave the existential
/// deposit.
pub fn transfer_amount(from: &AccountId, funds: Funds, amount: Amount) -> Result<Balance> {
    let Funds { free, fee, existential_deposit: ed } = funds;
    let spendable = free.saturating_sub(fee).saturating_sub(ed);
    let amount = match amount {
        Amount::Exact(b) => b,
        Amount::All => spendable,
    };
    if amount.is_zero() {
        return Err(PreflightError::refused(
            DispatchError::InsufficientBalance,
            format!("nothing to send: {from} has {free}; the fee is {fee} and {ed} must stay"),
        ));
    }
    if amount.saturating_add(fee) > free {
        return Err(PreflightError::refused(
            DispatchError::InsufficientBalance,
            format!("{from} has {free}, which does not cover {amount} plus the fee {fee}"),
        ));
    }
    if free.saturating_sub(fee).saturating_sub(amount) < ed {
        return Err(PreflightError::refused(
            DispatchError::Expendability,
            format!("{from} must keep {ed}; send at most {spendable} (or use --all)"),
        ));
    }
    Ok(amount)
}

/// `add_stake` of `amount` from `coldkey` on `hotkey` in `netuid`: the subnet exists and has
/// started, the amount meets the minimum stake, and the free balance covers it plus the fee.
pub fn add_stake(
    client: &Client,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    amount: Amount,
) -> Result<Planned<Balance>> {
    let s = subnet(client, netuid)?;
    if !s.started() {
        return Err(PreflightError::refused(
            DispatchError::SubtokenDisabled,
            format!("subnet {netuid} has not started; its owner runs `agora subnets start`"),
        ));
    }
    let free = client.account(coldkey)?.free;
    let params = client.chain_info()?.params;
    let amount = stake_amount(coldkey, Funds::new(free, &params), Balance::from_rao(params.min_stake), amount)?;
    Ok(Planned { call: Call::AddStake { hotkey: *hotkey, netuid, amount }, value: amount })
}

/// The amount `coldkey` can stake with `funds` (`All`: everything but the fee).
pub fn stake_amount(coldkey: &AccountId, funds: Funds, min_stake: Balance, amount: Amount) -> Result<Balance> {
    let Funds { free, fee, .. } = funds;
    let amount = match amount {
        Amount::Exact(b) => b,
        Amount::All => free.saturating_sub(fee),
    };
    if amount < min_stake {
        return Err(PreflightError::refused(DispatchError::AmountTooLow, format!("the minimum stake is {min_stake}")));
    }
    if amount.saturating_add(fee) > free {
        return Err(PreflightError::refused(
            DispatchError::NotEnoughBalanceToStake,
            format!("{coldkey} has {free}; staking {amount} needs that plus the fee"),
        ));
    }
    Ok(amount)
}

/// `remove_stake` of `amount` (`All`: the whole stake) of `coldkey` on `hotkey` in `netuid`.
pub fn remove_stake(
    client: &Client,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
    amount: Amount,
) -> Result<Planned<Balance>> {
    subnet(client, netuid)?;
    let staked = client.stake(coldkey, hotkey, netuid)?;
    let amount = unstake_amount(hotkey, netuid, staked, amount)?;
    Ok(Planned { call: Call::RemoveStake { hotkey: *hotkey, netuid, amount }, value: amount })
}

/// The amount that can be unstaked from a stake of `staked`: more than nothing, at most all.
pub fn unstake_amount(hotkey: &AccountId, netuid: NetUid, staked: Balance, amount: Amount) -> Result<Balance> {
    let amount = match amount {
        Amount::Exact(b) => b,
        Amount::All => staked,
    };
    if amount > staked || amount.is_zero() {
        return Err(PreflightError::refused(
            DispatchError::NotEnoughStakeToWithdraw,
            format!("your stake on {} in subnet {netuid} is {staked}", short(hotkey)),
        ));
    }
    Ok(amount)
}

/// `burned_register` of `hotkey` on `netuid`, paid by `coldkey`: the subnet exists, the hotkey has
/// no uid there yet, and the free balance covers the burn plus the fee. The value is the burn.
pub fn burned_register(
    client: &Client,
    coldkey: &AccountId,
    hotkey: &AccountId,
    netuid: NetUid,
) -> Result<Planned<Balance>> {
    let s = subnet(client, netuid)?;
    if let Some(uid) = client.uid_of(netuid, hotkey)? {
        return Err(PreflightError::refused(
            DispatchError::HotKeyAlreadyRegisteredInSubNet,
            format!("{hotkey} is uid {} on subnet {netuid}", uid.get()),
        ));
    }
    let free = client.account(coldkey)?.free;
    let fee = Balance::from_rao(client.chain_info()?.params.tx_fee);
    if free < s.burn.saturating_add(fee) {
        return Err(PreflightError::refused(
            DispatchError::NotEnoughBalanceToStake,
            format!("registering burns {} plus the fee {fee}; {coldkey} has {free}", s.burn),
        ));
    }
    Ok(Planned { call: Call::BurnedRegister { netuid, hotkey: *hotkey }, value: s.burn })
}

/// `register_network` (a new subnet whose uid 0 is `hotkey`), paid by `coldkey`: the free balance
/// covers the lock cost plus the fee. The value is the lock.
pub fn register_network(client: &Client, coldkey: &AccountId, hotkey: &AccountId) -> Result<Planned<Balance>> {
    let info = client.chain_info()?;
    let (cost, fee) = (info.network_lock_cost, Balance::from_rao(info.params.tx_fee));
    let free = client.account(coldkey)?.free;
    if free < cost.saturating_add(fee) {
        return Err(PreflightError::refused(
            DispatchError::CannotAffordLockCost,
            format!("creating a subnet locks {cost} plus the fee {fee}; {coldkey} has {free}"),
        ));
    }
    Ok(Planned { call: Call::RegisterNetwork { hotkey: *hotkey }, value: cost })
}

/// `start_call` of `netuid`: the subnet exists and has not started.
pub fn start_call(client: &Client, netuid: NetUid) -> Result<Call> {
    let s = subnet(client, netuid)?;
    if s.first_emission_block != BlockNumber::GENESIS {
        return Err(PreflightError::refused(
            DispatchError::FirstEmissionBlockNumberAlreadySet,
            format!("subnet {netuid} emits since block {}", s.first_emission_block),
        ));
    }
    Ok(Call::StartCall { netuid })
}

/// Setting `hotkey`'s delegate take to `take` (a u16 proportion): at most the chain's maximum;
/// `decrease_take` below the current take, `increase_take` otherwise.
pub fn set_take(client: &Client, hotkey: &AccountId, take: u16) -> Result<Planned<TakeChange>> {
    let params = client.chain_info()?.params;
    if take > params.max_delegate_take {
        return Err(PreflightError::refused(
            DispatchError::DelegateTakeTooHigh,
            format!("the maximum take is {}", percent(params.max_delegate_take)),
        ));
    }
    let previous =
        client.delegates()?.into_iter().find(|d| d.hotkey == *hotkey).map_or(params.default_take, |d| d.take);
    let change = TakeChange { previous, new: take };
    Ok(Planned { call: take_call(*hotkey, change), value: change })
}

/// `decrease_take` when the take goes down, else `increase_take`.
pub fn take_call(hotkey: AccountId, change: TakeChange) -> Call {
    if change.new < change.previous {
        Call::DecreaseTake { hotkey, take: change.new }
    } else {
        Call::IncreaseTake { hotkey, take: change.new }
    }
}

/// The `sudo_set_*` call for `setting`, signed by `coldkey`: the sudo key, or for an owner-settable
/// hyperparameter the subnet's owner.
pub fn sudo_set(client: &Client, coldkey: &AccountId, setting: Setting) -> Result<Call> {
    match setting {
        Setting::Subnet(netuid, update) => {
            let owner = subnet(client, netuid)?.owner;
            let sudo = client.chain_info()?.sudo;
            may_set_hyperparameter(coldkey, sudo, owner, netuid, &update)?;
            Ok(Call::SudoSetHyperparameter { netuid, update })
        }
        Setting::Global(update) => {
            if client.chain_info()?.sudo != Some(*coldkey) {
                return Err(PreflightError::refused(
                    DispatchError::BadOrigin,
                    format!("{coldkey} is not the sudo key"),
                ));
            }
            Ok(Call::SudoSetGlobal { update })
        }
    }
}

/// Whether `coldkey` may make `update` on `netuid`, given the chain's `sudo` key and the subnet's
/// `owner`.
pub fn may_set_hyperparameter(
    coldkey: &AccountId,
    sudo: Option<AccountId>,
    owner: Option<AccountId>,
    netuid: NetUid,
    update: &HyperparameterUpdate,
) -> Result<()> {
    let is_owner = owner == Some(*coldkey);
    if sudo == Some(*coldkey) || (is_owner && update.owner_settable()) {
        return Ok(());
    }
    let detail = if is_owner {
        format!("{} needs the sudo key", update.setter_name())
    } else {
        format!("{coldkey} is neither the owner of subnet {netuid} nor the sudo key")
    };
    Err(PreflightError::refused(DispatchError::BadOrigin, detail))
}

/// An address shortened for messages: `5Grwva…utQY`.
pub fn short(a: &AccountId) -> String {
    let s = a.to_ss58();
    format!("{}…{}", &s[..6], &s[s.len() - 4..])
}

/// A u16 proportion as a percentage with two decimals.
fn percent(x: u16) -> String {
    format!("{:.2}%", ratio(x) * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(i: u8) -> AccountId {
        agora_primitives::Pair::from_seed(&[i; 32]).public()
    }

    fn funds(free: u64) -> Funds {
        Funds { free: Balance(free), fee: Balance(10), existential_deposit: Balance(500) }
    }

    fn refusal<T: std::fmt::Debug>(r: Result<T>) -> DispatchError {
        r.unwrap_err().dispatch_error().expect("a refusal")
    }

    #[test]
    fn takes_convert_between_fractions_and_proportions() {
        assert_eq!(take_from_fraction(0.0), Ok(0));
        assert_eq!(take_from_fraction(1.0), Ok(u16::MAX));
        assert_eq!(take_from_fraction(0.18), Ok(11_796));
        assert_eq!(take_from_fraction(1.5), Err(BadTakeFraction(1.5)));
        assert!(take_from_fraction(-0.1).is_err() && take_from_fraction(f64::NAN).is_err());
        assert_eq!(take_fraction(u16::MAX), 1.0);
        assert_eq!(take_from_fraction(take_fraction(11_796)), Ok(11_796));
    }

    #[test]
    fn transfers_leave_the_fee_and_the_existential_deposit() {
        let a = account(1);
        assert_eq!(transfer_amount(&a, funds(2_000), Amount::All).unwrap(), Balance(1_490));
        assert_eq!(transfer_amount(&a, funds(2_000), Amount::Exact(Balance(1_490))).unwrap(), Balance(1_490));
        assert_eq!(
            refusal(transfer_amount(&a, funds(2_000), Amount::Exact(Balance(1_491)))),
            DispatchError::Expendability
        );
        assert_eq!(
            refusal(transfer_amount(&a, funds(2_000), Amount::Exact(Balance(1_991)))),
            DispatchError::InsufficientBalance
        );
        // Nothing left to send once the fee and the deposit are set aside.
        assert_eq!(refusal(transfer_amount(&a, funds(510), Amount::All)), DispatchError::InsufficientBalance);
        assert_eq!(refusal(transfer_amount(&a, funds(5), Amount::All)), DispatchError::InsufficientBalance);
        assert_eq!(
            refusal(transfer_amount(&a, funds(2_000), Amount::Exact(Balance::ZERO))),
            DispatchError::InsufficientBalance
        );
        let e = transfer_amount(&a, funds(2_000), Amount::Exact(Balance(1_500))).unwrap_err();
        assert!(e.to_string().starts_with("Expendability: "), "{e}");
        assert!(e.to_string().contains("send at most τ0.000001490"), "{e}");
    }

    #[test]
    fn stakes_meet_the_minimum_and_leave_the_fee() {
        let a = account(1);
        let min = Balance(100);
        assert_eq!(stake_amount(&a, funds(1_000), min, Amount::All).unwrap(), Balance(990));
        assert_eq!(stake_amount(&a, funds(1_000), min, Amount::Exact(Balance(990))).unwrap(), Balance(990));
        assert_eq!(
            refusal(stake_amount(&a, funds(1_000), min, Amount::Exact(Balance(99)))),
            DispatchError::AmountTooLow
        );
        assert_eq!(
            refusal(stake_amount(&a, funds(1_000), min, Amount::Exact(Balance(991)))),
            DispatchError::NotEnoughBalanceToStake
        );
        // With less than the minimum plus the fee, `All` is below the minimum.
        assert_eq!(refusal(stake_amount(&a, funds(105), min, Amount::All)), DispatchError::AmountTooLow);
    }

    #[test]
    fn unstaking_stays_within_the_stake() {
        let h = account(2);
        let n = NetUid(1);
        assert_eq!(unstake_amount(&h, n, Balance(70), Amount::All).unwrap(), Balance(70));
        assert_eq!(unstake_amount(&h, n, Balance(70), Amount::Exact(Balance(70))).unwrap(), Balance(70));
        for (staked, amount) in [(70, Amount::Exact(Balance(71))), (70, Amount::Exact(Balance::ZERO)), (0, Amount::All)]
        {
            assert_eq!(
                refusal(unstake_amount(&h, n, Balance(staked), amount)),
                DispatchError::NotEnoughStakeToWithdraw
            );
        }
    }

    #[test]
    fn takes_go_down_with_decrease_and_up_with_increase() {
        let h = account(3);
        assert!(matches!(take_call(h, TakeChange { previous: 100, new: 50 }), Call::DecreaseTake { take: 50, .. }));
        assert!(matches!(take_call(h, TakeChange { previous: 100, new: 100 }), Call::IncreaseTake { take: 100, .. }));
        assert!(matches!(take_call(h, TakeChange { previous: 100, new: 200 }), Call::IncreaseTake { take: 200, .. }));
        assert_eq!(percent(11_796), "18.00%");
    }

    #[test]
    fn owners_set_owner_settable_hyperparameters_and_sudo_sets_all() {
        let (owner, sudo, other) = (account(4), account(5), account(6));
        let n = NetUid(1);
        let (owned, tempo) = (HyperparameterUpdate::ImmunityPeriod(10), HyperparameterUpdate::Tempo(5));
        assert!(may_set_hyperparameter(&owner, Some(sudo), Some(owner), n, &owned).is_ok());
        assert!(may_set_hyperparameter(&sudo, Some(sudo), Some(owner), n, &tempo).is_ok());
        assert_eq!(
            refusal(may_set_hyperparameter(&other, Some(sudo), Some(owner), n, &owned)),
            DispatchError::BadOrigin
        );
        let e = may_set_hyperparameter(&owner, Some(sudo), Some(owner), n, &tempo).unwrap_err();
        assert_eq!(e.to_string(), "BadOrigin: sudo_set_tempo needs the sudo key");
    }

    #[test]
    fn refusals_read_name_then_detail() {
        let e = PreflightError::refused(DispatchError::BadOrigin, "not you");
        assert_eq!(e.to_string(), "BadOrigin: not you");
        let a = account(7);
        let e = PreflightError::CannotPayFee { account: a, free: Balance(1), fee: Balance(2) };
        assert!(e.to_string().starts_with(&format!("{a} has τ0.000000001 and cannot pay")), "{e}");
        assert_eq!(e.dispatch_error(), None);
        assert!(short(&a).contains('…'));
    }
}
