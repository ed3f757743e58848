//! Scenario runner over the real runtime, JSON results and charts.
//!
//! Subnet owners want to know what an incentive design pays before deploying it. `agora-sim` runs
//! a scripted subnet (see [`scenario`] for the format) through `agora-runtime` itself: genesis,
//! real signed `set_weights` calls with every on-chain check, pruning-style re-registration, bonds
//! reset, and Yuma epochs computed by `agora-yuma`. There is no second model to drift from the
//! chain.
//!
//! # Guarantees
//!
//! - **Same engine as the chain**: every number comes from `agora_runtime` state after the step.
//! - **Deterministic**: the same scenario gives the same JSON bytes on every run and machine.
//! - **Clear failures**: a bad scenario or a failing call is one [`SimError`] line naming the
//!   problem (the CLI exits 2); nothing panics on input.
//!
//! # Status
//!
//! Complete for the TAO-era runtime. Dynamic TAO: pools, stakes as swaps with limits, real blocks
//! and the swap harness step (`scenarios/dtao/`); stake moves and root claims are not yet there.
//! Shipped scenarios live in the repository's `scenarios/`.
//!
//! # Example
//!
//! ```
//! let scenario = agora_sim::Scenario::from_json(r#"{
//!     "hyperparameters": {"tempo": 1, "yuma3": false, "commit_reveal": false, "max_allowed_uids": 8},
//!     "emission": 1000000000,
//!     "neurons": [{"stake": 1000000000}, {"stake": 0}],
//!     "steps": [{"epoch": {}}, {"set_weights": {"uid": 0, "weights": [[1, 65535]]}}, {"epoch": {}}]
//! }"#).unwrap();
//! let result = agora_sim::run(&scenario).unwrap();
//! assert_eq!(result.epochs.len(), 2);
//! assert_eq!(result.epochs[1].incentive[1], 65535);
//! ```
//!
//! # Feature flags
//!
//! None.

pub mod chart;
mod error;
pub mod output;
pub mod runner;
pub mod scenario;

pub use error::SimError;
pub use runner::{EpochRecord, SimResult, run};
pub use scenario::{Scenario, Step};
