//! Grouped-query attention over a KV cache that only grows (or is cut back), written out so that
//! a query row's result depends on that row and the cached keys and values alone — never on how
//! many rows were fed together. A teacher-forced check of many tokens in one pass therefore
//! computes, to the bit, the logits that decoding the same tokens one at a time computes, and a
//! validator's check and a miner's greedy answer agree exactly.

/// Keys and values of every position fed so far, position-major: row `p` holds the `kv_heads`
/// heads of position `p` side by side.
#[derive(Clone, Debug, Default)]
pub(crate) struct KvCache {
    keys: Vec<f32>,
    values: Vec<f32>,
}

impl KvCache {
    /// Positions held, for rows of `width` values.
    pub(crate) fn positions(&self, width: usize) -> usize {
        self.keys.len() / width
    }

    /// Appends the keys and values of new positions (whole rows).
    pub(crate) fn push(&mut self, keys: &[f32], values: &[f32]) {
        self.keys.extend_from_slice(keys);
        self.values.extend_from_slice(values);
    }

    /// Keeps the first `positions` rows of `width` values.
    pub(crate) fn truncate(&mut self, positions: usize, width: usize) {
        self.keys.truncate(positions * width);
        self.values.truncate(positions * width);
    }
}

/// The attention's shape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Heads {
    pub(crate) heads: usize,
    pub(crate) kv_heads: usize,
    pub(crate) dim: usize,
}

/// Causal attention of `t` query rows (`heads · dim` values each, already rotated), the last `t`
/// positions of `cache`: row `i` sees the cache up to its own position. Returns `t` rows of
/// `heads · dim`.
pub(crate) fn attend(q: &[f32], t: usize, cache: &KvCache, shape: Heads) -> Vec<f32> {
    let Heads { heads, kv_heads, dim } = shape;
    let (width, group) = (kv_heads * dim, heads / kv_heads);
    let first = cache.positions(width) - t;
    let scale = (dim as f32).sqrt();
    let mut out = vec![0f32; t * heads * dim];
    let mut weights = Vec::with_capacity(first + t);
    for i in 0..t {
        let seen = first + i + 1;
        for h in 0..heads {
            let kv = (h / group) * dim;
            let query = &q[(i * heads + h) * dim..][..dim];
            weights.clear();
            weights.extend((0..seen).map(|p| dot(query, &cache.keys[p * width + kv..][..dim]) / scale));
            let max = weights.iter().fold(f32::NEG_INFINITY, |m, &w| m.max(w));
            let mut sum = 0f32;
            for w in weights.iter_mut() {
                *w = (*w - max).exp();
                sum += *w;
            }
            let row = &mut out[(i * heads + h) * dim..][..dim];
            for (p, w) in weights.iter().enumerate() {
                let weight = w / sum;
                for (o, v) in row.iter_mut().zip(&cache.values[p * width + kv..][..dim]) {
                    *o += weight * v;
                }
            }
        }
    }
    out
}

/// `a · b` in a fixed order: eight running sums over the lanes, then the rest, then the sums.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8.remainder().iter().zip(b8.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a8.zip(b8) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Rotates `rows` of `heads · dim` values in place by their positions (`first`, `first + 1`,
/// …), pairs interleaved as GGUF stores q and k: `cos`/`sin` hold `dim / 2` values per position.
pub(crate) fn rope(x: &mut [f32], heads: usize, dim: usize, first: usize, cos: &[f32], sin: &[f32]) {
    let half = dim / 2;
    for (i, row) in x.chunks_exact_mut(heads * dim).enumerate() {
        let (c, s) = (&cos[(first + i) * half..][..half], &sin[(first + i) * half..][..half]);
        for head in row.chunks_exact_mut(dim) {
            for (k, pair) in head.chunks_exact_mut(2).enumerate() {
                let (x0, x1) = (pair[0], pair[1]);
                pair[0] = x0 * c[k] - x1 * s[k];
                pair[1] = x0 * s[k] + x1 * c[k];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| ((i * 7919 + seed) % 1000) as f32 / 250.0 - 2.0).collect()
    }

    /// Rows fed together give the bits of rows fed one at a time.
    #[test]
    fn a_row_does_not_depend_on_its_neighbours() {
        let shape = Heads { heads: 4, kv_heads: 2, dim: 16 };
        let (t, width) = (5, 2 * 16);
        let (q, k, v) = (values(t * 64, 1), values(t * width, 2), values(t * width, 3));
        let mut together = KvCache::default();
        together.push(&k, &v);
        let all = attend(&q, t, &together, shape);
        let mut alone = KvCache::default();
        for i in 0..t {
            alone.push(&k[i * width..][..width], &v[i * width..][..width]);
            let row = attend(&q[i * 64..][..64], 1, &alone, shape);
            assert_eq!(row, all[i * 64..][..64], "row {i}");
        }
    }

    /// The first position sees only itself: its output is its own value row (per kv head).
    #[test]
    fn the_first_position_attends_to_itself() {
        let shape = Heads { heads: 2, kv_heads: 1, dim: 8 };
        let mut cache = KvCache::default();
        cache.push(&values(8, 5), &values(8, 6));
        let out = attend(&values(16, 7), 1, &cache, shape);
        assert_eq!(out[..8], values(8, 6)[..]);
        assert_eq!(out[8..], values(8, 6)[..]);
        cache.truncate(0, 8);
        assert_eq!(cache.positions(8), 0);
    }
}
