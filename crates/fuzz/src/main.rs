//! `agora-fuzz`: runs the decoder targets and prints one line (or one JSON object) per target.
//!
//! Exit codes: 0 when every target passed, 1 when one panicked, exceeded its allocation bound,
//! broke a property or retained memory, 2 for a usage error.

use std::io::Write;
use std::process::ExitCode;

use agora_fuzz::runner::{Report, Settings};
use agora_fuzz::targets::{self, Entry};
use clap::Parser;

#[global_allocator]
static ALLOCATOR: agora_fuzz::alloc::Counting = agora_fuzz::alloc::Counting;

/// Fuzzes Agora's decoders of untrusted bytes with seeded mutations of real encodings.
#[derive(Parser, Debug)]
#[command(name = "agora-fuzz", version)]
struct Args {
    /// The target to run (`all` for every one); `--list` names them.
    #[arg(long, default_value = "all")]
    target: String,
    /// Inputs per target.
    #[arg(long, default_value_t = 1_000_000)]
    inputs: u64,
    /// Seed of every input.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Threads per target (each runs its own slice of the input indices).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// One JSON object per target and line instead of the table.
    #[arg(long)]
    json: bool,
    /// Print the targets and their bounds, and exit.
    #[arg(long)]
    list: bool,
    /// Print input INDEX of `--target` under `--seed` in hex, and exit.
    #[arg(long, value_name = "INDEX")]
    replay: Option<u64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !agora_fuzz::alloc::installed() {
        eprintln!("agora-fuzz: the counting allocator is not installed");
        return ExitCode::from(2);
    }
    let chosen: Vec<&Entry> = if args.target == "all" {
        targets::ALL.iter().collect()
    } else {
        match targets::find(&args.target) {
            Some(t) => vec![t],
            None => {
                let names: Vec<&str> = targets::ALL.iter().map(|t| t.name).collect();
                eprintln!("agora-fuzz: no target {:?}; targets: all, {}", args.target, names.join(", "));
                return ExitCode::from(2);
            }
        }
    };
    if args.list {
        for t in &chosen {
            println!("{:<12} {:<22} {}", t.name, t.bound.describe(), t.about);
        }
        return ExitCode::SUCCESS;
    }
    if let Some(index) = args.replay {
        let [t] = chosen[..] else {
            eprintln!("agora-fuzz: --replay needs one --target");
            return ExitCode::from(2);
        };
        println!("{}", agora_fuzz::runner::hex(&(t.input)(args.seed, index)));
        return ExitCode::SUCCESS;
    }
    let settings = Settings { inputs: args.inputs, seed: args.seed, first: 0 };
    let mut passed = true;
    if !args.json {
        println!(
            "{:<12} {:>12} {:>6} {:>7} {:>12} {:>22} {:>9} {:>11} {:>10}",
            "target", "inputs", "kinds", "panics", "peak bytes", "bound", "max use", "inputs/s", "slowest"
        );
    }
    for t in chosen {
        let report = (t.run)(settings, args.threads);
        passed &= report.passed();
        let out = if args.json { serde_json::to_string(&report).expect("serialisable") } else { row(&report) };
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`| head`) ends the run quietly.
        if writeln!(stdout, "{out}").and_then(|()| stdout.flush()).is_err() {
            return ExitCode::SUCCESS;
        }
        if !report.passed() && !args.json {
            for f in &report.failures {
                eprintln!("  {} at input {}: {}\n    input: {}", f.kind, f.index, f.message, f.input_hex);
            }
        }
    }
    if passed { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn row(r: &Report) -> String {
    format!(
        "{:<12} {:>12} {:>6} {:>7} {:>12} {:>22} {:>8.1}% {:>11.0} {:>8}µs{}",
        r.target,
        r.inputs,
        r.outcomes.len(),
        r.panics,
        r.peak_bytes,
        r.bound,
        100.0 * r.max_bound_use,
        r.inputs_per_second,
        r.slowest_input_us,
        if r.passed() {
            String::new()
        } else {
            format!(
                "  FAILED ({} over bound, {} properties, {} bytes retained)",
                r.over_bound, r.violations, r.retained_bytes
            )
        },
    )
}
