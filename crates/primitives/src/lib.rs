//! Ids, balances, accounts with SS58, sr25519 signatures, hashing and reference fixed-point types.
//!
//! Every other Agora crate speaks in these types: [`NetUid`] and [`Uid`] for subnets and neuron
//! slots, [`Balance`] for amounts of TAO in rao, [`AccountId`] for coldkeys and hotkeys (sr25519
//! public keys shown as SS58 addresses), [`Hash`] for blake2b-256 digests, and the fixed-point types
//! of [`fixed`] that consensus arithmetic uses. It holds no logic beyond the types themselves.
//!
//! # Guarantees
//!
//! - **Reference-compatible formats**: SS58 addresses (prefix 42), sr25519 signatures under the
//!   `substrate` signing context, seed expansion in Ed25519 mode, and SCALE encodings are the ones
//!   Bittensor uses, checked against known vectors in the unit tests.
//! - **Exact arithmetic**: [`Balance`] offers only checked and saturating operations; fixed-point
//!   values use `substrate-fixed` 0.6, the reference's own crate, so rounding is identical.
//! - **Total decoders**: parsing an address, a hash or a signature returns an error, never panics.
//!
//! # Status
//!
//! Reference-exact for SS58 and sr25519 (tests in `account.rs` and `crypto.rs`).
//!
//! # Example
//!
//! ```
//! use agora_primitives::{AccountId, Balance, Pair, verify};
//!
//! let pair = Pair::from_seed(&[1u8; 32]);
//! let address = pair.public().to_ss58();
//! assert_eq!(AccountId::from_ss58(&address).unwrap(), pair.public());
//!
//! let sig = pair.sign(b"stake 1 TAO");
//! assert!(verify(&pair.public(), b"stake 1 TAO", &sig));
//! assert_eq!(Balance::from_rao(1_500_000_000).to_string(), "τ1.500000000");
//! ```
//!
//! # Feature flags
//!
//! None.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod account;
mod balance;
mod crypto;
pub mod fixed;
mod hash;
mod ids;
mod random;
mod splitmix;

pub use account::{AccountId, SS58_PREFIX, Ss58Error};
pub use balance::{Balance, RAO_PER_TAO};
pub use crypto::{Pair, SIGNING_CONTEXT, Signature, verify};
pub use hash::{Hash, blake2_256, blake2_256_concat, blake2_512};
pub use ids::{BlockCount, BlockNumber, NetUid, Uid};

// Re-exported so downstream crates encode with the same codec version.
pub use parity_scale_codec as codec;
pub use random::{RandomError, random_bytes};
pub use splitmix::SplitMix64;
