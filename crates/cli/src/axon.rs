//! `agora axon serve`: publish where a hotkey serves (the encoding is [`agora_client::axon`]'s).

use std::net::{IpAddr, SocketAddr};

use agora_client::axon::{check_publish, serve_axon_call};
use agora_primitives::NetUid;
use clap::Subcommand;
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::session::{Session, receipt_doc};

/// `agora axon`.
#[derive(Debug, Subcommand)]
pub enum AxonCommand {
    /// Publish where the hotkey serves on a subnet (signed by the hotkey).
    #[command(alias = "set")]
    Serve {
        /// The subnet.
        #[arg(long, short = 'n', value_parser = crate::args::netuid)]
        netuid: NetUid,
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

pub fn run(cmd: AxonCommand, g: &Global) -> Result<(), Failure> {
    let AxonCommand::Serve { netuid, ip, port, protocol, axon_version } = cmd;
    let session = Session::new(g)?;
    let hotkey = g.wallet.hotkey_account()?;
    check_publish(&session.client, &hotkey, netuid, port)?;
    let addr = SocketAddr::new(ip, port);
    let signer = g.wallet.hotkey_pair()?;
    let call = serve_axon_call(netuid, addr, protocol, axon_version);
    let done = session.send(&signer, call, &format!("publish axon {addr} for subnet {netuid}"))?;
    let mut doc = receipt_doc(&done);
    doc["netuid"] = json!(netuid);
    doc["hotkey"] = json!(hotkey);
    doc["axon"] = json!(addr.to_string());
    g.print(&doc, || format!("axon {addr} published for {hotkey} on subnet {netuid}"));
    Ok(())
}
