#![allow(missing_docs)] // criterion_group! generates undocumented functions
//! Miner and validator costs with the real models: tokens per second of the local SmolLM2 (one
//! inference thread), and the validator's time to score one answer: the teacher-forced check of
//! an answer that matches the pinned model, and the full path of one that does not (reference
//! answer, MiniLM similarities). `cargo bench -p agora-text --bench text` (fetches the models if
//! absent); run with `CANDLE_NUM_THREADS=1` as the `agora` binary does.

use std::path::PathBuf;
use std::time::Duration;

use agora_models::fetch::ensure;
use agora_models::{Embedder, GenerationRequest, LlamaEngine};
use agora_text::Judge;
use agora_text::scoring::Observed;
use agora_text::tasks::Task;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn paths() -> agora_models::ModelPaths {
    let dir = std::env::var_os("AGORA_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/models"));
    ensure(Some(dir)).expect("models")
}

fn bench(c: &mut Criterion) {
    let paths = paths();
    let mut engine = LlamaEngine::load(&paths.llm()).unwrap();
    let request = GenerationRequest::greedy("List the numbers from one to forty, separated by commas.", 32);
    let tokens = engine.generate(&request, |_| true).unwrap().tokens;
    let mut g = c.benchmark_group("miner");
    g.sample_size(10).measurement_time(Duration::from_secs(15)).throughput(Throughput::Elements(u64::from(tokens)));
    g.bench_function(format!("generate {tokens} tokens (prompt 40 tokens)"), |b| {
        b.iter(|| engine.generate(&request, |_| true).unwrap())
    });
    g.finish();

    let task = Task {
        prompt: "Write one sentence about the ocean.".into(),
        request: GenerationRequest::greedy("Write one sentence about the ocean.", 24),
    };
    let honest = engine.generate(&task.request, |_| true).unwrap();
    let mut judge = Judge::new(engine, Embedder::load(&paths.embedder()).unwrap());
    let observed = |text: &str| Observed {
        status: 200,
        latency: 0.5,
        completion: Some(text.to_string()),
        completion_tokens: Some(10),
        finish_reason: Some("stop".into()),
    };
    let matching = [observed(&honest.text)];
    let other = [observed("Oceans cover most of our planet and are full of life.")];
    let mut g = c.benchmark_group("validator");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.bench_function("score an answer of the pinned model (teacher-forced check)", |b| {
        b.iter(|| judge.judge(&task, &matching, 12.0).unwrap())
    });
    g.bench_function("score another model's answer (reference + MiniLM)", |b| {
        b.iter(|| judge.judge(&task, &other, 12.0).unwrap())
    });
    g.finish();

    let embedder = Embedder::load(&paths.embedder()).unwrap();
    let mut g = c.benchmark_group("embedder");
    g.sample_size(20);
    g.bench_function("MiniLM, one sentence", |b| b.iter(|| embedder.embed(&["The ocean is vast and deep."]).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
