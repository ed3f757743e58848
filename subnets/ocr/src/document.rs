//! Synthetic documents: invoices, receipts, letters and tables, drawn from a seed with text the
//! validator knows (words, names, places, goods, numbers, dates, amounts) and the box of every
//! line, then degraded (rotation, blur, noise, contrast, font size) to a drawn difficulty.
//!
//! [`Document::generate`] is a pure function of the seed: a validator, or anyone checking one,
//! reproduces a task from its seed.

use agora_primitives::SplitMix64;

use crate::raster::{Canvas, Degrade, Face, Rect, encode_png, render, rotate_rect};
use crate::synapse::TextBox;
use crate::words::*;

/// What a document looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A seller, a buyer, numbered goods with quantities and prices, a total.
    Invoice,
    /// A narrow till receipt.
    Receipt,
    /// A dated letter of a few sentences.
    Letter,
    /// A headed table of names and figures.
    Table,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 4] = [Kind::Invoice, Kind::Receipt, Kind::Letter, Kind::Table];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Invoice => "invoice",
            Kind::Receipt => "receipt",
            Kind::Letter => "letter",
            Kind::Table => "table",
        }
    }
}

/// A rendered document and what is written on it.
#[derive(Clone, Debug)]
pub struct Document {
    /// The seed it was drawn from.
    pub seed: u64,
    /// What it is.
    pub kind: Kind,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Grey pixels, row-major.
    pub pixels: Vec<u8>,
    /// Every line of text, top to bottom, with its box on the final image.
    pub lines: Vec<TextBox>,
    /// How it was set and degraded.
    pub style: Style,
}

/// How a document was set and degraded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    /// Body face.
    pub face: Face,
    /// Body size in pixels.
    pub px: f32,
    /// The degradation.
    pub degrade: Degrade,
}

impl Document {
    /// The document drawn from `seed`.
    pub fn generate(seed: u64) -> Document {
        let mut rng = SplitMix64::new(seed);
        let kind = Kind::ALL[rng.below(4) as usize];
        Document::generate_kind(seed, kind, &mut rng)
    }

    /// A document of `kind` drawn from `rng` (`seed` names it and draws its noise).
    pub fn generate_kind(seed: u64, kind: Kind, rng: &mut SplitMix64) -> Document {
        let style = draw_style(rng);
        let lines = match kind {
            Kind::Invoice => invoice(rng),
            Kind::Receipt => receipt(rng),
            Kind::Letter => letter(rng),
            Kind::Table => table(rng, style.face, style.px),
        };
        let width = if kind == Kind::Receipt { 480 } else { 760 };
        let lines = wrap(lines, style, width as f32 - 2.0 * MARGIN);
        typeset(seed, kind, width, style, &lines)
    }

    /// The text, lines separated by `\n`.
    pub fn text(&self) -> String {
        self.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n")
    }

    /// The image as a PNG file.
    pub fn png(&self) -> Vec<u8> {
        encode_png(self.width, self.height, &self.pixels)
    }
}

/// One line to set: pieces at horizontal offsets (pixels from the left margin), a face, and a
/// size relative to the body.
struct Line {
    pieces: Vec<(f32, String)>,
    face: Option<Face>,
    scale: f32,
    /// Extra space above, in lines.
    gap: f32,
}

impl Line {
    fn text(s: impl Into<String>) -> Line {
        Line { pieces: vec![(0.0, s.into())], face: None, scale: 1.0, gap: 0.0 }
    }

    fn heading(s: impl Into<String>) -> Line {
        Line { pieces: vec![(0.0, s.into())], face: Some(Face::SansBold), scale: 1.4, gap: 0.0 }
    }

    fn after_gap(mut self) -> Line {
        self.gap = 0.6;
        self
    }
}

fn pick<'a>(rng: &mut SplitMix64, list: &[&'a str]) -> &'a str {
    list[rng.below(list.len() as u64) as usize]
}

fn draw_style(rng: &mut SplitMix64) -> Style {
    let face = [Face::Sans, Face::Serif, Face::Mono][rng.below(3) as usize];
    let px = [18.0, 20.0, 22.0, 24.0, 26.0][rng.below(5) as usize];
    // Difficulty 0 (clean) to 3 (rotated, blurred, noisy, low contrast), each drawn evenly.
    let level = rng.below(4) as u8;
    let paper = 255 - (rng.below(u64::from(level) * 12 + 1) as u8);
    let ink = rng.below(u64::from(level) * 25 + 1) as u8;
    let rotation_decidegrees = if level >= 2 { rng.below(21) as i32 - 10 } else { 0 };
    let blur = u32::from(level == 3 && px >= 22.0);
    let noise = (rng.below(u64::from(level) * 8 + 1)) as u8;
    Style { face, px, degrade: Degrade { paper, ink, rotation_decidegrees, blur, noise } }
}

fn person(rng: &mut SplitMix64) -> String {
    format!("{} {}", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES))
}

fn address(rng: &mut SplitMix64) -> (String, String) {
    let street = format!("{} {}", rng.below(240) + 1, pick(rng, STREETS));
    let city = format!("{} {}", rng.below(90_000) + 10_000, pick(rng, CITIES));
    (street, city)
}

fn date(rng: &mut SplitMix64) -> (u64, u64, u64) {
    (2020 + rng.below(7), rng.below(12) + 1, rng.below(28) + 1)
}

fn cents(c: u64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

fn invoice(rng: &mut SplitMix64) -> Vec<Line> {
    let (y, m, d) = date(rng);
    let seller = pick(rng, COMPANIES);
    let (street, city) = address(rng);
    let mut lines = vec![
        Line::heading(seller),
        Line::text(street),
        Line::text(city),
        Line::text(format!("Invoice No. INV-{}", rng.below(900_000) + 100_000)).after_gap(),
        Line::text(format!("Date: {y}-{m:02}-{d:02}")),
        Line::text(format!("Bill to: {}", person(rng))),
    ];
    let mut head = Line::text("");
    head.pieces = vec![(0.0, "Item".into()), (300.0, "Qty".into()), (380.0, "Price".into()), (500.0, "Amount".into())];
    lines.push(head.after_gap());
    let mut total = 0;
    for _ in 0..rng.below(4) + 2 {
        let item = if rng.below(5) == 0 { pick(rng, UNITS) } else { pick(rng, GOODS) };
        let qty = rng.below(12) + 1;
        let price = rng.below(20_000) + 99;
        total += qty * price;
        let mut l = Line::text("");
        l.pieces =
            vec![(0.0, item.into()), (300.0, qty.to_string()), (380.0, cents(price)), (500.0, cents(qty * price))];
        lines.push(l);
    }
    lines.push(Line::text(format!("Total due: {} EUR", cents(total))).after_gap());
    lines.push(Line::text(format!("Payment within {} days", [14, 30, 45, 60][rng.below(4) as usize])));
    lines
}

fn receipt(rng: &mut SplitMix64) -> Vec<Line> {
    let (y, m, d) = date(rng);
    let mut lines = vec![Line::heading(pick(rng, COMPANIES)), Line::text(pick(rng, CITIES).to_string())];
    lines.push(Line::text(format!("{d:02}/{m:02}/{y} {:02}:{:02}", rng.below(14) + 8, rng.below(60))).after_gap());
    let mut total = 0;
    for _ in 0..rng.below(5) + 3 {
        let price = rng.below(4_000) + 49;
        total += price;
        let mut l = Line::text("");
        l.pieces = vec![(0.0, pick(rng, GOODS).into()), (280.0, cents(price))];
        lines.push(l);
    }
    let mut t = Line::text("");
    t.pieces = vec![(0.0, "TOTAL".into()), (280.0, cents(total))];
    lines.push(t.after_gap());
    lines.push(Line::text(format!("Card ending {}", rng.below(9000) + 1000)));
    lines
}

fn sentence(rng: &mut SplitMix64) -> String {
    let n = rng.below(5) + 5;
    let mut words: Vec<String> = (0..n).map(|_| pick(rng, WORDS).to_string()).collect();
    if rng.below(3) == 0 {
        words.push(format!("{}", rng.below(990) + 10));
    }
    let mut s = words.join(" ");
    if let Some(first) = s.get(0..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s + "."
}

fn letter(rng: &mut SplitMix64) -> Vec<Line> {
    let (y, m, d) = date(rng);
    let (street, city) = address(rng);
    let mut lines = vec![
        Line::text(person(rng)),
        Line::text(street),
        Line::text(city),
        Line::text(format!("{d} {} {y}", MONTHS[(m - 1) as usize])).after_gap(),
        Line::text(format!("Dear {},", pick(rng, FIRST_NAMES))).after_gap(),
    ];
    for _ in 0..rng.below(4) + 3 {
        lines.push(Line::text(sentence(rng)));
    }
    lines.push(Line::text("Kind regards,").after_gap());
    lines.push(Line::text(person(rng)));
    lines
}

fn table(rng: &mut SplitMix64, face: Face, px: f32) -> Vec<Line> {
    let head = TABLE_HEADS[rng.below(TABLE_HEADS.len() as u64) as usize];
    let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    for _ in 0..rng.below(5) + 4 {
        let first = match head[0] {
            "Region" | "Station" => pick(rng, CITIES).to_string(),
            "Name" => person(rng),
            "Product" => pick(rng, GOODS).to_string(),
            _ => format!("R{}", rng.below(90) + 10),
        };
        let mut row = vec![first];
        for c in 1..head.len() {
            row.push(match c {
                1 => (rng.below(900) + 10).to_string(),
                2 => cents(rng.below(100_000) + 100),
                _ => format!("{}{}", if rng.below(2) == 0 { "+" } else { "-" }, rng.below(40) + 1),
            });
        }
        rows.push(row);
    }
    // Column widths from the widest cell, as a real table is laid out.
    let gap = px * 1.5;
    let mut x = vec![0.0f32; head.len()];
    for c in 1..head.len() {
        let widest = rows.iter().map(|r| Canvas::measure(face, px, &r[c - 1])).fold(0.0, f32::max);
        x[c] = x[c - 1] + widest + gap;
    }
    let mut lines = vec![Line::heading(format!("Report {}", rng.below(90) + 10))];
    for (i, row) in rows.into_iter().enumerate() {
        let mut l = Line::text("");
        l.pieces = row.into_iter().enumerate().map(|(c, s)| (x[c], s)).collect();
        if i == 0 {
            l.face = Some(Face::SansBold);
            l = l.after_gap();
        }
        lines.push(l);
    }
    lines
}

/// Page margin, pixels.
const MARGIN: f32 = 36.0;

/// Splits one-piece lines wider than `room` at spaces (a word wider than the room alone is cut),
/// so every drawn line fits the page and the truth holds only text that is on it.
fn wrap(lines: Vec<Line>, style: Style, room: f32) -> Vec<Line> {
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        let face = l.face.unwrap_or(style.face);
        let px = style.px * l.scale;
        let fits = |t: &str| Canvas::measure(face, px, t) <= room;
        if l.pieces.len() != 1 || fits(&l.pieces[0].1) {
            out.push(l);
            continue;
        }
        let mut current = String::new();
        let mut first = true;
        let mut push = |text: String, first: &mut bool| {
            let gap = if *first { l.gap } else { 0.0 };
            *first = false;
            out.push(Line { pieces: vec![(0.0, text)], face: l.face, scale: l.scale, gap });
        };
        for word in l.pieces[0].1.split(' ') {
            let mut word = word.to_string();
            while !fits(&word) && word.chars().count() > 1 {
                word.pop();
            }
            let joined = if current.is_empty() { word.clone() } else { format!("{current} {word}") };
            if fits(&joined) {
                current = joined;
            } else {
                push(std::mem::take(&mut current), &mut first);
                current = word;
            }
        }
        if !current.is_empty() {
            push(current, &mut first);
        }
    }
    out
}

/// Sets `lines` on a page `width` wide (height to fit), degrades it, and records each line's
/// box on the final image.
fn typeset(seed: u64, kind: Kind, width: u32, style: Style, lines: &[Line]) -> Document {
    let margin = MARGIN;
    let leading = 1.45;
    // Height first: the page fits its lines.
    let mut y = margin;
    let mut baselines = Vec::with_capacity(lines.len());
    for l in lines {
        let face = l.face.unwrap_or(style.face);
        let px = style.px * l.scale;
        let (ascent, _) = Canvas::line_metrics(face, px);
        y += l.gap * style.px * leading;
        baselines.push(y + ascent);
        y += px * leading;
    }
    let height = (y + margin).ceil() as u32;
    let mut canvas = Canvas::new(width, height);
    let mut boxes: Vec<(String, Rect)> = Vec::with_capacity(lines.len());
    for (l, baseline) in lines.iter().zip(baselines) {
        let face = l.face.unwrap_or(style.face);
        let px = style.px * l.scale;
        let mut inked: Option<Rect> = None;
        let mut words = Vec::new();
        for (dx, piece) in &l.pieces {
            if let Some(r) = canvas.draw(face, px, margin + dx, baseline, piece) {
                inked = Some(inked.map_or(r, |i| i.union(r)));
                words.push(piece.as_str());
            }
        }
        if let Some(r) = inked {
            boxes.push((words.join(" "), r));
        }
    }
    let d = style.degrade;
    let pixels = render(&canvas, &d, seed);
    let lines = boxes
        .into_iter()
        .map(|(text, r)| {
            let r = rotate_rect(r, width, height, d.rotation_decidegrees);
            TextBox {
                text,
                left: r.left as u32,
                top: r.top as u32,
                width: (r.right - r.left) as u32,
                height: (r.bottom - r.top) as u32,
            }
        })
        .collect();
    Document { seed, kind, width, height, pixels, lines, style }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_reproducible_varied_and_boxed() {
        let a = Document::generate(42);
        let b = Document::generate(42);
        assert_eq!((a.pixels.clone(), a.lines.clone()), (b.pixels, b.lines));
        let mut kinds = std::collections::BTreeSet::new();
        let mut texts = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let d = Document::generate(seed);
            kinds.insert(d.kind.name());
            texts.insert(d.text());
            assert!(d.lines.len() >= 5, "{}", d.text());
            assert_eq!(d.pixels.len(), (d.width * d.height) as usize);
            for l in &d.lines {
                assert!(!l.text.trim().is_empty());
                assert!(l.width > 0 && l.height > 0 && l.left + l.width <= d.width && l.top + l.height <= d.height);
                // Nothing is cut off at the page's edge: every line keeps most of its margin.
                assert!(l.left + l.width + 20 <= d.width, "seed {seed}: {l:?} on a page {} wide", d.width);
            }
            // Lines go down the page.
            assert!(d.lines.windows(2).all(|w| w[0].top < w[1].top), "{:?}", d.lines);
        }
        assert_eq!(kinds.len(), 4);
        assert_eq!(texts.len(), 200);
    }
}
