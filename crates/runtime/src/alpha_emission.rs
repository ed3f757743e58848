//! Emission in dynamic TAO (spec `dtao.md` §4): every block, the block's TAO is shared among
//! started subnets by price EMA and injected into their pools (TAO and alpha at the spot price,
//! the rest buying alpha for the protocol); each subnet also emits its own alpha outside the
//! pool, split into pending amounts for the owner, miners, validators and root stakers, which
//! its epoch pays out as alpha stake. The rules are [`agora_economy::emission`] and
//! [`agora_economy::payout`]; this module reads and writes the state around them.
//!
//! ```text
//! block ── E_τ = emission(TotalIssuance)
//!          shares by price EMA (emission-enabled subnets only) ─▶ TAO per subnet
//!          per subnet: α_em = emission(alpha issuance)
//!                      tao_in, α_in at spot (α_in ≤ root_prop·α_em), the rest buys alpha
//!                      α_out = α_em ─▶ owner cut │ ½ miners │ validators (− root share)
//!          price EMAs move toward min(spot, 1)
//! epoch ── E = server + validator + root pending ─▶ Yuma (stake = α + TaoWeight·root)
//!          incentive → miners' stake (the owner's own hotkeys' is burned)
//!          dividends split by α and root stake → alpha pot and root pot; takes first
//! ```

use std::collections::BTreeMap;

use agora_economy::emission::{
    PriceEma, SubnetPrice, root_proportion, root_sells, split_alpha_out, subnet_terms, tao_emissions,
    update_moving_price,
};
use agora_economy::fixed::{I96F32, U96F32, tou64_96};
use agora_economy::payout::{ValidatorDividend, dividend_distribution, miner_burned, take_split, validator_pot};
use agora_economy::root_claim::claimable_increment;
use agora_economy::swap::MAX_PRICE_RAO;
use agora_economy::{Curve, Direction};
use agora_primitives::{AccountId, Balance, NetUid};

use crate::balances::mint;
use crate::context::Ctx;
use crate::emission::{block_emission_for_issuance, emitting_subnets};
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::pools::{PendingAlpha, PoolState, dynamic_params, pending_alpha, pool_state};
use crate::staking::{credit_pool, hotkey_owner, increase_stake, take_of, total_hotkey_stake};
use crate::state::*;
use crate::subnets::hyperparams;

/// A subnet's alpha issuance: alpha in and outside its pool.
fn alpha_issuance(pool: &PoolState) -> u64 {
    pool.alpha_in.saturating_add(pool.alpha_out)
}

/// Block hook on a dynamic chain: this block's TAO and alpha into the emitting subnets.
pub(crate) fn run_coinbase(cx: &mut Ctx) -> DispatchResult {
    let emission = block_emission_for_issuance(TOTAL_ISSUANCE.get(cx.s));
    run_coinbase_with(cx, emission)
}

/// The coinbase with `emission` rao of TAO for the block (the reference's
/// `run_coinbase(block_emission)`), minting only what goes into pools.
pub(crate) fn run_coinbase_with(cx: &mut Ctx, emission: u64) -> DispatchResult {
    BLOCK_EMISSION.set(cx.s, &emission);
    let params = dynamic_params(cx.s);
    let global = cx.params();
    let tao_weight = params.tao_weight();
    let subnets: Vec<(NetUid, PoolState)> =
        emitting_subnets(cx.s, cx.block).into_iter().filter_map(|n| pool_state(cx.s, n).map(|p| (n, p))).collect();
    let prices: Vec<SubnetPrice> = subnets
        .iter()
        .map(|(n, p)| SubnetPrice {
            netuid: n.0,
            moving_price: p.moving_price(),
            stable: p.mechanism == 0,
            miner_burned: p.miner_burned(),
            emission_enabled: p.emission_enabled,
        })
        .collect();
    let shares = tao_emissions(&PriceEma, &prices, U96F32::saturating_from_num(emission));
    let root_sell = root_sells(&prices);
    let root_tao = pool_state(cx.s, NetUid::ROOT).map_or(0, |p| p.tao);
    let mut minted: u64 = 0;
    for (netuid, mut state) in subnets {
        let tao_emission = shares.get(&netuid.0).copied().unwrap_or(U96F32::from_num(0));
        let mut pool = state.pool();
        let alpha_emission = block_emission_for_issuance(alpha_issuance(&state));
        let r = root_proportion(tao_weight, root_tao, alpha_issuance(&state));
        let terms = subnet_terms(tao_emission, alpha_emission, pool.price(), r);
        let (tao_in, alpha_in, excess) = (tou64_96(terms.tao_in), tou64_96(terms.alpha_in), tou64_96(terms.excess_tao));
        // Re-weight for the injection first (a refused one injects nothing), then the chain buy
        // with the new weights and the old reserves, then the injection itself.
        let (tao_in, alpha_in) = match pool.curve.add_liquidity(pool.alpha_in, pool.tao, tao_in, alpha_in) {
            Ok(()) => (tao_in, alpha_in),
            Err(_) => (0, 0),
        };
        let mut chain_buy = 0;
        if excess > 0
            && let Ok(bought) = pool.swap(Direction::TaoForAlpha, excess, MAX_PRICE_RAO, true, params.minimum_reserve)
        {
            state.protocol_alpha = state.protocol_alpha.saturating_add(bought.paid_out);
            chain_buy = bought.paid_in;
        }
        pool.alpha_in = pool.alpha_in.saturating_add(alpha_in);
        pool.tao = pool.tao.saturating_add(tao_in);
        // Alpha outside the pool, minted now and paid at the epoch.
        let alpha_out = tou64_96(terms.alpha_out);
        pool.alpha_out = pool.alpha_out.saturating_add(alpha_out);
        state.set_pool(&pool);
        let r_after = root_proportion(tao_weight, root_tao, alpha_issuance(&state));
        let split = split_alpha_out(
            terms.alpha_out,
            global.subnet_owner_cut,
            hyperparams(cx.s, netuid).owner_cut_enabled,
            r_after,
        );
        let mut pending = pending_alpha(cx.s, netuid);
        pending.server = pending.server.saturating_add(split.server);
        pending.validator = pending.validator.saturating_add(split.validator);
        pending.owner_cut = pending.owner_cut.saturating_add(split.owner_cut);
        if root_sell {
            pending.root = pending.root.saturating_add(split.root);
        } else {
            // No root sell: root's share is recycled.
            state.alpha_out = state.alpha_out.saturating_sub(split.root);
        }
        PENDING_ALPHA.insert(cx.s, &netuid, &pending);
        state.last_emission = (tao_in, alpha_in, alpha_out);
        SUBNET_POOLS.insert(cx.s, &netuid, &state);
        let into_pool = tao_in.saturating_add(chain_buy);
        TOTAL_STAKE.mutate(cx.s, |t| *t = t.saturating_add(into_pool));
        minted = minted.checked_add(into_pool).ok_or(DispatchError::ArithmeticOverflow)?;
        cx.emit(Event::SubnetEmission {
            netuid,
            tao_in: Balance(tao_in),
            alpha_in,
            chain_buy: Balance(chain_buy),
            alpha_out,
        });
    }
    mint(cx, minted)?;
    cx.emit(Event::BlockEmission { emission: Balance(emission), minted: Balance(minted) });
    update_moving_prices(cx)
}

/// The price EMA of every emitting subnet moves toward its spot price (capped at 1).
fn update_moving_prices(cx: &mut Ctx) -> DispatchResult {
    let params = dynamic_params(cx.s);
    for netuid in emitting_subnets(cx.s, cx.block) {
        let (Some(mut state), Some(info)) = (pool_state(cx.s, netuid), NETWORKS.try_get(cx.s, &netuid)) else {
            continue;
        };
        let ema = update_moving_price(
            state.moving_price(),
            state.pool().price(),
            cx.block,
            Some(info.first_emission_block),
            params.moving_alpha(),
            params.ema_halving_blocks,
        );
        state.moving_price = ema.to_bits();
        SUBNET_POOLS.insert(cx.s, &netuid, &state);
    }
    Ok(())
}

/// The hotkeys of the subnet owner registered on the subnet (their incentive is burned).
fn owner_hotkeys(cx: &Ctx, netuid: NetUid) -> Vec<AccountId> {
    let Some(info) = NETWORKS.try_get(cx.s, &netuid) else { return Vec::new() };
    let Some(owner) = info.owner else { return Vec::new() };
    let mut keys: Vec<AccountId> = OWNED_HOTKEYS
        .iter_prefix(cx.s, &owner)
        .into_iter()
        .map(|((_, hotkey), _)| hotkey)
        .filter(|hotkey| UIDS.contains(cx.s, &(netuid, *hotkey)))
        .collect();
    if let Some(hk) = info.owner_hotkey
        && UIDS.contains(cx.s, &(netuid, hk))
        && !keys.contains(&hk)
    {
        keys.push(hk);
    }
    keys
}

/// Totals paid by one dynamic epoch (alpha).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlphaPayout {
    /// Owner cut.
    pub owner_cut: u64,
    /// Incentive staked to miners.
    pub server: u64,
    /// Incentive of the owner's own hotkeys, burned.
    pub burned: u64,
    /// Alpha dividends (takes included).
    pub validator: u64,
    /// Root dividends (takes included).
    pub root: u64,
}

/// Pays `pending` for `netuid` (`distribute_emission`): Yuma on the sum, then incentive, alpha
/// dividends and root dividends as alpha stake or root claims.
pub(crate) fn run_epoch_and_pay(
    cx: &mut Ctx,
    netuid: NetUid,
    pending: PendingAlpha,
) -> Result<AlphaPayout, DispatchError> {
    let info = NETWORKS.try_get(cx.s, &netuid).ok_or(DispatchError::SubnetNotExists)?;
    let tao_weight = dynamic_params(cx.s).tao_weight();
    let total = pending.server.saturating_add(pending.validator).saturating_add(pending.root);
    let (out, hotkeys) = crate::epoch::run_yuma_and_store(cx, netuid, total);
    let mut paid = AlphaPayout::default();
    if let (Some(owner), Some(owner_hotkey)) = (info.owner, info.owner_hotkey) {
        increase_stake(cx, &owner_hotkey, netuid, &owner, pending.owner_cut)?;
        paid.owner_cut = pending.owner_cut;
    }
    let incentive_sum: u64 = out.server_emission.iter().sum();
    let pot = validator_pot(pending.server, pending.validator, incentive_sum);
    let owners = owner_hotkeys(cx, netuid);
    let mut dividends: BTreeMap<AccountId, ValidatorDividend> = BTreeMap::new();
    for (uid, hotkey) in hotkeys.iter().enumerate() {
        let Some(hotkey) = hotkey else { continue };
        let Some(coldkey) = hotkey_owner(cx.s, hotkey) else { continue };
        let incentive = out.server_emission.get(uid).copied().unwrap_or(0);
        if owners.contains(hotkey) {
            paid.burned = paid.burned.saturating_add(incentive);
        } else if incentive > 0 {
            increase_stake(cx, hotkey, netuid, &coldkey, incentive)?;
            paid.server = paid.server.saturating_add(incentive);
        }
        let dividend = out.validator_emission.get(uid).copied().unwrap_or(0);
        if dividend > 0 {
            let entry = dividends.entry(*hotkey).or_insert(ValidatorDividend {
                dividend: U96F32::from_num(0),
                alpha_stake: total_hotkey_stake(cx.s, hotkey, netuid),
                root_stake: total_hotkey_stake(cx.s, hotkey, NetUid::ROOT),
            });
            entry.dividend = entry.dividend.saturating_add(U96F32::saturating_from_num(dividend));
        }
    }
    if let Some(mut state) = pool_state(cx.s, netuid) {
        state.miner_burned = miner_burned(paid.burned, incentive_sum).to_bits();
        SUBNET_POOLS.insert(cx.s, &netuid, &state);
    }
    let (alpha_divs, root_divs) = dividend_distribution(pot, pending.root, tao_weight, &dividends);
    ALPHA_DIVIDENDS.remove_prefix(cx.s, &netuid);
    ROOT_ALPHA_DIVIDENDS.remove_prefix(cx.s, &netuid);
    for (hotkey, amount) in alpha_divs {
        let owner = hotkey_owner(cx.s, &hotkey).ok_or(DispatchError::HotKeyAccountNotExists)?;
        let (take, rest) = take_split(amount, take_of(cx.s, &hotkey));
        // The take is staked first, at the pre-dividend share price; the rest raises the pool.
        increase_stake(cx, &hotkey, netuid, &owner, take)?;
        credit_pool(cx, &hotkey, netuid, rest)?;
        ALPHA_DIVIDENDS.mutate(cx.s, &(netuid, hotkey), |d| *d = d.saturating_add(rest));
        paid.validator = paid.validator.saturating_add(take).saturating_add(rest);
    }
    for (hotkey, amount) in root_divs {
        let owner = hotkey_owner(cx.s, &hotkey).ok_or(DispatchError::HotKeyAccountNotExists)?;
        let (take, rest) = take_split(amount, take_of(cx.s, &hotkey));
        increase_stake(cx, &hotkey, netuid, &owner, take)?;
        match claimable_increment(rest, total_hotkey_stake(cx.s, &hotkey, NetUid::ROOT)) {
            Some(rate) => ROOT_CLAIMABLE.mutate(cx.s, &(hotkey, netuid), |r| {
                *r = I96F32::from_bits(*r).saturating_add(rate).to_bits();
            }),
            None => {
                increase_stake(cx, &hotkey, netuid, &owner, rest)?;
            }
        }
        ROOT_ALPHA_DIVIDENDS.mutate(cx.s, &(netuid, hotkey), |d| *d = d.saturating_add(rest));
        paid.root = paid.root.saturating_add(take).saturating_add(rest);
    }
    cx.emit(Event::AlphaEpochPaid {
        netuid,
        owner_cut: paid.owner_cut,
        server: paid.server,
        validator: paid.validator,
        root: paid.root,
    });
    Ok(paid)
}
