//! Runtime APIs (`state_call("{Api}_{method}", args)`): their declarations for the metadata and
//! their answers from Agora's state (spec substrate-compat §7, §10, §15.1).
//!
//! Each method is one line of [`table`]'s `methods!`: names and types for the metadata, and the
//! function that answers it. Arguments are the concatenated SCALE encodings of the inputs and
//! must decode exactly (no trailing bytes). An unknown name answers the reference node's exact
//! error text, which the clients' fallbacks look for. An unknown subnet answers `None` or an
//! empty list, as the reference does.
//!
//! On a TAO-era chain values follow §10: alpha is TAO (stake = Agora stake, prices 1e9, swaps are
//! the identity, moving price 1.0, `tao_stake` 0), and emissions are Agora's where it keeps them
//! (per-uid emission, the per-block share, the pending emission), else 0. On a dynamic chain the
//! pool, price, price EMA, volume, last block's injections, pending alpha, swap quotes and the
//! per-uid `alpha_stake` / `tao_stake` / `total_stake` are the chain's own (spec `dtao.md` §7).

mod metadata_api;
mod metagraph;
mod neurons;
mod payment;
mod stakes;
mod subnet_facts;
mod subnets;
mod swap;
mod table;

use frame_metadata::v15::{RuntimeApiMetadata, RuntimeApiMethodMetadata, RuntimeApiMethodParamMetadata};

pub use metadata_api::OpaqueMetadata;
pub use payment::RuntimeDispatchInfo;
pub use table::{API_DOCS, Context, METHODS, Method};

use agora_runtime::storage::StorageRead;

use crate::metadata::ChainConstants;

/// Why a runtime API call has no answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApiError {
    /// No such API method (the reference node's text; the clients match it exactly).
    #[error("Client error: Execution failed: Other: Exported method {0} is not found")]
    NotFound(String),
    /// The arguments do not decode as the method's inputs.
    #[error("Client error: Execution failed: Other: cannot decode the arguments of {0}")]
    BadArguments(String),
}

/// The runtime APIs as declared in the metadata, one entry per API in [`METHODS`] order.
pub fn metadata() -> Vec<RuntimeApiMetadata> {
    let mut apis: Vec<RuntimeApiMetadata> = Vec::new();
    for m in METHODS {
        let method = RuntimeApiMethodMetadata {
            name: m.name,
            inputs: m.inputs.iter().map(|&(name, ty)| RuntimeApiMethodParamMetadata { name, ty: ty() }).collect(),
            output: (m.output)(),
            docs: vec![m.docs],
        };
        match apis.iter_mut().find(|a| a.name == m.api) {
            Some(api) => api.methods.push(method),
            None => {
                let docs = API_DOCS.iter().filter(|(api, _)| *api == m.api).map(|(_, d)| *d).collect();
                apis.push(RuntimeApiMetadata { name: m.api, methods: vec![method], docs });
            }
        }
    }
    apis
}

/// Answers `state_call(name, args)` on `state`: SCALE bytes of the method's output.
pub fn call(name: &str, args: &[u8], state: &dyn StorageRead, chain: ChainConstants) -> Result<Vec<u8>, ApiError> {
    let method = METHODS.iter().find(|m| m.is_called(name)).ok_or_else(|| ApiError::NotFound(name.to_string()))?;
    (method.answer)(args, &Context { state, chain }).ok_or_else(|| ApiError::BadArguments(name.to_string()))
}
