//! `agora stake add|remove|list`: TAO staked on hotkeys.

use agora_primitives::{AccountId, Balance, NetUid};
use agora_runtime::{Call, DispatchError};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::args::{Global, WalletFlags};
use crate::failure::Failure;
use crate::out::Table;
use crate::session::{Session, parse_account, parse_tao, receipt_doc, refuse, short, tao};

/// Which hotkey to stake on.
#[derive(Debug, Args, Clone)]
pub struct StakeTarget {
    /// The subnet.
    #[arg(long, short = 'n', value_parser = crate::args::netuid)]
    netuid: NetUid,
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

pub fn run(cmd: StakeCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        StakeCommand::Add { target, amount, all } => add(g, &target, amount, all),
        StakeCommand::Remove { target, amount, all } => {
            let session = Session::new(g)?;
            session.require_subnet(target.netuid)?;
            let hotkey = target.hotkey(&g.wallet)?;
            let coldkey = g.wallet.coldkey_account()?;
            let staked = session.client.stake(&coldkey, &hotkey, target.netuid)?;
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
            let call = Call::RemoveStake { hotkey, netuid: target.netuid, amount };
            let done = session.send(
                &signer,
                call,
                &format!("unstake {amount} from {} in subnet {}", short(&hotkey), target.netuid),
            )?;
            let left = session.client.stake(&coldkey, &hotkey, target.netuid)?;
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

/// `agora stake add`.
fn add(g: &Global, target: &StakeTarget, amount: Option<String>, all: bool) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let subnet = session.require_subnet(target.netuid)?;
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
    let call = Call::AddStake { hotkey, netuid: target.netuid, amount };
    let done =
        session.send(&signer, call, &format!("stake {amount} on {} in subnet {}", short(&hotkey), target.netuid))?;
    let staked = session.client.stake(&coldkey, &hotkey, target.netuid)?;
    let mut doc = receipt_doc(&done);
    doc["hotkey"] = json!(hotkey);
    doc["netuid"] = json!(target.netuid);
    doc["amount"] = json!(tao(amount));
    doc["stake"] = json!(tao(staked));
    g.print(&doc, || format!("staked {amount} on {}; your stake there is now {staked}", short(&hotkey)));
    Ok(())
}
