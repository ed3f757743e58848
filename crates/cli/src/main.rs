//! The `agora` binary: thin commands over the crates below.
//!
//! Each command parses its arguments, calls one library function and prints the result (a table,
//! or one JSON document with `--json`). Exit codes: 0 success, 2 error (one line on stderr). A
//! closed stdout (e.g. piping into `head`) counts as success.

mod gateway_cmd;
mod load;
mod localnet_run;
mod localnet_subnet;
mod models_cmd;
mod neuron_cmd;
mod node;
mod out;
mod sim;
mod stake;
mod subnets;
mod sudo;
mod text_cmd;
mod tx;
mod wallet;
mod wallet_chain;
mod weights_cmd;

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
    #[command(flatten)]
    global: out::Global,
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
    #[command(subcommand, visible_alias = "w")]
    Wallet(wallet::WalletCommand),
    /// Subnets: list, metagraph, hyperparameters, create, register.
    #[command(subcommand, visible_alias = "s", alias = "subnet")]
    Subnets(subnets::SubnetsCommand),
    /// Stake TAO on hotkeys.
    #[command(subcommand, visible_alias = "st")]
    Stake(stake::StakeCommand),
    /// Hotkeys that take stake from others, and their take.
    #[command(subcommand)]
    Delegate(stake::DelegateCommand),
    /// Set, commit and reveal weights.
    #[command(subcommand, visible_alias = "wt", alias = "weight")]
    Weights(weights_cmd::WeightsCommand),
    /// Subnet hyperparameters and chain-wide parameters (owner or sudo).
    #[command(subcommand, visible_alias = "su")]
    Sudo(sudo::SudoCommand),
    /// Publish where a hotkey serves.
    #[command(subcommand)]
    Axon(sudo::AxonCommand),
    /// Run a miner's axon.
    #[command(subcommand)]
    Miner(neuron_cmd::MinerCommand),
    /// Query axons.
    #[command(subcommand)]
    Dendrite(neuron_cmd::DendriteCommand),
    /// Run a subnet validator.
    #[command(subcommand)]
    Validator(text_cmd::ValidatorCommand),
    /// Serve an OpenAI-compatible API in front of a subnet's miners.
    Gateway(gateway_cmd::GatewayArgs),
    /// Load test of a gateway: chat completions at a fixed concurrency.
    GatewayLoad(gateway_cmd::GatewayLoadArgs),
    /// The offline models miners and validators use.
    #[command(subcommand)]
    Models(models_cmd::ModelsCommand),
    /// Print a shell completion script: `agora completions bash > /etc/bash_completion.d/agora`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
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
    let g = &cli.global;
    let result = match cli.command {
        Command::Sim(cmd) => sim::run(cmd, g.json),
        Command::Node(args) => node::run_node(args),
        Command::Localnet(cmd) => node::run_localnet(cmd, g),
        Command::Chain(cmd) => node::run_chain(cmd, g),
        Command::Wallet(cmd) => wallet::run(cmd, g),
        Command::Subnets(cmd) => subnets::run(cmd, g),
        Command::Stake(cmd) => stake::run_stake(cmd, g),
        Command::Delegate(cmd) => stake::run_delegate(cmd, g),
        Command::Weights(cmd) => weights_cmd::run(cmd, g),
        Command::Sudo(cmd) => sudo::run_sudo(cmd, g),
        Command::Axon(cmd) => sudo::run_axon(cmd, g),
        Command::Miner(cmd) => neuron_cmd::run_miner(cmd, g),
        Command::Dendrite(cmd) => neuron_cmd::run_dendrite(cmd, g),
        Command::Validator(cmd) => text_cmd::run_validator(cmd, g),
        Command::Models(cmd) => models_cmd::run(cmd, g),
        Command::Gateway(args) => gateway_cmd::run(args, g),
        Command::GatewayLoad(args) => gateway_cmd::load(args, g),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "agora",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message, code)) => {
            eprintln!("agora: error: {message}");
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
