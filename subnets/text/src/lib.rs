//! The text-generation subnet: `TextGeneration` synapse, miner, validator (tasks, scoring, weights).
//!
//! The text-generation subnet: miners serve a language model, validators score them, the chain pays the best.
//!
//! - [`synapse`]: `TextGeneration` / `TextGenerationStream` on the neuron protocol.
//! - [`miner`]: serves any [`agora_models::TextGenerator`] (the local SmolLM2, an
//!   OpenAI-compatible server, or the adversarial [`backends`]).
//! - [`validator`]: tasks from [`tasks`], scores from [`judge`] and [`scoring`], run by the
//!   subnet kit's loop ([`agora_subnet::Validator`]: moving averages in [`state`], weights on
//!   chain).
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
//! One model (SmolLM2-135M). Built on the subnet kit (`agora-subnet`), as `agora-ocr` is.
//!
//! # Example
//!
//! ```no_run
//! use agora_models::ModelPaths;
//! use agora_primitives::{NetUid, Pair};
//! use agora_text::{Backend, Callers, MinerOptions, ServeOptions, start_miner};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The miner's registered hotkey (from its wallet in practice).
//! let hotkey = Pair::from_seed(&[7; 32]);
//! let options = MinerOptions {
//!     serve: ServeOptions {
//!         endpoint: "http://127.0.0.1:30301".into(),
//!         netuid: NetUid(1),
//!         listen: "0.0.0.0:8091".parse()?,
//!         external_ip: None,
//!         callers: Callers::Subnet { min_stake_tao: 0.0, require_permit: true },
//!         no_publish: false,
//!         workers: 4,
//!     },
//!     backend: Backend::Local,
//!     openai_model: "default".into(),
//!     openai_key_env: None,
//!     models: ModelPaths::resolve(None),
//! };
//! // Fetches and loads SmolLM2, serves the axon and publishes its address on chain.
//! let miner = start_miner(options, hotkey).await?;
//! println!("uid {:?} serving {} at {}", miner.uid, miner.model, miner.external);
//! tokio::signal::ctrl_c().await?;
//! miner.stop().await?;
//! # Ok(())
//! # }
//! ```

pub mod backends;
pub mod judge;
pub mod lifecycle;
pub mod miner;
pub mod organic;
pub mod scoring;
pub mod synapse;
pub mod tasks;
pub mod validator;

pub use agora_neuron::Callers;
pub use agora_subnet::ServeOptions;
pub use agora_subnet::state;
pub use judge::{Judge, Judged};
pub use lifecycle::{Backend, MinerError, MinerOptions, RunningMiner, ValidatorOptions, start_miner, start_validator};
pub use synapse::{TextGeneration, TextGenerationStream};
pub use validator::{TextRounds, Validator, ValidatorError};

/// The subnet's id on the `/v1/models` list and in logs.
pub const MECHANISM: &str = "agora/text";
