//! Dynamic TAO's economy as pure modules (spec `../shared/spec/dtao.md`, pinned to the
//! reference at `main@14bc6f9f`): each rule the reference has changed in the last year is one
//! module behind a small interface, so the next change is a contained edit.
//!
//! - [`fixed`]: the reference's fixed-point types (`substrate-fixed`, the same crate), `tou64`,
//!   `safe_div`, `Perquintill`.
//! - [`payout`]: the epoch's dividends split between alpha and root pots, takes, miner burn.
//! - [`pow`]: `pow_ratio_scaled`, the power the pool's curve is built on, exact and series paths.
//! - [`balancer`]: the pool curve ([`balancer::Curve`]), the weighted pool pinned.
//! - [`emission`]: the block's TAO by price EMA ([`emission::EmissionShares`]), injection terms, the
//!   alpha-out split and the price EMA.
//! - [`swap`]: a subnet's pool and one swap: fees, caps, limits, bookkeeping.
//! - [`lifecycle`]: a new subnet's pool at the median price; a dissolved subnet's TAO to its stakers.
//! - [`max_amount`]: how much a limit order may take before its price is reached.
//! - [`stake`]: staking as swaps: the checks in the reference's order and what a limit order executes.
//! - [`root_claim`]: root stakers' claimable alpha, watermarks, claim types and auto-claim.
//!
//! Guarantees: no floats, clocks, randomness or hash-map iteration; every function is a pure
//! function of its arguments, so the runtime can call it in consensus. Status: the pool and swap
//! are ported and pinned by the reference's vectors; the runtime uses staking, the coinbase and
//! the epoch payout. Not here yet: the reference's `SafeFloat` share pool (stake is held as plain
//! alpha per (hotkey, coldkey, netuid)), moves and transfers of alpha (issue 17).

pub mod balancer;
pub mod emission;
pub mod fixed;
pub mod lifecycle;
pub mod max_amount;
pub mod payout;
pub mod pow;
pub mod root_claim;
pub mod share_pool;
pub mod stake;
pub mod swap;

pub use balancer::{Balancer, Curve};
pub use swap::{Direction, Mechanism, Pool, SwapError, SwapResult};
