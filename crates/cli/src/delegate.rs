//! `agora delegate list|set-take`: hotkeys that take stake from others, and their take.

use agora_primitives::Balance;
use agora_runtime::{Call, DispatchError};
use clap::Subcommand;
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::out::{Table, percent};
use crate::session::{Session, receipt_doc, refuse, short, tao};

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
