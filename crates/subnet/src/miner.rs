//! The miner lifecycle every subnet shares: check that the hotkey holds a uid, build the
//! subnet's axon behind the caller guard, listen, publish the address on chain when it differs
//! from the chain's, and stop gracefully ([`RunningMiner::stop`]: requests in flight finish).
//!
//! A subnet supplies only the axon with its synapses attached ([`start_miner`]'s `build`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use agora_client::axon::PublishError;
use agora_client::{Client, ClientError};
use agora_neuron::{Axon, AxonConfig, AxonTarget, Callers, Guard, RunningAxon};
use agora_primitives::{AccountId, NetUid, Pair, Uid};

use crate::validator::SubnetError;

/// Why a miner did not start.
#[derive(Debug, thiserror::Error)]
pub enum MinerError {
    /// The node could not be asked.
    #[error("node: {0}")]
    Client(#[from] ClientError),
    /// The hotkey has no uid on the subnet.
    #[error(
        "HotKeyNotRegisteredInNetwork: {hotkey} has no uid on subnet {netuid}; register it first: `agora subnets register --netuid {netuid}`"
    )]
    NotRegistered {
        /// The hotkey.
        hotkey: AccountId,
        /// The subnet.
        netuid: NetUid,
    },
    /// The subnet's backend could not be built (a model, a program, a key).
    #[error("{0}")]
    Backend(SubnetError),
    /// An `openai:` backend's key variable is not set.
    #[error("${0} is not set (the OpenAI backend's API key)")]
    MissingKey(String),
    /// The axon could not listen.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The axon could not be published on chain.
    #[error("publishing the axon: {0}")]
    Publish(#[from] PublishError),
}

impl MinerError {
    /// Wraps a subnet backend's own error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> MinerError {
        MinerError::Backend(Box::new(e))
    }
}

/// The axon a `copycat:<IP:PORT>/<HOTKEY>` backend forwards to, from the part after
/// `copycat:`; `None` when it is not an address, a slash and an SS58 hotkey.
pub fn copycat_target(spec: &str) -> Option<AxonTarget> {
    let (addr, hotkey) = spec.split_once('/')?;
    Some(AxonTarget { addr: addr.parse().ok()?, hotkey: hotkey.parse().ok()? })
}

/// Where and for whom a miner serves (every subnet's miner has these).
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The node's JSON-RPC endpoint.
    pub endpoint: String,
    /// The subnet.
    pub netuid: NetUid,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Address published on chain (default: the listen address, or 127.0.0.1 for 0.0.0.0).
    pub external_ip: Option<IpAddr>,
    /// Who may call.
    pub callers: Callers,
    /// Do not publish the axon (it must already be published).
    pub no_publish: bool,
    /// Requests handled at once.
    pub workers: usize,
}

/// A serving miner.
pub struct RunningMiner {
    axon: RunningAxon,
    /// Its uid (None without a chain).
    pub uid: Option<Uid>,
    /// The address published (or that would be).
    pub external: SocketAddr,
    /// What answers (a model name, a program).
    pub model: String,
}

impl RunningMiner {
    /// Where the axon listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.axon.local_addr
    }

    /// Stops the axon (requests in flight finish first).
    pub async fn stop(self) -> std::io::Result<()> {
        self.axon.stop().await
    }
}

/// The uid of `pair`'s hotkey when callers are checked against the chain (None for
/// [`Callers::AnySigned`]), or [`MinerError::NotRegistered`].
pub async fn registered_uid(options: &ServeOptions, pair: &Pair) -> Result<Option<Uid>, MinerError> {
    if !matches!(options.callers, Callers::Subnet { .. }) {
        return Ok(None);
    }
    let hotkey = pair.public();
    let client = Client::new(&options.endpoint)?.with_timeout(Duration::from_secs(10));
    let netuid = options.netuid;
    let uid = tokio::task::spawn_blocking(move || client.uid_of(netuid, &hotkey)).await.expect("uid lookup")?;
    Ok(Some(uid.ok_or(MinerError::NotRegistered { hotkey, netuid })?))
}

/// Starts a miner: checks the registration, then `build(pair, config, guard)` makes the subnet's
/// axon and names what answers (the backend is built after the check, so an unregistered
/// hotkey fails before a model loads), serves it and publishes its address on chain when it
/// differs from the chain's. Call inside a tokio runtime.
pub async fn start_miner<F, Fut>(options: &ServeOptions, pair: Pair, build: F) -> Result<RunningMiner, MinerError>
where
    F: FnOnce(Pair, AxonConfig, Arc<dyn Guard>) -> Fut,
    Fut: Future<Output = Result<(Axon, String), MinerError>>,
{
    let uid = registered_uid(options, &pair).await?;
    let guard = options.callers.guard(&options.endpoint, options.netuid)?;
    let config = AxonConfig { workers: options.workers, ..AxonConfig::default() };
    let (axon, model) = build(pair.clone(), config, guard).await?;
    let axon =
        axon.serve(options.listen).await.map_err(|source| MinerError::Listen { addr: options.listen, source })?;
    let ip = options.external_ip.unwrap_or(if options.listen.ip().is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        options.listen.ip()
    });
    let external = SocketAddr::new(ip, axon.local_addr.port());
    if uid.is_some() && !options.no_publish {
        let client = Client::new(&options.endpoint)?.with_timeout(Duration::from_secs(10));
        let netuid = options.netuid;
        let version = agora_neuron::synapse::VERSION_AS_INT as u32;
        let published = tokio::task::spawn_blocking(move || {
            agora_client::axon::ensure_published(&client, &pair, netuid, external, version, Duration::from_secs(60))
        })
        .await
        .expect("publishing the axon");
        if let Err(e) = published {
            let _ = axon.stop().await;
            return Err(e.into());
        }
    }
    Ok(RunningMiner { axon, uid, external, model })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copycat_targets_are_an_address_a_slash_and_a_hotkey() {
        let hotkey = Pair::from_seed(&[3; 32]).public();
        let target = copycat_target(&format!("127.0.0.1:9/{hotkey}")).unwrap();
        assert_eq!((target.addr, target.hotkey), ("127.0.0.1:9".parse().unwrap(), hotkey));
        assert!(copycat_target("127.0.0.1:9").is_none(), "no slash");
        assert!(copycat_target(&format!("nowhere/{hotkey}")).is_none(), "not an address");
        assert!(copycat_target("127.0.0.1:9/x").is_none(), "not a hotkey");
    }
}
