//! The portable kernel and the reference, in the two orders the SIMD kernels use — so all
//! kernels give the same bits:
//! - Q8_0 activations: eight lanes of four products each per block, each lane's sum scaled and
//!   fused-added into its accumulator, the lanes reduced at the end (candle's and ggml's AVX2
//!   `vec_dot_q8_0_q8_0`);
//! - Q8_K activations: each block's exact integer dot, scaled and fused-added into one
//!   accumulator, block after block (candle's and ggml's repacked VNNI kernels).

use crate::{BLOCK, Q8Matrix, Q8Rows, hsum8};

/// One output: row `wq`/`wd` of the weights against row `xq`/`xd` of the activations, whose
/// scales each cover `group` blocks.
pub(crate) fn dot(wq: &[i8], wd: &[f32], xq: &[i8], xd: &[f32], group: usize) -> f32 {
    if group > 1 {
        return dot_serial(wq, wd, xq, xd, group);
    }
    let mut acc = [0f32; 8];
    for (b, w_scale) in wd.iter().enumerate() {
        let d = w_scale * xd[b / group];
        let (w, x) = (&wq[b * BLOCK..(b + 1) * BLOCK], &xq[b * BLOCK..(b + 1) * BLOCK]);
        for (lane, acc) in acc.iter_mut().enumerate() {
            let s: i32 = (lane * 4..lane * 4 + 4).map(|k| i32::from(w[k]) * i32::from(x[k])).sum();
            *acc = d.mul_add(s as f32, *acc);
        }
    }
    hsum8(acc)
}

/// The Q8_K order: one accumulator, a fused multiply-add per block of its exact integer dot.
fn dot_serial(wq: &[i8], wd: &[f32], xq: &[i8], xd: &[f32], group: usize) -> f32 {
    let mut acc = 0f32;
    for (b, w_scale) in wd.iter().enumerate() {
        let d = w_scale * xd[b / group];
        let (w, x) = (&wq[b * BLOCK..(b + 1) * BLOCK], &xq[b * BLOCK..(b + 1) * BLOCK]);
        let s: i32 = w.iter().zip(x).map(|(w, x)| i32::from(*w) * i32::from(*x)).sum();
        acc = (s as f32).mul_add(d, acc);
    }
    acc
}

pub(crate) fn matmul(w: &Q8Matrix, x: &Q8Rows, out: &mut [f32]) {
    let (nb, group) = (w.cols / BLOCK, x.kind.group());
    let xnb = nb / group;
    for i in 0..x.rows {
        let (xq, xd) = (&x.qs[i * w.cols..(i + 1) * w.cols], &x.scales[i * xnb..(i + 1) * xnb]);
        for r in 0..w.rows {
            let (wq, wd) = (&w.qs[r * w.cols..(r + 1) * w.cols], &w.scales[r * nb..(r + 1) * nb]);
            out[i * w.rows + r] = dot(wq, wd, xq, xd, group);
        }
    }
}
