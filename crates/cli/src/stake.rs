//! `agora stake add|remove|list` and `agora delegate list|set-take`.

use agora_primitives::{AccountId, Balance, NetUid};
use agora_runtime::{Call, DispatchError};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::Failure;
use crate::out::{Global, Table};
use crate::tx::{Session, parse_account, parse_tao, receipt_doc, refuse, short, tao};
use crate::wallet::WalletFlags;
use crate::wallet_chain::percent;

/// Which hotkey to stake on.
#[derive(Debug, Args, Clone)]
pub struct StakeTarget {
    /// The subnet.
    #[arg(long, short = 'n')]
    netuid: u16,
    /// Stake on this hotkey (SS58) instead of the wallet's hotkey, e.g. a delegate's.
    #[arg(long = "hotkey-ss58", alias = "include-hotkeys")]
    hotkey_ss58: Option<String>,
}

impl StakeTarget {
    fn hotkey(&self, wallet: &WalletFlags) -> Result<AccountId, Failure> {
        match &self.hotkey_ss58 {
            Some(text) => parse_account(text),
            None => wallet.hotkey_account(),
        }
    }
}

/// `agora stake`.
#[derive(Debug, Subcommand)]
pub enum StakeCommand {
    /// Stake TAO from the coldkey on a hotkey in a subnet.
    Add {
        #[command(flatten)]
        target: StakeTarget,
        /// TAO to stake.
        #[arg(long, required_unless_present = "all")]
        amount: Option<String>,
        /// Stake the whole free balance (less the fee).
        #[arg(long)]
        all: bool,
    },
    /// Unstake back to the coldkey's free balance.
    Remove {
        #[command(flatten)]
        target: StakeTarget,
        /// TAO to unstake.
        #[arg(long, required_unless_present = "all")]
        amount: Option<String>,
        /// Unstake everything from this hotkey and subnet.
        #[arg(long, alias = "unstake-all")]
        all: bool,
    },
    /// The coldkey's stake positions.
    List {
        /// Another coldkey's positions (SS58).
        #[arg(long)]
        ss58: Option<String>,
    },
}

/// `agora delegate`.
#[derive(Debug, Subcommand)]
pub enum DelegateCommand {
    /// Every hotkey with stake or registrations, with its take and nominators.
    List,
    /// Change the wallet hotkey's take (a fraction such as 0.09; lowering is immediate, raising is
    /// rate-limited).
    SetTake {
        /// The new take, between 0 and the chain's maximum (e.g. 0.18).
        #[arg(long)]
        take: f64,
    },
}

pub fn run_stake(cmd: StakeCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        StakeCommand::Add { target, amount, all } => {
            let session = Session::new(g)?;
            let subnet = session.require_subnet(NetUid(target.netuid))?;
            if !subnet.netuid.is_root() && subnet.first_emission_block == 0 {
                return Err(refuse(
                    DispatchError::SubtokenDisabled,
                    format!("subnet {} has not started; its owner runs `agora subnets start`", target.netuid),
                ));
            }
            let hotkey = target.hotkey(&g.wallet)?;
            let coldkey = g.wallet.coldkey_account()?;
            let free = session.client.account(&coldkey)?.free;
            let params = session.client.chain_info()?.params;
            let fee = params.tx_fee;
            let amount = match amount {
                Some(text) if !all => parse_tao(&text)?,
                _ => free.saturating_sub(Balance::from_rao(fee)),
            };
            if amount.rao() < params.min_stake {
                return Err(refuse(
                    DispatchError::AmountTooLow,
                    format!("the minimum stake is {}", Balance::from_rao(params.min_stake)),
                ));
            }
            if amount.saturating_add(Balance::from_rao(fee)) > free {
                return Err(refuse(
                    DispatchError::NotEnoughBalanceToStake,
                    format!("{coldkey} has {free}; staking {amount} needs that plus the fee"),
                ));
            }
            let signer = g.wallet.coldkey_pair()?;
            let call = Call::AddStake { hotkey, netuid: NetUid(target.netuid), amount };
            let done = session.send(
                &signer,
                call,
                &format!("stake {amount} on {} in subnet {}", short(&hotkey), target.netuid),
            )?;
            let staked = session.client.stake(&coldkey, &hotkey, NetUid(target.netuid))?;
            let mut doc = receipt_doc(&done);
            doc["hotkey"] = json!(hotkey);
            doc["netuid"] = json!(target.netuid);
            doc["amount"] = json!(tao(amount));
            doc["stake"] = json!(tao(staked));
            g.print(&doc, || format!("staked {amount} on {}; your stake there is now {staked}", short(&hotkey)));
            Ok(())
        }
        StakeCommand::Remove { target, amount, all } => {
            let session = Session::new(g)?;
            session.require_subnet(NetUid(target.netuid))?;
            let hotkey = target.hotkey(&g.wallet)?;
            let coldkey = g.wallet.coldkey_account()?;
            let staked = session.client.stake(&coldkey, &hotkey, NetUid(target.netuid))?;
            let amount = match amount {
                Some(text) if !all => parse_tao(&text)?,
                _ => staked,
            };
            if amount > staked || amount.is_zero() {
                return Err(refuse(
                    DispatchError::NotEnoughStakeToWithdraw,
                    format!("your stake on {} in subnet {} is {staked}", short(&hotkey), target.netuid),
                ));
            }
            let signer = g.wallet.coldkey_pair()?;
            let call = Call::RemoveStake { hotkey, netuid: NetUid(target.netuid), amount };
            let done = session.send(
                &signer,
                call,
                &format!("unstake {amount} from {} in subnet {}", short(&hotkey), target.netuid),
            )?;
            let left = session.client.stake(&coldkey, &hotkey, NetUid(target.netuid))?;
            let mut doc = receipt_doc(&done);
            doc["hotkey"] = json!(hotkey);
            doc["netuid"] = json!(target.netuid);
            doc["amount"] = json!(tao(amount));
            doc["stake"] = json!(tao(left));
            g.print(&doc, || format!("unstaked {amount}; {left} left on {}", short(&hotkey)));
            Ok(())
        }
        StakeCommand::List { ss58 } => {
            let wallet = &g.wallet;
            let session = Session::new(g)?;
            let coldkey = match ss58 {
                Some(text) => parse_account(&text)?,
                None => wallet.coldkey_account()?,
            };
            let stakes = session.client.stakes_of_coldkey(&coldkey)?;
            let total: Balance = stakes.iter().map(|s| s.amount).sum();
            let doc = json!({
                "coldkey": coldkey,
                "stakes": stakes.iter().map(|s| json!({"hotkey": s.hotkey, "netuid": s.netuid.get(), "stake": tao(s.amount), "stake_rao": s.amount.rao()})).collect::<Vec<_>>(),
                "total": tao(total),
            });
            g.print(&doc, || {
                if stakes.is_empty() {
                    return format!("{coldkey} has no stake (add some with `agora stake add`)");
                }
                let mut t = Table::new(&["netuid", "hotkey", "stake"]);
                for s in &stakes {
                    t.row(vec![s.netuid.get().to_string(), s.hotkey.to_ss58(), s.amount.to_string()]);
                }
                format!("{}\ntotal {total}", t.to_string().trim_end())
            });
            Ok(())
        }
    }
}

pub fn run_delegate(cmd: DelegateCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        DelegateCommand::List => {
            let session = Session::new(g)?;
            let delegates = session.client.delegates()?;
            let doc = json!({"delegates": delegates.iter().map(|d| json!({
                "hotkey": d.hotkey, "owner": d.owner, "take": f64::from(d.take) / 65535.0,
                "stake": tao(d.stake.iter().map(|(_, b)| *b).sum()),
                "nominators": d.nominators,
                "registrations": d.registrations.iter().map(|n| n.get()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>()});
            g.print(&doc, || {
                let mut t = Table::new(&["hotkey", "owner", "take", "stake", "nominators", "subnets"]);
                for d in &delegates {
                    let stake: Balance = d.stake.iter().map(|(_, b)| *b).sum();
                    t.row(vec![
                        d.hotkey.to_ss58(),
                        short(&d.owner),
                        percent(d.take),
                        stake.to_string(),
                        d.nominators.to_string(),
                        d.registrations.iter().map(|n| n.get().to_string()).collect::<Vec<_>>().join(","),
                    ]);
                }
                if t.is_empty() { "no delegates yet".into() } else { t.to_string().trim_end().to_string() }
            });
            Ok(())
        }
        DelegateCommand::SetTake { take } => {
            let wallet = &g.wallet;
            let session = Session::new(g)?;
            let params = session.client.chain_info()?.params;
            if !(0.0..=1.0).contains(&take) {
                return Err(Failure::msg("--take is a fraction between 0 and 1 (e.g. 0.09 for 9 %)"));
            }
            let new = (take * 65535.0).round() as u16;
            if new > params.max_delegate_take {
                return Err(refuse(
                    DispatchError::DelegateTakeTooHigh,
                    format!("the maximum take is {}", percent(params.max_delegate_take)),
                ));
            }
            let hotkey = wallet.hotkey_account()?;
            let current = session
                .client
                .delegates()?
                .into_iter()
                .find(|d| d.hotkey == hotkey)
                .map_or(params.default_take, |d| d.take);
            let call = if new < current {
                Call::DecreaseTake { hotkey, take: new }
            } else {
                Call::IncreaseTake { hotkey, take: new }
            };
            let signer = wallet.coldkey_pair()?;
            let done =
                session.send(&signer, call, &format!("set the take of {} to {}", short(&hotkey), percent(new)))?;
            let mut doc = receipt_doc(&done);
            doc["hotkey"] = json!(hotkey);
            doc["take"] = json!(f64::from(new) / 65535.0);
            doc["previous_take"] = json!(f64::from(current) / 65535.0);
            g.print(&doc, || format!("take of {} is now {} (was {})", short(&hotkey), percent(new), percent(current)));
            Ok(())
        }
    }
}
