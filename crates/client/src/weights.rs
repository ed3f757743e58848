//! The reference SDK's weight helpers (`bittensor.utils.weight_utils`), bit for bit.
//!
//! Validators feed scores through [`process_weights`] (the subnet's `min_allowed_weights` and
//! `max_weight_limit` rules) and [`convert_weights_and_uids_for_emit`] (max-upscaling to u16) before
//! `set_weights`. Matching the Python results exactly means a validator ported from Python sets the
//! very same weights, so its vtrust does not move.
//!
//! Exactness comes from doing what numpy 2 does, not what is mathematically equivalent:
//! arithmetic in the array's dtype (f32, or f64 where the reference builds a float64 array), Python
//! floats cast to the array's dtype before mixing (NEP 50), and sums in numpy's pairwise order. The
//! interop test compares these functions with the Python package on random inputs.

use std::cmp::Ordering;
use std::ops::{Add, AddAssign, Div, Mul, Sub};

use agora_primitives::{AccountId, Hash, NetUid};

/// Why weights cannot be converted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WeightsError {
    /// A weight is below zero.
    #[error("weight {index} is negative ({value}); weights on chain are non-negative")]
    Negative {
        /// Position.
        index: usize,
        /// The value.
        value: String,
    },
    /// A weight is NaN or infinite.
    #[error("weight {index} is {value}; weights must be finite numbers")]
    NotFinite {
        /// Position.
        index: usize,
        /// The value.
        value: String,
    },
    /// A uid is negative or above 65535.
    #[error("uid {0} cannot exist on chain (uids are 0..=65535)")]
    BadUid(i64),
    /// `uids` and `weights` differ in length.
    #[error("got {uids} uids and {weights} weights; they must have the same length")]
    LengthMismatch {
        /// Number of uids.
        uids: usize,
        /// Number of weights.
        weights: usize,
    },
    /// A position of the weights vector is outside the subnet (the reference raises `IndexError`).
    #[error("weights has {len} entries but the subnet has only {num_neurons} neurons")]
    TooManyWeights {
        /// Length of the weights vector.
        len: usize,
        /// Neurons in the subnet.
        num_neurons: usize,
    },
}

/// numpy's float dtypes, as far as these helpers need them.
trait Float:
    Copy + PartialOrd + Add<Output = Self> + AddAssign + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    const ZERO: Self;
    const ONE: Self;
    /// A Python float mixed into an array of this dtype (NEP 50: cast to the dtype).
    fn py(x: f64) -> Self;
    /// A Python int mixed into an array of this dtype.
    fn int(x: usize) -> Self;
    fn is_nan(self) -> bool;
    fn widen(self) -> f64;
    /// A float64 assigned into an array of this dtype.
    fn narrow(x: f64) -> Self;
}

impl Float for f32 {
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;
    fn py(x: f64) -> f32 {
        x as f32
    }
    fn int(x: usize) -> f32 {
        x as f32
    }
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
    fn widen(self) -> f64 {
        f64::from(self)
    }
    fn narrow(x: f64) -> f32 {
        x as f32
    }
}

impl Float for f64 {
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
    fn py(x: f64) -> f64 {
        x
    }
    fn int(x: usize) -> f64 {
        x as f64
    }
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
    fn widen(self) -> f64 {
        self
    }
    fn narrow(x: f64) -> f64 {
        x
    }
}

/// `np.add.reduce`: pairwise summation with eight accumulators in blocks of at most 128.
fn pairwise_sum<T: Float>(a: &[T]) -> T {
    let n = a.len();
    if n < 8 {
        let mut res = T::ZERO;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - n % 8 {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[i..] {
            res += x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.sort` order: ascending, NaN last.
fn sorted<T: Float>(x: &[T]) -> Vec<T> {
    let mut v = x.to_vec();
    v.sort_by(|a, b| match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(b).expect("not NaN"),
    });
    v
}

/// `ndarray.max()`: NaN if any element is NaN.
fn max<T: Float>(x: &[T]) -> Option<T> {
    let mut it = x.iter().copied();
    let first = it.next()?;
    Some(it.fold(first, |m, v| {
        if m.is_nan() || v.is_nan() {
            if m.is_nan() { m } else { v }
        } else if v > m {
            v
        } else {
            m
        }
    }))
}

fn normalize_max_weight_in<T: Float>(x: &[T], limit: f64) -> Vec<T> {
    const EPSILON: f64 = 1e-7;
    let n = x.len();
    let mut weights = x.to_vec();
    let values = sorted(x);
    if pairwise_sum(x) == T::ZERO || n as f64 * limit <= 1.0 {
        return vec![T::ONE / T::int(n); n];
    }
    let total = pairwise_sum(&values);
    let estimation: Vec<T> = values.iter().map(|&v| v / total).collect();
    match max(&estimation) {
        Some(m) if m <= T::py(limit) => return weights.iter().map(|&w| w / pairwise_sum(x)).collect(),
        _ => {}
    }
    let mut cumsum = Vec::with_capacity(n);
    let mut running = T::ZERO;
    for &e in &estimation {
        running += e;
        cumsum.push(running);
    }
    let estimation_sum: Vec<T> = (0..n).map(|i| T::int(n - i - 1) * estimation[i]).collect();
    let n_values =
        (0..n).filter(|&i| estimation[i] / (estimation_sum[i] + cumsum[i] + T::py(EPSILON)) < T::py(limit)).count();
    // Python indexing: `cumsum[-1]` when no value is below the limit.
    let at = if n_values == 0 { n - 1 } else { n_values - 1 };
    // `n_values` is a numpy int64, so the denominator, the cutoff and the comparison are float64.
    let denominator = 1.0 - limit * (n - n_values) as f64;
    let cutoff_scale = (T::py(limit) * cumsum[at] - T::py(EPSILON)).widen() / denominator;
    let cutoff = cutoff_scale * total.widen();
    for w in weights.iter_mut() {
        if w.widen() > cutoff {
            *w = T::narrow(cutoff);
        }
    }
    let sum = pairwise_sum(&weights);
    weights.iter().map(|&w| w / sum).collect()
}

/// `normalize_max_weight(x, limit)` on a float32 array: sums to 1 with no element above `limit`
/// (uniform when the sum is 0 or `len · limit ≤ 1`).
pub fn normalize_max_weight(x: &[f32], limit: f64) -> Vec<f32> {
    normalize_max_weight_in(x, limit)
}

/// `normalize_max_weight` on a float64 array (what [`process_weights`] passes in its
/// "fewer than `min_allowed_weights`" branch).
pub fn normalize_max_weight_f64(x: &[f64], limit: f64) -> Vec<f64> {
    normalize_max_weight_in(x, limit)
}

/// `np.quantile(x, q)` for a float32 array and a Python float `q` (linear method): the index in
/// float64, the interpolation in float32 with the weight cast to float32.
fn quantile(x: &[f32], q: f64) -> f32 {
    let v = sorted(x);
    let index = (v.len() - 1) as f64 * q;
    let below = index.floor();
    let lo = below as usize;
    let hi = (lo + 1).min(v.len() - 1);
    let gamma = index - below;
    let (a, b) = (v[lo], v[hi]);
    let diff = b - a;
    if gamma >= 0.5 { b - diff * (1.0 - gamma) as f32 } else { a + diff * gamma as f32 }
}

/// `process_weights(uids, weights, num_neurons, min_allowed_weights, max_weight_limit,
/// exclude_quantile)`: the subnet's rules applied to a validator's scores. Returns the uids and
/// the normalised weights (float32 values widened to f64 in the usual branch; float64 in the two
/// fallback branches, as in the reference).
///
/// - no positive weight, or fewer neurons than `min_allowed_weights`: uniform over all uids;
/// - fewer positive weights than `min_allowed_weights`: every uid gets 1e-5 plus its weight, then
///   [`normalize_max_weight`];
/// - else the weights below the `min(exclude_quantile / 65535, (k − min_allowed) / k)` quantile are
///   dropped and the rest normalised with [`normalize_max_weight`].
pub fn process_weights(
    uids: &[u16],
    weights: &[f32],
    num_neurons: usize,
    min_allowed_weights: u16,
    max_weight_limit: f64,
    exclude_quantile: u16,
) -> Result<(Vec<u16>, Vec<f64>), WeightsError> {
    if uids.len() != weights.len() {
        return Err(WeightsError::LengthMismatch { uids: uids.len(), weights: weights.len() });
    }
    let min_allowed = usize::from(min_allowed_weights);
    let positive: Vec<usize> = (0..weights.len()).filter(|&i| weights[i] > 0.0).collect();
    let all_uids = || (0..num_neurons).map(|u| u as u16).collect::<Vec<u16>>();
    if positive.is_empty() || num_neurons < min_allowed {
        return Ok((all_uids(), vec![1.0 / num_neurons as f64; num_neurons]));
    }
    if positive.len() < min_allowed {
        if let Some(&last) = positive.last().filter(|&&i| i >= num_neurons) {
            return Err(WeightsError::TooManyWeights { len: last + 1, num_neurons });
        }
        let mut padded = vec![1e-5; num_neurons];
        for &i in &positive {
            padded[i] += f64::from(weights[i]);
        }
        return Ok((all_uids(), normalize_max_weight_f64(&padded, max_weight_limit)));
    }
    let k = positive.len();
    let values: Vec<f32> = positive.iter().map(|&i| weights[i]).collect();
    let max_exclude = k.saturating_sub(min_allowed) as f64 / k as f64;
    let q = (f64::from(exclude_quantile) / 65535.0).min(max_exclude);
    let lowest = quantile(&values, q);
    let kept: Vec<usize> = positive.into_iter().filter(|&i| lowest <= weights[i]).collect();
    let kept_weights: Vec<f32> = kept.iter().map(|&i| weights[i]).collect();
    let normalized = normalize_max_weight(&kept_weights, max_weight_limit);
    Ok((kept.iter().map(|&i| uids[i]).collect(), normalized.into_iter().map(f64::from).collect()))
}

/// `convert_weights_and_uids_for_emit(uids, weights)`: max-upscales to u16 (the largest weight
/// becomes 65535, rounding half to even) and drops the zeros. All-zero weights give empty vectors.
/// Negative, NaN or infinite weights and uids outside `0..=65535` are refused.
pub fn convert_weights_and_uids_for_emit(uids: &[i64], weights: &[f64]) -> Result<(Vec<u16>, Vec<u16>), WeightsError> {
    if let Some((index, &value)) = weights.iter().enumerate().find(|(_, w)| !w.is_finite()) {
        return Err(WeightsError::NotFinite { index, value: value.to_string() });
    }
    if let Some((index, &value)) = weights.iter().enumerate().find(|(_, w)| **w < 0.0) {
        return Err(WeightsError::Negative { index, value: value.to_string() });
    }
    if let Some(&uid) = uids.iter().find(|&&u| !(0..=i64::from(u16::MAX)).contains(&u)) {
        return Err(WeightsError::BadUid(uid));
    }
    if uids.len() != weights.len() {
        return Err(WeightsError::LengthMismatch { uids: uids.len(), weights: weights.len() });
    }
    // Python's `sum` (sequential, f64) and `max`.
    if weights.iter().sum::<f64>() == 0.0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let max_weight = weights.iter().copied().fold(f64::MIN, f64::max);
    let mut out_uids = Vec::new();
    let mut out_weights = Vec::new();
    for (&w, &uid) in weights.iter().zip(uids) {
        let value = (w / max_weight * 65535.0).round_ties_even();
        if value != 0.0 {
            out_uids.push(uid as u16);
            out_weights.push(value as u16);
        }
    }
    Ok((out_uids, out_weights))
}

/// `process_weights_for_netuid`: [`process_weights`] with the subnet's size, `min_allowed_weights`
/// and `max_weight_limit` (a u16 proportion, as the chain stores it) and no quantile exclusion.
pub fn process_weights_for_netuid(
    uids: &[u16],
    weights: &[f32],
    num_neurons: u16,
    min_allowed_weights: u16,
    max_weight_limit: u16,
) -> Result<(Vec<u16>, Vec<f64>), WeightsError> {
    let limit = f64::from(max_weight_limit) / 65535.0;
    process_weights(uids, weights, usize::from(num_neurons), min_allowed_weights, limit, 0)
}

/// `generate_weight_hash`: the commit hash `commit_weights` stores and `reveal_weights` checks.
pub fn generate_weight_hash(
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[u16],
    values: &[u16],
    version_key: u64,
    salt: &[u16],
) -> Hash {
    agora_runtime::weights_commit_hash(hotkey, netuid, uids, values, salt, version_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emit_max_upscales_and_drops_zeros() {
        let (u, w) = convert_weights_and_uids_for_emit(&[0, 1, 2, 3], &[0.5, 1.0, 0.0, 0.25]).unwrap();
        assert_eq!(u, vec![0, 1, 3]);
        assert_eq!(w, vec![32768, 65535, 16384]); // 32767.5 rounds to even; 16383.75 up
        // Tiny weights round to zero and disappear.
        let (u, w) = convert_weights_and_uids_for_emit(&[5, 6], &[1.0, 1e-6]).unwrap();
        assert_eq!((u, w), (vec![5], vec![65535]));
    }

    #[test]
    fn emit_edge_cases() {
        assert_eq!(convert_weights_and_uids_for_emit(&[0, 1], &[0.0, 0.0]).unwrap(), (vec![], vec![]));
        assert!(matches!(
            convert_weights_and_uids_for_emit(&[0, 1], &[1.0, -0.1]),
            Err(WeightsError::Negative { index: 1, .. })
        ));
        assert!(matches!(convert_weights_and_uids_for_emit(&[0], &[f64::NAN]), Err(WeightsError::NotFinite { .. })));
        assert!(matches!(
            convert_weights_and_uids_for_emit(&[0], &[f64::INFINITY]),
            Err(WeightsError::NotFinite { .. })
        ));
        assert_eq!(convert_weights_and_uids_for_emit(&[-1], &[1.0]), Err(WeightsError::BadUid(-1)));
        assert_eq!(convert_weights_and_uids_for_emit(&[70000], &[1.0]), Err(WeightsError::BadUid(70000)));
        assert!(matches!(convert_weights_and_uids_for_emit(&[0, 1], &[1.0]), Err(WeightsError::LengthMismatch { .. })));
    }

    #[test]
    fn pairwise_sum_follows_numpy_blocks() {
        // Below 8: sequential. 1e8 + 1 + … loses the ones one at a time in f32.
        let small = [1e8f32, 1.0, 1.0, 1.0];
        assert_eq!(pairwise_sum(&small), 1e8);
        // 16 elements: eight accumulators, so the ones pair up before meeting 1e8.
        // At 2^24 the f32 spacing is 2: sequentially every 1 is lost; paired up they count.
        let mut v = vec![1.0f32; 16];
        v[0] = 16_777_216.0;
        assert_eq!(v.iter().fold(0.0f32, |s, &x| s + x), 16_777_216.0);
        assert_eq!(pairwise_sum(&v), 16_777_230.0);
        let big: Vec<f32> = (0..1000).map(|i| i as f32 * 0.001).collect();
        assert!((pairwise_sum(&big) - 499.5).abs() < 1e-3);
    }

    #[test]
    fn normalize_caps_the_largest() {
        let y = normalize_max_weight(&[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 100.0], 0.2);
        assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(y.iter().all(|&v| v <= 0.2 + 1e-6), "{y:?}");
        // Uniform when the limit cannot be met, or nothing to normalise.
        assert_eq!(normalize_max_weight(&[3.0, 1.0], 0.4), vec![0.5, 0.5]);
        assert_eq!(normalize_max_weight(&[0.0, 0.0, 0.0, 0.0], 0.5), vec![0.25; 4]);
        // Under the limit: plain normalisation.
        assert_eq!(normalize_max_weight(&[1.0, 1.0, 2.0], 0.9), vec![0.25, 0.25, 0.5]);
    }

    #[test]
    fn process_all_zero_gives_uniform_over_everyone() {
        let (u, w) = process_weights_for_netuid(&[0, 1], &[0.0, 0.0], 4, 1, 65535).unwrap();
        assert_eq!(u, vec![0, 1, 2, 3]);
        assert_eq!(w, vec![0.25; 4]);
        // NaN and negative scores count as zero.
        let (u, w) = process_weights_for_netuid(&[0, 1], &[f32::NAN, -1.0], 2, 1, 65535).unwrap();
        assert_eq!((u, w), (vec![0, 1], vec![0.5, 0.5]));
    }

    #[test]
    fn process_fewer_than_min_allowed_pads_everyone() {
        let (u, w) = process_weights_for_netuid(&[0, 1, 2, 3], &[1.0, 0.0, 0.0, 0.0], 4, 2, 65535).unwrap();
        assert_eq!(u, vec![0, 1, 2, 3]);
        assert!(w[0] > 0.99 && w[1] > 0.0 && w[1] == w[2]);
        // Fewer neurons than min_allowed_weights: uniform.
        let (u, w) = process_weights_for_netuid(&[0], &[1.0], 2, 3, 65535).unwrap();
        assert_eq!((u, w), (vec![0, 1], vec![0.5, 0.5]));
        assert!(process_weights(&[0, 1, 2], &[0.0, 0.0, 1.0], 2, 2, 1.0, 0).is_err());
    }

    #[test]
    fn process_drops_zeros_and_caps() {
        let (u, w) = process_weights_for_netuid(&[3, 4, 5], &[0.0, 2.0, 6.0], 6, 1, 65535).unwrap();
        assert_eq!(u, vec![4, 5]);
        assert_eq!(w, vec![0.25, 0.75]);
        // An exclusion quantile drops the lowest weights, but never below min_allowed_weights.
        let (u, _) = process_weights(&[0, 1, 2, 3], &[1.0, 2.0, 3.0, 4.0], 4, 2, 1.0, 65535).unwrap();
        assert_eq!(u, vec![2, 3]);
    }

    proptest! {
        #[test]
        fn process_then_emit_never_panics(
            weights in proptest::collection::vec(prop_oneof![Just(f32::NAN), Just(-1.0f32), 0.0f32..1e6], 0..300),
            n_extra in 0usize..10,
            min_allowed in 0u16..20,
            limit in 0u16..=65535,
            quantile in 0u16..=65535,
        ) {
            let uids: Vec<u16> = (0..weights.len() as u16).collect();
            let n = weights.len() + n_extra;
            if let Ok((u, w)) = process_weights(&uids, &weights, n, min_allowed, f64::from(limit) / 65535.0, quantile) {
                prop_assert_eq!(u.len(), w.len());
                let uids: Vec<i64> = u.iter().map(|&x| i64::from(x)).collect();
                if w.iter().all(|x| x.is_finite()) {
                    let (eu, ew) = convert_weights_and_uids_for_emit(&uids, &w).unwrap();
                    prop_assert!(ew.is_empty() || ew.contains(&65535));
                    prop_assert_eq!(eu.len(), ew.len());
                }
            }
        }
    }
}
