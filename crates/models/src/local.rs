//! The local backend: SmolLM2 (Q8_0) on the CPU. `LlamaEngine` does the work on the calling
//! thread; `LocalLlm` owns one engine on a dedicated inference thread, decodes concurrent
//! requests together and streams pieces back, so a miner's async runtime never blocks on the model.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::thread;

use candle_core::quantized::gguf_file;
use futures::StreamExt;
use tokio::sync::{mpsc as tmpsc, oneshot};

use crate::chat::{ChatTokenizer, render_chat};
use crate::error::{ModelError, Result};
use crate::generator::{ChatMessage, FinishReason, Generation, GenerationRequest, Piece, PieceStream, TextGenerator};
use crate::llama::Sequence;
use crate::sampling::{Sampler, argmax};

/// Logits within this distance of the best count as the model's own choice when checking an
/// answer (near-ties can flip between batched and incremental evaluation, or across CPUs).
pub const DEFAULT_TIE_TOLERANCE: f32 = 0.25;
/// Longest prompt served, in tokens (prefill memory grows with its square).
pub const MAX_PROMPT_TOKENS: usize = 2048;
/// Most new tokens one request may ask for.
pub const MAX_NEW_TOKENS: u32 = 1024;

/// Result of checking an answer against the model with one teacher-forced pass.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerCheck {
    /// Tokens in the answer (as this tokenizer splits its text).
    pub answer_tokens: usize,
    /// Positions checked: the answer's tokens, plus its end when it claims to have stopped.
    pub positions: usize,
    /// Positions where the answer's token was (within the tolerance) the model's choice.
    pub agreeing: usize,
    /// Length of the agreeing prefix.
    pub agreeing_prefix: usize,
}

impl AnswerCheck {
    /// Share of checked positions in the agreeing prefix, in [0, 1]. The prefix, not the count:
    /// under teacher forcing a model happily "agrees" with text it can copy from the prompt once
    /// it has been shown the first word, so only the prefix says "this is what the model says".
    pub fn agreement(&self) -> f64 {
        if self.positions == 0 { 0.0 } else { self.agreeing_prefix as f64 / self.positions as f64 }
    }
}

/// What checking a round found ([`LlamaEngine::check_answers`]).
#[derive(Debug)]
pub struct RoundCheck {
    /// Each answer's check, in order; an error is that answer's alone.
    pub checks: Vec<Result<AnswerCheck>>,
    /// The start of the greedy answer the checks showed.
    pub draft: Draft,
}

/// The first tokens of the greedy answer to a prompt, read off a round's checks: the longest
/// run of an answer's tokens that were each the model's first choice, plus the first choice
/// after it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    /// The tokens.
    pub ids: Vec<u32>,
    /// Whether the greedy answer stops right after them.
    pub ends: bool,
}

/// SmolLM2 weights, tokenizer and KV cache; single-threaded use.
pub struct LlamaEngine {
    pub(crate) model: crate::llama::Llama,
    tokenizer: ChatTokenizer,
    model_id: String,
}

/// One answer being generated: how its tokens are picked, those picked so far, the bytes of
/// text handed out, and its own place in the model.
pub(crate) struct Answer {
    sampler: Sampler,
    ids: Vec<u32>,
    emitted: usize,
    budget: usize,
    text: bool,
    sequence: Sequence,
}

impl Answer {
    /// An empty answer, to move a finished one out of its slot.
    fn placeholder() -> Answer {
        Answer {
            sampler: Sampler::new(0.0, 1.0, 0),
            ids: Vec::new(),
            emitted: 0,
            budget: 0,
            text: false,
            sequence: Sequence::default(),
        }
    }
}

impl LlamaEngine {
    /// Loads a llama GGUF file (use the Q8_0 file `agora models fetch` makes: Q4_1 has no fast
    /// kernel and is 5–7× slower).
    pub fn load(path: &Path) -> Result<LlamaEngine> {
        let mut file = std::fs::File::open(path).map_err(|e| ModelError::io(path, e))?;
        let content = gguf_file::Content::read(&mut file)
            .map_err(|e| ModelError::BadRequest(format!("{} is not a GGUF file: {e}", path.display())))?;
        let tokenizer = ChatTokenizer::from_gguf(&content)?;
        let model = crate::llama::Llama::load(&content, &mut file)?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("local");
        Ok(LlamaEngine { model, tokenizer, model_id: stem.to_string() })
    }

    /// The id reported to callers (the file's stem).
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// The network (to feed sequences of one's own).
    pub fn model(&self) -> &crate::llama::Llama {
        &self.model
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &ChatTokenizer {
        &self.tokenizer
    }

    /// Token ids of the chat prompt for `messages`.
    pub fn prompt_tokens(&self, messages: &[ChatMessage]) -> Result<Vec<u32>> {
        self.tokenizer.encode(&render_chat(messages))
    }

    /// Generates an answer; `on_text` receives each new piece of text and returns `false` to stop.
    pub fn generate(
        &mut self,
        request: &GenerationRequest,
        mut on_text: impl FnMut(&str) -> bool,
    ) -> Result<Generation> {
        request.check()?;
        let prompt = self.prompt_tokens(&request.messages)?;
        let (mut answer, mut logits) = self.begin(&prompt, &[], request, true)?;
        loop {
            if let Some(finish) = self.advance(&mut answer, &logits, &mut on_text)? {
                return self.finish(answer, finish, on_text);
            }
            logits = self.step(&mut answer)?;
        }
    }

    /// Starts an answer to `prompt`, going on from `draft` (tokens already known to be the
    /// answer's first ones): its state, in a sequence of its own, and the logits of its next
    /// token. `text`: whether [`LlamaEngine::advance`] hands out text pieces.
    pub(crate) fn begin(
        &self,
        prompt: &[u32],
        draft: &[u32],
        request: &GenerationRequest,
        text: bool,
    ) -> Result<(Answer, Vec<f32>)> {
        self.admit(prompt, request.max_tokens)?;
        let context = self.model.config().context;
        let fed: Vec<u32> = prompt.iter().chain(draft).copied().collect();
        if fed.len() >= context {
            return Err(ModelError::BadRequest("the draft fills the model's context".into()));
        }
        let mut sequence = Sequence::default();
        let logits = self.model.forward_sequence(&mut sequence, &fed, false)?.squeeze(0)?.to_vec1::<f32>()?;
        let answer = Answer {
            sampler: Sampler::new(request.temperature, request.top_p, request.seed),
            ids: draft.to_vec(),
            emitted: 0,
            budget: (request.max_tokens as usize).min(context - prompt.len()),
            text,
            sequence,
        };
        Ok((answer, logits))
    }

    /// Picks `answer`'s next token from `logits` and hands out the text it completes; the
    /// finish reason when the answer is over (a stop token, the budget, or `on_text` saying
    /// stop).
    pub(crate) fn advance(
        &self,
        answer: &mut Answer,
        logits: &[f32],
        on_text: &mut impl FnMut(&str) -> bool,
    ) -> Result<Option<FinishReason>> {
        let next = answer.sampler.sample(logits) as u32;
        if self.tokenizer.stop_ids.contains(&next) {
            return Ok(Some(FinishReason::Stop));
        }
        answer.ids.push(next);
        let mut more = true;
        if answer.text {
            let text = self.tokenizer.decode(&answer.ids)?;
            // A multi-byte character split over tokens decodes to U+FFFD until it is complete.
            let complete = !text.ends_with('\u{FFFD}') && text.is_char_boundary(answer.emitted);
            if complete && text.len() > answer.emitted {
                more = on_text(&text[answer.emitted..]);
                answer.emitted = text.len();
            }
        }
        Ok((!more || answer.ids.len() >= answer.budget).then_some(FinishReason::Length))
    }

    /// Feeds `answer`'s last token: the logits of the one after.
    pub(crate) fn step(&self, answer: &mut Answer) -> Result<Vec<f32>> {
        let last = *answer.ids.last().expect("a token was picked before stepping");
        Ok(self.model.forward_sequence(&mut answer.sequence, &[last], false)?.squeeze(0)?.to_vec1::<f32>()?)
    }

    /// The finished answer; the text not yet handed out (a character still incomplete when it
    /// ended) goes to `on_text` last, so the pieces always add up to the text.
    pub(crate) fn finish(
        &self,
        answer: Answer,
        finish: FinishReason,
        mut on_text: impl FnMut(&str) -> bool,
    ) -> Result<Generation> {
        let text = self.tokenizer.decode(&answer.ids)?;
        if answer.text && text.len() > answer.emitted && text.is_char_boundary(answer.emitted) {
            on_text(&text[answer.emitted..]);
        }
        Ok(Generation { text, tokens: answer.ids.len() as u32, finish })
    }

    /// Refuses a prompt longer than generation serves, or more new tokens than it serves.
    fn admit(&self, prompt: &[u32], max_tokens: u32) -> Result<()> {
        let served = self.model.config().context.min(MAX_PROMPT_TOKENS);
        if prompt.len() >= served {
            return Err(ModelError::BadRequest(format!(
                "the prompt has {} tokens; at most {} are served",
                prompt.len(),
                served - 1
            )));
        }
        if max_tokens == 0 || max_tokens > MAX_NEW_TOKENS {
            return Err(ModelError::BadRequest(format!("max_tokens is from 1 to {MAX_NEW_TOKENS}")));
        }
        Ok(())
    }

    /// Token ids of the greedy answer to `prompt`, going on from `draft`.
    fn greedy_after(&self, prompt: &[u32], draft: &[u32], max_tokens: u32) -> Result<Vec<u32>> {
        let (mut answer, mut logits) = self.begin(prompt, draft, &GenerationRequest::greedy("", max_tokens), false)?;
        while self.advance(&mut answer, &logits, &mut |_| true)?.is_none() {
            logits = self.step(&mut answer)?;
        }
        Ok(answer.ids)
    }

    /// Greedy token ids for a prompt (what a validator records and a pinned test compares).
    pub fn greedy_ids(&mut self, messages: &[ChatMessage], max_tokens: u32) -> Result<Vec<u32>> {
        self.greedy_after(&self.prompt_tokens(messages)?, &[], max_tokens)
    }

    /// [`LlamaEngine::greedy_ids`] going on from what a round's check already knows of the
    /// greedy answer ([`RoundCheck::draft`]): when a miner sent the greedy answer, nothing is
    /// left to generate. The same tokens as `greedy_ids`: a position's logits are the same
    /// bits however the positions were fed.
    pub fn greedy_ids_from(&mut self, messages: &[ChatMessage], max_tokens: u32, draft: &Draft) -> Result<Vec<u32>> {
        let prompt = self.prompt_tokens(messages)?;
        // The draft answers only what greedy_ids would have answered: the same refusals first,
        // and no more tokens than its budget.
        self.admit(&prompt, max_tokens)?;
        let budget = (max_tokens as usize).min(self.model.config().context - prompt.len());
        if draft.ends || draft.ids.len() >= budget {
            return Ok(draft.ids[..draft.ids.len().min(budget)].to_vec());
        }
        self.greedy_after(&prompt, &draft.ids, max_tokens)
    }

    /// Checks `answer` to `messages` with one teacher-forced pass: at every position, is the
    /// answer's token the model's greedy choice (within `tolerance` logits)? When `stopped`, the
    /// position after the answer must be a stop token too.
    pub fn check_answer(
        &mut self,
        messages: &[ChatMessage],
        answer: &str,
        stopped: bool,
        tolerance: f32,
    ) -> Result<AnswerCheck> {
        let prompt = self.prompt_tokens(messages)?;
        let answer_ids = self.tokenizer.encode(answer)?;
        self.fits(&prompt, &answer_ids)?;
        self.model.clear();
        if prompt.len() > 1 {
            self.model.forward(&prompt[..prompt.len() - 1], false)?;
        }
        let mut fed = vec![prompt[prompt.len() - 1]];
        fed.extend_from_slice(&answer_ids);
        // Row j holds the model's prediction for answer token j (row len: after the answer).
        let rows = self.model.forward(&fed, true)?.to_vec2::<f32>()?;
        let mut check = AnswerCheck { answer_tokens: answer_ids.len(), positions: 0, agreeing: 0, agreeing_prefix: 0 };
        let mut in_prefix = true;
        for (j, row) in rows.iter().enumerate() {
            let Some(ok) = self.agrees(row, &answer_ids, j, stopped, tolerance) else { continue };
            check.positions += 1;
            if ok {
                check.agreeing += 1;
                if in_prefix {
                    check.agreeing_prefix += 1;
                }
            } else {
                in_prefix = false;
            }
        }
        Ok(check)
    }

    /// Checks every answer to one prompt, as a validator scores a round: the prompt goes
    /// through the model once; an answer that appears several times (honest miners send the
    /// same text) is checked once; answers are taken in token order so that one starting like
    /// the one before reuses its cached positions and verdicts; and an answer is fed in growing
    /// chunks (8, 16, 32… tokens) that stop at its first disagreeing position, which ends its
    /// agreeing prefix. A position's logits do not depend on how positions were fed (see
    /// `attention`), so `agreeing_prefix` and `positions` — all a score uses — are exactly
    /// what [`LlamaEngine::check_answer`] gives; `agreeing` counts only up to the first
    /// disagreement.
    ///
    /// Answers are `(text, stopped)`. The outer error is the prompt's (every answer fails with
    /// it); an inner one is that answer's alone (it cannot be tokenised, is too long, or its
    /// forward pass failed: the other answers are still checked).
    pub fn check_answers(
        &mut self,
        messages: &[ChatMessage],
        answers: &[(&str, bool)],
        tolerance: f32,
    ) -> Result<RoundCheck> {
        let prompt = self.prompt_tokens(messages)?;
        self.fits(&prompt, &[])?;
        self.model.clear();
        if prompt.len() > 1 {
            self.model.forward(&prompt[..prompt.len() - 1], false)?;
        }
        let keys: Vec<Result<(Vec<u32>, bool)>> = answers
            .iter()
            .map(|&(answer, stopped)| {
                let ids = self.tokenizer.encode(answer)?;
                self.fits(&prompt, &ids)?;
                Ok((ids, stopped))
            })
            .collect();
        let mut distinct: BTreeMap<(Vec<u32>, bool), Option<CheckOutcome>> = BTreeMap::new();
        for key in keys.iter().flatten() {
            distinct.insert(key.clone(), None);
        }
        let mut round = Round { base: prompt.len() - 1, last: prompt[prompt.len() - 1], cached: Vec::new() };
        let mut previous: Option<(Vec<u32>, Checked)> = None;
        let mut draft = Draft::default();
        for ((ids, stopped), slot) in distinct.iter_mut() {
            let checked = match self.check_after(&mut round, previous.as_ref(), ids, *stopped, tolerance) {
                Ok(checked) => checked,
                Err(e) => {
                    // That answer's check alone fails; the cache past the prompt is no longer
                    // known, so the next answer starts again from the prompt.
                    round.cached.clear();
                    *slot = Some(Err(e.to_string()));
                    continue;
                }
            };
            let found = checked.draft(ids, &self.tokenizer.stop_ids);
            if found.ids.len() > draft.ids.len() || (found.ends && !draft.ends && found.ids.len() == draft.ids.len()) {
                draft = found;
            }
            previous = Some((ids.clone(), checked.clone()));
            *slot = Some(Ok(checked));
        }
        let checks = keys
            .into_iter()
            .map(|key| match distinct[&key?].as_ref().expect("every distinct answer was checked") {
                Ok(checked) => Ok(checked.check.clone()),
                Err(e) => Err(ModelError::BadRequest(format!("checking the answer failed: {e}"))),
            })
            .collect();
        Ok(RoundCheck { checks, draft })
    }

    /// Checks `ids` after the round's prompt, reusing what checking `previous` left: the rows
    /// (and verdicts) of the tokens both start with, and those positions in the cache.
    fn check_after(
        &mut self,
        round: &mut Round,
        previous: Option<&(Vec<u32>, Checked)>,
        ids: &[u32],
        stopped: bool,
        tolerance: f32,
    ) -> Result<Checked> {
        let positions = ids.len() + usize::from(stopped);
        let mut check = AnswerCheck { answer_tokens: ids.len(), positions, agreeing: 0, agreeing_prefix: 0 };
        let mut fed = vec![round.last];
        fed.extend_from_slice(ids);
        // Rows past the answer's end are needed only when its stop is checked.
        let needed = if stopped { fed.len() } else { ids.len() };
        // Row r is computed from fed[..=r] and judged against fed[r + 1]: the previous answer's
        // rows and verdicts hold for every r + 1 below the common start of both feeds, and the
        // cache can be kept as far as it holds this feed.
        let mut choices = Vec::new();
        let mut start = 0;
        if let Some((prev_ids, prev)) = previous {
            let same = fed.iter().skip(1).zip(prev_ids).take_while(|(a, b)| a == b).count();
            let known = same.min(prev.choices.len());
            if prev.check.agreeing_prefix < known {
                // The previous answer failed at a row this one shares: so does this one.
                let fail = prev.check.agreeing_prefix;
                (check.agreeing, check.agreeing_prefix) = (fail, fail);
                return Ok(Checked { check, choices: prev.choices[..=fail].to_vec() });
            }
            let cached = fed.iter().zip(&round.cached).take_while(|(a, b)| a == b).count();
            start = known.min(cached);
            choices.extend_from_slice(&prev.choices[..start]);
            (check.agreeing, check.agreeing_prefix) = (start, start);
        }
        self.model.rewind(round.base + start);
        round.cached.truncate(start);
        let mut chunk = 8;
        while start < needed {
            let end = (start + chunk).min(needed);
            let rows = self.model.forward(&fed[start..end], true)?.to_vec2::<f32>()?;
            round.cached.extend_from_slice(&fed[start..end]);
            for (r, row) in rows.iter().enumerate() {
                choices.push(argmax(row).map_or(0, |i| i as u32));
                if self.agrees(row, ids, start + r, stopped, tolerance) != Some(true) {
                    return Ok(Checked { check, choices });
                }
                check.agreeing += 1;
                check.agreeing_prefix += 1;
            }
            (start, chunk) = (end, chunk * 2);
        }
        Ok(Checked { check, choices })
    }

    /// Whether `row` (the logits predicting answer position `j`) agrees with the answer there:
    /// its token, or a stop token one past its end when it `stopped`; `None` for a position
    /// not checked (past the end of an answer that did not stop).
    fn agrees(&self, row: &[f32], ids: &[u32], j: usize, stopped: bool, tolerance: f32) -> Option<bool> {
        let wanted: &[u32] = match ids.get(j) {
            Some(id) => std::slice::from_ref(id),
            None if stopped && j == ids.len() => &self.tokenizer.stop_ids,
            None => return None,
        };
        let best = argmax(row).map_or(f32::NEG_INFINITY, |i| row[i]);
        Some(wanted.iter().any(|&id| row.get(id as usize).is_some_and(|&v| v >= best - tolerance)))
    }

    /// Refuses a prompt and answer longer than the checks serve.
    fn fits(&self, prompt: &[u32], answer: &[u32]) -> Result<()> {
        let context = self.model.config().context.min(MAX_PROMPT_TOKENS + MAX_NEW_TOKENS as usize);
        if prompt.is_empty() {
            return Err(ModelError::BadRequest("the prompt has no tokens".into()));
        }
        if prompt.len() + answer.len() > context {
            return Err(ModelError::BadRequest("prompt and answer exceed the model's context".into()));
        }
        Ok(())
    }
}

/// The round being checked: the prompt's cached positions (`base`), its last token, and the
/// tokens cached after them.
struct Round {
    base: usize,
    last: u32,
    cached: Vec<u32>,
}

/// A distinct answer's check, or why its forward pass failed.
type CheckOutcome = std::result::Result<Checked, String>;

/// One distinct answer's check and the model's first choice at each row computed for it.
#[derive(Clone, Debug)]
struct Checked {
    check: AnswerCheck,
    choices: Vec<u32>,
}

impl Checked {
    /// What the rows show of the greedy answer: the answer's tokens while each is the model's
    /// first choice, then the first choice where it is not (a stop ends it).
    fn draft(&self, ids: &[u32], stop_ids: &[u32]) -> Draft {
        // A stop token written into an answer ends the greedy answer there, as decoding would.
        let same = self.choices.iter().zip(ids).take_while(|(c, i)| c == i && !stop_ids.contains(c)).count();
        let mut draft = Draft { ids: ids[..same].to_vec(), ends: false };
        if let Some(&next) = self.choices.get(same) {
            if stop_ids.contains(&next) {
                draft.ends = true;
            } else {
                draft.ids.push(next);
            }
        }
        draft
    }
}

enum Job {
    Generate { request: GenerationRequest, out: tmpsc::UnboundedSender<Result<Piece>> },
    Check { messages: Vec<ChatMessage>, answer: String, stopped: bool, reply: oneshot::Sender<Result<AnswerCheck>> },
}

/// A `LlamaEngine` on its own inference thread. Generations are decoded together (continuous
/// batching): a new request's prompt is fed when it arrives, then every answer under way gets
/// its next token from one pass over the weights, and an answer leaves the batch when it ends.
/// Each answer's tokens are the ones it would get alone (rows do not depend on each other).
/// Checks run between decoding steps.
pub struct LocalLlm {
    jobs: mpsc::Sender<Job>,
    model_id: String,
}

impl LocalLlm {
    /// Loads the model on a new thread; fails if the file cannot be loaded.
    pub fn start(path: &Path) -> Result<LocalLlm> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (jobs, rx) = mpsc::channel::<Job>();
        let path = path.to_path_buf();
        thread::Builder::new()
            .name("inference".into())
            .spawn(move || {
                let mut engine = match LlamaEngine::load(&path) {
                    Ok(engine) => {
                        let _ = ready_tx.send(Ok(engine.model_id().to_string()));
                        engine
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                serve(&mut engine, &rx);
            })
            .map_err(|e| ModelError::Io { path: "inference thread".into(), source: e })?;
        let model_id = ready_rx.recv().map_err(|_| ModelError::WorkerGone)??;
        Ok(LocalLlm { jobs, model_id })
    }

    /// Teacher-forced check of an answer (see [`LlamaEngine::check_answer`]).
    pub async fn check_answer(&self, messages: Vec<ChatMessage>, answer: String, stopped: bool) -> Result<AnswerCheck> {
        let (reply, rx) = oneshot::channel();
        self.jobs.send(Job::Check { messages, answer, stopped, reply }).map_err(|_| ModelError::WorkerGone)?;
        rx.await.map_err(|_| ModelError::WorkerGone)?
    }
}

/// An answer under way on the inference thread: its state, the logits of its next token, and
/// where its pieces go.
struct Live {
    answer: Answer,
    logits: Vec<f32>,
    out: tmpsc::UnboundedSender<Result<Piece>>,
}

/// The inference thread's loop: take what arrived (waiting only when idle), then one decoding
/// step for every live answer. A panic inside one job or step (a candle bug, a bad tensor) must
/// not take the model away from every later request: the answers it touched are dropped (their
/// callers see the worker gone) and the loop goes on.
fn serve(engine: &mut LlamaEngine, jobs: &mpsc::Receiver<Job>) {
    let mut live: Vec<Live> = Vec::new();
    loop {
        let mut arrived = Vec::new();
        if live.is_empty() {
            match jobs.recv() {
                Ok(job) => arrived.push(job),
                Err(_) => return,
            }
        }
        arrived.extend(jobs.try_iter());
        for job in arrived {
            let started = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| start(engine, job)));
            match started {
                Ok(Some(l)) => live.push(l),
                Ok(None) => {}
                Err(_) => tracing::error!("an inference job panicked; continuing with the next"),
            }
        }
        if !live.is_empty()
            && std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode(engine, &mut live))).is_err()
        {
            tracing::error!("a decoding step panicked; its {} answers are dropped", live.len());
            live.clear();
        }
    }
}

/// Runs a check, or feeds a generation's prompt and returns it to be decoded.
fn start(engine: &mut LlamaEngine, job: Job) -> Option<Live> {
    match job {
        Job::Generate { request, out } => {
            if out.is_closed() {
                return None;
            }
            let begun = engine.prompt_tokens(&request.messages).and_then(|p| engine.begin(&p, &[], &request, true));
            match begun {
                Ok((answer, logits)) => Some(Live { answer, logits, out }),
                Err(e) => {
                    let _ = out.send(Err(e));
                    None
                }
            }
        }
        Job::Check { messages, answer, stopped, reply } => {
            let _ = reply.send(engine.check_answer(&messages, &answer, stopped, DEFAULT_TIE_TOLERANCE));
            None
        }
    }
}

/// One step for every live answer: each picks its next token and sends its text; those that
/// ended send their last piece and leave; the rest are fed together.
fn decode(engine: &LlamaEngine, live: &mut Vec<Live>) {
    live.retain_mut(|l| {
        let out = l.out.clone();
        let mut send = |text: &str| out.send(Ok(Piece::Text(text.to_string()))).is_ok();
        let finish = match engine.advance(&mut l.answer, &l.logits, &mut send) {
            Ok(None) => return true,
            Ok(Some(finish)) => finish,
            Err(e) => {
                let _ = l.out.send(Err(e));
                return false;
            }
        };
        let answer = std::mem::replace(&mut l.answer, Answer::placeholder());
        let _ = match engine.finish(answer, finish, send) {
            Ok(g) => l.out.send(Ok(Piece::Done { tokens: g.tokens, finish: g.finish })),
            Err(e) => l.out.send(Err(e)),
        };
        false
    });
    if live.is_empty() {
        return;
    }
    let tokens: Vec<u32> = live.iter().map(|l| *l.answer.ids.last().expect("advanced")).collect();
    let mut sequences: Vec<&mut Sequence> = live.iter_mut().map(|l| &mut l.answer.sequence).collect();
    match engine.model.forward_many(&mut sequences, &tokens) {
        Ok(logits) => {
            for (l, logits) in live.iter_mut().zip(logits) {
                l.logits = logits;
            }
        }
        Err(e) => {
            for l in live.drain(..) {
                let _ = l.out.send(Err(ModelError::BadRequest(format!("decoding failed: {e}"))));
            }
        }
    }
}

impl TextGenerator for LocalLlm {
    fn model_id(&self) -> String {
        self.model_id.clone()
    }

    fn generate_stream(&self, request: GenerationRequest) -> PieceStream {
        let (out, rx) = tmpsc::unbounded_channel();
        if let Err(e) = request.check() {
            let _ = out.send(Err(e));
        } else if self.jobs.send(Job::Generate { request, out: out.clone() }).is_err() {
            let _ = out.send(Err(ModelError::WorkerGone));
        }
        drop(out);
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|p| (p, rx)) }).boxed()
    }
}
