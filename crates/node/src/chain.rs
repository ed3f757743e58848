//! [`Chain`]: the node's state machine host. It builds, verifies and commits blocks with the
//! runtime, and knows nothing of consensus or networking.
//!
//! - Committed state lives in the [`Store`]; its head is the last finalised block.
//! - Blocks proposed or verified but not yet finalised are kept executed in memory, keyed by
//!   hash, as change sets over their parent ([`Chain::state_at`] layers them over the store). A
//!   verified block therefore never executes twice: finalisation commits its change set.
//! - [`Chain::finalize`] is idempotent (finalised blocks may be delivered more than once) and
//!   commits each block in one store transaction, after checking that the state root it reached
//!   is the one in the header.
//! - Nothing damaged is served. [`Chain::open`] checks the whole store (page checksums, the
//!   state root, then every block, receipt and index entry against each other:
//!   [`Store::verify_chain`]) and refuses a damaged one with [`StoreError::Damaged`] (or
//!   another [`StoreError::is_damage`] error). Reads check what they return: a block read by
//!   height or hash must decode, name that height and be the block the hash index names;
//!   receipts must match the hash stored with them; a transaction's location must hold a
//!   receipt of that transaction. A read that disagrees is an error, logged once with the way
//!   out (re-sync into an empty data directory), never different data.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use agora_primitives::{AccountId, BlockNumber, Hash, blake2_256};
use agora_runtime::storage::{ChangeSet, Overlay};
use agora_runtime::{BlockError, BlockInput, Event, Genesis, Receipt, SignedTransaction, Transaction};
use agora_runtime::{build_block, execute_block};
use agora_store::{BlockFacts, BlockRecord, Damage, Head, RecordFormat, Snapshot, Store, StoreError, TxLocation};
use agora_substrate::checked::ChainView;
use parity_scale_codec::{Decode, Encode};
use tokio::sync::broadcast;

use crate::block::{Block, BlockHash, Envelope, HEADER_BYTES, Header, MAX_BLOCK_TX_BYTES, MAX_BLOCK_TXS, tx_root};
use crate::mempool::{Mempool, MempoolConfig, MempoolError};
use crate::metrics::Metrics;

/// Hands an admitted transaction's bytes to the network (gossip to peers).
pub type Gossip = Arc<dyn Fn(Vec<u8>) + Send + Sync>;

/// How blocks are built and checked.
#[derive(Clone, Debug)]
pub struct ChainConfig {
    /// Target milliseconds between blocks (a proposer waits this long after its parent).
    pub block_time_ms: u64,
    /// How far in the future a proposal's timestamp may be.
    pub max_clock_drift_ms: u64,
    /// Most transactions a proposer puts in a block.
    pub max_block_txs: usize,
    /// Most transaction bytes a proposer puts in a block.
    pub max_block_tx_bytes: usize,
    /// Account credited with fees of blocks this node proposes.
    pub author: Option<AccountId>,
    /// Mempool bounds.
    pub mempool: MempoolConfig,
    /// Finalised states kept for reads pinned to a recent block (the Substrate endpoint's `at`);
    /// each pins a read transaction of the store, so a node without that endpoint keeps only
    /// the head's.
    pub state_history: usize,
    /// Test hook: make this node's proposals invalid, to check that the others refuse them.
    #[doc(hidden)]
    pub misbehave: Option<Misbehavior>,
}

/// Ways a (test-only) byzantine proposer corrupts its blocks.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misbehavior {
    /// A header state root that execution does not reach.
    WrongStateRoot,
    /// A transaction with a bad signature (the transaction root is made consistent).
    BadTransaction,
    /// More transactions than a block may carry (peers cannot even decode it).
    Oversized,
}

impl Default for ChainConfig {
    fn default() -> Self {
        ChainConfig {
            block_time_ms: 1000,
            max_clock_drift_ms: 500,
            max_block_txs: 5_000,
            max_block_tx_bytes: MAX_BLOCK_TX_BYTES / 2,
            author: None,
            mempool: MempoolConfig::default(),
            state_history: STATE_HISTORY,
            misbehave: None,
        }
    }
}

/// Errors of the chain host.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A parent's state is not available (it was never verified here and is not committed).
    #[error("unknown parent block {0}")]
    UnknownParent(String),
    /// The runtime refused to build or execute.
    #[error("block execution failed: {0}")]
    Execution(#[from] BlockError),
    /// A finalised block does not execute to its header's state root: this node's state or
    /// binary disagrees with the network, and it must stop.
    #[error("finalised block {height} reaches state root {actual}, header says {expected}")]
    Diverged {
        /// Height.
        height: u64,
        /// Header root.
        expected: Hash,
        /// Executed root.
        actual: Hash,
    },
    /// A finalised block carries a Substrate extrinsic that does not check (its era or
    /// signature): this node's view of the chain disagrees with the network's.
    #[error("finalised block {height} carries an extrinsic this node refuses: {reason}")]
    BadExtrinsic {
        /// Block height.
        height: u64,
        /// Why.
        reason: String,
    },
    /// A finalised block does not extend the committed head.
    #[error("finalised block {height} does not extend the committed head {head}")]
    NotExtendingHead {
        /// Block height.
        height: u64,
        /// Committed height.
        head: u64,
    },
}

/// Why a proposal was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The header names another proposer than the view's leader.
    #[error("proposer is not the leader of this view")]
    WrongProposer,
    /// Timestamp not after the parent's.
    #[error("timestamp {got} is not after the parent's {parent}")]
    TimestampNotIncreasing {
        /// Parent timestamp.
        parent: u64,
        /// Block timestamp.
        got: u64,
    },
    /// `tx_root` does not match the transactions.
    #[error("transaction root mismatch")]
    TxRoot,
    /// More than a block may carry.
    #[error("block too large")]
    TooLarge,
    /// Height or parent link is wrong.
    #[error("block does not extend its parent")]
    BadLink,
    /// Execution failed (an invalid transaction).
    #[error("execution failed: {0}")]
    Execution(String),
    /// Execution reached another state root.
    #[error("state root mismatch: header {expected}, executed {actual}")]
    StateRoot {
        /// Header root.
        expected: Hash,
        /// Executed root.
        actual: Hash,
    },
    /// The parent's state is unknown.
    #[error("unknown parent")]
    UnknownParent,
}

/// Where a submitted transaction stands.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TxStatus {
    /// Admitted to the mempool.
    InMempool,
    /// In a block this node verified (not final yet).
    Included {
        /// Block height.
        height: u64,
        /// Block hash (hex).
        block: String,
    },
    /// In a finalised block.
    Finalized {
        /// Block height.
        height: u64,
        /// Block hash (hex).
        block: String,
    },
    /// Removed from the mempool without being finalised.
    Dropped {
        /// Why.
        reason: String,
    },
}

/// A finalised, committed block as announced to subscribers.
#[derive(Clone, Debug)]
pub struct Finalized {
    /// The block.
    pub block: Arc<Block>,
    /// Its hash.
    pub hash: BlockHash,
    /// Receipts of its transactions.
    pub receipts: Vec<Receipt>,
    /// Events of its block hooks.
    pub events: Vec<Event>,
}

/// What transaction watchers hear (finalised blocks have their own channel,
/// [`Chain::subscribe_blocks`]).
#[derive(Clone, Debug)]
pub enum ChainEvent {
    /// A transaction changed status.
    Tx(Hash, TxStatus),
}

/// Receipts and events of a block, as stored.
///
/// No header commits to them (the state root covers state, not receipts), and re-deriving them
/// would mean re-executing the chain from genesis. The store therefore keeps a hash of each
/// height's encoding beside it and checks it on every read, and opening checks what can be
/// re-derived: one receipt per transaction, each naming that transaction's hash.
#[derive(Clone, Debug, Encode, Decode)]
pub struct StoredReceipts {
    /// One per transaction.
    pub receipts: Vec<Receipt>,
    /// Block hook events.
    pub events: Vec<Event>,
}

/// How the store reads this node's blocks and receipts when it checks itself.
struct Records;

impl RecordFormat for Records {
    fn block(&self, bytes: &[u8]) -> Result<BlockFacts, String> {
        let block = Block::decode(bytes).map_err(|e| e.to_string())?;
        Ok(BlockFacts {
            height: BlockNumber(block.header.height),
            hash: block.hash(),
            parent: block.header.parent,
            tx_hashes: block.transactions.iter().map(Envelope::hash).collect(),
        })
    }

    fn receipts(&self, bytes: &[u8]) -> Result<Vec<Hash>, String> {
        use parity_scale_codec::DecodeAll;
        let stored = StoredReceipts::decode_all(&mut &bytes[..]).map_err(|e| e.to_string())?;
        Ok(stored.receipts.iter().map(|r| r.tx_hash).collect())
    }
}

struct Executed {
    block: Arc<Block>,
    changes: ChangeSet,
    receipts: Vec<Receipt>,
    events: Vec<Event>,
}

struct Inner {
    head: Head,
    head_block: Arc<Block>,
    pending: BTreeMap<BlockHash, Arc<Executed>>,
}

/// The chain host: store, executed-but-unfinalised blocks, mempool, subscribers.
pub struct Chain {
    store: Store,
    genesis_hash: Hash,
    genesis_block: Arc<Block>,
    config: ChainConfig,
    inner: Mutex<Inner>,
    mempool: Mutex<Mempool>,
    events: broadcast::Sender<ChainEvent>,
    blocks: broadcast::Sender<Arc<Finalized>>,
    metrics: Arc<Metrics>,
    recent: Mutex<VecDeque<(BlockHash, Arc<Snapshot>)>>,
    /// Whether a damaged read has been logged (once is enough).
    damage_logged: std::sync::atomic::AtomicBool,
}

/// Committed states kept by default for reads pinned to a recent block hash (the Substrate endpoint's
/// `at` parameter): the last 256 finalised blocks. Older states are discarded; the store keeps
/// only the latest one on disk, so the window starts again at the head after a restart.
pub const STATE_HISTORY: usize = 256;

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain").field("head", &self.head()).finish_non_exhaustive()
    }
}

impl Chain {
    /// Opens the chain in `store`: writes genesis into an empty store, otherwise checks the store
    /// belongs to this genesis, that its state hashes to the committed root, and that its
    /// blocks, receipts and indexes agree ([`Store::verify_chain`]; progress is logged every
    /// [`agora_store::PROGRESS_EVERY`] blocks). A damaged store is an error for which
    /// [`StoreError::is_damage`] holds.
    ///
    /// `consensus` commits to the validator set (see [`Block::genesis`]); a store written for
    /// another validator set is refused.
    pub fn open(
        store: Store,
        genesis: &Genesis,
        genesis_time_ms: u64,
        consensus: [u8; 32],
        config: ChainConfig,
    ) -> Result<Chain, ChainError> {
        let genesis_block = Arc::new(Block::genesis(genesis.state_root, genesis_time_ms, consensus));
        store.init_genesis(genesis, genesis_block.hash(), &genesis_block.encode())?;
        let head = store.verify()?;
        let verified = store.verify_chain(&Records, &mut |height, of| {
            tracing::info!(height = height.get(), head = of.get(), "verifying the chain store");
        })?;
        if verified != head {
            // The head moved between the two checks: only a second writer could do that.
            return Err(StoreError::Database("the store changed while it was being verified".into()).into());
        }
        // After the chain check, so a stored genesis block that differs is another validator
        // set's (it decodes and the index agrees), not damage.
        if store.block(BlockNumber::GENESIS)?.as_deref() != Some(&genesis_block.encode()[..]) {
            let stored = store
                .block(BlockNumber::GENESIS)?
                .map(|b| blake2_256(&b[..HEADER_BYTES.min(b.len())]))
                .unwrap_or_default();
            return Err(StoreError::GenesisMismatch { stored, expected: Hash(genesis_block.hash()) }.into());
        }
        let head_block = if head.height == BlockNumber::GENESIS {
            genesis_block.clone()
        } else {
            let bytes = store.block(head.height)?.ok_or(StoreError::Corrupt("head block missing"))?;
            Arc::new(Block::decode(&bytes).map_err(|_| StoreError::Corrupt("head block"))?)
        };
        let metrics = Arc::new(Metrics::default());
        metrics.height.store(head.height.get(), std::sync::atomic::Ordering::Relaxed);
        let (events, _) = broadcast::channel(16_384);
        let (blocks, _) = broadcast::channel(1024);
        let recent = Mutex::new(VecDeque::from([(head.block_hash, Arc::new(store.snapshot()?))]));
        Ok(Chain {
            store,
            genesis_hash: genesis.genesis_hash,
            genesis_block,
            mempool: Mutex::new(Mempool::new(config.mempool)),
            config,
            inner: Mutex::new(Inner { head, head_block, pending: BTreeMap::new() }),
            events,
            blocks,
            metrics,
            recent,
            damage_logged: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The chain's genesis hash (the signature domain of its transactions).
    pub fn genesis_hash(&self) -> Hash {
        self.genesis_hash
    }

    /// The genesis block.
    pub fn genesis_block(&self) -> Arc<Block> {
        self.genesis_block.clone()
    }

    /// The configuration.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The last committed block.
    pub fn head(&self) -> Head {
        self.lock().head
    }

    /// The last committed block itself.
    pub fn head_block(&self) -> Arc<Block> {
        self.lock().head_block.clone()
    }

    /// Subscribes to transaction statuses.
    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.events.subscribe()
    }

    /// Subscribes to finalised blocks only (a channel of its own, so transaction statuses of a
    /// busy block cannot push blocks out).
    pub fn subscribe_blocks(&self) -> broadcast::Receiver<Arc<Finalized>> {
        self.blocks.subscribe()
    }

    /// A read view of the committed state.
    pub fn snapshot(&self) -> Result<Snapshot, ChainError> {
        Ok(self.store.snapshot()?)
    }

    /// The head and its committed state, taken together (the head can move between two calls).
    pub fn head_state(&self) -> (BlockHash, Arc<Snapshot>) {
        let recent = self.recent.lock().expect("state history lock");
        let (hash, state) = recent.back().expect("the history holds at least the head");
        (*hash, state.clone())
    }

    /// The committed state after block `hash`, if it is one of the last [`ChainConfig::state_history`]
    /// finalised blocks (since this process started).
    pub fn state_after(&self, hash: &BlockHash) -> Option<Arc<Snapshot>> {
        let recent = self.recent.lock().expect("state history lock");
        recent.iter().rev().find(|(h, _)| h == hash).map(|(_, s)| s.clone())
    }

    /// The height of a finalised block (genesis included).
    pub fn height_of(&self, hash: &BlockHash) -> Result<Option<u64>, ChainError> {
        if *hash == self.genesis_block.hash() {
            return Ok(Some(0));
        }
        Ok(self.read(self.store.height_of(hash))?.map(BlockNumber::get))
    }

    /// A store read's result; a damaged store is logged (once) with the way out.
    fn read<T>(&self, result: Result<T, StoreError>) -> Result<T, ChainError> {
        result.map_err(|e| self.reported(e))
    }

    /// A damaged record at `height`, logged as [`Chain::read`] does.
    fn damaged(&self, height: u64, damage: Damage) -> ChainError {
        self.reported(StoreError::Damaged { height: BlockNumber(height), damage })
    }

    fn reported(&self, e: StoreError) -> ChainError {
        if e.is_damage() && !self.damage_logged.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::error!(
                error = %e,
                "the chain store is damaged; refusing to serve what disagrees. Stop the node, move its data \
                 directory aside and start it again: it re-syncs every block from its peers"
            );
        }
        e.into()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("chain lock poisoned")
    }

    /// Whether the state after block `hash` is available (committed head or executed here).
    pub fn is_executed(&self, hash: &BlockHash) -> bool {
        let inner = self.lock();
        inner.head.block_hash == *hash || inner.pending.contains_key(hash)
    }

    /// A block executed here but not yet finalised.
    pub fn pending_block(&self, hash: &BlockHash) -> Option<Arc<Block>> {
        self.lock().pending.get(hash).map(|e| e.block.clone())
    }

    /// Whether `height` is at or below the committed head (such blocks are never re-executed).
    pub fn is_committed_height(&self, height: u64) -> bool {
        self.lock().head.height.get() >= height
    }

    /// The state after block `hash`: the committed state with the change sets of the executed
    /// blocks between the head and `hash` layered on top.
    pub fn state_at(&self, hash: &BlockHash) -> Result<Overlay<Snapshot>, ChainError> {
        let inner = self.lock();
        let mut layers = Vec::new();
        let mut cursor = *hash;
        while cursor != inner.head.block_hash {
            let executed = inner.pending.get(&cursor).ok_or_else(|| ChainError::UnknownParent(hex(&cursor)))?;
            layers.push(executed.clone());
            cursor = executed.block.header.parent;
        }
        let snapshot = self.store.snapshot()?;
        drop(inner);
        let mut overlay = Overlay::new(snapshot);
        for layer in layers.iter().rev() {
            overlay.apply(layer.changes.clone());
        }
        Ok(overlay)
    }

    /// Builds a block on `parent` (whose state must be available) as `proposer`, at `now_ms`.
    pub fn propose(&self, parent: &Block, proposer: [u8; 32], now_ms: u64) -> Result<Arc<Block>, ChainError> {
        let parent_hash = parent.hash();
        let state = self.state_at(&parent_hash)?;
        let timestamp_ms = now_ms.max(parent.header.timestamp_ms + 1);
        let height = parent.header.height + 1;
        let candidates = self.mempool.lock().expect("mempool lock").candidates(&state, self.config.max_block_txs);
        // Substrate extrinsics are checked against this block's ancestry (their era may have
        // ended while they waited); those that fail leave the pool.
        let ancestry = self.ancestry(&parent_hash)?;
        let mut envelopes = BTreeMap::new();
        let mut runs = Vec::with_capacity(candidates.len());
        let mut refused = Vec::new();
        for envelope in candidates {
            match envelope.authenticate(&ancestry, height) {
                Ok(tx) => {
                    runs.push(tx);
                    envelopes.insert(envelope.hash(), envelope);
                }
                Err(refusal) => refused.push((envelope.hash(), refusal.to_string())),
            }
        }
        let built = build_block(
            &state,
            BlockNumber(height),
            timestamp_ms,
            self.config.author,
            runs,
            self.config.max_block_txs.min(MAX_BLOCK_TXS),
            self.config.max_block_tx_bytes.min(MAX_BLOCK_TX_BYTES),
        )?;
        let transactions: Vec<Envelope> =
            built.transactions.iter().filter_map(|tx| envelopes.remove(&tx.hash())).collect();
        // What can never be included leaves the pool; a future nonce may become valid and a fee
        // may become payable, so those stay.
        use agora_runtime::TransactionError::{CannotPayFee, FutureNonce};
        refused.extend(
            built
                .rejected
                .iter()
                .filter(|(_, e)| !matches!(e, FutureNonce { .. } | CannotPayFee { .. }))
                .map(|(hash, e)| (*hash, e.to_string())),
        );
        self.drop_from_pool(refused);
        let mut block = Block {
            header: Header {
                height,
                parent: parent_hash,
                proposer,
                author: self.config.author,
                timestamp_ms,
                tx_root: tx_root(&transactions),
                state_root: built.outcome.state_root,
            },
            transactions,
        };
        if let Some(misbehavior) = self.config.misbehave {
            corrupt(&mut block, misbehavior);
        }
        let block = Arc::new(block);
        let hash = block.hash();
        for tx in &block.transactions {
            let status = TxStatus::Included { height, block: hex(&hash) };
            let _ = self.events.send(ChainEvent::Tx(tx.hash(), status));
        }
        self.remember(block.clone(), built.outcome.changes, built.outcome.receipts, built.outcome.events);
        self.metrics.blocks_proposed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(block)
    }

    /// Checks a proposal from `leader` on `parent` and executes it; on success its state is kept
    /// for its children and its finalisation. `leader = None` skips the proposer check (blocks
    /// already certified by the network, replayed while catching up).
    pub fn verify(&self, block: &Block, parent: &Block, leader: Option<[u8; 32]>) -> Result<(), VerifyError> {
        let result = self.verify_inner(block, parent, leader);
        if result.is_err() {
            self.metrics.blocks_rejected.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        result
    }

    fn verify_inner(&self, block: &Block, parent: &Block, leader: Option<[u8; 32]>) -> Result<(), VerifyError> {
        let header = &block.header;
        let hash = block.hash();
        if let Some(leader) = leader
            && header.proposer != leader
        {
            return Err(VerifyError::WrongProposer);
        }
        if self.is_executed(&hash) {
            return Ok(());
        }
        if header.height != parent.header.height + 1 || header.parent != parent.hash() {
            return Err(VerifyError::BadLink);
        }
        if header.timestamp_ms <= parent.header.timestamp_ms {
            return Err(VerifyError::TimestampNotIncreasing {
                parent: parent.header.timestamp_ms,
                got: header.timestamp_ms,
            });
        }
        if block.transactions.len() > MAX_BLOCK_TXS {
            return Err(VerifyError::TooLarge);
        }
        if tx_root(&block.transactions) != header.tx_root {
            return Err(VerifyError::TxRoot);
        }
        let ancestry = self.ancestry(&header.parent).map_err(|_| VerifyError::UnknownParent)?;
        let runs = authenticate(&block.transactions, &ancestry, header.height).map_err(VerifyError::Execution)?;
        let state = self.state_at(&header.parent).map_err(|_| VerifyError::UnknownParent)?;
        let input = BlockInput {
            height: BlockNumber(header.height),
            timestamp_ms: header.timestamp_ms,
            author: header.author,
            transactions: &runs,
        };
        let outcome = execute_block(&state, &input).map_err(|e| VerifyError::Execution(e.to_string()))?;
        if outcome.state_root != header.state_root {
            return Err(VerifyError::StateRoot { expected: header.state_root, actual: outcome.state_root });
        }
        let block = Arc::new(block.clone());
        for tx in &block.transactions {
            let status = TxStatus::Included { height: header.height, block: hex(&hash) };
            let _ = self.events.send(ChainEvent::Tx(tx.hash(), status));
        }
        self.remember(block, outcome.changes, outcome.receipts, outcome.events);
        Ok(())
    }

    fn remember(&self, block: Arc<Block>, changes: ChangeSet, receipts: Vec<Receipt>, events: Vec<Event>) {
        let hash = block.hash();
        self.lock().pending.insert(hash, Arc::new(Executed { block, changes, receipts, events }));
    }

    /// Commits a finalised block. Blocks at or below the head are ignored (delivery is
    /// at-least-once); the next block must extend the head. Returns the new head if it moved.
    pub fn finalize(&self, block: &Block, now_ms: u64) -> Result<Option<Head>, ChainError> {
        let hash = block.hash();
        let header = &block.header;
        let (head, executed) = {
            let inner = self.lock();
            (inner.head, inner.pending.get(&hash).cloned())
        };
        if header.height <= head.height.get() {
            // Delivered again (at-least-once). It must be the block committed at that height.
            if self.hash_at(header.height)? != Some(hash) {
                return Err(ChainError::NotExtendingHead { height: header.height, head: head.height.get() });
            }
            return Ok(None);
        }
        if header.height != head.height.get() + 1 || header.parent != head.block_hash {
            return Err(ChainError::NotExtendingHead { height: header.height, head: head.height.get() });
        }
        let executed = match executed {
            Some(e) => e,
            None => {
                // Not verified here (catching up): execute on the committed state.
                let ancestry = self.ancestry(&header.parent)?;
                let runs = authenticate(&block.transactions, &ancestry, header.height)
                    .map_err(|reason| ChainError::BadExtrinsic { height: header.height, reason })?;
                let snapshot = self.store.snapshot()?;
                let input = BlockInput {
                    height: BlockNumber(header.height),
                    timestamp_ms: header.timestamp_ms,
                    author: header.author,
                    transactions: &runs,
                };
                let outcome = execute_block(&snapshot, &input)?;
                if outcome.state_root != header.state_root {
                    return Err(ChainError::Diverged {
                        height: header.height,
                        expected: header.state_root,
                        actual: outcome.state_root,
                    });
                }
                Arc::new(Executed {
                    block: Arc::new(block.clone()),
                    changes: outcome.changes,
                    receipts: outcome.receipts,
                    events: outcome.events,
                })
            }
        };
        let tx_hashes: Vec<Hash> = executed.block.transactions.iter().map(Envelope::hash).collect();
        let receipts = StoredReceipts { receipts: executed.receipts.clone(), events: executed.events.clone() }.encode();
        let new_head = {
            // Commit and move the head under the lock, so `state_at` never pairs the new store
            // state with the old head.
            let mut inner = self.lock();
            let new_head = self.store.commit_block(&BlockRecord {
                height: BlockNumber(header.height),
                block_hash: hash,
                block_bytes: &executed.block.encode(),
                state_root: header.state_root,
                changes: &executed.changes,
                tx_hashes: &tx_hashes,
                receipts: &receipts,
            })?;
            inner.head = new_head;
            inner.head_block = executed.block.clone();
            inner.pending.retain(|_, e| e.block.header.height > new_head.height.get());
            // The new head's state joins the history before the lock is released, so a read of
            // the head never finds its state missing.
            let mut recent = self.recent.lock().expect("state history lock");
            recent.push_back((hash, Arc::new(self.store.snapshot()?)));
            while recent.len() > self.config.state_history.max(1) {
                recent.pop_front();
            }
            new_head
        };
        // Mempool: drop what is now stale, tell watchers.
        let snapshot = self.store.snapshot()?;
        let dropped = {
            let mut pool = self.mempool.lock().expect("mempool lock");
            let mut dropped = pool.drop_expired(header.height + 1);
            dropped.extend(pool.revalidate(&snapshot));
            self.metrics.mempool_size.store(pool.len() as u64, std::sync::atomic::Ordering::Relaxed);
            dropped
        };
        let included: std::collections::BTreeSet<Hash> = tx_hashes.iter().copied().collect();
        for (tx, reason) in dropped {
            if !included.contains(&tx) {
                let _ = self.events.send(ChainEvent::Tx(tx, TxStatus::Dropped { reason }));
            }
        }
        for tx in &tx_hashes {
            let status = TxStatus::Finalized { height: header.height, block: hex(&hash) };
            let _ = self.events.send(ChainEvent::Tx(*tx, status));
        }
        let m = &self.metrics;
        m.height.store(header.height, std::sync::atomic::Ordering::Relaxed);
        m.blocks_finalized.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        m.txs_finalized.fetch_add(tx_hashes.len() as u64, std::sync::atomic::Ordering::Relaxed);
        m.observe_finality_latency(now_ms.saturating_sub(header.timestamp_ms));
        let finalized = Finalized {
            block: executed.block.clone(),
            hash,
            receipts: executed.receipts.clone(),
            events: executed.events.clone(),
        };
        let _ = self.blocks.send(Arc::new(finalized));
        Ok(Some(new_head))
    }

    /// Admits a transaction to the mempool after checking it against the committed state (a
    /// Substrate extrinsic also against the chain, for the next block).
    pub fn submit(&self, tx: impl Into<Envelope>) -> Result<Hash, MempoolError> {
        let tx = tx.into();
        if self.in_mempool(&tx.hash()) {
            return Err(MempoolError::Duplicate(tx.hash()));
        }
        let snapshot = self.store.snapshot().map_err(|e| MempoolError::Unavailable(e.to_string()))?;
        let (ancestry, height) = self.best_ancestry();
        let runs = tx.authenticate(&ancestry, height);
        let runs = runs.inspect_err(|_| {
            self.metrics.txs_rejected.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })?;
        let (result, dropped) = {
            let mut pool = self.mempool.lock().expect("mempool lock");
            let result = pool.admit(&snapshot, tx, &runs);
            self.metrics.mempool_size.store(pool.len() as u64, std::sync::atomic::Ordering::Relaxed);
            (result, pool.take_dropped())
        };
        for (hash, reason) in dropped {
            let _ = self.events.send(ChainEvent::Tx(hash, TxStatus::Dropped { reason }));
        }
        match result {
            Ok(hash) => {
                let _ = self.events.send(ChainEvent::Tx(hash, TxStatus::InMempool));
                Ok(hash)
            }
            Err(e) => {
                self.metrics.txs_rejected.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Err(e)
            }
        }
    }

    /// Removes refused transactions from the mempool and tells their watchers.
    fn drop_from_pool(&self, refused: Vec<(Hash, String)>) {
        if refused.is_empty() {
            return;
        }
        let mut pool = self.mempool.lock().expect("mempool lock");
        for (hash, reason) in refused {
            if pool.remove(&hash) {
                let _ = self.events.send(ChainEvent::Tx(hash, TxStatus::Dropped { reason }));
            }
        }
        for (hash, reason) in pool.take_dropped() {
            let _ = self.events.send(ChainEvent::Tx(hash, TxStatus::Dropped { reason }));
        }
        self.metrics.mempool_size.store(pool.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// The ancestry of a block built on `parent`: the executed blocks between it and the
    /// committed head, then the committed chain.
    fn ancestry(&self, parent: &BlockHash) -> Result<Ancestry<'_>, ChainError> {
        let inner = self.lock();
        let mut pending = BTreeMap::new();
        let mut cursor = *parent;
        while cursor != inner.head.block_hash {
            let executed = inner.pending.get(&cursor).ok_or_else(|| ChainError::UnknownParent(hex(&cursor)))?;
            pending.insert(executed.block.header.height, cursor);
            cursor = executed.block.header.parent;
        }
        Ok(Ancestry::new(self, pending))
    }

    /// The ancestry of the next block on the highest block executed here (verified, perhaps
    /// not final yet), and that block's height plus one: where a new extrinsic is checked, so
    /// one signed against a head this node has verified but not yet committed is accepted.
    fn best_ancestry(&self) -> (Ancestry<'_>, u64) {
        let best = {
            let inner = self.lock();
            inner
                .pending
                .iter()
                .filter(|(_, e)| e.block.header.height > inner.head.height.get())
                .max_by_key(|(hash, e)| (e.block.header.height, std::cmp::Reverse(**hash)))
                .map(|(hash, e)| (*hash, e.block.header.height))
        };
        if let Some((hash, height)) = best
            && let Ok(ancestry) = self.ancestry(&hash)
        {
            return (ancestry, height + 1);
        }
        (Ancestry::new(self, BTreeMap::new()), self.head().height.get() + 1)
    }

    /// The nonce `who`'s next transaction needs, counting its pending transactions.
    pub fn next_nonce(&self, who: &AccountId) -> Result<u64, ChainError> {
        // The pool first: a block committed in between only makes the state's nonce newer.
        let pool = self.mempool.lock().expect("mempool lock");
        let committed = agora_runtime::query::nonce(&self.store.snapshot()?, who);
        Ok(pool.next_nonce(who, committed))
    }

    /// Whether the mempool holds `hash`.
    pub fn in_mempool(&self, hash: &Hash) -> bool {
        self.mempool.lock().expect("mempool lock").contains(hash)
    }

    /// Why the mempool dropped `hash`, if it did lately (see [`Mempool::dropped_reason`]).
    pub fn dropped_reason(&self, hash: &Hash) -> Option<String> {
        self.mempool.lock().expect("mempool lock").dropped_reason(hash).map(str::to_string)
    }

    /// Number of transactions in the mempool.
    pub fn mempool_len(&self) -> usize {
        self.mempool.lock().expect("mempool lock").len()
    }

    /// The committed block at `height`, checked: it decodes (so its transactions match its
    /// `tx_root`), names `height`, and the hash index maps its hash to `height`.
    pub fn block_at(&self, height: u64) -> Result<Option<Block>, ChainError> {
        let Some(bytes) = self.read(self.store.block(BlockNumber(height)))? else { return Ok(None) };
        let block = self.decode_stored(height, &bytes)?;
        if self.read(self.store.height_of(&block.hash()))? != Some(BlockNumber(height)) {
            return Err(self.damaged(height, Damage::HashIndex));
        }
        Ok(Some(block))
    }

    /// The hash of the committed block at `height`, from its header alone (no decoding),
    /// checked against the hash index.
    pub fn hash_at(&self, height: u64) -> Result<Option<BlockHash>, ChainError> {
        let Some(header) = self.read(self.store.block_prefix(BlockNumber(height), HEADER_BYTES))? else {
            return Ok(None);
        };
        let hash = blake2_256(&header).0;
        if self.read(self.store.height_of(&hash))? != Some(BlockNumber(height)) {
            return Err(self.damaged(height, Damage::HashIndex));
        }
        Ok(Some(hash))
    }

    /// The committed block with hash `hash`, checked: the block at the height the index names
    /// must decode, name that height and hash to `hash`.
    pub fn block_by_hash(&self, hash: &BlockHash) -> Result<Option<Block>, ChainError> {
        let Some(height) = self.read(self.store.height_of(hash))? else { return Ok(None) };
        let height = height.get();
        let Some(bytes) = self.read(self.store.block(BlockNumber(height)))? else {
            return Err(self.damaged(height, Damage::BlockMissing));
        };
        let block = self.decode_stored(height, &bytes)?;
        if block.hash() != *hash {
            return Err(self.damaged(height, Damage::HashIndex));
        }
        Ok(Some(block))
    }

    fn decode_stored(&self, height: u64, bytes: &[u8]) -> Result<Block, ChainError> {
        let block = Block::decode(bytes).map_err(|e| self.damaged(height, Damage::BadBlock(e.to_string())))?;
        if block.header.height != height {
            return Err(self.damaged(height, Damage::WrongHeight(BlockNumber(block.header.height))));
        }
        Ok(block)
    }

    /// Receipts and events of the committed block at `height` (checked by the store against
    /// the hash stored with them).
    pub fn receipts_at(&self, height: u64) -> Result<Option<StoredReceipts>, ChainError> {
        let Some(bytes) = self.read(self.store.receipts(BlockNumber(height)))? else { return Ok(None) };
        let stored = StoredReceipts::decode(&mut &bytes[..])
            .map_err(|e| self.damaged(height, Damage::BadReceipts(e.to_string())))?;
        Ok(Some(stored))
    }

    /// Where the finalised transaction `hash` is, checked: the receipt stored at that place
    /// must be this transaction's. Prefer it to [`Store::tx_location`], which is unchecked.
    pub fn tx_location(&self, hash: &Hash) -> Result<Option<TxLocation>, ChainError> {
        let Some(location) = self.read(self.store.tx_location(hash))? else { return Ok(None) };
        let height = location.height.get();
        let receipts = self.receipts_at(height)?;
        let receipt = receipts.as_ref().and_then(|r| r.receipts.get(location.index as usize));
        if receipt.is_none_or(|r| r.tx_hash != *hash) {
            return Err(self.damaged(height, Damage::TxIndex));
        }
        Ok(Some(location))
    }
}

/// A block's ancestry as a Substrate extrinsic's era and signature see it. Committed hashes are
/// read once each (a block may name the same birth block many times).
struct Ancestry<'a> {
    chain: &'a Chain,
    genesis: BlockHash,
    /// Executed, not yet committed blocks of the branch, by height.
    pending: BTreeMap<u64, BlockHash>,
    committed: std::cell::RefCell<BTreeMap<u64, Option<BlockHash>>>,
}

impl<'a> Ancestry<'a> {
    fn new(chain: &'a Chain, pending: BTreeMap<u64, BlockHash>) -> Ancestry<'a> {
        Ancestry { chain, genesis: chain.genesis_block.hash(), pending, committed: Default::default() }
    }
}

impl ChainView for Ancestry<'_> {
    fn genesis_hash(&self) -> [u8; 32] {
        self.genesis
    }

    fn block_hash(&self, height: u64) -> Option<[u8; 32]> {
        if let Some(hash) = self.pending.get(&height) {
            return Some(*hash);
        }
        *self.committed.borrow_mut().entry(height).or_insert_with(|| {
            self.chain.hash_at(height).unwrap_or_else(|e| {
                // Read as unknown (the extrinsic is refused); a store that fails is reported.
                tracing::error!(height, error = %e, "cannot read a block hash");
                None
            })
        })
    }
}

/// What the runtime runs for a block's transactions at `height`.
fn authenticate(envelopes: &[Envelope], ancestry: &Ancestry, height: u64) -> Result<Vec<Transaction>, String> {
    envelopes
        .iter()
        .enumerate()
        .map(|(index, envelope)| {
            envelope.authenticate(ancestry, height).map_err(|refusal| format!("transaction {index}: {refusal}"))
        })
        .collect()
}

fn corrupt(block: &mut Block, misbehavior: Misbehavior) {
    let junk = || {
        let pair = agora_primitives::Pair::from_seed(&[0xbd; 32]);
        let call = agora_runtime::Call::Transfer { dest: pair.public(), amount: agora_primitives::Balance(1) };
        SignedTransaction::sign(&pair, &Hash([0xbd; 32]), 0, call)
    };
    match misbehavior {
        Misbehavior::WrongStateRoot => block.header.state_root = Hash([0xee; 32]),
        Misbehavior::BadTransaction => block.transactions.push(junk().into()),
        Misbehavior::Oversized => {
            let tx = Envelope::Agora(junk());
            block.transactions = vec![tx; MAX_BLOCK_TXS + 1];
        }
    }
    block.header.tx_root = tx_root(&block.transactions);
}

/// Lowercase hex with a `0x` prefix.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Parses `0x`-prefixed (or bare) hex.
pub fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.strip_prefix("0x").unwrap_or(text);
    // Hex digits only (`from_str_radix` alone also takes a sign: "+f").
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}
