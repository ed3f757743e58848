//! Storage items the current clients (SDK 11, btcli) read that have no counterpart in Agora
//! yet: served with the values that mean "nothing here" (spec substrate-compat §4), so the
//! clients' reads succeed and show Agora's subnets as they are. Dynamic TAO fills some later.

use parity_scale_codec::Encode;
use scale_info::meta_type;

use super::{Hasher, Item, NETUID, netuid, netuids, none};
use crate::pallets::subtensor::{LockState, RootClaimType};
use crate::types::AccountId32;

const ACCOUNT: &[(Hasher, usize)] = &[(Hasher::Blake2_128Concat, 32)];
const NETUID_ACCOUNT: &[(Hasher, usize)] = &[(Hasher::Identity, 2), (Hasher::Blake2_128Concat, 32)];
use agora_runtime::state::NETWORKS;

/// The items.
pub(super) static ITEMS: &[Item] = &[
    Item {
        pallet: "SubtensorModule",
        name: "TokenSymbol",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<Vec<u8>>,
        optional: false,
        default: || "\u{1D70F}".as_bytes().to_vec().encode(),
        docs: "A subnet's token symbol (τ for the root network, α for the others until dynamic TAO).",
        read: |s, k| {
            let n = netuid(k[0]).filter(|n| NETWORKS.contains(s, n))?;
            Some(if n.get() == 0 { "τ" } else { "α" }.as_bytes().to_vec().encode())
        },
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "SubnetEpochConsensus",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<crate::pallets::subtensor::EpochConsensus>,
        optional: false,
        default: || crate::pallets::subtensor::EpochConsensus::Yuma.encode(),
        docs: "How a subnet's epoch reaches consensus (Yuma on every Agora subnet).",
        read: |s, k| {
            netuid(k[0])
                .filter(|n| NETWORKS.contains(s, n))
                .map(|_| crate::pallets::subtensor::EpochConsensus::Yuma.encode())
        },
        list: netuids,
    },
    Item {
        pallet: "Commitments",
        name: "CommitmentOf",
        keys: &[(Hasher::Identity, 2), (Hasher::Twox64Concat, 32)],
        key_ty: meta_type::<(u16, AccountId32)>,
        value_ty: meta_type::<crate::pallets::commitments::Registration>,
        optional: true,
        default: none,
        docs: "A neuron's commitment (none on Agora yet).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "Commitments",
        name: "RevealedCommitments",
        keys: &[(Hasher::Identity, 2), (Hasher::Twox64Concat, 32)],
        key_ty: meta_type::<(u16, AccountId32)>,
        value_ty: meta_type::<Vec<(Vec<u8>, u64)>>,
        optional: true,
        default: none,
        docs: "A neuron's revealed commitments (none on Agora yet).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "get_commit_reveal_weights_enabled",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<bool>,
        optional: false,
        default: || true.encode(),
        docs: "btcli's name for CommitRevealWeightsEnabled.",
        read: |s, k| {
            let n = netuid(k[0])?;
            agora_runtime::query::subnet(s, n).map(|v| v.hyperparameters.commit_reveal.encode())
        },
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "CollateralLockShare",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<u16>,
        optional: false,
        default: || 0u16.encode(),
        docs: "Share of a registration locked as collateral (none on Agora).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "SubnetEmaTaoFlow",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<(u64, crate::info::I64F64)>,
        optional: true,
        default: none,
        docs: "A subnet's moving average of TAO flow (none in the TAO era).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "IdentitiesV2",
        keys: ACCOUNT,
        key_ty: meta_type::<AccountId32>,
        value_ty: meta_type::<crate::info::ChainIdentityV2>,
        optional: true,
        default: none,
        docs: "Coldkey identities (none on Agora yet).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "RootClaimType",
        keys: ACCOUNT,
        key_ty: meta_type::<AccountId32>,
        value_ty: meta_type::<RootClaimType>,
        optional: false,
        default: || RootClaimType::Swap.encode(),
        docs: "How a coldkey takes its root dividends (`set_root_claim_type`; Swap unless set).",
        read: |s, k| {
            let coldkey = super::account(k[0])?;
            let chosen = agora_runtime::state::ROOT_CLAIM_TYPE.try_get(s, &coldkey)?;
            Some(root_claim_type(&chosen).encode())
        },
        list: |s| agora_runtime::state::ROOT_CLAIM_TYPE.iter(s).into_iter().map(|(c, _)| vec![c.0.to_vec()]).collect(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "HotkeyLock",
        keys: NETUID_ACCOUNT,
        key_ty: meta_type::<(u16, AccountId32)>,
        value_ty: meta_type::<LockState>,
        optional: true,
        default: none,
        docs: "Stake locks (none on Agora yet).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "DecayingHotkeyLock",
        keys: NETUID_ACCOUNT,
        key_ty: meta_type::<(u16, AccountId32)>,
        value_ty: meta_type::<LockState>,
        optional: true,
        default: none,
        docs: "Decaying stake locks (none on Agora yet).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "OwnerLock",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<LockState>,
        optional: true,
        default: none,
        docs: "Subnet owners' locks (none on Agora yet).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "DecayingOwnerLock",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<LockState>,
        optional: true,
        default: none,
        docs: "Subnet owners' decaying locks (none on Agora yet).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "UnlockRate",
        keys: &[],
        key_ty: meta_type::<()>,
        value_ty: meta_type::<u64>,
        optional: false,
        default: || 0u64.encode(),
        docs: "Rate at which locks unlock (no locks on Agora yet).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "MaturityRate",
        keys: &[],
        key_ty: meta_type::<()>,
        value_ty: meta_type::<u64>,
        optional: false,
        default: || 0u64.encode(),
        docs: "Rate at which locks mature (no locks on Agora yet).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
];

/// The reference's encoding of a coldkey's claim type.
fn root_claim_type(chosen: &agora_runtime::root_claims::RootClaimType) -> RootClaimType {
    use agora_runtime::root_claims::RootClaimType as Chosen;
    match chosen {
        Chosen::Swap => RootClaimType::Swap,
        Chosen::Keep => RootClaimType::Keep,
        Chosen::KeepSubnets(kept) => RootClaimType::KeepSubnets { subnets: kept.iter().map(|n| n.0).collect() },
    }
}
