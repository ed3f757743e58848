//! Building and starting a node's consensus: the p2p channels it runs on, a validator (simplex +
//! marshal + buffered broadcast + resolvers + finaliser + gossip) and a follower (marshal backfill
//! + finaliser + gossip, no votes).

use std::sync::Arc;
use std::time::Duration;

use commonware_broadcast::buffered;
use commonware_consensus::marshal::standard::Inline;
use commonware_consensus::simplex;
use commonware_consensus::simplex::config::{ForwardPolicy, SkipBudget, SkipPolicy};
use commonware_consensus::simplex::elector::RoundRobin;
use commonware_consensus::types::{Epoch, FixedEpocher, Height, ViewDelta};
use commonware_cryptography::Signer;
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_cryptography::sha256::{Digest, Sha256};
use commonware_p2p::{Blocker, Provider, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::CacheRef;
use commonware_runtime::{Clock, Handle, Metrics, Spawner, Storage, Supervisor};
use commonware_utils::ordered::Set;
use commonware_utils::{NZDuration, NZUsize};
use rand_core::CryptoRng;
use tracing::info;

use super::application::App;
use super::codec::ChainBlock;
use super::finalizer::start_finalizer;
use super::gossip::start_gossip;
use super::identity::{BLOCKS_PER_EPOCH, NAMESPACE, Scheme};
use super::marshal::{IO_BUFFER, PAGE_CACHE_PAGES, PAGE_SIZE, init_marshal, init_resolver};
use crate::block::MAX_BLOCK_BYTES;
use crate::chain::{Chain, Gossip};

/// p2p channel: simplex votes.
pub const CHANNEL_VOTES: u64 = 0;
/// p2p channel: simplex certificates.
pub const CHANNEL_CERTIFICATES: u64 = 1;
/// p2p channel: simplex resolver (missing certificates).
pub const CHANNEL_RESOLVER: u64 = 2;
/// p2p channel: full blocks from proposers (buffered broadcast).
pub const CHANNEL_BROADCAST: u64 = 3;
/// p2p channel: marshal backfill (finalised blocks and certificates by height).
pub const CHANNEL_BACKFILL: u64 = 4;
/// p2p channel: transaction gossip.
pub const CHANNEL_TXS: u64 = 5;
/// Largest p2p message: a full block plus framing.
pub const MAX_MESSAGE_BYTES: u32 = (MAX_BLOCK_BYTES + 64 * 1024) as u32;

/// Timeouts and identity of one validator's consensus.
#[derive(Clone, Debug)]
pub struct ConsensusConfig {
    /// This validator's consensus key.
    pub key: PrivateKey,
    /// The validator set (fixed by genesis).
    pub validators: Vec<PublicKey>,
    /// Prefix of every storage partition of this node.
    pub partition_prefix: String,
    /// How long to wait for a leader's proposal.
    pub leader_timeout: Duration,
    /// How long to wait for a view's certificate.
    pub certification_timeout: Duration,
}

impl ConsensusConfig {
    /// Timeouts suited to `block_time_ms` (the leader waits one block time before proposing).
    pub fn new(key: PrivateKey, validators: Vec<PublicKey>, partition_prefix: String, block_time_ms: u64) -> Self {
        let leader_timeout = Duration::from_millis(block_time_ms.saturating_mul(2) + 1000);
        ConsensusConfig { key, validators, partition_prefix, leader_timeout, certification_timeout: leader_timeout * 2 }
    }
}

/// The p2p channels a node runs on, as `(sender, receiver)` pairs.
pub struct Channels<S, R> {
    /// [`CHANNEL_VOTES`].
    pub votes: (S, R),
    /// [`CHANNEL_CERTIFICATES`].
    pub certificates: (S, R),
    /// [`CHANNEL_RESOLVER`].
    pub resolver: (S, R),
    /// [`CHANNEL_BROADCAST`].
    pub broadcast: (S, R),
    /// [`CHANNEL_BACKFILL`].
    pub backfill: (S, R),
    /// [`CHANNEL_TXS`].
    pub txs: (S, R),
}

/// Starts a validator: simplex, marshal, broadcast, resolver, the finaliser and transaction
/// gossip. Returns the handles of the long-running tasks and a sender for transactions to gossip.
///
/// Like a follower, a validator asks the other validators for the heights just above its head
/// every few hundred milliseconds. Without them a validator restarted from an empty data
/// directory (a damaged store moved aside) once the network has moved on a few blocks stays at
/// genesis (seen in `crates/node/tests/sim.rs`); with them it re-syncs every block, each checked
/// against its certificate, as a follower does.
pub async fn start_validator<E, B, P, S, R>(
    context: E,
    chain: Arc<Chain>,
    config: ConsensusConfig,
    blocker: B,
    peers: P,
    channels: Channels<S, R>,
) -> (Vec<Handle<()>>, Gossip)
where
    E: Clock + Spawner + Storage + Metrics + Supervisor + CryptoRng + Send + Sync + 'static,
    B: Blocker<PublicKey = PublicKey> + Clone,
    P: Provider<PublicKey = PublicKey> + Clone,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    let me = config.key.public_key();
    let participants = Set::from_iter_dedup(config.validators.iter().cloned());
    let scheme = Scheme::signer(NAMESPACE, participants, config.key.clone())
        .expect("this node's key is in the validator set (checked when loading the config)");
    let page_cache = CacheRef::new(PAGE_SIZE, PAGE_CACHE_PAGES);
    let prefix = config.partition_prefix.clone();

    let (finalizer, finalizer_handle) = start_finalizer(context.child("finalizer"), chain.clone());

    let resolver = init_resolver(&context, me.clone(), peers.clone(), blocker.clone(), channels.backfill);
    let (buffer, broadcast_handle) = start_broadcast(&context, me.clone(), peers.clone(), channels.broadcast);

    let (marshal_actor, marshal_mailbox) = init_marshal(&context, &chain, scheme.clone(), &prefix, &page_cache).await;

    let app = App::new(chain.clone(), me.clone());
    let inline =
        Inline::new(context.child("application"), app, marshal_mailbox.clone(), FixedEpocher::new(BLOCKS_PER_EPOCH));

    let engine = simplex::Engine::new(
        context.child("consensus"),
        simplex::config::Config {
            scheme,
            elector: RoundRobin::<Sha256>::default(),
            blocker,
            automaton: inline.clone(),
            relay: inline.clone(),
            reporter: inline,
            strategy: Sequential,
            partition: format!("{prefix}-consensus"),
            mailbox_size: NZUsize!(1024),
            epoch: Epoch::zero(),
            floor: simplex::config::Floor::Genesis(Digest(chain.genesis_block().hash())),
            replay_buffer: IO_BUFFER,
            write_buffer: IO_BUFFER,
            page_cache,
            leader_timeout: config.leader_timeout,
            certification_timeout: config.certification_timeout,
            timeout_retry: config.leader_timeout,
            view_retention: ViewDelta::new(256),
            skip: SkipPolicy::Enabled {
                timeout: config.certification_timeout + config.leader_timeout,
                budget: SkipBudget::Participants,
            },
            fetch_timeout: NZDuration!(Duration::from_secs(2)),
            fetch_retry_delay: Duration::from_millis(200),
            forward: ForwardPolicy::SilentVoters,
            track_historical_votes: false,
        },
    );
    // Marshal first, so consensus's replay on restart finds it listening.
    let marshal_handle = marshal_actor.start(finalizer, buffer, resolver);
    let consensus_handle = engine.start(channels.votes, channels.certificates, channels.resolver);
    let (gossip, gossip_handle) = start_gossip(context.child("gossip"), chain.clone(), channels.txs);
    info!(validator = %me, "consensus started");
    // Heights above the head, asked of the others (see above); a validator that has not
    // finalised one answers "no data".
    let others: Vec<PublicKey> = config.validators.iter().filter(|v| **v != me).cloned().collect();
    let mut handles = vec![finalizer_handle, broadcast_handle, marshal_handle, consensus_handle, gossip_handle];
    if let Ok(targets) = commonware_utils::vec::NonEmptyVec::try_from(others) {
        handles.push(context.child("tip_hints").spawn(move |context| async move {
            loop {
                let head = chain.head().height.get();
                for ahead in 1..=8 {
                    marshal_mailbox.hint_finalized(Height::new(head + ahead), targets.clone());
                }
                context.sleep(Duration::from_millis(300)).await;
            }
        }));
    }
    (handles, gossip)
}

/// Buffered broadcast on the broadcast channel: full blocks from proposers, kept for marshal.
fn start_broadcast<E, P, S, R>(
    context: &E,
    me: PublicKey,
    peers: P,
    channel: (S, R),
) -> (buffered::Mailbox<PublicKey, ChainBlock>, Handle<()>)
where
    E: Clock + Spawner + Metrics + Supervisor,
    P: Provider<PublicKey = PublicKey>,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    let (broadcast_engine, buffer) = buffered::Engine::new(
        context.child("broadcast"),
        buffered::Config {
            public_key: me,
            mailbox_size: NZUsize!(1024),
            deque_size: 16,
            priority: false,
            codec_config: (),
            peer_provider: peers,
            strategy: Sequential,
        },
    );
    (buffer, broadcast_engine.start(channel))
}

/// Starts a follower (a full node that does not vote): marshal fetches finalised blocks with
/// their certificates from the validators, checks each certificate against the validator set and
/// delivers the blocks in order; the finaliser executes them and checks every state root. The
/// follower asks for the heights just above its head every few hundred milliseconds; a validator
/// that has not finalised a height yet answers "no data", so nothing is trusted but certificates.
pub async fn start_follower<E, B, P, S, R>(
    context: E,
    chain: Arc<Chain>,
    validators: Vec<PublicKey>,
    me: PublicKey,
    blocker: B,
    peers: P,
    (backfill, txs): ((S, R), (S, R)),
) -> (Vec<Handle<()>>, Gossip)
where
    E: Clock + Spawner + Storage + Metrics + Supervisor + CryptoRng + Send + Sync + 'static,
    B: Blocker<PublicKey = PublicKey> + Clone,
    P: Provider<PublicKey = PublicKey> + Clone,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    let participants = Set::from_iter_dedup(validators.iter().cloned());
    let scheme = Scheme::verifier(NAMESPACE, participants);
    let page_cache = CacheRef::new(PAGE_SIZE, PAGE_CACHE_PAGES);
    let (finalizer, finalizer_handle) = start_finalizer(context.child("finalizer"), chain.clone());
    let resolver = init_resolver(&context, me, peers, blocker, backfill);
    let (marshal_actor, marshal) = init_marshal(&context, &chain, scheme, "agora-follower", &page_cache).await;
    let marshal_handle = marshal_actor.start_unbuffered(finalizer, resolver);
    let (gossip, gossip_handle) = start_gossip(context.child("gossip"), chain.clone(), txs);
    let Ok(targets) = commonware_utils::vec::NonEmptyVec::try_from(validators) else {
        return (vec![finalizer_handle, marshal_handle, gossip_handle], gossip);
    };
    let hint_handle = context.child("tip_hints").spawn(move |context| async move {
        loop {
            let head = chain.head().height.get();
            for ahead in 1..=8 {
                marshal.hint_finalized(Height::new(head + ahead), targets.clone());
            }
            context.sleep(Duration::from_millis(300)).await;
        }
    });
    info!("follower started");
    (vec![finalizer_handle, marshal_handle, gossip_handle, hint_handle], gossip)
}
