//! Running one target: make each input, decode it inside `catch_unwind` and [`measure`], check
//! the allocation bound and the target's properties, check that nothing stays allocated once
//! the result is dropped, and tally the outcomes.
//!
//! # `--json` output
//!
//! One JSON object per target and line ([`Report`]):
//!
//! ```text
//! {"target":"block","inputs":10000000,"seed":0,"outcomes":{"ok":91234,"Truncated":…},
//!  "panics":0,"over_bound":0,"violations":0,"retained_bytes":0,"failures":[],
//!  "peak_bytes":460222,"peak_input_len":2113,"bound":"8 × len + 1 MiB","max_bound_use":0.42,
//!  "slowest_input_us":812,"seconds":61.2,"inputs_per_second":163398}
//! ```
//!
//! `failures` holds at most [`MAX_FAILURES`] entries, each `{"kind":"panic"|"allocation"|
//! "property","index":…,"message":…,"input_hex":…}`; `index` rebuilds the input with
//! `--replay`.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::alloc::measure;
use crate::mutate::Generator;
use crate::rng::{Rng, input_seed};

/// Failures kept per target (all are counted).
pub const MAX_FAILURES: usize = 8;

/// The most bytes a run may retain across all its inputs (tables a decoder builds once on
/// first use; a leak of one byte per input over a long run is far above it).
pub const MAX_RETAINED: u64 = 1024 * 1024;

/// The most bytes a single decode may have live: `per_byte × input length + constant`.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    /// Bytes allowed per input byte.
    pub per_byte: usize,
    /// Bytes allowed whatever the input.
    pub constant: usize,
}

impl Bound {
    /// The bound for an input of `len` bytes.
    pub fn limit(&self, len: usize) -> usize {
        self.per_byte.saturating_mul(len).saturating_add(self.constant)
    }

    /// How the bound reads in a report (`4 × len + 1 MiB`).
    pub fn describe(&self) -> String {
        let c = self.constant;
        let constant = if c.is_multiple_of(1024 * 1024) {
            format!("{} MiB", c / (1024 * 1024))
        } else if c.is_multiple_of(1024) {
            format!("{} KiB", c / 1024)
        } else {
            format!("{c} B")
        };
        format!("{} × len + {constant}", self.per_byte)
    }
}

/// A decoder under test, with the valid encodings its inputs are mutated from.
pub trait Target: Sized {
    /// Its name on the command line and in reports.
    const NAME: &'static str;
    /// The entry point it drives, in a few words.
    const ABOUT: &'static str;
    /// The largest input made (a little above the decoder's own size limit where it has one).
    const MAX_LEN: usize;
    /// The allocation bound, justified where it is defined.
    const BOUND: Bound;
    /// What one decode returns.
    type Output;

    /// Builds the target: its corpus and any fixed context (keys, a chain view).
    fn new() -> Self;
    /// Valid encodings, built in code.
    fn corpus(&self) -> &[Vec<u8>];
    /// Format tokens for the `token` mutation.
    fn dictionary(&self) -> &[&'static [u8]] {
        &[]
    }
    /// Makes an input aware of the format (one field mutated, the layers around it
    /// re-encoded), or `None` to leave it to the byte-level generator. Half the inputs are
    /// offered here.
    fn structured(&self, rng: &mut Rng, generator: &Generator) -> Option<Vec<u8>> {
        let _ = (rng, generator);
        None
    }
    /// Decodes `input` as the node, axon or wallet does; must not panic.
    fn run(&self, input: &[u8]) -> Self::Output;
    /// The outcome's kind (`ok` or an error's name), or a broken property (for instance a
    /// decoded value that does not encode back to `input` where the format is canonical).
    fn classify(&self, input: &[u8], output: &Self::Output) -> Result<String, String>;
}

/// What a run is asked to do.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Inputs to run.
    pub inputs: u64,
    /// The seed of every input.
    pub seed: u64,
    /// The first input's index (inputs `first..first + inputs` run).
    pub first: u64,
}

/// One kept failure.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// `panic`, `allocation` or `property`.
    pub kind: &'static str,
    /// The input's index under the run's seed.
    pub index: u64,
    /// The panic message, the allocation against the bound, or the broken property.
    pub message: String,
    /// The input.
    pub input_hex: String,
}

/// What a run of one target saw.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The target.
    pub target: &'static str,
    /// Inputs run.
    pub inputs: u64,
    /// The seed.
    pub seed: u64,
    /// How many inputs ended in each outcome kind.
    pub outcomes: BTreeMap<String, u64>,
    /// Inputs that panicked.
    pub panics: u64,
    /// Inputs whose decode had more bytes live than the bound.
    pub over_bound: u64,
    /// Inputs that broke a property of the target.
    pub violations: u64,
    /// Bytes still allocated after inputs were decoded and their results dropped, summed over
    /// the run (a leak shows here; lazily built tables count once).
    pub retained_bytes: u64,
    /// The first failures.
    pub failures: Vec<Failure>,
    /// The most bytes live during any one decode.
    pub peak_bytes: usize,
    /// The length of the input that reached `peak_bytes`.
    pub peak_input_len: usize,
    /// The bound, as a formula.
    pub bound: String,
    /// The largest share of its bound any input used (`peak / bound(len)`).
    pub max_bound_use: f64,
    /// The slowest single input, in microseconds.
    pub slowest_input_us: u64,
    /// Wall time of the run.
    pub seconds: f64,
    /// Inputs per second.
    pub inputs_per_second: f64,
}

impl Report {
    /// No panic, no allocation over the bound, no broken property, no leak.
    pub fn passed(&self) -> bool {
        self.panics == 0 && self.over_bound == 0 && self.violations == 0 && self.retained_bytes <= MAX_RETAINED
    }

    /// Adds `other` (a run of the same target over other inputs) into this one.
    pub fn merge(&mut self, other: Report) {
        self.inputs += other.inputs;
        for (kind, n) in other.outcomes {
            *self.outcomes.entry(kind).or_default() += n;
        }
        self.panics += other.panics;
        self.over_bound += other.over_bound;
        self.violations += other.violations;
        self.retained_bytes += other.retained_bytes;
        self.failures.extend(other.failures);
        self.failures.sort_by_key(|f| f.index);
        self.failures.truncate(MAX_FAILURES);
        if other.peak_bytes > self.peak_bytes {
            self.peak_bytes = other.peak_bytes;
            self.peak_input_len = other.peak_input_len;
        }
        self.max_bound_use = self.max_bound_use.max(other.max_bound_use);
        self.slowest_input_us = self.slowest_input_us.max(other.slowest_input_us);
        self.seconds = self.seconds.max(other.seconds);
        self.inputs_per_second = if self.seconds > 0.0 { self.inputs as f64 / self.seconds } else { 0.0 };
    }
}

std::thread_local! {
    /// Whether this thread is inside a decode (its panics are recorded, not printed).
    static DECODING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The message of the last panic inside a decode on this thread.
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installs a panic hook that records the message of a panic inside a decode for the report
/// instead of printing it (a run may catch many), and leaves every other panic to the hook
/// installed before. Idempotent.
pub fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !DECODING.with(std::cell::Cell::get) {
                return previous(info);
            }
            let message = match (info.payload().downcast_ref::<&str>(), info.payload().downcast_ref::<String>()) {
                (Some(s), _) => (*s).to_string(),
                (_, Some(s)) => s.clone(),
                _ => "non-string panic payload".to_string(),
            };
            let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            let _ = LAST_PANIC.try_with(|p| *p.borrow_mut() = Some(format!("{message}{at}")));
        }));
    });
}

/// Runs `f` with this thread's panics recorded rather than printed.
fn decoding<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    DECODING.with(|d| d.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    DECODING.with(|d| d.set(false));
    result
}

/// The input `index` of `T` under `seed`.
pub fn input<T: Target>(target: &T, seed: u64, index: u64) -> Vec<u8> {
    let generator = Generator { corpus: target.corpus(), dictionary: target.dictionary(), max_len: T::MAX_LEN };
    let mut out = Vec::new();
    make(target, &generator, seed, index, &mut out);
    out
}

/// Writes input `index` of `T` under `seed` into `out`.
fn make<T: Target>(target: &T, generator: &Generator, seed: u64, index: u64, out: &mut Vec<u8>) {
    let mut rng = Rng::new(input_seed(seed, T::NAME, index));
    if rng.one_in(2)
        && let Some(structured) = target.structured(&mut rng, generator)
    {
        out.clear();
        out.extend_from_slice(&structured[..structured.len().min(T::MAX_LEN)]);
    } else {
        generator.generate(&mut rng, out);
    }
}

/// Runs `settings.inputs` inputs of `target`.
pub fn run<T: Target>(target: &T, settings: Settings) -> Report {
    quiet_panics();
    let generator = Generator { corpus: target.corpus(), dictionary: target.dictionary(), max_len: T::MAX_LEN };
    let mut report = Report {
        target: T::NAME,
        inputs: 0,
        seed: settings.seed,
        outcomes: BTreeMap::new(),
        panics: 0,
        over_bound: 0,
        violations: 0,
        retained_bytes: 0,
        failures: Vec::new(),
        peak_bytes: 0,
        peak_input_len: 0,
        bound: T::BOUND.describe(),
        max_bound_use: 0.0,
        slowest_input_us: 0,
        seconds: 0.0,
        inputs_per_second: 0.0,
    };
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut data = Vec::with_capacity(T::MAX_LEN);
    for index in settings.first..settings.first.saturating_add(settings.inputs) {
        make(target, &generator, settings.seed, index, &mut data);
        let input = &data[..];
        let began = Instant::now();
        let live_before = crate::alloc::live();
        let (outcome, peak) = measure(|| decoding(|| target.run(input)));
        slowest = slowest.max(began.elapsed());
        report.inputs += 1;
        let limit = T::BOUND.limit(input.len());
        report.max_bound_use = report.max_bound_use.max(peak as f64 / limit as f64);
        if peak > report.peak_bytes {
            report.peak_bytes = peak;
            report.peak_input_len = input.len();
        }
        if peak > limit {
            report.over_bound += 1;
            let message = format!("{peak} bytes live, bound {limit} for {} input bytes", input.len());
            fail(&mut report, "allocation", index, message, input);
        }
        let kind = match outcome {
            Ok(output) => match target.classify(input, &output) {
                Ok(kind) => kind,
                Err(broken) => {
                    report.violations += 1;
                    fail(&mut report, "property", index, broken, input);
                    "property violated".to_string()
                }
            },
            Err(_) => {
                report.panics += 1;
                let message = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
                fail(&mut report, "panic", index, message, input);
                "panic".to_string()
            }
        };
        // The output is dropped; what is still allocated (beyond a new outcome kind's entry)
        // was retained by the decoder.
        match report.outcomes.get_mut(&kind) {
            Some(n) => {
                *n += 1;
                drop(kind);
                report.retained_bytes += crate::alloc::live().saturating_sub(live_before).max(0) as u64;
            }
            None => {
                report.outcomes.insert(kind, 1);
            }
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.inputs_per_second = if report.seconds > 0.0 { report.inputs as f64 / report.seconds } else { 0.0 };
    report.slowest_input_us = slowest.as_micros() as u64;
    report
}

fn fail(report: &mut Report, kind: &'static str, index: u64, message: String, input: &[u8]) {
    if report.failures.len() < MAX_FAILURES {
        report.failures.push(Failure { kind, index, message, input_hex: hex(input) });
    }
}

/// Runs `settings.inputs` inputs of `T` on `threads` threads (each its own slice of the input
/// indices, so the inputs are those of one thread) and merges the reports.
pub fn run_parallel<T: Target + Sync>(target: &T, settings: Settings, threads: usize) -> Report {
    let threads = threads.max(1) as u64;
    let share = settings.inputs / threads;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let inputs = if t + 1 == threads { settings.inputs - share * t } else { share };
                let slice = Settings { inputs, seed: settings.seed, first: settings.first + share * t };
                scope.spawn(move || run(target, slice))
            })
            .collect();
        let mut reports = handles.into_iter().map(|h| h.join().expect("a fuzzing thread never panics"));
        let mut report = reports.next().expect("at least one thread");
        for other in reports {
            report.merge(other);
        }
        report
    })
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The name of an enum variant from its `Debug` text (`BadTransaction { .. }` → `BadTransaction`).
pub fn variant(debug: &impl std::fmt::Debug) -> String {
    let text = format!("{debug:?}");
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or_default().to_string()
}

/// The kind of an error known only by its text: the words before the first `:` or `(`, with
/// numbers replaced by `N` (`transaction is 70000 bytes, …` → `transaction is N bytes, …`).
pub fn text_kind(text: &str) -> String {
    let head = text.split([':', '(']).next().unwrap_or_default().trim();
    let mut out = String::with_capacity(head.len());
    let mut in_number = false;
    for c in head.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !in_number {
            out.push('N');
        }
        in_number = c.is_ascii_digit();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_read_and_limit() {
        let b = Bound { per_byte: 4, constant: 1024 * 1024 };
        assert_eq!(b.limit(10), 40 + 1024 * 1024);
        assert_eq!(b.describe(), "4 × len + 1 MiB");
        assert_eq!(Bound { per_byte: 2, constant: 16 * 1024 }.describe(), "2 × len + 16 KiB");
        assert_eq!(Bound { per_byte: 1, constant: usize::MAX }.limit(usize::MAX), usize::MAX);
    }

    #[test]
    fn variant_names() {
        #[derive(Debug)]
        #[allow(dead_code)]
        enum E {
            Unit,
            Tuple(u8),
            Named { a: u8 },
        }
        assert_eq!(variant(&E::Unit), "Unit");
        assert_eq!(variant(&E::Tuple(1)), "Tuple");
        assert_eq!(variant(&E::Named { a: 1 }), "Named");
    }

    #[test]
    fn text_kinds_drop_numbers_and_details() {
        assert_eq!(text_kind("unknown call index 200"), "unknown call index N");
        assert_eq!(text_kind("malformed transaction: Not enough data"), "malformed transaction");
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
