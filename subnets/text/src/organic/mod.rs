//! Organic traffic in scoring: the gateway appends a sample of users' requests to a JSON-lines
//! file, and a validator reading that file uses new lines as tasks (asked greedily and judged like
//! any task), in place of some of its synthetic tasks so miners cannot tell the two apart.
//!
//! Whoever sends requests through the gateway chooses what is sampled, so every step is bounded:
//!
//! - **What is sampled** ([`check_sample`]): at most [`MAX_SAMPLE_MESSAGES`] messages holding
//!   at most [`MAX_SAMPLE_TEXT_BYTES`] of text, the last one the user's and not blank, roles
//!   `system`, `user` or `assistant`, `max_tokens` from 1 to [`MAX_NEW_TOKENS`]. Anything else
//!   is skipped whole, never cut into a different task.
//! - **Who is sampled** ([`OrganicWriter`]): one request in `every` per API key, and at most
//!   [`SAMPLES_PER_KEY_PER_MINUTE`] per key in any minute. The file names the key by an id
//!   (never the secret).
//! - **How much disk** ([`OrganicWriter`]): before the file would pass [`ROTATE_BYTES`] it is
//!   renamed to `<file>.1` (replacing the previous one) and a new one is started: at most twice
//!   [`ROTATE_BYTES`] on disk.
//! - **How many tasks** ([`OrganicReader`]): at most one round in [`ORGANIC_ROUND_EVERY`] asks
//!   an organic task, and the organic tasks of two organic rounds in a row never come from the
//!   same key. Every line is checked again as a task before use ([`check_sample`], lines of
//!   more than [`MAX_LINE_BYTES`] skipped unparsed), and the validator also checks that the
//!   prompt fits its model ([`crate::Judge::fits`]).
//! - **How much memory** ([`OrganicReader`]): each read takes at most the newest
//!   [`READ_WINDOW_BYTES`] written since the last one; older new lines are passed over.
//!
//! # Format
//!
//! One JSON object per line: `{"key": "key-…", "messages": [{"role": "user", "content": "…"}],
//! "max_tokens": 64}`. A line without `key` counts as the anonymous key `""`.

mod reader;
mod sample;
mod writer;

pub use agora_models::local::MAX_NEW_TOKENS;
pub use reader::{OrganicReader, is_organic_round};
pub use sample::{Unfit, check_sample};
pub use writer::{OrganicError, OrganicWriter, Sampled};

/// Most bytes of message text (all contents together) in a sample: 8 KiB, a long prompt by hand
/// but nowhere near a file or a flood.
pub const MAX_SAMPLE_TEXT_BYTES: usize = 8 * 1024;

/// Most messages in a sample.
pub const MAX_SAMPLE_MESSAGES: usize = 16;

/// Longest key id written or accepted (the gateway's ids are 20 bytes).
pub const MAX_KEY_ID_BYTES: usize = 64;

/// Longest line of the file: a sample at every limit, JSON-escaped (six bytes a character at
/// worst), stays below it. A longer line is skipped without being parsed.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The file is rotated to `<file>.1` before it would pass this size (4 MiB).
pub const ROTATE_BYTES: u64 = 4 * 1024 * 1024;

/// Samples written per API key in any 60 seconds.
pub const SAMPLES_PER_KEY_PER_MINUTE: usize = 6;

/// One validator round in this many asks an organic task (when there is a usable one).
pub const ORGANIC_ROUND_EVERY: u64 = 4;

/// Most bytes a reader reads per call: the newest part of what was written since the last call.
pub const READ_WINDOW_BYTES: u64 = 256 * 1024;

/// One line of the file, as written.
#[derive(serde::Serialize)]
struct LineOut<'a> {
    key: &'a str,
    messages: &'a [agora_models::ChatMessage],
    max_tokens: u32,
}

/// One line of the file, as read.
#[derive(serde::Deserialize)]
struct LineIn {
    #[serde(default)]
    key: String,
    messages: Vec<agora_models::ChatMessage>,
    max_tokens: u32,
}

#[cfg(test)]
mod tests;
