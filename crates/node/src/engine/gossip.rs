//! Transaction gossip on its own p2p channel: transactions admitted over RPC go to every peer,
//! and transactions from peers are decoded and submitted to the mempool through [`Chain`].

use std::sync::Arc;

use commonware_cryptography::ed25519::PublicKey;
use commonware_p2p::{Receiver, Recipients, Sender};
use commonware_runtime::{Handle, Spawner, Supervisor};
use commonware_utils::channel::mpsc;
use tracing::debug;

use crate::chain::{Chain, Gossip};

/// Transaction gossip: admitted RPC transactions go to every peer; transactions from peers are
/// admitted (and not forwarded again: the validator set is fully connected).
pub(super) fn start_gossip<E, S, R>(
    context: E,
    chain: Arc<Chain>,
    (mut sender, mut receiver): (S, R),
) -> (Gossip, Handle<()>)
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
                    match crate::block::Envelope::from_gossip(message.as_ref()) {
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
