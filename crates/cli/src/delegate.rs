//! `agora delegate list|set-take`: hotkeys that take stake from others, and their take.

use agora_client::preflight::{self, Planned, TakeChange, take_fraction, take_from_fraction};
use agora_primitives::Balance;
use clap::Subcommand;
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::out::{Table, percent};
use crate::session::{Session, receipt_doc, short, tao};

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

pub fn run(cmd: DelegateCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        DelegateCommand::List => list(g),
        DelegateCommand::SetTake { take } => set_take(g, take),
    }
}

/// `agora delegate list`.
fn list(g: &Global) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let delegates = session.client.delegates()?;
    // Stake on several subnets is summed by its value in TAO (alpha at spot prices).
    let prices = session.client.prices()?;
    let value = |d: &agora_runtime::query::DelegateView| -> Balance {
        d.stake.iter().map(|(netuid, b)| prices.value(*netuid, b.rao())).sum()
    };
    let doc = json!({"delegates": delegates.iter().map(|d| json!({
        "hotkey": d.hotkey, "owner": d.owner, "take": take_fraction(d.take),
        "stake": tao(value(d)),
        "nominators": d.nominators,
        "registrations": d.registrations.iter().map(|n| n.get()).collect::<Vec<_>>(),
    })).collect::<Vec<_>>()});
    g.print(&doc, || {
        let mut t = Table::new(&["hotkey", "owner", "take", "stake", "nominators", "subnets"]);
        for d in &delegates {
            let stake = value(d);
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

/// `agora delegate set-take`.
fn set_take(g: &Global, take: f64) -> Result<(), Failure> {
    let wallet = &g.wallet;
    let take = take_from_fraction(take).map_err(|e| Failure::msg(format!("--take: {e}")))?;
    let session = Session::new(g)?;
    let hotkey = wallet.hotkey_account()?;
    let Planned { call, value: TakeChange { previous, new } } = preflight::set_take(&session.client, &hotkey, take)?;
    let signer = wallet.coldkey_pair()?;
    let done = session.send(&signer, call, &format!("set the take of {} to {}", short(&hotkey), percent(new)))?;
    let mut doc = receipt_doc(&done);
    doc["hotkey"] = json!(hotkey);
    doc["take"] = json!(take_fraction(new));
    doc["previous_take"] = json!(take_fraction(previous));
    g.print(&doc, || format!("take of {} is now {} (was {})", short(&hotkey), percent(new), percent(previous)));
    Ok(())
}
