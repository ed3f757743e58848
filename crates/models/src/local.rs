//! The local backend: SmolLM2 (Q8_0) on the CPU. `LlamaEngine` does the work on the calling
//! thread; `LocalLlm` owns one engine on a dedicated inference thread, runs one request at a time
//! and streams pieces back, so a miner's async runtime never blocks on the model.

use std::path::Path;
use std::sync::mpsc;
use std::thread;

use candle_core::quantized::gguf_file;
use futures::StreamExt;
use tokio::sync::{mpsc as tmpsc, oneshot};

use crate::chat::{ChatTokenizer, render_chat};
use crate::error::{ModelError, Result};
use crate::generator::{ChatMessage, FinishReason, Generation, GenerationRequest, Piece, PieceStream, TextGenerator};
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

/// SmolLM2 weights, tokenizer and KV cache; single-threaded use.
pub struct LlamaEngine {
    model: crate::llama::Llama,
    tokenizer: ChatTokenizer,
    model_id: String,
    /// Bytes of the current answer already handed out.
    sent: usize,
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
        Ok(LlamaEngine { model, tokenizer, model_id: stem.to_string(), sent: 0 })
    }

    /// The id reported to callers (the file's stem).
    pub fn model_id(&self) -> &str {
        &self.model_id
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
        let (ids, finish) = self.generate_ids(&prompt, request, |engine, ids, emitted| {
            let text = engine.tokenizer.decode(ids)?;
            // A multi-byte character split over tokens decodes to U+FFFD until it is complete.
            if text.ends_with('\u{FFFD}') || text.len() <= *emitted || !text.is_char_boundary(*emitted) {
                return Ok(true);
            }
            let more = on_text(&text[*emitted..]);
            *emitted = text.len();
            Ok(more)
        })?;
        let text = self.tokenizer.decode(&ids)?;
        // What was held back (a character still incomplete when generation ended) goes out last,
        // so the pieces always add up to the text.
        let sent: usize = self.sent;
        if text.len() > sent && text.is_char_boundary(sent) {
            on_text(&text[sent..]);
        }
        Ok(Generation { text, tokens: ids.len() as u32, finish })
    }

    /// Token ids of the answer to `prompt`.
    fn generate_ids(
        &mut self,
        prompt: &[u32],
        request: &GenerationRequest,
        mut on_ids: impl FnMut(&Self, &[u32], &mut usize) -> Result<bool>,
    ) -> Result<(Vec<u32>, FinishReason)> {
        let context = self.model.config().context;
        if prompt.len() >= context.min(MAX_PROMPT_TOKENS) {
            return Err(ModelError::BadRequest(format!(
                "the prompt has {} tokens; at most {} are served",
                prompt.len(),
                context.min(MAX_PROMPT_TOKENS) - 1
            )));
        }
        if request.max_tokens > MAX_NEW_TOKENS {
            return Err(ModelError::BadRequest(format!("max_tokens is at most {MAX_NEW_TOKENS}")));
        }
        self.sent = 0;
        self.model.clear();
        let mut sampler = Sampler::new(request.temperature, request.top_p, request.seed);
        let mut logits = self.model.forward(prompt, false)?.squeeze(0)?.to_vec1::<f32>()?;
        let mut ids = Vec::new();
        let mut emitted = 0usize;
        let budget = (request.max_tokens as usize).min(context - prompt.len());
        loop {
            let next = sampler.sample(&logits) as u32;
            if self.tokenizer.stop_ids.contains(&next) {
                return Ok((ids, FinishReason::Stop));
            }
            ids.push(next);
            let more = on_ids(self, &ids, &mut emitted)?;
            self.sent = emitted;
            if !more || ids.len() >= budget {
                return Ok((ids, FinishReason::Length));
            }
            logits = self.model.forward(&[next], false)?.squeeze(0)?.to_vec1::<f32>()?;
        }
    }

    /// Greedy token ids for a prompt (what a validator records and a pinned test compares).
    pub fn greedy_ids(&mut self, messages: &[ChatMessage], max_tokens: u32) -> Result<Vec<u32>> {
        let prompt = self.prompt_tokens(messages)?;
        let request = GenerationRequest { messages: messages.to_vec(), ..GenerationRequest::greedy("", max_tokens) };
        Ok(self.generate_ids(&prompt, &request, |_, _, _| Ok(true))?.0)
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
        let context = self.model.config().context.min(MAX_PROMPT_TOKENS + MAX_NEW_TOKENS as usize);
        if prompt.len() + answer_ids.len() > context {
            return Err(ModelError::BadRequest("prompt and answer exceed the model's context".into()));
        }
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
            let wanted: Vec<u32> = match answer_ids.get(j) {
                Some(&id) => vec![id],
                None if stopped => self.tokenizer.stop_ids.clone(),
                None => continue,
            };
            let best = argmax(row).map_or(f32::NEG_INFINITY, |i| row[i]);
            let ok = wanted.iter().any(|&id| row.get(id as usize).is_some_and(|&v| v >= best - tolerance));
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
}

enum Job {
    Generate { request: GenerationRequest, out: tmpsc::UnboundedSender<Result<Piece>> },
    Check { messages: Vec<ChatMessage>, answer: String, stopped: bool, reply: oneshot::Sender<Result<AnswerCheck>> },
}

/// A `LlamaEngine` on its own inference thread: one request at a time, in arrival order.
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
                for job in rx {
                    // A panic inside one job (a candle bug, a bad tensor) must not take the model
                    // away from every later request: the job's channel is dropped (its caller
                    // sees the worker gone) and the next job runs on a cleared cache.
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_job(&mut engine, job))).is_err() {
                        tracing::error!("an inference job panicked; continuing with the next");
                    }
                }
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

fn run_job(engine: &mut LlamaEngine, job: Job) {
    match job {
        Job::Generate { request, out } => {
            if out.is_closed() {
                return;
            }
            let result = engine.generate(&request, |text| out.send(Ok(Piece::Text(text.to_string()))).is_ok());
            let _ = match result {
                Ok(g) => out.send(Ok(Piece::Done { tokens: g.tokens, finish: g.finish })),
                Err(e) => out.send(Err(e)),
            };
        }
        Job::Check { messages, answer, stopped, reply } => {
            let _ = reply.send(engine.check_answer(&messages, &answer, stopped, DEFAULT_TIE_TOLERANCE));
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
