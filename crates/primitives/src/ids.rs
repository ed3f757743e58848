//! Identifiers: [`NetUid`] (a subnet), [`Uid`] (a neuron slot within a subnet) and block numbers.

use core::fmt;

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};
use serde::{Deserialize, Serialize};

/// A transparent newtype over an unsigned integer: SCALE and serde as the integer itself,
/// `get`, conversions both ways, `Display` and `FromStr`.
macro_rules! newtype {
    ($int:ty, $(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash,
            Encode, Decode, MaxEncodedLen, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub $int);

        impl $name {
            /// The raw number.
            pub const fn get(self) -> $int {
                self.0
            }
        }

        impl From<$int> for $name {
            fn from(v: $int) -> Self {
                $name(v)
            }
        }

        impl From<$name> for $int {
            fn from(v: $name) -> $int {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl core::str::FromStr for $name {
            type Err = core::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map($name)
            }
        }
    };
}

newtype!(
    u64,
    /// A block height (genesis is 0). Heights and spans are different types: a height plus a
    /// [`BlockCount`] is a height, a height minus a height is a count, and two heights never add.
    BlockNumber
);

newtype!(
    u64,
    /// A number of blocks: a span such as a weights interval or a reveal period.
    BlockCount
);

impl BlockNumber {
    /// The genesis block.
    pub const GENESIS: BlockNumber = BlockNumber(0);

    /// The height `count` blocks later (saturating).
    pub const fn after(self, count: BlockCount) -> BlockNumber {
        BlockNumber(self.0.saturating_add(count.0))
    }

    /// The next height.
    pub const fn next(self) -> BlockNumber {
        self.after(BlockCount(1))
    }

    /// Blocks from `earlier` to this height (0 when `earlier` is not earlier).
    pub const fn since(self, earlier: BlockNumber) -> BlockCount {
        BlockCount(self.0.saturating_sub(earlier.0))
    }
}

macro_rules! u16_id {
    ($(#[$doc:meta])* $name:ident) => {
        newtype!(u16, $(#[$doc])* $name);

        impl $name {
            /// The value as a vector index.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

u16_id!(
    /// A subnet id. `NetUid::ROOT` (0) is the root network, whose neurons set weights over subnets.
    NetUid
);

u16_id!(
    /// A neuron's slot in a subnet, `0..SubnetworkN`. A uid is reused when its neuron is pruned.
    Uid
);

impl NetUid {
    /// The root network.
    pub const ROOT: NetUid = NetUid(0);

    /// Whether this is the root network.
    pub const fn is_root(self) -> bool {
        self.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_scale_codec::Encode;

    #[test]
    fn ids_encode_as_plain_u16() {
        assert_eq!(NetUid(3).encode(), 3u16.encode());
        assert_eq!(Uid(513).encode(), 513u16.encode());
        assert!(NetUid::ROOT.is_root());
        assert!(!NetUid(1).is_root());
        assert_eq!(Uid(7).index(), 7);
    }

    #[test]
    fn heights_and_counts_are_plain_u64_on_the_wire_and_do_not_mix() {
        assert_eq!(BlockNumber(9).encode(), 9u64.encode());
        assert_eq!(serde_json::to_string(&BlockNumber(9)).unwrap(), "9");
        assert_eq!(serde_json::from_str::<BlockCount>("4").unwrap(), BlockCount(4));
        assert_eq!(BlockNumber(10).after(BlockCount(5)), BlockNumber(15));
        assert_eq!(BlockNumber(10).since(BlockNumber(4)), BlockCount(6));
        assert_eq!(BlockNumber(4).since(BlockNumber(10)), BlockCount(0));
        assert_eq!(BlockNumber(u64::MAX).next(), BlockNumber(u64::MAX));
        assert_eq!("12".parse::<BlockNumber>().unwrap(), BlockNumber(12));
    }
}
