//! The subnet kit: what every Agora subnet shares, so a subnet is its synapse, its tasks, its
//! scorer and its miner backends, and nothing else.
//!
//! - [`validator`]: the round loop ([`Validator`]): metagraph refresh, a random sample of the
//!   miners that serve an axon, the query through the dendrite, the subnet's scores, per-uid
//!   moving averages, saved state, weights through the one weight-preparation path (set, or
//!   committed then revealed). A subnet implements [`SubnetValidator`].
//! - [`state`]: the validator's memory: moving averages with decay, reset when a uid's hotkey
//!   changes, the pending commit; saved atomically after every round.
//! - [`miner`]: the miner lifecycle ([`start_miner`]): registration check, the caller guard, the
//!   axon, its address published on chain, graceful stop.
//! - [`entropy`]: fresh seeds for validators' task makers.
//!
//! # Guarantees
//!
//! - A score is what the subnet's scorer returned, clamped to [0, 1]; a non-finite score is 0.
//! - State survives restarts; a state file of another subnet is refused; a uid whose hotkey
//!   changed starts from 0.
//! - A weights commit is saved before it is sent, so one that lands after a timeout is still
//!   revealed.
//!
//! # Status
//!
//! Used by `agora-text` and `agora-ocr`. `docs/write-a-subnet.md` walks through a new subnet.
//!
//! # Example
//!
//! A subnet's validator part (see `subnets/ocr/src/validator.rs` for a real one):
//!
//! ```no_run
//! use std::time::Duration;
//! use agora_neuron::{Answer, synapse::Ping};
//! use agora_primitives::SplitMix64;
//! use agora_subnet::{Scored, SubnetError, SubnetValidator};
//!
//! struct Liveness;
//!
//! impl SubnetValidator for Liveness {
//!     type Query = Ping;
//!     type Task = ();
//!     fn next_task(&mut self, _round: u64, _rng: &mut SplitMix64) {}
//!     fn query(&self, _task: &()) -> Ping {
//!         Ping {}
//!     }
//!     fn score(&mut self, _: &(), answers: Vec<Answer<Ping>>, _: Duration) -> Result<Vec<Scored>, SubnetError> {
//!         Ok(answers
//!             .iter()
//!             .map(|a| Scored { score: if a.is_success() { 1.0 } else { 0.0 }, reason: a.status_message.clone() })
//!             .collect())
//!     }
//!     fn max_response_bytes(&self) -> usize {
//!         64 * 1024
//!     }
//! }
//! ```

pub mod miner;
pub mod state;
pub mod validator;

pub use agora_neuron::Callers;
pub use miner::{MinerError, RunningMiner, ServeOptions, copycat_target, registered_uid, start_miner};
pub use state::ValidatorState;
pub use validator::{
    LoopConfig, Scored, SubnetError, SubnetValidator, Validator, ValidatorError, check_ranges, sample, weights_every,
};

use agora_primitives::SplitMix64;

/// Fresh entropy for a validator's task maker (not consensus: validators should differ).
pub fn entropy() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut s = SplitMix64::new(t ^ (u64::from(std::process::id()) << 32));
    s.next_u64()
}
