//! Runtime integration tests: every call's success and error paths, the emission schedule, an
//! end-to-end economy, and property tests. Each module drives the runtime only through
//! `execute_block`, like the node does.

mod admin;
mod alpha_staking;
mod balances;
mod claim_root;
mod coinbase;
mod common;
mod dynamic;
mod economy;
mod emission;
mod epochs;
mod genesis;
mod harness;
mod networks;
mod properties;
mod registration;
mod root;
mod serving;
mod stake_moves;
mod staking;
mod subnets;
mod transactions;
mod weights;
