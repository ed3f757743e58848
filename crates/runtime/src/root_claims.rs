//! Root stakers' claims in dynamic TAO (spec `dtao.md` §5.2–5.3): the epoch raises a hotkey's
//! claimable rate per subnet (`RootClaimable`), each coldkey staking on root through it claims
//! `rate · root stake − claimed` with `claim_root`, as TAO restaked on root (`Swap`, the default)
//! or as alpha kept on the subnet (`Keep`, or `KeepSubnets` for the listed subnets). Root stake
//! added or removed moves the coldkey's watermark (`RootClaimed`) so that it claims neither
//! dividends earned before it staked nor, after it leaves, twice.
//!
//! Auto-claim: every block claims for [`AUTO_CLAIMS_PER_BLOCK`] coldkeys holding root stake, on
//! every subnet, as the reference does. The reference draws them from the parent block's hash;
//! the runtime has no randomness, so it visits them round-robin through a dense index of root
//! stakers (`StakingColdkeysByIndex`, kept as the reference keeps it) from a stored cursor. Each
//! coldkey's claim runs in its own overlay: one that fails is skipped, as the reference logs and
//! skips it.

use std::collections::BTreeSet;

use agora_economy::Direction;
use agora_economy::fixed::I96F32;
use agora_economy::root_claim::{
    ClaimType, DEFAULT_CLAIM_THRESHOLD, MAX_SUBNET_CLAIMS, claim_amount, claimed_after_add, claimed_after_remove, owed,
};
use agora_economy::swap::{MAX_PRICE_RAO, MIN_PRICE_RAO};
use agora_primitives::{AccountId, NetUid};
use parity_scale_codec::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::alpha_staking::swap;
use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::staking::{increase_stake, stake_of};
use crate::state::{
    AUTO_CLAIM_CURSOR, NUM_ROOT_STAKERS, ROOT_CLAIM_TYPE, ROOT_CLAIMABLE, ROOT_CLAIMED, ROOT_STAKER_INDEX,
    ROOT_STAKERS_BY_INDEX, STAKING_HOTKEYS,
};
use crate::storage::StorageRead;

/// How a coldkey takes its root dividends (`RootClaimType`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RootClaimType {
    /// Sell the alpha and restake the TAO on root.
    #[default]
    Swap,
    /// Keep the alpha as stake on the subnet, under the same hotkey.
    Keep,
    /// Keep on these subnets, sell elsewhere.
    KeepSubnets(Vec<NetUid>),
}

impl RootClaimType {
    fn rule(&self) -> ClaimType {
        match self {
            RootClaimType::Swap => ClaimType::Swap,
            RootClaimType::Keep => ClaimType::Keep,
            RootClaimType::KeepSubnets(kept) => ClaimType::KeepSubnets(kept.iter().map(|n| n.0).collect()),
        }
    }
}

/// A hotkey's claimable rate on a subnet (alpha per unit of its root stake).
pub fn claimable_rate(s: &(impl StorageRead + ?Sized), hotkey: &AccountId, netuid: NetUid) -> I96F32 {
    I96F32::from_bits(ROOT_CLAIMABLE.get(s, &(*hotkey, netuid)))
}

/// The alpha (`coldkey`, `hotkey`) could claim on `netuid` now, before the threshold.
pub fn owed_alpha(s: &(impl StorageRead + ?Sized), hotkey: &AccountId, coldkey: &AccountId, netuid: NetUid) -> u64 {
    let o = owed(
        claimable_rate(s, hotkey, netuid),
        stake_of(s, hotkey, NetUid::ROOT, coldkey),
        ROOT_CLAIMED.get(s, &(netuid, *hotkey, *coldkey)),
    );
    if o.is_negative() { 0 } else { o.saturating_to_num::<u64>() }
}

/// A coldkey's claim type.
pub fn claim_type(s: &(impl StorageRead + ?Sized), coldkey: &AccountId) -> RootClaimType {
    ROOT_CLAIM_TYPE.try_get(s, coldkey).unwrap_or_default()
}

/// Root stake `amount` was added to (`hotkey`, `coldkey`): raise its watermark on every subnet.
pub(crate) fn adjust_claimed_on_add(cx: &mut Ctx, hotkey: &AccountId, coldkey: &AccountId, amount: u64) {
    for ((_, netuid), bits) in ROOT_CLAIMABLE.iter_prefix(cx.s, hotkey) {
        let key = (netuid, *hotkey, *coldkey);
        let claimed = claimed_after_add(ROOT_CLAIMED.get(cx.s, &key), I96F32::from_bits(bits), amount);
        ROOT_CLAIMED.set(cx.s, &key, &claimed);
    }
}

/// Root stake `amount` left (`hotkey`, `coldkey`): lower its watermark on every subnet.
pub(crate) fn adjust_claimed_on_remove(cx: &mut Ctx, hotkey: &AccountId, coldkey: &AccountId, amount: u64) {
    for ((_, netuid), bits) in ROOT_CLAIMABLE.iter_prefix(cx.s, hotkey) {
        if netuid.is_root() {
            continue;
        }
        let key = (netuid, *hotkey, *coldkey);
        let claimed = claimed_after_remove(ROOT_CLAIMED.get(cx.s, &key), I96F32::from_bits(bits), amount);
        ROOT_CLAIMED.set(cx.s, &key, &claimed);
    }
}

/// `set_root_claim_type(claim_type)`: `InvalidSubnetNumber` for an empty `KeepSubnets`.
pub(crate) fn do_set_root_claim_type(cx: &mut Ctx, coldkey: &AccountId, claim_type: &RootClaimType) -> DispatchResult {
    if matches!(claim_type, RootClaimType::KeepSubnets(kept) if kept.is_empty()) {
        return Err(DispatchError::InvalidSubnetNumber);
    }
    ROOT_CLAIM_TYPE.insert(cx.s, coldkey, claim_type);
    cx.emit(Event::RootClaimTypeSet { coldkey: *coldkey, claim_type: claim_type.clone() });
    Ok(())
}

/// `claim_root(subnets)`: claims what the coldkey is owed on each of 1 to 5 subnets
/// (`InvalidSubnetNumber` otherwise) through every hotkey it stakes with, in one transaction.
/// Amounts under the threshold (500,000 alpha rao) wait.
pub(crate) fn do_claim_root(cx: &mut Ctx, coldkey: &AccountId, subnets: &[NetUid]) -> DispatchResult {
    let subnets: BTreeSet<NetUid> = subnets.iter().copied().collect();
    if subnets.is_empty() || subnets.len() > MAX_SUBNET_CLAIMS {
        return Err(DispatchError::InvalidSubnetNumber);
    }
    claim(cx, coldkey, Some(&subnets))
}

/// The reference's `do_root_claim`: claims on `subnets` (every subnet when `None`) through every
/// hotkey the coldkey stakes with.
fn claim(cx: &mut Ctx, coldkey: &AccountId, subnets: Option<&BTreeSet<NetUid>>) -> DispatchResult {
    let rule = claim_type(cx.s, coldkey).rule();
    // Only hotkeys it stakes on root through can owe it anything.
    let hotkeys: BTreeSet<AccountId> = STAKING_HOTKEYS
        .iter_prefix(cx.s, coldkey)
        .into_iter()
        .filter(|((_, _, netuid), ())| netuid.is_root())
        .map(|((_, hotkey, _), ())| hotkey)
        .collect();
    for hotkey in hotkeys {
        for ((_, netuid), _) in ROOT_CLAIMABLE.iter_prefix(cx.s, &hotkey) {
            if subnets.is_none_or(|s| s.contains(&netuid)) {
                claim_on_subnet(cx, &hotkey, coldkey, netuid, &rule)?;
            }
        }
    }
    cx.emit(Event::RootClaimed { coldkey: *coldkey });
    Ok(())
}

/// Coldkeys whose root dividends a block claims (the reference's `NumRootClaim` default).
pub const AUTO_CLAIMS_PER_BLOCK: u64 = 5;

/// The block's auto-claim: the next [`AUTO_CLAIMS_PER_BLOCK`] root stakers from the cursor (each
/// once, wrapping around), every subnet; a claim that fails changes nothing and is skipped.
pub(crate) fn run_auto_claim(cx: &mut Ctx) {
    let n = NUM_ROOT_STAKERS.get(cx.s);
    if n == 0 {
        return;
    }
    let start = AUTO_CLAIM_CURSOR.get(cx.s) % n;
    let visits = AUTO_CLAIMS_PER_BLOCK.min(n);
    for i in 0..visits {
        let Some(coldkey) = ROOT_STAKERS_BY_INDEX.try_get(cx.s, &((start + i) % n)) else { continue };
        let block = cx.block;
        // Failures are the claim's own business: its writes are dropped and the block goes on.
        let _ = crate::executive::atomically(&mut *cx.s, block, cx.events, |cx| claim(cx, &coldkey, None));
    }
    AUTO_CLAIM_CURSOR.set(cx.s, &((start + visits) % n));
}

/// Keeps the root stakers' index in step with `coldkey`'s root stake: indexed while it holds
/// any, removed (the last entry moved into its place) when it holds none.
pub(crate) fn index_root_staker(cx: &mut Ctx, coldkey: &AccountId) {
    let holds = STAKING_HOTKEYS.iter_prefix(cx.s, coldkey).into_iter().any(|((_, _, netuid), ())| netuid.is_root());
    let index = ROOT_STAKER_INDEX.try_get(cx.s, coldkey);
    match (holds, index) {
        (true, None) => {
            let n = NUM_ROOT_STAKERS.get(cx.s);
            ROOT_STAKERS_BY_INDEX.insert(cx.s, &n, coldkey);
            ROOT_STAKER_INDEX.insert(cx.s, coldkey, &n);
            NUM_ROOT_STAKERS.set(cx.s, &(n + 1));
        }
        (false, Some(i)) => {
            let last = NUM_ROOT_STAKERS.get(cx.s).saturating_sub(1);
            ROOT_STAKER_INDEX.remove(cx.s, coldkey);
            match ROOT_STAKERS_BY_INDEX.try_get(cx.s, &last) {
                Some(moved) if i != last => {
                    ROOT_STAKERS_BY_INDEX.insert(cx.s, &i, &moved);
                    ROOT_STAKER_INDEX.insert(cx.s, &moved, &i);
                    ROOT_STAKERS_BY_INDEX.remove(cx.s, &last);
                }
                _ => ROOT_STAKERS_BY_INDEX.remove(cx.s, &i),
            }
            NUM_ROOT_STAKERS.set(cx.s, &last);
        }
        _ => {}
    }
}

/// The reference's `root_claim_on_subnet`.
fn claim_on_subnet(
    cx: &mut Ctx,
    hotkey: &AccountId,
    coldkey: &AccountId,
    netuid: NetUid,
    rule: &ClaimType,
) -> DispatchResult {
    let key = (netuid, *hotkey, *coldkey);
    let o = owed(
        claimable_rate(cx.s, hotkey, netuid),
        stake_of(cx.s, hotkey, NetUid::ROOT, coldkey),
        ROOT_CLAIMED.get(cx.s, &key),
    );
    let Some(alpha) = claim_amount(o, I96F32::saturating_from_num(DEFAULT_CLAIM_THRESHOLD), false) else {
        return Ok(());
    };
    if rule.swaps(netuid.0) {
        // Sell fee-free; the TAO moves into root's pool as the coldkey's root stake.
        let sold = swap(cx, netuid, Direction::AlphaForTao, alpha, MIN_PRICE_RAO, true)?;
        let tao = sold.paid_out;
        swap(cx, NetUid::ROOT, Direction::TaoForAlpha, tao, MAX_PRICE_RAO, true)?;
        increase_stake(cx, hotkey, NetUid::ROOT, coldkey, tao)?;
        adjust_claimed_on_add(cx, hotkey, coldkey, tao);
    } else {
        increase_stake(cx, hotkey, netuid, coldkey, alpha)?;
    }
    ROOT_CLAIMED.mutate(cx.s, &key, |c| *c = c.saturating_add(u128::from(alpha)));
    Ok(())
}
