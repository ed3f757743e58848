//! What the Substrate clients (the Python SDK, btcli) see of an Agora chain: metadata V15,
//! storage keys and values, runtime APIs and the types their decoders key on.
//!
//! Bittensor's clients reach a chain through Substrate JSON-RPC, SCALE metadata, runtime APIs
//! and signed extrinsics. This crate is the translation between those and Agora's runtime: the
//! node's Substrate endpoint (`agora_node::substrate_rpc`) serves what it computes.
//!
//! - [`metadata`]: metadata V15 generated from this crate's types, with the reference's pallet
//!   names and indices, call names and indices, error names and type paths.
//! - [`storage`]: the served storage items: key layout, value types, and reads from Agora state.
//! - [`apis`]: runtime APIs for `state_call`, answered from Agora's state; [`info`]: the values
//!   they return (neurons, metagraphs, pools, stake positions).
//! - [`checked`]: signed v4 extrinsics decoded, checked (era, versions, signature) and mapped
//!   to Agora calls; [`era`]: transaction mortality; [`body`]: blocks' extrinsics and
//!   `System.Events` as the clients read them.
//! - [`pallets`], [`errors`], [`extrinsic`], [`types`]: the shapes the metadata describes.
//! - [`hashing`]: the `twox`/`blake2_128` storage hashers.
//!
//! # Guarantees
//!
//! - Names, indices, type paths and field orders follow `../shared/spec/substrate-compat.md`
//!   (tested against its tables).
//! - Reads are pure functions of the state: no clock, no randomness.
//! - Arbitrary storage keys and API arguments never panic (property-tested).
//!
//! # Status
//!
//! Reads and writes for bittensor 10.5.0 and 11.3.0 and btcli 9.23.2 (tested in CI against
//! running nodes): the spec's §4 items (those Agora has from its state, the rest with their
//! "nothing here" values in `storage/clients.rs`), the runtime APIs of §7 and §15.1, signed
//! extrinsics decoded, checked and mapped to every runtime call but the sudo setters
//! ([`checked`]), blocks' extrinsics and events ([`body`]). Not yet: `get_coldkey_lock` (btcli
//! `stake remove`). The MEV shield and timelocked commit-reveal are out of scope.
//!
//! # Example
//!
//! ```
//! use agora_runtime::GenesisConfig;
//! use agora_substrate::storage::ITEMS;
//! use agora_substrate::{ChainConstants, apis, metadata_bytes, storage};
//!
//! let chain = ChainConstants { existential_deposit: 500, block_time_ms: 500 };
//! assert_eq!(&metadata_bytes(chain)[..5], b"meta\x0f");
//!
//! let alice = agora_primitives::Pair::from_seed(&[1; 32]).public();
//! let mut config = GenesisConfig::new("doc");
//! config.balances.insert(alice, agora_primitives::Balance(7));
//! let state = config.build().unwrap().into_memory();
//! let account = ITEMS.iter().find(|i| i.pallet == "System" && i.name == "Account").unwrap();
//! assert!(storage::read(&state, &account.key(&[&alice.0])).is_some());
//! let versions = apis::call("Metadata_metadata_versions", &[], &state, chain).unwrap();
//! assert_eq!(versions, [4, 15, 0, 0, 0]);
//! ```

pub mod apis;
pub mod body;
pub mod checked;
pub mod era;
pub mod errors;
pub mod extrinsic;
pub mod hashing;
pub mod info;
pub mod metadata;
pub mod pallets;
pub mod storage;
pub mod types;

pub use metadata::{ChainConstants, SPEC_VERSION, TRANSACTION_VERSION, metadata_bytes};

// The outer enums live at the crate root: cyscale (the 10.x SDK's and btcli's decoder) keys on
// the two-segment paths `*::RuntimeCall` / `*::RuntimeEvent` (spec substrate-compat §3.1); a
// deeper path decodes events without their pallet names.

/// The outer call enum: one variant per pallet with calls, at the pallet's index.
#[derive(Clone, Debug, PartialEq, Eq, parity_scale_codec::Encode, parity_scale_codec::Decode, scale_info::TypeInfo)]
pub enum RuntimeCall {
    /// `Timestamp`.
    #[codec(index = 2)]
    Timestamp(pallets::timestamp::Call),
    /// `Balances`.
    #[codec(index = 5)]
    Balances(pallets::balances::Call),
    /// `SubtensorModule`.
    #[codec(index = 7)]
    SubtensorModule(pallets::subtensor::Call),
    /// `Agora`.
    #[codec(index = 200)]
    Agora(pallets::agora::Call),
}

/// The outer event enum.
#[derive(Clone, Debug, PartialEq, Eq, parity_scale_codec::Encode, parity_scale_codec::Decode, scale_info::TypeInfo)]
pub enum RuntimeEvent {
    /// `System`.
    #[codec(index = 0)]
    System(pallets::system::Event),
    /// `Balances`.
    #[codec(index = 5)]
    Balances(pallets::balances::Event),
    /// `TransactionPayment`.
    #[codec(index = 6)]
    TransactionPayment(pallets::transaction_payment::Event),
    /// `SubtensorModule`.
    #[codec(index = 7)]
    SubtensorModule(pallets::subtensor::Event),
}
