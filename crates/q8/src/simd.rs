//! The x86-64 kernels, the crate's only `unsafe`: unaligned loads from the repacked weights and
//! the activations, and calls into functions compiled for AVX2 / AVX-512 VNNI, made only after
//! [`crate::Kernel::available`] said the CPU has them.
//!
//! Both walk the weights group by group (see [`Q8Matrix`]'s layout) and, for a tile of activation
//! rows, block by block: per step of four values one load of the group's bytes and, per
//! activation row, its four bytes broadcast to every lane and one four-byte dot product per
//! lane (VNNI: `vpdpbusd` of the stored `q + 128` by the signed activations, started from
//! `−128 · Σx` so the lane holds `Σ q·x` exactly; AVX2: the stored bytes turned back into `q`,
//! then `|q|` by `x` signed like `q` with `vpmaddubsw` and `vpmaddwd` by ones). After the
//! block's eight steps each lane holds one row's exact integer dot: as f32, times the product of
//! the two scales, fused-added into that row's accumulator — the scalar reference's order.

use core::arch::x86_64::*;

use crate::{BLOCK, GROUP_BLOCK, LANES, Out, Q8Matrix, Q8Rows};

/// Steps of four values per block.
const STEPS: usize = BLOCK / 4;

/// Group `g` of the weights and activation rows `i .. i + t`, sliced once per call so the
/// loops below read inside these bounds.
struct Operands<'a> {
    wq: &'a [u8],
    wd: &'a [f32],
    xq: &'a [i8],
    xd: &'a [f32],
    xs: &'a [i32],
    cols: usize,
    nb: usize,
    xnb: usize,
    /// Activation scales cover 2^shift blocks (Q8_0: 1, Q8_K: 8).
    shift: u32,
}

impl<'a> Operands<'a> {
    fn new(w: &'a Q8Matrix, g: usize, x: &'a Q8Rows, i: usize, t: usize) -> Operands<'a> {
        let (cols, nb) = (w.cols, w.cols / BLOCK);
        let shift = x.kind.group().trailing_zeros();
        let xnb = nb >> shift;
        Operands {
            wq: &w.qs[g * nb * GROUP_BLOCK..(g + 1) * nb * GROUP_BLOCK],
            wd: &w.scales[g * nb * LANES..(g + 1) * nb * LANES],
            xq: &x.qs[i * cols..(i + t) * cols],
            xd: &x.scales[i * xnb..(i + t) * xnb],
            xs: &x.sums[i * nb..(i + t) * nb],
            cols,
            nb,
            xnb,
            shift,
        }
    }

    /// Where each of the tile's `T` activation rows starts.
    fn rows<const T: usize>(&self) -> [*const i8; T] {
        std::array::from_fn(|t| self.xq[t * self.cols..].as_ptr())
    }
}

/// Four activation values from `at` as one little-endian `i32`.
///
/// # Safety
/// The four bytes from `at` are inside one activation row.
#[inline(always)]
unsafe fn x4(at: *const i8) -> i32 {
    // SAFETY: readable by the contract above; the read is unaligned.
    unsafe { at.cast::<i32>().read_unaligned() }
}

/// Group `g` (sixteen weight rows) against activation rows `i .. i + T`, 512-bit VNNI.
#[target_feature(enable = "avx512f,avx512vnni,avx2,fma")]
fn group_vnni<const T: usize>(w: &Q8Matrix, g: usize, x: &Q8Rows, i: usize, out: &mut Out) {
    let o = Operands::new(w, g, x, i, T);
    let rows = o.rows::<T>();
    let mut acc = [_mm512_setzero_ps(); T];
    for b in 0..o.nb {
        let mut dots = [_mm512_setzero_si512(); T];
        for (t, dot) in dots.iter_mut().enumerate() {
            *dot = _mm512_set1_epi32(-128 * o.xs[t * o.nb + b]);
        }
        let (block, xb) = (b * GROUP_BLOCK, b * BLOCK);
        assert!(block + GROUP_BLOCK <= o.wq.len() && (b + 1) * LANES <= o.wd.len() && xb + BLOCK <= o.cols);
        for s in 0..STEPS {
            // SAFETY: `block + GROUP_BLOCK` is within `wq` (asserted) and `s · 64 + 64` within
            // the block; the load is unaligned. The prefetch address is only computed, not read
            // by the program (`wrapping_add`), and prefetching never faults.
            let wv = unsafe {
                let p = o.wq.as_ptr().add(block + s * 4 * LANES);
                if i == 0 {
                    _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(2 * GROUP_BLOCK).cast());
                }
                _mm512_loadu_si512(p.cast())
            };
            for (dot, row) in dots.iter_mut().zip(&rows) {
                // SAFETY: `xb + s · 4 + 4 ≤ xb + 32 ≤ cols` (asserted): inside the row.
                let x = unsafe { x4(row.add(xb + s * 4)) };
                *dot = _mm512_dpbusd_epi32(*dot, wv, _mm512_set1_epi32(x));
            }
        }
        // SAFETY: `(b + 1) · LANES` f32 are within `wd` (asserted); the load is unaligned.
        let wd = unsafe { _mm512_loadu_ps(o.wd.as_ptr().add(b * LANES)) };
        for (t, acc) in acc.iter_mut().enumerate() {
            let scale = _mm512_mul_ps(wd, _mm512_set1_ps(o.xd[t * o.xnb + (b >> o.shift)]));
            *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[t]), scale, *acc);
        }
    }
    for (t, acc) in acc.iter().enumerate() {
        let mut lanes = [0f32; LANES];
        // SAFETY: `lanes` holds sixteen f32; the store is unaligned.
        unsafe { _mm512_storeu_ps(lanes.as_mut_ptr(), *acc) };
        out.store(w.rows, i + t, g * LANES, &lanes);
    }
}

/// Group `g` against activation rows `i .. i + T` with AVX2, one half of the group (eight
/// rows, 32 of each step's 64 bytes) after the other.
#[target_feature(enable = "avx2,fma")]
fn group_avx2<const T: usize>(w: &Q8Matrix, g: usize, x: &Q8Rows, i: usize, out: &mut Out) {
    const HALF: usize = LANES / 2;
    let o = Operands::new(w, g, x, i, T);
    let rows = o.rows::<T>();
    let flip = _mm256_set1_epi8(i8::MIN);
    let ones = _mm256_set1_epi16(1);
    for h in 0..2 {
        if g * LANES + h * HALF >= w.rows {
            break;
        }
        let mut acc = [_mm256_setzero_ps(); T];
        for b in 0..o.nb {
            let mut dots = [_mm256_setzero_si256(); T];
            let (block, xb) = (b * GROUP_BLOCK, b * BLOCK);
            assert!(block + GROUP_BLOCK <= o.wq.len() && (b + 1) * LANES <= o.wd.len() && xb + BLOCK <= o.cols);
            for s in 0..STEPS {
                // SAFETY: within the block asserted above (`h · 32 + 32 ≤ 64` per step); unaligned.
                let stored = unsafe { _mm256_loadu_si256(o.wq.as_ptr().add(block + s * 4 * LANES + h * 32).cast()) };
                let q = _mm256_xor_si256(stored, flip);
                let magnitude = _mm256_sign_epi8(q, q);
                for (dot, row) in dots.iter_mut().zip(&rows) {
                    // SAFETY: `xb + s · 4 + 4 ≤ xb + 32 ≤ cols` (asserted): inside the row.
                    let x = unsafe { x4(row.add(xb + s * 4)) };
                    // An activation of −128 stays −128 when signed by a negative weight (the
                    // product's sign is then wrong), but quantizing gives −128 only in a block
                    // whose scale is 0: the block adds a zero, of either sign, to an accumulator
                    // that is never −0, so the bits are the scalar reference's either way (a
                    // property test feeds such blocks).
                    let signed = _mm256_sign_epi8(_mm256_set1_epi32(x), q);
                    let pairs = _mm256_maddubs_epi16(magnitude, signed);
                    *dot = _mm256_add_epi32(*dot, _mm256_madd_epi16(pairs, ones));
                }
            }
            // SAFETY: `b · LANES + h · 8 + 8` f32 are within `wd` (asserted); unaligned.
            let wd = unsafe { _mm256_loadu_ps(o.wd.as_ptr().add(b * LANES + h * HALF)) };
            for (t, acc) in acc.iter_mut().enumerate() {
                let scale = _mm256_mul_ps(wd, _mm256_set1_ps(o.xd[t * o.xnb + (b >> o.shift)]));
                *acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots[t]), scale, *acc);
            }
        }
        for (t, acc) in acc.iter().enumerate() {
            let mut lanes = [0f32; HALF];
            // SAFETY: `lanes` holds eight f32; the store is unaligned.
            unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), *acc) };
            out.store(w.rows, i + t, g * LANES + h * HALF, &lanes);
        }
    }
}

/// Groups `out.groups` against every activation row, in tiles of `$widest`, then 4, 2 and 1
/// rows (a tile loads each weight step once for all its rows).
macro_rules! all {
    ($name:ident, $group:ident, $widest:literal, $features:literal) => {
        #[target_feature(enable = $features)]
        fn $name(w: &Q8Matrix, x: &Q8Rows, out: &mut Out) {
            for g in out.groups.clone() {
                let mut i = 0;
                while i + $widest <= x.rows {
                    $group::<$widest>(w, g, x, i, out);
                    i += $widest;
                }
                if $widest > 4 && i + 4 <= x.rows {
                    $group::<4>(w, g, x, i, out);
                    i += 4;
                }
                if i + 2 <= x.rows {
                    $group::<2>(w, g, x, i, out);
                    i += 2;
                }
                if i < x.rows {
                    $group::<1>(w, g, x, i, out);
                }
            }
        }
    };
}

all!(all_vnni, group_vnni, 8, "avx512f,avx512vnni,avx2,fma");
all!(all_avx2, group_avx2, 4, "avx2,fma");

/// `W·x` for the groups `out` holds, with AVX2; the caller checked shapes and the CPU.
pub(crate) fn matmul_avx2(w: &Q8Matrix, x: &Q8Rows, out: &mut Out) {
    // SAFETY: reached only through `Q8Matrix::matmul_from`, which runs a kernel only when
    // `Kernel::Avx2.available()`.
    unsafe { all_avx2(w, x, out) }
}

/// `W·x` for the groups `out` holds, with AVX-512 VNNI; the caller checked shapes and the CPU.
pub(crate) fn matmul_vnni(w: &Q8Matrix, x: &Q8Rows, out: &mut Out) {
    // SAFETY: reached only through `Q8Matrix::matmul_from`, which runs a kernel only when
    // `Kernel::Avx512Vnni.available()`.
    unsafe { all_vnni(w, x, out) }
}
