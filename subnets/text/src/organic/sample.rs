//! Whether a request may be a sample, and a line of the file as a task.

use agora_models::{ChatMessage, GenerationRequest};

use super::{LineIn, MAX_KEY_ID_BYTES, MAX_LINE_BYTES, MAX_NEW_TOKENS, MAX_SAMPLE_MESSAGES, MAX_SAMPLE_TEXT_BYTES};
use crate::tasks::Task;

/// Why a request is not sampled, or a line of the file is not used as a task.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unfit {
    /// No message at all.
    #[error("no messages")]
    NoMessages,
    /// More than [`MAX_SAMPLE_MESSAGES`] messages.
    #[error("{0} messages (at most {MAX_SAMPLE_MESSAGES})")]
    TooManyMessages(usize),
    /// More than [`MAX_SAMPLE_TEXT_BYTES`] of text.
    #[error("{0} bytes of text (at most {MAX_SAMPLE_TEXT_BYTES})")]
    TooMuchText(usize),
    /// A role other than `system`, `user` or `assistant`.
    #[error("a message's role is not system, user or assistant")]
    Role,
    /// The last message is not the user's: there is nothing to answer.
    #[error("the last message is not the user's")]
    LastNotUser,
    /// The user's last message is empty or only spaces.
    #[error("the user's last message is blank")]
    BlankPrompt,
    /// `max_tokens` is 0 or more than [`MAX_NEW_TOKENS`].
    #[error("max_tokens {0} is not 1 to {MAX_NEW_TOKENS}")]
    MaxTokens(u32),
    /// The key id is longer than [`MAX_KEY_ID_BYTES`].
    #[error("a key id of {0} bytes (at most {MAX_KEY_ID_BYTES})")]
    KeyId(usize),
    /// The line is longer than [`MAX_LINE_BYTES`].
    #[error("a line of more than {MAX_LINE_BYTES} bytes")]
    LineTooLong,
    /// The line is not a sample's JSON.
    #[error("not a sample: {0}")]
    NotJson(String),
}

/// Checks that a request may be sampled (and, read back, used as a task): the limits of
/// [`super`], checked before anything is copied.
pub fn check_sample(key: &str, messages: &[ChatMessage], max_tokens: u32) -> Result<(), Unfit> {
    if key.len() > MAX_KEY_ID_BYTES {
        return Err(Unfit::KeyId(key.len()));
    }
    if messages.len() > MAX_SAMPLE_MESSAGES {
        return Err(Unfit::TooManyMessages(messages.len()));
    }
    let text: usize = messages.iter().map(|m| m.content.len()).sum();
    if text > MAX_SAMPLE_TEXT_BYTES {
        return Err(Unfit::TooMuchText(text));
    }
    if messages.iter().any(|m| !matches!(m.role.as_str(), "system" | "user" | "assistant")) {
        return Err(Unfit::Role);
    }
    match messages.last() {
        None => return Err(Unfit::NoMessages),
        Some(m) if m.role != "user" => return Err(Unfit::LastNotUser),
        Some(m) if m.content.trim().is_empty() => return Err(Unfit::BlankPrompt),
        Some(_) => {}
    }
    if !(1..=MAX_NEW_TOKENS).contains(&max_tokens) {
        return Err(Unfit::MaxTokens(max_tokens));
    }
    Ok(())
}

/// A line of the file (without its newline) as a greedy task of at most `max_tokens`, with the
/// id of the key that sent it.
pub(super) fn task_from_line(line: &[u8], max_tokens: u32, seed: u64) -> Result<(String, Task), Unfit> {
    if line.len() > MAX_LINE_BYTES {
        return Err(Unfit::LineTooLong);
    }
    let l: LineIn = serde_json::from_slice(line).map_err(|e| Unfit::NotJson(e.to_string()))?;
    check_sample(&l.key, &l.messages, l.max_tokens)?;
    let prompt = l.messages.last().map(|m| m.content.clone()).ok_or(Unfit::NoMessages)?;
    let request = GenerationRequest {
        messages: l.messages,
        max_tokens: l.max_tokens.clamp(1, max_tokens.max(1)),
        temperature: 0.0,
        top_p: 1.0,
        seed,
    };
    debug_assert!(request.check().is_ok(), "check_sample covers GenerationRequest::check");
    Ok((l.key, Task { prompt, request }))
}
