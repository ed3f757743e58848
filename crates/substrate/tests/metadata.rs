//! Our metadata, decoded as a client decodes it, against the spec's tables
//! (`../shared/spec/substrate-compat.md` §3, §4, §5, §6.2).

use agora_substrate::{ChainConstants, metadata_bytes};
use frame_metadata::v15::{RuntimeMetadataV15, StorageEntryType, StorageHasher};
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use parity_scale_codec::Decode;
use scale_info::TypeDef;
use scale_info::form::PortableForm;

const CHAIN: ChainConstants = ChainConstants { existential_deposit: 500, block_time_ms: 500 };

fn decoded() -> RuntimeMetadataV15 {
    let bytes = metadata_bytes(CHAIN);
    assert_eq!(&bytes[..5], b"meta\x0f", "magic, then version 15");
    let mut input = &bytes[..];
    let prefixed = RuntimeMetadataPrefixed::decode(&mut input).expect("our metadata decodes");
    assert!(input.is_empty(), "no trailing bytes");
    match prefixed.1 {
        RuntimeMetadata::V15(m) => m,
        _ => panic!("not V15"),
    }
}

fn path_of(m: &RuntimeMetadataV15, id: u32) -> String {
    m.types.resolve(id).expect("type in registry").path.segments.join("::")
}

fn variants(m: &RuntimeMetadataV15, id: u32) -> Vec<(String, u8, Vec<String>)> {
    match &m.types.resolve(id).unwrap().type_def {
        TypeDef::Variant(v) => v
            .variants
            .iter()
            .map(|v| (v.name.clone(), v.index, v.fields.iter().filter_map(|f| f.name.clone()).collect()))
            .collect(),
        other => panic!("not an enum: {other:?}"),
    }
}

#[test]
fn pallets_have_the_reference_names_and_indices() {
    let m = decoded();
    let pallets: Vec<(&str, u8)> = m.pallets.iter().map(|p| (p.name.as_str(), p.index)).collect();
    for expected in [
        ("System", 0),
        ("Timestamp", 2),
        ("Aura", 3),
        ("Balances", 5),
        ("TransactionPayment", 6),
        ("SubtensorModule", 7),
    ] {
        assert!(pallets.contains(&expected), "{expected:?} in {pallets:?}");
    }
}

#[test]
fn calls_have_the_reference_names_indices_and_arguments() {
    let m = decoded();
    let calls = |pallet: &str| {
        let p = m.pallets.iter().find(|p| p.name == pallet).unwrap();
        variants(&m, p.calls.as_ref().unwrap().ty.id)
    };
    let expect = |pallet: &str, name: &str, index: u8, args: &[&str]| {
        let list = calls(pallet);
        let (_, i, fields) = list.iter().find(|(n, ..)| n == name).unwrap_or_else(|| panic!("{pallet}.{name}"));
        assert_eq!(
            (*i, fields.clone()),
            (index, args.iter().map(|a| a.to_string()).collect::<Vec<_>>()),
            "{pallet}.{name}"
        );
    };
    expect("Timestamp", "set", 0, &["now"]);
    expect("Balances", "transfer_allow_death", 0, &["dest", "value"]);
    expect("Balances", "transfer_keep_alive", 3, &["dest", "value"]);
    expect("Balances", "transfer_all", 4, &["dest", "keep_alive"]);
    expect("SubtensorModule", "set_weights", 0, &["netuid", "dests", "weights", "version_key"]);
    expect("SubtensorModule", "add_stake", 2, &["hotkey", "netuid", "amount_staked"]);
    expect("SubtensorModule", "remove_stake", 3, &["hotkey", "netuid", "amount_unstaked"]);
    let serve = ["netuid", "version", "ip", "port", "ip_type", "protocol", "placeholder1", "placeholder2"];
    expect("SubtensorModule", "serve_axon", 4, &serve);
    expect("SubtensorModule", "burned_register", 7, &["netuid", "hotkey"]);
    let limit = ["hotkey", "netuid", "amount_staked", "limit_price", "allow_partial"];
    expect("SubtensorModule", "add_stake_limit", 88, &limit);
    let limit = ["hotkey", "netuid", "amount_unstaked", "limit_price", "allow_partial"];
    expect("SubtensorModule", "remove_stake_limit", 89, &limit);
    expect("SubtensorModule", "commit_weights", 96, &["netuid", "commit_hash"]);
    expect("SubtensorModule", "reveal_weights", 97, &["netuid", "uids", "values", "salt", "version_key"]);
    expect("SubtensorModule", "set_mechanism_weights", 119, &["netuid", "mecid", "dests", "weights", "version_key"]);
    expect("SubtensorModule", "register_limit", 134, &["netuid", "hotkey", "limit_price"]);
    // The rest of what Agora's runtime has, at the reference's indices (subtensor dispatches.rs).
    expect("SubtensorModule", "register_network", 59, &["hotkey"]);
    expect("SubtensorModule", "root_register", 62, &["hotkey"]);
    expect("SubtensorModule", "decrease_take", 65, &["hotkey", "take"]);
    expect("SubtensorModule", "increase_take", 66, &["hotkey", "take"]);
    let identity = [
        "netuid",
        "subnet_name",
        "github_repo",
        "subnet_contact",
        "subnet_url",
        "discord",
        "description",
        "logo_url",
        "additional",
    ];
    expect("SubtensorModule", "set_subnet_identity", 78, &identity);
    expect("SubtensorModule", "start_call", 92, &["netuid"]);
}

#[test]
fn the_decoders_find_the_types_they_key_on() {
    let m = decoded();
    let paths: Vec<String> = m.types.types.iter().map(|t| t.ty.path.segments.join("::")).collect();
    for p in [
        "sp_core::crypto::AccountId32",
        "sp_runtime::multiaddress::MultiAddress",
        "sp_runtime::MultiSignature",
        "sp_runtime::generic::era::Era",
        "frame_system::EventRecord",
        "frame_system::Phase",
        "primitive_types::H256",
        "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic",
    ] {
        assert!(paths.iter().any(|x| x == p), "{p} missing");
    }
    // cyscale's `*::RuntimeCall` / `*::RuntimeEvent` match two segments exactly; with a deeper
    // path its event records lose their pallet names and the SDK cannot read a receipt.
    assert_eq!(path_of(&m, m.extrinsic.call_ty.id), "agora_substrate::RuntimeCall");
    assert_eq!(path_of(&m, m.outer_enums.event_enum_ty.id), "agora_substrate::RuntimeEvent");
    assert_eq!(path_of(&m, m.extrinsic.address_ty.id), "sp_runtime::multiaddress::MultiAddress");
    assert_eq!(path_of(&m, m.extrinsic.signature_ty.id), "sp_runtime::MultiSignature");
    let signature = variants(&m, m.extrinsic.signature_ty.id);
    let names: Vec<(&str, u8)> = signature.iter().map(|(n, i, _)| (n.as_str(), *i)).collect();
    assert_eq!(names, [("Ed25519", 0), ("Sr25519", 1), ("Ecdsa", 2)]);
    let era = variants(
        &m,
        m.types.types.iter().find(|t| t.ty.path.segments.last().map(String::as_str) == Some("Era")).unwrap().id,
    );
    assert_eq!((era.len(), era[0].1, era[255].0.as_str()), (256, 0, "Mortal255"));
}

#[test]
fn signed_extensions_are_the_reference_ones_in_order() {
    let m = decoded();
    assert_eq!(m.extrinsic.version, 4);
    let ids: Vec<&str> = m.extrinsic.signed_extensions.iter().map(|e| e.identifier.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CheckNonZeroSender",
            "CheckSpecVersion",
            "CheckTxVersion",
            "CheckGenesis",
            "CheckMortality",
            "CheckNonce",
            "CheckWeight",
            "ChargeTransactionPayment",
            "CheckMetadataHash",
        ]
    );
}

#[test]
fn storage_items_have_the_reference_hashers_and_modifiers() {
    let m = decoded();
    let entry = |pallet: &str, name: &str| {
        let p = m.pallets.iter().find(|p| p.name == pallet).unwrap();
        p.storage
            .as_ref()
            .unwrap()
            .entries
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("{pallet}.{name}"))
            .clone()
    };
    let hashers = |e: &frame_metadata::v15::StorageEntryMetadata<PortableForm>| match &e.ty {
        StorageEntryType::Map { hashers, .. } => hashers.clone(),
        StorageEntryType::Plain(_) => vec![],
    };
    assert_eq!(hashers(&entry("System", "Account")), [StorageHasher::Blake2_128Concat]);
    assert_eq!(hashers(&entry("SubtensorModule", "Uids")), [StorageHasher::Identity, StorageHasher::Blake2_128Concat]);
    assert_eq!(hashers(&entry("SubtensorModule", "MechanismCountCurrent")), [StorageHasher::Twox64Concat]);
    assert_eq!(entry("SubtensorModule", "Uids").modifier, frame_metadata::v15::StorageEntryModifier::Optional);
    // A client decodes an `Optional` item's default as `Option<T>`: it must be `None`.
    for p in &m.pallets {
        for e in p.storage.iter().flat_map(|s| &s.entries) {
            if e.modifier == frame_metadata::v15::StorageEntryModifier::Optional {
                assert_eq!(e.default, [0], "{}.{}", p.name, e.name);
            }
        }
    }
    // `Default` items carry the default a client decodes for a missing value.
    assert_eq!(entry("SubtensorModule", "CommitRevealWeightsEnabled").default, [1]);
    assert_eq!(entry("System", "Account").default.len(), 56);
    // The value of System.Account names `data` and `free`, which the SDK reads.
    let value = match entry("System", "Account").ty {
        StorageEntryType::Map { value, .. } => value.id,
        _ => unreachable!(),
    };
    let TypeDef::Composite(c) = &m.types.resolve(value).unwrap().type_def else { panic!("composite") };
    let fields: Vec<_> = c.fields.iter().filter_map(|f| f.name.clone()).collect();
    assert_eq!(fields, ["nonce", "consumers", "providers", "sufficients", "data"]);
}

#[test]
fn system_constants_and_the_metadata_api_are_declared() {
    let m = decoded();
    let system = m.pallets.iter().find(|p| p.name == "System").unwrap();
    let prefix = system.constants.iter().find(|c| c.name == "SS58Prefix").unwrap();
    assert_eq!(prefix.value, 42u16.to_le_bytes());
    let api = m.apis.iter().find(|a| a.name == "Metadata").unwrap();
    assert!(api.methods.iter().any(|x| x.name == "metadata_at_version"));
}

/// The reference call each runtime call is reachable through (`None`: not through the endpoint).
/// The match is exhaustive, so a call added to the runtime does not compile here until it is
/// given a reference call (and that call a mapping in `checked::to_agora`) or a reason it has none.
fn reference_call(call: &agora_runtime::Call) -> Option<(&'static str, &'static str)> {
    use agora_runtime::Call as C;
    Some(match call {
        C::Transfer { .. } => ("Balances", "transfer_keep_alive"),
        C::TransferAll { .. } => ("Balances", "transfer_all"),
        C::RegisterNetwork { .. } => ("SubtensorModule", "register_network"),
        C::StartCall { .. } => ("SubtensorModule", "start_call"),
        C::SetSubnetIdentity { .. } => ("SubtensorModule", "set_subnet_identity"),
        C::BurnedRegister { .. } => ("SubtensorModule", "burned_register"),
        C::RegisterLimit { .. } => ("SubtensorModule", "register_limit"),
        C::ServeAxon { .. } => ("SubtensorModule", "serve_axon"),
        C::AddStake { .. } => ("SubtensorModule", "add_stake"),
        C::RemoveStake { .. } => ("SubtensorModule", "remove_stake"),
        C::AddStakeLimit { .. } => ("SubtensorModule", "add_stake_limit"),
        C::RemoveStakeLimit { .. } => ("SubtensorModule", "remove_stake_limit"),
        C::IncreaseTake { .. } => ("SubtensorModule", "increase_take"),
        C::DecreaseTake { .. } => ("SubtensorModule", "decrease_take"),
        C::RootRegister { .. } => ("SubtensorModule", "root_register"),
        C::SetWeights { .. } => ("SubtensorModule", "set_weights"),
        C::CommitWeights { .. } => ("SubtensorModule", "commit_weights"),
        C::RevealWeights { .. } => ("SubtensorModule", "reveal_weights"),
        C::MoveStake { .. } => ("SubtensorModule", "move_stake"),
        C::TransferStake { .. } => ("SubtensorModule", "transfer_stake"),
        C::SwapStake { .. } => ("SubtensorModule", "swap_stake"),
        C::SwapStakeLimit { .. } => ("SubtensorModule", "swap_stake_limit"),
        C::RemoveStakeFullLimit { .. } => ("SubtensorModule", "remove_stake_full_limit"),
        C::UnstakeAll { .. } => ("SubtensorModule", "unstake_all"),
        C::UnstakeAllAlpha { .. } => ("SubtensorModule", "unstake_all_alpha"),
        C::RecycleAlpha { .. } => ("SubtensorModule", "recycle_alpha"),
        C::BurnAlpha { .. } => ("SubtensorModule", "burn_alpha"),
        C::ClaimRoot { .. } => ("SubtensorModule", "claim_root"),
        C::SetRootClaimType { .. } => ("SubtensorModule", "set_root_claim_type"),
        // The reference's setters live in its AdminUtils pallet, one call per parameter; Agora's
        // are served through `agora sudo set`.
        C::SudoSetHyperparameter { .. } | C::SudoSetGlobal { .. } => return None,
    })
}

#[test]
fn every_runtime_call_has_a_reference_call_in_the_metadata() {
    use agora_primitives::{AccountId, Balance, Hash, NetUid};
    use agora_runtime::Call as C;
    let m = decoded();
    let who = AccountId([1; 32]);
    let netuid = NetUid(1);
    let calls = [
        C::Transfer { dest: who, amount: Balance(1) },
        C::TransferAll { dest: who },
        C::RegisterNetwork { hotkey: who },
        C::StartCall { netuid },
        C::SetSubnetIdentity { netuid, identity: Default::default() },
        C::BurnedRegister { netuid, hotkey: who },
        C::RegisterLimit { netuid, hotkey: who, limit_price: Balance(1) },
        C::ServeAxon { netuid, version: 0, ip: 0, port: 0, ip_type: 4, protocol: 0, placeholder1: 0, placeholder2: 0 },
        C::AddStake { hotkey: who, netuid, amount: Balance(1) },
        C::RemoveStake { hotkey: who, netuid, amount: Balance(1) },
        C::AddStakeLimit { hotkey: who, netuid, amount: Balance(1), limit_price: 1, allow_partial: false },
        C::RemoveStakeLimit { hotkey: who, netuid, amount: 1, limit_price: 1, allow_partial: true },
        C::IncreaseTake { hotkey: who, take: 1 },
        C::DecreaseTake { hotkey: who, take: 1 },
        C::RootRegister { hotkey: who },
        C::SetWeights { netuid, dests: vec![], weights: vec![], version_key: 0 },
        C::CommitWeights { netuid, commit_hash: Hash([0; 32]) },
        C::RevealWeights { netuid, uids: vec![], values: vec![], salt: vec![], version_key: 0 },
        C::MoveStake {
            origin_hotkey: who,
            destination_hotkey: who,
            origin_netuid: netuid,
            destination_netuid: netuid,
            amount: 1,
        },
        C::TransferStake {
            destination_coldkey: who,
            hotkey: who,
            origin_netuid: netuid,
            destination_netuid: netuid,
            amount: 1,
        },
        C::SwapStake { hotkey: who, origin_netuid: netuid, destination_netuid: netuid, amount: 1 },
        C::SwapStakeLimit {
            hotkey: who,
            origin_netuid: netuid,
            destination_netuid: netuid,
            amount: 1,
            limit_price: 1,
            allow_partial: true,
        },
        C::RemoveStakeFullLimit { hotkey: who, netuid, limit_price: Some(1) },
        C::UnstakeAll { hotkey: who },
        C::UnstakeAllAlpha { hotkey: who },
        C::RecycleAlpha { hotkey: who, amount: 1, netuid },
        C::BurnAlpha { hotkey: who, amount: 1, netuid },
        C::ClaimRoot { subnets: vec![netuid] },
        C::SetRootClaimType { claim_type: agora_runtime::root_claims::RootClaimType::Keep },
    ];
    for call in &calls {
        let (pallet, name) = reference_call(call).unwrap();
        let p = m.pallets.iter().find(|p| p.name == pallet).unwrap();
        let names: Vec<String> = variants(&m, p.calls.as_ref().unwrap().ty.id).into_iter().map(|(n, ..)| n).collect();
        assert!(names.iter().any(|n| n == name), "{} has no {pallet}.{name} in the metadata", call.name());
    }
}
