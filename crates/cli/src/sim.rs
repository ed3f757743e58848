//! `agora sim run SCENARIO.json [--json] [--chart DIR]`.

use std::path::PathBuf;

use agora_sim::{Scenario, output};
use clap::{Args, Subcommand};

use crate::args::Global;
use crate::failure::Failure;
use crate::out::line;

/// `agora sim …`
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Run a scenario file and print each epoch's outputs.
    Run(RunArgs),
}

/// Arguments of `agora sim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (JSON; format in the README).
    pub scenario: PathBuf,
    /// Write SVG charts of dividends, incentive and bonds into this directory.
    #[arg(long, value_name = "DIR")]
    pub chart: Option<PathBuf>,
}

/// Runs a `sim` subcommand.
pub fn run(cmd: SimCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        SimCommand::Run(args) => {
            let text = std::fs::read_to_string(&args.scenario)
                .map_err(|e| Failure::msg(format!("cannot read {}: {e}", args.scenario.display())))?;
            let scenario =
                Scenario::from_json(&text).map_err(|e| Failure::msg(format!("{}: {e}", args.scenario.display())))?;
            let result =
                agora_sim::run(&scenario).map_err(|e| Failure::msg(format!("{}: {e}", args.scenario.display())))?;
            if let Some(dir) = &args.chart {
                let written = agora_sim::chart::write_charts(&result, dir)?;
                for path in written {
                    eprintln!("wrote {}", path.display());
                }
            }
            let text = if g.json { output::to_json(&result) } else { output::to_table(&result) };
            line(text.trim_end_matches('\n'));
            Ok(())
        }
    }
}
