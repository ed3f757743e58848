//! `StakeInfoRuntimeApi`: stake positions from the runtime's stake queries. A position's `emission`
//! is its hotkey's alpha dividends at the subnet's last epoch, as the reference reports it.

use agora_primitives::{AccountId, NetUid};
use agora_runtime::query;
use agora_runtime::state::{NETWORKS, UIDS};
use agora_runtime::storage::StorageRead;

use super::Context;
use crate::info::StakeInfo;
use crate::types::AccountId32;

fn info(s: &dyn StorageRead, hotkey: AccountId, coldkey: AccountId, netuid: NetUid, stake: u64) -> StakeInfo {
    StakeInfo {
        hotkey: hotkey.into(),
        coldkey: coldkey.into(),
        netuid: netuid.0,
        stake,
        locked: 0,
        emission: query::alpha_dividends(s, netuid, &hotkey),
        tao_emission: 0,
        drain: 0,
        is_registered: UIDS.contains(s, &(netuid, hotkey)),
    }
}

/// The non-zero positions of `coldkey` on existing subnets, by netuid then hotkey (the
/// reference's order: subnets outside, hotkeys inside).
fn positions(s: &dyn StorageRead, coldkey: AccountId) -> Vec<StakeInfo> {
    let mut list: Vec<_> = query::stakes_of_coldkey(s, &coldkey)
        .into_iter()
        .filter(|p| p.amount.rao() > 0 && NETWORKS.contains(s, &p.netuid))
        .collect();
    list.sort_by_key(|p| (p.netuid, p.hotkey));
    list.into_iter().map(|p| info(s, p.hotkey, p.coldkey, p.netuid, p.amount.rao())).collect()
}

pub(super) fn for_coldkey(cx: &Context<'_>, coldkey_account: AccountId32) -> Vec<StakeInfo> {
    positions(cx.state, coldkey_account.into())
}

pub(super) fn for_coldkeys(cx: &Context<'_>, coldkey_accounts: Vec<AccountId32>) -> Vec<(AccountId32, Vec<StakeInfo>)> {
    coldkey_accounts.into_iter().map(|c| (c, positions(cx.state, c.into()))).collect()
}

/// Always a position, as the reference: zero when there is none (or no such subnet).
pub(super) fn for_hotkey_coldkey_netuid(
    cx: &Context<'_>,
    hotkey_account: AccountId32,
    coldkey_account: AccountId32,
    netuid: u16,
) -> Option<StakeInfo> {
    let (hotkey, coldkey, netuid) = (hotkey_account.into(), coldkey_account.into(), NetUid(netuid));
    let stake = query::stake(cx.state, &coldkey, &hotkey, netuid).rao();
    Some(info(cx.state, hotkey, coldkey, netuid, stake))
}
