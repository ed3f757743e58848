//! `Metadata`: the metadata itself, version 15 only.

use parity_scale_codec::{Encode, Output};
use scale_info::build::Fields;
use scale_info::{Path, Type, TypeInfo};

use super::Context;
use crate::metadata::metadata_bytes;

/// `sp_core::OpaqueMetadata`: the metadata bytes as one opaque vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpaqueMetadata(pub Vec<u8>);

impl Encode for OpaqueMetadata {
    fn size_hint(&self) -> usize {
        self.0.size_hint()
    }

    fn encode_to<O: Output + ?Sized>(&self, dest: &mut O) {
        self.0.encode_to(dest)
    }
}

impl TypeInfo for OpaqueMetadata {
    type Identity = Self;

    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("OpaqueMetadata", "sp_core"))
            .composite(Fields::unnamed().field(|f| f.ty::<Vec<u8>>().type_name("Vec<u8>")))
    }
}

/// The only version served.
const VERSION: u32 = 15;

pub(super) fn metadata(cx: &Context<'_>) -> OpaqueMetadata {
    OpaqueMetadata(metadata_bytes(cx.chain).to_vec())
}

pub(super) fn at_version(cx: &Context<'_>, version: u32) -> Option<OpaqueMetadata> {
    (version == VERSION).then(|| metadata(cx))
}

pub(super) fn versions(_: &Context<'_>) -> Vec<u32> {
    vec![VERSION]
}
