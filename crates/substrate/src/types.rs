//! The Substrate types the clients' decoders recognise by their exact type path (spec
//! substrate-compat §3.1), and the value shapes Agora serves in their place.
//!
//! Types whose path is the contract get a hand-written [`TypeInfo`] with the reference's path;
//! everything else derives it and is decoded structurally by the clients (field names and
//! order are then the contract).

use agora_primitives::AccountId;
use parity_scale_codec::{Compact, Decode, Encode};
use scale_info::build::{Fields, Variants};
use scale_info::{Path, Type, TypeInfo, TypeParameter, meta_type};

/// `sp_core::crypto::AccountId32`: the SDK turns values of exactly this path into SS58 text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Encode, Decode)]
pub struct AccountId32(pub [u8; 32]);

impl TypeInfo for AccountId32 {
    type Identity = Self;

    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("AccountId32", "sp_core::crypto"))
            .composite(Fields::unnamed().field(|f| f.ty::<[u8; 32]>().type_name("[u8; 32]")))
    }
}

impl From<AccountId> for AccountId32 {
    fn from(a: AccountId) -> Self {
        AccountId32(a.0)
    }
}

impl From<AccountId32> for AccountId {
    fn from(a: AccountId32) -> Self {
        AccountId(a.0)
    }
}

/// `primitive_types::H256`: a 32-byte hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct H256(pub [u8; 32]);

impl TypeInfo for H256 {
    type Identity = Self;

    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("H256", "primitive_types"))
            .composite(Fields::unnamed().field(|f| f.ty::<[u8; 32]>().type_name("[u8; 32]")))
    }
}

/// `sp_runtime::multiaddress::MultiAddress`: how a transaction names its signer and a transfer
/// its destination. Agora accounts are always `Id`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum MultiAddress {
    /// An account id.
    #[codec(index = 0)]
    Id(AccountId32),
    /// An account index (unused on Agora).
    #[codec(index = 1)]
    Index(#[codec(compact)] u32),
    /// Raw bytes.
    #[codec(index = 2)]
    Raw(Vec<u8>),
    /// A 32-byte address.
    #[codec(index = 3)]
    Address32([u8; 32]),
    /// A 20-byte (Ethereum-style) address.
    #[codec(index = 4)]
    Address20([u8; 20]),
}

impl TypeInfo for MultiAddress {
    type Identity = Self;

    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("MultiAddress", "sp_runtime::multiaddress"))
            .type_params([
                TypeParameter::new("AccountId", Some(meta_type::<AccountId32>())),
                TypeParameter::new("AccountIndex", Some(meta_type::<()>())),
            ])
            .variant(
                Variants::new()
                    .variant("Id", |v| v.index(0).fields(Fields::unnamed().field(|f| f.ty::<AccountId32>())))
                    .variant("Index", |v| v.index(1).fields(Fields::unnamed().field(|f| f.compact::<()>())))
                    .variant("Raw", |v| v.index(2).fields(Fields::unnamed().field(|f| f.ty::<Vec<u8>>())))
                    .variant("Address32", |v| v.index(3).fields(Fields::unnamed().field(|f| f.ty::<[u8; 32]>())))
                    .variant("Address20", |v| v.index(4).fields(Fields::unnamed().field(|f| f.ty::<[u8; 20]>()))),
            )
    }
}

/// `sp_runtime::MultiSignature`: the variant index is the signature scheme. Agora accepts
/// `Sr25519` only.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum MultiSignature {
    /// Ed25519 (refused).
    #[codec(index = 0)]
    Ed25519([u8; 64]),
    /// Sr25519 under the `substrate` signing context.
    #[codec(index = 1)]
    Sr25519([u8; 64]),
    /// ECDSA (refused).
    #[codec(index = 2)]
    Ecdsa([u8; 65]),
}

impl TypeInfo for MultiSignature {
    type Identity = Self;

    fn type_info() -> Type {
        Type::builder().path(Path::new("MultiSignature", "sp_runtime")).variant(
            Variants::new()
                .variant("Ed25519", |v| v.index(0).fields(Fields::unnamed().field(|f| f.ty::<[u8; 64]>())))
                .variant("Sr25519", |v| v.index(1).fields(Fields::unnamed().field(|f| f.ty::<[u8; 64]>())))
                .variant("Ecdsa", |v| v.index(2).fields(Fields::unnamed().field(|f| f.ty::<[u8; 65]>()))),
        )
    }
}

/// `sp_runtime::generic::era::Era`: `Immortal` (one byte 0) or `MortalN(u8)` (two bytes); the
/// clients switch to the era codec on this path. Decoding is [`crate::era`]'s job; this type
/// only describes the shape.
pub struct EraType;

impl TypeInfo for EraType {
    type Identity = Self;

    fn type_info() -> Type {
        let mut variants = Variants::new().variant("Immortal", |v| v.index(0));
        for i in 1..=255u8 {
            let name = mortal_names()[usize::from(i) - 1];
            variants = variants.variant(name, |v| v.index(i).fields(Fields::unnamed().field(|f| f.ty::<u8>())));
        }
        Type::builder().path(Path::new("Era", "sp_runtime::generic::era")).variant(variants)
    }
}

/// `Mortal1` … `Mortal255`, made once per process as `'static` names for the type builder.
fn mortal_names() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| (1..=255).map(|i| &*Box::leak(format!("Mortal{i}").into_boxed_str())).collect())
}

/// `frame_system::Phase`: where in a block an event happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Phase {
    /// During the extrinsic at this index (0 is the timestamp inherent).
    #[codec(index = 0)]
    ApplyExtrinsic(u32),
    /// After the extrinsics (Agora's epochs and emission).
    #[codec(index = 1)]
    Finalization,
    /// Before the extrinsics.
    #[codec(index = 2)]
    Initialization,
}

impl TypeInfo for Phase {
    type Identity = Self;

    fn type_info() -> Type {
        Type::builder().path(Path::new("Phase", "frame_system")).variant(
            Variants::new()
                .variant("ApplyExtrinsic", |v| v.index(0).fields(Fields::unnamed().field(|f| f.ty::<u32>())))
                .variant("Finalization", |v| v.index(1))
                .variant("Initialization", |v| v.index(2)),
        )
    }
}

/// `frame_system::EventRecord`: one entry of `System.Events`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EventRecord<E> {
    /// Where it happened.
    pub phase: Phase,
    /// What happened.
    pub event: E,
    /// Topics (none on Agora).
    pub topics: Vec<H256>,
}

impl<E: TypeInfo + 'static> TypeInfo for EventRecord<E> {
    type Identity = Self;

    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("EventRecord", "frame_system"))
            .type_params([
                TypeParameter::new("E", Some(meta_type::<E>())),
                TypeParameter::new("T", Some(meta_type::<H256>())),
            ])
            .composite(
                Fields::named()
                    .field(|f| f.ty::<Phase>().name("phase").type_name("Phase"))
                    .field(|f| f.ty::<E>().name("event").type_name("E"))
                    .field(|f| f.ty::<Vec<H256>>().name("topics").type_name("Vec<T>")),
            )
    }
}

/// `sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic`: the extrinsic type. Its
/// type parameters tell the Python decoder the address, call, signature and extension types;
/// without a type of exactly this path it cannot load the runtime. As a value it is the
/// extrinsic's bytes after their length prefix (how runtime APIs receive one).
pub struct UncheckedExtrinsic<Address, Call, Signature, Extra>(
    pub Vec<u8>,
    core::marker::PhantomData<(Address, Call, Signature, Extra)>,
);

impl<A, C, S, X> Decode for UncheckedExtrinsic<A, C, S, X> {
    fn decode<I: parity_scale_codec::Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        Ok(UncheckedExtrinsic(Vec::<u8>::decode(input)?, core::marker::PhantomData))
    }
}

impl<A, C, S, X> UncheckedExtrinsic<A, C, S, X> {
    /// The whole extrinsic, length prefix included (as `author_submitExtrinsic` receives it).
    pub fn prefixed(&self) -> Vec<u8> {
        self.0.encode()
    }
}

impl<A, C, S, X> TypeInfo for UncheckedExtrinsic<A, C, S, X>
where
    A: TypeInfo + 'static,
    C: TypeInfo + 'static,
    S: TypeInfo + 'static,
    X: TypeInfo + 'static,
{
    type Identity = Self;

    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("UncheckedExtrinsic", "sp_runtime::generic::unchecked_extrinsic"))
            .type_params([
                TypeParameter::new("Address", Some(meta_type::<A>())),
                TypeParameter::new("Call", Some(meta_type::<C>())),
                TypeParameter::new("Signature", Some(meta_type::<S>())),
                TypeParameter::new("Extra", Some(meta_type::<X>())),
            ])
            .composite(Fields::unnamed().field(|f| f.ty::<Vec<u8>>()))
    }
}

/// `System.Account`'s value (`frame_system::AccountInfo` with `pallet_balances::AccountData`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct AccountInfo {
    /// The next nonce (Agora's nonce, saturated to u32).
    pub nonce: u32,
    /// Consumer references (0).
    pub consumers: u32,
    /// Provider references (1 for an account that exists).
    pub providers: u32,
    /// Sufficient references (0).
    pub sufficients: u32,
    /// Balances.
    pub data: AccountData,
}

/// The balances of an account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct AccountData {
    /// Free balance (rao).
    pub free: u64,
    /// Reserved (0: Agora reserves nothing).
    pub reserved: u64,
    /// Frozen (0).
    pub frozen: u64,
    /// Flags (the new-logic bit, `1 << 127`, as on the reference chain).
    pub flags: u128,
}

/// The flags of every served account (`IS_NEW_LOGIC`).
pub const ACCOUNT_FLAGS: u128 = 1 << 127;

/// A weight (`sp_weights::Weight`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Weight {
    /// Computation time.
    #[codec(compact)]
    pub ref_time: u64,
    /// Proof size.
    #[codec(compact)]
    pub proof_size: u64,
}

/// A dispatch class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum DispatchClass {
    /// An ordinary transaction.
    #[default]
    #[codec(index = 0)]
    Normal,
    /// An operational transaction.
    #[codec(index = 1)]
    Operational,
    /// An inherent.
    #[codec(index = 2)]
    Mandatory,
}

/// Whether the fee is paid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Pays {
    /// It is.
    #[default]
    #[codec(index = 0)]
    Yes,
    /// It is not.
    #[codec(index = 1)]
    No,
}

/// What the `ExtrinsicSuccess`/`ExtrinsicFailed` events carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct DispatchEventInfo {
    /// Weight.
    pub weight: Weight,
    /// Class.
    pub class: DispatchClass,
    /// Whether a fee was paid.
    pub pays_fee: Pays,
}

/// A module error: the pallet index and the error's variant index (then three zero bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct ModuleError {
    /// Pallet index.
    pub index: u8,
    /// Error index, then zeros.
    pub error: [u8; 4],
}

/// `sp_runtime::DispatchError`, as far as Agora produces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum DispatchError {
    /// Some other error.
    #[codec(index = 0)]
    Other,
    /// An address could not be looked up.
    #[codec(index = 1)]
    CannotLookup,
    /// The origin is not allowed.
    #[codec(index = 2)]
    BadOrigin,
    /// A pallet's error.
    #[codec(index = 3)]
    Module(ModuleError),
    /// An arithmetic error.
    #[codec(index = 8)]
    Arithmetic(ArithmeticError),
}

/// `sp_arithmetic::ArithmeticError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum ArithmeticError {
    /// Underflow.
    #[codec(index = 0)]
    Underflow,
    /// Overflow.
    #[codec(index = 1)]
    Overflow,
    /// Division by zero.
    #[codec(index = 2)]
    DivisionByZero,
}

/// A `Compact<u64>` field, spelled as the metadata wants it.
pub type CompactU64 = Compact<u64>;
