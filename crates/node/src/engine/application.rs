//! The application behind simplex: [`App`] proposes blocks and verifies proposals with the
//! runtime through [`Chain`], first replaying any certified ancestors this node has not executed
//! yet. Simplex reaches it through marshal's `Inline` wrapper (automaton, relay and reporter).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, UNIX_EPOCH};

use commonware_consensus::marshal::ancestry::Ancestry;
use commonware_consensus::simplex::types::Context as SimplexContext;
use commonware_cryptography::Digested;
use commonware_cryptography::ed25519::PublicKey;
use commonware_cryptography::sha256::Digest;
use commonware_runtime::{Clock, Metrics, Spawner};
use futures::StreamExt;
use tracing::{debug, warn};

use super::codec::{ChainBlock, digested};
use super::identity::Scheme;
use crate::block::Block;
use crate::chain::Chain;

/// Most unfinalised ancestors a validator replays to vote on a proposal.
const MAX_CATCH_UP: u64 = 64;

/// Wall-clock time of `clock` in milliseconds since the Unix epoch (0 before it).
pub(super) fn now_ms(clock: &impl Clock) -> u64 {
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
    /// The application of validator `me` over `chain`.
    pub(super) fn new(chain: Arc<Chain>, me: PublicKey) -> Self {
        App { chain, me }
    }

    /// Makes sure the state after `first` (the newest block of `ancestry`'s chain) is available,
    /// executing the certified ancestors this node has not seen yet. `false` if impossible.
    async fn catch_up(&self, first: Digested<ChainBlock>, ancestry: &mut impl Ancestry<ChainBlock>) -> bool {
        let mut missing = Vec::new();
        let mut cursor = first;
        self.chain.metrics().seen_height.fetch_max(cursor.inner().0.header.height, Ordering::Relaxed);
        // Far behind: let marshal's backfill finalise the gap instead of replaying it here.
        if cursor.inner().0.header.height > self.chain.head().height.get() + MAX_CATCH_UP {
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
        self.chain.metrics().seen_height.fetch_max(block.header.height, Ordering::Relaxed);
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
