//! [`Balance`]: an amount of TAO in rao (1 TAO = 10^9 rao).

use core::fmt;
use core::iter::Sum;

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};
use serde::{Deserialize, Serialize};

/// Rao per TAO.
pub const RAO_PER_TAO: u64 = 1_000_000_000;

/// An amount of TAO, counted in rao.
///
/// Only checked and saturating arithmetic is offered: consensus code must say what happens on
/// overflow. `Display` renders `τ1.234567890` (nine decimals, like btcli).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Encode,
    Decode,
    MaxEncodedLen,
    Serialize,
    Deserialize,
)]
#[serde(transparent)]
pub struct Balance(pub u64);

impl Balance {
    /// Zero rao.
    pub const ZERO: Balance = Balance(0);
    /// The largest representable amount.
    pub const MAX: Balance = Balance(u64::MAX);

    /// An amount given in rao.
    pub const fn from_rao(rao: u64) -> Self {
        Balance(rao)
    }

    /// An amount given in whole TAO; `None` if it does not fit in u64 rao.
    pub const fn from_tao(tao: u64) -> Option<Self> {
        match tao.checked_mul(RAO_PER_TAO) {
            Some(rao) => Some(Balance(rao)),
            None => None,
        }
    }

    /// The amount in rao.
    pub const fn rao(self) -> u64 {
        self.0
    }

    /// Whether the amount is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self + rhs`, or `None` on overflow.
    pub const fn checked_add(self, rhs: Balance) -> Option<Balance> {
        match self.0.checked_add(rhs.0) {
            Some(v) => Some(Balance(v)),
            None => None,
        }
    }

    /// `self - rhs`, or `None` if `rhs > self`.
    pub const fn checked_sub(self, rhs: Balance) -> Option<Balance> {
        match self.0.checked_sub(rhs.0) {
            Some(v) => Some(Balance(v)),
            None => None,
        }
    }

    /// `self + rhs`, clamped at [`Balance::MAX`].
    pub const fn saturating_add(self, rhs: Balance) -> Balance {
        Balance(self.0.saturating_add(rhs.0))
    }

    /// `self - rhs`, clamped at zero.
    pub const fn saturating_sub(self, rhs: Balance) -> Balance {
        Balance(self.0.saturating_sub(rhs.0))
    }

    /// Parses a decimal TAO amount such as `"1.5"` or `"0.000000001"` (at most nine decimals).
    pub fn parse_tao(text: &str) -> Option<Balance> {
        let text = text.trim().trim_start_matches('τ');
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        if (whole.is_empty() && frac.is_empty())
            || frac.len() > 9
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let mut frac_rao: u64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            frac_rao += u64::from(b - b'0') * 10u64.pow(8 - i as u32);
        }
        whole.checked_mul(RAO_PER_TAO)?.checked_add(frac_rao).map(Balance)
    }
}

impl fmt::Display for Balance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "τ{}.{:09}", self.0 / RAO_PER_TAO, self.0 % RAO_PER_TAO)
    }
}

impl From<u64> for Balance {
    fn from(rao: u64) -> Self {
        Balance(rao)
    }
}

impl From<Balance> for u64 {
    fn from(b: Balance) -> u64 {
        b.0
    }
}

impl Sum for Balance {
    /// Saturating sum.
    fn sum<I: Iterator<Item = Balance>>(iter: I) -> Balance {
        iter.fold(Balance::ZERO, Balance::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_nine_decimals() {
        assert_eq!(Balance(1_234_567_890).to_string(), "τ1.234567890");
        assert_eq!(Balance(0).to_string(), "τ0.000000000");
        assert_eq!(Balance(5).to_string(), "τ0.000000005");
        assert_eq!(Balance::from_tao(21_000_000).unwrap().to_string(), "τ21000000.000000000");
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        assert_eq!(Balance::MAX.checked_add(Balance(1)), None);
        assert_eq!(Balance(1).checked_sub(Balance(2)), None);
        assert_eq!(Balance(3).checked_sub(Balance(2)), Some(Balance(1)));
        assert_eq!(Balance::MAX.saturating_add(Balance(7)), Balance::MAX);
        assert_eq!(Balance(1).saturating_sub(Balance(7)), Balance::ZERO);
        assert_eq!(Balance::from_tao(u64::MAX), None);
    }

    #[test]
    fn parse_tao_accepts_decimals_and_rejects_garbage() {
        assert_eq!(Balance::parse_tao("1.5"), Some(Balance(1_500_000_000)));
        assert_eq!(Balance::parse_tao("τ0.000000001"), Some(Balance(1)));
        assert_eq!(Balance::parse_tao(".25"), Some(Balance(250_000_000)));
        assert_eq!(Balance::parse_tao("7"), Some(Balance(7_000_000_000)));
        for bad in ["", ".", "1.0000000001", "-1", "1e9", "abc", "1.2.3", "99999999999999999999"] {
            assert_eq!(Balance::parse_tao(bad), None, "{bad}");
        }
    }

    #[test]
    fn display_round_trips_through_parse() {
        for rao in [0u64, 1, 999_999_999, 1_000_000_000, u64::MAX] {
            let b = Balance(rao);
            assert_eq!(Balance::parse_tao(&b.to_string()), Some(b));
        }
    }
}
