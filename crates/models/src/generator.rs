//! The `TextGenerator` interface shared by the local model and remote OpenAI-compatible servers.

use std::pin::Pin;

use futures::Stream;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// One chat message (`role` is `system`, `user` or `assistant`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who speaks.
    pub role: String,
    /// What is said.
    pub content: String,
}

impl ChatMessage {
    /// A message from `role`.
    pub fn new(role: &str, content: impl Into<String>) -> ChatMessage {
        ChatMessage { role: role.to_string(), content: content.into() }
    }
}

/// What to generate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenerationRequest {
    /// The conversation so far.
    pub messages: Vec<ChatMessage>,
    /// At most this many new tokens.
    pub max_tokens: u32,
    /// 0 means greedy decoding.
    pub temperature: f64,
    /// Nucleus sampling mass (1.0 = off).
    pub top_p: f64,
    /// Seed of the sampler; with the same model file, request and seed the output is the same.
    pub seed: u64,
}

impl GenerationRequest {
    /// A greedy request for one user prompt.
    pub fn greedy(prompt: impl Into<String>, max_tokens: u32) -> GenerationRequest {
        GenerationRequest {
            messages: vec![ChatMessage::new("user", prompt)],
            max_tokens,
            temperature: 0.0,
            top_p: 1.0,
            seed: 0,
        }
    }

    /// Refuses requests no backend can serve.
    pub fn check(&self) -> Result<()> {
        use crate::error::ModelError::BadRequest;
        if self.messages.is_empty() {
            return Err(BadRequest("no messages".into()));
        }
        if let Some(m) = self.messages.iter().find(|m| !matches!(m.role.as_str(), "system" | "user" | "assistant")) {
            return Err(BadRequest(format!("unknown role {:?} (system, user or assistant)", m.role)));
        }
        if self.max_tokens == 0 {
            return Err(BadRequest("max_tokens must be at least 1".into()));
        }
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return Err(BadRequest("temperature must be a number ≥ 0".into()));
        }
        if !(self.top_p.is_finite() && self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(BadRequest("top_p must be in (0, 1]".into()));
        }
        Ok(())
    }
}

/// Why generation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// The model ended its answer.
    Stop,
    /// `max_tokens` (or the context) was reached.
    Length,
}

/// A piece of streamed output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// New text (one or more tokens).
    Text(String),
    /// The end, with the number of tokens generated.
    Done {
        /// Tokens generated.
        tokens: u32,
        /// Why it stopped.
        finish: FinishReason,
    },
}

/// A finished generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generation {
    /// The answer.
    pub text: String,
    /// Tokens generated.
    pub tokens: u32,
    /// Why it stopped.
    pub finish: FinishReason,
}

/// Stream of pieces; ends after `Piece::Done` or an error.
pub type PieceStream = Pin<Box<dyn Stream<Item = Result<Piece>> + Send>>;

/// A model that answers chat requests, streaming.
pub trait TextGenerator: Send + Sync + 'static {
    /// The model's id as reported to callers (e.g. `SmolLM2-135M-Instruct-Q8_0`).
    fn model_id(&self) -> String;

    /// Starts generating; pieces arrive as they are produced.
    fn generate_stream(&self, request: GenerationRequest) -> PieceStream;
}

/// Runs `generator` to the end and collects the text.
pub async fn generate(generator: &dyn TextGenerator, request: GenerationRequest) -> Result<Generation> {
    use futures::StreamExt;
    let mut stream = generator.generate_stream(request);
    let mut text = String::new();
    while let Some(piece) = stream.next().await {
        match piece? {
            Piece::Text(t) => text.push_str(&t),
            Piece::Done { tokens, finish } => return Ok(Generation { text, tokens, finish }),
        }
    }
    Err(crate::error::ModelError::Remote("the stream ended without a final piece".into()))
}
