//! CI's short pass: every target for a few thousand inputs (sized so the whole file takes
//! seconds in a debug build), with no panic, no allocation over the bound and no broken
//! property. `scripts/fuzz.sh` runs the same targets at scale.

use agora_fuzz::runner::{Report, Settings};

#[global_allocator]
static ALLOCATOR: agora_fuzz::alloc::Counting = agora_fuzz::alloc::Counting;

/// Seed of the CI pass (any input it fails on is rebuilt with `agora-fuzz --seed 20240916 --replay`).
const SEED: u64 = 20_240_916;

fn pass(name: &str, inputs: u64) -> Report {
    assert!(agora_fuzz::alloc::installed(), "the counting allocator is installed");
    let target = agora_fuzz::targets::find(name).expect("a target");
    let report = (target.run)(Settings { inputs, seed: SEED, first: 0 }, 1);
    assert!(
        report.passed(),
        "{name}: {} panics, {} over bound, {} properties broken; first failures: {:#?}",
        report.panics,
        report.over_bound,
        report.violations,
        report.failures
    );
    assert_eq!(report.inputs, inputs);
    // The valid inputs still decode: the corpus is right and reachable.
    assert!(report.outcomes.keys().any(|k| k.contains("ok")), "{name}: {:?}", report.outcomes);
    assert!(report.outcomes.len() >= 3, "{name} reaches several outcomes: {:?}", report.outcomes);
    assert!(report.peak_bytes > 0, "{name}: allocation is measured");
    report
}

#[test]
fn transaction() {
    pass("transaction", 20_000);
}

#[test]
fn gossip() {
    pass("gossip", 20_000);
}

#[test]
fn block() {
    pass("block", 10_000);
}

#[test]
fn consensus() {
    pass("consensus", 20_000);
}

#[test]
fn extrinsic() {
    pass("extrinsic", 20_000);
}

#[test]
fn bt_headers() {
    pass("bt_headers", 10_000);
}

#[test]
fn epistula() {
    pass("epistula", 10_000);
}

#[test]
fn synapse() {
    pass("synapse", 10_000);
}

#[test]
fn keyfile() {
    pass("keyfile", 10_000);
}

#[test]
fn every_target_has_a_test_here() {
    let names: Vec<&str> = agora_fuzz::targets::ALL.iter().map(|t| t.name).collect();
    let source = include_str!("short_pass.rs");
    for name in names {
        assert!(source.contains(&format!("fn {name}()")), "no short pass for {name}");
    }
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let run = || (agora_fuzz::targets::find("gossip").unwrap().run)(Settings { inputs: 2_000, seed: 7, first: 0 }, 1);
    let (a, b) = (run(), run());
    assert_eq!(a.outcomes, b.outcomes);
    assert_eq!(a.peak_bytes, b.peak_bytes);
    // Split across threads, the inputs are the same.
    let split = (agora_fuzz::targets::find("gossip").unwrap().run)(Settings { inputs: 2_000, seed: 7, first: 0 }, 2);
    assert_eq!(a.outcomes, split.outcomes);
}

/// A decoder with the three defects a run must catch, each on inputs starting with its byte.
struct Faulty {
    corpus: Vec<Vec<u8>>,
}

impl agora_fuzz::runner::Target for Faulty {
    const NAME: &'static str = "faulty";
    const ABOUT: &'static str = "the runner's own test";
    const MAX_LEN: usize = 64;
    const BOUND: agora_fuzz::runner::Bound = agora_fuzz::runner::Bound { per_byte: 1, constant: 4096 };
    type Output = usize;

    fn new() -> Self {
        Faulty { corpus: vec![b"ok".to_vec(), b"P".to_vec(), b"A".to_vec(), b"L".to_vec()] }
    }

    fn corpus(&self) -> &[Vec<u8>] {
        &self.corpus
    }

    fn run(&self, input: &[u8]) -> usize {
        match input.first() {
            Some(b'P') if input.len() == 1 => panic!("a decoder bug"),
            Some(b'A') if input.len() == 1 => std::hint::black_box(vec![0u8; 1 << 20]).len(),
            Some(b'L') if input.len() == 1 => Box::leak(Box::new([0u8; 4096])).len(),
            _ => input.len(),
        }
    }

    fn classify(&self, _: &[u8], output: &usize) -> Result<String, String> {
        Ok(if *output == 2 { "ok".into() } else { "other".into() })
    }
}

#[test]
fn the_runner_catches_panics_allocations_and_leaks() {
    let target = <Faulty as agora_fuzz::runner::Target>::new();
    let report = agora_fuzz::runner::run(&target, Settings { inputs: 20_000, seed: 1, first: 0 });
    assert!(!report.passed());
    assert!(report.panics > 0 && report.over_bound > 0, "{report:?}");
    assert!(report.retained_bytes > agora_fuzz::runner::MAX_RETAINED, "{report:?}");
    let kinds: std::collections::BTreeSet<&str> = report.failures.iter().map(|f| f.kind).collect();
    assert!(kinds.contains("panic") && kinds.contains("allocation"), "{kinds:?}");
    let panic = report.failures.iter().find(|f| f.kind == "panic").expect("a panic");
    assert!(panic.message.contains("a decoder bug"), "{}", panic.message);
    assert_eq!(panic.input_hex, "50");
}
