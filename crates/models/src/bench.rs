//! `agora models bench`: one run on the local model, in this process, of what miners and
//! validators spend their time on: prefill, decode, one teacher-forced check, one chat answer,
//! a validator's round of 16 answers, 8 requests decoded together, and the peak memory. Timings are wall clock on whatever
//! threads the process was given.

use std::time::Instant;

use serde::Serialize;

use crate::error::Result;
use crate::generator::GenerationRequest;
use crate::llama::Sequence;
use crate::local::LlamaEngine;

/// Prompt tokens of the prefill measurement.
pub const PREFILL_TOKENS: usize = 64;
/// Tokens decoded one by one after it.
pub const DECODE_TOKENS: usize = 32;
/// Tokens of the teacher-forced check.
pub const CHECK_TOKENS: usize = 60;
/// New tokens of the chat answer.
pub const ANSWER_TOKENS: u32 = 24;
/// Answers in the validator's round: half the honest answer, half each different.
pub const ROUND_ANSWERS: usize = 16;
/// Requests decoded together in the batched measurement.
pub const BATCH: usize = 8;

/// A text long enough to cut every measured prompt from.
const TEXT: &str = "The validators of a subnet send the same task to many miners, read their answers, and \
score each one against what the model itself would say, token by token, with a small tolerance for near ties. \
Miners that copy, echo or invent text fall behind; the honest ones earn the incentive. Every tempo the chain \
turns the validators' weights into emission, and the stake behind each validator decides how much its view \
counts. A user who asks the gateway a question gets the answer of the best miner the validators found.";

/// The chat prompt of the end-to-end measurement (52 tokens once rendered as a chat).
const QUESTION: &str = "In two sentences, explain why a validator checks each miner's answer against its own model instead of trusting it.";

/// One run's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BenchReport {
    /// The model file's stem.
    pub model: String,
    /// Prompt tokens per second over a 64-token prompt.
    pub prefill_tok_s: f64,
    /// Tokens per second decoding 32 tokens one at a time after it.
    pub decode_tok_s: f64,
    /// Tokens per second of 8 requests decoding 32 tokens each together (after their prompts
    /// were fed), all tokens counted.
    pub batch_decode_tok_s: f64,
    /// Milliseconds of one 60-token teacher-forced pass (what a validator runs per answer).
    pub check_ms: f64,
    /// Milliseconds of one chat answer end to end: its prompt's tokens and 24 new ones.
    pub generate_one_ms: f64,
    /// Tokens of that chat prompt.
    pub generate_one_prompt_tokens: usize,
    /// Milliseconds a validator spends on the model for one round of 16 answers to that chat
    /// prompt (8 the greedy answer, 8 that each change one word of it, from the first word to
    /// the last): the round's checks plus the reference answer for answers that do not match,
    /// generated on from what the checks showed of it (MiniLM's embeddings, a few ms, are not
    /// included).
    pub score_round_ms: f64,
    /// The round's checks alone (the prompt once, each distinct answer up to its first
    /// disagreement).
    pub score_round_checks_ms: f64,
    /// The same 16 answers checked one by one with full passes, plus the reference generated
    /// from scratch, as validators did before.
    pub score_round_one_by_one_ms: f64,
    /// Peak resident memory of the process, MB (Linux `VmHWM`; 0 elsewhere).
    pub rss_mb: f64,
    /// Threads a large product was split over ([`crate::inference_threads`]).
    pub threads: usize,
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1_000.0
}

/// Peak resident set of this process in MB, from `/proc/self/status`.
pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1_024.0)
}

impl LlamaEngine {
    /// Measures prefill, decode, a check and a chat answer once each (after one warm-up pass).
    pub fn bench(&mut self) -> Result<BenchReport> {
        let ids = self.tokenizer().encode(TEXT)?;
        let needed = PREFILL_TOKENS.max(CHECK_TOKENS) + DECODE_TOKENS + BATCH;
        let ids: Vec<u32> = ids.iter().copied().cycle().take(needed).collect();
        // Warm-up: first touches of the weights and the allocator.
        self.model.clear();
        self.model.forward(&ids[..8], false)?;

        self.model.clear();
        let start = Instant::now();
        self.model.forward(&ids[..PREFILL_TOKENS], false)?;
        let prefill_ms = ms(start);
        let start = Instant::now();
        for &id in &ids[PREFILL_TOKENS..PREFILL_TOKENS + DECODE_TOKENS] {
            self.model.forward(&[id], false)?;
        }
        let decode_ms = ms(start);

        let mut sequences: Vec<Sequence> = vec![Sequence::default(); BATCH];
        for (i, sequence) in sequences.iter_mut().enumerate() {
            self.model.forward_sequence(sequence, &ids[i..i + PREFILL_TOKENS / 2], false)?;
        }
        let start = Instant::now();
        for step in 0..DECODE_TOKENS {
            let tokens: Vec<u32> = (0..BATCH).map(|i| ids[PREFILL_TOKENS / 2 + i + step]).collect();
            let mut batch: Vec<&mut Sequence> = sequences.iter_mut().collect();
            self.model.forward_many(&mut batch, &tokens)?;
        }
        let batch_decode_ms = ms(start);
        drop(sequences);

        self.model.clear();
        let start = Instant::now();
        self.model.forward(&ids[..CHECK_TOKENS], true)?;
        let check_ms = ms(start);

        let request = GenerationRequest::greedy(QUESTION, ANSWER_TOKENS);
        let prompt_tokens = self.prompt_tokens(&request.messages)?.len();
        let start = Instant::now();
        let honest = self.generate(&request, |_| true)?.text;
        let generate_one_ms = ms(start);

        let answers = round_answers(&honest);
        let round: Vec<(&str, bool)> = answers.iter().map(|a| (a.as_str(), false)).collect();
        let start = Instant::now();
        let checked = self.check_answers(&request.messages, &round, crate::local::DEFAULT_TIE_TOLERANCE)?;
        let score_round_checks_ms = ms(start);
        if checked.checks.iter().any(|c| c.as_ref().map_or(true, |c| c.agreement() < 1.0)) {
            self.greedy_ids_from(&request.messages, ANSWER_TOKENS, &checked.draft)?;
        }
        let score_round_ms = ms(start);
        let start = Instant::now();
        for (answer, stopped) in &round {
            self.check_answer(&request.messages, answer, *stopped, crate::local::DEFAULT_TIE_TOLERANCE)?;
        }
        self.greedy_ids(&request.messages, ANSWER_TOKENS)?;
        let score_round_one_by_one_ms = ms(start);

        Ok(BenchReport {
            model: self.model_id().to_string(),
            prefill_tok_s: PREFILL_TOKENS as f64 / (prefill_ms / 1_000.0),
            decode_tok_s: DECODE_TOKENS as f64 / (decode_ms / 1_000.0),
            batch_decode_tok_s: (BATCH * DECODE_TOKENS) as f64 / (batch_decode_ms / 1_000.0),
            check_ms,
            generate_one_ms,
            generate_one_prompt_tokens: prompt_tokens,
            score_round_ms,
            score_round_checks_ms,
            score_round_one_by_one_ms,
            rss_mb: peak_rss_mb(),
            threads: crate::inference_threads(),
        })
    }
}

/// The round: `honest` eight times, then eight answers that each replace one of its words with
/// "however", the k-th at word `k · words / 8` (wrong from the start to wrong near the end).
fn round_answers(honest: &str) -> Vec<String> {
    let words: Vec<&str> = honest.split(' ').collect();
    let mut answers = vec![honest.to_string(); ROUND_ANSWERS / 2];
    for k in 0..ROUND_ANSWERS / 2 {
        let at = k * words.len() / (ROUND_ANSWERS / 2);
        let changed: Vec<&str> = words.iter().enumerate().map(|(i, w)| if i == at { "however" } else { w }).collect();
        answers.push(changed.join(" "));
    }
    answers
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_round_has_eight_honest_answers_and_eight_different_ones() {
        let answers = super::round_answers("one two three four five six seven eight nine ten");
        assert_eq!(answers.len(), 16);
        assert!(answers[..8].iter().all(|a| a == "one two three four five six seven eight nine ten"));
        assert_eq!(answers[8], "however two three four five six seven eight nine ten");
        assert_eq!(answers[15], "one two three four five six seven eight however ten");
        let distinct: std::collections::BTreeSet<&String> = answers[8..].iter().collect();
        assert_eq!(distinct.len(), 8);
    }
}
