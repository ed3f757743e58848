//! The kernels against candle's `QMatMul` on SmolLM2-135M's matrix shapes (outputs × inputs),
//! for one activation row (decode) and 64 (prefill): `cargo bench -p agora-q8 --bench q8`.
//! Run with `CANDLE_NUM_THREADS=1` for one thread each, as the roles run. Ours includes quantizing
//! the activations (Q8_0, or Q8_K for ffn_down's inner size of 1536), as candle's does.
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use agora_q8::{Kernel, Q8Matrix};
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const SHAPES: [(&str, usize, usize); 4] = [
    ("attn_q 576x576", 576, 576),
    ("ffn_up 1536x576", 1536, 576),
    ("ffn_down 576x1536", 576, 1536),
    ("output 49152x576", 49_152, 576),
];

fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len).map(|i| ((i * 7919 + seed) % 2000) as f32 / 1000.0 - 1.0).collect()
}

fn bench(c: &mut Criterion) {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        eprintln!("set CANDLE_NUM_THREADS=1 for a one-thread comparison");
    }
    let mut group = c.benchmark_group("q8_matmul");
    group.sample_size(20);
    for (name, n, k) in SHAPES {
        let wt = Tensor::from_vec(values(n * k, 1), (n, k), &Device::Cpu).unwrap();
        let qt = QTensor::quantize(&wt, GgmlDType::Q8_0).unwrap();
        let ours = Q8Matrix::from_ggml(n, k, &qt.data().unwrap()).unwrap();
        let candle = QMatMul::from_qtensor(qt).unwrap();
        for m in [1usize, 64] {
            if n == 49_152 && m == 64 {
                continue;
            }
            let xv = values(m * k, 7);
            let x = Tensor::from_vec(xv.clone(), (1, m, k), &Device::Cpu).unwrap();
            let id = format!("{name} m={m}");
            group.bench_with_input(BenchmarkId::new("candle", &id), &x, |b, x| b.iter(|| candle.forward(x).unwrap()));
            group.bench_with_input(BenchmarkId::new(format!("{:?}", Kernel::best()), &id), &xv, |b, xv| {
                b.iter(|| ours.matmul_f32(m, xv).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
