//! The text-generation subnet: miners serve a language model, validators score them, the chain
//! pays the best.
//!
//! - [`synapse`]: `TextGeneration` / `TextGenerationStream` on the neuron protocol.
//! - [`miner`]: serves any [`agora_models::TextGenerator`] (the local SmolLM2, an
//!   OpenAI-compatible server, or the adversarial [`backends`]).
//! - [`validator`]: tasks from [`tasks`], scores from [`judge`] and [`scoring`], moving averages
//!   in [`state`], weights on chain.

pub mod backends;
pub mod judge;
pub mod lifecycle;
pub mod miner;
pub mod organic;
pub mod scoring;
pub mod state;
pub mod synapse;
pub mod tasks;
pub mod validator;

pub use judge::{Judge, Judged};
pub use lifecycle::{
    Backend, Callers, MinerError, MinerOptions, RunningMiner, ValidatorOptions, start_miner, start_validator,
};
pub use synapse::{TextGeneration, TextGenerationStream};
pub use validator::{Validator, ValidatorConfig, ValidatorError};

/// The subnet's id on the `/v1/models` list and in logs.
pub const MECHANISM: &str = "agora/text";
