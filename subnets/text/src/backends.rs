//! Miner backends besides the real models: the adversaries a validator must beat. `echo` returns
//! the prompt, `random` returns random words, `copycat` forwards to another miner, `sleep` never
//! answers in time, `huge` answers 50 MB. Each is a `TextGenerator`, so the miner serves them
//! exactly as it serves a model.

use std::sync::Arc;
use std::time::Duration;

use agora_models::sampling::SplitMix64;
use agora_models::{FinishReason, GenerationRequest, ModelError, Piece, PieceStream, TextGenerator};
use agora_neuron::{AxonTarget, Dendrite};
use futures::StreamExt;

use crate::synapse::TextGeneration;

fn once(items: Vec<agora_models::Result<Piece>>) -> PieceStream {
    futures::stream::iter(items).boxed()
}

fn answer(text: String, tokens: u32) -> PieceStream {
    once(vec![Ok(Piece::Text(text)), Ok(Piece::Done { tokens, finish: FinishReason::Stop })])
}

/// Returns the last user message.
pub struct Echo;

impl TextGenerator for Echo {
    fn model_id(&self) -> String {
        "echo".into()
    }

    fn generate_stream(&self, request: GenerationRequest) -> PieceStream {
        let text =
            request.messages.iter().rev().find(|m| m.role == "user").map(|m| m.content.clone()).unwrap_or_default();
        let tokens = (text.split_whitespace().count() as u32).min(request.max_tokens);
        answer(text, tokens)
    }
}

const WORDS: &[&str] = &[
    "apple", "river", "quietly", "seven", "under", "blue", "engine", "paper", "bright", "window", "garden", "swiftly",
    "mountain", "candle", "orbit", "whisper", "table", "golden", "thunder", "pencil", "harbor", "velvet", "falcon",
    "silver", "meadow", "puzzle", "lantern", "copper", "echo", "marble",
];

/// Random words, as many as `max_tokens` allows, different every call.
pub struct RandomText {
    rng: std::sync::Mutex<SplitMix64>,
}

impl RandomText {
    /// Seeded from `seed`.
    pub fn new(seed: u64) -> RandomText {
        RandomText { rng: std::sync::Mutex::new(SplitMix64::new(seed)) }
    }
}

impl TextGenerator for RandomText {
    fn model_id(&self) -> String {
        "random".into()
    }

    fn generate_stream(&self, request: GenerationRequest) -> PieceStream {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let n = request.max_tokens.clamp(1, 16);
        let words: Vec<&str> = (0..n).map(|_| WORDS[(rng.next_u64() % WORDS.len() as u64) as usize]).collect();
        answer(words.join(" "), n)
    }
}

/// Forwards every request to another miner and returns its answer as its own.
pub struct Copycat {
    dendrite: Arc<Dendrite>,
    target: AxonTarget,
    timeout: Duration,
}

impl Copycat {
    /// Copies `target`, signing as `dendrite`'s hotkey.
    pub fn new(dendrite: Arc<Dendrite>, target: AxonTarget, timeout: Duration) -> Copycat {
        Copycat { dendrite, target, timeout }
    }
}

impl TextGenerator for Copycat {
    fn model_id(&self) -> String {
        "copycat".into()
    }

    fn generate_stream(&self, request: GenerationRequest) -> PieceStream {
        let (dendrite, target, timeout) = (self.dendrite.clone(), self.target.clone(), self.timeout);
        futures::stream::once(async move {
            let a = dendrite.call(&target, &TextGeneration::ask(&request), timeout).await;
            match a.synapse.and_then(|s| s.completion.map(|c| (c, s.completion_tokens.unwrap_or(0)))) {
                Some((text, tokens)) => {
                    vec![Ok(Piece::Text(text)), Ok(Piece::Done { tokens, finish: FinishReason::Stop })]
                }
                None => vec![Err(ModelError::Remote(format!("copied miner answered {}", a.status_code)))],
            }
        })
        .flat_map(futures::stream::iter)
        .boxed()
    }
}

/// Never answers within any reasonable timeout.
pub struct Sleep(pub Duration);

impl TextGenerator for Sleep {
    fn model_id(&self) -> String {
        "sleep".into()
    }

    fn generate_stream(&self, _request: GenerationRequest) -> PieceStream {
        let d = self.0;
        futures::stream::once(async move {
            tokio::time::sleep(d).await;
            Ok(Piece::Done { tokens: 0, finish: FinishReason::Length })
        })
        .boxed()
    }
}

/// Answers with `bytes` of text.
pub struct Huge(pub usize);

impl TextGenerator for Huge {
    fn model_id(&self) -> String {
        "huge".into()
    }

    fn generate_stream(&self, request: GenerationRequest) -> PieceStream {
        answer("a".repeat(self.0), request.max_tokens)
    }
}
