//! `agora sudo set|get`: hyperparameters, as the subnet owner or the sudo key (names are parsed
//! by [`agora_runtime::param_names`]).

use agora_client::preflight::{self, Setting};
use agora_primitives::NetUid;
use agora_runtime::param_names::{global_param, hyperparameter};
use clap::Subcommand;
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::out::{fields_table, print_hyperparameters};
use crate::session::{Session, receipt_doc};

/// `agora sudo`.
#[derive(Debug, Subcommand)]
pub enum SudoCommand {
    /// Set a hyperparameter of a subnet (owner or sudo), or with no --netuid a chain-wide
    /// parameter (sudo only). Values are as the chain stores them (rao, u16 proportions).
    Set {
        /// The subnet (omit for chain-wide parameters).
        #[arg(long, short = 'n', value_parser = crate::args::netuid)]
        netuid: Option<NetUid>,
        /// The parameter (btcli's names and the chain's names are both accepted).
        #[arg(long)]
        param: String,
        /// The new value (`true`/`false` for switches, `LOW,HIGH` for alpha_values).
        #[arg(long)]
        value: String,
    },
    /// Hyperparameters of a subnet, or with no --netuid the chain-wide parameters.
    Get {
        /// The subnet.
        #[arg(long, short = 'n', value_parser = crate::args::netuid)]
        netuid: Option<NetUid>,
    },
}

pub fn run(cmd: SudoCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        SudoCommand::Get { netuid: Some(netuid) } => {
            let session = Session::new(g)?;
            let subnet = session.require_subnet(netuid)?;
            print_hyperparameters(g, netuid, &subnet.hyperparameters);
            Ok(())
        }
        SudoCommand::Get { netuid: None } => get_global(g),
        SudoCommand::Set { netuid, param, value } => set(g, netuid, &param, &value),
    }
}

/// `agora sudo get` without --netuid: the sudo key and the chain-wide parameters.
fn get_global(g: &Global) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let info = session.client.chain_info()?;
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        sudo: Option<agora_primitives::AccountId>,
        params: &'a agora_runtime::hyperparams::GlobalParams,
    }
    g.print(&Doc { sudo: info.sudo, params: &info.params }, || {
        let table = fields_table("parameter", &info.params);
        format!("sudo {}\n{}", info.sudo.map_or("-".into(), |s| s.to_ss58()), table.to_string().trim_end())
    });
    Ok(())
}

/// `agora sudo set`.
fn set(g: &Global, netuid: Option<NetUid>, param: &str, value: &str) -> Result<(), Failure> {
    let wallet = &g.wallet;
    let session = Session::new(g)?;
    let (setting, what) = match netuid {
        Some(n) => {
            let update = hyperparameter(param, value)?;
            let what = format!("{} of subnet {n} to {value}", update.setter_name());
            (Setting::Subnet(n, update), what)
        }
        None => (Setting::Global(global_param(param, value)?), format!("set {param} to {value}")),
    };
    let coldkey = wallet.coldkey_account()?;
    let call = preflight::sudo_set(&session.client, &coldkey, setting)?;
    let signer = wallet.coldkey_pair()?;
    let done = session.send(&signer, call, &format!("set {what}"))?;
    let mut doc = receipt_doc(&done);
    doc["netuid"] = json!(netuid);
    doc["param"] = json!(param);
    doc["value"] = json!(value);
    g.print(&doc, || format!("{what}: done in block {}", done.height));
    Ok(())
}
