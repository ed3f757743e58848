//! The table of served methods: each entry's declaration (names and types for the metadata)
//! and its answer come from one line, so what the metadata promises is what `state_call` decodes
//! and encodes.

use agora_runtime::storage::StorageRead;
use parity_scale_codec::{Decode, Encode};
use scale_info::{MetaType, meta_type};

use super::{metadata_api, metagraph, neurons, payment, stakes, subnets, swap};
use crate::extrinsic::Extrinsic;
use crate::info::{
    DynamicInfo, HyperparamEntry, Metagraph, NeuronInfo, NeuronInfoLite, SelectiveMetagraph, SimSwapResult, StakeInfo,
    SubnetPrice, SubnetState,
};
use crate::metadata::ChainConstants;
use crate::types::AccountId32;

/// What an answer reads: the state at the requested block and the chain's constants.
pub struct Context<'a> {
    /// The state.
    pub state: &'a dyn StorageRead,
    /// The chain's constants (for the metadata).
    pub chain: ChainConstants,
}

/// An input: its name and type.
pub type Input = (&'static str, fn() -> MetaType);

/// One runtime API method.
pub struct Method {
    /// The API (`NeuronInfoRuntimeApi`, …).
    pub api: &'static str,
    /// The method (`get_neurons_lite`, …).
    pub name: &'static str,
    /// Input names and types, in order (the clients encode the arguments from these).
    pub inputs: &'static [Input],
    /// Output type.
    pub output: fn() -> MetaType,
    /// What it returns.
    pub docs: &'static str,
    /// Decodes the arguments (all of them, strictly) and encodes the answer; `None` when the
    /// arguments do not decode.
    pub answer: fn(&[u8], &Context<'_>) -> Option<Vec<u8>>,
}

impl Method {
    /// Whether `state_call`'s `name` (`"{Api}_{method}"`) is this method.
    pub fn is_called(&self, name: &str) -> bool {
        name.strip_prefix(self.api).and_then(|rest| rest.strip_prefix('_')) == Some(self.name)
    }
}

/// `T` decoded from all of `bytes`: trailing bytes are an error.
fn decode_all<T: Decode>(mut bytes: &[u8]) -> Option<T> {
    let value = T::decode(&mut bytes).ok()?;
    bytes.is_empty().then_some(value)
}

/// `Api::method(name: Type, …) -> Output = answer, "docs";` for each method: `answer` is called
/// with the context and the decoded inputs and must return `Output`.
macro_rules! methods {
    ($($api:ident::$method:ident($($arg:ident: $ty:ty),*) -> $out:ty = $answer:path, $docs:literal;)*) => {
        /// Every method served, grouped by API in declaration order.
        pub static METHODS: &[Method] = &[$(
            Method {
                api: stringify!($api),
                name: stringify!($method),
                inputs: &[$((stringify!($arg), meta_type::<$ty>),)*],
                output: meta_type::<$out>,
                docs: $docs,
                answer: |args, cx| {
                    let ($($arg,)*): ($($ty,)*) = decode_all(args)?;
                    let out: $out = $answer(cx, $($arg),*);
                    Some(out.encode())
                },
            },
        )*];
    };
}

methods! {
    Metadata::metadata() -> metadata_api::OpaqueMetadata = metadata_api::metadata,
        "The metadata (version 15).";
    Metadata::metadata_at_version(version: u32) -> Option<metadata_api::OpaqueMetadata> = metadata_api::at_version,
        "The metadata at a version, if served (15 only).";
    Metadata::metadata_versions() -> Vec<u32> = metadata_api::versions,
        "The metadata versions served.";

    NeuronInfoRuntimeApi::get_neurons(netuid: u16) -> Vec<NeuronInfo> = neurons::neurons,
        "Every neuron of a subnet with its weights and bonds (empty for an unknown subnet).";
    NeuronInfoRuntimeApi::get_neuron(netuid: u16, uid: u16) -> Option<NeuronInfo> = neurons::neuron,
        "One neuron with its weights and bonds.";
    NeuronInfoRuntimeApi::get_neurons_lite(netuid: u16) -> Vec<NeuronInfoLite> = neurons::neurons_lite,
        "Every neuron of a subnet (empty for an unknown subnet).";
    NeuronInfoRuntimeApi::get_neuron_lite(netuid: u16, uid: u16) -> Option<NeuronInfoLite> = neurons::neuron_lite,
        "One neuron.";

    SubnetInfoRuntimeApi::get_subnet_hyperparams_v3(netuid: u16) -> Option<Vec<HyperparamEntry>> = subnets::hyperparams_v3,
        "A subnet's hyperparameters by name.";
    SubnetInfoRuntimeApi::get_all_dynamic_info() -> Vec<Option<DynamicInfo>> = subnets::all_dynamic_info,
        "Every subnet's pool view, ascending netuid (root included).";
    SubnetInfoRuntimeApi::get_metagraph(netuid: u16) -> Option<Metagraph> = metagraph::metagraph,
        "A subnet's metagraph.";
    SubnetInfoRuntimeApi::get_mechagraph(netuid: u16, mecid: u8) -> Option<Metagraph> = metagraph::mechagraph,
        "A mechanism's metagraph (Agora has mechanism 0 only).";
    SubnetInfoRuntimeApi::get_dynamic_info(netuid: u16) -> Option<DynamicInfo> = subnets::dynamic_info,
        "A subnet's pool view.";
    SubnetInfoRuntimeApi::get_subnet_state(netuid: u16) -> Option<SubnetState> = metagraph::subnet_state,
        "A subnet's per-uid state.";
    SubnetInfoRuntimeApi::get_selective_mechagraph(netuid: u16, subid: u8, metagraph_indexes: Vec<u16>)
        -> Option<SelectiveMetagraph> = metagraph::selective_mechagraph,
        "The requested fields of a mechanism's metagraph.";
    SubnetInfoRuntimeApi::get_next_epoch_start_block(netuid: u16) -> Option<u64> = subnets::next_epoch_start_block,
        "The block of a subnet's next epoch (none when its tempo is 0).";

    StakeInfoRuntimeApi::get_stake_info_for_coldkey(coldkey_account: AccountId32) -> Vec<StakeInfo>
        = stakes::for_coldkey,
        "Every non-zero stake position of a coldkey, by netuid then hotkey.";
    StakeInfoRuntimeApi::get_stake_info_for_coldkeys(coldkey_accounts: Vec<AccountId32>)
        -> Vec<(AccountId32, Vec<StakeInfo>)> = stakes::for_coldkeys,
        "The stake positions of each coldkey, one entry per key in order.";
    StakeInfoRuntimeApi::get_stake_info_for_hotkey_coldkey_netuid(
        hotkey_account: AccountId32,
        coldkey_account: AccountId32,
        netuid: u16
    ) -> Option<StakeInfo> = stakes::for_hotkey_coldkey_netuid,
        "One stake position (zero when absent).";

    SwapRuntimeApi::current_alpha_price(netuid: u16) -> u64 = swap::price,
        "Rao per alpha: 1e9 (alpha is TAO on Agora); 0 for an unknown subnet.";
    SwapRuntimeApi::current_alpha_price_all() -> Vec<SubnetPrice> = swap::all_prices,
        "Every subnet's alpha price.";
    SwapRuntimeApi::sim_swap_tao_for_alpha(netuid: u16, tao: u64) -> SimSwapResult = swap::tao_for_alpha,
        "A simulated stake: alpha out = TAO in, no fee, no slippage.";
    SwapRuntimeApi::sim_swap_alpha_for_tao(netuid: u16, alpha: u64) -> SimSwapResult = swap::alpha_for_tao,
        "A simulated unstake: TAO out = alpha in, no fee, no slippage.";

    TransactionPaymentApi::query_info(uxt: Extrinsic, len: u32) -> payment::RuntimeDispatchInfo = payment::query_info,
        "The fee of an extrinsic (its signature is not checked: clients send a zeroed one).";

    SubnetRegistrationRuntimeApi::get_network_registration_cost() -> u64 = subnets::registration_cost,
        "The lock cost of registering a subnet in the next block (rao).";
}

/// Each API's description.
pub const API_DOCS: &[(&str, &str)] = &[
    ("Metadata", "Metadata of the runtime."),
    ("NeuronInfoRuntimeApi", "Neurons of a subnet."),
    ("SubnetInfoRuntimeApi", "Subnets: metagraphs, pools and hyperparameters."),
    ("StakeInfoRuntimeApi", "Stake positions."),
    ("SwapRuntimeApi", "Alpha prices and swap quotes (from the pools on a dynamic chain; identity in the TAO era)."),
    ("SubnetRegistrationRuntimeApi", "Subnet registration."),
    ("TransactionPaymentApi", "Transaction fees."),
];
