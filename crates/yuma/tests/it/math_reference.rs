//! Ports of `pallets/subtensor/src/tests/math.rs` (reference HEAD 14bc6f9f), under the
//! reference's names, with its inputs, asserted numbers and tolerances: every test of a function
//! our [`agora_yuma::math`] module exposes, the tests of its test-vector builders (run on ours) and
//! of the fixed-point library behaviour it relies on. The two reference tests that are not ported
//! are listed, with the reason, in the crate README ("Not ported").
//!
//! Test vectors are built the way the reference builds them: its `fixed`, `vec_to_fixed`,
//! `vec_to_mat_fixed` and `vec_to_sparse_mat_fixed` convert `f32` literals ([`fx`] and the
//! helpers below); where it writes `I32F32::from_num(<literal>)` directly the literal is an
//! `f64` ([`fd`]). The two can differ in the last bits, so each port keeps the reference's choice.

use agora_yuma::math::{
    FixedMatrix, check_vec_max_limited, col_clip_sparse, exp_safe, fixed_proportion_to_u16, fixed_to_u16, fixed_to_u64,
    fixed64_to_fixed32, fixed64_to_u64, inplace_col_clip, inplace_col_max_upscale, inplace_col_max_upscale_sparse,
    inplace_col_normalize, inplace_col_normalize_sparse, inplace_mask_diag, inplace_mask_diag_except_index,
    inplace_mask_matrix, inplace_mask_rows, inplace_mask_vector, inplace_normalize, inplace_normalize_64,
    inplace_row_normalize, inplace_row_normalize_sparse, interpolate, interpolate_sparse, is_topk, mask_diag_sparse,
    mask_diag_sparse_except_index, mask_rows_sparse, mat_ema_alpha, mat_ema_alpha_sparse, mat_vec_mul,
    mat_vec_mul_sparse, matmul, matmul_sparse, matmul_transpose, matmul_transpose_sparse, normalize, row_hadamard,
    row_hadamard_sparse, row_sum, row_sum_sparse, sigmoid_safe, sum, u16_proportion_to_fixed, u16_to_fixed,
    vec_fixed64_to_fixed32, vec_mask_sparse_matrix, vec_max_upscale_to_u16, vec_mul, vec_u16_max_upscale_to_u16,
    vecdiv, weighted_median, weighted_median_col, weighted_median_col_sparse,
};
use agora_yuma::{I32F32, I64F64, I96F32};
use substrate_fixed::transcendental::exp;
use substrate_fixed::types::I110F18;

use crate::harness::SplitMix64;

// ---------------------------------------------------------------------------------------------
// Test-vector builders and comparisons
// ---------------------------------------------------------------------------------------------

/// The reference's `fixed(f32)`: an `f32` literal as I32F32.
fn fx(x: f32) -> I32F32 {
    I32F32::from_num(x)
}

/// `I32F32::from_num(<unsuffixed literal>)` as the reference writes it inline (an `f64`).
fn fd(x: f64) -> I32F32 {
    I32F32::from_num(x)
}

/// The reference's `vec_to_fixed(&[f32])`.
fn vec_fx(v: &[f32]) -> Vec<I32F32> {
    v.iter().map(|x| fx(*x)).collect()
}

/// Splits a row-major list into `rows` rows; with `transpose`, returns its columns instead.
fn reshape(v: &[f32], rows: usize, transpose: bool) -> Vec<Vec<f32>> {
    assert_eq!(v.len() % rows, 0, "{} values do not make {rows} rows", v.len());
    let by_row: Vec<Vec<f32>> = v.chunks(v.len() / rows).map(<[f32]>::to_vec).collect();
    if !transpose {
        return by_row;
    }
    let width = by_row.first().map_or(0, Vec::len);
    (0..width).map(|c| by_row.iter().map(|r| r[c]).collect()).collect()
}

/// The reference's `vec_to_mat_fixed(vector, rows, transpose)`.
fn mat_fx(v: &[f32], rows: usize, transpose: bool) -> Vec<Vec<I32F32>> {
    reshape(v, rows, transpose).iter().map(|r| vec_fx(r)).collect()
}

/// The reference's `vec_to_sparse_mat_fixed(vector, rows, transpose)`: positive entries only.
fn sparse_fx(v: &[f32], rows: usize, transpose: bool) -> FixedMatrix {
    reshape(v, rows, transpose)
        .iter()
        .map(|r| (0u16..).zip(r).filter(|(_, x)| **x > 0.).map(|(c, x)| (c, fx(*x))).collect())
        .collect()
}

/// The reference's `mat_to_fixed(&[Vec<f32>])`.
fn rows_fx(rows: &[&[f32]]) -> Vec<Vec<I32F32>> {
    rows.iter().map(|r| vec_fx(r)).collect()
}

fn close(a: I32F32, b: I32F32, eps: I32F32) -> bool {
    (a - b).abs() <= eps
}

/// Same length, every pair within `eps`.
fn assert_vec_close(got: &[I32F32], want: &[I32F32], eps: I32F32) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (a, b) in got.iter().zip(want) {
        assert!(close(*a, *b, eps), "{got:?} vs {want:?} (eps {eps})");
    }
}

/// Same shape, every cell within `eps`.
fn assert_mat_close(got: &[Vec<I32F32>], want: &[Vec<I32F32>], eps: I32F32) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (a, b) in got.iter().zip(want) {
        assert_vec_close(a, b, eps);
    }
}

/// Same rows with the same columns in the same order, every value within `eps`.
fn assert_sparse_close(got: &[Vec<(u16, I32F32)>], want: &[Vec<(u16, I32F32)>], eps: I32F32) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (a, b) in got.iter().zip(want) {
        assert_eq!(a.len(), b.len(), "row {a:?} vs {b:?}");
        for ((ca, va), (cb, vb)) in a.iter().zip(b) {
            assert_eq!(ca, cb, "row {a:?} vs {b:?}");
            assert!(close(*va, *vb, eps), "row {a:?} vs {b:?} (eps {eps})");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The reference's test-vector helpers (ours must build the same vectors)
// ---------------------------------------------------------------------------------------------

/// Port of `test_math_vec_to_fixed` (on our builder).
#[test]
fn test_math_vec_to_fixed() {
    let want = [fd(0.), fd(1.), fd(2.), fd(3.)];
    assert_vec_close(&vec_fx(&[0., 1., 2., 3.]), &want, fd(0.));
}

/// Port of `test_math_vec_to_mat_fixed` (on our builder).
#[test]
fn test_math_vec_to_mat_fixed() {
    let want = vec![vec![fd(0.), fd(1.), fd(2.)], vec![fd(0.), fd(10.), fd(100.)]];
    assert_mat_close(&mat_fx(&[0., 1., 2., 0., 10., 100.], 2, false), &want, fd(0.));
}

/// Port of `test_math_vec_to_sparse_mat_fixed` (on our builder).
#[test]
fn test_math_vec_to_sparse_mat_fixed() {
    let v = [0., 1., 2., 0., 10., 100.];
    let want = vec![vec![(1, fd(1.)), (2, fd(2.))], vec![(1, fd(10.)), (2, fd(100.))]];
    assert_sparse_close(&sparse_fx(&v, 2, false), &want, fd(0.));
    assert_sparse_close(&sparse_fx(&[0., 0.], 2, false), &[vec![], vec![]], fd(0.));
    let want = vec![vec![], vec![(0, fd(1.)), (1, fd(10.))], vec![(0, fd(2.)), (1, fd(100.))]];
    assert_sparse_close(&sparse_fx(&v, 2, true), &want, fd(0.));
    assert_sparse_close(&sparse_fx(&[0., 0.], 2, true), &[vec![]], fd(0.));
}

// ---------------------------------------------------------------------------------------------
// The fixed-point library behaviour the reference relies on
// ---------------------------------------------------------------------------------------------

/// Port of `test_math_fixed_overflow`: the widest products the emission code forms fit, and the
/// bonds-moving-average → alpha conversion gives exactly 0.1 and 0.
#[test]
fn test_math_fixed_overflow() {
    let max_32 = I32F32::max_value();
    let _ = I96F32::from_num(max_32) * I96F32::from_num(u64::MAX);
    let _ = I110F18::from_num(max_32) * I110F18::from_num(u64::MAX);
    let moving_average = I64F64::from_num(900_000u64) / I64F64::from_num(1_000_000);
    assert_eq!(I32F32::from_num(1) - I32F32::from_num(moving_average), fd(0.1));
    let moving_average = I64F64::from_num(max_32) / I64F64::from_num(max_32);
    assert_eq!(I32F32::from_num(1) - I32F32::from_num(moving_average), fd(0.));
}

/// Port of `test_math_u64_normalization`: u64 amounts over the 21M-TAO supply as I64F64 and
/// I32F32 fractions.
#[test]
fn test_math_u64_normalization() {
    let supply = I64F64::from_num(21_000_000_000_000_000u64);
    let cases: [(u64, f64, f64); 4] = [
        (1, 0.0000000000000000476, 0.),
        (4_889_444, 0.00000000023283066664, 0.0000000002),
        (10_500_000_000_000_000, 0.5, 0.5),
        (21_000_000_000_000_000, 1., 1.),
    ];
    for (amount, frac_64, frac_32) in cases {
        let frac = I64F64::from_num(amount) / supply;
        assert_eq!(frac, I64F64::from_num(frac_64), "{amount}");
        assert_eq!(I32F32::from_num(frac), fd(frac_32), "{amount}");
    }
}

/// Port of `test_math_to_num`: integer conversions of I32F32 and I96F32, singly and over 1000
/// copies.
#[test]
fn test_math_to_num() {
    let v = I32F32::from_num(u16::MAX);
    assert_eq!(v.to_num::<u16>(), u16::MAX);
    assert_eq!(vec![v; 1000].iter().map(|e| e.to_num::<u16>()).collect::<Vec<_>>(), vec![u16::MAX; 1000]);
    for v in [I32F32::max_value(), I32F32::from_num(0)] {
        let each = v.to_num::<u64>();
        assert_eq!(vec![v; 1000].iter().map(|e| e.to_num::<u64>()).collect::<Vec<_>>(), vec![each; 1000]);
    }
    let v = I96F32::from_num(u64::MAX);
    assert_eq!(v.to_num::<u64>(), u64::MAX);
    assert_eq!(vec![v; 1000].iter().map(|e| e.to_num::<u64>()).collect::<Vec<_>>(), vec![u64::MAX; 1000]);
}

// ---------------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------------

/// Port of `test_vec_max_upscale_to_u16`.
#[test]
fn test_vec_max_upscale_to_u16() {
    let cases: &[(&[f32], &[u16])] = &[
        (&[], &[]),
        (&[0.], &[0]),
        (&[0., 0.], &[0, 0]),
        (&[0., 1.], &[0, 65535]),
        (&[0., 0.000000001], &[0, 65535]),
        (&[0., 0.000016, 1.], &[0, 1, 65535]),
        (&[0.000000001, 0.000000001], &[65535, 65535]),
        (
            &[0.000001, 0.000006, 0.000007, 0.0001, 0.001, 0.01, 0.1, 0.2, 0.3, 0.4],
            &[0, 1, 1, 16, 164, 1638, 16384, 32768, 49151, 65535],
        ),
        (&[16384.], &[65535]),
        (&[32768.], &[65535]),
        (&[32769.], &[65535]),
        (&[65535.], &[65535]),
        (&[0., 1., 65535.], &[0, 1, 65535]),
        (&[0., 0.5, 1., 1.5, 2., 32768.], &[0, 1, 2, 3, 4, 65535]),
        (&[0., 0.5, 1., 1.5, 2., 32768., 32769.], &[0, 1, 2, 3, 4, 65533, 65535]),
    ];
    for (input, target) in cases {
        assert_eq!(vec_max_upscale_to_u16(&vec_fx(input)), target.to_vec(), "{input:?}");
    }
    assert_eq!(vec_max_upscale_to_u16(&[I32F32::max_value()]), vec![65535]);
    let v = [fx(0.), fx(1.), fx(32768.), fx(32769.), I32F32::max_value()];
    assert_eq!(vec_max_upscale_to_u16(&v), vec![0, 0, 1, 1, 65535]);
}

/// Port of `test_vec_u16_max_upscale_to_u16`.
#[test]
fn test_vec_u16_max_upscale_to_u16() {
    for (input, target) in [
        (vec![], vec![]),
        (vec![0], vec![0]),
        (vec![0, 0], vec![0, 0]),
        (vec![1], vec![65535]),
        (vec![0, 1], vec![0, 65535]),
        (vec![65534], vec![65535]),
        (vec![65535], vec![65535]),
        (vec![65535, 65535], vec![65535, 65535]),
        (vec![0, 1, 65534], vec![0, 1, 65535]),
        (vec![0, 1, 2, 3, 4, 65533, 65535], vec![0, 1, 2, 3, 4, 65533, 65535]),
    ] {
        assert_eq!(vec_u16_max_upscale_to_u16(&input), target, "{input:?}");
    }
}

/// Port of `test_check_vec_max_limited`.
#[test]
fn test_check_vec_max_limited() {
    let max = u16::MAX;
    assert!(check_vec_max_limited(&[], 0));
    assert!(check_vec_max_limited(&[], max));
    assert!(check_vec_max_limited(&[max], max));
    assert!(!check_vec_max_limited(&[max], max - 1));
    assert!(!check_vec_max_limited(&[max], 0));
    assert!(check_vec_max_limited(&[0], max));
    assert!(check_vec_max_limited(&[0, max], max));
    assert!(!check_vec_max_limited(&[0, max, max], max / 2));
    assert!(check_vec_max_limited(&[0, max, max], max / 2 + 1));
    assert!(!check_vec_max_limited(&[0, max, max, max], max / 3 - 1));
    assert!(check_vec_max_limited(&[0, max, max, max], max / 3));
}

/// Port of `test_math_fixed_to_u16`.
#[test]
fn test_math_fixed_to_u16() {
    for x in [u16::MIN, u16::MAX / 2, u16::MAX] {
        assert_eq!(fixed_to_u16(I32F32::from_num(x)), x);
    }
}

/// Port of `test_math_fixed_to_u64` (the reference's only live assertion).
#[test]
fn test_math_fixed_to_u64() {
    assert_eq!(fixed_to_u64(I32F32::from_num(u64::MIN)), u64::MIN);
}

/// Port of `test_math_fixed_to_u64_saturates`.
#[test]
fn test_math_fixed_to_u64_saturates() {
    assert_eq!(fixed_to_u64(I32F32::from_num(-1)), 0);
}

/// Port of `test_math_fixed64_to_u64`.
#[test]
fn test_math_fixed64_to_u64() {
    assert_eq!(fixed64_to_u64(I64F64::from_num(u64::MIN)), u64::MIN);
    for x in [i64::MAX / 2, i64::MAX] {
        assert_eq!(fixed64_to_u64(I64F64::from_num(x)), x.unsigned_abs());
    }
}

/// Port of `test_math_fixed64_to_u64_saturates`.
#[test]
fn test_math_fixed64_to_u64_saturates() {
    assert_eq!(fixed64_to_u64(I64F64::from_num(-1)), 0);
}

/// Port of `test_math_fixed64_to_fixed32`.
#[test]
fn test_math_fixed64_to_fixed32() {
    for x in [0u32, u32::MAX / 2] {
        assert_eq!(fixed64_to_fixed32(I64F64::from_num(u64::from(x))), I32F32::from_num(x));
    }
}

/// Port of `test_math_fixed64_to_fixed32_saturates`.
#[test]
fn test_math_fixed64_to_fixed32_saturates() {
    assert_eq!(fixed64_to_fixed32(I64F64::from_num(u32::MAX)), I32F32::max_value());
}

/// Port of `test_math_u16_to_fixed`.
#[test]
fn test_math_u16_to_fixed() {
    for x in [u16::MIN, u16::MAX / 2, u16::MAX] {
        assert_eq!(u16_to_fixed(x), I32F32::from_num(x));
    }
}

/// Port of `test_math_u16_proportion_to_fixed`.
#[test]
fn test_math_u16_proportion_to_fixed() {
    assert_eq!(u16_proportion_to_fixed(u16::MIN), I32F32::from_num(u16::MIN));
}

/// Port of `test_fixed_proportion_to_u16`.
#[test]
fn test_fixed_proportion_to_u16() {
    assert_eq!(fixed_proportion_to_u16(I32F32::from_num(u16::MIN)), u16::MIN);
}

/// Port of `test_fixed_proportion_to_u16_saturates`.
#[test]
fn test_fixed_proportion_to_u16_saturates() {
    assert_eq!(fixed_proportion_to_u16(I32F32::from_num(u16::MAX)), u16::MAX);
}

/// Port of `test_vec_fixed64_to_fixed32`.
#[test]
fn test_vec_fixed64_to_fixed32() {
    for x in [i32::MIN, i32::MAX] {
        assert_eq!(vec_fixed64_to_fixed32(&[I64F64::from_num(x)]), vec![I32F32::from_num(x)]);
    }
}

/// Port of `test_vec_fixed64_to_fixed32_saturates`.
#[test]
fn test_vec_fixed64_to_fixed32_saturates() {
    assert_eq!(vec_fixed64_to_fixed32(&[I64F64::from_num(i64::MAX)]), vec![I32F32::max_value()]);
}

// ---------------------------------------------------------------------------------------------
// exp and sigmoid
// ---------------------------------------------------------------------------------------------

/// Port of `test_math_exp_safe`: equal to substrate-fixed's `exp` at 0 and 1, and clamped to
/// `exp(±20)` at and beyond ±20.
#[test]
fn test_math_exp_safe() {
    let (zero, one) = (I32F32::from_num(0), I32F32::from_num(1));
    let lib = |x: I32F32| -> I32F32 { exp(x).expect("in range") };
    assert_eq!(exp_safe(zero), lib(zero));
    assert_eq!(exp_safe(one), lib(one));
    let (lo, hi) = (I32F32::from_num(-20), I32F32::from_num(20));
    for x in [lo, lo - one, I32F32::min_value()] {
        assert_eq!(exp_safe(x), lib(lo), "{x}");
    }
    for x in [hi, hi + one, I32F32::max_value()] {
        assert_eq!(exp_safe(x), lib(hi), "{x}");
    }
}

/// Port of `test_math_sigmoid_safe`.
#[test]
fn test_math_sigmoid_safe() {
    let trust =
        [I32F32::min_value(), I32F32::from_num(0), fd(0.4), fd(0.5), fd(0.6), I32F32::from_num(1), I32F32::max_value()];
    let curve = |inputs: &[I32F32], rho: I32F32, kappa: I32F32| -> Vec<I32F32> {
        inputs.iter().map(|t| sigmoid_safe(*t, rho, kappa)).collect()
    };
    let (max, min) = (I32F32::max_value(), I32F32::min_value());
    let tiny = 0.0000000019f32;
    assert_eq!(curve(&trust, max, max), vec_fx(&[tiny, tiny, tiny, tiny, tiny, tiny, 0.5]));
    assert_eq!(curve(&trust, min, min), vec_fx(&[0.5, tiny, tiny, tiny, tiny, tiny, tiny]));
    let want: Vec<I32F32> =
        [0.0000000019, 0.0000003057, 0.0474258729, 0.5, 0.952574127, 0.9999996943, 0.9999999981].map(fd).to_vec();
    assert_eq!(curve(&trust, I32F32::from_num(30), fd(0.5)), want);

    let trust = vec_fx(&[0., 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.]);
    let want: Vec<I32F32> = [
        0.0000000019,
        0.0000001125,
        0.0000061442,
        0.0003353502,
        0.017986214,
        0.5,
        0.9820138067,
        0.9996646498,
        0.9999938558,
        0.9999998875,
        0.9999999981,
    ]
    .map(fd)
    .to_vec();
    assert_eq!(curve(&trust, I32F32::from_num(40), fd(0.5)), want);
}

// ---------------------------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------------------------

/// Port of `test_math_is_topk`.
#[test]
fn test_math_is_topk() {
    assert_eq!(is_topk(&[], 5), Vec::<bool>::new());
    let v = vec_fx(&[0., 1., 2., 3., 4., 5., 6., 7., 8., 9.]);
    assert_eq!(is_topk(&v, 0), vec![false; 10]);
    let mut top5 = vec![false; 5];
    top5.extend([true; 5]);
    assert_eq!(is_topk(&v, 5), top5);
    assert_eq!(is_topk(&v, 10), vec![true; 10]);
    assert_eq!(is_topk(&v, 100), vec![true; 10]);
    let v = vec_fx(&[9., 8., 7., 6., 5., 4., 3., 2., 1., 0.]);
    assert_eq!(is_topk(&v, 5), top5.iter().rev().copied().collect::<Vec<_>>());
    let alternating: Vec<bool> = (0..10).map(|i| i % 2 == 0).collect();
    assert_eq!(is_topk(&vec_fx(&[9., 0., 8., 1., 7., 2., 6., 3., 5., 4.]), 5), alternating);
    assert_eq!(is_topk(&vec_fx(&[0.9, 0., 0.8, 0.1, 0.7, 0.2, 0.6, 0.3, 0.5, 0.4]), 5), alternating);
    assert_eq!(is_topk(&vec_fx(&[0., 1., 2., 3., 4., 5., 5., 5., 5., 6.]), 5), top5);
}

/// Port of `test_math_sum`.
#[test]
fn test_math_sum() {
    assert_eq!(sum(&[]), I32F32::from_num(0));
    assert_eq!(sum(&[fd(1.0), fd(10.0), fd(30.0)]), I32F32::from_num(41));
    assert_eq!(sum(&[fd(-1.0), fd(10.0), fd(30.0)]), I32F32::from_num(39));
}

/// `[1, 10, 30]` and `[-1, 10, 30]` normalised, the targets of the reference's normalisation
/// tests (tolerance 1e-4).
const NORMALISED: [([f64; 3], [f64; 3]); 2] = [
    ([1.0, 10.0, 30.0], [0.0243902437, 0.243902439, 0.7317073171]),
    ([-1.0, 10.0, 30.0], [-0.0256410255, 0.2564102563, 0.769230769]),
];

/// Port of `test_math_normalize`.
#[test]
fn test_math_normalize() {
    let eps = fd(0.0001);
    assert_vec_close(&normalize(&[]), &[], eps);
    for (input, target) in NORMALISED {
        let y = normalize(&input.map(fd));
        assert_vec_close(&y, &target.map(fd), eps);
        assert!(close(sum(&y), fd(1.0), eps));
    }
}

/// Port of `test_math_inplace_normalize`.
#[test]
fn test_math_inplace_normalize() {
    for (input, target) in NORMALISED {
        let mut x = input.map(fd);
        inplace_normalize(&mut x);
        assert_vec_close(&x, &target.map(fd), fd(0.0001));
    }
}

/// Port of `test_math_inplace_normalize_64` (the reference's 1e-4 tolerance).
#[test]
fn test_math_inplace_normalize_64() {
    let eps = I64F64::from_num(0.0001);
    for (input, target) in NORMALISED {
        let mut x = input.map(I64F64::from_num);
        inplace_normalize_64(&mut x);
        for (a, t) in x.iter().zip(target) {
            assert!((*a - I64F64::from_num(t)).abs() <= eps, "{a} vs {t}");
        }
    }
}

/// Port of `test_math_vecdiv`.
#[test]
fn test_math_vecdiv() {
    assert_eq!(vecdiv(&[], &[]), Vec::<I32F32>::new());
    assert_eq!(vecdiv(&vec_fx(&[0., 1., 0., 1.]), &vec_fx(&[0., 1., 1., 0.])), vec_fx(&[0., 1., 0., 0.]));
    let want = vec![fx(1.) / fx(2.), fx(1.) / fx(3.), fx(5.)];
    assert_eq!(vecdiv(&vec_fx(&[1., 1., 10.]), &vec_fx(&[2., 3., 2.])), want);
}

/// Port of `test_math_inplace_mask_vector`.
#[test]
fn test_math_inplace_mask_vector() {
    for (mask, target) in [
        ([false, false, false], [0., 1., 2.]),
        ([false, true, false], [0., 0., 2.]),
        ([true, true, true], [0., 0., 0.]),
    ] {
        let mut v = vec_fx(&[0., 1., 2.]);
        inplace_mask_vector(&mask, &mut v);
        assert_vec_close(&v, &vec_fx(&target), fd(0.));
    }
}

/// Port of `test_math_vec_mul`.
#[test]
fn test_math_vec_mul() {
    let v = vec_fx(&[1., 2., 3., 4.]);
    assert_vec_close(&vec_mul(&v, &v), &vec_fx(&[1., 4., 9., 16.]), fd(0.));
    assert_vec_close(&vec_mul(&[], &v), &[], fd(0.));
    assert_vec_close(&vec_mul(&vec_fx(&[0.; 8]), &v), &[I32F32::from_num(0); 4], fd(0.));
}

// ---------------------------------------------------------------------------------------------
// Normalisation and upscaling of matrices
// ---------------------------------------------------------------------------------------------

/// The 4 × 5 matrix of the reference's dense normalisation tests and its row-normalised form.
const DENSE_INPUT: [f32; 20] =
    [0., 1., 2., 3., 4., 0., 10., 100., 1000., 10000., 0., 0., 0., 0., 0., 1., 1., 1., 1., 1.];
const DENSE_ROW_NORMALISED: [f32; 20] =
    [0., 0.1, 0.2, 0.3, 0.4, 0., 0.0009, 0.009, 0.09, 0.9, 0., 0., 0., 0., 0., 0.2, 0.2, 0.2, 0.2, 0.2];

/// The 6 × 7 matrix of the reference's sparse normalisation tests and its row-normalised form.
const SPARSE_INPUT: [f32; 42] = [
    0., 1., 0., 2., 0., 3., 4., 0., 1., 0., 2., 0., 3., 0., 1., 0., 0., 2., 0., 3., 4., 0., 10., 0., 100., 1000., 0.,
    10000., 0., 0., 0., 0., 0., 0., 0., 1., 1., 1., 1., 1., 1., 1.,
];
const SPARSE_ROW_NORMALISED: [f32; 42] = [
    0., 0.1, 0., 0.2, 0., 0.3, 0.4, 0., 0.166666, 0., 0.333333, 0., 0.5, 0., 0.1, 0., 0., 0.2, 0., 0.3, 0.4, 0.,
    0.0009, 0., 0.009, 0.09, 0., 0.9, 0., 0., 0., 0., 0., 0., 0., 0.142857, 0.142857, 0.142857, 0.142857, 0.142857,
    0.142857, 0.142857,
];

/// Port of `test_math_inplace_row_normalize`.
#[test]
fn test_math_inplace_row_normalize() {
    let mut m = mat_fx(&DENSE_INPUT, 4, false);
    inplace_row_normalize(&mut m);
    assert_mat_close(&m, &mat_fx(&DENSE_ROW_NORMALISED, 4, false), fd(0.0001));
}

/// Port of `test_math_inplace_row_normalize_sparse`.
#[test]
fn test_math_inplace_row_normalize_sparse() {
    let mut m = sparse_fx(&SPARSE_INPUT, 6, false);
    inplace_row_normalize_sparse(&mut m);
    assert_sparse_close(&m, &sparse_fx(&SPARSE_ROW_NORMALISED, 6, false), fd(0.0001));
    let mut m = sparse_fx(&[0.; 12], 3, false);
    inplace_row_normalize_sparse(&mut m);
    assert_sparse_close(&m, &sparse_fx(&[0.; 12], 3, false), fd(0.));
}

/// Port of `test_math_inplace_col_normalize` (the row test, transposed).
#[test]
fn test_math_inplace_col_normalize() {
    let mut m = mat_fx(&DENSE_INPUT, 4, true);
    inplace_col_normalize(&mut m);
    assert_mat_close(&m, &mat_fx(&DENSE_ROW_NORMALISED, 4, true), fd(0.0001));
}

/// Port of `test_math_inplace_col_normalize_sparse`.
#[test]
fn test_math_inplace_col_normalize_sparse() {
    let mut m = sparse_fx(&SPARSE_INPUT, 6, true);
    inplace_col_normalize_sparse(&mut m, 6);
    assert_sparse_close(&m, &sparse_fx(&SPARSE_ROW_NORMALISED, 6, true), fd(0.0001));
    let mut m = sparse_fx(&[0.; 12], 3, false);
    inplace_col_normalize_sparse(&mut m, 6);
    assert_sparse_close(&m, &sparse_fx(&[0.; 12], 3, false), fd(0.));
    let mut m: FixedMatrix = vec![];
    inplace_col_normalize_sparse(&mut m, 0);
    assert_sparse_close(&m, &[], fd(0.0001));
}

/// Port of `test_math_inplace_col_max_upscale`.
#[test]
fn test_math_inplace_col_max_upscale() {
    let mut m: Vec<Vec<I32F32>> = vec![vec![]];
    inplace_col_max_upscale(&mut m);
    assert_eq!(m, vec![Vec::<I32F32>::new()]);
    let mut m = vec![vec![I32F32::from_num(0)]];
    inplace_col_max_upscale(&mut m);
    assert_eq!(m, vec![vec![I32F32::from_num(0)]]);
    let mut m = mat_fx(&DENSE_INPUT, 4, true);
    inplace_col_max_upscale(&mut m);
    let target = [0., 0.25, 0.5, 0.75, 1., 0., 0.001, 0.01, 0.1, 1., 0., 0., 0., 0., 0., 1., 1., 1., 1., 1.];
    assert_mat_close(&m, &mat_fx(&target, 4, true), fd(0.0001));
}

/// Port of `test_math_inplace_col_max_upscale_sparse`.
#[test]
fn test_math_inplace_col_max_upscale_sparse() {
    let mut m: FixedMatrix = vec![vec![]];
    inplace_col_max_upscale_sparse(&mut m, 0);
    assert_eq!(m, vec![vec![]]);
    let mut m: FixedMatrix = vec![vec![(0, I32F32::from_num(0))]];
    inplace_col_max_upscale_sparse(&mut m, 1);
    assert_eq!(m, vec![vec![(0, I32F32::from_num(0))]]);
    let mut m = sparse_fx(&SPARSE_INPUT, 6, true);
    inplace_col_max_upscale_sparse(&mut m, 6);
    let target = [
        0., 0.25, 0., 0.5, 0., 0.75, 1., 0., 0.333333, 0., 0.666666, 0., 1., 0., 0.25, 0., 0., 0.5, 0., 0.75, 1., 0.,
        0.001, 0., 0.01, 0.1, 0., 1., 0., 0., 0., 0., 0., 0., 0., 1., 1., 1., 1., 1., 1., 1.,
    ];
    assert_sparse_close(&m, &sparse_fx(&target, 6, true), fd(0.0001));
    let mut m = sparse_fx(&[0.; 12], 3, false);
    inplace_col_max_upscale_sparse(&mut m, 6);
    assert_sparse_close(&m, &sparse_fx(&[0.; 12], 3, false), fd(0.));
    let mut m: FixedMatrix = vec![];
    inplace_col_max_upscale_sparse(&mut m, 0);
    assert_sparse_close(&m, &[], fd(0.0001));
}

// ---------------------------------------------------------------------------------------------
// Masks
// ---------------------------------------------------------------------------------------------

const ONE_TO_NINE: [f32; 9] = [1., 2., 3., 4., 5., 6., 7., 8., 9.];
const NINE_ZEROS: [f32; 9] = [0.; 9];

/// Port of `test_math_inplace_mask_matrix`.
#[test]
fn test_math_inplace_mask_matrix() {
    let input = [0., 1., 2., 3., 4., 5., 6., 7., 8.];
    let none = vec![vec![false; 3]; 3];
    let diag: Vec<Vec<bool>> = (0..3).map(|r| (0..3).map(|c| r == c).collect()).collect();
    let all = vec![vec![true; 3]; 3];
    for (mask, target) in [(none, input), (diag, [0., 1., 2., 3., 0., 5., 6., 7., 0.]), (all, [0.; 9])] {
        let mut m = mat_fx(&input, 3, false);
        inplace_mask_matrix(&mask, &mut m);
        assert_mat_close(&m, &mat_fx(&target, 3, false), fd(0.));
    }
}

/// The row masks of the reference's row-masking tests and what they leave of 1..=9.
const ROW_MASKS: [([bool; 3], [f32; 9]); 3] = [
    ([false, false, false], ONE_TO_NINE),
    ([true, true, true], NINE_ZEROS),
    ([true, false, true], [0., 0., 0., 4., 5., 6., 0., 0., 0.]),
];

/// Port of `test_math_inplace_mask_rows`.
#[test]
fn test_math_inplace_mask_rows() {
    for (mask, target) in ROW_MASKS {
        let mut m = mat_fx(&ONE_TO_NINE, 3, false);
        inplace_mask_rows(&mask, &mut m);
        assert_mat_close(&m, &mat_fx(&target, 3, false), fd(0.));
    }
    let mut m = mat_fx(&NINE_ZEROS, 3, false);
    inplace_mask_rows(&[false; 3], &mut m);
    assert_mat_close(&m, &mat_fx(&NINE_ZEROS, 3, false), fd(0.));
}

/// Port of `test_math_mask_rows_sparse`.
#[test]
fn test_math_mask_rows_sparse() {
    let m = sparse_fx(&ONE_TO_NINE, 3, false);
    for (mask, target) in ROW_MASKS {
        assert_sparse_close(&mask_rows_sparse(&mask, &m), &sparse_fx(&target, 3, false), fd(0.));
    }
    let m = sparse_fx(&NINE_ZEROS, 3, false);
    assert_sparse_close(&mask_rows_sparse(&[false; 3], &m), &sparse_fx(&NINE_ZEROS, 3, false), fd(0.));
}

/// 1..=9 with the diagonal zeroed.
const NO_DIAGONAL: [f32; 9] = [0., 2., 3., 4., 0., 6., 7., 8., 0.];

/// Port of `test_math_inplace_mask_diag`.
#[test]
fn test_math_inplace_mask_diag() {
    let mut m = mat_fx(&ONE_TO_NINE, 3, false);
    inplace_mask_diag(&mut m);
    assert_mat_close(&m, &mat_fx(&NO_DIAGONAL, 3, false), fd(0.));
}

/// `target` with the diagonal cell `(k, k)` restored from `input`.
fn keep_diagonal_cell(input: &[f32; 9], target: &[f32; 9], k: usize) -> [f32; 9] {
    let mut out = *target;
    out[k * 3 + k] = input[k * 3 + k];
    out
}

/// Port of `test_math_inplace_mask_diag_except_index`.
#[test]
fn test_math_inplace_mask_diag_except_index() {
    for k in 0..3u16 {
        let mut m = mat_fx(&ONE_TO_NINE, 3, false);
        inplace_mask_diag_except_index(&mut m, k);
        let target = keep_diagonal_cell(&ONE_TO_NINE, &NO_DIAGONAL, usize::from(k));
        assert_mat_close(&m, &mat_fx(&target, 3, false), fd(0.));
    }
}

/// Port of `test_math_mask_diag_sparse`.
#[test]
fn test_math_mask_diag_sparse() {
    let diagonal_only = [1., 0., 0., 0., 5., 0., 0., 0., 9.];
    for (input, target) in [(ONE_TO_NINE, NO_DIAGONAL), (diagonal_only, NINE_ZEROS), (NINE_ZEROS, NINE_ZEROS)] {
        let got = mask_diag_sparse(&sparse_fx(&input, 3, false));
        assert_sparse_close(&got, &sparse_fx(&target, 3, false), fd(0.));
    }
}

/// Port of `test_math_mask_diag_sparse_except_index`.
#[test]
fn test_math_mask_diag_sparse_except_index() {
    let diagonal_only = [1., 0., 0., 0., 5., 0., 0., 0., 9.];
    for (input, masked) in [(ONE_TO_NINE, NO_DIAGONAL), (diagonal_only, NINE_ZEROS), (NINE_ZEROS, NINE_ZEROS)] {
        let m = sparse_fx(&input, 3, false);
        for k in 0..3u16 {
            let target = sparse_fx(&keep_diagonal_cell(&input, &masked, usize::from(k)), 3, false);
            let got = mask_diag_sparse_except_index(&m, k);
            assert_eq!(got.len(), target.len());
            assert_sparse_close(&got, &target, fd(0.));
        }
    }
}

/// Port of `test_math_vec_mask_sparse_matrix`.
#[test]
fn test_math_vec_mask_sparse_matrix() {
    let ids = [1u64, 2, 3];
    let m = sparse_fx(&ONE_TO_NINE, 3, false);
    let got = vec_mask_sparse_matrix(&m, &ids, &ids, |a, b| a == b);
    assert_sparse_close(&got, &sparse_fx(&NO_DIAGONAL, 3, false), fd(0.));
    let got = vec_mask_sparse_matrix(&m, &ids, &ids, |a, b| a < b);
    assert_sparse_close(&got, &sparse_fx(&[1., 0., 0., 4., 5., 0., 7., 8., 9.], 3, false), fd(0.));
    let m = sparse_fx(&NINE_ZEROS, 3, false);
    let got = vec_mask_sparse_matrix(&m, &ids, &ids, |a, b| a == b);
    assert_sparse_close(&got, &sparse_fx(&NINE_ZEROS, 3, false), fd(0.));
}

// ---------------------------------------------------------------------------------------------
// Products, sums and clipping
// ---------------------------------------------------------------------------------------------

/// 1..=12 as 4 rows of 3, and two sparser variants, used by the reference's product tests.
const ONE_TO_TWELVE: [f32; 12] = [1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., 12.];
const NO_FIRST_COLUMN_DIAGONAL: [f32; 12] = [0., 2., 3., 4., 0., 6., 7., 8., 0., 10., 11., 12.];
const TWELVE_ZEROS: [f32; 12] = [0.; 12];

/// Port of `test_math_mat_vec_mul`.
#[test]
fn test_math_mat_vec_mul() {
    let m = mat_fx(&ONE_TO_TWELVE, 4, false);
    let target = [1., 4., 9., 4., 10., 18., 7., 16., 27., 10., 22., 36.];
    assert_mat_close(&mat_vec_mul(&m, &vec_fx(&[1., 2., 3.])), &mat_fx(&target, 4, false), fd(0.));
    let target = [1., 0., 0., 4., 0., 0., 7., 0., 0., 10., 0., 0.];
    assert_mat_close(&mat_vec_mul(&m, &vec_fx(&[1., 0., 0.])), &mat_fx(&target, 4, false), fd(0.));
    assert_mat_close(&mat_vec_mul(&m, &[]), &vec![vec![]; 4], fd(0.));
}

/// Port of `test_math_mat_vec_mul_sparse`.
#[test]
fn test_math_mat_vec_mul_sparse() {
    let m = sparse_fx(&ONE_TO_TWELVE, 4, false);
    let target = [1., 4., 9., 4., 10., 18., 7., 16., 27., 10., 22., 36.];
    assert_sparse_close(&mat_vec_mul_sparse(&m, &vec_fx(&[1., 2., 3.])), &sparse_fx(&target, 4, false), fd(0.));
    let target = [1., 0., 0., 4., 0., 0., 7., 0., 0., 10., 0., 0.];
    assert_sparse_close(&mat_vec_mul_sparse(&m, &vec_fx(&[1., 0., 0.])), &sparse_fx(&target, 4, false), fd(0.));
    assert_sparse_close(&mat_vec_mul_sparse(&m, &[]), &vec![vec![]; 4], fd(0.));
}

/// Port of `test_math_row_hadamard`.
#[test]
fn test_math_row_hadamard() {
    let got = row_hadamard(&mat_fx(&ONE_TO_TWELVE, 4, false), &vec_fx(&[1., 2., 3., 4.]));
    let target = [1., 2., 3., 8., 10., 12., 21., 24., 27., 40., 44., 48.];
    assert_mat_close(&got, &mat_fx(&target, 4, false), fd(0.));
}

/// Port of `test_math_row_hadamard_sparse`.
#[test]
fn test_math_row_hadamard_sparse() {
    let v = vec_fx(&[1., 2., 3., 4.]);
    for (input, target) in [
        (ONE_TO_TWELVE, [1., 2., 3., 8., 10., 12., 21., 24., 27., 40., 44., 48.]),
        (NO_FIRST_COLUMN_DIAGONAL, [0., 2., 3., 8., 0., 12., 21., 24., 0., 40., 44., 48.]),
        (TWELVE_ZEROS, TWELVE_ZEROS),
    ] {
        let got = row_hadamard_sparse(&sparse_fx(&input, 4, false), &v);
        assert_sparse_close(&got, &sparse_fx(&target, 4, false), fd(0.));
    }
}

/// Port of `test_math_row_sum`.
#[test]
fn test_math_row_sum() {
    assert_vec_close(&row_sum(&mat_fx(&ONE_TO_TWELVE, 4, false)), &vec_fx(&[6., 15., 24., 33.]), fd(0.));
}

/// Port of `test_math_row_sum_sparse`.
#[test]
fn test_math_row_sum_sparse() {
    for (input, target) in [
        (ONE_TO_TWELVE, [6., 15., 24., 33.]),
        (NO_FIRST_COLUMN_DIAGONAL, [5., 10., 15., 33.]),
        ([1., 2., 3., 0., 0., 0., 7., 8., 9., 10., 11., 12.], [6., 0., 24., 33.]),
        (TWELVE_ZEROS, [0., 0., 0., 0.]),
    ] {
        assert_vec_close(&row_sum_sparse(&sparse_fx(&input, 4, false)), &vec_fx(&target), fd(0.));
    }
}

/// Port of `test_math_matmul`.
#[test]
fn test_math_matmul() {
    let got = matmul(&mat_fx(&ONE_TO_TWELVE, 4, false), &vec_fx(&[1., 2., 3., 4.]));
    assert_vec_close(&got, &vec_fx(&[70., 80., 90.]), fd(0.));
}

/// Port of `test_math_matmul_transpose`.
#[test]
fn test_math_matmul_transpose() {
    let got = matmul_transpose(&mat_fx(&ONE_TO_TWELVE, 4, false), &vec_fx(&[1., 2., 3.]));
    assert_vec_close(&got, &vec_fx(&[14., 32., 50., 68.]), fd(0.));
}

/// Port of `test_math_sparse_matmul`.
#[test]
fn test_math_sparse_matmul() {
    let v = vec_fx(&[1., 2., 3., 4.]);
    for (input, target) in
        [(ONE_TO_TWELVE, [70., 80., 90.]), (NO_FIRST_COLUMN_DIAGONAL, [69., 70., 63.]), (TWELVE_ZEROS, [0., 0., 0.])]
    {
        assert_vec_close(&matmul_sparse(&sparse_fx(&input, 4, false), &v, 3), &vec_fx(&target), fd(0.));
    }
}

/// Port of `test_math_sparse_matmul_transpose`.
#[test]
fn test_math_sparse_matmul_transpose() {
    let v = vec_fx(&[1., 2., 3.]);
    for (input, target) in [
        (ONE_TO_TWELVE, [14., 32., 50., 68.]),
        (NO_FIRST_COLUMN_DIAGONAL, [13., 22., 23., 68.]),
        (TWELVE_ZEROS, [0., 0., 0., 0.]),
    ] {
        assert_vec_close(&matmul_transpose_sparse(&sparse_fx(&input, 4, false), &v), &vec_fx(&target), fd(0.));
    }
}

/// Port of `test_math_matmul2` (tolerance 1e-4).
#[test]
fn test_math_matmul2() {
    let eps = fd(0.0001);
    let check = |w: &[Vec<I32F32>], x: f64, want: [f64; 3]| {
        assert_vec_close(&matmul(w, &[fd(x); 3]), &want.map(fd), eps);
    };
    let ones = vec![vec![fd(1.0); 3]; 3];
    check(&ones, 1.0, [3., 3., 3.]);
    check(&ones, 2.0, [6., 6., 6.]);
    check(&ones, 3.0, [9., 9., 9.]);
    check(&ones, -1.0, [-3., -3., -3.]);
    let minus_ones = vec![vec![fd(-1.0); 3]; 3];
    check(&minus_ones, 1.0, [-3., -3., -3.]);
    check(&minus_ones, 2.0, [-6., -6., -6.]);
    check(&minus_ones, 3.0, [-9., -9., -9.]);
    check(&minus_ones, -1.0, [3., 3., 3.]);
    let by_row = vec![vec![fd(1.0); 3], vec![fd(2.0); 3], vec![fd(3.0); 3]];
    check(&by_row, 0.0, [0., 0., 0.]);
    check(&by_row, 2.0, [12., 12., 12.]);
    let by_col = vec![vec![fd(1.), fd(2.), fd(3.)]; 3];
    check(&by_col, 0.0, [0., 0., 0.]);
    check(&by_col, 2.0, [6., 12., 18.]);
}

/// Port of `test_math_inplace_col_clip`.
#[test]
fn test_math_inplace_col_clip() {
    let mut m = mat_fx(&[0., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., 12.], 4, false);
    inplace_col_clip(&mut m, &vec_fx(&[0., 5., 12.]));
    assert_mat_close(&m, &mat_fx(&[0., 2., 3., 0., 5., 6., 0., 5., 9., 0., 5., 12.], 4, false), fd(0.));
}

/// Port of `test_math_col_clip_sparse`.
#[test]
fn test_math_col_clip_sparse() {
    let threshold = vec_fx(&[0., 5., 12.]);
    for (input, target) in [
        ([0., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., 12.], [0., 2., 3., 0., 5., 6., 0., 5., 9., 0., 5., 12.]),
        ([0., 2., 3., 4., 5., 6., 0., 0., 0., 10., 11., 12.], [0., 2., 3., 0., 5., 6., 0., 0., 0., 0., 5., 12.]),
        (TWELVE_ZEROS, TWELVE_ZEROS),
    ] {
        let got = col_clip_sparse(&sparse_fx(&input, 4, false), &threshold);
        assert_sparse_close(&got, &sparse_fx(&target, 4, false), fd(0.));
    }
}

// ---------------------------------------------------------------------------------------------
// Weighted median
// ---------------------------------------------------------------------------------------------

fn median_of(stake: &[I32F32], score: &[I32F32], majority: I32F32) -> I32F32 {
    let idx: Vec<usize> = (0..stake.len()).collect();
    let total: I32F32 = stake.iter().sum();
    weighted_median(stake, score, &idx, fx(1.) - majority, fx(0.), total)
}

/// What [`weighted_median`] must return on the whole vector with bounds `[0, Σstake]`, derived
/// from the partition rules (spec §3.2 step 6) rather than by running a search.
///
/// Group the entries by distinct score, ascending; for a score `x` let `below(x)` be the stake
/// on scores `< x` and `upto(x)` the stake on scores `≤ x`. The search keeps a contiguous run of
/// distinct scores whose stake interval `[lo, hi]` is `[below(first), upto(last)]`, moves to the
/// lower part when `minority < below(pivot)` and to the upper part when
/// `upto(pivot) ≤ minority`. Hence it stops at the score with
/// `below(x) ≤ minority < upto(x)` (unique: those half-open intervals tile `[0, Σstake)`, and a
/// score without stake has an empty one), or, when `minority ≥ Σstake`, climbs to the highest
/// score (with or without stake); with `minority < 0` it descends to the lowest. No entry → 0.
///
/// This is the spec's "largest score x such that the stake on scores ≥ x exceeds κ" except at an
/// exact tie `below(x) = minority`, where the partition rule keeps the higher score.
fn expected_median(stake: &[I32F32], score: &[I32F32], minority: I32F32) -> I32F32 {
    let zero = I32F32::from_num(0);
    let mut by_score: Vec<(I32F32, I32F32)> = score.iter().copied().zip(stake.iter().copied()).collect();
    by_score.sort_by_key(|(s, _)| *s);
    let (Some(lowest), Some(highest)) = (by_score.first(), by_score.last()) else {
        return zero;
    };
    if minority < zero {
        return lowest.0;
    }
    let mut below = zero;
    for group in by_score.chunk_by(|a, b| a.0 == b.0) {
        let upto = below + group.iter().map(|(_, st)| *st).sum::<I32F32>();
        if below <= minority && minority < upto {
            return group[0].0;
        }
        below = upto;
    }
    highest.0
}

/// Port of `test_math_weighted_median`: the reference's fixed cases, then its randomised check,
/// all repeated 100 times as the reference does.
///
/// The randomised part follows the reference's design (for each majority in its list, a
/// vector of 100 distinct scores with equal stake and a vector of tied scores with 0/1 stakes,
/// each also shuffled ten times) with our own generator (seeded) and our own oracle:
/// [`expected_median`] gives the single value the search must return, so the check is exact.
#[test]
fn test_math_weighted_median() {
    let (zero, one) = (fx(0.), fx(1.));
    let m = fx(0.51);
    let mut rng = SplitMix64(0x6d65_6469_616e);
    let n = 100usize;
    let majorities = vec_fx(&[0., 0.0000001, 0.25, 0.49, 0.49, 0.49, 0.5, 0.51, 0.51, 0.51, 0.9999999, 1.]);
    for _ in 0..100 {
        assert_eq!(zero, median_of(&[], &[], m));
        assert_eq!(one, median_of(&normalize(&vec_fx(&[0.51])), &vec_fx(&[1.]), m));
        assert_eq!(one, median_of(&vec_fx(&[0.49, 0.51]), &vec_fx(&[0.5, 1.]), m));
        assert_eq!(fx(0.5), median_of(&vec_fx(&[0.51, 0.49]), &vec_fx(&[0.5, 1.]), m));
        assert_eq!(one, median_of(&vec_fx(&[0.49, 0., 0.51]), &vec_fx(&[0.5, 0.7, 1.]), m));
        assert_eq!(fx(0.7), median_of(&vec_fx(&[0.49, 0.01, 0.5]), &vec_fx(&[0.5, 0.7, 1.]), m));
        assert_eq!(fx(0.7), median_of(&vec_fx(&[0.49, 0.51, 0.0]), &vec_fx(&[0.5, 0.7, 1.]), m));
        assert_eq!(one, median_of(&vec_fx(&[0.0, 0.49, 0.51]), &vec_fx(&[0.5, 0.7, 1.]), m));
        assert_eq!(one, median_of(&vec_fx(&[0.0, 0.49, 0.0, 0.51]), &vec_fx(&[0.5, 0.5, 1., 1.]), m));
        assert_eq!(one, median_of(&vec_fx(&[0.0, 0.49, 0.0, 0.51, 0.0]), &vec_fx(&[0.5, 0.5, 1., 1., 0.5]), m));
        assert_eq!(fx(0.6), median_of(&vec_fx(&[0.2, 0.2, 0.2, 0.2, 0.2]), &vec_fx(&[0.8, 0.2, 1., 0.6, 0.4]), m));
        assert_eq!(
            fx(0.6),
            median_of(&vec_fx(&[0.1; 10]), &vec_fx(&[0.8, 0.8, 0.2, 0.2, 1.0, 1.0, 0.6, 0.6, 0.4, 0.4]), m)
        );

        for &majority in &majorities {
            for tied in [false, true] {
                // Distinct scores 0..n with equal stake, or a few score levels (ties) with
                // stakes of 0 or 1; stake normalised with the crate's own function.
                let (mut stake, score): (Vec<I32F32>, Vec<I32F32>) = (0..n)
                    .map(|i| {
                        if tied {
                            (I32F32::from_num(rng.below(2)), I32F32::from_num(rng.below(8)))
                        } else {
                            (one, I32F32::from_num(i))
                        }
                    })
                    .unzip();
                inplace_normalize(&mut stake);
                let total: I32F32 = stake.iter().sum();
                let minority = (total - majority).max(zero);
                let want = expected_median(&stake, &score, minority);
                let everyone: Vec<usize> = (0..n).collect();
                let ctx = format!("majority {majority} tied {tied}");
                assert_eq!(weighted_median(&stake, &score, &everyone, minority, zero, total), want, "{ctx}");
                // The median does not depend on the order of the entries.
                let mut order = everyone.clone();
                for _ in 0..10 {
                    for i in (1..n).rev() {
                        order.swap(i, rng.below(i as u64 + 1) as usize);
                    }
                    let st: Vec<I32F32> = order.iter().map(|&i| stake[i]).collect();
                    let sc: Vec<I32F32> = order.iter().map(|&i| score[i]).collect();
                    assert_eq!(weighted_median(&st, &sc, &everyone, minority, zero, total), want, "{ctx} shuffled");
                }
            }
        }
    }
}

/// Port of `test_math_weighted_median_col`.
#[test]
fn test_math_weighted_median_col() {
    assert_eq!(Vec::<I32F32>::new(), weighted_median_col(&[], &[vec![]], fx(0.5)));
    let w = mat_fx(&[0., 0., 0., 0.], 2, false);
    assert_eq!(vec_fx(&[0., 0.]), weighted_median_col(&vec_fx(&[0., 0.]), &w, fx(0.5)));

    let stake = vec_fx(&[0., 0.75, 0.25, 0.]);
    let w = mat_fx(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0.4, 0.5], 4, false);
    assert_eq!(vec_fx(&[0., 0.3, 0.4]), weighted_median_col(&stake, &w, fx(0.24)));
    assert_eq!(vec_fx(&[0., 0.2, 0.4]), weighted_median_col(&stake, &w, fx(0.26)));
    assert_eq!(vec_fx(&[0., 0.2, 0.1]), weighted_median_col(&stake, &w, fx(0.76)));

    let stake = vec_fx(&[0., 0.3, 0.2, 0.5]);
    let w = mat_fx(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0., 0.5], 4, false);
    assert_eq!(vec_fx(&[0., 0., 0.4]), weighted_median_col(&stake, &w, fx(0.51)));
}

/// Port of `test_math_weighted_median_col_sparse`.
#[test]
fn test_math_weighted_median_col_sparse() {
    assert_eq!(Vec::<I32F32>::new(), weighted_median_col_sparse(&[], &[vec![]], 0, fx(0.5)));
    let w = sparse_fx(&[0., 0., 0., 0.], 2, false);
    assert_eq!(vec_fx(&[0., 0.]), weighted_median_col_sparse(&vec_fx(&[0., 0.]), &w, 2, fx(0.5)));

    let stake = vec_fx(&[0., 0.75, 0.25, 0.]);
    let w = sparse_fx(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0.4, 0.5], 4, false);
    assert_eq!(vec_fx(&[0., 0.3, 0.4]), weighted_median_col_sparse(&stake, &w, 3, fx(0.24)));
    assert_eq!(vec_fx(&[0., 0.2, 0.4]), weighted_median_col_sparse(&stake, &w, 3, fx(0.26)));
    assert_eq!(vec_fx(&[0., 0.2, 0.1]), weighted_median_col_sparse(&stake, &w, 3, fx(0.76)));

    let stake = vec_fx(&[0., 0.3, 0.2, 0.5]);
    let w = sparse_fx(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0., 0.5], 4, false);
    assert_eq!(vec_fx(&[0., 0., 0.4]), weighted_median_col_sparse(&stake, &w, 3, fx(0.51)));
}

// ---------------------------------------------------------------------------------------------
// Interpolation
// ---------------------------------------------------------------------------------------------

/// Port of `test_math_interpolate`.
#[test]
fn test_math_interpolate() {
    let exact = fd(0.);
    let empty: Vec<Vec<I32F32>> = vec![vec![]];
    assert_mat_close(&interpolate(&empty, &empty, fd(0.)), &empty, exact);

    let (m1, m2) = (vec![vec![I32F32::from_num(0)]], vec![vec![I32F32::from_num(1)]]);
    assert_mat_close(&interpolate(&m1, &m2, fd(0.)), &[vec![I32F32::from_num(0)]], exact);
    assert_mat_close(&interpolate(&m1, &m2, fd(1.)), &[vec![I32F32::from_num(1)]], exact);

    let zeros = mat_fx(&TWELVE_ZEROS, 4, false);
    assert_mat_close(&interpolate(&zeros, &zeros, fd(0.)), &zeros, exact);
    assert_mat_close(&interpolate(&zeros, &zeros, fd(1.)), &zeros, exact);

    let m1 = mat_fx(&[1., 10., 100., 1000., 10000., 100000.], 3, false);
    let m2 = mat_fx(&[10., 100., 1000., 10000., 100000., 1000000.], 3, false);
    assert_mat_close(
        &interpolate(&m1, &m2, fd(0.)),
        &mat_fx(&[1., 10., 100., 1000., 10000., 100000.], 3, false),
        exact,
    );
    let target = mat_fx(&[9.1, 91., 910., 9100., 91000., 910000.], 3, false);
    assert_mat_close(&interpolate(&m1, &m2, fd(0.9)), &target, fd(0.0001));

    let ones = mat_fx(&[1.; 12], 4, false);
    for (ratio, value) in [(0., 0.), (0.000000001, 0.000000001), (0.5, 0.5), (0.9999998808, 0.999_999_9), (1., 1.)] {
        let got = interpolate(&zeros, &ones, fd(ratio));
        assert_mat_close(&got, &mat_fx(&[value; 12], 4, false), exact);
    }
}

/// Port of `test_math_interpolate_sparse`.
#[test]
fn test_math_interpolate_sparse() {
    let exact = fd(0.);
    let empty: FixedMatrix = vec![vec![]];
    assert_sparse_close(&interpolate_sparse(&empty, &empty, 0, fd(0.)), &empty, exact);

    let (m1, m2) = (sparse_fx(&[0.], 1, false), sparse_fx(&[1.], 1, false));
    for (ratio, value) in [(0., 0.), (0.5, 0.5), (1., 1.)] {
        assert_sparse_close(&interpolate_sparse(&m1, &m2, 1, fd(ratio)), &sparse_fx(&[value], 1, false), exact);
    }

    let zeros = sparse_fx(&TWELVE_ZEROS, 4, false);
    assert_sparse_close(&interpolate_sparse(&zeros, &zeros, 3, fd(0.)), &zeros, exact);
    assert_sparse_close(&interpolate_sparse(&zeros, &zeros, 3, fd(1.)), &zeros, exact);

    let m1 = sparse_fx(&[1., 0., 100., 1000., 10000., 100000.], 3, false);
    let m2 = sparse_fx(&[10., 100., 1000., 10000., 100000., 0.], 3, false);
    let target = sparse_fx(&[1., 0., 100., 1000., 10000., 100000.], 3, false);
    assert_sparse_close(&interpolate_sparse(&m1, &m2, 2, fd(0.)), &target, exact);
    let target = sparse_fx(&[9.1, 90., 910., 9100., 91000., 10000.], 3, false);
    assert_sparse_close(&interpolate_sparse(&m1, &m2, 2, fd(0.9)), &target, fd(0.0001));

    let ones = sparse_fx(&[1.; 12], 4, false);
    for (ratio, value) in [(0., 0.), (0.000000001, 0.000000001), (0.5, 0.5), (0.9999998808, 0.999_999_9), (1., 1.)] {
        let got = interpolate_sparse(&zeros, &ones, 3, fd(ratio));
        assert_sparse_close(&got, &sparse_fx(&[value; 12], 4, false), exact);
    }
}

// ---------------------------------------------------------------------------------------------
// Bond EMA with per-entry alpha
// ---------------------------------------------------------------------------------------------

/// The old/new matrices of the reference's `mat_ema_alpha` tests.
const EMA_SMALL: [f32; 12] = [0.1, 0.2, 3., 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12];
const EMA_TINY: [f32; 12] = [0.001, 0.002, 0.003, 0.004, 0.05, 0.006, 0.007, 0.008, 0.009, 0.010, 0.011, 0.012];

/// Port of `test_math_mat_ema_alpha` (tolerance 1e-4).
#[test]
fn test_math_mat_ema_alpha() {
    let eps = fd(1e-4);
    let decayed = [0.10, 0.2, 1., 0.0399, 0.05, 0.0599, 0.07, 0.07999, 0.09, 0.1, 0.10999, 0.11999];
    let new_big = [10., 20., 30., 40., 50., 60., 70., 80., 90., 100., 110., 120.];
    for (old, new, alpha, target) in [
        (EMA_SMALL, ONE_TO_TWELVE, 0.1, [0.19, 0.38, 1., 0.436, 0.545, 0.6539, 0.763, 0.8719, 0.981, 1., 1., 1.]),
        (EMA_SMALL, new_big, 0., decayed),
        (EMA_TINY, EMA_SMALL, 1., decayed),
    ] {
        let got = mat_ema_alpha(&mat_fx(&new, 4, false), &mat_fx(&old, 4, false), &mat_fx(&[alpha; 12], 4, false));
        assert_mat_close(&got, &mat_fx(&target, 4, false), eps);
    }
}

/// One case of the sparse EMA test: `(old, new, target, tolerance)`, 4 × 3 row-major.
type EmaCase = ([f32; 12], [f32; 12], [f32; 12], f64);

/// Port of `test_math_sparse_mat_ema_alpha` (tolerance 1e-4, 1e-1 for the last case).
#[test]
fn test_math_sparse_mat_ema_alpha() {
    let alphas = mat_fx(&[0.1; 12], 4, false);
    let cases: [EmaCase; 5] = [
        (EMA_SMALL, ONE_TO_TWELVE, [0.19, 0.38, 1., 0.43599, 0.545, 0.65399, 0.763, 0.87199, 0.981, 1., 1., 1.], 1e-4),
        (
            EMA_TINY,
            EMA_SMALL,
            [0.0109, 0.0218, 0.30270, 0.007599, 0.05, 0.01139, 0.0133, 0.01519, 0.017, 0.01899, 0.02089, 0.0227],
            1e-4,
        ),
        (
            TWELVE_ZEROS,
            EMA_SMALL,
            [0.01, 0.02, 0.3, 0.00399, 0.005, 0.00599, 0.007, 0.00799, 0.009, 0.01, 0.011, 0.01199],
            1e-4,
        ),
        (TWELVE_ZEROS, TWELVE_ZEROS, TWELVE_ZEROS, 1e-4),
        (
            [1., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
            [0., 0., 0., 0., 2., 0., 0., 0., 0., 0., 0., 0.],
            [0.0, 0., 0., 0., 0.2, 0., 0., 0., 0., 0., 0., 0.],
            1e-1,
        ),
    ];
    for (old, new, target, eps) in cases {
        let got = mat_ema_alpha_sparse(&sparse_fx(&new, 4, false), &sparse_fx(&old, 4, false), &alphas);
        assert_sparse_close(&got, &sparse_fx(&target, 4, false), fd(eps));
    }
}

/// The 2 × 2 `new`/`old` pair of several reference `mat_ema_alpha_sparse` tests.
fn two_by_two() -> (FixedMatrix, FixedMatrix) {
    let new = vec![vec![(0, fd(1.0)), (1, fd(2.0))], vec![(0, fd(3.0)), (1, fd(4.0))]];
    let old = vec![vec![(0, fd(5.0)), (1, fd(6.0))], vec![(0, fd(7.0)), (1, fd(8.0))]];
    (new, old)
}

/// Port of `test_mat_ema_alpha_sparse_empty`.
#[test]
fn test_mat_ema_alpha_sparse_empty() {
    assert_eq!(mat_ema_alpha_sparse(&[], &[], &[]), FixedMatrix::new());
}

/// Port of `test_mat_ema_alpha_sparse_single_element`.
#[test]
fn test_mat_ema_alpha_sparse_single_element() {
    let got = mat_ema_alpha_sparse(&[vec![(0, fd(1.0))]], &[vec![(0, fd(2.0))]], &[vec![fd(0.5)]]);
    assert_eq!(got, vec![vec![(0, fd(1.0))]]);
}

/// Port of `test_mat_ema_alpha_sparse_multiple_elements`.
#[test]
fn test_mat_ema_alpha_sparse_multiple_elements() {
    let (new, old) = two_by_two();
    let got = mat_ema_alpha_sparse(&new, &old, &vec![vec![fd(0.1), fd(0.2)]; 2]);
    let want = vec![vec![(0, fd(1.0)), (1, fd(1.0))]; 2];
    assert_sparse_close(&got, &want, fd(0.000001));
}

/// Port of `test_mat_ema_alpha_sparse_zero_alpha`.
#[test]
fn test_mat_ema_alpha_sparse_zero_alpha() {
    let got = mat_ema_alpha_sparse(&[vec![(0, fd(1.0))]], &[vec![(0, fd(2.0))]], &[vec![fd(0.1), fd(0.0)]]);
    assert_eq!(got, vec![vec![(0, fd(1.0))]]);
}

/// Port of `test_mat_ema_alpha_sparse_one_alpha`.
#[test]
fn test_mat_ema_alpha_sparse_one_alpha() {
    let got = mat_ema_alpha_sparse(&[vec![(0, fd(1.0))]], &[vec![(0, fd(2.0))]], &[vec![fd(1.0), fd(0.0)]]);
    assert_eq!(got, vec![vec![(0, fd(1.0))]]);
}

/// Port of `test_mat_ema_alpha_sparse_mixed_alpha`.
#[test]
fn test_mat_ema_alpha_sparse_mixed_alpha() {
    let (new, old) = two_by_two();
    let got = mat_ema_alpha_sparse(&new, &old, &vec![vec![fd(0.3), fd(0.7)]; 2]);
    assert_sparse_close(&got, &vec![vec![(0, fd(1.0)), (1, fd(1.0))]; 2], fd(0.000001));
}

/// Port of `test_mat_ema_alpha_sparse_sparse_matrix`.
#[test]
fn test_mat_ema_alpha_sparse_sparse_matrix() {
    let new = vec![vec![(0, fd(1.0))], vec![(1, fd(4.0))]];
    let old = vec![vec![(0, fd(5.0))], vec![(1, fd(8.0))]];
    let got = mat_ema_alpha_sparse(&new, &old, &vec![vec![fd(0.5), fd(0.5)]; 2]);
    assert_eq!(got, vec![vec![(0, fd(1.0))], vec![(1, fd(1.0))]]);
}

/// Port of `test_mat_ema_alpha_sparse_varying_alpha` (tolerance 1e-6).
#[test]
fn test_mat_ema_alpha_sparse_varying_alpha() {
    let weights = vec![vec![(0, fd(0.1)), (1, fd(0.2))], vec![(0, fd(0.3)), (1, fd(0.4))]];
    let bonds = vec![vec![(0, fd(0.5)), (1, fd(0.6))], vec![(0, fd(0.7)), (1, fd(0.8))]];
    let alpha = vec![vec![fd(0.9), fd(0.8)], vec![fd(0.5), fd(0.7)]];
    let want = vec![vec![(0, fd(0.14)), (1, fd(0.28))], vec![(0, fd(0.499999)), (1, fd(0.519999))]];
    assert_sparse_close(&mat_ema_alpha_sparse(&weights, &bonds, &alpha), &want, fd(1e-6));
}

/// The `new`/`old` pair of the reference's dense `mat_ema_alpha` tests.
fn dense_pair() -> (Vec<Vec<I32F32>>, Vec<Vec<I32F32>>) {
    (rows_fx(&[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]]), rows_fx(&[&[0.5, 1.5, 2.5], &[3.5, 4.5, 5.5]]))
}

/// Port of `test_mat_ema_alpha_basic`.
#[test]
fn test_mat_ema_alpha_basic() {
    let (new, old) = dense_pair();
    let got = mat_ema_alpha(&new, &old, &vec![vec![fd(0.5); 3]; 2]);
    assert_eq!(got, rows_fx(&[&[0.75, 1.0, 1.0], &[1.0, 1.0, 1.0]]));
}

/// Port of `test_mat_ema_alpha_varying_alpha` (tolerance 1e-6).
#[test]
fn test_mat_ema_alpha_varying_alpha() {
    let (new, old) = dense_pair();
    let got = mat_ema_alpha(&new, &old, &vec![vec![fd(0.2), fd(0.5), fd(0.8)]; 2]);
    assert_mat_close(&got, &rows_fx(&[&[0.6, 1.0, 1.0], &[1.0, 1.0, 1.0]]), fd(1e-6));
}

/// Port of `test_mat_ema_alpha_empty_matrices`.
#[test]
fn test_mat_ema_alpha_empty_matrices() {
    assert_eq!(mat_ema_alpha(&[], &[], &[]), vec![Vec::<I32F32>::new(); 1]);
}

/// Port of `test_mat_ema_alpha_single_element`.
#[test]
fn test_mat_ema_alpha_single_element() {
    let got = mat_ema_alpha(&rows_fx(&[&[1.0]]), &rows_fx(&[&[0.5]]), &[vec![fd(0.5)]]);
    assert_eq!(got, rows_fx(&[&[0.75]]));
}

/// Port of `test_mat_ema_alpha_mismatched_dimensions`.
#[test]
fn test_mat_ema_alpha_mismatched_dimensions() {
    let new = rows_fx(&[&[1.0, 2.0], &[3.0, 4.0]]);
    let old = rows_fx(&[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]]);
    let got = mat_ema_alpha(&new, &old, &vec![vec![fd(0.5); 3]; 2]);
    assert_eq!(got[0][0], old[0][0]);
}
