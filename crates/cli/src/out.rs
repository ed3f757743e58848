//! How commands talk to the user: one JSON document (`--json`) or text and tables, `--quiet`,
//! a spinner on stderr while waiting for the chain, and confirmations (`--yes` skips them).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use crate::Failure;

/// The node the chain commands talk to when none is given: the localnet's first validator.
pub const DEFAULT_NETWORK: &str = "http://127.0.0.1:30301";

/// Options every command takes (btcli's names accepted as aliases).
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The node's JSON-RPC endpoint (`http://HOST:PORT`, `ws://HOST:PORT`, or `local`).
    #[arg(
        long,
        global = true,
        visible_alias = "chain-endpoint",
        aliases = ["subtensor.network", "subtensor.chain_endpoint", "chain"],
        env = "AGORA_NETWORK",
        default_value = "local"
    )]
    pub network: String,
    /// Print one JSON document on stdout (errors still go to stderr).
    #[arg(long, global = true, aliases = ["json-output", "json-out"])]
    pub json: bool,
    /// Answer yes to every confirmation.
    #[arg(long, short = 'y', global = true, visible_alias = "no-prompt", alias = "no_prompt")]
    pub yes: bool,
    /// Print nothing but errors (and the JSON document with --json).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Which wallet and hotkey.
    #[command(flatten)]
    pub wallet: crate::wallet::WalletFlags,
}

impl Global {
    /// The endpoint URL, with `local` spelled out.
    pub fn endpoint(&self) -> &str {
        if self.network == "local" { DEFAULT_NETWORK } else { &self.network }
    }

    /// Prints `doc` with `--json`, else `text` (unless `--quiet`).
    pub fn print<T: Serialize>(&self, doc: &T, text: impl FnOnce() -> String) {
        if self.json {
            // Through text, not `serde_json::Value`: some values are 128-bit.
            println!("{}", serde_json::to_string(doc).expect("serialisable"));
        } else if !self.quiet {
            println!("{}", text());
        }
    }

    /// Asks before a chain transaction. `--yes` answers; without a terminal the answer must be
    /// given with `--yes`, so a script never hangs on a prompt.
    pub fn confirm(&self, question: &str) -> Result<(), Failure> {
        if self.yes {
            return Ok(());
        }
        if !std::io::stdin().is_terminal() {
            return Err(Failure::msg(format!("{question}: add --yes to confirm without a terminal")));
        }
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if matches!(answer.trim(), "y" | "Y" | "yes") {
            Ok(())
        } else {
            Err(Failure::msg("cancelled; nothing was sent"))
        }
    }

    /// A spinner on stderr while `work` runs (only on a terminal, never with `--quiet`/`--json`).
    pub fn waiting<T>(&self, message: &str, work: impl FnOnce() -> T) -> T {
        let show = !self.quiet && !self.json && std::io::stderr().is_terminal();
        let spinner = show.then(|| Spinner::start(message.to_string()));
        let result = work();
        drop(spinner);
        result
    }
}

struct Spinner {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    fn start(message: String) -> Spinner {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
            let mut i = 0;
            while !flag.load(Ordering::Relaxed) {
                eprint!("\r{} {message}", frames[i % frames.len()]);
                let _ = std::io::stderr().flush();
                i += 1;
                std::thread::sleep(Duration::from_millis(80));
            }
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
        });
        Spinner { stop, thread: Some(thread) }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A plain-text table: a header row, columns padded to their widest cell, numbers right-aligned.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names.
    pub fn new(header: &[&str]) -> Table {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    /// Adds a row (as many cells as columns).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.header.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(cell));
            }
        }
        let numeric = |s: &str| {
            let s = s.trim_start_matches('τ');
            !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '%')
        };
        let line = |f: &mut std::fmt::Formatter<'_>, cells: &[String], header: bool| -> std::fmt::Result {
            let mut text = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                let pad = " ".repeat(w - width(cell));
                if !header && numeric(cell) {
                    text.push_str(&pad);
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&pad);
                }
            }
            writeln!(f, "{}", text.trim_end())
        };
        line(f, &self.header, true)?;
        let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        line(f, &rule, true)?;
        for row in &self.rows {
            line(f, row, false)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let mut t = Table::new(&["uid", "hotkey"]);
        t.row(vec!["7".into(), "5Abc".into()]);
        t.row(vec!["12".into(), "5D".into()]);
        let text = t.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "uid  hotkey");
        assert_eq!(lines[2], "  7  5Abc");
        assert_eq!(lines[3], " 12  5D");
    }
}
