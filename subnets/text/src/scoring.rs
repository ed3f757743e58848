//! How an answer becomes a score in [0, 1]. Pure functions over what was observed (status,
//! latency, text) and the evidence the judge gathered (teacher-forced agreement with the pinned
//! model, MiniLM similarities), so they can be tested on fixed answers.
//!
//! - Inadmissible answers score 0: no answer (timeouts, refusals, oversized bodies the dendrite
//!   dropped), empty text, text far longer than `max_tokens` allows, a token count over the limit.
//! - Quality: the answer the pinned model gives (agreeing prefix ≥ [`EXACT`]) scores its
//!   agreement. Other answers are compared with the validator's own reference answer by
//!   embedding similarity, capped at [`SEMANTIC_MAX`] so another model can earn but not beat the
//!   pinned one; an answer closer to the prompt than to the reference (an echo) scores 0.
//! - Latency: quality × (0.8 + 0.2 × (1 − latency / timeout)), so a copycat that forwards to
//!   another miner scores below the miner it copies.

/// Agreement (share of the answer in the model's greedy prefix) that counts as the pinned
/// model's answer.
pub const EXACT: f64 = 0.9;
/// Best score an answer that is not the pinned model's can reach.
pub const SEMANTIC_MAX: f64 = 0.7;
/// Similarity to the reference at or below which a different answer earns nothing.
pub const SIMILARITY_FLOOR: f32 = 0.5;
/// Similarity to the reference at which a different answer earns [`SEMANTIC_MAX`].
pub const SIMILARITY_FULL: f32 = 0.9;
/// Tokens an answer may differ by when the validator re-tokenises its text.
pub const TOKEN_SLACK: usize = 2;
/// Share of the score that depends on latency.
pub const LATENCY_SHARE: f64 = 0.2;

/// What came back from one miner.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// Dendrite status (200 = answered).
    pub status: u16,
    /// Seconds from request to answer.
    pub latency: f64,
    /// The completion.
    pub completion: Option<String>,
    /// Tokens the miner says it generated.
    pub completion_tokens: Option<u32>,
    /// `stop` or `length`.
    pub finish_reason: Option<String>,
}

/// Why an answer scored 0 without being judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The miner did not answer (status).
    NoAnswer(u16),
    /// Empty or blank completion.
    Empty,
    /// More text than `max_tokens` could produce.
    Oversized(usize),
    /// More tokens than allowed.
    TooManyTokens(u32),
    /// A required field is missing or invalid.
    Malformed(&'static str),
}

/// Longest completion accepted, in bytes, for `max_tokens` (a token is rarely over 16 bytes).
pub fn max_completion_bytes(max_tokens: u32) -> usize {
    max_tokens as usize * 16 + 64
}

/// The text to judge, or why there is none.
pub fn admissible(o: &Observed, max_tokens: u32) -> Result<&str, Rejection> {
    if o.status != 200 {
        return Err(Rejection::NoAnswer(o.status));
    }
    let text = o.completion.as_deref().unwrap_or("");
    if text.trim().is_empty() {
        return Err(Rejection::Empty);
    }
    if text.len() > max_completion_bytes(max_tokens) {
        return Err(Rejection::Oversized(text.len()));
    }
    if let Some(n) = o.completion_tokens
        && n > max_tokens
    {
        return Err(Rejection::TooManyTokens(n));
    }
    if !matches!(o.finish_reason.as_deref(), Some("stop" | "length")) {
        return Err(Rejection::Malformed("finish_reason must be \"stop\" or \"length\""));
    }
    Ok(text)
}

/// What the judge found out about an admissible answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// Teacher-forced agreement with the pinned model (agreeing prefix / positions).
    pub agreement: f64,
    /// Cosine similarity to the validator's reference answer (when computed).
    pub similarity_to_reference: Option<f32>,
    /// Cosine similarity to the prompt (when computed).
    pub similarity_to_prompt: Option<f32>,
}

/// Quality in [0, 1] from the evidence.
pub fn quality(e: &Evidence) -> f64 {
    let agreement = if e.agreement.is_finite() { e.agreement.clamp(0.0, 1.0) } else { 0.0 };
    if agreement >= EXACT {
        return agreement;
    }
    let semantic = match (e.similarity_to_reference, e.similarity_to_prompt) {
        (Some(r), Some(p)) if r.is_finite() && p.is_finite() && r > p => {
            let t = ((r - SIMILARITY_FLOOR) / (SIMILARITY_FULL - SIMILARITY_FLOOR)).clamp(0.0, 1.0);
            SEMANTIC_MAX * f64::from(t)
        }
        _ => 0.0,
    };
    // No credit for a partly agreeing prefix as such: the model's first words are cheap to send
    // (a two-token answer would earn most of its agreement); a partial answer earns what its
    // meaning earns.
    semantic
}

/// The final score: quality, discounted by latency.
pub fn score(quality: f64, latency: f64, timeout: f64) -> f64 {
    let speed = if timeout > 0.0 && latency.is_finite() { 1.0 - (latency / timeout).clamp(0.0, 1.0) } else { 0.0 };
    (quality * ((1.0 - LATENCY_SHARE) + LATENCY_SHARE * speed)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(text: &str, latency: f64) -> Observed {
        Observed {
            status: 200,
            latency,
            completion: Some(text.into()),
            completion_tokens: Some(10),
            finish_reason: Some("stop".into()),
        }
    }

    fn ev(agreement: f64, r: Option<f32>, p: Option<f32>) -> Evidence {
        Evidence { agreement, similarity_to_reference: r, similarity_to_prompt: p }
    }

    #[test]
    fn inadmissible_answers_are_refused_with_a_reason() {
        let timeout = Observed { status: 408, completion: None, ..answered("", 12.0) };
        assert_eq!(admissible(&timeout, 24), Err(Rejection::NoAnswer(408)));
        // The dendrite answers 422 for a 50 MB body; it never reaches the judge.
        assert_eq!(admissible(&Observed { status: 422, ..answered("x", 1.0) }, 24), Err(Rejection::NoAnswer(422)));
        assert_eq!(admissible(&answered("  \n", 0.1), 24), Err(Rejection::Empty));
        let long = "word ".repeat(200);
        assert_eq!(admissible(&answered(&long, 0.1), 24), Err(Rejection::Oversized(1000)));
        let greedy = Observed { completion_tokens: Some(25), ..answered("ok", 0.1) };
        assert_eq!(admissible(&greedy, 24), Err(Rejection::TooManyTokens(25)));
        let odd = Observed { finish_reason: Some("done".into()), ..answered("ok", 0.1) };
        assert!(matches!(admissible(&odd, 24), Err(Rejection::Malformed(_))));
        let missing = Observed { finish_reason: None, ..answered("ok", 0.1) };
        assert!(matches!(admissible(&missing, 24), Err(Rejection::Malformed(_))));
        assert_eq!(admissible(&answered("The ocean is vast.", 0.1), 24), Ok("The ocean is vast."));
    }

    #[test]
    fn the_pinned_models_answer_beats_paraphrases_echoes_and_noise() {
        let honest = quality(&ev(1.0, None, None));
        // Another decent model: a paraphrase of the reference (MiniLM ≈ 0.75).
        let paraphrase = quality(&ev(0.0, Some(0.75), Some(0.45)));
        // The prompt echoed back: close to the reference's topic, closer still to the prompt.
        let echo = quality(&ev(0.0, Some(0.62), Some(1.0)));
        // Random words.
        let random = quality(&ev(0.0, Some(0.08), Some(0.05)));
        assert_eq!(honest, 1.0);
        assert!(paraphrase > 0.3 && paraphrase < SEMANTIC_MAX, "{paraphrase}");
        assert_eq!(echo, 0.0);
        assert_eq!(random, 0.0);
        // Half the pinned answer: what its meaning earns, far below the whole answer.
        let half = quality(&ev(0.5, Some(0.8), Some(0.4)));
        assert!(half > 0.0 && half <= 0.6 * honest, "{half}");
        // The model's first two tokens agree, then stop: no credit for the agreement alone.
        assert_eq!(quality(&ev(0.67, Some(0.28), Some(0.25))), 0.0);
        assert_eq!(quality(&ev(f64::NAN, Some(f32::NAN), Some(0.1))), 0.0);
    }

    #[test]
    fn latency_breaks_ties_so_copycats_lose() {
        let honest = score(1.0, 0.8, 12.0);
        let copycat = score(1.0, 1.9, 12.0);
        assert!(honest > copycat && copycat > 0.8);
        assert_eq!(score(1.0, 20.0, 12.0), 0.8);
        assert_eq!(score(0.0, 0.1, 12.0), 0.0);
    }
}
