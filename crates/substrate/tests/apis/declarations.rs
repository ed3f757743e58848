//! What the metadata declares for the APIs (the clients encode arguments from the input names
//! and types and decode answers by field name), and how `state_call` treats bad input.

use agora_substrate::apis::{ApiError, METHODS};
use agora_substrate::metadata_bytes;
use frame_metadata::v15::RuntimeMetadataV15;
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use parity_scale_codec::{Decode, Encode};
use scale_info::form::PortableForm;
use scale_info::{TypeDef, TypeDefPrimitive};

use crate::chain::{CHAIN, scenario};

fn decoded() -> RuntimeMetadataV15 {
    let bytes = metadata_bytes(CHAIN);
    match RuntimeMetadataPrefixed::decode(&mut &bytes[..]).unwrap().1 {
        RuntimeMetadata::V15(m) => m,
        _ => panic!("not V15"),
    }
}

/// A type as a short Rust-like name: `u16`, `Vec<AccountId32>`, `Option<NeuronInfo>`, `C<u64>`.
fn name(m: &RuntimeMetadataV15, id: u32) -> String {
    let ty = m.types.resolve(id).unwrap();
    let last = ty.path.segments.last().cloned().unwrap_or_default();
    match &ty.type_def {
        TypeDef::Primitive(p) => match p {
            TypeDefPrimitive::Bool => "bool",
            TypeDefPrimitive::U8 => "u8",
            TypeDefPrimitive::U16 => "u16",
            TypeDefPrimitive::U32 => "u32",
            TypeDefPrimitive::U64 => "u64",
            TypeDefPrimitive::U128 => "u128",
            TypeDefPrimitive::I64 => "i64",
            TypeDefPrimitive::I128 => "i128",
            other => panic!("{other:?}"),
        }
        .to_string(),
        TypeDef::Compact(c) => format!("C<{}>", name(m, c.type_param.id)),
        TypeDef::Sequence(s) => format!("Vec<{}>", name(m, s.type_param.id)),
        TypeDef::Tuple(t) => format!("({})", t.fields.iter().map(|f| name(m, f.id)).collect::<Vec<_>>().join(", ")),
        TypeDef::Array(a) => format!("[{}; {}]", name(m, a.type_param.id), a.len),
        TypeDef::Variant(_) if last == "Option" => format!("Option<{}>", name(m, ty.type_params[0].ty.unwrap().id)),
        _ => last,
    }
}

/// `field: type` for each field of a composite.
fn fields(m: &RuntimeMetadataV15, id: u32) -> Vec<String> {
    let TypeDef::Composite(c) = &m.types.resolve(id).unwrap().type_def else { panic!("composite") };
    c.fields.iter().map(|f| format!("{}: {}", f.name.as_deref().unwrap(), name(m, f.ty.id))).collect()
}

fn method<'m>(
    m: &'m RuntimeMetadataV15,
    api: &str,
    method: &str,
) -> &'m frame_metadata::v15::RuntimeApiMethodMetadata<PortableForm> {
    let a = m.apis.iter().find(|a| a.name == api).unwrap_or_else(|| panic!("{api}"));
    a.methods.iter().find(|x| x.name == method).unwrap_or_else(|| panic!("{api}.{method}"))
}

#[test]
fn every_api_of_the_spec_is_declared_with_its_input_names_and_types() {
    let m = decoded();
    // (API, method, inputs, output) from spec §7 and §15.1.
    let table: &[(&str, &str, &[&str], &str)] = &[
        ("Metadata", "metadata_at_version", &["version: u32"], "Option<OpaqueMetadata>"),
        ("NeuronInfoRuntimeApi", "get_neurons_lite", &["netuid: u16"], "Vec<NeuronInfoLite>"),
        ("NeuronInfoRuntimeApi", "get_neuron_lite", &["netuid: u16", "uid: u16"], "Option<NeuronInfoLite>"),
        ("NeuronInfoRuntimeApi", "get_neurons", &["netuid: u16"], "Vec<NeuronInfo>"),
        ("NeuronInfoRuntimeApi", "get_neuron", &["netuid: u16", "uid: u16"], "Option<NeuronInfo>"),
        ("SubnetInfoRuntimeApi", "get_subnet_state", &["netuid: u16"], "Option<SubnetState>"),
        ("SubnetInfoRuntimeApi", "get_metagraph", &["netuid: u16"], "Option<Metagraph>"),
        (
            "SubnetInfoRuntimeApi",
            "get_selective_mechagraph",
            &["netuid: u16", "subid: u8", "metagraph_indexes: Vec<u16>"],
            "Option<SelectiveMetagraph>",
        ),
        ("SubnetInfoRuntimeApi", "get_mechagraph", &["netuid: u16", "mecid: u8"], "Option<Metagraph>"),
        ("SubnetInfoRuntimeApi", "get_subnet_hyperparams_v3", &["netuid: u16"], "Option<Vec<HyperparamEntry>>"),
        ("SubnetInfoRuntimeApi", "get_all_dynamic_info", &[], "Vec<Option<DynamicInfo>>"),
        ("SubnetInfoRuntimeApi", "get_dynamic_info", &["netuid: u16"], "Option<DynamicInfo>"),
        ("SubnetInfoRuntimeApi", "get_next_epoch_start_block", &["netuid: u16"], "Option<u64>"),
        (
            "StakeInfoRuntimeApi",
            "get_stake_info_for_hotkey_coldkey_netuid",
            &["hotkey_account: AccountId32", "coldkey_account: AccountId32", "netuid: u16"],
            "Option<StakeInfo>",
        ),
        ("StakeInfoRuntimeApi", "get_stake_info_for_coldkey", &["coldkey_account: AccountId32"], "Vec<StakeInfo>"),
        (
            "StakeInfoRuntimeApi",
            "get_stake_info_for_coldkeys",
            &["coldkey_accounts: Vec<AccountId32>"],
            "Vec<(AccountId32, Vec<StakeInfo>)>",
        ),
        ("SwapRuntimeApi", "current_alpha_price", &["netuid: u16"], "u64"),
        ("SwapRuntimeApi", "current_alpha_price_all", &[], "Vec<SubnetPrice>"),
        ("SwapRuntimeApi", "sim_swap_tao_for_alpha", &["netuid: u16", "tao: u64"], "SimSwapResult"),
        ("SwapRuntimeApi", "sim_swap_alpha_for_tao", &["netuid: u16", "alpha: u64"], "SimSwapResult"),
        ("SubnetRegistrationRuntimeApi", "get_network_registration_cost", &[], "u64"),
    ];
    for (api, name_, inputs, output) in table {
        let x = method(&m, api, name_);
        let declared: Vec<String> = x.inputs.iter().map(|i| format!("{}: {}", i.name, name(&m, i.ty.id))).collect();
        assert_eq!(declared, *inputs, "{api}.{name_} inputs");
        assert_eq!(name(&m, x.output.id), *output, "{api}.{name_} output");
        assert_ne!(name(&m, x.output.id), "Vec<u8>", "a Vec<u8> output selects the clients' legacy decoding");
    }
    // Account ids are the path the SDK turns into SS58.
    let x = method(&m, "StakeInfoRuntimeApi", "get_stake_info_for_coldkey");
    let path = &m.types.resolve(x.inputs[0].ty.id).unwrap().path.segments;
    assert_eq!(path.join("::"), "sp_core::crypto::AccountId32");
    // Every method served is declared, and only once.
    let declared: usize = m.apis.iter().map(|a| a.methods.len()).sum();
    assert_eq!(declared, METHODS.len());
}

/// The output type of `api.method`, unwrapped from `Option`/`Vec`.
fn value_type(m: &RuntimeMetadataV15, api: &str, name_: &str) -> u32 {
    let mut id = method(m, api, name_).output.id;
    loop {
        let ty = m.types.resolve(id).unwrap();
        id = match &ty.type_def {
            TypeDef::Sequence(s) => s.type_param.id,
            TypeDef::Variant(_) if ty.path.segments == ["Option"] => ty.type_params[0].ty.unwrap().id,
            _ => return id,
        };
    }
}

/// The fields of a spec line, split at the commas outside `<>` and `()`.
fn split(spec: &str) -> Vec<String> {
    let (mut out, mut current, mut depth) = (Vec::new(), String::new(), 0i32);
    for c in spec.chars() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current.trim().to_string());
    out
}

#[test]
fn values_have_the_reference_field_names_order_and_compactness() {
    let m = decoded();
    let lite = "hotkey: AccountId32, coldkey: AccountId32, uid: C<u16>, netuid: C<u16>, active: bool, \
        axon_info: AxonInfo, prometheus_info: PrometheusInfo, stake: Vec<(AccountId32, C<u64>)>, rank: C<u16>, \
        emission: C<u64>, incentive: C<u16>, consensus: C<u16>, trust: C<u16>, validator_trust: C<u16>, \
        dividends: C<u16>, last_update: C<u64>, validator_permit: bool";
    let neuron_lite = fields(&m, value_type(&m, "NeuronInfoRuntimeApi", "get_neurons_lite"));
    assert_eq!(neuron_lite, split(&format!("{lite}, pruning_score: C<u16>")));
    let neuron = fields(&m, value_type(&m, "NeuronInfoRuntimeApi", "get_neurons"));
    let weights = "weights: Vec<(C<u16>, C<u16>)>, bonds: Vec<(C<u16>, C<u16>)>";
    assert_eq!(neuron, split(&format!("{lite}, {weights}, pruning_score: C<u16>")));
    let axon = fields(
        &m,
        m.types.types.iter().find(|t| t.ty.path.segments.last().unwrap_or(&String::new()) == "AxonInfo").unwrap().id,
    );
    assert_eq!(
        axon,
        split(
            "block: u64, version: u32, ip: u128, port: u16, ip_type: u8, protocol: u8, placeholder1: u8, placeholder2: u8"
        )
    );

    let per_uid = "hotkeys: Vec<AccountId32>, coldkeys: Vec<AccountId32>";
    let vectors = "active: Vec<bool>, validator_permit: Vec<bool>, pruning_score: Vec<C<u16>>, \
        last_update: Vec<C<u64>>, emission: Vec<C<u64>>, dividends: Vec<C<u16>>, incentives: Vec<C<u16>>, \
        consensus: Vec<C<u16>>, trust: Vec<C<u16>>, rank: Vec<C<u16>>, block_at_registration: Vec<C<u64>>, \
        alpha_stake: Vec<C<u64>>, tao_stake: Vec<C<u64>>, total_stake: Vec<C<u64>>";
    let state = fields(&m, value_type(&m, "SubnetInfoRuntimeApi", "get_subnet_state"));
    let expected = format!("netuid: C<u16>, {per_uid}, {vectors}, emission_history: Vec<Vec<C<u64>>>");
    assert_eq!(state, split(&expected));

    let metagraph = format!(
        "netuid: C<u16>, name: Vec<C<u8>>, symbol: Vec<C<u8>>, identity: Option<SubnetIdentityV3>, \
        network_registered_at: C<u64>, owner_hotkey: AccountId32, owner_coldkey: AccountId32, block: C<u64>, \
        tempo: C<u16>, last_step: C<u64>, blocks_since_last_step: C<u64>, subnet_emission: C<u64>, alpha_in: C<u64>, \
        alpha_out: C<u64>, tao_in: C<u64>, alpha_out_emission: C<u64>, alpha_in_emission: C<u64>, \
        tao_in_emission: C<u64>, pending_alpha_emission: C<u64>, pending_root_emission: C<u64>, \
        subnet_volume: C<u128>, moving_price: FixedI128, rho: C<u16>, kappa: C<u16>, min_allowed_weights: C<u16>, \
        max_weights_limit: C<u16>, weights_version: C<u64>, weights_rate_limit: C<u64>, activity_cutoff: C<u64>, \
        max_validators: C<u16>, num_uids: C<u16>, max_uids: C<u16>, burn: C<u64>, difficulty: C<u64>, \
        registration_allowed: bool, pow_registration_allowed: bool, immunity_period: C<u16>, \
        min_difficulty: C<u64>, max_difficulty: C<u64>, min_burn: C<u64>, max_burn: C<u64>, \
        adjustment_alpha: C<u64>, adjustment_interval: C<u16>, target_regs_per_interval: C<u16>, \
        max_regs_per_block: C<u16>, serving_rate_limit: C<u64>, commit_reveal_weights_enabled: bool, \
        commit_reveal_period: C<u64>, liquid_alpha_enabled: bool, alpha_high: C<u16>, alpha_low: C<u16>, \
        bonds_moving_avg: C<u64>, {per_uid}, identities: Vec<Option<ChainIdentityV2>>, axons: Vec<AxonInfo>, \
        {vectors}, tao_dividends_per_hotkey: Vec<(AccountId32, C<u64>)>, \
        alpha_dividends_per_hotkey: Vec<(AccountId32, C<u64>)>"
    );
    let metagraph = split(&metagraph);
    assert_eq!(metagraph.len(), 72);
    assert_eq!(fields(&m, value_type(&m, "SubnetInfoRuntimeApi", "get_metagraph")), metagraph);
    // Selective: netuid, then each other field as Option, then validators and commitments.
    let mut selective = vec![metagraph[0].clone()];
    for f in &metagraph[1..] {
        let (n, t) = f.split_once(": ").unwrap();
        selective.push(format!("{n}: Option<{t}>"));
    }
    selective.push("validators: Option<Vec<C<u16>>>".into());
    selective.push("commitments: Option<Vec<(AccountId32, Vec<C<u8>>)>>".into());
    let served = fields(&m, value_type(&m, "SubnetInfoRuntimeApi", "get_selective_mechagraph"));
    assert_eq!(served, selective);
    let names: Vec<&str> = served.iter().map(|f| f.split_once(':').unwrap().0).collect();
    assert_eq!(names, agora_substrate::info::METAGRAPH_FIELDS);

    let moving_price =
        m.types.types.iter().find(|t| t.ty.path.segments.join("::") == "substrate_fixed::FixedI128").unwrap();
    assert_eq!(fields(&m, moving_price.id), ["bits: i128"]);

    let dynamic = "netuid: C<u16>, owner_hotkey: AccountId32, owner_coldkey: AccountId32, subnet_name: Vec<C<u8>>, \
        token_symbol: Vec<C<u8>>, tempo: C<u16>, last_step: C<u64>, blocks_since_last_step: C<u64>, emission: C<u64>, \
        alpha_in: C<u64>, alpha_out: C<u64>, tao_in: C<u64>, alpha_out_emission: C<u64>, alpha_in_emission: C<u64>, \
        tao_in_emission: C<u64>, pending_alpha_emission: C<u64>, pending_root_emission: C<u64>, \
        subnet_volume: C<u128>, network_registered_at: C<u64>, subnet_identity: Option<SubnetIdentityV3>, \
        moving_price: FixedI128";
    assert_eq!(fields(&m, value_type(&m, "SubnetInfoRuntimeApi", "get_dynamic_info")), split(dynamic));

    let stake = "hotkey: AccountId32, coldkey: AccountId32, netuid: C<u16>, stake: C<u64>, locked: C<u64>, \
        emission: C<u64>, tao_emission: C<u64>, drain: C<u64>, is_registered: bool";
    assert_eq!(fields(&m, value_type(&m, "StakeInfoRuntimeApi", "get_stake_info_for_coldkey")), split(stake));

    let swap =
        "tao_amount: u64, alpha_amount: u64, tao_fee: u64, alpha_fee: u64, tao_slippage: u64, alpha_slippage: u64";
    assert_eq!(fields(&m, value_type(&m, "SwapRuntimeApi", "sim_swap_tao_for_alpha")), split(swap));
    assert_eq!(
        fields(&m, value_type(&m, "SwapRuntimeApi", "current_alpha_price_all")),
        split("netuid: u16, price: u64")
    );

    let entry = value_type(&m, "SubnetInfoRuntimeApi", "get_subnet_hyperparams_v3");
    assert_eq!(fields(&m, entry), split("name: Vec<u8>, value: HyperparamValue"));
    let value_id = match &m.types.resolve(entry).unwrap().type_def {
        TypeDef::Composite(c) => c.fields[1].ty.id,
        _ => unreachable!(),
    };
    let TypeDef::Variant(v) = &m.types.resolve(value_id).unwrap().type_def else { panic!("enum") };
    let variants: Vec<String> =
        v.variants.iter().map(|x| format!("{}={}({})", x.name, x.index, name(&m, x.fields[0].ty.id))).collect();
    assert_eq!(
        variants,
        [
            "Bool=0(bool)",
            "U16=1(C<u16>)",
            "U32=2(C<u32>)",
            "U64=3(C<u64>)",
            "U128=4(C<u128>)",
            "TaoBalance=5(C<u64>)",
            "I32F32=6(FixedI64)",
            "U64F64=7(FixedU128)"
        ]
    );
}

#[test]
fn unknown_methods_and_undecodable_arguments_are_refused() {
    let chain = scenario();
    let missing = chain.call_raw("SubnetInfoRuntimeApi_get_subnet_info_v2", &1u16.encode()).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "Client error: Execution failed: Other: Exported method SubnetInfoRuntimeApi_get_subnet_info_v2 is not found"
    );
    for (name, args) in [
        ("NeuronInfoRuntimeApi_get_neurons_lite", vec![1]),
        ("NeuronInfoRuntimeApi_get_neurons_lite", vec![1, 0, 0]),
        ("NeuronInfoRuntimeApi_get_neuron", 1u16.encode()),
        ("SubnetInfoRuntimeApi_get_all_dynamic_info", vec![0]),
        ("StakeInfoRuntimeApi_get_stake_info_for_coldkey", vec![0; 31]),
        ("SubnetInfoRuntimeApi_get_selective_mechagraph", (1u16, 0u8).encode()),
    ] {
        assert_eq!(chain.call_raw(name, &args), Err(ApiError::BadArguments(name.to_string())), "{name} {args:?}");
    }
    // The metadata API still answers.
    let metadata: Option<Vec<u8>> = chain.call("Metadata_metadata_at_version", 15u32);
    assert_eq!(metadata.as_deref(), Some(&metadata_bytes(CHAIN)[..]));
    let other: Option<Vec<u8>> = chain.call("Metadata_metadata_at_version", 14u32);
    assert_eq!(other, None);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_arguments_never_panic(
        index in 0..METHODS.len(),
        args in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
    ) {
        let chain = scenario_once();
        let m = &METHODS[index];
        let _ = chain.call_raw(&format!("{}_{}", m.api, m.name), &args);
    }
}

/// The scenario, built once for the property test.
fn scenario_once() -> &'static crate::chain::Chain {
    static CHAIN_ONCE: std::sync::OnceLock<crate::chain::Chain> = std::sync::OnceLock::new();
    CHAIN_ONCE.get_or_init(scenario)
}
