//! `agora sudo set|get` (hyperparameters, as the subnet owner or the sudo key) and
//! `agora axon serve` (publish a hotkey's ip:port).

use std::net::IpAddr;

use agora_primitives::{Balance, NetUid};
use agora_runtime::{Call, DispatchError, GlobalUpdate, HyperparameterUpdate};
use clap::Subcommand;
use serde_json::json;

use crate::Failure;
use crate::out::{Global, Table};
use crate::tx::{Session, receipt_doc, refuse};

/// `agora sudo`.
#[derive(Debug, Subcommand)]
pub enum SudoCommand {
    /// Set a hyperparameter of a subnet (owner or sudo), or with no --netuid a chain-wide
    /// parameter (sudo only). Values are as the chain stores them (rao, u16 proportions).
    Set {
        /// The subnet (omit for chain-wide parameters).
        #[arg(long, short = 'n')]
        netuid: Option<u16>,
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
        #[arg(long, short = 'n')]
        netuid: Option<u16>,
    },
}

/// `agora axon`.
#[derive(Debug, Subcommand)]
pub enum AxonCommand {
    /// Publish where the hotkey serves on a subnet (signed by the hotkey).
    #[command(alias = "set")]
    Serve {
        /// The subnet.
        #[arg(long, short = 'n')]
        netuid: u16,
        /// Public IP address (IPv4 or IPv6).
        #[arg(long)]
        ip: IpAddr,
        /// Port.
        #[arg(long)]
        port: u16,
        /// Protocol tag (4 = HTTP, as the reference).
        #[arg(long, default_value_t = 4)]
        protocol: u8,
        /// Software version to publish.
        #[arg(long, default_value_t = 0)]
        axon_version: u32,
    },
}

fn parse<T: std::str::FromStr>(param: &str, value: &str) -> Result<T, Failure> {
    value
        .trim()
        .parse()
        .map_err(|_| Failure::msg(format!("{param}: {value:?} is not a valid {}", std::any::type_name::<T>())))
}

fn switch(param: &str, value: &str) -> Result<bool, Failure> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(Failure::msg(format!("{param}: {value:?} is not true or false"))),
    }
}

/// A subnet hyperparameter from its name (ours, btcli's or the setter's) and a value.
pub fn hyperparameter(param: &str, value: &str) -> Result<HyperparameterUpdate, Failure> {
    use HyperparameterUpdate::*;
    let name = param.trim().trim_start_matches("sudo_set_").replace('-', "_");
    let p = name.as_str();
    Ok(match p {
        "serving_rate_limit" => ServingRateLimit(parse(p, value)?),
        "weights_version" | "weights_version_key" => WeightsVersionKey(parse(p, value)?),
        "immunity_period" => ImmunityPeriod(parse(p, value)?),
        "min_allowed_weights" => MinAllowedWeights(parse(p, value)?),
        "max_allowed_uids" | "max_n" => MaxAllowedUids(parse(p, value)?),
        "rho" => Rho(parse(p, value)?),
        "activity_cutoff" => ActivityCutoff(parse(p, value)?),
        "activity_cutoff_factor" | "activity_cutoff_factor_milli" => ActivityCutoffFactorMilli(parse(p, value)?),
        "min_burn" => MinBurn(Balance::from_rao(parse(p, value)?)),
        "max_burn" => MaxBurn(Balance::from_rao(parse(p, value)?)),
        "bonds_moving_avg" | "bonds_moving_average" => BondsMovingAverage(parse(p, value)?),
        "bonds_penalty" => BondsPenalty(parse(p, value)?),
        "commit_reveal_weights_enabled" | "commit_reveal" => CommitRevealWeightsEnabled(switch(p, value)?),
        "commit_reveal_period" | "commit_reveal_weights_interval" | "reveal_period_epochs" => {
            CommitRevealWeightsInterval(parse(p, value)?)
        }
        "liquid_alpha_enabled" | "liquid_alpha" => LiquidAlphaEnabled(switch(p, value)?),
        "alpha_values" => {
            let (low, high) = value
                .split_once(',')
                .ok_or_else(|| Failure::msg("alpha_values: give LOW,HIGH (u16 each), e.g. 45875,58982"))?;
            AlphaValues { alpha_low: parse(p, low)?, alpha_high: parse(p, high)? }
        }
        "alpha_sigmoid_steepness" => AlphaSigmoidSteepness(parse(p, value)?),
        "yuma3_enabled" | "yuma3" => Yuma3Enabled(switch(p, value)?),
        // btcli passes the Yuma version number.
        "yuma_version" => match value.trim() {
            "3" => Yuma3Enabled(true),
            "2" => Yuma3Enabled(false),
            _ => return Err(Failure::msg(format!("yuma_version: {value:?} is not 2 or 3"))),
        },
        "bonds_reset_enabled" | "bonds_reset" => BondsResetEnabled(switch(p, value)?),
        "owner_immune_neuron_limit" | "immune_owner_uids_limit" => OwnerImmuneNeuronLimit(parse(p, value)?),
        "burn_half_life" => BurnHalfLife(parse(p, value)?),
        "burn_increase_mult" => BurnIncreaseMult(parse(p, value)?),
        "owner_cut_enabled" => OwnerCutEnabled(switch(p, value)?),
        "trim_to_max_allowed_uids" | "trim" => TrimToMaxAllowedUids(parse(p, value)?),
        "kappa" => Kappa(parse(p, value)?),
        "tempo" => Tempo(parse(p, value)?),
        "weights_rate_limit" | "weights_set_rate_limit" => WeightsSetRateLimit(parse(p, value)?),
        "max_validators" | "max_allowed_validators" => MaxAllowedValidators(parse(p, value)?),
        "max_weights_limit" | "max_weight_limit" => MaxWeightLimit(parse(p, value)?),
        "registration_allowed" | "network_registration_allowed" => NetworkRegistrationAllowed(switch(p, value)?),
        "max_regs_per_block" | "max_registrations_per_block" => MaxRegistrationsPerBlock(parse(p, value)?),
        "target_regs_per_interval" | "target_registrations_per_interval" => {
            TargetRegistrationsPerInterval(parse(p, value)?)
        }
        "min_allowed_uids" => MinAllowedUids(parse(p, value)?),
        "min_non_immune_uids" => MinNonImmuneUids(parse(p, value)?),
        _ => {
            return Err(Failure::msg(format!(
                "{param} is not a subnet hyperparameter; see `agora sudo get --netuid N`"
            )));
        }
    })
}

/// A chain-wide parameter from its name and a value.
pub fn global_param(param: &str, value: &str) -> Result<GlobalUpdate, Failure> {
    use GlobalUpdate::*;
    let name = param.trim().trim_start_matches("sudo_set_").replace('-', "_");
    let p = name.as_str();
    Ok(match p {
        "subnet_owner_cut" => SubnetOwnerCut(parse(p, value)?),
        "stake_threshold" => StakeThreshold(parse(p, value)?),
        "network_min_lock_cost" => NetworkMinLockCost(Balance::from_rao(parse(p, value)?)),
        "lock_reduction_interval" | "network_lock_reduction_interval" => LockReductionInterval(parse(p, value)?),
        "network_rate_limit" => NetworkRateLimit(parse(p, value)?),
        "network_immunity_period" => NetworkImmunityPeriod(parse(p, value)?),
        "subnet_limit" => SubnetLimit(parse(p, value)?),
        "default_take" => DefaultTake(parse(p, value)?),
        "min_delegate_take" => MinDelegateTake(parse(p, value)?),
        "tx_delegate_take_rate_limit" => TxDelegateTakeRateLimit(parse(p, value)?),
        "max_epochs_per_block" => MaxEpochsPerBlock(parse(p, value)?),
        "admin_freeze_window" => AdminFreezeWindow(parse(p, value)?),
        "owner_hyperparam_rate_limit" => OwnerHyperparamRateLimit(parse(p, value)?),
        "start_call_delay" => StartCallDelay(parse(p, value)?),
        "tx_fee" => TxFee(Balance::from_rao(parse(p, value)?)),
        "allow_loopback_axons" => AllowLoopbackAxons(switch(p, value)?),
        _ => return Err(Failure::msg(format!("{param} is not a chain-wide parameter; see `agora sudo get`"))),
    })
}

pub fn run_sudo(cmd: SudoCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        SudoCommand::Get { netuid: Some(netuid) } => {
            let session = Session::new(g)?;
            let subnet = session.require_subnet(NetUid(netuid))?;
            crate::subnets::print_hyperparameters(g, netuid, &subnet.hyperparameters);
            Ok(())
        }
        SudoCommand::Get { netuid: None } => {
            let session = Session::new(g)?;
            let info = session.client.chain_info()?;
            #[derive(serde::Serialize)]
            struct Doc<'a> {
                sudo: Option<agora_primitives::AccountId>,
                params: &'a agora_runtime::hyperparams::GlobalParams,
            }
            g.print(&Doc { sudo: info.sudo, params: &info.params }, || {
                let text = serde_json::to_string(&info.params).expect("serialisable");
                let fields: std::collections::BTreeMap<String, Box<serde_json::value::RawValue>> =
                    serde_json::from_str(&text).expect("an object");
                let mut t = Table::new(&["parameter", "value"]);
                for (name, value) in fields {
                    t.row(vec![name, value.get().to_string()]);
                }
                format!("sudo {}\n{}", info.sudo.map_or("-".into(), |s| s.to_ss58()), t.to_string().trim_end())
            });
            Ok(())
        }
        SudoCommand::Set { netuid, param, value } => {
            let wallet = &g.wallet;
            let session = Session::new(g)?;
            let (call, what) = match netuid {
                Some(n) => {
                    let update = hyperparameter(&param, &value)?;
                    let subnet = session.require_subnet(NetUid(n))?;
                    let coldkey = wallet.coldkey_account()?;
                    let sudo = session.client.chain_info()?.sudo;
                    let is_owner = subnet.owner == Some(coldkey);
                    if sudo != Some(coldkey) && !(is_owner && update.owner_settable()) {
                        let detail = if is_owner {
                            format!("{} needs the sudo key", update.setter_name())
                        } else {
                            format!("{coldkey} is neither the owner of subnet {n} nor the sudo key")
                        };
                        return Err(refuse(DispatchError::BadOrigin, detail));
                    }
                    let what = format!("{} of subnet {n} to {value}", update.setter_name());
                    (Call::SudoSetHyperparameter { netuid: NetUid(n), update }, what)
                }
                None => {
                    let update = global_param(&param, &value)?;
                    let coldkey = wallet.coldkey_account()?;
                    if session.client.chain_info()?.sudo != Some(coldkey) {
                        return Err(refuse(DispatchError::BadOrigin, format!("{coldkey} is not the sudo key")));
                    }
                    (Call::SudoSetGlobal { update }, format!("set {param} to {value}"))
                }
            };
            let signer = wallet.coldkey_pair()?;
            let done = session.send(&signer, call, &format!("set {what}"))?;
            let mut doc = receipt_doc(&done);
            doc["netuid"] = json!(netuid);
            doc["param"] = json!(param);
            doc["value"] = json!(value);
            g.print(&doc, || format!("{what}: done in block {}", done.height));
            Ok(())
        }
    }
}

pub fn run_axon(cmd: AxonCommand, g: &Global) -> Result<(), Failure> {
    let AxonCommand::Serve { netuid, ip, port, protocol, axon_version: version } = cmd;
    let done = publish_axon(g, netuid, ip, port, protocol, version)?;
    let hotkey = g.wallet.hotkey_account()?;
    let addr = std::net::SocketAddr::new(ip, port);
    let mut doc = receipt_doc(&done);
    doc["netuid"] = json!(netuid);
    doc["hotkey"] = json!(hotkey);
    doc["axon"] = json!(addr.to_string());
    g.print(&doc, || format!("axon {addr} published for {hotkey} on subnet {netuid}"));
    Ok(())
}

/// Publishes `ip:port` as the wallet hotkey's axon on `netuid` (checks registration first).
pub fn publish_axon(
    g: &Global,
    netuid: u16,
    ip: IpAddr,
    port: u16,
    protocol: u8,
    version: u32,
) -> Result<agora_client::Finalized, Failure> {
    let wallet = &g.wallet;
    let session = Session::new(g)?;
    session.require_subnet(NetUid(netuid))?;
    let hotkey = wallet.hotkey_account()?;
    if session.client.uid_of(NetUid(netuid), &hotkey)?.is_none() {
        return Err(refuse(
            DispatchError::HotKeyNotRegisteredInNetwork,
            format!("{hotkey} has no uid on subnet {netuid}; register with `agora subnets register --netuid {netuid}`"),
        ));
    }
    if port == 0 {
        return Err(refuse(DispatchError::InvalidPort, "give a port between 1 and 65535"));
    }
    let (ip_value, ip_type) = match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 4),
        IpAddr::V6(v6) => (u128::from(v6), 6),
    };
    let call = Call::ServeAxon {
        netuid: NetUid(netuid),
        version,
        ip: ip_value,
        port,
        ip_type,
        protocol,
        placeholder1: 0,
        placeholder2: 0,
    };
    let signer = wallet.hotkey_pair()?;
    let addr = std::net::SocketAddr::new(ip, port);
    session.send(&signer, call, &format!("publish axon {addr} for subnet {netuid}"))
}
