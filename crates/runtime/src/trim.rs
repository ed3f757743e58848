//! `sudo_trim_to_max_allowed_uids`: shrinking a subnet.
//!
//! Sets `max_allowed_uids` to `max_n` and, if more neurons are registered, removes the
//! lowest-`Emission` uids that are neither owner-immune nor within their immunity period (ties: the
//! higher uid first, as the reference's stable sort walked from the end), then compacts the
//! survivors to uids `0..max_n` in their old order, renumbering weights and bonds and dropping
//! entries that pointed at removed uids. Refused when immune uids would make up 80 % or more of
//! `max_n` (`TrimmingWouldExceedMaxImmunePercentage`), which also guarantees enough removable uids.

use std::collections::BTreeMap;

use agora_primitives::{NetUid, Uid};

use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::registration::{immune_owner_uids, is_immune};
use crate::state::*;
use crate::subnets::hyperparams;

/// Share of the new maximum that immune uids may not reach.
pub const MAX_IMMUNE_UIDS_PERCENT: u64 = 80;

fn remap_row(row: SparseRow, old_to_new: &BTreeMap<u16, u16>) -> SparseRow {
    row.into_iter().filter_map(|(target, v)| old_to_new.get(&target).map(|n| (*n, v))).collect()
}

fn keep<T: Clone + Default>(v: Vec<T>, survivors: &[u16]) -> Vec<T> {
    survivors.iter().map(|u| v.get(usize::from(*u)).cloned().unwrap_or_default()).collect()
}

/// Trims `netuid` to at most `max_n` uids (see the module docs).
pub(crate) fn trim_to_max_allowed_uids(cx: &mut Ctx, netuid: NetUid, max_n: u16) -> DispatchResult {
    let mut h = hyperparams(cx.s, netuid);
    if max_n < h.min_allowed_uids || max_n > h.max_allowed_uids {
        return Err(DispatchError::InvalidValue);
    }
    h.max_allowed_uids = max_n;
    HYPERPARAMS.insert(cx.s, &netuid, &h);
    let n = SUBNETWORK_N.get(cx.s, &netuid);
    if n <= max_n {
        return Ok(());
    }
    let owner_uids = immune_owner_uids(cx.s, netuid);
    let protected = |uid: u16| owner_uids.contains(&Uid(uid)) || is_immune(cx.s, netuid, Uid(uid), cx.block);
    let immune_count = (0..n).filter(|u| protected(*u)).count() as u64;
    if immune_count * 100 >= MAX_IMMUNE_UIDS_PERCENT * u64::from(max_n) {
        return Err(DispatchError::TrimmingWouldExceedMaxImmunePercentage);
    }
    // Highest emission first (ties: lower uid first); remove from the end, skipping protected uids.
    let emission = EMISSION.get(cx.s, &netuid);
    let mut by_emission: Vec<u16> = (0..n).collect();
    by_emission.sort_by_key(|u| std::cmp::Reverse(emission.get(usize::from(*u)).copied().unwrap_or(0)));
    let mut removed = Vec::new();
    for uid in by_emission.iter().rev() {
        if usize::from(n) - removed.len() == usize::from(max_n) {
            break;
        }
        if !protected(*uid) {
            removed.push(*uid);
        }
    }
    let survivors: Vec<u16> = (0..n).filter(|u| !removed.contains(u)).collect();
    let old_to_new: BTreeMap<u16, u16> = survivors.iter().enumerate().map(|(new, old)| (*old, new as u16)).collect();

    // Read everything per uid, then rewrite the subnet's uid-keyed state from scratch.
    let hotkeys: BTreeMap<u16, _> =
        (0..n).filter_map(|u| KEYS.try_get(cx.s, &(netuid, Uid(u))).map(|hk| (u, hk))).collect();
    let registered: Vec<u64> = (0..n).map(|u| BLOCK_AT_REGISTRATION.get(cx.s, &(netuid, Uid(u)))).collect();
    let weights: BTreeMap<u16, SparseRow> =
        WEIGHTS.iter_prefix(cx.s, &netuid).into_iter().map(|((_, u), r)| (u.0, r)).collect();
    let bonds: BTreeMap<u16, SparseRow> =
        BONDS.iter_prefix(cx.s, &netuid).into_iter().map(|((_, u), r)| (u.0, r)).collect();
    for uid in &removed {
        if let Some(hk) = hotkeys.get(uid) {
            AXONS.remove(cx.s, &(netuid, *hk));
            WEIGHT_COMMITS.remove(cx.s, &(netuid, *hk));
            IS_NETWORK_MEMBER.remove(cx.s, &(*hk, netuid));
            ALPHA_DIVIDENDS.remove(cx.s, &(netuid, *hk));
        }
    }
    KEYS.remove_prefix(cx.s, &netuid);
    UIDS.remove_prefix(cx.s, &netuid);
    BLOCK_AT_REGISTRATION.remove_prefix(cx.s, &netuid);
    WEIGHTS.remove_prefix(cx.s, &netuid);
    BONDS.remove_prefix(cx.s, &netuid);
    for (new, old) in survivors.iter().enumerate() {
        let new = Uid(new as u16);
        if let Some(hk) = hotkeys.get(old) {
            KEYS.insert(cx.s, &(netuid, new), hk);
            UIDS.insert(cx.s, &(netuid, *hk), &new);
        }
        BLOCK_AT_REGISTRATION.set(cx.s, &(netuid, new), &registered[usize::from(*old)]);
        if let Some(row) = weights.get(old) {
            WEIGHTS.insert(cx.s, &(netuid, new), &remap_row(row.clone(), &old_to_new));
        }
        if let Some(row) = bonds.get(old) {
            let row = remap_row(row.clone(), &old_to_new);
            if !row.is_empty() {
                BONDS.insert(cx.s, &(netuid, new), &row);
            }
        }
    }
    macro_rules! trim_vec {
        ($($item:ident),*) => {$(
            let v = $item.get(cx.s, &netuid);
            $item.set(cx.s, &netuid, &keep(v, &survivors));
        )*};
    }
    trim_vec!(
        LAST_UPDATE,
        ACTIVE,
        VALIDATOR_PERMIT,
        CONSENSUS,
        INCENTIVE,
        DIVIDENDS,
        VALIDATOR_TRUST,
        STAKE_WEIGHT,
        EMISSION
    );
    SUBNETWORK_N.set(cx.s, &netuid, &(survivors.len() as u16));
    Ok(())
}
