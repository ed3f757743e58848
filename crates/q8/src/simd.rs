//! The x86-64 kernels, the crate's only `unsafe`: unaligned 32-byte loads and calls into
//! functions compiled for AVX2 / AVX-512 VNNI, made only after [`crate::Kernel::available`]
//! said the CPU has them.
//!
//! Per block, as candle's AVX2 `vec_dot_q8_0_q8_0` does: `|w|` and `x` signed by `w` make an
//! unsigned × signed byte product; groups of four products sum into eight i32 lanes (AVX2:
//! `vpmaddubsw` then `vpmaddwd` by ones; VNNI: one `vpdpbusd`, the same four bytes per lane);
//! the lanes, as f32, are fused-multiply-added with the two scales' product into eight
//! accumulators, reduced at the end. With Q8_K activations the lanes are summed as integers per
//! block (exact in any order) and fused-added into one accumulator, as the repacked kernels do.
//! A weight block is loaded once per tile of activation rows.

use core::arch::x86_64::*;

use crate::{BLOCK, Q8Matrix, Q8Rows, TILE};

/// 32 bytes from the start of `block`, which must hold at least 32.
#[target_feature(enable = "avx2")]
#[inline]
fn load(block: &[i8]) -> __m256i {
    assert!(block.len() >= BLOCK);
    // SAFETY: `block` holds at least 32 readable bytes (checked above); the load is unaligned.
    unsafe { _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()) }
}

/// Asks for the cache line of `block[at]` ahead of its use: the next group of weight rows, which
/// decoding streams from memory. Past the end of `block` it asks for nothing.
#[target_feature(enable = "avx2")]
#[inline]
fn prefetch(block: &[i8], at: usize) {
    if let Some(byte) = block.get(at) {
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte));
    }
}

/// The eight lanes' sum, in the order the scalar reference uses.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn hsum(x: __m256) -> f32 {
    let res = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
    let res = _mm_add_ps(res, _mm_movehl_ps(res, res));
    let res = _mm_add_ss(res, _mm_movehdup_ps(res));
    _mm_cvtss_f32(res)
}

/// The eight i32 lanes' sum (exact: an integer sum in any order).
#[target_feature(enable = "avx2")]
#[inline]
fn hsum_i32(x: __m256i) -> i32 {
    let s = _mm_add_epi32(_mm256_extracti128_si256(x, 1), _mm256_castsi256_si128(x));
    let s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01));
    _mm_cvtsi128_si32(s)
}

#[target_feature(enable = "avx2,fma")]
#[inline]
fn dot_avx2(unsigned: __m256i, signed: __m256i) -> __m256i {
    _mm256_madd_epi16(_mm256_set1_epi16(1), _mm256_maddubs_epi16(unsigned, signed))
}

#[target_feature(enable = "avx2,fma,avx512vnni,avx512vl")]
#[inline]
fn dot_vnni(unsigned: __m256i, signed: __m256i) -> __m256i {
    _mm256_dpbusd_epi32(_mm256_setzero_si256(), unsigned, signed)
}

/// Lane `j` of the result is the sum of `v[j]`'s eight lanes (exact integer sums).
#[target_feature(enable = "avx2")]
#[inline]
fn reduce8(v: &[__m256i; ROWS_K]) -> __m256i {
    let a0 = _mm256_hadd_epi32(v[0], v[1]);
    let a1 = _mm256_hadd_epi32(v[2], v[3]);
    let a2 = _mm256_hadd_epi32(v[4], v[5]);
    let a3 = _mm256_hadd_epi32(v[6], v[7]);
    // Per 128-bit half: rows 0–3 (b0) and 4–7 (b1), each lane one row's half-sum.
    let b0 = _mm256_hadd_epi32(a0, a1);
    let b1 = _mm256_hadd_epi32(a2, a3);
    let low = _mm256_permute2x128_si256(b0, b1, 0x20);
    let high = _mm256_permute2x128_si256(b0, b1, 0x31);
    _mm256_add_epi32(low, high)
}

/// Weight rows per tile in the Q8_0 order (independent accumulators, one activation load).
const ROWS: usize = 4;
/// Weight rows per tile in the Q8_K order: one f32 lane per row.
const ROWS_K: usize = 8;

macro_rules! kernel {
    (
        $entry:ident,
        $all:ident,
        $tile:ident,
        $tile_k:ident,
        $tile_k8:ident,
        $wide:ident,
        $wide_rows:expr,
        $wide_k8:ident,
        $features:literal,
        $dot:ident
    ) => {
        /// Weight rows `r .. r + R` against activation rows `i .. i + T`, Q8_0 order.
        #[target_feature(enable = $features)]
        fn $tile<const R: usize, const T: usize>(w: &Q8Matrix, r: usize, x: &Q8Rows, i: usize, out: &mut [f32]) {
            let (cols, nb) = (w.cols, w.cols / BLOCK);
            // Activation scales cover 2^shift blocks (Q8_0: 1, Q8_K: 8).
            let shift = x.kind.group().trailing_zeros();
            let xnb = nb >> shift;
            let wq = &w.qs[r * cols..(r + R) * cols];
            let wd = &w.scales[r * nb..(r + R) * nb];
            let xq = &x.qs[i * cols..(i + T) * cols];
            let xd = &x.scales[i * xnb..(i + T) * xnb];
            let mut acc = [[_mm256_setzero_ps(); T]; R];
            let mut xs = [_mm256_setzero_si256(); T];
            let mut xds = [0f32; T];
            for b in 0..nb {
                for t in 0..T {
                    xs[t] = load(&xq[t * cols + b * BLOCK..]);
                    xds[t] = xd[t * xnb + (b >> shift)];
                }
                for (ri, acc) in acc.iter_mut().enumerate() {
                    prefetch(&w.qs, (r + ri + R) * cols + b * BLOCK);
                    let wv = load(&wq[ri * cols + b * BLOCK..]);
                    let unsigned = _mm256_sign_epi8(wv, wv);
                    let wdb = wd[ri * nb + b];
                    for t in 0..T {
                        let lanes = _mm256_cvtepi32_ps($dot(unsigned, _mm256_sign_epi8(xs[t], wv)));
                        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(wdb * xds[t]), lanes, acc[t]);
                    }
                }
            }
            for (ri, acc) in acc.iter().enumerate() {
                for (t, acc) in acc.iter().enumerate() {
                    out[(i + t) * w.rows + r + ri] = hsum(*acc);
                }
            }
        }

        /// The Q8_K order (see the module header): weight row `r` against activation row `i`.
        #[target_feature(enable = $features)]
        fn $tile_k(w: &Q8Matrix, r: usize, x: &Q8Rows, i: usize, out: &mut [f32]) {
            let (cols, nb) = (w.cols, w.cols / BLOCK);
            let shift = x.kind.group().trailing_zeros();
            let xnb = nb >> shift;
            let wq = &w.qs[r * cols..(r + 1) * cols];
            let wd = &w.scales[r * nb..(r + 1) * nb];
            let xq = &x.qs[i * cols..(i + 1) * cols];
            let xd = &x.scales[i * xnb..(i + 1) * xnb];
            let mut acc = 0f32;
            for b in 0..nb {
                let wv = load(&wq[b * BLOCK..]);
                let signed = _mm256_sign_epi8(load(&xq[b * BLOCK..]), wv);
                let s = hsum_i32($dot(_mm256_sign_epi8(wv, wv), signed)) as f32;
                acc = s.mul_add(wd[b] * xd[b >> shift], acc);
            }
            out[i * w.rows + r] = acc;
        }

        /// The Q8_K order for weight rows `r .. r + 8` against activation row `i`: the eight
        /// rows' integer dots reduced into one vector, one f32 lane per row, so each lane runs
        /// the scalar order's fused multiply-adds.
        #[target_feature(enable = $features)]
        fn $tile_k8(w: &Q8Matrix, r: usize, x: &Q8Rows, i: usize, out: &mut [f32]) {
            let (cols, nb) = (w.cols, w.cols / BLOCK);
            let shift = x.kind.group().trailing_zeros();
            let xnb = nb >> shift;
            let wq = &w.qs[r * cols..(r + ROWS_K) * cols];
            let wd = &w.scales[r * nb..(r + ROWS_K) * nb];
            let xq = &x.qs[i * cols..(i + 1) * cols];
            let xd = &x.scales[i * xnb..(i + 1) * xnb];
            let mut acc = _mm256_setzero_ps();
            let mut dots = [_mm256_setzero_si256(); ROWS_K];
            let mut scales = [0f32; ROWS_K];
            for b in 0..nb {
                let xv = load(&xq[b * BLOCK..]);
                let xdb = xd[b >> shift];
                for ri in 0..ROWS_K {
                    prefetch(&w.qs, (r + ri + ROWS_K) * cols + b * BLOCK);
                    let wv = load(&wq[ri * cols + b * BLOCK..]);
                    dots[ri] = $dot(_mm256_sign_epi8(wv, wv), _mm256_sign_epi8(xv, wv));
                    scales[ri] = wd[ri * nb + b] * xdb;
                }
                let sums = _mm256_cvtepi32_ps(reduce8(&dots));
                // SAFETY: `scales` holds eight f32; the load is unaligned.
                let scales = unsafe { _mm256_loadu_ps(scales.as_ptr()) };
                acc = _mm256_fmadd_ps(sums, scales, acc);
            }
            let mut lanes = [0f32; ROWS_K];
            // SAFETY: `lanes` holds eight f32; the store is unaligned.
            unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), acc) };
            out[i * w.rows + r..i * w.rows + r + ROWS_K].copy_from_slice(&lanes);
        }

        #[target_feature(enable = $features)]
        fn $all(w: &Q8Matrix, x: &Q8Rows, out: &mut [f32]) {
            if x.kind.group() > 1 {
                let mut r = 0;
                while r + ROWS_K <= w.rows {
                    let mut i = 0;
                    while i + 2 <= x.rows {
                        $wide_k8(w, r, x, i, out);
                        i += 2;
                    }
                    for i in i..x.rows {
                        $tile_k8(w, r, x, i, out);
                    }
                    r += ROWS_K;
                }
                for r in r..w.rows {
                    for i in 0..x.rows {
                        $tile_k(w, r, x, i, out);
                    }
                }
                return;
            }
            let mut r = 0;
            while r < w.rows {
                if r + ROWS <= w.rows {
                    let mut i = 0;
                    while i + $wide_rows <= x.rows {
                        $wide(w, r, x, i, out);
                        i += $wide_rows;
                    }
                    while i + TILE <= x.rows {
                        $tile::<ROWS, TILE>(w, r, x, i, out);
                        i += TILE;
                    }
                    for i in i..x.rows {
                        $tile::<ROWS, 1>(w, r, x, i, out);
                    }
                    r += ROWS;
                } else {
                    for i in 0..x.rows {
                        $tile::<1, 1>(w, r, x, i, out);
                    }
                    r += 1;
                }
            }
        }

        /// `out = W·x` (see [`Q8Matrix::matmul`]); the caller checked shapes and the CPU.
        pub(crate) fn $entry(w: &Q8Matrix, x: &Q8Rows, out: &mut [f32]) {
            // SAFETY: `Q8Matrix::matmul_with` calls this only when `Kernel::available` found every
            // feature in `$features` on this CPU.
            unsafe { $all(w, x, out) }
        }
    };
}

kernel!(
    matmul_avx2,
    all_avx2,
    tile_avx2,
    tile_k_avx2,
    tile_k8_avx2,
    wide_avx2,
    TILE,
    wide_k8_avx2,
    "avx2,fma",
    dot_avx2
);
kernel!(
    matmul_vnni,
    all_vnni,
    tile_vnni,
    tile_k_vnni,
    tile_k8_vnni,
    wide_vnni,
    WIDE_VNNI,
    wide_k8_vnni,
    "avx2,fma,avx512vnni,avx512vl",
    dot_vnni
);

/// The AVX2 kernel's widest tile is its ordinary one.
#[target_feature(enable = "avx2,fma")]
fn wide_avx2(w: &Q8Matrix, r: usize, x: &Q8Rows, i: usize, out: &mut [f32]) {
    tile_avx2::<ROWS, TILE>(w, r, x, i, out)
}

/// The AVX2 kernel's Q8_K order over two activation rows: one after the other.
#[target_feature(enable = "avx2,fma")]
fn wide_k8_avx2(w: &Q8Matrix, r: usize, x: &Q8Rows, i: usize, out: &mut [f32]) {
    tile_k8_avx2(w, r, x, i, out);
    tile_k8_avx2(w, r, x, i + 1, out);
}

/// The Q8_K order for eight weight rows × two activation rows with VNNI, activations made
/// unsigned as in [`wide_vnni`]: the same exact integer dots, reduced and accumulated per row
/// as in the eight-row tile.
#[target_feature(enable = "avx2,fma,avx512vnni,avx512vl")]
fn wide_k8_vnni(w: &Q8Matrix, r: usize, x: &Q8Rows, i: usize, out: &mut [f32]) {
    let (cols, nb) = (w.cols, w.cols / BLOCK);
    let shift = x.kind.group().trailing_zeros();
    let xnb = nb >> shift;
    let wq = &w.qs[r * cols..(r + ROWS_K) * cols];
    let wd = &w.scales[r * nb..(r + ROWS_K) * nb];
    let xq = &x.qs[i * cols..(i + 2) * cols];
    let xd = &x.scales[i * xnb..(i + 2) * xnb];
    let flip = _mm256_set1_epi8(i8::MIN);
    let mut acc = [_mm256_setzero_ps(); 2];
    let mut dots = [[_mm256_setzero_si256(); ROWS_K]; 2];
    let mut scales = [[0f32; ROWS_K]; 2];
    for b in 0..nb {
        let x0 = _mm256_xor_si256(load(&xq[b * BLOCK..]), flip);
        let x1 = _mm256_xor_si256(load(&xq[cols + b * BLOCK..]), flip);
        let (d0, d1) = (xd[b >> shift], xd[xnb + (b >> shift)]);
        for ri in 0..ROWS_K {
            if i == 0 {
                // Once per group of weight rows: the first activation tile streams them.
                prefetch(&w.qs, (r + ri + ROWS_K) * cols + b * BLOCK);
            }
            let wv = load(&wq[ri * cols + b * BLOCK..]);
            let start = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_dpbusd_epi32(_mm256_setzero_si256(), flip, wv));
            dots[0][ri] = _mm256_dpbusd_epi32(start, x0, wv);
            dots[1][ri] = _mm256_dpbusd_epi32(start, x1, wv);
            let wdb = wd[ri * nb + b];
            scales[0][ri] = wdb * d0;
            scales[1][ri] = wdb * d1;
        }
        for t in 0..2 {
            let sums = _mm256_cvtepi32_ps(reduce8(&dots[t]));
            // SAFETY: `scales[t]` holds eight f32; the load is unaligned.
            let sc = unsafe { _mm256_loadu_ps(scales[t].as_ptr()) };
            acc[t] = _mm256_fmadd_ps(sums, sc, acc[t]);
        }
    }
    for (t, acc) in acc.iter().enumerate() {
        let mut lanes = [0f32; ROWS_K];
        // SAFETY: `lanes` holds eight f32; the store is unaligned.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), *acc) };
        out[(i + t) * w.rows + r..(i + t) * w.rows + r + ROWS_K].copy_from_slice(&lanes);
    }
}

/// Activation rows per tile of the VNNI kernel's wide form (AVX-512VL has 32 vector registers).
const WIDE_VNNI: usize = 4;

/// Q8_0 order, `ROWS` weight rows × four activation rows, with VNNI: the activations are made
/// unsigned once per block (`x + 128`), so each product is one `vpdpbusd` started from
/// `−128 · Σw` per lane (computed once per weight block), which leaves exactly the signed lanes
/// the other kernels compute — the same bits, fewer instructions than the sign trick.
#[target_feature(enable = "avx2,fma,avx512vnni,avx512vl")]
fn wide_vnni(w: &Q8Matrix, r: usize, x: &Q8Rows, i: usize, out: &mut [f32]) {
    const T: usize = WIDE_VNNI;
    let (cols, nb) = (w.cols, w.cols / BLOCK);
    let shift = x.kind.group().trailing_zeros();
    let xnb = nb >> shift;
    let wq = &w.qs[r * cols..(r + ROWS) * cols];
    let wd = &w.scales[r * nb..(r + ROWS) * nb];
    let xq = &x.qs[i * cols..(i + T) * cols];
    let xd = &x.scales[i * xnb..(i + T) * xnb];
    let flip = _mm256_set1_epi8(i8::MIN);
    let mut acc = [[_mm256_setzero_ps(); T]; ROWS];
    let mut xs = [_mm256_setzero_si256(); T];
    let mut xds = [_mm256_setzero_ps(); T];
    for b in 0..nb {
        for t in 0..T {
            // x XOR 0x80 is x + 128 read as unsigned.
            xs[t] = _mm256_xor_si256(load(&xq[t * cols + b * BLOCK..]), flip);
            xds[t] = _mm256_set1_ps(xd[t * xnb + (b >> shift)]);
        }
        for (ri, acc) in acc.iter_mut().enumerate() {
            if i == 0 {
                // Once per group of weight rows: the first activation tile streams them.
                prefetch(&w.qs, (r + ri + ROWS) * cols + b * BLOCK);
            }
            let wv = load(&wq[ri * cols + b * BLOCK..]);
            let start = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_dpbusd_epi32(_mm256_setzero_si256(), flip, wv));
            let wdb = _mm256_set1_ps(wd[ri * nb + b]);
            for t in 0..T {
                let lanes = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(start, xs[t], wv));
                acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(wdb, xds[t]), lanes, acc[t]);
            }
        }
    }
    for (ri, acc) in acc.iter().enumerate() {
        for (t, acc) in acc.iter().enumerate() {
            out[(i + t) * w.rows + r + ri] = hsum(*acc);
        }
    }
}
