//! Line charts as standalone SVG files (no plotting dependency: a few dozen lines of SVG).
//!
//! One file per series: `dividends.svg`, `incentive.svg` (one line per uid) and `bonds.svg` (one
//! line per validator → miner pair that ever held a bond). Values are the stored u16 proportions
//! shown as fractions of 1; the x axis is the epoch number. A dynamic-TAO scenario also gets
//! `pool.svg`: price, price EMA and reserves over its steps.

use std::fmt::Write;
use std::path::Path;

use crate::error::SimError;
use crate::runner::SimResult;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const PALETTE: [&str; 10] =
    ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/// A named line of u16 values, one per epoch.
struct Line {
    label: String,
    values: Vec<u16>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Renders lines over epochs to an SVG document.
fn svg(title: &str, x_label: &str, lines: &[Line]) -> String {
    let epochs = lines.iter().map(|l| l.values.len()).max().unwrap_or(0).max(1);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| LEFT + if epochs == 1 { plot_w / 2.0 } else { plot_w * i as f64 / (epochs - 1) as f64 };
    let y = |v: u16| TOP + plot_h * (1.0 - f64::from(v) / 65535.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="{}" y="22" font-size="15" font-weight="bold">{}</text>"#, LEFT, escape(title));
    for k in 0..=4 {
        let frac = f64::from(k) / 4.0;
        let yy = TOP + plot_h * (1.0 - frac);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e0e0e0"/><text x="{:.1}" y="{:.1}" text-anchor="end">{frac:.2}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            yy + 4.0
        );
    }
    let step = epochs.div_ceil(10).max(1);
    for i in (0..epochs).step_by(step) {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x(i),
            TOP + plot_h + 18.0,
            i + 1
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{x_label}</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 10.0
    );
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w:.1}" height="{plot_h:.1}" fill="none" stroke="#444"/>"##
    );
    for (k, line) in lines.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let points: Vec<String> =
            line.values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
        let _ =
            writeln!(s, r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#, points.join(" "));
        if line.values.len() == 1 {
            let _ = writeln!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#, x(0), y(line.values[0]));
        }
        let ly = TOP + 16.0 * k as f64 + 8.0;
        let lx = WIDTH - RIGHT + 14.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="3"/><text x="{}" y="{}">{}</text>"#,
            lx + 18.0,
            lx + 24.0,
            ly + 4.0,
            escape(&line.label)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn per_uid(result: &SimResult, pick: impl Fn(&crate::runner::EpochRecord) -> &Vec<u16>) -> Vec<Line> {
    let n = result.epochs.iter().map(|e| pick(e).len()).max().unwrap_or(0);
    (0..n)
        .map(|uid| Line {
            label: format!("uid {uid}"),
            values: result.epochs.iter().map(|e| pick(e).get(uid).copied().unwrap_or(0)).collect(),
        })
        .collect()
}

fn bond_lines(result: &SimResult) -> Vec<Line> {
    let n = result.epochs.iter().map(|e| e.bonds.len()).max().unwrap_or(0);
    let mut lines = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let values: Vec<u16> =
                result.epochs.iter().map(|e| e.bonds.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0)).collect();
            if values.iter().any(|v| *v != 0) {
                lines.push(Line { label: format!("{i} → {j}"), values });
            }
        }
    }
    lines
}

/// A dynamic scenario's pool over its steps: price, price EMA, TAO and alpha reserves, each
/// scaled to its own maximum (named in the legend).
fn pool_lines(result: &SimResult) -> Vec<Line> {
    let series: [(&str, Vec<u64>); 4] = [
        ("price", result.steps.iter().map(|s| s.pool.price_rao).collect()),
        ("price EMA", result.steps.iter().map(|s| s.pool.moving_price).collect()),
        ("TAO in", result.steps.iter().map(|s| s.pool.tao).collect()),
        ("alpha in", result.steps.iter().map(|s| s.pool.alpha_in).collect()),
    ];
    series
        .into_iter()
        .map(|(name, values)| {
            let max = values.iter().copied().max().unwrap_or(0).max(1);
            Line {
                label: format!("{name} (max {max})"),
                values: values.iter().map(|v| (u128::from(*v) * 65_535 / u128::from(max)) as u16).collect(),
            }
        })
        .collect()
}

/// The charts as `(file name, SVG)`: dividends, incentive and bonds over epochs, and for a
/// dynamic scenario the pool over steps.
pub fn charts(result: &SimResult) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("dividends.svg", svg("Dividends per uid", "epoch", &per_uid(result, |e| &e.dividends))),
        ("incentive.svg", svg("Incentive per uid", "epoch", &per_uid(result, |e| &e.incentive))),
        ("bonds.svg", svg("Bonds (validator → miner)", "epoch", &bond_lines(result))),
    ];
    if !result.steps.is_empty() {
        out.push(("pool.svg", svg("Pool (each line scaled to its maximum)", "step", &pool_lines(result))));
    }
    out
}

/// Writes the charts into `dir` (created if missing).
pub fn write_charts(result: &SimResult, dir: &Path) -> Result<Vec<std::path::PathBuf>, SimError> {
    let io = |path: &Path, e: std::io::Error| SimError::Io { path: path.display().to_string(), message: e.to_string() };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut written = Vec::new();
    for (name, content) in charts(result) {
        let path = dir.join(name);
        std::fs::write(&path, content).map_err(|e| io(&path, e))?;
        written.push(path);
    }
    Ok(written)
}
