//! `TransactionPaymentApi`: an extrinsic's fee. Agora charges one flat fee per transaction
//! (the runtime's `tx_fee`) whatever the size, and none for a registered hotkey's weights and
//! axon on its subnet ([`agora_runtime::fee_for`]). Clients send the extrinsic with a zeroed
//! signature: it is not checked here (one that does not decode is quoted the flat fee, and
//! refused at submission).

use agora_runtime::state::GLOBAL_PARAMS;
use parity_scale_codec::{Decode, Encode};
use scale_info::TypeInfo;

use super::Context;
use crate::extrinsic::Extrinsic;
use crate::types::{DispatchClass, Weight};

/// `pallet_transaction_payment::RuntimeDispatchInfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct RuntimeDispatchInfo {
    /// Weight (Agora does not meter weight: zero).
    pub weight: Weight,
    /// Dispatch class.
    pub class: DispatchClass,
    /// The fee (rao).
    pub partial_fee: u64,
}

pub(super) fn query_info(cx: &Context<'_>, uxt: Extrinsic, _len: u32) -> RuntimeDispatchInfo {
    let fee = crate::checked::decode(&uxt.prefixed())
        .ok()
        .and_then(|xt| Some((xt.signer, crate::checked::to_agora(&xt.call).ok()?)))
        .map(|(signer, call)| agora_runtime::fee_for(cx.state, &signer, &call));
    RuntimeDispatchInfo {
        weight: Weight::default(),
        class: DispatchClass::Normal,
        partial_fee: fee.unwrap_or_else(|| GLOBAL_PARAMS.get(cx.state).tx_fee),
    }
}
