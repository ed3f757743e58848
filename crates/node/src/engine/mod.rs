//! The one module that touches commonware: block codec and identity, the application behind
//! simplex (propose/verify through marshal's inline wrapper), the finalised-block reporter, the
//! transaction gossip channel, and the wiring of simplex + marshal + buffered broadcast +
//! resolver. An upgrade of commonware should only need changes here.
//!
//! ```text
//!  p2p channels ─┬─ votes / certificates / resolver ─▶ simplex (ed25519, round robin)
//!                │                                        │ propose / verify / certify
//!                │                                        ▼
//!                ├─ broadcast ─▶ buffered ─────────▶ Inline(App) ──▶ Chain::{propose, verify}
//!                ├─ backfill ──▶ resolver ─▶ marshal ─(finalised blocks, in order)─▶ Finalizer
//!                │                            (archives: blocks, certificates)      └▶ Chain::finalize
//!                └─ txs ───────▶ gossip ─▶ Chain::submit
//! ```

use std::num::{NonZeroU16, NonZeroU64, NonZeroUsize};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use bytes::{Buf, BufMut};
use commonware_broadcast::buffered;
use commonware_codec::{EncodeSize, Error as CodecError, Read, Write};
use commonware_consensus::marshal::ancestry::Ancestry;
use commonware_consensus::marshal::core::{Actor as MarshalActor, Mailbox as MarshalMailbox};
use commonware_consensus::marshal::resolver::handler as marshal_resolver_handler;
use commonware_consensus::marshal::resolver::p2p as marshal_resolver;
use commonware_consensus::marshal::standard::{Inline, Standard};
use commonware_consensus::marshal::{self, Update};
use commonware_consensus::simplex::config::{ForwardPolicy, SkipBudget, SkipPolicy};
use commonware_consensus::simplex::elector::RoundRobin;
use commonware_consensus::simplex::scheme::ed25519 as ed25519_scheme;
use commonware_consensus::simplex::types::Context as SimplexContext;
use commonware_consensus::types::{Epoch, FixedEpocher, Height, ViewDelta};
use commonware_consensus::{Heightable, Reporter, simplex};
use commonware_cryptography::certificate::{ConstantProvider, Verifier as _};
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_cryptography::sha256::{Digest, Sha256};
use commonware_cryptography::{Digested, Digestible, Signer};
use commonware_p2p::{Blocker, Provider, Receiver, Recipients, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::CacheRef;
use commonware_runtime::{Clock, Handle, Metrics, Spawner, Storage, Supervisor};
use commonware_storage::archive::immutable;
use commonware_utils::channel::mpsc;
use commonware_utils::ordered::Set;
use commonware_utils::{Acknowledgement, NZDuration, NZU16, NZU64, NZUsize};
use futures::StreamExt;
use rand_core::CryptoRng;
use tracing::{debug, error, info, warn};

pub mod keys;
pub mod node;

use crate::block::{Block, MAX_BLOCK_BYTES};
use crate::chain::{Chain, Gossip};

/// Namespace of every consensus signature (votes, certificates) of this chain.
pub const NAMESPACE: &[u8] = b"agora/consensus/v1";
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

/// The consensus signing scheme: ed25519, attributable votes, no setup.
pub type Scheme = ed25519_scheme::Scheme;

const PAGE_SIZE: NonZeroU16 = NZU16!(4096);
const PAGE_CACHE_PAGES: NonZeroUsize = NZUsize!(1024);
const IO_BUFFER: NonZeroUsize = NZUsize!(1024 * 1024);
const ITEMS_PER_SECTION: NonZeroU64 = NZU64!(4096);
/// Most unfinalised ancestors a validator replays to vote on a proposal.
const MAX_CATCH_UP: u64 = 64;
/// One epoch forever: the validator set is fixed by genesis.
const BLOCKS_PER_EPOCH: NonZeroU64 = NZU64!(u64::MAX);

/// A block as consensus sees it: shared, cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBlock(pub Arc<Block>);

impl Write for ChainBlock {
    fn write(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.0.encode());
    }
}

impl EncodeSize for ChainBlock {
    fn encode_size(&self) -> usize {
        self.0.encoded_size()
    }
}

impl Read for ChainBlock {
    type Cfg = ();

    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, CodecError> {
        // A block is always the whole remaining buffer.
        let len = buf.remaining();
        if len > MAX_BLOCK_BYTES {
            return Err(CodecError::Invalid("block", "too large"));
        }
        let mut bytes = vec![0; len];
        buf.copy_to_slice(&mut bytes);
        Block::decode(&bytes).map(|b| ChainBlock(Arc::new(b))).map_err(|_| CodecError::Invalid("block", "malformed"))
    }
}

impl Digestible for ChainBlock {
    type Digest = Digest;

    fn digest(&self) -> Digest {
        Digest(self.0.hash())
    }
}

impl Heightable for ChainBlock {
    fn height(&self) -> Height {
        Height::new(self.0.header.height)
    }
}

impl commonware_consensus::Block for ChainBlock {
    fn parent(&self) -> Digest {
        Digest(self.0.header.parent)
    }
}

impl commonware_consensus::BoundedBlock for ChainBlock {
    fn max_encode_size(_: &()) -> usize {
        MAX_BLOCK_BYTES
    }
}

/// The commitment to a validator set that the genesis block carries (see [`Block::genesis`]).
pub fn consensus_commitment(validators: &[PublicKey]) -> [u8; 32] {
    let mut bytes = NAMESPACE.to_vec();
    for v in validators {
        bytes.extend_from_slice(v.as_ref());
    }
    agora_primitives::blake2_256(&bytes).0
}

fn digested(block: Arc<Block>) -> Digested<ChainBlock> {
    let digest = Digest(block.hash());
    Digested::precomputed(ChainBlock(block), digest)
}

fn now_ms(clock: &impl Clock) -> u64 {
    clock.current().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The application behind simplex: builds and checks blocks with [`Chain`].
#[derive(Clone)]
pub struct App {
    chain: Arc<Chain>,
    me: PublicKey,
}

type Ctx = SimplexContext<Digest, PublicKey>;

impl App {
    /// Makes sure the state after `first` (the newest block of `ancestry`'s chain) is available,
    /// executing the certified ancestors this node has not seen yet. `false` if impossible.
    async fn catch_up(&self, first: Digested<ChainBlock>, ancestry: &mut impl Ancestry<ChainBlock>) -> bool {
        let mut missing = Vec::new();
        let mut cursor = first;
        // Far behind: let marshal's backfill finalise the gap instead of replaying it here.
        if cursor.inner().0.header.height > self.chain.head().height + MAX_CATCH_UP {
            return false;
        }
        loop {
            let block = cursor.inner().0.clone();
            if self.chain.is_executed(&block.hash()) {
                break;
            }
            if self.chain.is_committed_height(block.header.height) {
                // Below the committed head but not the head: not on the finalised chain.
                return false;
            }
            missing.push(block);
            match ancestry.next().await {
                Some(next) => cursor = next,
                None => return false,
            }
        }
        for block in missing.into_iter().rev() {
            let Some(parent) = self.parent_of(&block) else { return false };
            if let Err(e) = self.chain.verify(&block, &parent, None) {
                warn!(height = block.header.height, error = %e, "certified ancestor does not execute");
                return false;
            }
        }
        true
    }

    fn parent_of(&self, block: &Block) -> Option<Block> {
        let head = self.chain.head_block();
        if head.hash() == block.header.parent {
            return Some((*head).clone());
        }
        self.chain.pending_block(&block.header.parent).map(|b| (*b).clone())
    }
}

impl<E> commonware_consensus::Application<E> for App
where
    E: Clock + Spawner + Metrics + Send + Sync + 'static,
{
    type SigningScheme = Scheme;
    type Context = Ctx;
    type Block = ChainBlock;
    type Input = ();

    async fn propose(
        &mut self,
        (runtime, context): (E, Self::Context),
        mut ancestry: impl Ancestry<Self::Block>,
        _input: (),
    ) -> Option<Digested<Self::Block>> {
        let parent = ancestry.next().await?;
        let parent_block = parent.inner().0.clone();
        if !self.catch_up(parent.clone(), &mut ancestry).await {
            return None;
        }
        // Pace the chain: wait until block time has passed since the parent.
        let due = parent_block.header.timestamp_ms + self.chain.config().block_time_ms;
        let now = now_ms(&runtime);
        if due > now {
            runtime.sleep(Duration::from_millis(due - now)).await;
        }
        let now = now_ms(&runtime);
        let proposer: [u8; 32] = context.leader.as_ref().try_into().ok()?;
        debug_assert_eq!(context.leader, self.me);
        match self.chain.propose(&parent_block, proposer, now) {
            Ok(block) => {
                debug!(height = block.header.height, txs = block.transactions.len(), "proposed");
                Some(digested(block))
            }
            Err(e) => {
                warn!(error = %e, "cannot build a block");
                None
            }
        }
    }

    async fn verify(
        &mut self,
        (runtime, context): (E, Self::Context),
        mut ancestry: impl Ancestry<Self::Block>,
    ) -> bool {
        let Some(block) = ancestry.next().await else { return false };
        let Some(parent) = ancestry.next().await else { return false };
        let block = block.inner().0.clone();
        let parent_block = parent.inner().0.clone();
        if !self.catch_up(parent, &mut ancestry).await {
            // Keep the vote pending: this node cannot judge yet.
            futures::future::pending::<()>().await;
        }
        // A timestamp from the future is not invalid forever: wait until it is within bounds.
        let drift = self.chain.config().max_clock_drift_ms;
        let now = now_ms(&runtime);
        if block.header.timestamp_ms > now + drift {
            runtime.sleep(Duration::from_millis(block.header.timestamp_ms - now - drift)).await;
        }
        let Ok(leader) = <[u8; 32]>::try_from(context.leader.as_ref()) else { return false };
        match self.chain.verify(&block, &parent_block, Some(leader)) {
            Ok(()) => true,
            Err(e) => {
                warn!(height = block.header.height, error = %e, "refusing proposal");
                false
            }
        }
    }
}

/// Receives finalised blocks from marshal, in height order, and commits them.
#[derive(Clone)]
pub struct Finalizer {
    sender: mpsc::UnboundedSender<Update<ChainBlock>>,
}

impl Reporter for Finalizer {
    type Activity = Update<ChainBlock>;

    fn report(&mut self, activity: Self::Activity) -> commonware_actor::Feedback {
        match self.sender.send(activity) {
            Ok(()) => commonware_actor::Feedback::Ok,
            Err(_) => commonware_actor::Feedback::Closed,
        }
    }
}

fn start_finalizer<E: Clock + Spawner + Supervisor>(context: E, chain: Arc<Chain>) -> (Finalizer, Handle<()>) {
    let (sender, mut receiver) = mpsc::unbounded_channel::<Update<ChainBlock>>();
    let handle = context.spawn(move |context| async move {
        while let Some(update) = receiver.recv().await {
            let Update::Block(block, ack) = update else { continue };
            let block = block.inner().0.clone();
            match chain.finalize(&block, now_ms(&context)) {
                Ok(Some(head)) => {
                    debug!(height = head.height, "committed");
                    ack.acknowledge();
                }
                Ok(None) => ack.acknowledge(),
                Err(e) => {
                    // Never acknowledge: marshal stops delivering and the node halts here.
                    error!(height = block.header.height, error = %e, "cannot commit a finalised block; halting");
                    std::mem::forget(ack);
                    return;
                }
            }
        }
    });
    (Finalizer { sender }, handle)
}

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
    let (broadcast_engine, buffer) = buffered::Engine::new(
        context.child("broadcast"),
        buffered::Config {
            public_key: me.clone(),
            mailbox_size: NZUsize!(1024),
            deque_size: 16,
            priority: false,
            codec_config: (),
            peer_provider: peers.clone(),
            strategy: Sequential,
        },
    );
    let broadcast_handle = broadcast_engine.start(channels.broadcast);

    let (marshal_actor, marshal_mailbox) = init_marshal(&context, &chain, scheme.clone(), &prefix, &page_cache).await;

    let app = App { chain: chain.clone(), me: me.clone() };
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
    let (gossip, gossip_handle) = start_gossip(context.child("gossip"), chain, channels.txs);
    info!(validator = %me, "consensus started");
    (vec![finalizer_handle, broadcast_handle, marshal_handle, consensus_handle, gossip_handle], gossip)
}

/// Marshal's backfill resolver on the backfill channel: fetches finalised blocks and
/// certificates by height or digest from peers, and serves ours.
fn init_resolver<E, B, P, S, R>(
    context: &E,
    me: PublicKey,
    peers: P,
    blocker: B,
    backfill: (S, R),
) -> (marshal_resolver_handler::Receiver<Digest>, marshal_resolver::Mailbox<Digest, PublicKey>)
where
    E: Clock + Spawner + Metrics + Supervisor + CryptoRng,
    B: Blocker<PublicKey = PublicKey>,
    P: Provider<PublicKey = PublicKey>,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    marshal_resolver::init(
        context.child("marshal_resolver"),
        marshal_resolver::Config {
            public_key: me,
            peer_provider: peers,
            blocker,
            mailbox_size: NZUsize!(1024),
            fetch_timeout: NZDuration!(Duration::from_secs(2)),
            fetch_retry_delay: Duration::from_millis(200),
            priority_requests: false,
            priority_responses: false,
        },
        backfill,
    )
}

type Marshal<E> = MarshalActor<
    E,
    Standard<ChainBlock>,
    ConstantProvider<Scheme, Epoch>,
    immutable::Archive<E, Digest, commonware_consensus::simplex::types::Finalization<Scheme, Digest>>,
    immutable::Archive<E, Digest, Arc<ChainBlock>>,
    FixedEpocher,
    Sequential,
>;

/// Marshal with its archives of finalised blocks and certificates (in the node's storage).
async fn init_marshal<E>(
    context: &E,
    chain: &Arc<Chain>,
    scheme: Scheme,
    prefix: &str,
    page_cache: &CacheRef,
) -> (Marshal<E>, MarshalMailbox<Scheme, Standard<ChainBlock>>)
where
    E: Clock + Spawner + Storage + Metrics + Supervisor + CryptoRng + Send + Sync + 'static,
{
    let finalizations = immutable::Archive::init(
        context.child("finalizations_by_height"),
        archive_config(prefix, "finalizations", page_cache, Scheme::certificate_codec_config_unbounded()),
    )
    .await
    .expect("cannot open the finalisations archive");
    let blocks =
        immutable::Archive::init(context.child("finalized_blocks"), archive_config(prefix, "blocks", page_cache, ()))
            .await
            .expect("cannot open the blocks archive");

    let (marshal_actor, marshal_mailbox, _floor) = MarshalActor::init(
        context.child("marshal"),
        finalizations,
        blocks,
        marshal::Config {
            provider: ConstantProvider::new(scheme.clone()),
            epocher: FixedEpocher::new(BLOCKS_PER_EPOCH),
            start: marshal::Start::Genesis(digested(chain.genesis_block())),
            partition_prefix: format!("{prefix}-marshal"),
            mailbox_size: NZUsize!(1024),
            view_retention: ViewDelta::new(256),
            prunable_items_per_section: NZU64!(64),
            page_cache: page_cache.clone(),
            replay_buffer: IO_BUFFER,
            key_write_buffer: IO_BUFFER,
            value_write_buffer: IO_BUFFER,
            block_codec_config: (),
            max_repair: NZUsize!(32),
            max_pending_acks: NZUsize!(16),
            strategy: Sequential,
        },
    )
    .await;
    let marshal_mailbox: MarshalMailbox<Scheme, Standard<ChainBlock>> = marshal_mailbox;
    (marshal_actor, marshal_mailbox)
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
            let head = chain.head().height;
            for ahead in 1..=8 {
                marshal.hint_finalized(Height::new(head + ahead), targets.clone());
            }
            context.sleep(Duration::from_millis(300)).await;
        }
    });
    info!("follower started");
    (vec![finalizer_handle, marshal_handle, gossip_handle, hint_handle], gossip)
}

/// Transaction gossip: admitted RPC transactions go to every peer; transactions from peers are
/// admitted (and not forwarded again: the validator set is fully connected).
fn start_gossip<E, S, R>(context: E, chain: Arc<Chain>, (mut sender, mut receiver): (S, R)) -> (Gossip, Handle<()>)
where
    E: Spawner + Supervisor,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    let (outbox, mut outbox_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let handle = context.spawn(move |_| async move {
        loop {
            commonware_macros::select! {
                outgoing = outbox_rx.recv() => {
                    let Some(bytes) = outgoing else { return };
                    sender.send(Recipients::All, bytes, false);
                },
                incoming = receiver.recv() => {
                    let Ok((peer, message)) = incoming else { return };
                                        match agora_runtime::SignedTransaction::decode_checked(message.as_ref()) {
                        Ok(tx) => {
                            let _ = chain.submit(tx);
                        }
                        Err(e) => {
                            chain.metrics().txs_malformed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            debug!(%peer, error = %e, "malformed gossiped transaction");
                        }
                    }
                },
            }
        }
    });
    let gossip: Gossip = Arc::new(move |bytes| {
        let _ = outbox.send(bytes);
    });
    (gossip, handle)
}

fn archive_config<C>(prefix: &str, name: &str, page_cache: &CacheRef, codec_config: C) -> immutable::Config<C> {
    immutable::Config {
        metadata_partition: format!("{prefix}-{name}-metadata"),
        freezer_table_partition: format!("{prefix}-{name}-freezer-table"),
        freezer_table_initial_size: 65_536,
        freezer_table_resize_frequency: 4,
        freezer_table_resize_chunk_size: 16_384,
        freezer_key_partition: format!("{prefix}-{name}-freezer-key"),
        freezer_key_page_cache: page_cache.clone(),
        freezer_key_write_buffer: IO_BUFFER,
        freezer_value_partition: format!("{prefix}-{name}-freezer-value"),
        freezer_value_write_buffer: IO_BUFFER,
        freezer_value_target_size: 256 * 1024 * 1024,
        freezer_value_compression: None,
        ordinal_partition: format!("{prefix}-{name}-ordinal"),
        ordinal_write_buffer: IO_BUFFER,
        items_per_section: ITEMS_PER_SECTION,
        codec_config,
        replay_buffer: IO_BUFFER,
    }
}
