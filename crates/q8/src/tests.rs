use proptest::prelude::*;

use super::*;

fn kernels() -> Vec<Kernel> {
    [Kernel::Scalar, Kernel::Avx2, Kernel::Avx512Vnni].into_iter().filter(|k| k.available()).collect()
}

fn run(kernel: Kernel, w: &Q8Matrix, x: &Q8Rows) -> Vec<f32> {
    let mut out = vec![f32::NAN; x.rows() * w.rows()];
    w.matmul_with(kernel, x, &mut out).unwrap();
    out
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The exact product of the dequantized values, in f64, and the sum of its terms' magnitudes.
fn exact(w: &Q8Matrix, x: &Q8Rows) -> Vec<(f64, f64)> {
    let (nb, group) = (w.cols / BLOCK, x.kind.group());
    let mut out = Vec::new();
    for i in 0..x.rows {
        for r in 0..w.rows {
            let (mut sum, mut magnitude) = (0f64, 0f64);
            for c in 0..w.cols {
                let wv = f64::from(w.q(r, c / BLOCK, c % BLOCK)) * f64::from(w.scale(r, c / BLOCK));
                let xv = f64::from(x.qs[i * w.cols + c]) * f64::from(x.scales[(i * nb + c / BLOCK) / group]);
                sum += wv * xv;
                magnitude += (wv * xv).abs();
            }
            out.push((sum, magnitude));
        }
    }
    out
}

#[test]
fn quantization_is_ggmls() {
    let mut values = vec![0f32; 64];
    values[0] = 1.27;
    values[1] = -0.5;
    values[2] = 0.005;
    let x = Q8Rows::quantize(1, 64, &values).unwrap();
    // Scale 1.27 / 127 = 0.01, rounded to f16 and read back.
    assert_eq!(x.scales[0], half::f16::from_f32(0.01).to_f32());
    assert_eq!(&x.qs[..4], &[127, -50, 1, 0]);
    // An all-zero block has scale 0 and zeros.
    assert_eq!(x.scales[1], 0.0);
    assert!(x.qs[32..].iter().all(|q| *q == 0));
}

#[test]
fn q8k_quantization_is_ggmls() {
    let mut values = vec![0.5f32; 256];
    values[3] = -2.54;
    let x = Q8Rows::quantize_as(Activations::Q8K, 1, 256, &values).unwrap();
    // iscale = −127 / −2.54 = 50: the largest value is 127 and 0.5 is 25.
    assert_eq!(x.scales, vec![1.0 / (-127.0f32 / -2.54)]);
    assert_eq!((x.qs[3], x.qs[0]), (-127, 25));
    assert_eq!(Q8Rows::quantize_as(Activations::Q8K, 1, 64, &[1.0; 64]), Err(Q8Error::Columns { cols: 64 }));
    assert_eq!(Q8Matrix::quantize(1, 512, &[1.0; 512]).unwrap().activations(), Activations::Q8K);
    assert_eq!(Q8Matrix::quantize(1, 576, &[1.0; 576]).unwrap().activations(), Activations::Q8_0);
}

#[test]
fn ggml_blocks_read_their_f16_scale_and_bytes() {
    let mut bytes = vec![0u8; 2 * GGML_BLOCK_BYTES];
    bytes[..2].copy_from_slice(&half::f16::from_f32(0.5).to_bits().to_le_bytes());
    bytes[2] = 3;
    bytes[3] = (-4i8) as u8;
    bytes[GGML_BLOCK_BYTES..GGML_BLOCK_BYTES + 2].copy_from_slice(&half::f16::from_f32(-2.0).to_bits().to_le_bytes());
    let w = Q8Matrix::from_ggml(2, 32, &bytes).unwrap();
    assert_eq!((w.scale(0, 0), w.scale(1, 0)), (0.5, -2.0));
    assert_eq!((w.q(0, 0, 0), w.q(0, 0, 1), w.q(0, 0, 2), w.q(1, 0, 0)), (3, -4, 0, 0));
    // One group of sixteen rows (fourteen of them padding): 16 × 32 bytes and 16 scales.
    assert_eq!(w.bytes(), 16 * 32 + 16 * 4);
}

/// A row read back as f32 is candle's dequantization of the same blocks, to the bit.
#[test]
fn rows_dequantize_as_candle_does() {
    use candle_core::quantized::{GgmlDType, QTensor};
    use candle_core::{Device, Tensor};
    let (n, k) = (21, 96);
    let wv: Vec<f32> = (0..n * k).map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 333.0).collect();
    let qt = QTensor::quantize(&Tensor::from_vec(wv, (n, k), &Device::Cpu).unwrap(), GgmlDType::Q8_0).unwrap();
    let theirs: Vec<Vec<f32>> = qt.dequantize(&Device::Cpu).unwrap().to_vec2().unwrap();
    let ours = Q8Matrix::from_ggml(n, k, &qt.data().unwrap()).unwrap();
    for (r, row) in theirs.iter().enumerate() {
        assert_eq!(bits(&ours.row_f32(r).unwrap()), bits(row));
    }
    assert_eq!(ours.row_f32(n), None);
}

#[test]
fn bad_shapes_are_refused() {
    assert_eq!(Q8Rows::quantize(1, 48, &[0.0; 48]), Err(Q8Error::Columns { cols: 48 }));
    assert_eq!(Q8Rows::quantize(1, 0, &[]), Err(Q8Error::Columns { cols: 0 }));
    assert_eq!(Q8Rows::quantize(2, 32, &[0.0; 32]), Err(Q8Error::Values { expected: 64, got: 32 }));
    assert_eq!(Q8Matrix::from_ggml(2, 32, &[0; 34]), Err(Q8Error::Bytes { rows: 2, cols: 32, expected: 68, got: 34 }));
    let w = Q8Matrix::quantize(3, 64, &[1.0; 192]).unwrap();
    let x = Q8Rows::quantize(1, 32, &[1.0; 32]).unwrap();
    assert_eq!(w.matmul(&x, &mut [0.0; 3]), Err(Q8Error::Shape { expected: 64, got: 32 }));
    let x = Q8Rows::quantize(2, 64, &[1.0; 128]).unwrap();
    assert_eq!(w.matmul(&x, &mut [0.0; 3]), Err(Q8Error::Values { expected: 6, got: 3 }));
}

/// Empty products are fine, split or not.
#[test]
fn empty_products_compute_nothing() {
    let w = Q8Matrix::from_ggml(0, 32, &[]).unwrap();
    let x = Q8Rows::quantize(2, 32, &[1.0; 64]).unwrap();
    assert_eq!(w.matmul_from(Kernel::best(), 3, 0, &x, &mut []), Ok(()));
    let w = Q8Matrix::quantize(40, 32, &[1.0; 40 * 32]).unwrap();
    let x = Q8Rows::quantize(0, 32, &[]).unwrap();
    assert_eq!(w.matmul_from(Kernel::best(), 3, 0, &x, &mut []), Ok(()));
}

#[test]
fn the_best_kernel_is_available() {
    assert!(Kernel::best().available());
    assert!(Kernel::Scalar.available());
}

/// The models' matrices went through candle's `QMatMul` before. Inner sizes that candle's
/// repacked AVX-512 path does not take (not multiples of 256): both quantize the activations as
/// Q8_0 and candle sums eight f32 lanes per block where ours sums each block exactly, so the two
/// agree up to f32 rounding.
#[test]
fn agrees_with_candles_qmatmul_up_to_rounding() {
    agree_with_candle(&[(64, 96, 1), (40, 576, 3), (7, 32, 9), (576, 576, 5)], 1e-5);
}

/// Inner sizes that are multiples of 256: ours quantizes the activations as Q8_K and sums block
/// after block, as candle's repacked path does on CPUs with AVX-512 VNNI: the same bits there
/// (on other CPUs candle feeds Q8_0 and only the kernels' own tests apply).
#[test]
fn q8k_inner_sizes_agree_with_candles_repacked_path() {
    if Kernel::Avx512Vnni.available() {
        agree_with_candle(&[(64, 1536, 1), (576, 1536, 4), (32, 512, 3), (576, 1536, 17)], 0.0);
    }
}

/// Ours against candle's `QMatMul` on the same Q8_0 weights: equal bits (`rel` 0) or within
/// `rel` of the row's magnitude.
fn agree_with_candle(shapes: &[(usize, usize, usize)], rel: f32) {
    use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
    use candle_core::{Device, Module, Tensor};
    for &(n, k, m) in shapes {
        let wv: Vec<f32> = (0..n * k).map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 333.0).collect();
        let xv: Vec<f32> = (0..m * k).map(|i| ((i * 104_729 % 997) as f32 - 498.0) / 97.0).collect();
        let wt = Tensor::from_vec(wv.clone(), (n, k), &Device::Cpu).unwrap();
        let qt = QTensor::quantize(&wt, GgmlDType::Q8_0).unwrap();
        let ours = Q8Matrix::from_ggml(n, k, &qt.data().unwrap()).unwrap();
        assert_eq!(ours, Q8Matrix::quantize(n, k, &wv).unwrap(), "the same quantization");
        let candle = QMatMul::from_qtensor(qt).unwrap();
        let x = Tensor::from_vec(xv.clone(), (1, m, k), &Device::Cpu).unwrap();
        let theirs: Vec<f32> = candle.forward(&x).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let mine = ours.matmul_f32(m, &xv).unwrap();
        if rel == 0.0 {
            assert_eq!(bits(&mine), bits(&theirs), "({n}, {k}, {m})");
        } else {
            let magnitude = theirs.iter().fold(0f32, |a, v| a.max(v.abs()));
            for (a, b) in mine.iter().zip(&theirs) {
                assert!((a - b).abs() <= rel * magnitude, "({n}, {k}, {m}): {a} vs {b}");
            }
        }
    }
}

type Case = (Activations, usize, usize, usize, Vec<f32>, Vec<f32>);

/// Shapes for both activation kinds (Q8_K needs multiples of 256 columns), values of both signs.
fn shapes() -> impl Strategy<Value = Case> {
    (prop_oneof![Just(Activations::Q8_0), Just(Activations::Q8K)], 1usize..40, 1usize..10, 1usize..20).prop_flat_map(
        |(kind, n, blocks, m)| {
            let k = if kind == Activations::Q8K { 256 * (1 + blocks % 3) } else { blocks * BLOCK };
            (
                Just(kind),
                Just(n),
                Just(k),
                Just(m),
                proptest::collection::vec(-4.0f32..4.0, n * k),
                proptest::collection::vec(-50.0f32..50.0, m * k),
            )
        },
    )
}

type RawCase = (Activations, usize, usize, usize, Vec<u8>, Vec<f32>);

/// GGUF Q8_0 bytes of any value (−128 included) with any finite f16 scale (negative, subnormal,
/// zero), and activations whose blocks may be all zero or so small that their scale is 0 (the
/// one way quantizing gives −128).
fn raw_shapes() -> impl Strategy<Value = RawCase> {
    (prop_oneof![Just(Activations::Q8_0), Just(Activations::Q8K)], 1usize..40, 1usize..10, 1usize..20).prop_flat_map(
        |(kind, n, blocks, m)| {
            let k = if kind == Activations::Q8K { 256 * (1 + blocks % 3) } else { blocks * BLOCK };
            let scale = any::<u16>().prop_filter("finite", |b| (b >> 10) & 0x1f != 0x1f);
            let block = (scale, proptest::collection::vec(any::<u8>(), BLOCK)).prop_map(|(d, qs)| {
                let mut bytes = d.to_le_bytes().to_vec();
                bytes.extend(qs);
                bytes
            });
            let weights = proptest::collection::vec(block, n * k / BLOCK).prop_map(|b| b.concat());
            let x_block = (0u8..4, proptest::collection::vec(-50.0f32..50.0, BLOCK)).prop_map(|(mode, xs)| {
                let factor = match mode {
                    0 => 0.0,
                    1 => 1e-39,
                    _ => 1.0,
                };
                xs.into_iter().map(|x| x * factor).collect::<Vec<f32>>()
            });
            let activations = proptest::collection::vec(x_block, m * k / BLOCK).prop_map(|b| b.concat());
            (Just(kind), Just(n), Just(k), Just(m), weights, activations)
        },
    )
}

#[test]
fn rounding_matches_round_at_the_edges() {
    let edges = [
        0.0f32,
        -0.0,
        0.499_999_97,
        -0.499_999_97,
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        -2.5,
        126.5,
        127.49,
        127.5,
        -127.5,
        -128.4,
        -128.5,
        1e9,
        -1e9,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        8_388_609.0,
        4_194_304.5,
    ];
    for v in edges {
        assert_eq!(crate::to_i8(v), v.round() as i8, "{v}");
    }
    // Every half between −300 and 300 and the floats two steps either side of it.
    for k in -600i32..600 {
        let half = k as f32 / 2.0;
        for step in -2i32..=2 {
            let v = f32::from_bits((half.to_bits() as i32 + step) as u32);
            assert_eq!(crate::to_i8(v), v.round() as i8, "{v}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Quantization's rounding is `round` for any float.
    #[test]
    fn rounding_is_round(bits in any::<u32>(), v in -300.0f32..300.0) {
        let f = f32::from_bits(bits);
        prop_assert_eq!(crate::to_i8(f), f.round() as i8, "{}", f);
        prop_assert_eq!(crate::to_i8(v), v.round() as i8, "{}", v);
    }

    /// Every kernel this CPU has gives the scalar reference's bits, for any shape, tile tail and
    /// values (and all rows computed at once equal each row computed alone, and a product split
    /// over threads the product on one).
    #[test]
    fn every_kernel_equals_the_scalar_reference((kind, n, k, m, wv, xv) in shapes()) {
        let w = Q8Matrix::quantize(n, k, &wv).unwrap();
        let x = Q8Rows::quantize_as(kind, m, k, &xv).unwrap();
        let reference = run(Kernel::Scalar, &w, &x);
        for kernel in kernels() {
            let out = run(kernel, &w, &x);
            prop_assert_eq!(bits(&out), bits(&reference), "{:?}", kernel);
            for threads in [2, 3] {
                let mut split = vec![f32::NAN; m * n];
                w.matmul_from(kernel, threads, 0, &x, &mut split).unwrap();
                prop_assert_eq!(bits(&split), bits(&out), "{:?} on {} threads", kernel, threads);
            }
            for i in 0..m {
                let one = Q8Rows::quantize_as(kind, 1, k, &xv[i * k..(i + 1) * k]).unwrap();
                let row = run(kernel, &w, &one);
                prop_assert_eq!(&row[..], &out[i * n..(i + 1) * n]);
            }
        }
    }

    /// Weights straight from GGUF bytes, −128 and odd scales included, and activation blocks
    /// with a zero scale: every kernel still gives the scalar reference's bits.
    #[test]
    fn every_kernel_equals_the_reference_on_raw_blocks((kind, n, k, m, bytes, xv) in raw_shapes()) {
        let w = Q8Matrix::from_ggml(n, k, &bytes).unwrap();
        let x = Q8Rows::quantize_as(kind, m, k, &xv).unwrap();
        let reference = run(Kernel::Scalar, &w, &x);
        for kernel in kernels() {
            let out = run(kernel, &w, &x);
            prop_assert_eq!(bits(&out), bits(&reference), "{:?}", kernel);
            let mut split = vec![f32::NAN; m * n];
            w.matmul_from(kernel, 2, 0, &x, &mut split).unwrap();
            prop_assert_eq!(bits(&split), bits(&out), "{:?} on 2 threads", kernel);
        }
    }

    /// The reference is the product of the dequantized values, up to f32 rounding.
    #[test]
    fn the_reference_is_the_dequantized_product((kind, n, k, m, wv, xv) in shapes()) {
        let w = Q8Matrix::quantize(n, k, &wv).unwrap();
        let x = Q8Rows::quantize_as(kind, m, k, &xv).unwrap();
        let got = run(Kernel::Scalar, &w, &x);
        for (g, (e, magnitude)) in got.iter().zip(exact(&w, &x)) {
            // f32 keeps 24 bits: a few roundings of at most the terms' magnitude each.
            prop_assert!((f64::from(*g) - e).abs() <= magnitude * 1e-6 + 1e-9, "{} vs {}", g, e);
        }
    }
}
