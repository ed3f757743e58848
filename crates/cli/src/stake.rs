//! `agora stake add|remove|list`: TAO staked on hotkeys.

use agora_client::preflight::{self, Amount, Planned};
use agora_primitives::{AccountId, Balance, NetUid};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::args::{Global, WalletFlags};
use crate::failure::Failure;
use crate::out::Table;
use crate::session::{Session, parse_account, parse_tao, receipt_doc, short, tao};

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
        StakeCommand::Remove { target, amount, all } => remove(g, &target, amount, all),
        StakeCommand::List { ss58 } => list(g, ss58),
    }
}

/// `--amount TAO`, or everything with `--all` (or without `--amount`).
fn amount(text: Option<String>, all: bool) -> Result<Amount, Failure> {
    Ok(match text {
        Some(text) if !all => Amount::Exact(parse_tao(&text)?),
        _ => Amount::All,
    })
}

/// `agora stake add`.
fn add(g: &Global, target: &StakeTarget, text: Option<String>, all: bool) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let hotkey = target.hotkey(&g.wallet)?;
    let coldkey = g.wallet.coldkey_account()?;
    let Planned { call, value: amount } =
        preflight::add_stake(&session.client, &coldkey, &hotkey, target.netuid, amount(text, all)?)?;
    let signer = g.wallet.coldkey_pair()?;
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

/// `agora stake remove`.
fn remove(g: &Global, target: &StakeTarget, text: Option<String>, all: bool) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let hotkey = target.hotkey(&g.wallet)?;
    let coldkey = g.wallet.coldkey_account()?;
    let Planned { call, value: amount } =
        preflight::remove_stake(&session.client, &coldkey, &hotkey, target.netuid, amount(text, all)?)?;
    let signer = g.wallet.coldkey_pair()?;
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

/// `agora stake list`.
fn list(g: &Global, ss58: Option<String>) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let coldkey = match ss58 {
        Some(text) => parse_account(&text)?,
        None => g.wallet.coldkey_account()?,
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
