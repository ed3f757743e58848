//! The text-generation subnet: `TextGeneration` synapse, miner, validator (tasks, scoring, weights).
//!
//! The text-generation subnet: miners serve a language model, validators score them, the chain pays the best.
//!
//! - [`synapse`]: `TextGeneration` / `TextGenerationStream` on the neuron protocol.
//! - [`miner`]: serves any [`agora_models::TextGenerator`] (the local SmolLM2, an
//!   OpenAI-compatible server, or the adversarial [`backends`]).
//! - [`validator`]: tasks from [`tasks`], scores from [`judge`] and [`scoring`], moving averages
//!   in [`state`], weights on chain.
//! - [`lifecycle`]: a miner ([`start_miner`]) or a validator ([`start_validator`]) from start to
//!   stop, one call each.
//!
//! # Guarantees
//!
//! - Scores depend only on the answer, the task and the pinned models (teacher-forced check, MiniLM
//!   similarity), never on what a miner claims about itself.
//! - Validator state survives restarts and is reset for a uid whose hotkey changed.
//!
//! # Status
//!
//! One model (SmolLM2-135M); the subnet kit that other subnets will share is a later issue.

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

pub use agora_neuron::Callers;
pub use judge::{Judge, Judged};
pub use lifecycle::{Backend, MinerError, MinerOptions, RunningMiner, ValidatorOptions, start_miner, start_validator};
pub use synapse::{TextGeneration, TextGenerationStream};
pub use validator::{Validator, ValidatorConfig, ValidatorError};

/// The subnet's id on the `/v1/models` list and in logs.
pub const MECHANISM: &str = "agora/text";
