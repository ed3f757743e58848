//! Rendering results: the `--json` document and the human-readable tables.
//!
//! # JSON format
//!
//! ```json
//! {"epochs": [{"block": 1, "consensus": [u16], "incentive": [u16], "dividends": [u16],
//!              "validator_trust": [u16], "emission": [rao], "validator_permit": [bool],
//!              "active": [bool], "bonds": [[u16; n]; n]}],
//!  "steps": [{"index": 1, "kind": "swap", "block": 1,
//!             "pool": {"tao", "alpha_in", "alpha_out", "price_rao", "moving_price"},
//!             "stakes": [{"uid", "alpha"}], "pending": {"server", "validator", "root_alpha", "owner_cut"},
//!             "swap": {"paid_in", "paid_out", "fee"}, "error": "SwapInputTooLarge"}]}
//! ```
//!
//! `steps` appears for dynamic-TAO scenarios only; `swap` and `error` only where they apply.
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
    if !result.steps.is_empty() {
        let _ = writeln!(
            out,
            "{:>4} {:<13} {:>6} {:>16} {:>16} {:>16} {:>14}  result",
            "step", "kind", "block", "pool TAO", "alpha in", "alpha out", "price (rao)"
        );
        for st in &result.steps {
            let outcome = match (&st.swap, &st.error) {
                (_, Some(e)) => e.clone(),
                (Some(w), None) => format!("in {} out {} fee {}", w.paid_in, w.paid_out, w.fee),
                (None, None) => "ok".into(),
            };
            let _ = writeln!(
                out,
                "{:>4} {:<13} {:>6} {:>16} {:>16} {:>16} {:>14}  {outcome}",
                st.index, st.kind, st.block, st.pool.tao, st.pool.alpha_in, st.pool.alpha_out, st.pool.price_rao
            );
        }
    }
    out
}
