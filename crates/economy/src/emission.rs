//! Per-block emission in dynamic TAO (spec `dtao.md` §4.3–4.8): which share of the block's TAO
//! each emitting subnet gets, how that splits into TAO injected into the pool, alpha injected
//! and TAO spent on a chain buy, how the subnet's own alpha emission splits between the owner,
//! miners, validators and root stakers, and the price EMA the shares follow.
//!
//! The share rule is [`EmissionShares`] because the reference has had three in a year (root
//! weights, net stake flow, price EMA); [`PriceEma`] is the one pinned (`main@14bc6f9f`, without
//! the root-proportion factor `devnet-ready` has). Everything here is arithmetic on values the
//! caller reads from state; the caller writes the results back.

use std::collections::BTreeMap;

use crate::fixed::{I96F32, SafeDiv, U64F64, U96F32, tou64_96, u64f64};

/// What the share rule knows of one emitting subnet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SubnetPrice {
    /// The subnet.
    pub netuid: u16,
    /// Its price EMA (`SubnetMovingPrice`); a stable subnet counts 1 whatever is stored.
    pub moving_price: I96F32,
    /// Whether its mechanism is stable (price ≡ 1).
    pub stable: bool,
    /// Share of its last epoch's miner emission that was withheld (`MinerBurned`).
    pub miner_burned: U96F32,
    /// Whether it may receive TAO (`SubnetEmissionEnabled`).
    pub emission_enabled: bool,
}

impl SubnetPrice {
    /// The price EMA as the share rule reads it (U64F64; 1 for a stable subnet).
    pub fn ema(&self) -> U64F64 {
        if self.stable { u64f64(1) } else { U64F64::saturating_from_num(self.moving_price) }
    }
}

/// How the block's TAO is shared among emitting subnets.
pub trait EmissionShares {
    /// Each subnet's share, in the order given; they sum to at most 1.
    fn shares(&self, subnets: &[SubnetPrice]) -> Vec<(u16, U64F64)>;
}

/// Shares by price EMA, weighted by the share of miner emission each subnet paid out.
#[derive(Clone, Copy, Debug, Default)]
pub struct PriceEma;

impl EmissionShares for PriceEma {
    fn shares(&self, subnets: &[SubnetPrice]) -> Vec<(u16, U64F64)> {
        let zero = u64f64(0);
        let one = u64f64(1);
        let total = subnets.iter().fold(zero, |sum, s| sum.saturating_add(s.ema()));
        let price_shares: Vec<(u16, U64F64)> =
            subnets.iter().map(|s| (s.netuid, s.ema().checked_div(total).unwrap_or(zero))).collect();
        let weighted: Vec<(u16, U64F64)> = subnets
            .iter()
            .zip(&price_shares)
            .map(|(s, &(netuid, share))| {
                let burned = U64F64::saturating_from_num(s.miner_burned).min(one);
                (netuid, share.saturating_mul(one.saturating_sub(burned)))
            })
            .collect();
        let weight = weighted.iter().fold(zero, |sum, (_, w)| sum.saturating_add(*w));
        if weight > zero { weighted.into_iter().map(|(n, w)| (n, w.safe_div(weight))).collect() } else { price_shares }
    }
}

/// Each emitting subnet's TAO emission this block (`get_subnet_block_emissions`): its share of
/// `block_emission`, renormalised over the subnets with emission enabled when any is disabled
/// (a disabled one gets 0 TAO but stays in the map, so it still gets alpha).
pub fn tao_emissions(
    rule: &impl EmissionShares,
    subnets: &[SubnetPrice],
    block_emission: U96F32,
) -> BTreeMap<u16, U96F32> {
    let zero = u64f64(0);
    let shares = rule.shares(subnets);
    let enabled = |netuid: u16| subnets.iter().find(|s| s.netuid == netuid).is_some_and(|s| s.emission_enabled);
    let any_disabled = shares.iter().any(|(n, _)| !enabled(*n));
    let enabled_sum = shares.iter().filter(|(n, _)| enabled(*n)).fold(zero, |sum, (_, s)| sum.saturating_add(*s));
    shares
        .into_iter()
        .map(|(netuid, share)| {
            let share = match (any_disabled, enabled(netuid)) {
                (false, _) => share,
                (true, true) if enabled_sum > zero => share.safe_div(enabled_sum),
                (true, _) => zero,
            };
            let tao = U64F64::saturating_from_num(block_emission).saturating_mul(share);
            (netuid, U96F32::saturating_from_num(tao))
        })
        .collect()
}

/// `TaoWeight` (parts of `u64::MAX`) as a fraction.
pub fn tao_weight(parts: u64) -> U96F32 {
    U96F32::saturating_from_num(parts).safe_div(U96F32::saturating_from_num(u64::MAX))
}

/// The share of a subnet's value held through root: `tw·R / (tw·R + A)` with `R` the TAO staked
/// on root and `A` the subnet's alpha issuance; 0 where undefined.
pub fn root_proportion(tao_weight: U96F32, root_tao: u64, alpha_issuance: u64) -> U96F32 {
    let weighted = U96F32::from_num(root_tao).saturating_mul(tao_weight);
    weighted.checked_div(weighted.saturating_add(U96F32::from_num(alpha_issuance))).unwrap_or(U96F32::from_num(0))
}

/// One subnet's terms for the block (`get_subnet_terms`), before rounding to rao.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SubnetTerms {
    /// TAO injected into the pool.
    pub tao_in: U96F32,
    /// Alpha injected into the pool.
    pub alpha_in: U96F32,
    /// Alpha emitted outside the pool (to owner, miners, validators, root).
    pub alpha_out: U96F32,
    /// TAO that buys alpha for the protocol instead (the chain buy).
    pub excess_tao: U96F32,
}

/// Splits a subnet's TAO emission at spot `price`: alpha goes in at the price, capped at
/// `root_proportion · alpha_emission`; what the cap leaves of the TAO is spent on a chain buy.
pub fn subnet_terms(tao_emission: U96F32, alpha_emission: u64, price: U64F64, root_proportion: U96F32) -> SubnetTerms {
    let alpha_emission = U96F32::saturating_from_num(alpha_emission);
    let price = U96F32::saturating_from_num(price);
    let mut tao_in = tao_emission;
    let mut alpha_in = tao_emission.checked_div(price).unwrap_or(U96F32::from_num(0));
    let cap = root_proportion.saturating_mul(alpha_emission);
    if alpha_in > cap {
        alpha_in = cap;
        tao_in = alpha_in.saturating_mul(price);
    }
    SubnetTerms { tao_in, alpha_in, alpha_out: alpha_emission, excess_tao: tao_emission.saturating_sub(tao_in) }
}

/// Where a block's alpha-out goes, each already floored to rao as it is added to its pending map.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlphaOutSplit {
    /// Minted into `AlphaOut` (`tou64(α_out)`).
    pub minted: u64,
    /// To `PendingOwnerCut`.
    pub owner_cut: u64,
    /// To `PendingServerEmission` (miners).
    pub server: u64,
    /// To `PendingValidatorEmission`.
    pub validator: u64,
    /// To `PendingRootAlphaDivs` when root sells, otherwise recycled.
    pub root: u64,
}

/// Splits `alpha_out` (`emit_to_subnets`): the owner's cut (`owner_cut` parts of 65,535) when
/// enabled, then half to miners and the other half to validators, of which `root_proportion`
/// (computed after this block's injection) goes to root stakers.
pub fn split_alpha_out(
    alpha_out: U96F32,
    owner_cut: u16,
    owner_cut_enabled: bool,
    root_proportion: U96F32,
) -> AlphaOutSplit {
    let half = U96F32::from_num(0.5);
    let mut rest = alpha_out;
    let mut split = AlphaOutSplit { minted: tou64_96(alpha_out), ..AlphaOutSplit::default() };
    if owner_cut_enabled {
        let rate = U96F32::saturating_from_num(owner_cut).safe_div(U96F32::saturating_from_num(u16::MAX));
        let cut = rest.saturating_mul(rate);
        rest = rest.saturating_sub(cut);
        split.owner_cut = tou64_96(cut);
    }
    let root = root_proportion.saturating_mul(rest).saturating_mul(half);
    let server = rest.saturating_mul(half);
    let validator = rest.saturating_sub(server).saturating_sub(root);
    split.server = tou64_96(server);
    split.validator = tou64_96(validator);
    split.root = tou64_96(root);
    split
}

/// Whether root stakers sell their alpha this block: the emitting subnets' price EMAs sum to
/// more than 1. Otherwise root's alpha is recycled.
pub fn root_sells(subnets: &[SubnetPrice]) -> bool {
    let total = subnets.iter().fold(u64f64(0), |sum, s| sum.saturating_add(s.ema()));
    total > u64f64(1)
}

/// The price EMA after this block (`update_moving_price`): `α·min(spot, 1) + (1 − α)·ema` with
/// `α = moving_alpha · b/(b + halving_blocks)`, `b` the blocks since the subnet started
/// (`now − (first_emission_block − 1)`).
pub fn update_moving_price(
    ema: I96F32,
    spot: U64F64,
    now: u64,
    first_emission_block: Option<u64>,
    moving_alpha: I96F32,
    halving_blocks: u64,
) -> I96F32 {
    let started = first_emission_block.unwrap_or(0).saturating_sub(1);
    let b = u64f64(now.saturating_sub(started));
    let alpha =
        U64F64::saturating_from_num(moving_alpha).saturating_mul(b.safe_div(b.saturating_add(u64f64(halving_blocks))));
    let one_minus_alpha = u64f64(1).saturating_sub(alpha);
    let pulled = alpha.saturating_mul(spot.min(u64f64(1)));
    let kept = one_minus_alpha.saturating_mul(U64F64::saturating_from_num(ema));
    I96F32::saturating_from_num(pulled.saturating_add(kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subnet(netuid: u16, ema: f64) -> SubnetPrice {
        SubnetPrice {
            netuid,
            moving_price: I96F32::from_num(ema),
            stable: false,
            miner_burned: U96F32::from_num(0),
            emission_enabled: true,
        }
    }

    /// `test_coinbase_tao_issuance_different_prices`: EMAs 0.1 and 0.2 share 10⁸ rao as 1 : 2.
    #[test]
    fn shares_follow_the_price_ema() {
        let e = tao_emissions(&PriceEma, &[subnet(1, 0.1), subnet(2, 0.2)], U96F32::from_num(100_000_000));
        assert!((tou64_96(e[&1]) as i64 - 33_333_333).abs() <= 10, "{:?}", e[&1]);
        assert!((tou64_96(e[&2]) as i64 - 66_666_666).abs() <= 10, "{:?}", e[&2]);
    }

    /// `test_coinbase_disabled_subnet_emission_redistributes_…`: three equal subnets, the second
    /// disabled, 3,333,333 rao: 1,666,666 / 0 / 1,666,666 (±2).
    #[test]
    fn a_disabled_subnet_gets_no_tao_and_the_others_share_it() {
        let mut subnets = [subnet(1, 1.0), subnet(2, 1.0), subnet(3, 1.0)];
        subnets[1].emission_enabled = false;
        let e = tao_emissions(&PriceEma, &subnets, U96F32::from_num(3_333_333));
        assert_eq!(e.len(), 3, "a disabled subnet stays in the map");
        assert!(tou64_96(e[&1]).abs_diff(1_666_666) <= 2);
        assert_eq!(tou64_96(e[&2]), 0);
        assert!(tou64_96(e[&3]).abs_diff(1_666_666) <= 2);
    }

    #[test]
    fn miner_burn_moves_share_away_and_all_zero_emas_emit_nothing() {
        let mut subnets = [subnet(1, 0.5), subnet(2, 0.5)];
        subnets[0].miner_burned = U96F32::from_num(0.5);
        let shares = PriceEma.shares(&subnets);
        assert!((shares[0].1.to_num::<f64>() - 1.0 / 3.0).abs() < 1e-12);
        assert!((shares[1].1.to_num::<f64>() - 2.0 / 3.0).abs() < 1e-12);
        let e = tao_emissions(&PriceEma, &[subnet(1, 0.0), subnet(2, 0.0)], U96F32::from_num(1_000_000_000));
        assert!(e.values().all(|t| *t == U96F32::from_num(0)));
        let stable = SubnetPrice { stable: true, ..subnet(3, 0.0) };
        assert_eq!(stable.ema(), u64f64(1));
    }

    /// `test_root_proportion` (§8 vector 14): R = 10¹², tw = 0.18, A = 10¹¹ → ≈ 0.6428571428.
    #[test]
    fn test_root_proportion() {
        let tw = tao_weight(3_320_413_933_267_719_290);
        let r = root_proportion(tw, 1_000_000_000_000, 100_000_000_000);
        assert!((r.to_num::<f64>() - 0.642_857_142_8).abs() < 1e-9, "{r}");
        assert_eq!(root_proportion(tw, 0, 0), U96F32::from_num(0));
    }

    #[test]
    fn terms_cap_alpha_at_root_proportion_and_buy_with_the_rest() {
        // Price 1, 1 TAO emission, 1 alpha of alpha emission, r = ½: ½ alpha in, ½ TAO in, ½ TAO buys.
        let t = subnet_terms(U96F32::from_num(1_000_000_000), 1_000_000_000, u64f64(1), U96F32::from_num(0.5));
        assert_eq!(t.alpha_in, U96F32::from_num(500_000_000));
        assert_eq!(t.tao_in, U96F32::from_num(500_000_000));
        assert_eq!(t.excess_tao, U96F32::from_num(500_000_000));
        assert_eq!(t.alpha_out, U96F32::from_num(1_000_000_000));
        // Price 0 (no alpha in the pool): no alpha goes in and all the TAO does, as the reference has it.
        let t = subnet_terms(U96F32::from_num(10), 10, u64f64(0), U96F32::from_num(1));
        assert_eq!(
            (t.alpha_in, t.tao_in, t.excess_tao),
            (U96F32::from_num(0), U96F32::from_num(10), U96F32::from_num(0))
        );
    }

    /// `test_owner_cut_base` (§8 vector 12) and the split with the defaults.
    #[test]
    fn test_owner_cut_base() {
        let all = split_alpha_out(U96F32::from_num(1_000_000_000), u16::MAX, true, U96F32::from_num(0));
        assert_eq!(all.owner_cut, 1_000_000_000);
        let none = split_alpha_out(U96F32::from_num(1_000_000_000), 0, true, U96F32::from_num(0));
        assert_eq!(none.owner_cut, 0);
        assert_eq!((none.server, none.validator, none.root), (500_000_000, 500_000_000, 0));
        let split = split_alpha_out(U96F32::from_num(1_000_000_000), 11_796, true, U96F32::from_num(0.25));
        let total = split.owner_cut + split.server + split.validator + split.root;
        assert!(split.minted - total <= 3, "dust {}", split.minted - total);
        assert_eq!(split.server, split.validator + split.root);
        let disabled = split_alpha_out(U96F32::from_num(1_000), u16::MAX, false, U96F32::from_num(0));
        assert_eq!(disabled.owner_cut, 0);
    }

    /// The mock's `EMAPriceHalvingBlocks`.
    const HALVING: u64 = 201_600;

    /// `test_coinbase_moving_prices` (§8 vector 15): with α_m = 1 at block 7,200,000 one step
    /// reaches the spot; with α_m = 0.1 at block 7,200 · 28 (b = h, α = 0.05 a step) 14 steps from
    /// 0 give 1 − 0.95¹⁴.
    #[test]
    fn test_coinbase_moving_prices() {
        let ema = update_moving_price(I96F32::from_num(1), u64f64(1), 7_200_000, Some(1), I96F32::from_num(1), HALVING);
        assert_eq!(ema, I96F32::from_num(1));
        let ema = update_moving_price(I96F32::from_num(0), u64f64(1), 7_200_000, Some(1), I96F32::from_num(1), HALVING);
        assert!(1.0 - ema.to_num::<f64>() < 0.05, "{ema}");
        let mut ema = I96F32::from_num(0);
        for _ in 0..14 {
            ema = update_moving_price(ema, u64f64(1), 7_200 * 28, Some(1), I96F32::from_num(0.1), HALVING);
        }
        assert!((ema.to_num::<f64>() - 0.512_325).abs() < 0.001, "{ema}");
    }

    /// `test_update_moving_price_initial` (§8 vector 15): α_m = 0.5, ten blocks after the first
    /// emission: the EMA barely moves.
    #[test]
    fn test_update_moving_price_initial() {
        let ema = update_moving_price(I96F32::from_num(0), u64f64(1), 510, Some(500), I96F32::from_num(0.5), HALVING);
        assert!(ema.to_num::<f64>() < 0.001, "{ema}");
    }

    /// `test_update_moving_price_after_time` (§8 vector 15): long after the first emission α → α_m;
    /// the spot counts at most 1.
    #[test]
    fn test_update_moving_price_after_time() {
        for spot in [1, 5] {
            let ema = update_moving_price(
                I96F32::from_num(0),
                u64f64(spot),
                144_000_500,
                Some(500),
                I96F32::from_num(0.5),
                HALVING,
            );
            assert!((ema.to_num::<f64>() - 0.5).abs() < 0.001, "{ema}");
        }
    }

    #[test]
    fn root_sells_when_the_emas_sum_past_one() {
        assert!(!root_sells(&[subnet(1, 0.5), subnet(2, 0.5)]));
        assert!(root_sells(&[subnet(1, 0.5), subnet(2, 0.6)]));
    }

    /// `test_get_subnet_terms_alpha_emissions_cap`: at price 1 with root holding 10¹⁸ rao at
    /// TaoWeight 1, the cap is `root_proportion · alpha_emission`; 10⁸ of TAO injects 10⁸ alpha,
    /// 10¹⁰ injects exactly the cap.
    #[test]
    fn test_get_subnet_terms_alpha_emissions_cap() {
        let alpha_emission = 1_000_000_000u64;
        let proportion = root_proportion(tao_weight(u64::MAX), 1_000_000_000_000_000_000, 200_000_000_000);
        let cap = proportion.saturating_mul(U96F32::from_num(alpha_emission));
        let price = u64f64(1);
        let emissions1 = U96F32::from_num(100_000_000);
        assert!(emissions1 < cap);
        assert_eq!(subnet_terms(emissions1, alpha_emission, price, proportion).alpha_in, emissions1);
        let emissions2 = U96F32::from_num(10_000_000_000u64);
        assert!(emissions2 > cap);
        let terms = subnet_terms(emissions2, alpha_emission, price, proportion);
        assert_eq!(terms.alpha_in, cap);
        assert_eq!(terms.excess_tao, emissions2 - cap, "what the cap leaves buys alpha for the protocol");
    }

    /// `test_coinbase_subnet_terms_with_alpha_in_gt_alpha_emission`: at price 0.01 the TAO buys
    /// more than the cap, so alpha in is the cap, TAO in is the cap at the price, and the rest is
    /// excess; alpha out is the block's alpha emission whatever happens.
    #[test]
    fn test_coinbase_subnet_terms_with_alpha_in_gt_alpha_emission() {
        let alpha_emission = 1_000_000_000u64;
        let price = U64F64::saturating_from_num(0.01);
        let price96 = U96F32::saturating_from_num(price);
        let tao_emission = U96F32::from_num(alpha_emission) * price96 + U96F32::from_num(0.01);
        // The reference's pool holds 10⁹ rao of TAO and 10¹¹ alpha at this price, so the cap sits
        // about 100 rao under the block's alpha: a narrow edge.
        let proportion = root_proportion(tao_weight(u64::MAX), 1_000_000_000_000_000_000, 100_000_000_000);
        let cap = proportion * U96F32::from_num(alpha_emission);
        assert!(tao_emission / price96 > cap);
        let t = subnet_terms(tao_emission, alpha_emission, price, proportion);
        assert!((t.alpha_out.to_num::<f64>() - alpha_emission as f64).abs() <= 0.01);
        assert!((t.alpha_in.to_num::<f64>() - cap.to_num::<f64>()).abs() <= cap.to_num::<f64>() / 1_000.0);
        assert!((t.tao_in.to_num::<f64>() - (t.alpha_in * price96).to_num::<f64>()).abs() <= 0.01);
        assert!(
            (t.excess_tao.to_num::<f64>() - (tao_emission.to_num::<f64>() - t.tao_in.to_num::<f64>())).abs() <= 0.01
        );
    }

    /// `test_coinbase_subnet_terms_with_alpha_in_lte_alpha_emission`: at price 1 with the cap out
    /// of the way, 34,566,756 rao goes in whole, buys as much alpha, and nothing is excess.
    #[test]
    fn test_coinbase_subnet_terms_with_alpha_in_lte_alpha_emission() {
        let alpha_emission = 1_000_000_000u64;
        let price = u64f64(1);
        let tao_emission = U96F32::from_num(34_566_756u64);
        // The reference's 10¹⁵ / 10¹⁵ pool: alpha issuance ≈ 10¹⁵.
        let proportion = root_proportion(tao_weight(u64::MAX), 1_000_000_000_000_000_000, 1_000_000_000_000_000);
        assert!(tao_emission <= proportion * U96F32::from_num(alpha_emission));
        let t = subnet_terms(tao_emission, alpha_emission, price, proportion);
        assert!((t.alpha_out.to_num::<f64>() - alpha_emission as f64).abs() <= 0.1);
        assert!((t.alpha_in.to_num::<f64>() - tao_emission.to_num::<f64>()).abs() <= 0.01);
        assert!((t.tao_in.to_num::<f64>() - tao_emission.to_num::<f64>()).abs() <= 0.01);
        assert!(t.excess_tao.to_num::<f64>().abs() <= 0.01);
    }
}
