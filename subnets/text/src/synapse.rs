//! The subnet's wire types: `TextGeneration` (one JSON answer) and `TextGenerationStream` (the
//! completion streamed as raw UTF-8 chunks). The conversation is the hashed field, so a
//! signature covers what the miner is asked.

use agora_models::{ChatMessage, FinishReason, GenerationRequest};
use agora_neuron::Synapse;
use serde::{Deserialize, Serialize};

/// A chat completion request and, once answered, its completion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextGeneration {
    /// The conversation (`role`, `content`).
    pub messages: Vec<ChatMessage>,
    /// At most this many new tokens.
    pub max_tokens: u32,
    /// 0 = greedy.
    #[serde(default)]
    pub temperature: f64,
    /// Nucleus mass.
    #[serde(default = "one")]
    pub top_p: f64,
    /// Sampler seed.
    #[serde(default)]
    pub seed: u64,
    /// The answer (filled by the miner).
    #[serde(default)]
    pub completion: Option<String>,
    /// Tokens generated (filled by the miner).
    #[serde(default)]
    pub completion_tokens: Option<u32>,
    /// `stop` or `length` (filled by the miner).
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// The model that answered (filled by the miner).
    #[serde(default)]
    pub model: Option<String>,
}

fn one() -> f64 {
    1.0
}

impl TextGeneration {
    /// A request from a generation request.
    pub fn ask(r: &GenerationRequest) -> TextGeneration {
        TextGeneration {
            messages: r.messages.clone(),
            max_tokens: r.max_tokens,
            temperature: r.temperature,
            top_p: r.top_p,
            seed: r.seed,
            completion: None,
            completion_tokens: None,
            finish_reason: None,
            model: None,
        }
    }

    /// The generation request it carries.
    pub fn request(&self) -> GenerationRequest {
        GenerationRequest {
            messages: self.messages.clone(),
            max_tokens: self.max_tokens,
            temperature: self.temperature,
            top_p: self.top_p,
            seed: self.seed,
        }
    }
}

/// The wire name of a finish reason.
pub fn finish_name(f: FinishReason) -> &'static str {
    match f {
        FinishReason::Stop => "stop",
        FinishReason::Length => "length",
    }
}

impl Synapse for TextGeneration {
    const NAME: &'static str = "TextGeneration";
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["messages"];
}

/// The streaming variant: same request, the completion comes back as a chunked body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextGenerationStream(pub TextGeneration);

impl Synapse for TextGenerationStream {
    const NAME: &'static str = "TextGenerationStream";
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["messages"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use agora_neuron::synapse::body_hash_of_json;

    #[test]
    fn the_conversation_is_hashed_as_python_renders_it() {
        let q = TextGeneration::ask(&GenerationRequest::greedy("Hi 'there'", 8));
        let body = serde_json::to_vec(&q).unwrap();
        let h = body_hash_of_json(&body, TextGeneration::REQUIRED_HASH_FIELDS).unwrap();
        // str([{'role': 'user', 'content': "Hi 'there'"}]) hashed as the SDK does.
        let inner = agora_neuron::synapse::sha3_hex(br#"[{'role': 'user', 'content': "Hi 'there'"}]"#);
        assert_eq!(h, agora_neuron::synapse::sha3_hex(inner.as_bytes()));
        let streamed = serde_json::to_value(TextGenerationStream(q.clone())).unwrap();
        assert_eq!(streamed, serde_json::to_value(&q).unwrap());
    }
}
