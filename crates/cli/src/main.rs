//! The `agora` binary: thin commands over the crates below.
//!
//! Each command parses its arguments, calls one library function and prints the result (a table,
//! or one JSON document with `--json`). Exit codes: 0 success, 2 error (one line on stderr). A
//! closed stdout (e.g. piping into `head`) counts as success.

mod load;
mod localnet_run;
mod node;
mod sim;
mod wallet;

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
    /// Run one chain node (validator) from its config file.
    Node(node::NodeArgs),
    /// Set up a local network.
    #[command(subcommand)]
    Localnet(node::LocalnetCommand),
    /// Ask a node about the chain.
    #[command(subcommand)]
    Chain(node::ChainCommand),
    /// Coldkeys and hotkeys in the Bittensor wallet format.
    #[command(subcommand)]
    Wallet(wallet::WalletCommand),
}

/// A failure: printed as one line; exit code 2 (1 for a wrong password).
pub struct Failure(String, u8);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string(), 2)
    }
}

impl Failure {
    /// A failure with a message and exit code 2.
    pub fn msg(message: impl Into<String>) -> Failure {
        Failure(message.into(), 2)
    }
}

/// Logs to stderr; `RUST_LOG` filters (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sim(cmd) => sim::run(cmd),
        Command::Node(args) => node::run_node(args),
        Command::Localnet(cmd) => node::run_localnet(cmd),
        Command::Chain(cmd) => node::run_chain(cmd),
        Command::Wallet(cmd) => wallet::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message, code)) => {
            eprintln!("agora: error: {message}");
            ExitCode::from(code)
        }
    }
}
