//! `agora stake move|transfer|swap`: stake that changes hotkey, coldkey or subnet without leaving
//! the chain (the reference's `move_stake`, `transfer_stake`, `swap_stake`). Amounts are the stake
//! on the origin subnet (alpha on a dynamic chain); across subnets the chain sells on the origin
//! and buys on the destination, so the amount that arrives differs. `stake swap --safe` sends
//! `swap_stake_limit`: it stops where the origin's alpha, priced in the destination's, has moved
//! by more than `--tolerance`.

use agora_primitives::{AccountId, NetUid};
use agora_runtime::{Call, DispatchError};
use clap::Args;
use serde_json::{Value, json};

use crate::args::Global;
use crate::failure::Failure;
use crate::market::{self, Market, parse_alpha, units};
use crate::session::{Session, parse_account, receipt_doc, refuse, short};
use crate::stake::SafeFlags;

/// What every move names: the origin subnet, the destination subnet, and how much.
#[derive(Debug, Args, Clone)]
pub struct Legs {
    /// The subnet the stake is on.
    #[arg(long, value_parser = crate::args::netuid)]
    origin_netuid: NetUid,
    /// The subnet it goes to (default: the origin subnet).
    #[arg(long, alias = "destination-netuid", value_parser = crate::args::netuid)]
    dest_netuid: Option<NetUid>,
    /// Stake to move, in the origin subnet's units (alpha on a dynamic chain).
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    amount: Option<String>,
    /// Move the whole stake.
    #[arg(long, alias = "stake-all")]
    all: bool,
}

/// `agora stake move`.
#[derive(Debug, Args, Clone)]
pub struct MoveArgs {
    #[command(flatten)]
    legs: Legs,
    /// The hotkey the stake is on (default: the wallet's hotkey).
    #[arg(long)]
    origin_hotkey: Option<String>,
    /// The hotkey it goes to (SS58).
    #[arg(long, alias = "dest")]
    dest_hotkey: String,
}

/// `agora stake transfer`.
#[derive(Debug, Args, Clone)]
pub struct TransferArgs {
    #[command(flatten)]
    legs: Legs,
    /// The coldkey that receives the stake (SS58).
    #[arg(long)]
    dest: String,
    /// The hotkey the stake is on (default: the wallet's hotkey).
    #[arg(long = "hotkey-ss58")]
    hotkey_ss58: Option<String>,
}

/// `agora stake swap`.
#[derive(Debug, Args, Clone)]
pub struct SwapArgs {
    #[command(flatten)]
    legs: Legs,
    /// `--safe`: a limit on the origin's alpha priced in the destination's (`swap_stake_limit`).
    #[command(flatten)]
    safe: SafeFlags,
    /// The hotkey the stake is on (default: the wallet's hotkey).
    #[arg(long = "hotkey-ss58")]
    hotkey_ss58: Option<String>,
}

fn hotkey_or_wallet(g: &Global, text: &Option<String>) -> Result<AccountId, Failure> {
    match text {
        Some(t) => parse_account(t),
        None => g.wallet.hotkey_account(),
    }
}

/// A planned move: the origin position, the amount, and the destination subnet.
struct Plan {
    market: Market,
    coldkey: AccountId,
    hotkey: AccountId,
    origin: NetUid,
    dest: NetUid,
    amount: u64,
}

/// Checks the origin position holds `legs`' amount and resolves `--all`.
fn plan(session: &Session<'_>, g: &Global, hotkey: AccountId, legs: &Legs) -> Result<Plan, Failure> {
    let market = Market::load(&session.client)?;
    let coldkey = g.wallet.coldkey_account()?;
    let origin = legs.origin_netuid;
    let dest = legs.dest_netuid.unwrap_or(origin);
    for netuid in [origin, dest] {
        session.require_subnet(netuid)?;
    }
    let staked = session.client.stake(&coldkey, &hotkey, origin)?.rao();
    let amount = match (&legs.amount, legs.all) {
        (Some(text), false) => parse_alpha(text)?,
        _ => staked,
    };
    if amount == 0 || amount > staked {
        return Err(refuse(
            DispatchError::NotEnoughStakeToWithdraw,
            format!(
                "your stake on {} in subnet {origin} is {}; see `agora stake list`",
                short(&hotkey),
                market.amount_text(origin, staked)
            ),
        ));
    }
    Ok(Plan { market, coldkey, hotkey, origin, dest, amount })
}

/// Sends `call` and reports both ends of the move.
fn send(
    g: &Global,
    session: &Session<'_>,
    p: &Plan,
    call: Call,
    to: (AccountId, AccountId),
    what: &str,
) -> Result<(), Failure> {
    let market = &p.market;
    let (to_coldkey, to_hotkey) = to;
    let arrived_before = session.client.stake(&to_coldkey, &to_hotkey, p.dest)?.rao();
    let signer = g.wallet.coldkey_pair()?;
    let moved = market.amount_text(p.origin, p.amount);
    let done = session.send(&signer, call, &format!("{what} {moved} from subnet {} to subnet {}", p.origin, p.dest))?;
    let left = session.client.stake(&p.coldkey, &p.hotkey, p.origin)?.rao();
    let arrived_after = session.client.stake(&to_coldkey, &to_hotkey, p.dest)?.rao();
    let arrived = arrived_after.saturating_sub(arrived_before);
    let mut doc: Value = receipt_doc(&done);
    doc["origin_netuid"] = json!(p.origin);
    doc["dest_netuid"] = json!(p.dest);
    doc["amount"] = json!(units(p.amount));
    doc["left"] = json!(units(left));
    doc["origin_unit"] = json!(market.unit(p.origin));
    doc["arrived"] = json!(units(arrived));
    doc["dest_unit"] = json!(market.unit(p.dest));
    doc["dest_coldkey"] = json!(to_coldkey);
    doc["dest_hotkey"] = json!(to_hotkey);
    g.print(&doc, || {
        format!(
            "{what} {moved}: {} arrived on {} in subnet {}; {} left on {} in subnet {}",
            market.amount_text(p.dest, arrived),
            short(&to_hotkey),
            p.dest,
            market.amount_text(p.origin, left),
            short(&p.hotkey),
            p.origin
        )
    });
    Ok(())
}

/// `agora stake move`.
pub fn move_stake(g: &Global, args: &MoveArgs) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let origin_hotkey = hotkey_or_wallet(g, &args.origin_hotkey)?;
    let dest_hotkey = parse_account(&args.dest_hotkey)?;
    let p = plan(&session, g, origin_hotkey, &args.legs)?;
    let call = Call::MoveStake {
        origin_hotkey,
        destination_hotkey: dest_hotkey,
        origin_netuid: p.origin,
        destination_netuid: p.dest,
        amount: p.amount,
    };
    send(g, &session, &p, call, (p.coldkey, dest_hotkey), "moved")
}

/// `agora stake transfer`.
pub fn transfer_stake(g: &Global, args: &TransferArgs) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let hotkey = hotkey_or_wallet(g, &args.hotkey_ss58)?;
    let dest = parse_account(&args.dest)?;
    let p = plan(&session, g, hotkey, &args.legs)?;
    let call = Call::TransferStake {
        destination_coldkey: dest,
        hotkey,
        origin_netuid: p.origin,
        destination_netuid: p.dest,
        amount: p.amount,
    };
    send(g, &session, &p, call, (dest, hotkey), "transferred")
}

/// `agora stake swap`.
pub fn swap_stake(g: &Global, args: &SwapArgs) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let hotkey = hotkey_or_wallet(g, &args.hotkey_ss58)?;
    let p = plan(&session, g, hotkey, &args.legs)?;
    if p.origin == p.dest {
        return Err(refuse(DispatchError::SameNetuid, "a swap goes to another subnet: give --dest-netuid"));
    }
    let call = if args.safe.safe {
        let (origin, dest) = (p.market.pool(p.origin), p.market.pool(p.dest));
        if origin.is_none() || dest.is_none() {
            return Err(Failure::msg(
                "--safe protects against price moves, and this chain has no pools (TAO era: stake is TAO at price 1); drop --safe",
            ));
        }
        // The origin's alpha in the destination's, rao per alpha, moved by the tolerance against you.
        let relative = (u128::from(p.market.price(p.origin)) * 1_000_000_000
            / u128::from(p.market.price(p.dest).max(1)))
        .min(u128::from(u64::MAX)) as u64;
        Call::SwapStakeLimit {
            hotkey,
            origin_netuid: p.origin,
            destination_netuid: p.dest,
            amount: p.amount,
            limit_price: market::limit_price(relative, args.safe.tolerance, false),
            allow_partial: args.safe.partial,
        }
    } else {
        Call::SwapStake { hotkey, origin_netuid: p.origin, destination_netuid: p.dest, amount: p.amount }
    };
    send(g, &session, &p, call, (p.coldkey, hotkey), "swapped")
}
