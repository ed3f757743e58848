//! Where a hotkey serves: the chain's axon encoding (an IP as a u128 with its version, a port)
//! both ways, and publishing an axon with `serve_axon` after the chain's own checks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use agora_primitives::{NetUid, Pair};
use agora_runtime::state::AxonInfo;
use agora_runtime::{Call, DispatchError};

use crate::{Client, ClientError, Finalized, SubmitError, advice};

/// The protocol tag the reference publishes for HTTP axons.
pub const PROTOCOL_HTTP: u8 = 4;

/// The socket address of a published axon; `None` when never served.
pub fn axon_address(axon: &AxonInfo) -> Option<SocketAddr> {
    if axon.port == 0 && axon.ip == 0 {
        return None;
    }
    match axon.ip_type {
        4 => Some(SocketAddr::from((Ipv4Addr::from(axon.ip as u32), axon.port))),
        6 => Some(SocketAddr::from((Ipv6Addr::from(axon.ip), axon.port))),
        _ => None,
    }
}

/// An IP as the chain stores it: the address as a u128 (IPv4 in the low 32 bits) and 4 or 6.
pub fn encode_ip(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 4),
        IpAddr::V6(v6) => (u128::from(v6), 6),
    }
}

/// The `serve_axon` call publishing `addr` on `netuid`.
pub fn serve_axon_call(netuid: NetUid, addr: SocketAddr, protocol: u8, version: u32) -> Call {
    let (ip, ip_type) = encode_ip(addr.ip());
    Call::ServeAxon { netuid, version, ip, port: addr.port(), ip_type, protocol, placeholder1: 0, placeholder2: 0 }
}

/// Why an axon was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The chain would refuse it (nothing was signed).
    #[error("{}: {detail}", advice::name(.error))]
    Refused {
        /// The chain's error.
        error: DispatchError,
        /// What is wrong and what to do.
        detail: String,
    },
    /// The node could not be asked.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The transaction failed on chain or did not finalise.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// The hotkey cannot pay the transaction fee.
    #[error(transparent)]
    Fee(#[from] crate::preflight::PreflightError),
}

/// Checks what the chain checks before `serve_axon` (subnet, registration, port).
pub fn check_publish(
    client: &Client,
    hotkey: &agora_primitives::AccountId,
    netuid: NetUid,
    port: u16,
) -> Result<(), PublishError> {
    let refused = |error, detail: String| PublishError::Refused { error, detail };
    match client.subnet(netuid) {
        Err(ClientError::Rpc { code: crate::NOT_FOUND, .. }) => {
            return Err(refused(DispatchError::SubnetNotExists, format!("there is no subnet {netuid}")));
        }
        other => {
            other?;
        }
    }
    if client.uid_of(netuid, hotkey)?.is_none() {
        return Err(refused(
            DispatchError::HotKeyNotRegisteredInNetwork,
            format!("{hotkey} has no uid on subnet {netuid}; register with `agora subnets register --netuid {netuid}`"),
        ));
    }
    if port == 0 {
        return Err(refused(DispatchError::InvalidPort, "give a port between 1 and 65535".into()));
    }
    Ok(())
}

/// Publishes `addr` for `signer`'s hotkey unless the chain already has exactly that address;
/// returns the finalised transaction when one was sent.
pub fn ensure_published(
    client: &Client,
    signer: &Pair,
    netuid: NetUid,
    addr: SocketAddr,
    version: u32,
    timeout: Duration,
) -> Result<Option<Finalized>, PublishError> {
    let hotkey = signer.public();
    check_publish(client, &hotkey, netuid, addr.port())?;
    let m = client.metagraph(netuid, false)?;
    let published = m.hotkeys.iter().position(|h| *h == hotkey).and_then(|uid| m.axons.get(uid)).and_then(axon_address);
    if published == Some(addr) {
        return Ok(None);
    }
    crate::preflight::fee(client, &hotkey)?;
    let call = serve_axon_call(netuid, addr, PROTOCOL_HTTP, version);
    Ok(Some(client.submit_and_watch(signer, call, timeout)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_the_chain_encoding() {
        for text in ["127.0.0.1:8091", "[2001:db8::1]:443", "10.1.2.3:1"] {
            let addr: SocketAddr = text.parse().unwrap();
            let Call::ServeAxon { ip, port, ip_type, .. } = serve_axon_call(NetUid(1), addr, PROTOCOL_HTTP, 0) else {
                panic!("a serve_axon call")
            };
            let info = AxonInfo { ip, port, ip_type, ..Default::default() };
            assert_eq!(axon_address(&info), Some(addr));
        }
        assert_eq!(axon_address(&AxonInfo::default()), None);
    }
}
