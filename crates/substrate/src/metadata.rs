//! Metadata V15 generated from this crate's types: the pallets of [`crate::pallets`], the
//! storage items of [`crate::storage`], the errors of [`crate::errors`], the extrinsic format of
//! [`crate::extrinsic`] and the runtime APIs of [`crate::apis`]. Adding a call, an item or an
//! API there adds it here.

use std::sync::{Arc, Mutex};

use frame_metadata::v15::{
    CustomMetadata, ExtrinsicMetadata, OuterEnums, PalletCallMetadata, PalletConstantMetadata, PalletErrorMetadata,
    PalletEventMetadata, PalletMetadata, PalletStorageMetadata, RuntimeMetadataV15, SignedExtensionMetadata,
    StorageEntryMetadata, StorageEntryType,
};
use frame_metadata::{META_RESERVED, RuntimeMetadata, RuntimeMetadataPrefixed};
use parity_scale_codec::Encode;
use scale_info::{MetaType, TypeInfo, meta_type};

use crate::apis;
use crate::errors::{BalancesError, RuntimeErrorEnum, SubtensorError};
use crate::extrinsic::{EXTENSIONS, Extra};
use crate::pallets::{
    RuntimeCall, RuntimeEvent, agora, balances, index, subtensor, system, timestamp, transaction_payment,
};
use crate::storage::ITEMS;
use crate::types::{EventRecord, MultiAddress, MultiSignature};

/// The runtime's `specVersion`. Bump it whenever the metadata changes: the SDK caches metadata
/// on disk by genesis and spec version.
pub const SPEC_VERSION: u32 = 2;
/// The `transactionVersion` signed into every extrinsic.
pub const TRANSACTION_VERSION: u32 = 1;
/// The SS58 prefix of addresses (generic Substrate, as the reference).
pub const SS58_PREFIX: u16 = 42;
/// Blocks a mortal transaction's birth block stays usable for (the window of block hashes kept).
pub const BLOCK_HASH_COUNT: u32 = 4096;

fn storage(pallet: &str) -> Option<PalletStorageMetadata> {
    let entries: Vec<StorageEntryMetadata> = ITEMS
        .iter()
        .filter(|i| i.pallet == pallet)
        .map(|i| StorageEntryMetadata {
            name: i.name,
            modifier: i.modifier(),
            ty: if i.keys.is_empty() {
                StorageEntryType::Plain((i.value_ty)())
            } else {
                StorageEntryType::Map {
                    hashers: i.keys.iter().map(|(h, _)| h.metadata()).collect(),
                    key: (i.key_ty)(),
                    value: (i.value_ty)(),
                }
            },
            default: (i.default)(),
            docs: vec![i.docs],
        })
        .collect();
    let prefix = ITEMS.iter().find(|i| i.pallet == pallet)?.pallet;
    Some(PalletStorageMetadata { prefix, entries })
}

fn constant<T: TypeInfo + Encode + 'static>(
    name: &'static str,
    value: T,
    docs: &'static str,
) -> PalletConstantMetadata {
    PalletConstantMetadata { name, ty: meta_type::<T>(), value: value.encode(), docs: vec![docs] }
}

struct Pallet {
    name: &'static str,
    index: u8,
    calls: Option<MetaType>,
    event: Option<MetaType>,
    error: Option<MetaType>,
    constants: Vec<PalletConstantMetadata>,
}

fn pallets(existential_deposit: u64, slot_ms: u64) -> Vec<PalletMetadata> {
    let list = [
        Pallet {
            name: "System",
            index: index::SYSTEM,
            calls: None,
            event: Some(meta_type::<system::Event>()),
            error: None,
            constants: vec![
                constant("SS58Prefix", SS58_PREFIX, "The SS58 prefix of addresses."),
                constant("BlockHashCount", BLOCK_HASH_COUNT, "Block hashes kept for mortal transactions."),
            ],
        },
        Pallet {
            name: "Timestamp",
            index: index::TIMESTAMP,
            calls: Some(meta_type::<timestamp::Call>()),
            event: None,
            error: None,
            constants: vec![],
        },
        Pallet {
            name: "Aura",
            index: index::AURA,
            calls: None,
            event: None,
            error: None,
            constants: vec![constant("SlotDuration", slot_ms, "The target block time (ms).")],
        },
        Pallet {
            name: "Balances",
            index: index::BALANCES,
            calls: Some(meta_type::<balances::Call>()),
            event: Some(meta_type::<balances::Event>()),
            error: Some(meta_type::<BalancesError>()),
            constants: vec![constant(
                "ExistentialDeposit",
                existential_deposit,
                "The smallest balance an account may hold (rao).",
            )],
        },
        Pallet {
            name: "TransactionPayment",
            index: index::TRANSACTION_PAYMENT,
            calls: None,
            event: Some(meta_type::<transaction_payment::Event>()),
            error: None,
            constants: vec![],
        },
        Pallet {
            name: "SubtensorModule",
            index: index::SUBTENSOR,
            calls: Some(meta_type::<subtensor::Call>()),
            event: Some(meta_type::<subtensor::Event>()),
            error: Some(meta_type::<SubtensorError>()),
            constants: vec![],
        },
        Pallet {
            name: "Commitments",
            index: index::COMMITMENTS,
            calls: None,
            event: None,
            error: None,
            constants: vec![],
        },
        Pallet {
            name: "Agora",
            index: index::AGORA,
            calls: Some(meta_type::<agora::Call>()),
            event: None,
            error: None,
            constants: vec![],
        },
    ];
    list.into_iter()
        .map(|p| PalletMetadata {
            name: p.name,
            storage: storage(p.name),
            calls: p.calls.map(|ty| PalletCallMetadata { ty }),
            event: p.event.map(|ty| PalletEventMetadata { ty }),
            constants: p.constants,
            error: p.error.map(|ty| PalletErrorMetadata { ty }),
            index: p.index,
            docs: vec![],
        })
        .collect()
}

fn extrinsic() -> ExtrinsicMetadata {
    ExtrinsicMetadata {
        version: 4,
        address_ty: meta_type::<MultiAddress>(),
        call_ty: meta_type::<RuntimeCall>(),
        signature_ty: meta_type::<MultiSignature>(),
        extra_ty: meta_type::<Extra>(),
        signed_extensions: EXTENSIONS
            .iter()
            .map(|e| SignedExtensionMetadata {
                identifier: e.identifier,
                ty: (e.ty)(),
                additional_signed: (e.additional)(),
            })
            .collect(),
    }
}

/// The chain-specific values the metadata carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainConstants {
    /// Smallest balance an account may hold (rao).
    pub existential_deposit: u64,
    /// Target block time (ms).
    pub block_time_ms: u64,
}

/// The metadata V15 of Agora's runtime.
pub fn metadata_v15(chain: ChainConstants) -> RuntimeMetadataV15 {
    RuntimeMetadataV15::new(
        pallets(chain.existential_deposit, chain.block_time_ms),
        extrinsic(),
        meta_type::<RuntimeTypes>(),
        apis::metadata(),
        OuterEnums {
            call_enum_ty: meta_type::<RuntimeCall>(),
            event_enum_ty: meta_type::<RuntimeEvent>(),
            error_enum_ty: meta_type::<RuntimeErrorEnum>(),
        },
        CustomMetadata { map: Default::default() },
    )
}

/// The runtime type: its fields register the types the clients look up by path (the extrinsic
/// and the event record).
#[derive(TypeInfo)]
pub struct RuntimeTypes {
    /// The extrinsic format.
    pub extrinsic: crate::extrinsic::Extrinsic,
    /// `System.Events` entries.
    pub events: Vec<EventRecord<RuntimeEvent>>,
}

/// `"meta" ‖ 15 ‖ RuntimeMetadataV15`, SCALE-encoded (the `OpaqueMetadata` bytes), built once
/// per set of chain constants.
pub fn metadata_bytes(chain: ChainConstants) -> Arc<Vec<u8>> {
    static BUILT: Mutex<Vec<(ChainConstants, Arc<Vec<u8>>)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, bytes)) = built.iter().find(|(c, _)| *c == chain) {
        return bytes.clone();
    }
    let bytes = Arc::new(RuntimeMetadataPrefixed(META_RESERVED, RuntimeMetadata::V15(metadata_v15(chain))).encode());
    built.push((chain, bytes.clone()));
    bytes
}
