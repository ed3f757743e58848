//! The values the runtime APIs return, as SCALE types with the reference's field names, field
//! order and compact encoding (spec substrate-compat §7, §15.1; `opentensor/subtensor:
//! pallets/subtensor/src/rpc_info/*`). The clients decode them structurally through the metadata,
//! so these are the contract; [`crate::apis`] fills them from Agora's state.
//!
//! A `#[codec(compact)]` field is the spec's `C<x>`. Inside containers (`Vec`, `Option`, tuples)
//! the compact wrapper is spelled out as [`parity_scale_codec::Compact`].

mod common;
mod metagraph;
mod neuron;
mod stake;
mod subnet;

pub use common::{AxonInfo, ChainIdentityV2, I32F32, I64F64, I96F32, PrometheusInfo, SubnetIdentityV3, U64F64};
pub use metagraph::{METAGRAPH_FIELDS, Metagraph, SelectiveMetagraph, SubnetState};
pub use neuron::{NeuronInfo, NeuronInfoLite};
pub use stake::{SimSwapResult, StakeInfo, SubnetPrice};
pub use subnet::{DynamicInfo, HyperparamEntry, HyperparamValue};
