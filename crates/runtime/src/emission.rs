//! Block emission (the halving curve) and its split across subnets by the root network.
//!
//! # Halving
//!
//! `emission(I) = ⌊10^9 / 2^k⌋` rao with `k = ⌊log2(1 / (1 − I / (2·10.5·10^15)))⌋`, computed in
//! I96F32 exactly as the reference (`get_block_emission_for_issuance`); 0 once `I ≥ 21·10^15`. So
//! 1 TAO per block until issuance crosses 10.5M TAO, then 0.5 TAO until 15.75M, and so on.
//!
//! # Split across subnets (the pre-dTAO root network)
//!
//! Every block, the root network's validators (up to 64, by root stake) weigh subnets. With `S` the
//! normalised root stake and `W` the row-normalised weights (I64F64), each subnet `k` gets
//! `rank_k = Σ_i S_i·W_ik`, `trust_k = Σ{S_i : W_ik > 0}`, `consensus_k = 1/(1+exp(−ρ(trust_k − κ)))`,
//! and a share of `normalise(consensus·rank)` of the block emission. Only subnets that started
//! (`start_call`) take part. With no root validator, no stake on root or no root weight on any
//! started subnet, the emission is split equally among started subnets. Shares are truncated to
//! rao; the remainder is not minted. (The reference ran this at root's tempo; computing it every
//! block costs at most 64 × 128 multiplications and means a new subnet earns from its first block.)

use agora_primitives::fixed::{I32F32, I64F64, I96F32, transcendental};
use agora_primitives::{Balance, NetUid, Uid};
use agora_yuma::math::{inplace_normalize_64, inplace_row_normalize_64, matmul_64};

use crate::balances::mint;
use crate::context::Ctx;
use crate::error::DispatchResult;
use crate::event::Event;
use crate::staking::total_hotkey_stake;
use crate::state::*;
use crate::storage::StorageRead;
use crate::subnets::{hyperparams, is_emitting};

/// The total supply cap, 21M TAO in rao.
pub const TOTAL_SUPPLY: u64 = 21_000_000_000_000_000;
/// Emission per block before the first halving: 1 TAO.
pub const DEFAULT_BLOCK_EMISSION: u64 = 1_000_000_000;

/// Block emission for a total issuance `issuance` (rao), bit-exact with the reference.
pub fn block_emission_for_issuance(issuance: u64) -> u64 {
    let total = I96F32::from_num(issuance);
    if total >= I96F32::from_num(TOTAL_SUPPLY) {
        return 0;
    }
    let one = I96F32::from_num(1);
    let half_supply_twice = I96F32::from_num(2).saturating_mul(I96F32::from_num(10_500_000_000_000_000u64));
    let Some(ratio) = total.checked_div(half_supply_twice) else { return 0 };
    let Some(remaining) = one.checked_sub(ratio) else { return 0 };
    let Some(inverse) = one.checked_div(remaining) else { return 0 };
    let Ok(residual) = transcendental::log2::<I96F32, I96F32>(inverse) else { return 0 };
    let halvings: u64 = residual.floor().to_num::<u64>();
    let mut multiplier = one;
    for _ in 0..halvings.min(128) {
        multiplier = multiplier.saturating_mul(I96F32::from_num(2));
    }
    let percentage = one.saturating_div(multiplier);
    percentage.saturating_mul(I96F32::from_num(DEFAULT_BLOCK_EMISSION)).to_num::<u64>()
}

/// Started, non-root subnets at `block`, ascending.
pub fn emitting_subnets(s: &(impl StorageRead + ?Sized), block: u64) -> Vec<NetUid> {
    NETWORKS.iter(s).into_iter().filter(|(n, info)| is_emitting(info, *n, block)).map(|(n, _)| n).collect()
}

/// The root epoch's normalised weighted emission per subnet in `subnets` (I64F64), or `None` when
/// the root network expresses no preference (no validators, no stake, no weights).
fn root_shares(s: &(impl StorageRead + ?Sized), subnets: &[NetUid]) -> Option<Vec<I64F64>> {
    let root = NetUid::ROOT;
    let n = SUBNETWORK_N.get(s, &root);
    if n == 0 || subnets.is_empty() {
        return None;
    }
    let hotkeys: Vec<_> = (0..n).map(|u| KEYS.try_get(s, &(root, Uid(u)))).collect();
    let mut stake: Vec<I64F64> =
        hotkeys.iter().map(|hk| I64F64::from_num(hk.map_or(0, |hk| total_hotkey_stake(s, &hk, root)))).collect();
    if stake.iter().all(|x| *x == I64F64::from_num(0)) {
        return None;
    }
    inplace_normalize_64(&mut stake);
    let mut weights: Vec<Vec<I64F64>> = (0..n)
        .map(|u| {
            let row = WEIGHTS.try_get(s, &(root, Uid(u))).unwrap_or_default();
            subnets
                .iter()
                .map(|k| row.iter().find(|(t, _)| *t == k.0).map_or(I64F64::from_num(0), |(_, w)| I64F64::from_num(*w)))
                .collect()
        })
        .collect();
    inplace_row_normalize_64(&mut weights);
    let ranks = matmul_64(&weights, &stake);
    let mut trust = vec![I64F64::from_num(0); subnets.len()];
    let mut total_stake = I64F64::from_num(0);
    for (row, st) in weights.iter().zip(&stake) {
        total_stake = total_stake.saturating_add(*st);
        for (w, t) in row.iter().zip(trust.iter_mut()) {
            if *w > I64F64::from_num(0) {
                *t = t.saturating_add(*st);
            }
        }
    }
    for t in trust.iter_mut() {
        if let Some(q) = t.checked_div(total_stake) {
            *t = q;
        }
    }
    let h = hyperparams(s, root);
    let kappa = I64F64::from_num(I32F32::from_num(h.kappa).saturating_div(I32F32::from_num(u16::MAX)));
    let rho = I64F64::from_num(h.rho);
    let one = I64F64::from_num(1);
    let mut weighted: Vec<I64F64> = trust
        .iter()
        .zip(&ranks)
        .map(|(t, r)| {
            let x = t.saturating_sub(kappa).saturating_mul(rho).saturating_neg();
            // exp overflows only for extreme rho; the sigmoid's limits are 0 and 1 there.
            let consensus = match transcendental::exp::<I64F64, I64F64>(x) {
                Ok(e) => one.saturating_div(one.saturating_add(e)),
                Err(()) if x > I64F64::from_num(0) => I64F64::from_num(0),
                Err(()) => one,
            };
            consensus.saturating_mul(*r)
        })
        .collect();
    if weighted.iter().all(|x| *x == I64F64::from_num(0)) {
        return None;
    }
    inplace_normalize_64(&mut weighted);
    Some(weighted)
}

/// Per-block emission of each started subnet for a block emission of `emission` rao.
pub fn subnet_emission_values(s: &(impl StorageRead + ?Sized), block: u64, emission: u64) -> Vec<(NetUid, u64)> {
    let subnets = emitting_subnets(s, block);
    if subnets.is_empty() {
        return Vec::new();
    }
    match root_shares(s, &subnets) {
        Some(shares) => subnets
            .into_iter()
            .zip(shares)
            .map(|(n, sh)| (n, sh.saturating_mul(I64F64::from_num(emission)).to_num::<u64>()))
            .collect(),
        None => {
            let each = emission / subnets.len() as u64;
            subnets.into_iter().map(|n| (n, each)).collect()
        }
    }
}

/// Block hook: mints this block's emission into the subnets' pending emission.
pub(crate) fn run_coinbase(cx: &mut Ctx) -> DispatchResult {
    let emission = block_emission_for_issuance(TOTAL_ISSUANCE.get(cx.s));
    BLOCK_EMISSION.set(cx.s, &emission);
    for (netuid, _) in EMISSION_VALUES.iter(cx.s) {
        EMISSION_VALUES.remove(cx.s, &netuid);
    }
    let mut minted: u64 = 0;
    for (netuid, share) in subnet_emission_values(cx.s, cx.block, emission) {
        EMISSION_VALUES.set(cx.s, &netuid, &share);
        PENDING_EMISSION.mutate(cx.s, &netuid, |p| *p = p.saturating_add(share));
        minted = minted.saturating_add(share);
    }
    mint(cx, minted)?;
    cx.emit(Event::BlockEmission { emission: Balance(emission), minted: Balance(minted) });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_schedule() {
        let tao = 1_000_000_000u64;
        assert_eq!(block_emission_for_issuance(0), tao);
        assert_eq!(block_emission_for_issuance(10_500_000 * tao - 1), tao);
        assert_eq!(block_emission_for_issuance(10_500_000 * tao), tao / 2);
        assert_eq!(block_emission_for_issuance(15_750_000 * tao - 1), tao / 2);
        assert_eq!(block_emission_for_issuance(15_750_000 * tao), tao / 4);
        assert_eq!(block_emission_for_issuance(18_375_000 * tao), tao / 8);
        assert_eq!(block_emission_for_issuance(TOTAL_SUPPLY), 0);
        assert_eq!(block_emission_for_issuance(u64::MAX), 0);
    }

    #[test]
    fn emission_never_increases_with_issuance() {
        let mut last = u64::MAX;
        for step in 0..=2100u64 {
            let e = block_emission_for_issuance(step * 10_000_000_000_000);
            assert!(e <= last);
            last = e;
        }
    }
}
