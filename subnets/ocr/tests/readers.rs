//! The readers on real documents, through a real axon and dendrite on loopback: tesseract reads
//! the validator's synthetic documents well enough to be paid, the adversaries are not.
//!
//! Needs Debian's `tesseract-ocr` (`bash scripts/tesseract-env.sh` installs it; the test
//! command runs that script).

use std::sync::Arc;
use std::time::Duration;

use agora_neuron::Dendrite;
use agora_ocr::ImageToText;
use agora_ocr::backends::{Blank, Copycat, RandomWords, Tesseract};
use agora_ocr::miner::serve_loopback;
use agora_ocr::scoring::{Observed, cer, judge};
use agora_ocr::validator::OcrTask;
use agora_primitives::Pair;

const TIMEOUT: Duration = Duration::from_secs(30);

async fn ask(dendrite: &Dendrite, target: &agora_neuron::AxonTarget, task: &OcrTask) -> Observed {
    let a = dendrite.call(target, &ImageToText::ask(&task.png), TIMEOUT).await;
    let s = a.synapse;
    Observed {
        status: a.status_code,
        latency: a.process_time,
        text: s.as_ref().and_then(|s| s.text.clone()),
        lines: s.and_then(|s| s.lines),
    }
}

/// Installs tesseract when missing (as root), or fails with what to install.
fn ensure_tesseract() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/tesseract-env.sh");
    let out = std::process::Command::new("bash").arg(script).output().expect("bash runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tesseract_reads_synthetic_documents_and_adversaries_earn_nothing() {
    ensure_tesseract();
    let tesseract = Tesseract::locate(2, TIMEOUT).expect("tesseract-ocr is installed (bash scripts/tesseract-env.sh)");
    let (honest, honest_at) = serve_loopback(Pair::from_seed(&[1; 32]), Arc::new(tesseract)).await.unwrap();
    let (blank, blank_at) = serve_loopback(Pair::from_seed(&[2; 32]), Arc::new(Blank)).await.unwrap();
    let (random, random_at) = serve_loopback(Pair::from_seed(&[3; 32]), Arc::new(RandomWords::new(5))).await.unwrap();
    let copier = Copycat::new(Arc::new(Dendrite::new(Pair::from_seed(&[4; 32]))), honest_at.clone(), TIMEOUT);
    let (copycat, copycat_at) = serve_loopback(Pair::from_seed(&[4; 32]), Arc::new(copier)).await.unwrap();
    let dendrite = Dendrite::new(Pair::from_seed(&[9; 32])).with_max_response_bytes(2 << 20);
    let (mut honest_total, mut copycat_total, mut worst_cer) = (0.0, 0.0, 0.0f64);
    let n = 12;
    for seed in 0..n {
        let task = OcrTask::from_seed(1000 + seed);
        let o = ask(&dendrite, &honest_at, &task).await;
        let truth_text: Vec<&str> = task.truth.lines.iter().map(|l| l.text.as_str()).collect();
        let rate = cer(o.text.as_deref().unwrap_or(""), &truth_text.join("\n"));
        let (score, reason) = judge(&o, &task.truth, TIMEOUT.as_secs_f64());
        eprintln!("seed {seed}: {score:.3} ({reason})");
        if rate > 0.05 {
            eprintln!(
                "  truth: {:?}\n  read:  {:?}",
                truth_text.join(" | "),
                o.text.as_deref().unwrap_or("").replace('\n', " | ")
            );
        }
        worst_cer = worst_cer.max(rate);
        honest_total += score;
        for (at, what) in [(&blank_at, "blank"), (&random_at, "random")] {
            let (s, reason) = judge(&ask(&dendrite, at, &task).await, &task.truth, TIMEOUT.as_secs_f64());
            assert_eq!(s, 0.0, "{what} earned {s}: {reason}");
        }
        copycat_total += judge(&ask(&dendrite, &copycat_at, &task).await, &task.truth, TIMEOUT.as_secs_f64()).0;
    }
    let mean = honest_total / n as f64;
    eprintln!(
        "tesseract: mean score {mean:.3}, worst cer {worst_cer:.3}; copycat mean {:.3}",
        copycat_total / n as f64
    );
    assert!(mean > 0.75, "{mean}");
    assert!(worst_cer < 0.25, "{worst_cer}");
    // The copycat gets the honest reading (only its latency, scored in unit tests, tells them apart).
    assert!(copycat_total > 0.9 * honest_total && copycat_total <= 1.02 * honest_total);
    for axon in [honest, blank, random, copycat] {
        axon.stop().await.unwrap();
    }
}
