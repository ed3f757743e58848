//! `serve_axon`: publishing a neuron's endpoint.

use agora_primitives::{AccountId, NetUid};

use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::state::{AXONS, AxonInfo, UIDS};
use crate::subnets::hyperparams;

/// Whether `ip` is acceptable for `ip_type` (reference `is_valid_ip_address` with zero allowed):
/// IPv4 below 255.255.255.255 and not 127.0.0.1; IPv6 not all-ones and not ::1. Loopback is
/// accepted when `allow_loopback` is set (local networks).
pub fn is_valid_ip_address(ip_type: u8, ip: u128, allow_loopback: bool) -> bool {
    match ip_type {
        4 => ip < u128::from(u32::MAX) && (allow_loopback || ip != 0x7f00_0001),
        6 => ip != u128::MAX && (allow_loopback || ip != 1),
        _ => false,
    }
}

/// `serve_axon(...)`, signed by the hotkey.
///
/// Checks, in order: `HotKeyNotRegisteredInNetwork`, `InvalidIpType`, `InvalidIpAddress`,
/// `ServingRateLimitExceeded`, `InvalidPort`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn do_serve_axon(
    cx: &mut Ctx,
    hotkey: &AccountId,
    netuid: NetUid,
    version: u32,
    ip: u128,
    port: u16,
    ip_type: u8,
    protocol: u8,
    placeholder1: u8,
    placeholder2: u8,
) -> DispatchResult {
    if !UIDS.contains(cx.s, &(netuid, *hotkey)) {
        return Err(DispatchError::HotKeyNotRegisteredInNetwork);
    }
    if ip_type != 4 && ip_type != 6 {
        return Err(DispatchError::InvalidIpType);
    }
    if !is_valid_ip_address(ip_type, ip, cx.params().allow_loopback_axons) {
        return Err(DispatchError::InvalidIpAddress);
    }
    let prev = AXONS.try_get(cx.s, &(netuid, *hotkey)).unwrap_or_default();
    let limit = hyperparams(cx.s, netuid).serving_rate_limit;
    if !(limit == 0 || prev.block == 0 || cx.block.saturating_sub(prev.block) >= limit) {
        return Err(DispatchError::ServingRateLimitExceeded);
    }
    if port == 0 {
        return Err(DispatchError::InvalidPort);
    }
    let axon = AxonInfo { block: cx.block, version, ip, port, ip_type, protocol, placeholder1, placeholder2 };
    AXONS.insert(cx.s, &(netuid, *hotkey), &axon);
    cx.emit(Event::AxonServed { netuid, hotkey: *hotkey });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_rules() {
        assert!(is_valid_ip_address(4, 0, false));
        assert!(is_valid_ip_address(4, 0x0a00_0001, false));
        assert!(!is_valid_ip_address(4, 0x7f00_0001, false));
        assert!(is_valid_ip_address(4, 0x7f00_0001, true));
        assert!(!is_valid_ip_address(4, u128::from(u32::MAX), false));
        assert!(!is_valid_ip_address(6, 1, false));
        assert!(!is_valid_ip_address(6, u128::MAX, false));
        assert!(!is_valid_ip_address(5, 1, true));
    }
}
