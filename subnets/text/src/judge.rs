//! The validator's judge: turns answers into scores with the pinned SmolLM2 (teacher-forced check;
//! a reference answer only when an answer does not match it) and MiniLM (similarity).

use agora_models::chat::ChatTokenizer;
use agora_models::local::{DEFAULT_TIE_TOLERANCE, MAX_PROMPT_TOKENS};
use agora_models::{ChatMessage, Draft, Embedder, LlamaEngine, ModelError, Result, cosine};

use crate::scoring::{self, Evidence, Observed, Rejection};
use crate::tasks::Task;

/// A judged answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    /// Score in [0, 1].
    pub score: f64,
    /// Why it scored what it did (for logs).
    pub reason: String,
}

/// Models the judge uses.
pub struct Judge {
    engine: LlamaEngine,
    embedder: Embedder,
}

impl Judge {
    /// A judge over loaded models.
    pub fn new(engine: LlamaEngine, embedder: Embedder) -> Judge {
        Judge { engine, embedder }
    }

    /// The pinned model's id.
    pub fn model_id(&self) -> &str {
        self.engine.model_id()
    }

    /// Whether the pinned model can take `task`'s prompt (see [`prompt_fits`]); a task it
    /// cannot take would score every miner 0.
    pub fn fits(&self, task: &Task) -> bool {
        prompt_fits(self.engine.tokenizer(), &task.request.messages)
    }

    /// Scores every answer to `task`; `timeout` is the query's timeout (for latency). The
    /// admissible answers are checked together ([`LlamaEngine::check_answers`]: the prompt once,
    /// each distinct answer once, each up to its first disagreement), and the reference answer,
    /// needed when one does not match, goes on from the greedy tokens the checks showed.
    pub fn judge(&mut self, task: &Task, answers: &[Observed], timeout: f64) -> Result<Vec<Judged>> {
        let messages = &task.request.messages;
        // First pass: what can be rejected without the model; the rest is checked as one round.
        let mut admitted: Vec<std::result::Result<(&str, bool), Judged>> = Vec::with_capacity(answers.len());
        for o in answers {
            admitted.push(self.admit(o, task.request.max_tokens));
        }
        let round: Vec<(&str, bool)> = admitted.iter().filter_map(|a| a.as_ref().ok().copied()).collect();
        let (checks, draft) = if round.is_empty() {
            // Nothing admissible: no model work at all.
            (Vec::new(), Draft::default())
        } else {
            match self.engine.check_answers(messages, &round, DEFAULT_TIE_TOLERANCE) {
                Ok(r) => (r.checks, r.draft),
                // A prompt the model cannot process fails every answer's check alike.
                Err(e) => {
                    (round.iter().map(|_| Err(ModelError::BadRequest(e.to_string()))).collect(), Draft::default())
                }
            }
        };
        let mut checks = checks.into_iter();
        let mut reference: Option<(String, Vec<f32>, Vec<f32>)> = None;
        let mut out = Vec::with_capacity(answers.len());
        for (o, admitted) in answers.iter().zip(admitted) {
            let (text, _) = match admitted {
                Ok(a) => a,
                Err(judged) => {
                    out.push(judged);
                    continue;
                }
            };
            let check = match checks.next().expect("one check per admitted answer") {
                Ok(c) => c,
                // One answer the model cannot process scores 0; it does not stop the round.
                Err(e) => {
                    out.push(Judged { score: 0.0, reason: format!("cannot check the answer: {e}") });
                    continue;
                }
            };
            let mut evidence =
                Evidence { agreement: check.agreement(), similarity_to_reference: None, similarity_to_prompt: None };
            if evidence.agreement < scoring::EXACT {
                if reference.is_none() {
                    let ids = self.engine.greedy_ids_from(messages, task.request.max_tokens, &draft)?;
                    let text = self.engine.tokenizer().decode(&ids)?;
                    let v = self.embedder.embed(&[&text, &task.prompt])?;
                    reference = Some((text, v[0].clone(), v[1].clone()));
                }
                let (_, r, p) = reference.as_ref().expect("computed above");
                let a = match self.embedder.embed(&[text]) {
                    Ok(mut v) => v.remove(0),
                    Err(e) => {
                        out.push(Judged { score: 0.0, reason: format!("cannot embed the answer: {e}") });
                        continue;
                    }
                };
                evidence.similarity_to_reference = Some(cosine(&a, r));
                evidence.similarity_to_prompt = Some(cosine(&a, p));
            }
            let q = scoring::quality(&evidence);
            let score = scoring::score(q, o.latency, timeout);
            out.push(Judged {
                score,
                reason: format!(
                    "agreement {:.2} ({}/{} positions){}, latency {:.2} s",
                    evidence.agreement,
                    check.agreeing_prefix,
                    check.positions,
                    match (evidence.similarity_to_reference, evidence.similarity_to_prompt) {
                        (Some(r), Some(p)) => format!(", similarity to reference {r:.2}, to prompt {p:.2}"),
                        _ => String::new(),
                    },
                    o.latency
                ),
            });
        }
        Ok(out)
    }

    /// An answer's text and whether it stopped, or its score of 0 when it is rejected before
    /// the model sees it (malformed, oversized, or over `max_tokens` by the validator's count).
    fn admit<'a>(&self, o: &'a Observed, max_tokens: u32) -> std::result::Result<(&'a str, bool), Judged> {
        let text = scoring::admissible(o, max_tokens).map_err(|r| Judged { score: 0.0, reason: rejection(&r) })?;
        // The validator counts the tokens itself; claims are not trusted.
        let answer_tokens = self
            .engine
            .tokenizer()
            .encode(text)
            .map_err(|e| Judged { score: 0.0, reason: format!("cannot tokenise the answer: {e}") })?
            .len();
        if answer_tokens > max_tokens as usize + scoring::TOKEN_SLACK {
            return Err(Judged { score: 0.0, reason: format!("{answer_tokens} tokens, over max_tokens") });
        }
        // An answer that says it ran out of tokens must have used them; a short one has stopped,
        // and its end is checked like any other position.
        let stopped =
            o.finish_reason.as_deref() == Some("stop") || answer_tokens + scoring::TOKEN_SLACK < max_tokens as usize;
        Ok((text, stopped))
    }
}

/// Whether `messages`, rendered with the chat template, are fewer than
/// [`MAX_PROMPT_TOKENS`] tokens (what the pinned model serves); `false` when they cannot be
/// tokenised.
pub fn prompt_fits(tokenizer: &ChatTokenizer, messages: &[ChatMessage]) -> bool {
    tokenizer.count_prompt(messages).is_ok_and(|n| n < MAX_PROMPT_TOKENS)
}

fn rejection(r: &Rejection) -> String {
    match r {
        Rejection::NoAnswer(s) => format!("no answer (status {s})"),
        Rejection::Empty => "empty completion".into(),
        Rejection::Oversized(n) => format!("completion of {n} bytes is longer than max_tokens allows"),
        Rejection::TooManyTokens(n) => format!("claims {n} tokens, over max_tokens"),
        Rejection::Malformed(m) => format!("malformed answer: {m}"),
    }
}

impl Judge {
    /// Ranks answers to one request for a user (best-of-k): the validator's score of each answer
    /// plus half its mean similarity to the other answers (agreement among miners), so the
    /// pinned model's answer wins and, among others, the one most miners agree with.
    pub fn rank(&mut self, task: &Task, answers: &[Observed], timeout: f64) -> Result<Vec<f64>> {
        let mut scores: Vec<f64> = self.judge(task, answers, timeout)?.into_iter().map(|j| j.score).collect();
        let texts: Vec<&str> = answers.iter().map(|a| a.completion.as_deref().unwrap_or("")).collect();
        if texts.len() >= 2 {
            let vectors = self.embedder.embed(&texts)?;
            for (i, s) in scores.iter_mut().enumerate() {
                if *s <= 0.0 {
                    continue;
                }
                let others: f32 = (0..texts.len()).filter(|&j| j != i).map(|j| cosine(&vectors[i], &vectors[j])).sum();
                *s += 0.5 * f64::from(others / (texts.len() - 1) as f32).max(0.0);
            }
        }
        Ok(scores)
    }
}
