//! How a reading becomes a score in [0, 1]. Pure functions of what was observed and what the
//! document says, tested on fixed answers.
//!
//! - **Inadmissible** answers score 0: no answer, empty text, text far longer than the
//!   document's ([`max_text_bytes`]), more boxes than lines could explain, a box outside the
//!   image.
//! - **Text**: 1 − the character error rate (edit distance over the document's length, both
//!   texts with runs of white space made one space, so line breaks and column gaps do not
//!   count). An error rate above [`CER_MAX`] scores 0: text that far off is not a reading, and
//!   random words of the right length would otherwise earn by chance alignment.
//! - **Position**: [`box_overlap`], the mean of recall (each line's best intersection over union
//!   with a returned box) and precision (each returned box's best with a line); it weighs
//!   [`BOX_SHARE`] of the quality, so a reader that returns no boxes earns at most
//!   1 − [`BOX_SHARE`].
//! - **Latency**: quality × (1 − [`LATENCY_SHARE`] + [`LATENCY_SHARE`] × (1 − latency / timeout)),
//!   so a copycat forwarding another miner's answer scores below it.

use crate::synapse::TextBox;

/// Error rate at and above which the text earns nothing.
pub const CER_MAX: f64 = 0.5;
/// Share of quality that depends on box overlap.
pub const BOX_SHARE: f64 = 0.3;
/// Share of the score that depends on latency.
pub const LATENCY_SHARE: f64 = 0.2;

/// What came back from one miner.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// Dendrite status (200 = answered).
    pub status: u16,
    /// Seconds from request to answer.
    pub latency: f64,
    /// The text.
    pub text: Option<String>,
    /// The line boxes.
    pub lines: Option<Vec<TextBox>>,
}

/// What the document says.
#[derive(Clone, Debug, PartialEq)]
pub struct Truth {
    /// Its lines and their boxes.
    pub lines: Vec<TextBox>,
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
}

/// Why an answer scored 0 without being compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The miner did not answer (status).
    NoAnswer(u16),
    /// Empty or blank text.
    Empty,
    /// Far more text or boxes than the document holds.
    Oversized(usize),
    /// A box outside the image or of no area.
    Malformed(&'static str),
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::NoAnswer(s) => write!(f, "no answer (status {s})"),
            Rejection::Empty => write!(f, "empty text"),
            Rejection::Oversized(n) => write!(f, "oversized answer ({n})"),
            Rejection::Malformed(why) => write!(f, "malformed answer: {why}"),
        }
    }
}

/// Longest text accepted for a document whose text is `truth_bytes` long.
pub fn max_text_bytes(truth_bytes: usize) -> usize {
    truth_bytes * 4 + 1024
}

/// Most boxes accepted for a document of `lines` lines (a reader may split a line or two).
pub fn max_boxes(lines: usize) -> usize {
    lines * 4 + 16
}

/// Text with every run of white space one space, trimmed.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Levenshtein distance over characters; O(|a|·|b|) time, O(|b|) memory.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != cb)).min(up + 1).min(row[j] + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// Character error rate of `read` against `truth` (normalised as [`normalise`]); 1 for empty
/// truth with any text, 0 for both empty. Not capped: a long answer can pass 1.
pub fn cer(read: &str, truth: &str) -> f64 {
    let (read, truth) = (normalise(read), normalise(truth));
    let n = truth.chars().count();
    if n == 0 {
        return if read.is_empty() { 0.0 } else { 1.0 };
    }
    edit_distance(&read, &truth) as f64 / n as f64
}

/// Intersection over union of two boxes (exact for any `u32` coordinates).
pub fn iou(a: &TextBox, b: &TextBox) -> f64 {
    let end = |start: u32, len: u32| u128::from(start) + u128::from(len);
    let w = end(a.left, a.width).min(end(b.left, b.width)).saturating_sub(u128::from(a.left.max(b.left)));
    let h = end(a.top, a.height).min(end(b.top, b.height)).saturating_sub(u128::from(a.top.max(b.top)));
    let inter = w * h;
    let area = |t: &TextBox| u128::from(t.width) * u128::from(t.height);
    let union = area(a) + area(b) - inter;
    if union == 0 { 0.0 } else { inter as f64 / union as f64 }
}

/// How well the returned boxes cover the true lines: the mean of recall (each true line's best
/// overlap with a returned box) and precision (each returned box's best overlap with a true
/// line), so spraying extra boxes lowers it.
pub fn box_overlap(read: &[TextBox], truth: &[TextBox]) -> f64 {
    if truth.is_empty() || read.is_empty() {
        return 0.0;
    }
    let best = |b: &TextBox, among: &[TextBox]| among.iter().map(|o| iou(b, o)).fold(0.0, f64::max);
    let recall: f64 = truth.iter().map(|t| best(t, read)).sum::<f64>() / truth.len() as f64;
    let precision: f64 = read.iter().map(|r| best(r, truth)).sum::<f64>() / read.len() as f64;
    (recall + precision) / 2.0
}

/// Characters of each reading compared by [`agreement`]: bounds its cost (quadratic in length).
pub const AGREEMENT_CHARS: usize = 2048;

/// How much two readings of one image agree, in [0, 1]: 1 − their edit distance over the longer
/// one's length (symmetric, so a short reading cannot win by being short), on their first
/// [`AGREEMENT_CHARS`] characters after [`normalise`]. Two empty readings agree fully.
pub fn agreement(a: &str, b: &str) -> f64 {
    let cut = |t: &str| normalise(t).chars().take(AGREEMENT_CHARS).collect::<String>();
    let (a, b) = (cut(a), cut(b));
    let longer = a.chars().count().max(b.chars().count());
    if longer == 0 {
        return 1.0;
    }
    1.0 - edit_distance(&a, &b) as f64 / longer as f64
}

/// The text and boxes to compare, or why there are none.
pub fn admissible<'a>(o: &'a Observed, truth: &Truth) -> Result<(&'a str, &'a [TextBox]), Rejection> {
    if o.status != 200 {
        return Err(Rejection::NoAnswer(o.status));
    }
    let text = o.text.as_deref().unwrap_or("");
    if text.trim().is_empty() {
        return Err(Rejection::Empty);
    }
    let truth_bytes: usize = truth.lines.iter().map(|l| l.text.len() + 1).sum();
    if text.len() > max_text_bytes(truth_bytes) {
        return Err(Rejection::Oversized(text.len()));
    }
    let boxes = o.lines.as_deref().unwrap_or(&[]);
    if boxes.len() > max_boxes(truth.lines.len()) {
        return Err(Rejection::Oversized(boxes.len()));
    }
    for b in boxes {
        if b.width == 0
            || b.height == 0
            || u64::from(b.left) + u64::from(b.width) > u64::from(truth.width)
            || u64::from(b.top) + u64::from(b.height) > u64::from(truth.height)
        {
            return Err(Rejection::Malformed("a box of no area or outside the image"));
        }
    }
    Ok((text, boxes))
}

/// Quality in [0, 1] of an admissible reading.
pub fn quality(text: &str, boxes: &[TextBox], truth: &Truth) -> (f64, f64, f64) {
    let truth_text: Vec<&str> = truth.lines.iter().map(|l| l.text.as_str()).collect();
    let rate = cer(text, &truth_text.join("\n"));
    let text_score = if rate >= CER_MAX { 0.0 } else { 1.0 - rate };
    let overlap = box_overlap(boxes, &truth.lines);
    (text_score * ((1.0 - BOX_SHARE) + BOX_SHARE * overlap), rate, overlap)
}

/// The final score: quality, discounted by latency.
pub fn score(quality: f64, latency: f64, timeout: f64) -> f64 {
    let speed = if timeout > 0.0 && latency.is_finite() { 1.0 - (latency / timeout).clamp(0.0, 1.0) } else { 0.0 };
    (quality * ((1.0 - LATENCY_SHARE) + LATENCY_SHARE * speed)).clamp(0.0, 1.0)
}

/// Scores one observed answer against the document, with a reason for the log.
pub fn judge(o: &Observed, truth: &Truth, timeout: f64) -> (f64, String) {
    match admissible(o, truth) {
        Err(r) => (0.0, r.to_string()),
        Ok((text, boxes)) => {
            let (q, rate, overlap) = quality(text, boxes, truth);
            let s = score(q, o.latency, timeout);
            (s, format!("cer {rate:.3}, box overlap {overlap:.2}, {:.2} s", o.latency))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tb(text: &str, left: u32, top: u32, width: u32, height: u32) -> TextBox {
        TextBox { text: text.into(), left, top, width, height }
    }

    fn truth() -> Truth {
        Truth {
            lines: vec![tb("Invoice No. INV-48213", 36, 40, 300, 20), tb("Total due: 1234.50 EUR", 36, 80, 320, 20)],
            width: 760,
            height: 200,
        }
    }

    fn answered(text: &str, lines: Option<Vec<TextBox>>, latency: f64) -> Observed {
        Observed { status: 200, latency, text: Some(text.into()), lines }
    }

    #[test]
    fn edit_distance_and_cer_are_the_textbook_ones() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("flaw", "lawn"), 2);
        assert_eq!(edit_distance("Zoë", "Zoe"), 1);
        assert_eq!(cer("a  b\nc", "a b c"), 0.0);
        assert_eq!(cer("", ""), 0.0);
        assert!((cer("abcd", "abce") - 0.25).abs() < 1e-12);
    }

    #[test]
    fn boxes_overlap_as_intersection_over_union() {
        let a = tb("", 0, 0, 10, 10);
        assert_eq!(iou(&a, &a), 1.0);
        assert_eq!(iou(&a, &tb("", 10, 0, 10, 10)), 0.0);
        assert!((iou(&a, &tb("", 5, 0, 10, 10)) - 50.0 / 150.0).abs() < 1e-12);
        let t = truth();
        assert_eq!(box_overlap(&t.lines, &t.lines), 1.0);
        assert_eq!(box_overlap(&[], &t.lines), 0.0);
        // Extra boxes sprayed around lower the overlap.
        let mut sprayed = t.lines.clone();
        sprayed.extend((0..8).map(|i| tb("", 400, 10 * i, 50, 8)));
        assert!(box_overlap(&sprayed, &t.lines) < 0.7);
        // Coordinates at the edge of u32 do not overflow.
        let huge = tb("", u32::MAX, u32::MAX, u32::MAX, u32::MAX);
        assert_eq!(iou(&huge, &huge), 1.0);
    }

    #[test]
    fn agreement_is_symmetric_so_a_short_reading_does_not_win() {
        let full = "Invoice No. INV-48213 Total due: 1234.50 EUR";
        assert_eq!(agreement(full, full), 1.0);
        assert_eq!(agreement(".", full), agreement(full, "."));
        assert!(agreement(".", full) < 0.05);
        assert!(agreement(full, "Invoice No. INV-48218 Total due: 1234.50 EUR") > 0.95);
        // Bounded work: a megabyte reading is compared on its first characters only.
        let long = "x".repeat(1 << 20);
        assert_eq!(agreement(&long, &long), 1.0);
    }

    #[test]
    fn a_faithful_reading_beats_a_sloppy_one_boxless_and_adversaries() {
        let t = truth();
        let exact =
            judge(&answered("Invoice No. INV-48213\nTotal due: 1234.50 EUR", Some(t.lines.clone()), 0.5), &t, 20.0).0;
        assert!(exact > 0.99, "{exact}");
        // Two characters wrong out of 44: most of the score.
        let sloppy =
            judge(&answered("lnvoice No. INV-48218\nTotal due: 1234.50 EUR", Some(t.lines.clone()), 0.5), &t, 20.0).0;
        assert!(sloppy > 0.9 && sloppy < exact, "{sloppy}");
        // Text right, no boxes: capped at 1 - BOX_SHARE.
        let boxless = judge(&answered("Invoice No. INV-48213 Total due: 1234.50 EUR", None, 0.5), &t, 20.0).0;
        assert!(boxless > 0.65 && boxless <= 1.0 - BOX_SHARE, "{boxless}");
        // Random words of about the right length, even in the right places: nothing.
        let random =
            judge(&answered("velvet orbit harbor copper meadow thunder", Some(t.lines.clone()), 0.1), &t, 20.0);
        assert_eq!(random.0, 0.0, "{}", random.1);
        // Blank, no answer, oversized, a box off the page.
        assert_eq!(judge(&answered(" \n", None, 0.1), &t, 20.0).0, 0.0);
        assert_eq!(judge(&Observed { status: 408, latency: 20.0, text: None, lines: None }, &t, 20.0).0, 0.0);
        let long = "Invoice ".repeat(1000);
        assert_eq!(admissible(&answered(&long, None, 0.1), &t), Err(Rejection::Oversized(8000)));
        let off = answered("Invoice", Some(vec![tb("x", 700, 0, 100, 10)]), 0.1);
        assert!(matches!(admissible(&off, &t), Err(Rejection::Malformed(_))));
        let flat = answered("Invoice", Some(vec![tb("x", 0, 0, 0, 10)]), 0.1);
        assert!(matches!(admissible(&flat, &t), Err(Rejection::Malformed(_))));
        // A copycat, slower, loses to the miner it copies.
        let copy =
            judge(&answered("Invoice No. INV-48213\nTotal due: 1234.50 EUR", Some(t.lines.clone()), 1.5), &t, 20.0).0;
        assert!(copy < exact);
    }
}
