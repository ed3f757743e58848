//! The runtime's errors as the clients read them: each [`agora_runtime::DispatchError`] is a
//! module error of `Balances` or `SubtensorModule` under the reference's variant name (the SDK
//! classifies failures by name) with Agora's message as its docs, or one of
//! `sp_runtime::DispatchError`'s own variants.
//!
//! Error indices follow finney where the spec lists them (substrate-compat §8); Agora's other
//! errors take free indices from [`FIRST_FREE_INDEX`] on, in the runtime's declaration order.
//! The clients resolve indices through the served metadata, so only the names are the contract.

use agora_runtime::DispatchError as RuntimeError;
use parity_scale_codec::Decode;
use scale_info::build::{Fields, Variants};
use scale_info::{Path, Type, TypeInfo};

use crate::pallets::index;
use crate::types::{ArithmeticError, DispatchError, ModuleError};

/// Finney's `Balances` error indices for the errors Agora has.
const BALANCES: &[(&str, u8)] = &[
    ("VestingBalance", 0),
    ("LiquidityRestrictions", 1),
    ("InsufficientBalance", 2),
    ("ExistentialDeposit", 3),
    ("Expendability", 4),
];

/// Finney's `SubtensorModule` error indices (spec substrate-compat §8).
const SUBTENSOR: &[(&str, u8)] = &[
    ("RootNetworkDoesNotExist", 0),
    ("InvalidIpType", 1),
    ("InvalidIpAddress", 2),
    ("InvalidPort", 3),
    ("HotKeyNotRegisteredInSubNet", 4),
    ("HotKeyAccountNotExists", 5),
    ("NonAssociatedColdKey", 7),
    ("NotEnoughStakeToWithdraw", 9),
    ("NotEnoughBalanceToStake", 12),
    ("NeuronNoValidatorPermit", 15),
    ("WeightVecNotEqualSize", 16),
    ("DuplicateUids", 17),
    ("UidVecContainInvalidOne", 18),
    ("WeightVecLengthIsLow", 19),
    ("TooManyRegistrationsThisBlock", 20),
    ("HotKeyAlreadyRegisteredInSubNet", 21),
    ("MaxWeightExceeded", 27),
    ("SettingWeightsTooFast", 29),
    ("IncorrectWeightVersionKey", 30),
    ("ServingRateLimitExceeded", 31),
    ("SubNetRegistrationDisabled", 37),
    ("NoWeightsCommitFound", 51),
    ("InvalidRevealCommitHashNotMatch", 52),
    ("CommitRevealEnabled", 53),
    ("MechanismDoesNotExist", 74),
    ("SubnetNotExists", 76),
    ("RevealTooEarly", 79),
    ("AmountTooLow", 82),
    ("SlippageTooHigh", 84),
];

/// The first index given to an Agora error finney's table does not place.
pub const FIRST_FREE_INDEX: u8 = 128;

/// One pallet error variant: name, index, docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorVariant {
    /// The reference's name.
    pub name: &'static str,
    /// Index in the pallet's error enum.
    pub index: u8,
    /// Agora's message.
    pub docs: &'static str,
    /// The runtime error it stands for (`None` for the reference-only names Agora never
    /// produces but the clients expect, such as `SlippageTooHigh`).
    pub error: Option<RuntimeError>,
}

/// Every runtime error, by its SCALE index (unit variants decode from one byte).
fn runtime_errors() -> Vec<RuntimeError> {
    (0..=u8::MAX).filter_map(|i| RuntimeError::decode(&mut &[i][..]).ok()).collect()
}

/// A runtime error's name (its variant name).
pub fn name(e: &RuntimeError) -> &'static str {
    // Debug of a unit variant is its name; leaked once per distinct error, a bounded set.
    static NAMES: std::sync::OnceLock<Vec<(RuntimeError, &'static str)>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        runtime_errors().into_iter().map(|e| (e, &*Box::leak(format!("{e:?}").into_boxed_str()))).collect()
    });
    names.iter().find(|(x, _)| x == e).map_or("Other", |(_, n)| n)
}

/// Whether the runtime error is `sp_runtime`'s own, not a module error.
fn outer(e: &RuntimeError) -> Option<DispatchError> {
    match e {
        RuntimeError::BadOrigin => Some(DispatchError::BadOrigin),
        RuntimeError::ArithmeticOverflow => Some(DispatchError::Arithmetic(ArithmeticError::Overflow)),
        _ => None,
    }
}

/// The variants of a pallet's error enum: finney's placed names first, then Agora's others, the
/// gaps filled with `Reserved<index>` variants. Dense because cyscale (the 10.x SDK, btcli)
/// resolves a module error by its position in the enum, not by its index.
fn variants(pallet: u8) -> Vec<ErrorVariant> {
    let (table, is_balances) = if pallet == index::BALANCES { (BALANCES, true) } else { (SUBTENSOR, false) };
    let runtime = runtime_errors();
    let mut out: Vec<ErrorVariant> = table
        .iter()
        .map(|&(n, i)| {
            let error = runtime.iter().copied().find(|e| name(e) == n);
            let docs = error.map_or("not produced by Agora", |e| leak(e.to_string()));
            ErrorVariant { name: n, index: i, docs, error }
        })
        .collect();
    let mut next = FIRST_FREE_INDEX;
    for e in runtime {
        let is_balance_error = BALANCES.iter().any(|(n, _)| *n == name(&e));
        if outer(&e).is_some() || is_balance_error != is_balances || out.iter().any(|v| v.name == name(&e)) {
            continue;
        }
        out.push(ErrorVariant { name: name(&e), index: next, docs: leak(e.to_string()), error: Some(e) });
        // Saturates: the uniqueness test catches more than 128 Agora errors outside the table.
        next = next.saturating_add(1);
    }
    out.sort_by_key(|v| v.index);
    let mut dense = Vec::with_capacity(out.last().map_or(0, |v| usize::from(v.index) + 1));
    for v in out {
        for index in dense.len() as u8..v.index {
            let name = leak(format!("Reserved{index}"));
            dense.push(ErrorVariant { name, index, docs: "A reference error Agora never returns.", error: None });
        }
        dense.push(v);
    }
    dense
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// `Balances`' error enum (computed once per process).
pub fn balances_errors() -> &'static [ErrorVariant] {
    static LIST: std::sync::OnceLock<Vec<ErrorVariant>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| variants(index::BALANCES))
}

/// `SubtensorModule`'s error enum (computed once per process).
pub fn subtensor_errors() -> &'static [ErrorVariant] {
    static LIST: std::sync::OnceLock<Vec<ErrorVariant>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| variants(index::SUBTENSOR))
}

/// The `sp_runtime::DispatchError` a runtime error is reported as.
pub fn dispatch_error(e: RuntimeError) -> DispatchError {
    if let Some(outer) = outer(&e) {
        return outer;
    }
    for (pallet, list) in [(index::BALANCES, balances_errors()), (index::SUBTENSOR, subtensor_errors())] {
        if let Some(v) = list.iter().find(|v| v.error == Some(e)) {
            return DispatchError::Module(ModuleError { index: pallet, error: [v.index, 0, 0, 0] });
        }
    }
    DispatchError::Other
}

fn error_type(name: &'static str, module: &'static str, list: &[ErrorVariant]) -> Type {
    let mut variants = Variants::new();
    for v in list.iter() {
        variants = variants
            .variant(v.name, |b| b.index(v.index).fields(Fields::<scale_info::form::MetaForm>::unit()).docs(&[v.docs]));
    }
    Type::builder().path(Path::new(name, module)).variant(variants)
}

/// `pallet_balances::pallet::Error` as Agora has it.
pub struct BalancesError;

impl TypeInfo for BalancesError {
    type Identity = Self;

    fn type_info() -> Type {
        error_type("Error", "pallet_balances::pallet", balances_errors())
    }
}

/// `pallet_subtensor::pallet::Error` as Agora has it.
pub struct SubtensorError;

impl TypeInfo for SubtensorError {
    type Identity = Self;

    fn type_info() -> Type {
        error_type("Error", "pallet_subtensor::pallet", subtensor_errors())
    }
}

/// The outer error enum (one variant per pallet with errors).
#[derive(TypeInfo)]
pub enum RuntimeErrorEnum {
    /// `Balances`.
    #[codec(index = 5)]
    Balances(BalancesError),
    /// `SubtensorModule`.
    #[codec(index = 7)]
    SubtensorModule(SubtensorError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_error_has_one_place_and_the_reference_names_keep_finneys_index() {
        for e in runtime_errors() {
            let d = dispatch_error(e);
            assert_ne!(d, DispatchError::Other, "{e:?} has no place");
        }
        let subtensor = subtensor_errors();
        let find = |n: &str| subtensor.iter().find(|v| v.name == n).map(|v| v.index);
        assert_eq!(find("NotEnoughStakeToWithdraw"), Some(9));
        assert_eq!(find("SettingWeightsTooFast"), Some(29));
        assert_eq!(find("SubnetNotExists"), Some(76));
        for list in [subtensor, balances_errors()] {
            let indices: Vec<u8> = list.iter().map(|v| v.index).collect();
            let dense: Vec<u8> = (0..list.len() as u8).collect();
            assert_eq!(indices, dense, "dense from 0: the clients look errors up by position");
        }
        assert_eq!(
            dispatch_error(RuntimeError::InsufficientBalance),
            DispatchError::Module(ModuleError { index: 5, error: [2, 0, 0, 0] })
        );
        assert_eq!(dispatch_error(RuntimeError::BadOrigin), DispatchError::BadOrigin);
    }
}
