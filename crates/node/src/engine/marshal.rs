//! Marshal and what it stands on: its backfill resolver on the backfill p2p channel, and its
//! archives of finalised blocks and finalisation certificates in the node's storage. Also the
//! storage tuning (page cache, I/O buffers) shared with simplex's journal.

use std::num::{NonZeroU16, NonZeroU64, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

use commonware_consensus::marshal;
use commonware_consensus::marshal::core::{Actor as MarshalActor, Mailbox as MarshalMailbox};
use commonware_consensus::marshal::resolver::handler as marshal_resolver_handler;
use commonware_consensus::marshal::resolver::p2p as marshal_resolver;
use commonware_consensus::marshal::standard::Standard;
use commonware_consensus::types::{Epoch, FixedEpocher, ViewDelta};
use commonware_cryptography::certificate::{ConstantProvider, Verifier as _};
use commonware_cryptography::ed25519::PublicKey;
use commonware_cryptography::sha256::Digest;
use commonware_p2p::{Blocker, Provider, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::buffer::paged::CacheRef;
use commonware_runtime::{Clock, Metrics, Spawner, Storage, Supervisor};
use commonware_storage::archive::immutable;
use commonware_utils::{NZDuration, NZU16, NZU64, NZUsize};
use rand_core::CryptoRng;

use super::codec::{ChainBlock, digested};
use super::identity::{BLOCKS_PER_EPOCH, Scheme};
use crate::chain::Chain;

/// Page size of the storage page cache.
pub(super) const PAGE_SIZE: NonZeroU16 = NZU16!(4096);
/// Pages held by the storage page cache.
pub(super) const PAGE_CACHE_PAGES: NonZeroUsize = NZUsize!(1024);
/// Replay and write buffer of every journal and archive.
pub(super) const IO_BUFFER: NonZeroUsize = NZUsize!(1024 * 1024);
const ITEMS_PER_SECTION: NonZeroU64 = NZU64!(4096);

/// Marshal's backfill resolver on the backfill channel: fetches finalised blocks and
/// certificates by height or digest from peers, and serves ours.
pub(super) fn init_resolver<E, B, P, S, R>(
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

/// The marshal actor of this chain: standard (whole) blocks, archives in the node's storage.
pub(super) type Marshal<E> = MarshalActor<
    E,
    Standard<ChainBlock>,
    ConstantProvider<Scheme, Epoch>,
    immutable::Archive<E, Digest, commonware_consensus::simplex::types::Finalization<Scheme, Digest>>,
    immutable::Archive<E, Digest, Arc<ChainBlock>>,
    FixedEpocher,
    Sequential,
>;

/// Marshal with its archives of finalised blocks and certificates (in the node's storage).
pub(super) async fn init_marshal<E>(
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
