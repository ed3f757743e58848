//! `SwapRuntimeApi`: alpha prices and swap quotes. On a dynamic chain they come from the subnet's
//! pool (spec `dtao.md` §7): the spot price in rao per alpha, and a quote of the swap the chain
//! would make now with the fee, changing nothing. In the TAO era alpha is TAO, so every price is
//! 1.0 and every swap is the identity. An unknown subnet has no pool: price 0, swaps of nothing,
//! as does a swap the pool would refuse.

use agora_economy::fixed::{SafeDiv, U64F64};
use agora_economy::swap::{MAX_PRICE_RAO, MIN_PRICE_RAO};
use agora_economy::{Direction, Pool};
use agora_primitives::NetUid;
use agora_runtime::pools::{dynamic_params, pool_state};
use agora_runtime::state::NETWORKS;

use super::Context;
use crate::info::{SimSwapResult, SubnetPrice};

pub use crate::checked::PRICE_ONE;

fn exists(cx: &Context<'_>, netuid: u16) -> bool {
    NETWORKS.contains(cx.state, &NetUid(netuid))
}

/// The subnet's pool on a dynamic chain (`None` in the TAO era or for an unknown subnet).
fn pool(cx: &Context<'_>, netuid: u16) -> Option<Pool> {
    exists(cx, netuid).then(|| pool_state(cx.state, NetUid(netuid))).flatten().map(|p| p.pool())
}

pub(super) fn price(cx: &Context<'_>, netuid: u16) -> u64 {
    match pool(cx, netuid) {
        Some(p) => p.price_rao(),
        None if exists(cx, netuid) => PRICE_ONE,
        None => 0,
    }
}

pub(super) fn all_prices(cx: &Context<'_>) -> Vec<SubnetPrice> {
    NETWORKS.iter(cx.state).into_iter().map(|(n, _)| SubnetPrice { netuid: n.0, price: price(cx, n.0) }).collect()
}

/// What swapping `amount` through `netuid`'s pool would give now: the input net of the fee, the
/// output, the fee (in the input token) and the slippage against the spot price. Zeros when the
/// pool would refuse it or the subnet does not exist.
fn quote(cx: &Context<'_>, netuid: u16, direction: Direction, amount: u64) -> SimSwapResult {
    let Some(pool) = pool(cx, netuid) else {
        let amount = if exists(cx, netuid) { amount } else { 0 };
        return SimSwapResult { tao_amount: amount, alpha_amount: amount, ..SimSwapResult::default() };
    };
    let limit = match direction {
        Direction::TaoForAlpha => MAX_PRICE_RAO,
        Direction::AlphaForTao => MIN_PRICE_RAO,
    };
    let price = pool.price();
    let Ok(r) = pool.quote(direction, amount, limit, false, dynamic_params(cx.state).minimum_reserve) else {
        return SimSwapResult::default();
    };
    match direction {
        Direction::TaoForAlpha => {
            let at_spot = U64F64::saturating_from_num(amount).safe_div(price).saturating_to_num::<u64>();
            SimSwapResult {
                tao_amount: r.paid_in,
                alpha_amount: r.paid_out,
                tao_fee: r.fee,
                alpha_slippage: at_spot.saturating_sub(r.paid_out),
                ..SimSwapResult::default()
            }
        }
        Direction::AlphaForTao => {
            let at_spot = U64F64::saturating_from_num(amount).saturating_mul(price).saturating_to_num::<u64>();
            SimSwapResult {
                tao_amount: r.paid_out,
                alpha_amount: r.paid_in,
                alpha_fee: r.fee,
                tao_slippage: at_spot.saturating_sub(r.paid_out),
                ..SimSwapResult::default()
            }
        }
    }
}

pub(super) fn tao_for_alpha(cx: &Context<'_>, netuid: u16, tao: u64) -> SimSwapResult {
    quote(cx, netuid, Direction::TaoForAlpha, tao)
}

pub(super) fn alpha_for_tao(cx: &Context<'_>, netuid: u16, alpha: u64) -> SimSwapResult {
    quote(cx, netuid, Direction::AlphaForTao, alpha)
}
