//! The extrinsic format Agora accepts: v4, signed with sr25519, with exactly the reference's
//! signed extensions in the reference's order (spec substrate-compat §6.2; both clients agree
//! only with this order).

use parity_scale_codec::{Compact, Decode, Encode};
use scale_info::{MetaType, TypeInfo, meta_type};

use crate::types::{EraType, H256};

/// `CheckMetadataHash`'s mode (Agora accepts `Disabled` only: it publishes no metadata hash).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Mode {
    /// No metadata hash is signed.
    #[codec(index = 0)]
    Disabled,
    /// A metadata hash is signed.
    #[codec(index = 1)]
    Enabled,
}

/// `CheckMetadataHash`'s extra.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct CheckMetadataHash {
    /// The mode.
    pub mode: Mode,
}

/// One signed extension: its identifier, the type of what it adds to the extrinsic (`extra`),
/// and the type of what it adds only to the signed payload (`additional_signed`).
pub struct Extension {
    /// The reference's identifier.
    pub identifier: &'static str,
    /// Type of its part of `extra`.
    pub ty: fn() -> MetaType,
    /// Type of its part of `additional_signed`.
    pub additional: fn() -> MetaType,
}

/// The signed extensions, in order.
pub static EXTENSIONS: &[Extension] = &[
    Extension { identifier: "CheckNonZeroSender", ty: meta_type::<()>, additional: meta_type::<()> },
    Extension { identifier: "CheckSpecVersion", ty: meta_type::<()>, additional: meta_type::<u32> },
    Extension { identifier: "CheckTxVersion", ty: meta_type::<()>, additional: meta_type::<u32> },
    Extension { identifier: "CheckGenesis", ty: meta_type::<()>, additional: meta_type::<H256> },
    Extension { identifier: "CheckMortality", ty: meta_type::<EraType>, additional: meta_type::<H256> },
    Extension { identifier: "CheckNonce", ty: meta_type::<Compact<u32>>, additional: meta_type::<()> },
    Extension { identifier: "CheckWeight", ty: meta_type::<()>, additional: meta_type::<()> },
    Extension { identifier: "ChargeTransactionPayment", ty: meta_type::<Compact<u64>>, additional: meta_type::<()> },
    Extension {
        identifier: "CheckMetadataHash",
        ty: meta_type::<CheckMetadataHash>,
        additional: meta_type::<Option<H256>>,
    },
];

/// The extrinsic type as the metadata declares it.
pub type Extrinsic = crate::types::UncheckedExtrinsic<
    crate::types::MultiAddress,
    crate::pallets::RuntimeCall,
    crate::types::MultiSignature,
    Extra,
>;

/// The `extra` of a signed extrinsic: every extension's part, in order.
pub type Extra = ((), (), (), (), EraType, Compact<u32>, (), Compact<u64>, CheckMetadataHash);
