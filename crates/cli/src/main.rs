//! The `agora` binary: thin commands over the crates below.
//!
//! Each command parses its arguments, calls one library function and prints the result (a table,
//! or one JSON document with `--json`). Exit codes: 0 success, 2 error (one line on stderr). A
//! closed stdout (e.g. piping into `head`) counts as success.

mod sim;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Agora: a decentralised network for machine intelligence.
#[derive(Debug, Parser)]
#[command(
    name = "agora",
    version,
    about = "Agora: a decentralised network for machine intelligence.",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run incentive scenarios through the real runtime.
    #[command(subcommand)]
    Sim(sim::SimCommand),
}

/// A failure: printed as one line, exit code 2.
pub struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sim(cmd) => sim::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("agora: error: {message}");
            ExitCode::from(2)
        }
    }
}
