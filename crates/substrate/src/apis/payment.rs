//! `TransactionPaymentApi`: an extrinsic's fee. Agora charges one flat fee per transaction
//! (the runtime's `tx_fee`), whatever the call and size, so the answer depends on the state
//! only (clients send the extrinsic with a zeroed signature; it is not checked here, and
//! submitting an extrinsic that does not decode is refused).

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

pub(super) fn query_info(cx: &Context<'_>, _uxt: Extrinsic, _len: u32) -> RuntimeDispatchInfo {
    RuntimeDispatchInfo {
        weight: Weight::default(),
        class: DispatchClass::Normal,
        partial_fee: GLOBAL_PARAMS.get(cx.state).tx_fee,
    }
}
