//! The root network (netuid 0): `root_register` (top root validators by stake).
//!
//! The root network holds at most 64 uids. When it is full, a new hotkey takes the uid of the
//! member with the least root stake, but only if its own root stake is strictly larger
//! (`StakeTooLowForRoot`). Root stake is stake on netuid 0. Root validators' weights over subnets
//! set the emission split (see [`crate::emission`]).

use agora_primitives::{AccountId, Balance, NetUid, Uid};

use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::registration::{append_neuron, replace_neuron};
use crate::staking::{create_account_if_non_existent, hotkey_owner, total_hotkey_stake};
use crate::state::*;
use crate::subnets::hyperparams;

/// `root_register(hotkey)`, signed by the coldkey.
///
/// Checks, in order: `SubnetNotExists` (no root network), `TooManyRegistrationsThisBlock`,
/// `TooManyRegistrationsThisInterval` (3 × target per root tempo), `HotKeyAlreadyRegisteredInSubNet`,
/// `NonAssociatedColdKey`, `StakeTooLowForRoot` (full, and not above the lowest member).
pub(crate) fn do_root_register(cx: &mut Ctx, coldkey: &AccountId, hotkey: &AccountId) -> DispatchResult {
    let root = NetUid::ROOT;
    if !NETWORKS.contains(cx.s, &root) {
        return Err(DispatchError::SubnetNotExists);
    }
    let h = hyperparams(cx.s, root);
    if REGISTRATIONS_THIS_BLOCK.get(cx.s, &root) >= h.max_registrations_per_block {
        return Err(DispatchError::TooManyRegistrationsThisBlock);
    }
    if REGISTRATIONS_THIS_INTERVAL.get(cx.s, &root) >= h.target_registrations_per_interval.saturating_mul(3) {
        return Err(DispatchError::TooManyRegistrationsThisInterval);
    }
    if UIDS.contains(cx.s, &(root, *hotkey)) {
        return Err(DispatchError::HotKeyAlreadyRegisteredInSubNet);
    }
    create_account_if_non_existent(cx, coldkey, hotkey);
    if hotkey_owner(cx.s, hotkey) != Some(*coldkey) {
        return Err(DispatchError::NonAssociatedColdKey);
    }
    let n = SUBNETWORK_N.get(cx.s, &root);
    let (uid, replaced) = if n < h.max_allowed_uids {
        (append_neuron(cx, root, hotkey), None)
    } else {
        // Lowest root stake; ties go to the lowest uid.
        let (lowest_uid, lowest_stake) = (0..n)
            .filter_map(|u| KEYS.try_get(cx.s, &(root, Uid(u))).map(|hk| (Uid(u), total_hotkey_stake(cx.s, &hk, root))))
            .min_by_key(|(u, stake)| (*stake, *u))
            .ok_or(DispatchError::StakeTooLowForRoot)?;
        if total_hotkey_stake(cx.s, hotkey, root) <= lowest_stake {
            return Err(DispatchError::StakeTooLowForRoot);
        }
        let old = replace_neuron(cx, root, lowest_uid, hotkey).ok_or(DispatchError::StakeTooLowForRoot)?;
        (lowest_uid, Some(old))
    };
    REGISTRATIONS_THIS_BLOCK.mutate(cx.s, &root, |r| *r = r.saturating_add(1));
    REGISTRATIONS_THIS_INTERVAL.mutate(cx.s, &root, |r| *r = r.saturating_add(1));
    cx.emit(Event::NeuronRegistered { netuid: root, uid, hotkey: *hotkey, replaced, burned: Balance::ZERO });
    Ok(())
}
