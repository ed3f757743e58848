//! Rendering results: the `--json` document and the human-readable tables.
//!
//! # JSON format
//!
//! ```json
//! {"epochs": [{"block": 1, "consensus": [u16], "incentive": [u16], "dividends": [u16],
//!              "validator_trust": [u16], "emission": [rao], "validator_permit": [bool],
//!              "active": [bool], "bonds": [[u16; n]; n]}]}
//! ```
//!
//! Key order and formatting are fixed, so the same scenario gives the same bytes on every run.

use std::fmt::Write;

use crate::runner::SimResult;

/// The result as one JSON document (compact, newline-terminated).
pub fn to_json(result: &SimResult) -> String {
    let mut s = serde_json::to_string(result).expect("plain data serialises");
    s.push('\n');
    s
}

fn row<T: ToString>(label: &str, values: &[T]) -> String {
    let cells: Vec<String> = values.iter().map(|v| format!("{:>11}", v.to_string())).collect();
    format!("{label:<16}{}\n", cells.join(""))
}

/// A readable table per epoch.
pub fn to_table(result: &SimResult) -> String {
    let mut out = String::new();
    for (i, e) in result.epochs.iter().enumerate() {
        let n = e.consensus.len();
        let _ = writeln!(out, "epoch {} (block {})", i + 1, e.block);
        let uids: Vec<usize> = (0..n).collect();
        out.push_str(&row("uid", &uids));
        out.push_str(&row("consensus", &e.consensus));
        out.push_str(&row("incentive", &e.incentive));
        out.push_str(&row("dividends", &e.dividends));
        out.push_str(&row("vtrust", &e.validator_trust));
        out.push_str(&row("emission (rao)", &e.emission));
        let permits: Vec<&str> = e.validator_permit.iter().map(|p| if *p { "yes" } else { "-" }).collect();
        out.push_str(&row("permit", &permits));
        let active: Vec<&str> = e.active.iter().map(|p| if *p { "yes" } else { "-" }).collect();
        out.push_str(&row("active", &active));
        for (i, bonds) in e.bonds.iter().enumerate() {
            if bonds.iter().any(|b| *b != 0) {
                out.push_str(&row(&format!("bonds[{i}]"), bonds));
            }
        }
        out.push('\n');
    }
    out
}
