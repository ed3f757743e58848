//! Properties of the pool over random reserves, weights and swaps: no swap moves the price the
//! wrong way, a buy then a sell of what it bought never returns more than was paid, alpha and
//! TAO are conserved by every committed swap, a limit is never crossed, and injections keep the
//! price.

use agora_economy::fixed::{ACCURACY, Perquintill};
use agora_economy::swap::{MAX_PRICE_RAO, MIN_PRICE_RAO};
use agora_economy::{Balancer, Curve, Direction, Pool, SwapError};
use proptest::prelude::*;

const MIN_RESERVE: u64 = 1_000_000;

fn pool_strategy() -> impl Strategy<Value = Pool> {
    // Reserves from 1 mTAO to 10M TAO; weights between 0.3 and 0.7; fee rate 0–1%.
    (
        1_000_000u64..10_000_000_000_000_000,
        1_000_000u64..10_000_000_000_000_000,
        300u64..=700,
        0u16..=655,
        any::<bool>(),
    )
        .prop_map(|(tao, alpha, w, fee_rate, weighted)| {
            let mut pool = Pool::dynamic(tao, alpha);
            pool.fee_rate = fee_rate;
            if weighted {
                pool.curve = Balancer::new(Perquintill::from_parts(w * (ACCURACY / 1_000))).unwrap();
                pool.initialized = true;
            }
            pool
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn a_buy_raises_the_price_and_a_sell_lowers_it(pool in pool_strategy(), fraction in 1u64..=2_000) {
        let before = pool.price();
        let mut buy = pool.clone();
        let amount = (u128::from(pool.tao) * u128::from(fraction) / 1_000) as u64;
        if buy.swap(Direction::TaoForAlpha, amount, MAX_PRICE_RAO, false, MIN_RESERVE).is_ok() {
            prop_assert!(buy.price() >= before, "buy: {} -> {}", before, buy.price());
        }
        let mut sell = pool.clone();
        let amount = (u128::from(pool.alpha_in) * u128::from(fraction) / 1_000) as u64;
        if sell.swap(Direction::AlphaForTao, amount, MIN_PRICE_RAO, false, MIN_RESERVE).is_ok() {
            prop_assert!(sell.price() <= before, "sell: {} -> {}", before, sell.price());
        }
    }

    #[test]
    fn a_buy_then_a_sell_never_gains(pool in pool_strategy(), fraction in 1u64..=1_000) {
        let mut pool = pool;
        let tao_in = (u128::from(pool.tao) * u128::from(fraction) / 1_000).max(1_000) as u64;
        let Ok(bought) = pool.swap(Direction::TaoForAlpha, tao_in, MAX_PRICE_RAO, false, MIN_RESERVE) else {
            return Ok(());
        };
        let Ok(sold) = pool.swap(Direction::AlphaForTao, bought.paid_out, MIN_PRICE_RAO, false, MIN_RESERVE) else {
            return Ok(());
        };
        prop_assert!(sold.paid_out <= tao_in, "paid {} got back {}", tao_in, sold.paid_out);
    }

    #[test]
    fn committed_swaps_conserve_both_tokens(pool in pool_strategy(), steps in prop::collection::vec((any::<bool>(), 1u64..=500), 1..12)) {
        let mut pool = pool;
        let alpha_total = u128::from(pool.alpha_in) + u128::from(pool.alpha_out);
        // TAO: the pool's, plus what traders hold outside it, plus fees paid to the author.
        let mut outside_tao: u128 = 0;
        let mut author: u128 = 0;
        let tao_total = u128::from(pool.tao);
        for (buy, permille) in steps {
            if buy {
                let amount = (u128::from(pool.tao) * u128::from(permille) / 1_000).max(1) as u64;
                if let Ok(r) = pool.swap(Direction::TaoForAlpha, amount, MAX_PRICE_RAO, false, MIN_RESERVE) {
                    prop_assert_eq!(r.paid_in + r.fee, amount, "no limit: all of it is used");
                    outside_tao = outside_tao.wrapping_sub(u128::from(amount));
                    author += u128::from(r.fee_to_author);
                }
            } else {
                let amount = (u128::from(pool.alpha_out.max(pool.alpha_in / 10)) * u128::from(permille) / 1_000).max(1) as u64;
                let amount = amount.min(pool.alpha_out);
                if amount == 0 { continue; }
                if let Ok(r) = pool.swap(Direction::AlphaForTao, amount, MIN_PRICE_RAO, false, MIN_RESERVE) {
                    outside_tao = outside_tao.wrapping_add(u128::from(r.paid_out));
                    // An alpha fee stays with the seller's stake in this model (the runtime sells it for the author).
                    prop_assert!(r.paid_in + r.fee <= amount);
                }
            }
            prop_assert_eq!(u128::from(pool.alpha_in) + u128::from(pool.alpha_out), alpha_total);
        }
        // pool TAO + TAO traders took out − TAO traders put in + fees to the author = what the pool started with.
        prop_assert_eq!(
            u128::from(pool.tao).wrapping_add(outside_tao).wrapping_add(author),
            tao_total,
        );
    }

    #[test]
    fn a_limit_is_never_crossed(pool in pool_strategy(), up in 1u64..=500, fraction in 1u64..=1_000) {
        let spot = pool.price_rao();
        prop_assume!(spot > 1_000);
        let limit = spot + spot / 1_000 * up + 1;
        let amount = (u128::from(pool.tao) * u128::from(fraction) / 100).max(1) as u64;
        let mut p = pool.clone();
        match p.swap(Direction::TaoForAlpha, amount, limit, false, MIN_RESERVE) {
            Ok(_) => prop_assert!(p.price_rao() <= limit + limit / 1_000_000 + 1, "{} > {}", p.price_rao(), limit),
            Err(e) => prop_assert!(matches!(e, SwapError::ReservesTooLow | SwapError::SwapInputTooLarge), "{e:?}"),
        }
    }

    #[test]
    fn an_injection_keeps_the_price(pool in pool_strategy(), tao in 0u64..1_000_000_000_000, alpha in 0u64..1_000_000_000_000) {
        let mut curve = pool.curve;
        let before = curve.price(pool.alpha_in, pool.tao).to_num::<f64>();
        if curve.add_liquidity(pool.alpha_in, pool.tao, tao, alpha).is_ok() {
            let after = curve.price(pool.alpha_in + alpha, pool.tao + tao).to_num::<f64>();
            prop_assert!((after - before).abs() <= before * 1e-9 + 1e-15, "{} -> {}", before, after);
        }
    }
}
