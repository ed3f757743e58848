//! `agora node --config FILE`: one chain node (validator or follower), as [`agora_node::run`]
//! runs it.

use std::path::PathBuf;

use agora_node::config::NodeConfig;
use clap::Args;

use crate::failure::Failure;

/// `agora node`.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The node's config file (written by `agora localnet init`).
    #[arg(long)]
    config: PathBuf,
}

pub fn run(args: NodeArgs) -> Result<(), Failure> {
    crate::signals::init_logging();
    let config = NodeConfig::load(&args.config)?;
    agora_node::run::run(config)?;
    Ok(())
}
