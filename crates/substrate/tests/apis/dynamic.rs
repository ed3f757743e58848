//! The runtime APIs on a dynamic chain (spec `dtao.md` §7): `DynamicInfo`, the metagraph and the
//! subnet state carry the subnet's own pool, price EMA, volume and injections, and the per-uid
//! `alpha_stake`, `tao_stake` (root) and `total_stake = alpha + TaoWeight × root`; prices and
//! `sim_swap_*` quote the pool without changing it.

use agora_economy::Direction;
use agora_economy::swap::{MAX_PRICE_RAO, MIN_PRICE_RAO};
use agora_primitives::{Balance, NetUid};
use agora_runtime::genesis::{GenesisPool, GenesisStake};
use agora_runtime::pools::{Economy, pool_state};
use agora_runtime::{Call, GenesisConfig, query};
use agora_substrate::info::{
    DynamicInfo, Metagraph, NeuronInfoLite, SimSwapResult, StakeInfo, SubnetPrice, SubnetState,
};
use agora_substrate::types::AccountId32;
use parity_scale_codec::Compact;

use crate::chain::{Chain, TAO, acc, key, subnet};

fn plain<T: Copy>(v: &[Compact<T>]) -> Vec<T> {
    v.iter().map(|c| c.0).collect()
}

/// Subnet 1 with a 1,000 TAO / 1,000 alpha pool; `v` (alice's) holds 100 TAO of alpha there and
/// 50 TAO on root; bob buys 200 TAO of alpha on `v` in the first block; `v` sets weights once it
/// has its permit; then a few tempos.
fn dynamic_chain() -> Chain {
    let mut config = GenesisConfig::new("agora-substrate-dynamic");
    config.economy = Economy::Dynamic;
    config.sudo = Some(acc("sudo"));
    for name in ["alice", "bob", "owner", "sudo"] {
        config.balances.insert(acc(name), Balance(10_000 * TAO));
    }
    config.params.network_min_lock_cost = 100 * TAO;
    let mut sn = subnet(1, "owner", &[("v", "alice"), ("m", "bob")]);
    sn.pool = Some(GenesisPool { tao: 1_000 * TAO, alpha: 1_000 * TAO, w2: None, moving_price: None });
    config.subnets.push(sn);
    let stake = |hot: &str, netuid, tao| GenesisStake {
        coldkey: acc("alice"),
        hotkey: acc(hot),
        netuid,
        amount: Balance(tao * TAO),
    };
    config.stakes.push(stake("v", 1, 100));
    config.stakes.push(stake("v", 0, 50));
    let mut chain = Chain::new(&config);
    chain
        .block(vec![(&key("bob"), Call::AddStake { hotkey: acc("v"), netuid: NetUid(1), amount: Balance(200 * TAO) })]);
    chain.advance(12);
    let weights = Call::SetWeights { netuid: NetUid(1), dests: vec![2], weights: vec![u16::MAX], version_key: 0 };
    chain.block(vec![(&key("v"), weights)]);
    chain.advance(25);
    chain
}

#[test]
fn dynamic_info_and_the_metagraph_carry_the_pool() {
    let chain = dynamic_chain();
    let pool = query::pool(&chain.state, NetUid(1)).unwrap();
    assert!(pool.price > TAO, "the stakes raised the price: {}", pool.price);
    let d: DynamicInfo = chain.call::<Option<DynamicInfo>>("SubnetInfoRuntimeApi_get_dynamic_info", 1u16).unwrap();
    assert_eq!((d.alpha_in, d.alpha_out, d.tao_in), (pool.alpha_in, pool.alpha_out, pool.tao_in.rao()));
    assert_eq!(d.subnet_volume, pool.volume);
    assert!(d.subnet_volume >= u128::from(200 * TAO), "bob's buy is volume");
    assert_eq!(
        (d.alpha_out_emission, d.alpha_in_emission, d.tao_in_emission),
        (pool.alpha_out_emission, pool.alpha_in_emission, pool.tao_in_emission)
    );
    assert!(d.alpha_out_emission > 0, "emission is enabled");
    assert_eq!(d.pending_alpha_emission, pool.pending_server + pool.pending_validator);
    assert_eq!(d.moving_price.bits, pool_state(&chain.state, NetUid(1)).unwrap().moving_price);
    assert_ne!(d.moving_price.bits, 1 << 32, "the EMA moved off 1.0");
    assert_eq!(d.emission, 0, "always 0, as the reference");

    let m: Metagraph = chain.call::<Option<Metagraph>>("SubnetInfoRuntimeApi_get_metagraph", 1u16).unwrap();
    assert_eq!((m.alpha_in.0, m.alpha_out.0, m.tao_in.0), (d.alpha_in, d.alpha_out, d.tao_in));
    assert_eq!((m.moving_price, m.subnet_volume.0), (d.moving_price, d.subnet_volume));
    // Per uid: `v` (uid 1) holds alpha and root stake; total = alpha + TaoWeight × root.
    let mg = query::metagraph(&chain.state, NetUid(1), false).unwrap();
    let uid = mg.hotkeys.iter().position(|h| *h == acc("v")).unwrap();
    let alpha = query::hotkey_stake(&chain.state, &acc("v"), NetUid(1));
    let root = query::hotkey_stake(&chain.state, &acc("v"), NetUid::ROOT);
    assert_eq!(root, 50 * TAO);
    assert_eq!(plain(&m.alpha_stake)[uid], alpha);
    assert_eq!(plain(&m.tao_stake)[uid], root);
    let tao_weight = agora_runtime::pools::dynamic_params(&chain.state).tao_weight;
    let total = plain(&m.total_stake)[uid];
    assert_eq!(total, agora_yuma::total_stake(alpha, root, tao_weight).saturating_to_num::<u64>());
    // The default TaoWeight is 0.18: about 9 TAO of root counts.
    let inherited = total - alpha;
    assert!(inherited > 8 * TAO && inherited < 10 * TAO, "{inherited}");
    assert_eq!(mg.stake[uid], total, "the runtime's metagraph stake is the total stake");

    // A neuron's stake is its alpha (the reference's `get_stake_for_hotkey_on_subnet`).
    let lite: NeuronInfoLite =
        chain.call::<Option<NeuronInfoLite>>("NeuronInfoRuntimeApi_get_neuron_lite", (1u16, uid as u16)).unwrap();
    assert_eq!(lite.stake[0].1.0, alpha);

    let s: SubnetState = chain.call::<Option<SubnetState>>("SubnetInfoRuntimeApi_get_subnet_state", 1u16).unwrap();
    assert_eq!((s.alpha_stake, s.tao_stake, s.total_stake), (m.alpha_stake, m.tao_stake, m.total_stake));

    // `v`'s alpha dividends at the last epoch (after its take) are in the metagraph and are the
    // `emission` of every position on it; the miner earned none.
    let divs = query::alpha_dividends(&chain.state, NetUid(1), &acc("v"));
    assert!(divs > 0, "v passed dividends to its stakers");
    let per_hotkey: Vec<_> = m.alpha_dividends_per_hotkey.iter().map(|(h, c)| (*h, c.0)).collect();
    assert_eq!(per_hotkey[uid], (acc("v").into(), divs));
    let miner = mg.hotkeys.iter().position(|h| *h == acc("m")).unwrap();
    assert_eq!(per_hotkey[miner].1, 0);
    let positions: Vec<StakeInfo> =
        chain.call("StakeInfoRuntimeApi_get_stake_info_for_coldkey", AccountId32::from(acc("bob")));
    let on_v = positions.iter().find(|p| p.netuid == 1 && p.hotkey == acc("v").into()).expect("bob's stake on v");
    assert_eq!(on_v.emission, divs);
}

#[test]
fn prices_and_quotes_come_from_the_pool_and_change_nothing() {
    let chain = dynamic_chain();
    let state = pool_state(&chain.state, NetUid(1)).unwrap();
    let pool = state.pool();
    let price: u64 = chain.call("SwapRuntimeApi_current_alpha_price", 1u16);
    assert_eq!(price, pool.price_rao());
    let all: Vec<SubnetPrice> = chain.call("SwapRuntimeApi_current_alpha_price_all", ());
    assert_eq!(all, vec![SubnetPrice { netuid: 0, price: TAO }, SubnetPrice { netuid: 1, price }]);

    let min_reserve = agora_runtime::pools::dynamic_params(&chain.state).minimum_reserve;
    let buy: SimSwapResult = chain.call("SwapRuntimeApi_sim_swap_tao_for_alpha", (1u16, 10 * TAO));
    let r = pool.quote(Direction::TaoForAlpha, 10 * TAO, MAX_PRICE_RAO, false, min_reserve).unwrap();
    assert_eq!((buy.tao_amount, buy.alpha_amount, buy.tao_fee), (r.paid_in, r.paid_out, r.fee));
    assert!(buy.tao_fee > 0 && buy.alpha_fee == 0);
    // Slippage against the spot price, as the reference computes it (spec §7).
    let at_spot = |tao: u64| {
        use agora_economy::fixed::{SafeDiv, U64F64};
        U64F64::saturating_from_num(tao).safe_div(pool.price()).saturating_to_num::<u64>()
    };
    assert_eq!(buy.alpha_slippage, at_spot(10 * TAO) - buy.alpha_amount);
    assert!(buy.alpha_slippage > 0, "a 10 TAO buy moves the price");
    assert_eq!(buy.tao_amount + buy.tao_fee, 10 * TAO);

    let sell: SimSwapResult = chain.call("SwapRuntimeApi_sim_swap_alpha_for_tao", (1u16, 10 * TAO));
    let r = pool.quote(Direction::AlphaForTao, 10 * TAO, MIN_PRICE_RAO, false, min_reserve).unwrap();
    assert_eq!((sell.tao_amount, sell.alpha_amount, sell.alpha_fee), (r.paid_out, r.paid_in, r.fee));
    let spot_tao = agora_economy::fixed::U64F64::saturating_from_num(10 * TAO).saturating_mul(pool.price());
    assert_eq!(sell.tao_slippage, spot_tao.saturating_to_num::<u64>() - sell.tao_amount);
    assert!(sell.tao_slippage > 0 && sell.tao_fee == 0);
    // Root is stable: the identity.
    let root: SimSwapResult = chain.call("SwapRuntimeApi_sim_swap_tao_for_alpha", (0u16, 7u64));
    assert_eq!((root.tao_amount, root.alpha_amount, root.tao_fee), (7, 7, 0));
    // A swap the pool refuses (over 1000× the reserve) quotes zeros; so does an unknown subnet.
    let huge: SimSwapResult = chain.call("SwapRuntimeApi_sim_swap_tao_for_alpha", (1u16, u64::MAX));
    assert_eq!(huge, SimSwapResult::default());
    let unknown: SimSwapResult = chain.call("SwapRuntimeApi_sim_swap_tao_for_alpha", (9u16, 5u64));
    assert_eq!(unknown, SimSwapResult::default());
    // Quoting changed nothing.
    assert_eq!(pool_state(&chain.state, NetUid(1)).unwrap(), state);
}
