//! What happens on finalisation: marshal reports each finalised block, in height order, to the
//! [`Finalizer`]; its task commits the block to the store through [`Chain::finalize`] (which
//! notifies subscribers) and acknowledges it, or halts the node if the block cannot be committed.

use std::sync::Arc;

use commonware_consensus::Reporter;
use commonware_consensus::marshal::Update;
use commonware_runtime::{Clock, Handle, Spawner, Supervisor};
use commonware_utils::Acknowledgement;
use commonware_utils::channel::mpsc;
use tracing::{debug, error};

use super::application::now_ms;
use super::codec::ChainBlock;
use crate::chain::Chain;

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

/// Spawns the task that commits finalised blocks to `chain`; returns the reporter to give marshal.
pub(super) fn start_finalizer<E: Clock + Spawner + Supervisor>(
    context: E,
    chain: Arc<Chain>,
) -> (Finalizer, Handle<()>) {
    let (sender, mut receiver) = mpsc::unbounded_channel::<Update<ChainBlock>>();
    let handle = context.spawn(move |context| async move {
        while let Some(update) = receiver.recv().await {
            let Update::Block(block, ack) = update else { continue };
            let block = block.inner().0.clone();
            match chain.finalize(&block, now_ms(&context)) {
                Ok(Some(head)) => {
                    debug!(height = head.height.get(), "committed");
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
