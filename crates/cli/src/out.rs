//! How commands talk to the user: one JSON document (`--json`) or text and tables, `--quiet`,
//! a spinner on stderr while waiting for the chain, and confirmations (`--yes` skips them).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

use crate::args::Global;
use crate::failure::Failure;
use agora_client::metagraph::{NeuronRow, ratio};
use agora_primitives::NetUid;
use agora_runtime::hyperparams::SubnetHyperparams;

impl Global {
    /// Prints `doc` with `--json`, else `text` (unless `--quiet`).
    pub fn print<T: Serialize>(&self, doc: &T, text: impl FnOnce() -> String) {
        if self.json {
            // Through text, not `serde_json::Value`: some values are 128-bit.
            line(&serde_json::to_string(doc).expect("serialisable"));
        } else if !self.quiet {
            line(&printable(&text()));
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

/// `text` safe for a terminal: control characters (but newlines and tabs) and the bidirectional
/// overrides are shown as `\u{..}` escapes, so a string from the chain (a subnet name, an
/// identity) cannot move the cursor, rewrite the screen or reorder what is shown. JSON output
/// keeps strings exact.
pub fn printable(text: &str) -> String {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.contains(unsafe_char) {
        return text.to_string();
    }
    text.chars().map(|c| if unsafe_char(c) { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() }).collect()
}

/// Writes `text` and a newline to stdout. A closed stdout (piping into `head`) ends the process
/// with success instead of a panic.
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("agora: error: writing to stdout: {e}");
        std::process::exit(2);
    }
}

/// A u16 proportion as a percentage.
pub fn percent(x: u16) -> String {
    format!("{:.2}%", ratio(x) * 100.0)
}

/// How a neuron table shows hotkeys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hotkeys {
    /// Shortened (`5Grwva…utQY`), for a whole subnet.
    Short,
    /// In full, for a wallet's own neurons (to copy into other commands).
    Full,
}

/// Neurons as a table (with a netuid column when they come from several subnets). Stake and
/// emission are in the subnet's units: TAO in the TAO era; on a dynamic chain emission is alpha
/// and stake is alpha + TaoWeight × root TAO.
pub fn neuron_table(rows: &[(Option<u16>, &NeuronRow)], hotkeys: Hotkeys) -> Table {
    let netuid = rows.iter().any(|(n, _)| n.is_some());
    let mut header = vec!["uid", "hotkey", "stake", "incentive", "dividends", "emission", "vtrust", "permit"];
    header.extend(["active", "updated", "axon"]);
    if netuid {
        header.insert(0, "netuid");
    }
    let mut t = Table::new(&header);
    let yes_no = |b: bool| if b { "yes".to_string() } else { "no".to_string() };
    for (n, r) in rows {
        let hotkey = match hotkeys {
            Hotkeys::Short => short_ss58(&r.hotkey),
            Hotkeys::Full => r.hotkey.clone(),
        };
        let mut cells = vec![r.uid.to_string(), hotkey, format!("{:.4}", r.stake)];
        cells.extend([r.incentive, r.dividends].map(|x| format!("{x:.5}")));
        cells.extend([format!("{:.9}", r.emission), format!("{:.5}", r.validator_trust)]);
        cells.extend([yes_no(r.validator_permit), yes_no(r.active), r.last_update.to_string()]);
        cells.push(r.axon.clone().unwrap_or_else(|| "-".into()));
        if let Some(n) = n {
            cells.insert(0, n.to_string());
        }
        t.row(cells);
    }
    t
}

/// Prints hyperparameters: JSON as the chain has them, or a name/value table.
pub fn print_hyperparameters(g: &Global, netuid: NetUid, h: &SubnetHyperparams) {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        netuid: NetUid,
        hyperparameters: &'a SubnetHyperparams,
    }
    let doc = Doc { netuid, hyperparameters: h };
    g.print(&doc, || format!("subnet {netuid}\n{}", fields_table("hyperparameter", h).to_string().trim_end()));
}

/// A shortened SS58 address for tables (`5Grwva…utQY`).
pub fn short_ss58(s: &str) -> String {
    if s.len() > 12 { format!("{}…{}", &s[..6], &s[s.len() - 4..]) } else { s.to_string() }
}

/// A serialisable struct's fields as a name/value table, in name order. Raw JSON values keep
/// 128-bit integers exact.
pub fn fields_table<T: Serialize>(what: &str, value: &T) -> Table {
    let text = serde_json::to_string(value).expect("serialisable");
    let fields: std::collections::BTreeMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_str(&text).expect("an object");
    let mut t = Table::new(&[what, "value"]);
    for (name, value) in fields {
        t.row(vec![name, value.get().to_string()]);
    }
    t
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
    fn chain_strings_cannot_drive_the_terminal() {
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
        let name = "sn\u{1b}[2J\u{7}\u{202e}evil";
        let shown = printable(name);
        assert!(!shown.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{shown:?}");
        assert_eq!(shown, "sn\\u{1b}[2J\\u{7}\\u{202e}evil");
    }

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
