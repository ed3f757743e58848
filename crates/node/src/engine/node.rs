//! Running a node in production: commonware's tokio runtime, authenticated p2p over TCP with the
//! validator set as the static peer list, the redb store, JSON-RPC and metrics.

use std::sync::Arc;
use std::time::Duration;

use agora_store::{Store, StoreError};
use commonware_cryptography::ChaCha20Poly1305;
use commonware_cryptography::Signer;
use commonware_cryptography::ed25519::PublicKey;
use commonware_p2p::authenticated::lookup;
use commonware_p2p::{Address, AddressableManager, AddressableTrackedPeers};
use commonware_runtime::{Clock, Metrics, Quota, Runner, Spawner, Supervisor};
use commonware_stream::{cups, sake};
use commonware_utils::ordered::Map;
use commonware_utils::{NZU32, NZUsize};
use tracing::{error, info};

use crate::chain::{Chain, ChainConfig};
use crate::config::{ChainSpec, ConfigError, NodeConfig};
use crate::engine::keys::{self, public_key_hex};
use crate::engine::{self, Channels, ConsensusConfig, MAX_MESSAGE_BYTES};
use crate::rpc;

/// Errors starting a node.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The chain could not be opened.
    #[error(transparent)]
    Chain(#[from] crate::chain::ChainError),
    /// The store is damaged ([`StoreError::is_damage`]): the node refuses to serve it. An empty
    /// data directory is filled again from the peers (marshal backfills every finalised block
    /// from genesis, each checked against its certificate and re-executed), so the way out is to
    /// move the whole data directory aside: the store alone would leave marshal's record of the
    /// blocks it already delivered.
    #[error(
        "the store at {} is damaged: {error}. Move the data directory aside and start the node again; it          re-syncs every block from its peers: mv {} {}.damaged",
        path.display(), data_dir.display(), data_dir.display()
    )]
    DamagedStore {
        /// The store file.
        path: std::path::PathBuf,
        /// The node's data directory (the store and the consensus archives).
        data_dir: std::path::PathBuf,
        /// What is damaged.
        error: Box<StoreError>,
    },
    /// A node task stopped (e.g. the finaliser halted on a block it could not commit).
    #[error("the node stopped: {0}; see the log above")]
    Stopped(String),
    /// A listener could not start.
    #[error("cannot listen on {addr}: {error}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The error.
        error: String,
    },
}

/// Opens the node's chain (store, genesis check, state root and chain checks) without starting
/// anything. A damaged store is [`NodeError::DamagedStore`], which says how to re-sync.
pub fn open_chain(config: &NodeConfig, spec: &ChainSpec) -> Result<Arc<Chain>, NodeError> {
    let genesis = spec.runtime.build().map_err(|e| ConfigError::Invalid(format!("genesis: {e}")))?;
    let path = config.data_dir.join("chain.redb");
    let refuse = |error: StoreError| -> NodeError {
        if error.is_damage() {
            NodeError::DamagedStore { path: path.clone(), data_dir: config.data_dir.clone(), error: Box::new(error) }
        } else {
            crate::chain::ChainError::from(error).into()
        }
    };
    let store = Store::open(&path).map_err(refuse)?;
    let chain_config = ChainConfig {
        block_time_ms: config.block_time_ms,
        author: config.author,
        // Pinned reads are the Substrate endpoint's; without it only the head's state is kept.
        state_history: if config.substrate_rpc.is_some() { crate::chain::STATE_HISTORY } else { 1 },
        ..ChainConfig::default()
    };
    let consensus = super::consensus_commitment(&keys::validators(spec)?);
    match Chain::open(store, &genesis, spec.genesis_time_ms, consensus, chain_config) {
        Ok(chain) => Ok(Arc::new(chain)),
        Err(crate::chain::ChainError::Store(error)) => Err(refuse(error)),
        Err(e) => Err(e.into()),
    }
}

/// Runs a node until the process is stopped.
pub fn run(config: NodeConfig) -> Result<(), NodeError> {
    let spec = ChainSpec::load(&config.genesis)?;
    let validators = keys::validators(&spec)?;
    let key = keys::node_key(&config)?;
    let me = key.public_key();
    let peers = keys::peers(&config.peers)?;
    let chain = open_chain(&config, &spec)?;
    let head = chain.head();
    info!(height = head.height.get(), state_root = %head.state_root, key = %public_key_hex(&me), "chain opened");
    let followers = keys::peers(&config.followers)?;
    let is_validator = validators.contains(&me);
    if !is_validator && peers.is_empty() {
        return Err(ConfigError::Invalid(format!(
            "key {} is not a validator, so this is a follower: list the validators under [[peers]]",
            public_key_hex(&me)
        ))
        .into());
    }

    let runtime = commonware_runtime::tokio::Config::new().with_storage_directory(config.data_dir.join("consensus"));
    let result: Result<(), NodeError> = commonware_runtime::tokio::Runner::new(runtime).start(|context| async move {
        let handshake = cups::Cups::<_, ChaCha20Poly1305>::new(
            sake::Sake {
                signer: key.clone(),
                synchrony_bound: Duration::from_secs(10),
                max_handshake_age: Duration::from_secs(20),
                version: sake::Version::V1,
            },
            cups::Version::V1,
        );
        let p2p_config = lookup::Config::local(
            handshake,
            b"agora/p2p/v1",
            config.p2p,
            NZUsize!(validators.len().max(peers.len() + 1) + followers.len() + usize::from(!is_validator)),
            MAX_MESSAGE_BYTES,
            NZUsize!(4096),
        );
        let (mut network, mut oracle) = lookup::Network::new(context.child("network"), p2p_config);
        // Validators are primary peers (dialled); followers are secondary (accepted, not dialled).
        let mut primary: Vec<(PublicKey, Address)> = peers.iter().map(|(k, a)| (k.clone(), (*a).into())).collect();
        let mut secondary: Vec<(PublicKey, Address)> =
            followers.iter().map(|(k, a)| (k.clone(), (*a).into())).collect();
        let own = if is_validator { &mut primary } else { &mut secondary };
        if !own.iter().any(|(k, _)| *k == me) {
            own.push((me.clone(), config.p2p.into()));
        }
        let (Ok(primary), Ok(secondary)) = (Map::try_from(primary), Map::try_from(secondary)) else {
            return Err(ConfigError::Invalid("a peer key is listed twice in the config".into()).into());
        };
        let _ = oracle.track(0, AddressableTrackedPeers::new(primary, secondary));
        let quota = Quota::per_second(NZU32!(2_048));
        let channels = Channels {
            votes: network.register(engine::CHANNEL_VOTES, quota),
            certificates: network.register(engine::CHANNEL_CERTIFICATES, quota),
            resolver: network.register(engine::CHANNEL_RESOLVER, quota),
            broadcast: network.register(engine::CHANNEL_BROADCAST, quota),
            backfill: network.register(engine::CHANNEL_BACKFILL, quota),
            txs: network.register(engine::CHANNEL_TXS, quota),
        };
        let network_handle = network.start();
        let (handles, gossip) = if is_validator {
            let consensus = ConsensusConfig::new(key, validators, "agora".into(), config.block_time_ms);
            engine::start_validator(context.child("engine"), chain.clone(), consensus, oracle.clone(), oracle.clone(), channels)
                .await
        } else {
            engine::start_follower(
                context.child("engine"),
                chain.clone(),
                validators,
                me.clone(),
                oracle.clone(),
                oracle.clone(),
                (channels.backfill, channels.txs),
            )
            .await
        };
        let limits = config.rpc_limits();
        let (rpc_handle, _) = rpc::serve_with(config.rpc, chain.clone(), gossip.clone(), limits.clone())
            .await
            .map_err(|error| NodeError::Listen { addr: config.rpc, error: error.to_string() })?;
        let substrate_handle = match config.substrate_rpc {
            Some(addr) => Some(
                crate::substrate_rpc::serve_with(addr, chain.clone(), gossip, limits)
                    .await
                    .map_err(|error| NodeError::Listen { addr, error: error.to_string() })?
                    .0,
            ),
            None => None,
        };
        if let Some(addr) = config.metrics {
            rpc::serve_metrics(addr, chain.clone())
                .await
                .map_err(|error| NodeError::Listen { addr, error: error.to_string() })?;
        }
        // Connected peers, from the p2p tracker's per-peer gauge (a series per connected peer).
        let peers_chain = chain.clone();
        let peers_handle = context.child("peer_count").spawn(move |context| async move {
            loop {
                let text = context.encode();
                let connected = text
                    .lines()
                    .filter(|l| !l.starts_with('#') && l.contains("tracker_directory_connected{"))
                    .filter(|l| l.rsplit(' ').next().is_some_and(|v| v != "0"))
                    .count();
                peers_chain.metrics().peers.store(connected as u64, std::sync::atomic::Ordering::Relaxed);
                context.sleep(Duration::from_secs(1)).await;
            }
        });
        info!(rpc = %config.rpc, substrate_rpc = ?config.substrate_rpc, p2p = %config.p2p, role = if is_validator { "validator" } else { "follower" }, "node running");
        let mut all = handles;
        all.push(network_handle);
        all.push(peers_handle);
        let outcome = tokio::select! {
            (result, index, _) = futures::future::select_all(all) => {
                let what = format!("task {index} ended ({result:?})");
                error!(%what, "a node task stopped");
                Err(NodeError::Stopped(what))
            }
            signal = shutdown_signal() => {
                info!(signal, "stopping (every commit is atomic, so any moment is safe)");
                Ok(())
            }
        };
        rpc_handle.stop().ok();
        if let Some(handle) = substrate_handle {
            handle.stop().ok();
        }
        outcome
    });
    result
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let terminate = async {
        match term.as_mut() {
            Some(term) => {
                term.recv().await;
            }
            None => futures::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = terminate => "SIGTERM",
    }
}
