//! Identifiers: [`NetUid`] (a subnet), [`Uid`] (a neuron slot within a subnet) and block numbers.

use core::fmt;

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};
use serde::{Deserialize, Serialize};

/// A block height. Distinct in meaning from [`BlockCount`] (a span such as a tempo), though both are u64.
pub type BlockNumber = u64;

/// A number of blocks (tempo, immunity period, rate limit).
pub type BlockCount = u64;

macro_rules! u16_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash,
            Encode, Decode, MaxEncodedLen, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub u16);

        impl $name {
            /// The raw u16 value.
            pub const fn get(self) -> u16 {
                self.0
            }

            /// The value as a vector index.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl From<u16> for $name {
            fn from(v: u16) -> Self {
                $name(v)
            }
        }

        impl From<$name> for u16 {
            fn from(v: $name) -> u16 {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
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
}
