//! `agora wallet balance|overview|transfer`: the wallet commands that ask the chain.

use agora_client::metagraph::{neurons, ratio};
use agora_primitives::{AccountId, Balance};
use agora_runtime::{Call, DispatchError};
use serde_json::json;

use crate::Failure;
use crate::out::{Global, Table};
use crate::tx::{Session, parse_account, parse_tao, receipt_doc, refuse, short, tao};
use crate::wallet::WalletFlags;

/// `agora wallet balance`.
pub fn balance(g: &Global, wallet: &WalletFlags, all: bool, ss58: Option<String>) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let targets: Vec<(String, AccountId)> = match (ss58, all) {
        (Some(text), _) => vec![(text.clone(), parse_account(&text)?)],
        (None, true) => agora_wallet::list(&wallet.root())
            .into_iter()
            .filter_map(|w| Some((w.name, w.coldkey?.parse().ok()?)))
            .collect(),
        (None, false) => vec![(wallet.name().to_string(), wallet.coldkey_account()?)],
    };
    if targets.is_empty() {
        return Err(Failure::msg(format!("no wallets in {}", wallet.root().display())));
    }
    let mut rows = Vec::new();
    let (mut free_sum, mut staked_sum) = (Balance::ZERO, Balance::ZERO);
    for (name, coldkey) in &targets {
        let free = session.client.account(coldkey)?.free;
        let staked: Balance = session.client.stakes_of_coldkey(coldkey)?.iter().map(|s| s.amount).sum();
        free_sum = free_sum.saturating_add(free);
        staked_sum = staked_sum.saturating_add(staked);
        rows.push((name.clone(), *coldkey, free, staked));
    }
    let doc = json!({
        "wallets": rows.iter().map(|(name, coldkey, free, staked)| json!({
            "name": name, "coldkey": coldkey, "free": tao(*free), "staked": tao(*staked),
            "total": tao(free.saturating_add(*staked)), "free_rao": free.rao(), "staked_rao": staked.rao(),
        })).collect::<Vec<_>>(),
        "total": {"free": tao(free_sum), "staked": tao(staked_sum), "total": tao(free_sum.saturating_add(staked_sum))},
    });
    g.print(&doc, || {
        let mut t = Table::new(&["wallet", "coldkey", "free", "staked", "total"]);
        for (name, coldkey, free, staked) in &rows {
            t.row(vec![
                name.clone(),
                coldkey.to_ss58(),
                free.to_string(),
                staked.to_string(),
                free.saturating_add(*staked).to_string(),
            ]);
        }
        if rows.len() > 1 {
            t.row(vec![
                "total".into(),
                String::new(),
                free_sum.to_string(),
                staked_sum.to_string(),
                free_sum.saturating_add(staked_sum).to_string(),
            ]);
        }
        t.to_string().trim_end().to_string()
    });
    Ok(())
}

/// `agora wallet overview`: every subnet where one of the coldkey's hotkeys holds a uid.
pub fn overview(g: &Global, wallet: &WalletFlags) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let coldkey = wallet.coldkey_account()?;
    let free = session.client.account(&coldkey)?.free;
    let mut entries = Vec::new();
    for subnet in session.client.subnets()? {
        let m = g.waiting("reading the metagraph", || session.client.metagraph(subnet.netuid, false))?;
        for row in neurons(&m).into_iter().filter(|r| r.coldkey == coldkey.to_ss58()) {
            entries.push((subnet.netuid.get(), row));
        }
    }
    let doc = json!({
        "name": wallet.name(), "coldkey": coldkey, "free": tao(free),
        "neurons": entries.iter().map(|(netuid, r)| {
            let mut v = serde_json::to_value(r).expect("serialisable");
            v["netuid"] = json!(netuid);
            v
        }).collect::<Vec<_>>(),
    });
    g.print(&doc, || {
        let mut text = format!("wallet {}  coldkey {}  free {}\n", wallet.name(), coldkey, free);
        if entries.is_empty() {
            text.push_str("no registered hotkeys (register with `agora subnets register --netuid N`)");
            return text;
        }
        let mut t = Table::new(&[
            "netuid",
            "uid",
            "hotkey",
            "stake",
            "incentive",
            "dividends",
            "emission",
            "vtrust",
            "permit",
            "active",
            "axon",
        ]);
        for (netuid, r) in &entries {
            t.row(vec![
                netuid.to_string(),
                r.uid.to_string(),
                r.hotkey.clone(),
                format!("{:.4}", r.stake),
                format!("{:.4}", r.incentive),
                format!("{:.4}", r.dividends),
                format!("{:.9}", r.emission),
                format!("{:.4}", r.validator_trust),
                yes_no(r.validator_permit),
                yes_no(r.active),
                r.axon.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        text.push_str(t.to_string().trim_end());
        text
    });
    Ok(())
}

fn yes_no(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

/// `agora wallet transfer`.
pub fn transfer(
    g: &Global,
    wallet: &WalletFlags,
    dest: &str,
    amount: Option<String>,
    all: bool,
) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let dest = parse_account(dest)?;
    let coldkey = wallet.coldkey_account()?;
    let free = session.client.account(&coldkey)?.free;
    let params = session.client.chain_info()?.params;
    let (fee, ed) = (Balance::from_rao(params.tx_fee), Balance::from_rao(params.existential_deposit));
    // Transfers keep the sender alive: the fee, then the amount, must leave the existential deposit.
    let amount = match (amount, all) {
        (Some(text), false) => parse_tao(&text)?,
        (None, true) => free.saturating_sub(fee).saturating_sub(ed),
        _ => return Err(Failure::msg("give either --amount TAO or --all")),
    };
    if amount.is_zero() {
        return Err(refuse(
            DispatchError::InsufficientBalance,
            format!("nothing to send: {coldkey} has {free}; the fee is {fee} and {ed} must stay"),
        ));
    }
    if amount.saturating_add(fee) > free {
        return Err(refuse(
            DispatchError::InsufficientBalance,
            format!("{coldkey} has {free}, which does not cover {amount} plus the fee {fee}"),
        ));
    }
    if free.saturating_sub(fee).saturating_sub(amount) < ed {
        return Err(refuse(
            DispatchError::Expendability,
            format!(
                "{coldkey} must keep {ed}; send at most {} (or use --all)",
                free.saturating_sub(fee).saturating_sub(ed)
            ),
        ));
    }
    if dest != coldkey && session.client.account(&dest)?.free.saturating_add(amount) < ed {
        return Err(refuse(DispatchError::ExistentialDeposit, format!("a new account needs at least {ed}")));
    }
    let signer = wallet.coldkey_pair()?;
    let done = session.send(&signer, Call::Transfer { dest, amount }, &format!("transfer {amount} to {dest}"))?;
    let mut doc = receipt_doc(&done);
    doc["from"] = json!(coldkey);
    doc["to"] = json!(dest);
    doc["amount"] = json!(tao(amount));
    g.print(&doc, || format!("sent {amount} to {} in block {} (fee {})", short(&dest), done.height, done.receipt.fee));
    Ok(())
}

/// A u16 proportion as a percentage.
pub fn percent(x: u16) -> String {
    format!("{:.2}%", ratio(x) * 100.0)
}
