//! The portable kernel and the reference every SIMD kernel equals to the bit: per block the exact
//! integer dot of the weights and activations, scaled by the product of their scales and
//! fused-added into one accumulator, block after block (the order of candle's and ggml's
//! repacked VNNI kernels).

use crate::{BLOCK, LANES, Out, Q8Matrix, Q8Rows};

/// Weight row `r` against activation row `i`.
pub(crate) fn dot(w: &Q8Matrix, r: usize, x: &Q8Rows, i: usize) -> f32 {
    let (nb, group) = (w.cols / BLOCK, x.kind.group());
    let xnb = nb / group;
    let (xq, xd) = (&x.qs[i * w.cols..(i + 1) * w.cols], &x.scales[i * xnb..(i + 1) * xnb]);
    let mut acc = 0f32;
    for b in 0..nb {
        let d = w.scale(r, b) * xd[b / group];
        let s: i32 = (0..BLOCK).map(|k| i32::from(w.q(r, b, k)) * i32::from(xq[b * BLOCK + k])).sum();
        acc = (s as f32).mul_add(d, acc);
    }
    acc
}

/// `W·x` for the groups `out` holds.
pub(crate) fn matmul(w: &Q8Matrix, x: &Q8Rows, out: &mut Out) {
    let rows = out.groups.start * LANES..(out.groups.end * LANES).min(w.rows);
    for i in 0..x.rows {
        for r in rows.clone() {
            out.store(w.rows, i, r, &[dot(w, r, x, i)]);
        }
    }
}
