//! Int8 matrix kernels for the models' quantized layers: Q8_0 weights (blocks of 32 `i8` with
//! one scale) times activations quantized on the fly, `y = W·x` for one or many rows of `x` at
//! once.
//!
//! - **Kernels**: a portable scalar path, the reference in tests; AVX2 + FMA; and AVX-512 VNNI
//!   (512-bit `vpdpbusd`). [`Kernel::best`] picks the fastest one the CPU has, at run time. All
//!   three give the same bits on every CPU: each block's exact integer dot, scaled by the two
//!   scales' product and fused-added into one accumulator, block after block. Activations are
//!   quantized as Q8_K (one scale per 256) when the inner size is a multiple of 256 — then the
//!   result equals candle's repacked VNNI `QMatMul` to the bit — and as Q8_0 otherwise (candle's
//!   generic path sums eight lanes per block instead: the same up to f32 rounding).
//! - **Layout**: weights are repacked at load, sixteen rows interleaved four bytes at a time
//!   (see [`Q8Matrix`]), so one 64-byte load serves sixteen rows and one activation broadcast;
//!   scales are f32 from load on (GGUF stores f16) and any inner size that is a multiple of 32
//!   works.
//! - **Tiled**: each weight step is loaded once for a tile of up to eight activation rows (AVX2:
//!   four) — prefill, teacher-forced checks, batched decode; decoding streams the weights in
//!   memory order, prefetched. A row's result never depends on the other rows.
//! - **Threads**: a large product (see [`SPLIT_MACS`]) is split by groups of weight rows over
//!   [`threads`] scoped threads, 1 unless a role asks for more; the bits do not change.
//! - **Safety**: `unsafe` lives only in `simd.rs` (intrinsics and unaligned loads, reached only
//!   after the CPU was checked); every kernel is property-tested against the scalar path.
//!
//! Status: used by `agora-models` for every Q8_0 matrix.

#![deny(unsafe_code)]

mod scalar;
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod simd;

use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Values per Q8_0 block.
pub const BLOCK: usize = 32;

/// Bytes of one GGUF Q8_0 block: an f16 scale, then 32 `i8`.
pub const GGML_BLOCK_BYTES: usize = 2 + BLOCK;

/// Multiply-adds from which a product is split over [`threads`]: below, starting a thread costs
/// about what it saves. For SmolLM2: the MLP's matrices from 11 activation rows, q and o from
/// 51, the output matrix always.
pub const SPLIT_MACS: usize = 1 << 24;

/// The most threads a product is split over.
pub const MAX_THREADS: usize = 64;

/// Threads a large product is split over: set by [`set_threads`], else read once from
/// `AGORA_INFERENCE_THREADS` (1 to [`MAX_THREADS`]; anything else is reported on stderr and
/// ignored), else 1 (the roles' choice on a shared 2-core machine: see the README's thread
/// study).
pub fn threads() -> usize {
    static FROM_ENV: OnceLock<usize> = OnceLock::new();
    match THREADS.load(Ordering::Relaxed) {
        0 => *FROM_ENV.get_or_init(|| {
            let Ok(v) = std::env::var("AGORA_INFERENCE_THREADS") else { return 1 };
            match v.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_THREADS).contains(&n) => n,
                _ => {
                    eprintln!("warning: AGORA_INFERENCE_THREADS={v:?} is not 1 to {MAX_THREADS}; using 1 thread");
                    1
                }
            }
        }),
        n => n,
    }
}

/// Sets [`threads`] for the whole process (clamped to 1 ..= [`MAX_THREADS`]).
pub fn set_threads(n: usize) {
    THREADS.store(n.clamp(1, MAX_THREADS), Ordering::Relaxed);
}

static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Where a kernel writes: for every activation row, the outputs of weight groups `groups`,
/// `stride` values per activation row (those groups' rows that exist).
pub(crate) struct Out<'a> {
    buf: &'a mut [f32],
    pub(crate) groups: Range<usize>,
    stride: usize,
}

impl Out<'_> {
    /// Writes matrix rows `first ..` of activation row `row` from `lanes`, those of the
    /// matrix's `rows` that exist.
    pub(crate) fn store(&mut self, rows: usize, row: usize, first: usize, lanes: &[f32]) {
        let n = lanes.len().min(rows - first);
        let at = row * self.stride + first - self.groups.start * LANES;
        self.buf[at..at + n].copy_from_slice(&lanes[..n]);
    }
}

/// What a kernel call can refuse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Q8Error {
    /// Blocks need whole rows of 32.
    #[error("{cols} columns are not a positive multiple of {BLOCK}")]
    Columns {
        /// The columns asked for.
        cols: usize,
    },
    /// The raw Q8_0 data does not match the shape.
    #[error("a {rows}×{cols} Q8_0 matrix is {expected} bytes, got {got}")]
    Bytes {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
        /// Bytes the shape needs.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
    /// A value buffer does not match the shape.
    #[error("expected {expected} values, got {got}")]
    Values {
        /// Values the shape needs.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// The activations' width is not the matrix's.
    #[error("activations of {got} columns for a matrix of {expected}")]
    Shape {
        /// The matrix's columns.
        expected: usize,
        /// The activations' columns.
        got: usize,
    },
    /// The kernel asked for needs instructions this CPU lacks.
    #[error("the {0:?} kernel needs instructions this CPU does not have")]
    Unsupported(Kernel),
}

/// Which implementation computes the products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Portable Rust; the reference.
    Scalar,
    /// AVX2 and FMA.
    Avx2,
    /// AVX-512 F and VNNI (512-bit `vpdpbusd`), plus AVX2 and FMA.
    Avx512Vnni,
}

impl Kernel {
    /// The fastest kernel this CPU runs (detected once).
    pub fn best() -> Kernel {
        static BEST: OnceLock<Kernel> = OnceLock::new();
        *BEST.get_or_init(|| {
            [Kernel::Avx512Vnni, Kernel::Avx2].into_iter().find(|k| k.available()).unwrap_or(Kernel::Scalar)
        })
    }

    /// Whether this CPU has the kernel's instructions.
    pub fn available(self) -> bool {
        match self {
            Kernel::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512Vnni => {
                Kernel::Avx2.available()
                    && std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512vnni")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

/// Weight rows interleaved in one group: a 512-bit register holds four bytes of each.
pub(crate) const LANES: usize = 16;

/// Bytes of one group's block: `LANES` rows × 32 values.
pub(crate) const GROUP_BLOCK: usize = LANES * BLOCK;

/// Q8_0 weights with an f32 scale per block, repacked at load for the kernels: rows in groups of
/// sixteen (the last one padded with zero rows); per group and block, eight steps of four
/// bytes of each row, row after row (`[step][row][4]`), so one 64-byte load feeds sixteen rows'
/// four-byte dot products; values stored as `q + 128` (`u8`), the unsigned operand `vpdpbusd`
/// wants. Scales per group and block, row after row.
#[derive(Clone, Debug, PartialEq)]
pub struct Q8Matrix {
    rows: usize,
    cols: usize,
    qs: Vec<u8>,
    scales: Vec<f32>,
}

/// How activations are quantized: one scale per block of 32 or per super-block of 256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activations {
    /// ggml's Q8_0: scale `max|x| / 127` per 32 values, rounded to f16.
    Q8_0,
    /// ggml's Q8_K: scale `max / −127` (the signed value of largest magnitude) per 256 values,
    /// in f32; what candle and llama.cpp's repacked kernels feed Q8_0 weights whose inner size is
    /// a multiple of 256.
    Q8K,
}

impl Activations {
    /// Blocks of 32 sharing one scale.
    fn group(self) -> usize {
        match self {
            Activations::Q8_0 => 1,
            Activations::Q8K => 8,
        }
    }
}

/// Activation rows quantized to Q8_0 or Q8_K, the form the kernels read: row-major values,
/// scales, and each block's sum of values (what turns the kernels' `q + 128` weights back into
/// `q`).
#[derive(Clone, Debug, PartialEq)]
pub struct Q8Rows {
    rows: usize,
    cols: usize,
    kind: Activations,
    qs: Vec<i8>,
    scales: Vec<f32>,
    sums: Vec<i32>,
}

fn check_cols(cols: usize) -> Result<usize, Q8Error> {
    if cols == 0 || !cols.is_multiple_of(BLOCK) {
        return Err(Q8Error::Columns { cols });
    }
    Ok(cols / BLOCK)
}

fn check_values(expected: usize, got: usize) -> Result<(), Q8Error> {
    if expected != got {
        return Err(Q8Error::Values { expected, got });
    }
    Ok(())
}

/// `v` rounded half away from zero and saturated to `i8` (NaN to 0): `v.round() as i8`, without
/// the `roundf` call the baseline x86-64 target makes of `round` (a tenth of a prefill was spent
/// there). Adding the largest float below ½ with `v`'s sign, then truncating, rounds every f32
/// exactly as `round` does (tested against it).
#[inline]
pub(crate) fn to_i8(v: f32) -> i8 {
    const BELOW_HALF: f32 = 0.499_999_97;
    ((v + BELOW_HALF.copysign(v)) as i32).clamp(-128, 127) as i8
}

/// Quantizes `rows × cols` values (row-major) block by block as ggml's Q8_0 does: scale
/// `max|x| / 127` rounded to f16 (and read back as f32), values `round(x / scale)` with the
/// unrounded scale.
fn quantize_blocks(values: &[f32]) -> (Vec<i8>, Vec<f32>) {
    let mut qs = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / BLOCK);
    for block in values.chunks_exact(BLOCK) {
        let amax = block.iter().fold(0f32, |m, x| m.max(x.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        scales.push(half::f16::from_f32(d).to_f32());
        qs.extend(block.iter().map(|x| to_i8(x * id)));
    }
    (qs, scales)
}

/// Quantizes values by super-blocks of 256 as ggml's Q8_K does: `iscale = −127 / max` with `max`
/// the signed value of largest magnitude, values `round(iscale · x)`, scale `1 / iscale`.
fn quantize_k(values: &[f32]) -> (Vec<i8>, Vec<f32>) {
    let mut qs = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / (8 * BLOCK));
    for block in values.chunks_exact(8 * BLOCK) {
        let (mut max, mut amax) = (0f32, 0f32);
        for &x in block {
            if amax < x.abs() {
                amax = x.abs();
                max = x;
            }
        }
        if amax == 0.0 {
            scales.push(0.0);
            qs.extend(std::iter::repeat_n(0i8, block.len()));
            continue;
        }
        let iscale = -127.0 / max;
        qs.extend(block.iter().map(|x| to_i8(iscale * x)));
        scales.push(1.0 / iscale);
    }
    (qs, scales)
}

impl Q8Rows {
    /// Quantizes `rows × cols` activations (row-major) to Q8_0.
    pub fn quantize(rows: usize, cols: usize, values: &[f32]) -> Result<Q8Rows, Q8Error> {
        Q8Rows::quantize_as(Activations::Q8_0, rows, cols, values)
    }

    /// Quantizes `rows × cols` activations (row-major) as `kind` (Q8_K needs `cols` to be a
    /// multiple of 256).
    pub fn quantize_as(kind: Activations, rows: usize, cols: usize, values: &[f32]) -> Result<Q8Rows, Q8Error> {
        check_cols(cols)?;
        if !cols.is_multiple_of(kind.group() * BLOCK) {
            return Err(Q8Error::Columns { cols });
        }
        check_values(rows * cols, values.len())?;
        let (qs, scales) = match kind {
            Activations::Q8_0 => quantize_blocks(values),
            Activations::Q8K => quantize_k(values),
        };
        let sums = qs.chunks_exact(BLOCK).map(|b| b.iter().map(|q| i32::from(*q)).sum()).collect();
        Ok(Q8Rows { rows, cols, kind, qs, scales, sums })
    }

    /// How the rows were quantized.
    pub fn kind(&self) -> Activations {
        self.kind
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
}

impl Q8Matrix {
    /// Reads GGUF's Q8_0 layout: per block a little-endian f16 scale and 32 `i8`.
    pub fn from_ggml(rows: usize, cols: usize, bytes: &[u8]) -> Result<Q8Matrix, Q8Error> {
        let nb = check_cols(cols)?;
        let expected = rows * nb * GGML_BLOCK_BYTES;
        if bytes.len() != expected {
            return Err(Q8Error::Bytes { rows, cols, expected, got: bytes.len() });
        }
        let mut w = Q8Matrix::zeros(rows, cols);
        for (at, block) in bytes.chunks_exact(GGML_BLOCK_BYTES).enumerate() {
            let scale = half::f16::from_bits(u16::from_le_bytes([block[0], block[1]])).to_f32();
            w.set_block(at / nb, at % nb, scale, block[2..].iter().map(|b| *b as i8));
        }
        Ok(w)
    }

    /// Quantizes an f32 matrix (row-major) to Q8_0, as GGUF's converters do.
    pub fn quantize(rows: usize, cols: usize, values: &[f32]) -> Result<Q8Matrix, Q8Error> {
        let q = Q8Rows::quantize(rows, cols, values)?;
        let nb = cols / BLOCK;
        let mut w = Q8Matrix::zeros(rows, cols);
        for (at, (block, scale)) in q.qs.chunks_exact(BLOCK).zip(&q.scales).enumerate() {
            w.set_block(at / nb, at % nb, *scale, block.iter().copied());
        }
        Ok(w)
    }

    /// All-zero weights (stored as 128) in whole groups; `cols` is a multiple of 32.
    fn zeros(rows: usize, cols: usize) -> Q8Matrix {
        let groups = rows.div_ceil(LANES);
        let nb = cols / BLOCK;
        Q8Matrix { rows, cols, qs: vec![128; groups * nb * GROUP_BLOCK], scales: vec![0.0; groups * nb * LANES] }
    }

    /// Where byte `k` (of 32) of row `r`'s block `b` lives in `qs`.
    #[inline]
    fn at(&self, r: usize, b: usize, k: usize) -> usize {
        let nb = self.cols / BLOCK;
        (r / LANES * nb + b) * GROUP_BLOCK + (k / 4) * (LANES * 4) + (r % LANES) * 4 + k % 4
    }

    /// Where row `r`'s block `b`'s scale lives in `scales`.
    #[inline]
    fn scale_at(&self, r: usize, b: usize) -> usize {
        (r / LANES * (self.cols / BLOCK) + b) * LANES + r % LANES
    }

    fn set_block(&mut self, r: usize, b: usize, scale: f32, values: impl Iterator<Item = i8>) {
        let s = self.scale_at(r, b);
        self.scales[s] = scale;
        for (k, q) in values.enumerate() {
            let at = self.at(r, b, k);
            self.qs[at] = (q as u8) ^ 0x80;
        }
    }

    /// Value `k` (of 32) of row `r`'s block `b`.
    #[inline]
    pub(crate) fn q(&self, r: usize, b: usize, k: usize) -> i8 {
        (self.qs[self.at(r, b, k)] ^ 0x80) as i8
    }

    /// Row `r`'s block `b`'s scale.
    #[inline]
    pub(crate) fn scale(&self, r: usize, b: usize) -> f32 {
        self.scales[self.scale_at(r, b)]
    }

    /// Output features (rows).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Input features (columns).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `r` as f32 (`scale · q`, as GGUF readers dequantize): a token's embedding when the
    /// output matrix is tied to the embedding table. `None` past the last row.
    pub fn row_f32(&self, r: usize) -> Option<Vec<f32>> {
        if r >= self.rows {
            return None;
        }
        Some((0..self.cols).map(|c| f32::from(self.q(r, c / BLOCK, c % BLOCK)) * self.scale(r, c / BLOCK)).collect())
    }

    /// Bytes held (quantized values and f32 scales, the last group's padding included).
    pub fn bytes(&self) -> usize {
        self.qs.len() + 4 * self.scales.len()
    }

    /// `out[i · rows + r] = Σ_c W[r][c] · x[i][c]` for every activation row `i`, with the best
    /// kernel, a large product split over [`threads`]. `out` must hold `x.rows() × self.rows()`
    /// values.
    pub fn matmul(&self, x: &Q8Rows, out: &mut [f32]) -> Result<(), Q8Error> {
        self.matmul_with(Kernel::best(), x, out)
    }

    /// [`Q8Matrix::matmul`] with a chosen kernel (tests and benchmarks compare them), a large
    /// product split over [`threads`].
    pub fn matmul_with(&self, kernel: Kernel, x: &Q8Rows, out: &mut [f32]) -> Result<(), Q8Error> {
        self.matmul_from(kernel, threads(), SPLIT_MACS, x, out)
    }

    /// [`Q8Matrix::matmul_with`] on up to `threads` threads: a product of at least `min_macs`
    /// multiply-adds ([`SPLIT_MACS`] outside tests) is split by groups of weight rows, each
    /// thread computing whole rows as one thread would (the same bits); a smaller one runs on the
    /// caller's thread, since starting threads would cost more than they save.
    pub(crate) fn matmul_from(
        &self,
        kernel: Kernel,
        threads: usize,
        min_macs: usize,
        x: &Q8Rows,
        out: &mut [f32],
    ) -> Result<(), Q8Error> {
        if x.cols != self.cols {
            return Err(Q8Error::Shape { expected: self.cols, got: x.cols });
        }
        check_values(x.rows * self.rows, out.len())?;
        if !kernel.available() {
            return Err(Q8Error::Unsupported(kernel));
        }
        if x.rows == 0 || self.rows == 0 {
            return Ok(());
        }
        let groups = self.rows.div_ceil(LANES);
        let macs = x.rows.saturating_mul(self.rows).saturating_mul(self.cols);
        let threads = if macs >= min_macs { threads.clamp(1, groups) } else { 1 };
        if threads == 1 {
            self.run(kernel, x, &mut Out { buf: out, groups: 0..groups, stride: self.rows });
            return Ok(());
        }
        let ranges: Vec<Range<usize>> =
            (0..threads).map(|k| groups * k / threads..groups * (k + 1) / threads).collect();
        let parts: Vec<(Range<usize>, usize, Vec<f32>)> = std::thread::scope(|scope| {
            let compute = |groups: Range<usize>| {
                let stride = (groups.end * LANES).min(self.rows) - groups.start * LANES;
                let mut buf = vec![0f32; x.rows * stride];
                self.run(kernel, x, &mut Out { buf: &mut buf, groups: groups.clone(), stride });
                (groups, stride, buf)
            };
            let others: Vec<_> = ranges[1..].iter().map(|r| scope.spawn(move || compute(r.clone()))).collect();
            let mut parts = vec![compute(ranges[0].clone())];
            parts.extend(others.into_iter().map(|h| h.join().expect("a kernel thread panicked")));
            parts
        });
        for (groups, stride, buf) in parts {
            let first = groups.start * LANES;
            for (i, row) in buf.chunks_exact(stride).enumerate() {
                out[i * self.rows + first..i * self.rows + first + stride].copy_from_slice(row);
            }
        }
        Ok(())
    }

    fn run(&self, kernel: Kernel, x: &Q8Rows, out: &mut Out) {
        match kernel {
            Kernel::Scalar => scalar::matmul(self, x, out),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => simd::matmul_avx2(self, x, out),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512Vnni => simd::matmul_vnni(self, x, out),
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!("not available off x86_64"),
        }
    }

    /// The activation quantization this matrix is multiplied with by default: Q8_K when its
    /// inner size is a multiple of 256, as the repacked kernels of candle and llama.cpp do, else
    /// Q8_0 — the same on every CPU, so validators on different machines agree.
    pub fn activations(&self) -> Activations {
        if self.cols.is_multiple_of(8 * BLOCK) { Activations::Q8K } else { Activations::Q8_0 }
    }

    /// Quantizes `values` (`rows × cols`, row-major) as [`Q8Matrix::activations`] says and
    /// multiplies: `rows × self.rows()` out.
    pub fn matmul_f32(&self, rows: usize, values: &[f32]) -> Result<Vec<f32>, Q8Error> {
        let x = Q8Rows::quantize_as(self.activations(), rows, self.cols, values)?;
        let mut out = vec![0.0; rows * self.rows];
        self.matmul(&x, &mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
