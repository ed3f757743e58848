//! Token counts for `usage` and `finish_reason`, with the subnet's pinned model's tokenizer
//! (SmolLM2's byte-level BPE, read from the GGUF file's metadata: no weights are loaded).
//!
//! The prompt is counted as a miner's model sees it: the chat template rendered
//! ([`agora_models::chat::render_chat`]: the default system prompt when the request has none,
//! each message in ChatML, the assistant's header). The completion is the answer's text
//! re-tokenized: a miner's own count is not trusted, and a streamed answer carries none.

use std::path::Path;
use std::sync::Arc;

use agora_models::chat::ChatTokenizer;
use agora_models::{ChatMessage, ModelError};

/// SmolLM2's tokenizer, shared by every request (cheap to clone).
#[derive(Clone)]
pub struct TokenCounter {
    tokenizer: Arc<ChatTokenizer>,
}

impl std::fmt::Debug for TokenCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCounter").field("vocab", &self.tokenizer.vocab_size()).finish()
    }
}

impl TokenCounter {
    /// Counts with `tokenizer`.
    pub fn new(tokenizer: ChatTokenizer) -> TokenCounter {
        TokenCounter { tokenizer: Arc::new(tokenizer) }
    }

    /// The tokenizer of the GGUF file at `path` (its metadata only).
    pub fn load(path: &Path) -> Result<TokenCounter, ModelError> {
        Ok(TokenCounter::new(ChatTokenizer::load(path)?))
    }

    /// Tokens of the rendered chat prompt for `messages`.
    pub fn prompt(&self, messages: &[ChatMessage]) -> Result<u32, ModelError> {
        Ok(saturate(self.tokenizer.count_prompt(messages)?))
    }

    /// Tokens of an answer's text.
    pub fn completion(&self, text: &str) -> Result<u32, ModelError> {
        Ok(saturate(self.tokenizer.count(text)?))
    }

    /// [`TokenCounter::prompt`] off the async threads (a prompt may be megabytes); `None` when
    /// the tokenizer fails.
    pub(crate) async fn prompt_off_thread(&self, messages: Vec<ChatMessage>) -> Option<u32> {
        let me = self.clone();
        off_thread(move || me.prompt(&messages)).await
    }

    /// [`TokenCounter::completion`] off the async threads; `None` when the tokenizer fails.
    pub(crate) async fn completion_off_thread(&self, text: String) -> Option<u32> {
        let me = self.clone();
        off_thread(move || me.completion(&text)).await
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

async fn off_thread(f: impl FnOnce() -> Result<u32, ModelError> + Send + 'static) -> Option<u32> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(n)) => Some(n),
        Ok(Err(e)) => {
            tracing::warn!("token count unavailable: {e}");
            None
        }
        Err(e) => {
            tracing::warn!("token count unavailable: {e}");
            None
        }
    }
}
