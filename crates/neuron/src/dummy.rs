//! The reference subnet template's example protocol: `Dummy { dummy_input: int, dummy_output:
//! Optional[int] }`; a miner answers `2 * dummy_input`.

use std::net::SocketAddr;

use agora_primitives::{NetUid, Pair};
use serde::{Deserialize, Serialize};

use crate::guard::Callers;
use crate::synapse::Synapse;
use crate::{Axon, AxonConfig, RunningAxon};

/// The template's `Dummy` synapse (same name, fields and types, so Python neurons talk to it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dummy {
    /// The query.
    pub dummy_input: i64,
    /// The miner's answer.
    #[serde(default)]
    pub dummy_output: Option<i64>,
}

impl Synapse for Dummy {
    const NAME: &'static str = "Dummy";
    // The template declares no hashed fields: its body hash is that of the empty string.
    const REQUIRED_FIELDS: &'static [(&'static str, &'static str)] = &[("dummy_input", "0")];
}

/// The honest miner's answer.
pub fn answer(mut q: Dummy) -> Dummy {
    q.dummy_output = q.dummy_input.checked_mul(2);
    q
}

/// Serves the template's `Dummy` synapse on `addr` with `pair`'s hotkey, admitting `callers`
/// (checked against `netuid`'s metagraph from `endpoint`): the dummy miner's whole start in one
/// call. Call inside a tokio runtime; stop with [`RunningAxon::stop`].
pub async fn start_miner(
    pair: Pair,
    addr: SocketAddr,
    workers: usize,
    callers: &Callers,
    endpoint: &str,
    netuid: NetUid,
) -> Result<RunningAxon, DummyMinerError> {
    let guard = callers.guard(endpoint, netuid)?;
    let mut axon = Axon::new(pair, AxonConfig { workers, ..AxonConfig::default() }).guard(guard);
    axon.attach(|q: Dummy, _| async move { Ok(answer(q)) });
    axon.serve(addr).await.map_err(|source| DummyMinerError::Listen { addr, source })
}

/// Why a dummy miner did not start.
#[derive(Debug, thiserror::Error)]
pub enum DummyMinerError {
    /// The caller guard could not reach the chain.
    #[error(transparent)]
    Chain(#[from] agora_client::ClientError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
