//! Dynamic TAO as the CLI shows it: a subnet's pool and price, alpha amounts, and the price limit
//! a `--safe` stake or unstake sends (btcli's rate tolerance). On a TAO-era chain there are no
//! pools: stake is TAO and alpha's price is 1.

use agora_client::Client;
use agora_economy::Direction;
use agora_economy::swap::MIN_PRICE_RAO;
use agora_primitives::{Balance, NetUid};
use agora_runtime::pools::Economy;
use agora_runtime::query::PoolInfo;

use crate::failure::Failure;

/// Rao per TAO (and per alpha).
const RAO: u64 = 1_000_000_000;

/// The chain's economy and, on a dynamic chain, its pools.
pub struct Market {
    /// Which economy the chain runs.
    pub economy: Economy,
    /// Every pool, root's included (empty in the TAO era).
    pub pools: Vec<PoolInfo>,
}

impl Market {
    /// Reads the economy and the pools (one call each).
    pub fn load(client: &Client) -> Result<Market, Failure> {
        let economy = client.economy()?;
        let pools = if economy == Economy::Dynamic { client.pools()? } else { Vec::new() };
        Ok(Market { economy, pools })
    }

    /// Whether stake is alpha.
    pub fn dynamic(&self) -> bool {
        self.economy == Economy::Dynamic
    }

    /// `netuid`'s pool, if the chain has one.
    pub fn pool(&self, netuid: NetUid) -> Option<&PoolInfo> {
        self.pools.iter().find(|p| p.netuid == netuid)
    }

    /// Alpha's spot price on `netuid` in rao per alpha (1 TAO in the TAO era).
    pub fn price(&self, netuid: NetUid) -> u64 {
        self.pool(netuid).map_or(RAO, |p| p.price)
    }

    /// What `amount` of stake on `netuid` is worth in TAO at the spot price (the amount itself in
    /// the TAO era).
    pub fn value(&self, netuid: NetUid, amount: u64) -> Balance {
        Balance(value_at(amount, self.price(netuid)))
    }

    /// What selling `amount` of stake on `netuid` would pay now, fee and price impact included
    /// (`None` where the pool would refuse the sale), as the chain's `sim_swap_alpha_for_tao`.
    pub fn sale_value(&self, netuid: NetUid, amount: u64) -> Option<Balance> {
        let Some(pool) = self.pool(netuid) else { return Some(Balance(amount)) };
        let quote = pool.pool().quote(Direction::AlphaForTao, amount, MIN_PRICE_RAO, false, pool.minimum_reserve);
        quote.ok().map(|r| Balance(r.paid_out))
    }

    /// A stake amount for people: alpha on a dynamic chain, TAO in the TAO era.
    pub fn amount_text(&self, netuid: NetUid, amount: u64) -> String {
        if self.dynamic() && !netuid.is_root() { alpha_text(amount) } else { Balance(amount).to_string() }
    }

    /// The unit of stake amounts on `netuid` for JSON: `"alpha"` or `"tao"`.
    pub fn unit(&self, netuid: NetUid) -> &'static str {
        if self.dynamic() && !netuid.is_root() { "alpha" } else { "tao" }
    }
}

/// One swap through a pool, as a receipt's `PoolSwap` event tells it (rao).
pub struct PoolSwap {
    /// TAO into the pool (a buy, net of the fee) or out of it (a sale).
    pub tao: u64,
    /// Alpha out of the pool (a buy) or into it (a sale, net of the fee).
    pub alpha: u64,
    /// The fee, in the input token.
    pub fee: u64,
}

/// The swap the transaction in `done` made through `netuid`'s pool, if any.
pub fn pool_swap(done: &agora_client::Finalized, netuid: NetUid) -> Option<PoolSwap> {
    done.receipt.events.iter().find_map(|e| match e {
        agora_runtime::Event::PoolSwap { netuid: n, tao, alpha, fee, .. } if *n == netuid => {
            Some(PoolSwap { tao: tao.rao(), alpha: *alpha, fee: *fee })
        }
        _ => None,
    })
}

pub use agora_client::value_at;

/// Alpha rao as `α12.500000000`.
pub fn alpha_text(rao: u64) -> String {
    format!("α{}.{:09}", rao / RAO, rao % RAO)
}

/// Rao per alpha as a TAO price (`0.012345678 τ/α`).
pub fn price_text(rao: u64) -> String {
    format!("{}.{:09} τ/α", rao / RAO, rao % RAO)
}

/// Rao as a number for JSON (TAO or alpha).
pub fn units(rao: u64) -> f64 {
    agora_client::metagraph::tao(rao)
}

/// Parses an alpha amount (`1.5`, nine decimals at most) into rao.
pub fn parse_alpha(text: &str) -> Result<u64, Failure> {
    Balance::parse_tao(text)
        .map(Balance::rao)
        .ok_or_else(|| Failure::msg(format!("{text:?} is not an alpha amount (digits, at most nine decimals)")))
}

/// `--tolerance`: a fraction from 0 to 1 (0.005 is ½ %).
pub fn tolerance(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(t) if t.is_finite() && (0.0..1.0).contains(&t) => Ok(t),
        _ => Err(format!("{text:?} is not a tolerance: a fraction from 0 up to 1, e.g. 0.005 for 0.5%")),
    }
}

/// The price limit a safe stake (`buy`) or unstake sends: the spot price moved by `tolerance`
/// against the caller, in rao per alpha (a buy rounds up, a sell down).
pub fn limit_price(price: u64, tolerance: f64, buy: bool) -> u64 {
    let factor = if buy { 1.0 + tolerance } else { 1.0 - tolerance };
    let limit = price as f64 * factor;
    if buy { limit.ceil() as u64 } else { limit.floor() as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_move_against_the_caller_and_round_their_way() {
        assert_eq!(limit_price(1_000_000_000, 0.005, true), 1_005_000_000);
        assert_eq!(limit_price(1_000_000_000, 0.005, false), 995_000_000);
        assert_eq!(limit_price(3, 0.5, true), 5);
        assert_eq!(limit_price(3, 0.5, false), 1);
        assert_eq!(limit_price(7, 0.0, true), 7);
    }

    #[test]
    fn tolerances_are_fractions_below_one() {
        assert_eq!(tolerance("0.005"), Ok(0.005));
        assert_eq!(tolerance("0"), Ok(0.0));
        for bad in ["1", "-0.1", "NaN", "5%", ""] {
            assert!(tolerance(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_and_prices_read_like_balances() {
        assert_eq!(alpha_text(12_500_000_000), "α12.500000000");
        assert_eq!(price_text(12_345_678), "0.012345678 τ/α");
        assert_eq!(value_at(2 * RAO, 1_500_000_000), 3 * RAO);
        assert_eq!(value_at(u64::MAX, u64::MAX), u64::MAX);
        assert_eq!(parse_alpha("1.5").unwrap(), 1_500_000_000);
        assert!(parse_alpha("1.0000000001").is_err());
    }
}
