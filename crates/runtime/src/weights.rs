//! Weights: `set_weights` with every reference check in the reference's order, the root
//! network's weights over subnets, and commit-reveal (`commit_weights` / `reveal_weights`).
//!
//! # Commit-reveal timing
//!
//! A commit made while the subnet's epoch index (with look-ahead: +1 if an epoch is due this
//! block) is `e` may be revealed only while the index is `e + reveal_period_epochs`, and expires
//! after that. At most 10 unrevealed commits per hotkey and subnet.

use agora_primitives::{AccountId, Hash, NetUid, Uid};

use crate::context::Ctx;
use crate::epoch::should_run_epoch;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::staking::total_hotkey_stake;
use crate::state::*;
use crate::storage::StorageRead;
use crate::subnets::hyperparams;

/// Most unrevealed commits a hotkey may hold on a subnet.
pub const MAX_UNREVEALED_COMMITS: usize = 10;

/// Max-upscales weights so the largest becomes 65535 (reference `vec_u16_max_upscale_to_u16`).
pub fn max_upscale(weights: &[u16]) -> Vec<u16> {
    agora_yuma::math::vec_u16_max_upscale_to_u16(weights)
}

fn is_self_weight(uid: Uid, uids: &[u16], weights: &[u16]) -> bool {
    weights.len() == 1 && uids.first() == Some(&uid.0)
}

fn has_duplicates(uids: &[u16]) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    !uids.iter().all(|u| seen.insert(*u))
}

fn owner_uid(s: &(impl StorageRead + ?Sized), netuid: NetUid) -> Option<Uid> {
    let hk = NETWORKS.try_get(s, &netuid)?.owner_hotkey?;
    UIDS.try_get(s, &(netuid, hk))
}

/// Records `uid`'s weights activity (`LastUpdate`) at the current block.
fn record_activity(cx: &mut Ctx, netuid: NetUid, uid: Uid) {
    let block = cx.block;
    LAST_UPDATE.mutate(cx.s, &netuid, |v| {
        if v.len() <= uid.index() {
            v.resize(uid.index() + 1, 0);
        }
        v[uid.index()] = block;
    });
}

fn rate_limit_passes(s: &(impl StorageRead + ?Sized), netuid: NetUid, uid: Uid, now: u64) -> bool {
    let last = LAST_UPDATE.get(s, &netuid).get(uid.index()).copied().unwrap_or(0);
    last == 0 || now.saturating_sub(last) >= hyperparams(s, netuid).weights_rate_limit
}

/// Whether the normalised maximum of `weights` is within `limit` (reference `check_vec_max_limited`).
fn max_weight_within(weights: &[u16], limit: u16) -> bool {
    agora_yuma::math::check_vec_max_limited(weights, limit)
}

/// Stores weights after all checks (the body shared by `set_weights` and `reveal_weights`).
fn set_subnet_weights(
    cx: &mut Ctx,
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[u16],
    values: &[u16],
    version_key: u64,
    record_update: bool,
) -> DispatchResult {
    if uids.len() != values.len() {
        return Err(DispatchError::WeightVecNotEqualSize);
    }
    if !NETWORKS.contains(cx.s, &netuid) {
        return Err(DispatchError::SubnetNotExists);
    }
    let n = SUBNETWORK_N.get(cx.s, &netuid);
    if uids.len() > usize::from(n) {
        return Err(DispatchError::UidsLengthExceedUidsInSubNet);
    }
    let uid = UIDS.try_get(cx.s, &(netuid, *hotkey)).ok_or(DispatchError::HotKeyNotRegisteredInSubNet)?;
    let owner = owner_uid(cx.s, netuid);
    let is_owner = owner == Some(uid);
    if !is_owner && total_hotkey_stake(cx.s, hotkey, netuid) < cx.params().stake_threshold {
        return Err(DispatchError::NotEnoughStakeToSetWeights);
    }
    let h = hyperparams(cx.s, netuid);
    if h.weights_version_key != 0 && version_key < h.weights_version_key {
        return Err(DispatchError::IncorrectWeightVersionKey);
    }
    if !h.commit_reveal && !rate_limit_passes(cx.s, netuid, uid, cx.block) {
        return Err(DispatchError::SettingWeightsTooFast);
    }
    let self_weight = is_self_weight(uid, uids, values);
    let permit = VALIDATOR_PERMIT.get(cx.s, &netuid).get(uid.index()).copied().unwrap_or(false);
    if !(self_weight || is_owner || permit) {
        return Err(DispatchError::NeuronNoValidatorPermit);
    }
    if has_duplicates(uids) {
        return Err(DispatchError::DuplicateUids);
    }
    if uids.iter().any(|u| !KEYS.contains(cx.s, &(netuid, Uid(*u)))) {
        return Err(DispatchError::UidVecContainInvalidOne);
    }
    let min_len = usize::from(h.min_allowed_weights.min(n));
    if !self_weight && values.len() < min_len {
        return Err(DispatchError::WeightVecLengthIsLow);
    }
    let upscaled = max_upscale(values);
    if !self_weight && h.max_weight_limit != u16::MAX && !max_weight_within(&upscaled, h.max_weight_limit) {
        return Err(DispatchError::MaxWeightExceeded);
    }
    let row: SparseRow = uids.iter().copied().zip(upscaled).collect();
    WEIGHTS.insert(cx.s, &(netuid, uid), &row);
    if record_update {
        record_activity(cx, netuid, uid);
    }
    cx.emit(Event::WeightsSet { netuid, uid });
    Ok(())
}

/// Root weights over subnets (the pre-dTAO `set_root_weights` checks, in order):
/// `WeightVecNotEqualSize`, `UidVecContainInvalidOne` (a target is not an existing subnet),
/// `HotKeyNotRegisteredInSubNet`, `NotEnoughStakeToSetWeights`, `IncorrectWeightVersionKey`,
/// `SettingWeightsTooFast`, `DuplicateUids`, `WeightVecLengthIsLow`, `MaxWeightExceeded`.
fn set_root_weights(
    cx: &mut Ctx,
    hotkey: &AccountId,
    netuids: &[u16],
    values: &[u16],
    version_key: u64,
) -> DispatchResult {
    let root = NetUid::ROOT;
    if netuids.len() != values.len() {
        return Err(DispatchError::WeightVecNotEqualSize);
    }
    if netuids.iter().any(|n| !NETWORKS.contains(cx.s, &NetUid(*n))) {
        return Err(DispatchError::UidVecContainInvalidOne);
    }
    let uid = UIDS.try_get(cx.s, &(root, *hotkey)).ok_or(DispatchError::HotKeyNotRegisteredInSubNet)?;
    if total_hotkey_stake(cx.s, hotkey, root) < cx.params().stake_threshold {
        return Err(DispatchError::NotEnoughStakeToSetWeights);
    }
    let h = hyperparams(cx.s, root);
    if h.weights_version_key != 0 && version_key < h.weights_version_key {
        return Err(DispatchError::IncorrectWeightVersionKey);
    }
    if !rate_limit_passes(cx.s, root, uid, cx.block) {
        return Err(DispatchError::SettingWeightsTooFast);
    }
    if has_duplicates(netuids) {
        return Err(DispatchError::DuplicateUids);
    }
    // As the legacy `check_length`: min(min_allowed_weights, SubnetworkN) of the root network.
    let root_n = SUBNETWORK_N.get(cx.s, &root);
    if values.len() < usize::from(h.min_allowed_weights.min(root_n)) {
        return Err(DispatchError::WeightVecLengthIsLow);
    }
    let upscaled = max_upscale(values);
    if h.max_weight_limit != u16::MAX && !max_weight_within(&upscaled, h.max_weight_limit) {
        return Err(DispatchError::MaxWeightExceeded);
    }
    let row: SparseRow = netuids.iter().copied().zip(upscaled).collect();
    WEIGHTS.insert(cx.s, &(root, uid), &row);
    record_activity(cx, root, uid);
    cx.emit(Event::WeightsSet { netuid: root, uid });
    Ok(())
}

/// `set_weights(netuid, dests, weights, version_key)`, signed by the hotkey.
///
/// On a subnet, checks in the reference's order: `CommitRevealEnabled`, `WeightVecNotEqualSize`,
/// `SubnetNotExists`, `UidsLengthExceedUidsInSubNet`, `HotKeyNotRegisteredInSubNet`,
/// `NotEnoughStakeToSetWeights` (owner exempt), `IncorrectWeightVersionKey`,
/// `SettingWeightsTooFast`, `NeuronNoValidatorPermit` (unless a single self-weight or the owner),
/// `DuplicateUids`, `UidVecContainInvalidOne`, `WeightVecLengthIsLow`, then max-upscale and
/// `MaxWeightExceeded`. Explicit zero weights are stored.
pub(crate) fn do_set_weights(
    cx: &mut Ctx,
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[u16],
    values: &[u16],
    version_key: u64,
) -> DispatchResult {
    if netuid.is_root() {
        return set_root_weights(cx, hotkey, uids, values, version_key);
    }
    if hyperparams(cx.s, netuid).commit_reveal && NETWORKS.contains(cx.s, &netuid) {
        return Err(DispatchError::CommitRevealEnabled);
    }
    set_subnet_weights(cx, hotkey, netuid, uids, values, version_key, true)
}

/// The epoch index used by commit-reveal: +1 when this block's epoch is due but not yet run.
pub fn current_epoch_with_lookahead(s: &(impl StorageRead + ?Sized), netuid: NetUid, block: u64) -> u64 {
    let index = SUBNET_EPOCH_INDEX.get(s, &netuid);
    if should_run_epoch(s, netuid, block) { index + 1 } else { index }
}

fn is_expired(s: &(impl StorageRead + ?Sized), netuid: NetUid, block: u64, commit_epoch: u64) -> bool {
    let period = hyperparams(s, netuid).reveal_period_epochs;
    current_epoch_with_lookahead(s, netuid, block) > commit_epoch.saturating_add(period)
}

/// `commit_weights(netuid, hash)`: `SubnetNotExists`, `CommitRevealDisabled`,
/// `HotKeyNotRegisteredInSubNet`, `CommittingWeightsTooFast`, `TooManyUnrevealedCommits`.
/// A commit counts as activity (updates `LastUpdate`).
pub(crate) fn do_commit_weights(cx: &mut Ctx, hotkey: &AccountId, netuid: NetUid, commit_hash: Hash) -> DispatchResult {
    if !NETWORKS.contains(cx.s, &netuid) || netuid.is_root() {
        return Err(DispatchError::SubnetNotExists);
    }
    if !hyperparams(cx.s, netuid).commit_reveal {
        return Err(DispatchError::CommitRevealDisabled);
    }
    let uid = UIDS.try_get(cx.s, &(netuid, *hotkey)).ok_or(DispatchError::HotKeyNotRegisteredInSubNet)?;
    if !rate_limit_passes(cx.s, netuid, uid, cx.block) {
        return Err(DispatchError::CommittingWeightsTooFast);
    }
    let epoch = current_epoch_with_lookahead(cx.s, netuid, cx.block);
    let mut commits = WEIGHT_COMMITS.try_get(cx.s, &(netuid, *hotkey)).unwrap_or_default();
    while commits.first().is_some_and(|c| is_expired(cx.s, netuid, cx.block, c.epoch)) {
        commits.remove(0);
    }
    if commits.len() >= MAX_UNREVEALED_COMMITS {
        return Err(DispatchError::TooManyUnrevealedCommits);
    }
    commits.push(WeightCommit { hash: commit_hash, epoch, block: cx.block });
    WEIGHT_COMMITS.insert(cx.s, &(netuid, *hotkey), &commits);
    record_activity(cx, netuid, uid);
    cx.emit(Event::WeightsCommitted { hotkey: *hotkey, netuid, commit_hash });
    Ok(())
}

/// `reveal_weights(netuid, uids, values, salt, version_key)`: `CommitRevealDisabled`,
/// `NoWeightsCommitFound`, `ExpiredWeightCommit`, `InvalidRevealCommitHashNotMatch`,
/// `RevealTooEarly`, then every `set_weights` check (without the rate limit). The matched commit
/// and every older one are consumed.
pub(crate) fn do_reveal_weights(
    cx: &mut Ctx,
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> DispatchResult {
    if !hyperparams(cx.s, netuid).commit_reveal {
        return Err(DispatchError::CommitRevealDisabled);
    }
    let mut commits = WEIGHT_COMMITS.try_get(cx.s, &(netuid, *hotkey)).ok_or(DispatchError::NoWeightsCommitFound)?;
    let mut expired = Vec::new();
    while commits.first().is_some_and(|c| is_expired(cx.s, netuid, cx.block, c.epoch)) {
        expired.push(commits.remove(0).hash);
    }
    let provided = crate::call::weights_commit_hash(hotkey, netuid, uids, values, salt, version_key);
    let Some(position) = commits.iter().position(|c| c.hash == provided) else {
        return Err(if expired.contains(&provided) {
            DispatchError::ExpiredWeightCommit
        } else if commits.is_empty() {
            DispatchError::NoWeightsCommitFound
        } else {
            DispatchError::InvalidRevealCommitHashNotMatch
        });
    };
    let period = hyperparams(cx.s, netuid).reveal_period_epochs;
    if current_epoch_with_lookahead(cx.s, netuid, cx.block) != commits[position].epoch.saturating_add(period) {
        return Err(DispatchError::RevealTooEarly);
    }
    commits.drain(..=position);
    if commits.is_empty() {
        WEIGHT_COMMITS.remove(cx.s, &(netuid, *hotkey));
    } else {
        WEIGHT_COMMITS.insert(cx.s, &(netuid, *hotkey), &commits);
    }
    set_subnet_weights(cx, hotkey, netuid, uids, values, version_key, false)?;
    cx.emit(Event::WeightsRevealed { hotkey: *hotkey, netuid, commit_hash: provided });
    Ok(())
}
