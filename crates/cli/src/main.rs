//! The `agora` binary: thin commands over the crates below.
//!
//! Each command parses its arguments, calls the libraries (a lifecycle such as
//! [`agora_localnet::Localnet::start`] or [`agora_text::start_miner`], or typed client calls with
//! their pre-flight checks) and prints the result: a table, or one JSON document with `--json`.
//! One file per command group; `args` (the options every command takes), `out` (printing),
//! `session` (signed calls), `signals` (runtime and Ctrl-C) and `failure` are shared by
//! them.
//!
//! Exit codes: 0 success; 2 error; 1 for a wrong password, for `wallet verify` of a signature
//! that does not match, and for `dendrite dummy` when the axon answers other than 200. Errors are
//! one line on stderr with their causes. A closed stdout (piping into `head`) counts as success.

mod args;
mod axon;
mod chain;
mod delegate;
mod dendrite;
mod failure;
mod gateway;
mod localnet;
mod market;
mod miner;
mod models;
mod node;
mod out;
mod root;
mod session;
mod signals;
mod sim;
mod stake;
mod stake_moves;
mod subnets;
mod sudo;
mod validator;
mod wallet;
mod weights;

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
    global: args::Global,
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
    Localnet(localnet::LocalnetCommand),
    /// Ask a node about the chain.
    #[command(subcommand)]
    Chain(chain::ChainCommand),
    /// Coldkeys and hotkeys in the Bittensor wallet format.
    #[command(subcommand, visible_alias = "w")]
    Wallet(wallet::WalletCommand),
    /// Subnets: list, metagraph, hyperparameters, create, register.
    #[command(subcommand, visible_alias = "s", alias = "subnet")]
    Subnets(subnets::SubnetsCommand),
    /// Stake on hotkeys (alpha bought through a subnet's pool on a dynamic chain).
    #[command(subcommand, visible_alias = "st")]
    Stake(stake::StakeCommand),
    /// Root stakers' dividends on a dynamic chain: claim them, choose how.
    #[command(subcommand)]
    Root(root::RootCommand),
    /// Hotkeys that take stake from others, and their take.
    #[command(subcommand)]
    Delegate(delegate::DelegateCommand),
    /// Set, commit and reveal weights.
    #[command(subcommand, visible_alias = "wt", alias = "weight")]
    Weights(weights::WeightsCommand),
    /// Subnet hyperparameters and chain-wide parameters (owner or sudo).
    #[command(subcommand, visible_alias = "su")]
    Sudo(sudo::SudoCommand),
    /// Publish where a hotkey serves.
    #[command(subcommand)]
    Axon(axon::AxonCommand),
    /// Run a miner's axon.
    #[command(subcommand)]
    Miner(miner::MinerCommand),
    /// Query axons.
    #[command(subcommand)]
    Dendrite(dendrite::DendriteCommand),
    /// Run a subnet validator.
    #[command(subcommand)]
    Validator(validator::ValidatorCommand),
    /// Serve an OpenAI-compatible API in front of a subnet's miners.
    Gateway(gateway::GatewayArgs),
    /// Load test of a gateway: chat completions at a fixed concurrency.
    GatewayLoad(gateway::GatewayLoadArgs),
    /// The offline models miners and validators use.
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// Print a shell completion script: `agora completions bash > /etc/bash_completion.d/agora`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let g = &cli.global;
    let result = match cli.command {
        Command::Sim(cmd) => sim::run(cmd, g),
        Command::Node(args) => node::run(args),
        Command::Localnet(cmd) => localnet::run(cmd, g),
        Command::Chain(cmd) => chain::run(cmd, g),
        Command::Wallet(cmd) => wallet::run(cmd, g),
        Command::Subnets(cmd) => subnets::run(cmd, g),
        Command::Stake(cmd) => stake::run(cmd, g),
        Command::Root(cmd) => root::run(cmd, g),
        Command::Delegate(cmd) => delegate::run(cmd, g),
        Command::Weights(cmd) => weights::run(cmd, g),
        Command::Sudo(cmd) => sudo::run(cmd, g),
        Command::Axon(cmd) => axon::run(cmd, g),
        Command::Miner(cmd) => miner::run(cmd, g),
        Command::Dendrite(cmd) => dendrite::run(cmd, g),
        Command::Validator(cmd) => validator::run(cmd, g),
        Command::Models(cmd) => models::run(cmd, g),
        Command::Gateway(args) => gateway::run(args, g),
        Command::GatewayLoad(args) => gateway::load(args, g),
        Command::Completions { shell } => {
            // Into a buffer first: clap_complete panics when stdout is closed, `out::line` does not.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "agora", &mut script);
            let script = String::from_utf8_lossy(&script);
            out::line(script.strip_suffix('\n').unwrap_or(&script));
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure::Failure { message, code }) => {
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
