//! `SwapRuntimeApi` in the TAO era: alpha is TAO, so every price is 1.0 and every swap is the
//! identity (no fee, no slippage). An unknown subnet has no pool: price 0, swaps of nothing.

use agora_primitives::NetUid;
use agora_runtime::state::NETWORKS;

use super::Context;
use crate::info::{SimSwapResult, SubnetPrice};

pub use crate::checked::PRICE_ONE;

fn exists(cx: &Context<'_>, netuid: u16) -> bool {
    NETWORKS.contains(cx.state, &NetUid(netuid))
}

pub(super) fn price(cx: &Context<'_>, netuid: u16) -> u64 {
    if exists(cx, netuid) { PRICE_ONE } else { 0 }
}

pub(super) fn all_prices(cx: &Context<'_>) -> Vec<SubnetPrice> {
    NETWORKS.iter(cx.state).into_iter().map(|(n, _)| SubnetPrice { netuid: n.0, price: PRICE_ONE }).collect()
}

/// `amount` in, `amount` out; nothing when the subnet does not exist.
fn identity(cx: &Context<'_>, netuid: u16, amount: u64) -> SimSwapResult {
    let amount = if exists(cx, netuid) { amount } else { 0 };
    SimSwapResult { tao_amount: amount, alpha_amount: amount, ..SimSwapResult::default() }
}

pub(super) fn tao_for_alpha(cx: &Context<'_>, netuid: u16, tao: u64) -> SimSwapResult {
    identity(cx, netuid, tao)
}

pub(super) fn alpha_for_tao(cx: &Context<'_>, netuid: u16, alpha: u64) -> SimSwapResult {
    identity(cx, netuid, alpha)
}
