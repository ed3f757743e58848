//! Yuma consensus: one pure function from epoch inputs to epoch outputs (no storage, no I/O).
//!
//! Given a subnet's stakes, weights, bonds and hyperparameters at the block an epoch fires,
//! [`epoch`] computes what the reference chain's `epoch_mechanism` computes: activity, stake
//! weights, validator permits, consensus, validator trust, incentive, dividends, the emission
//! split and the new bonds. The runtime gathers the inputs from its state, calls it, and persists
//! and pays out the result. This crate does not read storage, schedule epochs, split emission
//! across mechanisms, pay owner cuts or credit stake: those belong to the runtime. [`math`]
//! exposes the fixed-point helpers the runtime shares (weights max-upscaling for `set_weights`,
//! the `MaxWeightExceeded` check, the legacy root epoch's I64F64 helpers).
//!
//! ```text
//! EpochInput ──► activity, stake (I64F64 → I32F32), permits ──► active stake
//!            ──► weights: permit / self-weight / outdated / commit masks, row-normalise
//!            ──► consensus (stake-weighted median, κ) ──► clip ──► trust, rank ──► incentive
//!            ──► bonds: classic EMA or Yuma3 (liquid alpha) ──► dividends
//!            ──► emission split (I96F32 × E) ──► EpochOutput
//! ```
//!
//! # Guarantees
//!
//! * **Deterministic.** The same input gives the same bytes on every machine: no floating point
//!   (`clippy::float_arithmetic` is denied), no hash maps or clocks (`no_std` + `alloc`), sums in
//!   uid order.
//! * **Bit-exact with the reference** (`opentensor/subtensor` 14bc6f9f,
//!   `pallets/subtensor/src/epoch/run_epoch.rs`): the same fixed-point types from the same crate
//!   (substrate-fixed 0.6: I32F32 ratios with truncating multiplication and division, I64F64 stake
//!   normalisation, I96F32 emission), the same order of operations, division by zero giving zero.
//!   Faster internals (fused passes, reciprocal division, a branch-free median split) are tested
//!   to give the same bits as the plain operations.
//! * **Never panics**, whatever the input. `stake.len()` defines `n` (at most 65535); every other
//!   per-uid vector is padded (zeros, `false`, empty rows, no commit) or truncated to `n`, and
//!   columns `≥ n` are ignored. For state the chain can hold this is the reference's behaviour;
//!   the reference itself only deviates on malformed storage (a `LastUpdate` shorter than `n`,
//!   bonds pointing past `n`) and on sums past the fixed-point range (its checked build panics,
//!   we saturate).
//!
//! The caller supplies what the reference derives from storage: `activity_cutoff` (today
//! `max(1, ⌊ActivityCutoffFactorMilli · tempo / 1000⌋)`), the owner's uid, the earliest pending
//! commit per uid when commit-reveal is on, and stake as inherited alpha plus inherited root
//! stake (combined here with `TaoWeight` exactly as the reference does).
//!
//! # Status
//!
//! Reference-exact for the production path ([`epoch`], classic and Yuma3 bonds) and the dense test
//! variant ([`epoch_dense`]). Backed by the reference's own unit tests, ported in
//! `tests/it/epoch_reference.rs` (`test_bonds`, `test_active_stake`, `test_outdated_weights`,
//! `test_zero_weights`, `test_deregistered_miner_bonds`, `test_validator_permits`, `test_1_graph`,
//! `test_10_graph`, `test_512_graph`, `test_512_graph_random_weights`,
//! `test_can_set_self_weight_as_subnet_owner`, the Yuma3 scenarios `test_yuma_3_*`, the
//! commit-reveal masking tests and the rest of `tests/epoch.rs`; its
//! `test_liquid_alpha_equal_values_against_itself` in `src/bonds/yuma3.rs`) and
//! `tests/it/math_reference.rs` (every fixed-value test of `tests/math.rs` for a function [`math`]
//! exposes), plus property tests in `tests/it/properties.rs` (sparse = dense where the reference's
//! variants agree; emission never exceeds `E`; shapes and ranges). The reference tests that are not
//! ported (runtime concerns such as extrinsic validation and the scheduler, or functions this crate
//! does not have) are listed with the reason in the crate README, section "Not ported".
//!
//! # Example
//!
//! ```
//! use agora_yuma::{EpochInput, EpochParams, epoch};
//!
//! let params = EpochParams {
//!     current_block: 1_000,
//!     tempo: 360,
//!     activity_cutoff: 5_000,
//!     last_mechanism_step_block: 0,
//!     stake_threshold: 0,
//!     tao_weight: 0,
//!     max_allowed_validators: 64,
//!     kappa: 32_767,
//!     bonds_penalty: u16::MAX,
//!     bonds_moving_average: 900_000,
//!     yuma3: false,
//!     liquid_alpha: false,
//!     alpha_low: 45_875,
//!     alpha_high: 58_982,
//!     alpha_sigmoid_steepness: 1_000,
//!     owner_uid: None,
//!     emission: 1_000_000_000,
//! };
//! // Uid 0 validates (stake, permit from the previous epoch) and scores miners 1 and 2.
//! let input = EpochInput {
//!     stake: vec![1_000_000_000_000, 0, 0],
//!     last_update: vec![990, 0, 0],
//!     block_at_registration: vec![0, 0, 0],
//!     validator_permit: vec![true, false, false],
//!     weights: vec![vec![(1, 65_535), (2, 21_845)], vec![], vec![]],
//!     ..EpochInput::default()
//! };
//! let out = epoch(&params, &input);
//! assert_eq!(out.incentive, vec![0, 49_151, 16_383]);
//! assert_eq!(out.dividends, vec![65_535, 0, 0]);
//! let paid: u64 = out.server_emission.iter().chain(&out.validator_emission).sum();
//! assert!(paid <= params.emission);
//! ```
//!
//! # Feature flags
//!
//! None.
#![no_std]
#![deny(clippy::float_arithmetic)]

extern crate alloc;

// Dev-dependencies used by the integration tests and benches only.
#[cfg(test)]
use criterion as _;

mod bonds;
mod dense;
mod emission;
pub mod math;
mod prepare;
mod sparse;
mod types;

pub use dense::epoch_dense;
pub use prepare::total_stake;
pub use sparse::epoch;
pub use substrate_fixed::types::{I32F32, I64F64, I96F32};
pub use types::{EpochInput, EpochOutput, EpochParams, SparseRow};
