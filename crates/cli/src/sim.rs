//! `agora sim run SCENARIO.json [--json] [--chart DIR]`.

use std::io::Write;
use std::path::PathBuf;

use agora_sim::{Scenario, output};
use clap::{Args, Subcommand};

use crate::Failure;

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

/// Writes to stdout; a closed pipe is not an error.
fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::msg(format!("cannot write output: {e}"))),
        _ => Ok(()),
    }
}

/// Runs a `sim` subcommand.
pub fn run(cmd: SimCommand, json: bool) -> Result<(), Failure> {
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
            if json { print(&output::to_json(&result)) } else { print(&output::to_table(&result)) }
        }
    }
}
