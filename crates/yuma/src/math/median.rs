//! Stake-weighted median: consensus is, per miner, the largest weight that validators holding
//! more than κ of the stake agree on.

use alloc::vec;
use alloc::vec::Vec;

use substrate_fixed::types::I32F32;

use super::safe::sum_fixed;
use super::vector::inplace_normalize;

/// Stake-weighted median of `score` over the indices in `partition_idx` (the reference's
/// deterministic mid-pivot search).
///
/// `stake` and `score` are indexed alike (lengths must match, else 0); `minority` is
/// `Σstake − κ`; `[partition_lo, partition_hi]` is the stake interval the partition covers
/// (start with `0` and `Σstake`). Each round takes the score of the middle element of the
/// current partition (in its current order) as the pivot, splits the other elements into a
/// strictly lower and a strictly higher part (keeping their order), and descends into the lower
/// part if `minority < lo + stake(lower)`, else into the higher part if
/// `hi − stake(higher) ≤ minority`, else returns the pivot. An empty partition yields 0 and a
/// single element its score. Never loops more than `|partition_idx| + 1` rounds.
pub fn weighted_median(
    stake: &[I32F32],
    score: &[I32F32],
    partition_idx: &[usize],
    minority: I32F32,
    partition_lo: I32F32,
    partition_hi: I32F32,
) -> I32F32 {
    let zero = I32F32::from_num(0);
    if stake.len() != score.len() {
        return zero;
    }
    let at = |v: &[I32F32], i: usize| v.get(i).copied().unwrap_or(zero);
    let mut search = MedianSearch::default();
    search.current.extend(partition_idx.iter().map(|&i| (at(score, i), at(stake, i))));
    search.run(minority, partition_lo, partition_hi)
}

/// The search of [`weighted_median`] on `(score, stake)` pairs, with buffers that are reused
/// from one column to the next. Walking pairs instead of indices visits the same values in the
/// same order, so the result is identical.
///
/// The split is written without data-dependent branches (each pair is copied to both output
/// buffers and only the matching count advances), which keeps the loop fast on the random
/// splits a median search makes; the order of the pairs kept is unchanged.
#[derive(Default)]
struct MedianSearch {
    current: Vec<(I32F32, I32F32)>,
    lower: Vec<(I32F32, I32F32)>,
    upper: Vec<(I32F32, I32F32)>,
}

impl MedianSearch {
    /// Runs on the partition loaded in `current` (consumed).
    fn run(&mut self, minority: I32F32, mut lo: I32F32, mut hi: I32F32) -> I32F32 {
        let zero = I32F32::from_num(0);
        let pad = (zero, zero);
        let limit = self.current.len();
        let mut len = limit;
        let mut rounds: usize = 0;
        if self.lower.len() < len {
            self.lower.resize(len, pad);
        }
        if self.upper.len() < len {
            self.upper.resize(len, pad);
        }
        loop {
            if len == 0 {
                return zero;
            }
            let current = self.current.get(..len).unwrap_or_default();
            if len == 1 {
                return current.first().map_or(zero, |p| p.0);
            }
            let pivot = current.get(len / 2).map_or(zero, |p| p.0);
            let (mut lo_stake, mut hi_stake) = (zero, zero);
            let (mut lo_n, mut hi_n) = (0usize, 0usize);
            for &(s, st) in current {
                let (below, above) = (s < pivot, s > pivot);
                if let Some(slot) = self.lower.get_mut(lo_n) {
                    *slot = (s, st);
                }
                if let Some(slot) = self.upper.get_mut(hi_n) {
                    *slot = (s, st);
                }
                lo_stake = lo_stake.saturating_add(if below { st } else { zero });
                hi_stake = hi_stake.saturating_add(if above { st } else { zero });
                lo_n += usize::from(below);
                hi_n += usize::from(above);
            }
            if minority < lo.saturating_add(lo_stake) && lo_n > 0 {
                hi = lo.saturating_add(lo_stake);
                core::mem::swap(&mut self.current, &mut self.lower);
                len = lo_n;
            } else if hi.saturating_sub(hi_stake) <= minority && hi_n > 0 {
                lo = hi.saturating_sub(hi_stake);
                core::mem::swap(&mut self.current, &mut self.upper);
                len = hi_n;
            } else {
                return pivot;
            }
            rounds = rounds.saturating_add(1);
            if rounds > limit {
                return zero;
            }
        }
    }
}

/// Column-wise [`weighted_median`] of a dense `score` matrix (rows = validators): for each column,
/// the rows with positive stake take part (a row whose width differs from the first row's
/// contributes a zero stake and score), their stakes are renormalised, and
/// `minority = Σ − majority`.
pub fn weighted_median_col(stake: &[I32F32], score: &[Vec<I32F32>], majority: I32F32) -> Vec<I32F32> {
    let zero = I32F32::from_num(0);
    let columns = score.first().map_or(0, Vec::len);
    let mut median = vec![zero; columns];
    for (c, cell) in median.iter_mut().enumerate() {
        let mut use_stake: Vec<I32F32> = Vec::new();
        let mut use_score: Vec<I32F32> = Vec::new();
        for (r, st) in stake.iter().enumerate() {
            if *st <= zero {
                continue;
            }
            match score.get(r) {
                Some(row) if row.len() == columns => {
                    use_stake.push(*st);
                    use_score.push(row.get(c).copied().unwrap_or(zero));
                }
                _ => {
                    use_stake.push(zero);
                    use_score.push(zero);
                }
            }
        }
        if !use_stake.is_empty() {
            inplace_normalize(&mut use_stake);
            let total = sum_fixed(&use_stake);
            let minority = total.saturating_sub(majority);
            let idx: Vec<usize> = (0..use_stake.len()).collect();
            *cell = weighted_median(&use_stake, &use_score, &idx, minority, zero, total);
        }
    }
    median
}

/// Column-wise [`weighted_median`] of a sparse `score` matrix with `columns` columns (the
/// production consensus).
///
/// Only rows with positive stake take part, in uid order; their stakes are renormalised once and
/// `minority = Σ − majority`. A column absent from a row scores 0 for that row; if a row lists a
/// column twice the later entry wins.
pub fn weighted_median_col_sparse(
    stake: &[I32F32],
    score: &[Vec<(u16, I32F32)>],
    columns: u16,
    majority: I32F32,
) -> Vec<I32F32> {
    let zero = I32F32::from_num(0);
    let mut use_stake: Vec<I32F32> = stake.iter().copied().filter(|s| *s > zero).collect();
    inplace_normalize(&mut use_stake);
    let total = sum_fixed(&use_stake);
    let minority = total.saturating_sub(majority);
    let voters = use_stake.len();

    if voters == 0 {
        return vec![zero; usize::from(columns)];
    }
    // Column-major scores of the voting rows (k = rank of the row among positive-stake rows),
    // in one flat buffer: column c occupies `[c·voters, (c+1)·voters)`.
    let mut use_score: Vec<I32F32> = vec![zero; usize::from(columns).saturating_mul(voters)];
    let mut k: usize = 0;
    for (s, row) in stake.iter().zip(score) {
        if *s > zero {
            for &(c, v) in row {
                let at = usize::from(c).saturating_mul(voters).saturating_add(k);
                if let Some(cell) = use_score.get_mut(at) {
                    *cell = v;
                }
            }
            k = k.saturating_add(1);
        }
    }

    let mut search = MedianSearch::default();
    use_score
        .chunks(voters)
        .map(|col| {
            search.current.clear();
            search.current.extend(col.iter().copied().zip(use_stake.iter().copied()));
            search.run(minority, zero, total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(num: i32, den: i32) -> I32F32 {
        I32F32::from_num(num) / I32F32::from_num(den)
    }

    fn median(stake: &[I32F32], score: &[I32F32], majority: I32F32) -> I32F32 {
        let total = sum_fixed(stake);
        let idx: Vec<usize> = (0..stake.len()).collect();
        weighted_median(stake, score, &idx, total - majority, I32F32::from_num(0), total)
    }

    #[test]
    fn empty_and_single() {
        assert_eq!(median(&[], &[], f(1, 2)), I32F32::from_num(0));
        assert_eq!(median(&[f(1, 1)], &[f(3, 10)], f(1, 2)), f(3, 10));
    }

    #[test]
    fn majority_side_wins() {
        // 51 % of stake at score 1, 49 % at 0.5 → 1; reversed → 0.5.
        assert_eq!(median(&[f(49, 100), f(51, 100)], &[f(1, 2), f(1, 1)], f(51, 100)), f(1, 1));
        assert_eq!(median(&[f(51, 100), f(49, 100)], &[f(1, 2), f(1, 1)], f(51, 100)), f(1, 2));
    }

    #[test]
    fn kappa_extremes() {
        let stake = [f(1, 4), f(1, 4), f(1, 4), f(1, 4)];
        let score = [f(1, 10), f(2, 10), f(3, 10), f(4, 10)];
        // κ = 0: any positive support suffices, so the maximum score.
        assert_eq!(median(&stake, &score, I32F32::from_num(0)), f(4, 10));
        // κ above the total stake: no score has enough support; the search degenerates to the
        // minimum score.
        assert_eq!(median(&stake, &score, f(2, 1)), f(1, 10));
    }

    #[test]
    fn mismatched_lengths_give_zero() {
        let idx = [0usize];
        assert_eq!(
            weighted_median(&[f(1, 1)], &[], &idx, I32F32::from_num(0), I32F32::from_num(0), f(1, 1)),
            I32F32::from_num(0)
        );
    }

    #[test]
    fn sparse_matches_dense() {
        let stake = [I32F32::from_num(0), f(3, 4), f(1, 4), I32F32::from_num(0)];
        let dense = vec![
            vec![f(0, 1), f(1, 10), f(0, 1)],
            vec![f(0, 1), f(2, 10), f(4, 10)],
            vec![f(0, 1), f(3, 10), f(1, 10)],
            vec![f(0, 1), f(4, 10), f(5, 10)],
        ];
        let sparse: Vec<Vec<(u16, I32F32)>> = dense
            .iter()
            .map(|r| {
                r.iter().enumerate().filter(|(_, v)| **v > I32F32::from_num(0)).map(|(j, v)| (j as u16, *v)).collect()
            })
            .collect();
        for kappa in [f(24, 100), f(26, 100), f(76, 100)] {
            assert_eq!(
                weighted_median_col(&stake, &dense, kappa),
                weighted_median_col_sparse(&stake, &sparse, 3, kappa)
            );
        }
        assert_eq!(weighted_median_col_sparse(&stake, &sparse, 3, f(24, 100)), vec![f(0, 1), f(3, 10), f(4, 10)]);
    }

    #[test]
    fn sparse_no_voters_gives_zero_consensus() {
        let stake = [I32F32::from_num(0), I32F32::from_num(0)];
        let w = vec![vec![(1u16, f(1, 1))], vec![]];
        assert_eq!(weighted_median_col_sparse(&stake, &w, 2, f(1, 2)), vec![I32F32::from_num(0); 2]);
    }
}
