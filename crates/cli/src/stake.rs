//! `agora stake add|remove|list|move|transfer|swap`: stake on hotkeys. On a dynamic chain a
//! stake buys the subnet's alpha through its pool and an unstake sells it (`--safe` sends a price
//! limit, btcli's safe staking); amounts to unstake or move are alpha. In the TAO era stake is
//! TAO.

use agora_client::preflight::{self, Amount, Planned};
use agora_primitives::{AccountId, Balance, NetUid};
use agora_runtime::Call;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::args::{Global, WalletFlags};
use crate::failure::Failure;
use crate::market::{self, Market, price_text, units};
use crate::out::Table;
use crate::session::{Session, parse_account, parse_tao, receipt_doc, short, tao};
use crate::stake_moves::{self, MoveArgs, SwapArgs, TransferArgs};

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
    pub(crate) fn hotkey(&self, wallet: &WalletFlags) -> Result<AccountId, Failure> {
        match &self.hotkey_ss58 {
            Some(text) => parse_account(text),
            None => wallet.hotkey_account(),
        }
    }
}

/// Price protection on a dynamic chain (btcli's safe staking).
#[derive(Debug, Args, Clone)]
pub struct SafeFlags {
    /// Send a price limit: the spot price moved by --tolerance against you (dynamic chains).
    #[arg(long, alias = "safe-staking")]
    pub(crate) safe: bool,
    /// How far the price may move before the order stops (a fraction; 0.005 is 0.5%).
    #[arg(long, alias = "rate-tolerance", default_value = "0.005", value_parser = market::tolerance, requires = "safe")]
    pub(crate) tolerance: f64,
    /// With --safe, execute the part that fits within the limit instead of failing.
    #[arg(long, alias = "allow-partial-stake", requires = "safe")]
    pub(crate) partial: bool,
}

/// `agora stake`.
#[derive(Debug, Subcommand)]
pub enum StakeCommand {
    /// Stake TAO from the coldkey on a hotkey in a subnet (on a dynamic chain, buys its alpha).
    Add {
        #[command(flatten)]
        target: StakeTarget,
        /// TAO to stake.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        amount: Option<String>,
        /// Stake the whole free balance (less the fee).
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        safe: SafeFlags,
    },
    /// Unstake back to the coldkey's free balance (on a dynamic chain, sells alpha).
    Remove {
        #[command(flatten)]
        target: StakeTarget,
        /// Stake to unstake: alpha on a dynamic chain, TAO in the TAO era.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        amount: Option<String>,
        /// Unstake everything from this hotkey and subnet.
        #[arg(long, alias = "unstake-all")]
        all: bool,
        #[command(flatten)]
        safe: SafeFlags,
    },
    /// The coldkey's stake positions (with alpha, price and value on a dynamic chain).
    List {
        /// Another coldkey's positions (SS58).
        #[arg(long)]
        ss58: Option<String>,
    },
    /// Move stake to another hotkey and/or subnet, keeping the coldkey.
    Move(MoveArgs),
    /// Give stake to another coldkey (same hotkey), on the same or another subnet.
    Transfer(TransferArgs),
    /// Swap stake from one subnet to another on the same hotkey.
    Swap(SwapArgs),
}

pub fn run(cmd: StakeCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        StakeCommand::Add { target, amount, all, safe } => add(g, &target, amount, all, &safe),
        StakeCommand::Remove { target, amount, all, safe } => remove(g, &target, amount, all, &safe),
        StakeCommand::List { ss58 } => list(g, ss58),
        StakeCommand::Move(args) => stake_moves::move_stake(g, &args),
        StakeCommand::Transfer(args) => stake_moves::transfer_stake(g, &args),
        StakeCommand::Swap(args) => stake_moves::swap_stake(g, &args),
    }
}

/// The plain call, or its `_limit` form with `--safe` (dynamic chains only).
fn protect(call: Call, market: &Market, netuid: NetUid, safe: &SafeFlags) -> Result<(Call, Option<u64>), Failure> {
    if !safe.safe {
        return Ok((call, None));
    }
    if market.pool(netuid).is_none() || netuid.is_root() {
        let why = if !market.dynamic() {
            "a TAO-era chain: stake is TAO at price 1"
        } else if netuid.is_root() {
            "root is priced at 1"
        } else {
            "see `agora subnets price`"
        };
        return Err(Failure::msg(format!(
            "--safe protects against price moves, and subnet {netuid} has no pool price ({why}); drop --safe"
        )));
    }
    let price = market.price(netuid);
    let allow_partial = safe.partial;
    Ok(match call {
        Call::AddStake { hotkey, netuid, amount } => {
            let limit_price = market::limit_price(price, safe.tolerance, true);
            (Call::AddStakeLimit { hotkey, netuid, amount, limit_price, allow_partial }, Some(limit_price))
        }
        Call::RemoveStake { hotkey, netuid, amount } => {
            let limit_price = market::limit_price(price, safe.tolerance, false);
            (
                Call::RemoveStakeLimit { hotkey, netuid, amount: amount.rao(), limit_price, allow_partial },
                Some(limit_price),
            )
        }
        other => (other, None),
    })
}

/// `--amount TAO`, or everything with `--all` (or without `--amount`).
fn amount(text: Option<String>, all: bool) -> Result<Amount, Failure> {
    Ok(match text {
        Some(text) if !all => Amount::Exact(parse_tao(&text)?),
        _ => Amount::All,
    })
}

/// `agora stake add`.
fn add(g: &Global, target: &StakeTarget, text: Option<String>, all: bool, safe: &SafeFlags) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let market = Market::load(&session.client)?;
    let hotkey = target.hotkey(&g.wallet)?;
    let coldkey = g.wallet.coldkey_account()?;
    let netuid = target.netuid;
    let Planned { call, value: amount } =
        preflight::add_stake(&session.client, &coldkey, &hotkey, netuid, amount(text, all)?)?;
    let (call, limit) = protect(call, &market, netuid, safe)?;
    let signer = g.wallet.coldkey_pair()?;
    let done = session.send(&signer, call, &format!("stake {amount} on {} in subnet {netuid}", short(&hotkey)))?;
    let staked = session.client.stake(&coldkey, &hotkey, netuid)?.rao();
    // What the swap did, from the receipt: with --partial it may be less than asked.
    let swap = market::pool_swap(&done, netuid);
    let mut doc = receipt_doc(&done);
    doc["hotkey"] = json!(hotkey);
    doc["netuid"] = json!(netuid);
    doc["amount"] = json!(tao(amount));
    doc["stake"] = json!(units(staked));
    doc["stake_unit"] = json!(market.unit(netuid));
    if let Some(s) = swap.as_ref().filter(|_| market.unit(netuid) == "alpha") {
        doc["tao_spent"] = json!(units(s.tao.saturating_add(s.fee)));
        doc["alpha_bought"] = json!(units(s.alpha));
        doc["swap_fee"] = json!(units(s.fee));
    }
    if market.dynamic() {
        doc["limit_price"] = json!(limit.map(units));
    }
    g.print(&doc, || {
        let stake = market.amount_text(netuid, staked);
        match swap.as_ref().filter(|_| market.unit(netuid) == "alpha") {
            Some(s) => format!(
                "staked {} on {} for {}; your stake there is now {stake}",
                Balance(s.tao.saturating_add(s.fee)),
                short(&hotkey),
                market::alpha_text(s.alpha)
            ),
            None => format!("staked {amount} on {}; your stake there is now {stake}", short(&hotkey)),
        }
    });
    Ok(())
}

/// `agora stake remove`.
fn remove(g: &Global, target: &StakeTarget, text: Option<String>, all: bool, safe: &SafeFlags) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let market = Market::load(&session.client)?;
    let hotkey = target.hotkey(&g.wallet)?;
    let coldkey = g.wallet.coldkey_account()?;
    let netuid = target.netuid;
    let Planned { call, value: amount } =
        preflight::remove_stake(&session.client, &coldkey, &hotkey, netuid, amount(text, all)?)?;
    let (call, limit) = protect(call, &market, netuid, safe)?;
    let signer = g.wallet.coldkey_pair()?;
    let shown = market.amount_text(netuid, amount.rao());
    let done = session.send(&signer, call, &format!("unstake {shown} from {} in subnet {netuid}", short(&hotkey)))?;
    let left = session.client.stake(&coldkey, &hotkey, netuid)?.rao();
    let swap = market::pool_swap(&done, netuid);
    let mut doc = receipt_doc(&done);
    doc["hotkey"] = json!(hotkey);
    doc["netuid"] = json!(netuid);
    doc["amount"] = json!(units(amount.rao()));
    doc["stake"] = json!(units(left));
    doc["stake_unit"] = json!(market.unit(netuid));
    if let Some(s) = swap.as_ref().filter(|_| market.unit(netuid) == "alpha") {
        doc["alpha_sold"] = json!(units(s.alpha.saturating_add(s.fee)));
        doc["tao_received"] = json!(units(s.tao));
        doc["swap_fee"] = json!(units(s.fee));
    }
    if market.dynamic() {
        doc["limit_price"] = json!(limit.map(units));
    }
    g.print(&doc, || match swap.as_ref().filter(|_| market.unit(netuid) == "alpha") {
        Some(s) => format!(
            "sold {} for {}; {} left on {}",
            market::alpha_text(s.alpha.saturating_add(s.fee)),
            Balance(s.tao),
            market.amount_text(netuid, left),
            short(&hotkey)
        ),
        None => format!("unstaked {shown}; {} left on {}", market.amount_text(netuid, left), short(&hotkey)),
    });
    Ok(())
}

/// `agora stake list`.
fn list(g: &Global, ss58: Option<String>) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let market = Market::load(&session.client)?;
    let coldkey = match ss58 {
        Some(text) => parse_account(&text)?,
        None => g.wallet.coldkey_account()?,
    };
    let stakes = session.client.stakes_of_coldkey(&coldkey)?;
    let value = |s: &agora_runtime::query::StakeView| market.value(s.netuid, s.amount.rao());
    let total: Balance = stakes.iter().map(value).sum();
    let doc = json!({
        "coldkey": coldkey,
        "economy": market.economy,
        "stakes": stakes.iter().map(|s| {
            let mut row = json!({"hotkey": s.hotkey, "netuid": s.netuid.get(), "stake": units(s.amount.rao()), "stake_rao": s.amount.rao()});
            if market.dynamic() {
                row["alpha"] = json!(units(s.amount.rao()));
                row["price"] = json!(units(market.price(s.netuid)));
                row["value"] = json!(tao(value(s)));
                row["value_after_swap"] = json!(market.sale_value(s.netuid, s.amount.rao()).map(tao));
            }
            row
        }).collect::<Vec<_>>(),
        "total": tao(total),
    });
    g.print(&doc, || {
        if stakes.is_empty() {
            return format!("{coldkey} has no stake (add some with `agora stake add`)");
        }
        if !market.dynamic() {
            let mut t = Table::new(&["netuid", "hotkey", "stake"]);
            for s in &stakes {
                t.row(vec![s.netuid.get().to_string(), s.hotkey.to_ss58(), s.amount.to_string()]);
            }
            return format!("{}\ntotal {total}", t.to_string().trim_end());
        }
        let mut t = Table::new(&["netuid", "hotkey", "stake", "price", "value", "if sold now"]);
        for s in &stakes {
            t.row(vec![
                s.netuid.get().to_string(),
                s.hotkey.to_ss58(),
                market.amount_text(s.netuid, s.amount.rao()),
                price_text(market.price(s.netuid)),
                value(s).to_string(),
                market.sale_value(s.netuid, s.amount.rao()).map_or("-".into(), |b| b.to_string()),
            ]);
        }
        format!("{}\ntotal value {total} at spot prices", t.to_string().trim_end())
    });
    Ok(())
}
