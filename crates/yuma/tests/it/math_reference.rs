//! Ports of `pallets/subtensor/src/tests/math.rs` (reference HEAD 14bc6f9f): the weighted-median
//! cases, plus the helpers the runtime calls (`set_weights` upscaling, the max-weight check, top-k,
//! I64F64 normalisation).

use agora_yuma::math::{
    FixedMatrix, check_vec_max_limited, inplace_normalize, inplace_normalize_64, is_topk, normalize,
    vec_max_upscale_to_u16, vec_u16_max_upscale_to_u16, weighted_median, weighted_median_col,
    weighted_median_col_sparse,
};
use agora_yuma::{I32F32, I64F64};

use crate::harness::SplitMix64;

/// The reference builds its test vectors from `f32` literals (`vec_to_fixed(&[f32])`).
fn fx(x: f32) -> I32F32 {
    I32F32::from_num(x)
}

fn vec_fx(v: &[f32]) -> Vec<I32F32> {
    v.iter().map(|x| fx(*x)).collect()
}

/// `vec_to_mat_fixed(vector, rows, false)`.
fn mat_fx(v: &[f32], rows: usize) -> Vec<Vec<I32F32>> {
    let cols = v.len() / rows;
    (0..rows).map(|r| vec_fx(&v[r * cols..(r + 1) * cols])).collect()
}

/// `vec_to_sparse_mat_fixed(vector, rows, false)`: positive entries only.
fn sparse_fx(v: &[f32], rows: usize) -> FixedMatrix {
    let cols = v.len() / rows;
    (0..rows)
        .map(|r| (0..cols).filter(|c| v[r * cols + c] > 0.).map(|c| (c as u16, fx(v[r * cols + c]))).collect())
        .collect()
}

fn median_of(stake: &[I32F32], score: &[I32F32], majority: I32F32) -> I32F32 {
    let idx: Vec<usize> = (0..stake.len()).collect();
    let total: I32F32 = stake.iter().sum();
    weighted_median(stake, score, &idx, fx(1.) - majority, fx(0.), total)
}

/// Port of `test_math_weighted_median` (fixed cases, then the randomised oracle check with a
/// seeded RNG instead of the reference's unseeded one).
#[test]
fn test_math_weighted_median() {
    let (zero, one) = (fx(0.), fx(1.));
    let m = fx(0.51);
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

    // Oracle: the median must be one of the scores at the stake quantile `minority`.
    let mut rng = SplitMix64(42);
    let n = 100usize;
    for majority in vec_fx(&[0., 0.0000001, 0.25, 0.49, 0.49, 0.49, 0.5, 0.51, 0.51, 0.51, 0.9999999, 1.]) {
        for allow_equal in [false, true] {
            let mut stake: Vec<I32F32> = vec![];
            let mut score: Vec<I32F32> = vec![];
            let mut last_score = zero;
            for i in 0..n {
                if allow_equal {
                    stake.push(if rng.below(2) == 1 { one } else { zero });
                    if rng.below(2) == 1 {
                        last_score += one;
                    }
                    score.push(last_score);
                } else {
                    stake.push(one);
                    score.push(I32F32::from_num(i));
                }
            }
            inplace_normalize(&mut stake);
            let total: I32F32 = stake.iter().sum();
            let minority = (total - majority).max(zero);
            let mut medians: Vec<I32F32> = vec![];
            let mut median_stake = zero;
            let mut median_set = false;
            let mut stake_sum = zero;
            for i in 0..n {
                stake_sum += stake[i];
                if !median_set && stake_sum >= minority {
                    median_stake = stake_sum;
                    median_set = true;
                }
                if median_set {
                    if median_stake < stake_sum {
                        if median_stake == minority && !medians.contains(&score[i]) {
                            medians.push(score[i]);
                        }
                        break;
                    }
                    if !medians.contains(&score[i]) {
                        medians.push(score[i]);
                    }
                }
            }
            if medians.is_empty() {
                medians.push(zero);
            }
            let idx: Vec<usize> = (0..n).collect();
            let result = weighted_median(&stake, &score, &idx, minority, zero, total);
            assert!(medians.contains(&result));
            for _ in 0..10 {
                let mut perm: Vec<usize> = (0..n).collect();
                for i in (1..n).rev() {
                    perm.swap(i, rng.below(i as u64 + 1) as usize);
                }
                stake = perm.iter().map(|&i| stake[i]).collect();
                score = perm.iter().map(|&i| score[i]).collect();
                let result = weighted_median(&stake, &score, &idx, minority, zero, total);
                assert!(medians.contains(&result));
            }
        }
    }
}

/// Port of `test_math_weighted_median_col`.
#[test]
fn test_math_weighted_median_col() {
    assert_eq!(Vec::<I32F32>::new(), weighted_median_col(&[], &[vec![]], fx(0.5)));
    let w = mat_fx(&[0., 0., 0., 0.], 2);
    assert_eq!(vec_fx(&[0., 0.]), weighted_median_col(&vec_fx(&[0., 0.]), &w, fx(0.5)));

    let stake = vec_fx(&[0., 0.75, 0.25, 0.]);
    let w = mat_fx(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0.4, 0.5], 4);
    assert_eq!(vec_fx(&[0., 0.3, 0.4]), weighted_median_col(&stake, &w, fx(0.24)));
    assert_eq!(vec_fx(&[0., 0.2, 0.4]), weighted_median_col(&stake, &w, fx(0.26)));
    assert_eq!(vec_fx(&[0., 0.2, 0.1]), weighted_median_col(&stake, &w, fx(0.76)));

    let stake = vec_fx(&[0., 0.3, 0.2, 0.5]);
    let w = mat_fx(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0., 0.5], 4);
    assert_eq!(vec_fx(&[0., 0., 0.4]), weighted_median_col(&stake, &w, fx(0.51)));
}

/// Port of `test_math_weighted_median_col_sparse`.
#[test]
fn test_math_weighted_median_col_sparse() {
    assert_eq!(Vec::<I32F32>::new(), weighted_median_col_sparse(&[], &[vec![]], 0, fx(0.5)));
    let w = sparse_fx(&[0., 0., 0., 0.], 2);
    assert_eq!(vec_fx(&[0., 0.]), weighted_median_col_sparse(&vec_fx(&[0., 0.]), &w, 2, fx(0.5)));

    let stake = vec_fx(&[0., 0.75, 0.25, 0.]);
    let w = sparse_fx(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0.4, 0.5], 4);
    assert_eq!(vec_fx(&[0., 0.3, 0.4]), weighted_median_col_sparse(&stake, &w, 3, fx(0.24)));
    assert_eq!(vec_fx(&[0., 0.2, 0.4]), weighted_median_col_sparse(&stake, &w, 3, fx(0.26)));
    assert_eq!(vec_fx(&[0., 0.2, 0.1]), weighted_median_col_sparse(&stake, &w, 3, fx(0.76)));

    let stake = vec_fx(&[0., 0.3, 0.2, 0.5]);
    let w = sparse_fx(&[0., 0.1, 0., 0., 0.2, 0.4, 0., 0.3, 0.1, 0., 0., 0.5], 4);
    assert_eq!(vec_fx(&[0., 0., 0.4]), weighted_median_col_sparse(&stake, &w, 3, fx(0.51)));
}

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

/// Port of `test_math_inplace_normalize_64` (the reference's 1e-4 tolerance).
#[test]
fn test_math_inplace_normalize_64() {
    let eps = I64F64::from_num(0.0001);
    let check = |input: [f64; 3], target: [f64; 3]| {
        let mut x: Vec<I64F64> = input.iter().map(|v| I64F64::from_num(*v)).collect();
        inplace_normalize_64(&mut x);
        for (a, t) in x.iter().zip(target) {
            assert!((*a - I64F64::from_num(t)).abs() <= eps, "{a} vs {t}");
        }
    };
    check([1.0, 10.0, 30.0], [0.0243902437, 0.243902439, 0.7317073171]);
    check([-1.0, 10.0, 30.0], [-0.0256410255, 0.2564102563, 0.769230769]);
}
