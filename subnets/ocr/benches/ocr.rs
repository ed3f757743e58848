#![allow(missing_docs)] // criterion_group! generates undocumented functions
//! The OCR subnet's costs: a validator's task generation (render, degrade and PNG-encode one
//! synthetic document: documents per second), scoring one reading of it, and the tesseract
//! miner's latency on it (one process per image, `OMP_THREAD_LIMIT=1`; skipped with a message
//! when tesseract is not installed). `cargo bench -p agora-ocr --bench ocr`.

use std::time::Duration;

use agora_ocr::backends::{Reader, Tesseract};
use agora_ocr::document::Document;
use agora_ocr::scoring::{Observed, Truth, judge};
use agora_ocr::synapse::ImageKind;
use agora_ocr::validator::OcrTask;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("validator");
    g.sample_size(20).measurement_time(Duration::from_secs(10)).throughput(Throughput::Elements(1));
    let mut seed = 0u64;
    g.bench_function("generate one document (render, degrade, PNG)", |b| {
        b.iter(|| {
            seed += 1;
            OcrTask::from_seed(seed)
        })
    });
    let doc = Document::generate(7);
    let truth = Truth { lines: doc.lines.clone(), width: doc.width, height: doc.height };
    // A reading with a few errors, as tesseract's are.
    let read = doc.text().replacen('o', "0", 3).replacen('l', "1", 2);
    let observed = Observed { status: 200, latency: 0.4, text: Some(read), lines: Some(doc.lines.clone()) };
    g.bench_function(format!("score one reading ({} characters)", doc.text().len()), |b| {
        b.iter(|| judge(&observed, &truth, 20.0))
    });
    g.finish();

    let tesseract = match Tesseract::locate(1, Duration::from_secs(60)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("skipping the tesseract miner benchmark: {e}");
            return;
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let png = doc.png();
    let mut g = c.benchmark_group("miner");
    g.sample_size(10).measurement_time(Duration::from_secs(15)).throughput(Throughput::Elements(1));
    g.bench_function(format!("tesseract reads one document ({}x{} px)", doc.width, doc.height), |b| {
        b.iter(|| rt.block_on(tesseract.read(png.clone(), ImageKind::Png)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
