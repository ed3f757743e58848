//! The fixed-point helpers the epoch is built from, public so the runtime can share them
//! (`set_weights` max-upscaling, the `MaxWeightExceeded` check, the legacy root epoch's I64F64
//! normalisation and matrix product).
//!
//! Every function reproduces the reference's arithmetic (`pallets/subtensor/src/epoch/math.rs`):
//! I32F32 (or I64F64 where named `_64`) with truncating multiplication and division, division by
//! zero giving zero, sums added in order. None of them panics: lengths that do not match are
//! handled as documented on each function, and sums saturate where the reference would overflow
//! (which no on-chain state reaches).
//!
//! | file | contents |
//! |---|---|
//! | `convert` | u16 proportions ↔ ratios, fixed ↔ integers, max-upscaling, the max-weight check |
//! | `vector` | sums, normalisation (I32F32 and I64F64), top-k, masks, element-wise products |
//! | `median` | stake-weighted median (scalar, dense columns, sparse columns) |
//! | `sparse` | the sparse-matrix operations of the production epoch |
//! | `dense` | the dense-matrix operations of the test epoch and the legacy root epoch |
//! | `transcendental` | bounded `exp`, sigmoid, clamp |
//! | `safe` | division returning zero, saturating sums |

mod convert;
mod dense;
mod median;
mod safe;
mod sparse;
mod transcendental;
mod vector;

pub use convert::{
    check_vec_max_limited, fixed_proportion_to_u16, fixed_to_fixed_u16_proportion, fixed_to_u16, fixed_to_u64,
    fixed32_to_fixed64, fixed64_to_fixed32, fixed64_to_u64, u16_proportion_to_fixed, u16_to_fixed,
    vec_fixed_proportions_to_u16, vec_fixed32_to_fixed64, vec_fixed32_to_u64, vec_fixed64_to_fixed32,
    vec_fixed64_to_u64, vec_max_upscale_to_u16, vec_u16_max_upscale_to_u16,
};
pub use dense::{
    inplace_col_clip, inplace_col_max_upscale, inplace_col_normalize, inplace_mask_cols, inplace_mask_diag,
    inplace_mask_diag_except_index, inplace_mask_matrix, inplace_mask_rows, inplace_row_normalize,
    inplace_row_normalize_64, interpolate, mat_ema, mat_ema_alpha, mat_vec_mul, matmul, matmul_64, matmul_transpose,
    row_hadamard, row_sum,
};
pub use median::{weighted_median, weighted_median_col, weighted_median_col_sparse};
pub use safe::SafeDiv;
pub use sparse::{
    FixedMatrix, FixedRow, col_clip_sparse, inplace_col_max_upscale_sparse, inplace_col_normalize_sparse,
    inplace_row_normalize_sparse, interpolate_sparse, mask_diag_sparse, mask_diag_sparse_except_index,
    mask_rows_sparse, mat_ema_alpha_sparse, mat_ema_sparse, mat_vec_mul_sparse, matmul_sparse, matmul_transpose_sparse,
    row_hadamard_sparse, row_sum_sparse, scalar_vec_mask_sparse_matrix, vec_mask_sparse_matrix,
};
pub use transcendental::{clamp_value, exp_safe, sigmoid_safe};
pub use vector::{
    inplace_mask_vector, inplace_normalize, inplace_normalize_64, inplace_normalize_using_sum, is_topk,
    is_topk_nonzero, is_zero, normalize, sum, vec_mul, vecdiv,
};

pub(crate) use safe::{FixedDivisor, SaturatingMulFast, sum_fixed};
pub(crate) use sparse::{clip_row, ema_alpha_row};
