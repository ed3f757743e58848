//! Bonds and dividends (spec §3.2 steps 9–10).
//!
//! * `classic` — the production classic path, fused into a few passes over the matrices;
//! * `yuma3` — Yuma3 bond updates (liquid alpha), shared by the sparse and dense variants.

mod classic;
mod yuma3;

pub(crate) use classic::classic_sparse;
pub(crate) use yuma3::{yuma3_dense, yuma3_sparse};
