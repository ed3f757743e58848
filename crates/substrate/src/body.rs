//! Blocks as the Substrate clients read them: the extrinsics of a block body and its
//! `System.Events` (spec substrate-compat §1 "index 0", "native txs", §8).
//!
//! ```text
//! extrinsic 0      bare Timestamp.set(timestamp_ms)                      (the inherent)
//! extrinsic i ≥ 1  the block's i-th transaction (0-based i − 1):
//!                    a Substrate extrinsic: its bytes as submitted
//!                    an Agora transaction:  bare Agora.transaction(SCALE(tx))
//! events           Initialization: the block hooks' events
//!                  ApplyExtrinsic(0): ExtrinsicSuccess
//!                  ApplyExtrinsic(i): the call's events, TransactionFeePaid,
//!                                     ExtrinsicSuccess | ExtrinsicFailed(module error)
//! ```
//!
//! Agora events without a reference counterpart in the served metadata are left out (the
//! clients decode every record, so only declared events may appear).

use agora_primitives::AccountId;
use agora_runtime::{Event, Receipt, SignedTransaction};
use parity_scale_codec::{Compact, Encode};

use crate::errors::dispatch_error;
use crate::hashing::storage_prefix;
use crate::pallets::{RuntimeCall, RuntimeEvent, agora, balances, subtensor, system, timestamp, transaction_payment};
use crate::types::{AccountId32, DispatchClass, DispatchEventInfo, EventRecord, Pays, Phase, Weight};

/// The storage key of `System.Events`.
pub fn events_key() -> [u8; 32] {
    storage_prefix("System", "Events")
}

/// A bare (unsigned) v4 extrinsic of `call`.
fn bare(call: &RuntimeCall) -> Vec<u8> {
    let mut body = vec![0x04];
    call.encode_to(&mut body);
    let mut out = Compact(body.len() as u32).encode();
    out.extend(body);
    out
}

/// Extrinsic 0 of every block.
pub fn timestamp_inherent(timestamp_ms: u64) -> Vec<u8> {
    bare(&RuntimeCall::Timestamp(timestamp::Call::set { now: timestamp_ms }))
}

/// How a block shows a transaction submitted through Agora's own RPC.
pub fn agora_transaction(tx: &SignedTransaction) -> Vec<u8> {
    bare(&RuntimeCall::Agora(agora::Call::transaction { bytes: tx.encode() }))
}

fn account(a: &AccountId) -> AccountId32 {
    AccountId32(a.0)
}

/// The reference event for an Agora event, if the metadata declares one.
pub fn reference_event(event: &Event) -> Option<RuntimeEvent> {
    use subtensor::Event as S;
    Some(match event {
        Event::Transfer { from, to, amount } => {
            RuntimeEvent::Balances(balances::Event::Transfer { from: account(from), to: account(to), amount: amount.0 })
        }
        Event::FeePaid { who, amount, .. } => {
            RuntimeEvent::TransactionPayment(transaction_payment::Event::TransactionFeePaid {
                who: account(who),
                actual_fee: amount.0,
                tip: 0,
            })
        }
        // TAO era: alpha = TAO, no swap fee (spec §10).
        Event::StakeAdded { coldkey, hotkey, netuid, amount } => RuntimeEvent::SubtensorModule(S::StakeAdded(
            account(coldkey),
            account(hotkey),
            amount.0,
            amount.0,
            netuid.0,
            0,
        )),
        Event::StakeRemoved { coldkey, hotkey, netuid, amount } => RuntimeEvent::SubtensorModule(S::StakeRemoved(
            account(coldkey),
            account(hotkey),
            amount.0,
            amount.0,
            netuid.0,
            0,
        )),
        Event::WeightsSet { netuid, uid } => RuntimeEvent::SubtensorModule(S::WeightsSet(netuid.0, uid.0)),
        Event::NeuronRegistered { netuid, uid, hotkey, .. } => {
            RuntimeEvent::SubtensorModule(S::NeuronRegistered(netuid.0, uid.0, account(hotkey)))
        }
        Event::AxonServed { netuid, hotkey } => RuntimeEvent::SubtensorModule(S::AxonServed(netuid.0, account(hotkey))),
        _ => return None,
    })
}

fn record(phase: Phase, event: RuntimeEvent) -> EventRecord<RuntimeEvent> {
    EventRecord { phase, event, topics: Vec::new() }
}

fn info(class: DispatchClass, pays_fee: Pays) -> DispatchEventInfo {
    DispatchEventInfo { weight: Weight { ref_time: 0, proof_size: 0 }, class, pays_fee }
}

/// `System.Events` of a block with these hook events and receipts (one per transaction, in
/// block order).
pub fn events(hooks: &[Event], receipts: &[Receipt]) -> Vec<EventRecord<RuntimeEvent>> {
    let mut out: Vec<_> = hooks.iter().filter_map(reference_event).map(|e| record(Phase::Initialization, e)).collect();
    let success = |info| RuntimeEvent::System(system::Event::ExtrinsicSuccess { dispatch_info: info });
    out.push(record(Phase::ApplyExtrinsic(0), success(info(DispatchClass::Mandatory, Pays::No))));
    for (i, receipt) in receipts.iter().enumerate() {
        let phase = Phase::ApplyExtrinsic(i as u32 + 1);
        // The fee event last among the call's events, as the reference's post-dispatch emits it.
        let (fees, calls): (Vec<&Event>, Vec<&Event>) =
            receipt.events.iter().partition(|e| matches!(e, Event::FeePaid { .. }));
        out.extend(calls.into_iter().filter_map(reference_event).map(|e| record(phase, e)));
        let fee = fees.into_iter().filter_map(reference_event).next().unwrap_or_else(|| {
            RuntimeEvent::TransactionPayment(transaction_payment::Event::TransactionFeePaid {
                who: account(&receipt.signer),
                actual_fee: 0,
                tip: 0,
            })
        });
        out.push(record(phase, fee));
        let pays = if receipt.fee.0 == 0 { Pays::No } else { Pays::Yes };
        let info = info(DispatchClass::Normal, pays);
        let outcome = match receipt.result {
            Ok(()) => success(info),
            Err(e) => RuntimeEvent::System(system::Event::ExtrinsicFailed {
                dispatch_error: dispatch_error(e),
                dispatch_info: info,
            }),
        };
        out.push(record(phase, outcome));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use agora_primitives::{Balance, Hash, NetUid, Pair};
    use agora_runtime::{Call, DispatchError};
    use parity_scale_codec::Decode;

    fn receipt(result: Result<(), DispatchError>, events: Vec<Event>) -> Receipt {
        Receipt {
            tx_hash: Hash([1; 32]),
            signer: AccountId([2; 32]),
            nonce: 0,
            call: "transfer".into(),
            fee: Balance(5),
            result,
            events,
        }
    }

    #[test]
    fn events_follow_the_reference_order_and_phases() {
        let fee = Event::FeePaid { who: AccountId([2; 32]), author: None, amount: Balance(5) };
        let moved = Event::Transfer { from: AccountId([2; 32]), to: AccountId([3; 32]), amount: Balance(9) };
        let ok = receipt(Ok(()), vec![fee.clone(), moved]);
        let failed = receipt(Err(DispatchError::NotEnoughBalanceToStake), vec![fee]);
        let hooks = [Event::BlockEmission { emission: Balance(1), minted: Balance(1) }];
        let records = events(&hooks, &[ok, failed]);
        let phases: Vec<_> = records.iter().map(|r| r.phase).collect();
        use Phase::ApplyExtrinsic as A;
        assert_eq!(phases, vec![A(0), A(1), A(1), A(1), A(2), A(2)]);
        assert!(matches!(records[1].event, RuntimeEvent::Balances(balances::Event::Transfer { amount: 9, .. })));
        assert!(matches!(records[2].event, RuntimeEvent::TransactionPayment(_)));
        match &records[5].event {
            RuntimeEvent::System(system::Event::ExtrinsicFailed { dispatch_error, .. }) => {
                assert_eq!(*dispatch_error, dispatch_error_of(DispatchError::NotEnoughBalanceToStake))
            }
            other => panic!("expected ExtrinsicFailed, got {other:?}"),
        }
        let bytes = records.encode();
        assert_eq!(Vec::<EventRecord<RuntimeEvent>>::decode(&mut &bytes[..]).unwrap(), records);
    }

    fn dispatch_error_of(e: DispatchError) -> crate::types::DispatchError {
        dispatch_error(e)
    }

    #[test]
    fn block_extrinsics_decode_as_the_served_call_type() {
        let xt = timestamp_inherent(1234);
        let decoded = crate::checked::decode(&xt);
        assert_eq!(decoded, Err(crate::checked::Refusal::Unsigned), "bare, like the reference's inherent");
        let pair = Pair::from_seed(&[1; 32]);
        let tx = SignedTransaction::sign(&pair, &Hash([0; 32]), 0, Call::StartCall { netuid: NetUid(1) });
        let shown = agora_transaction(&tx);
        let mut body = &shown[..];
        let len = Compact::<u32>::decode(&mut body).unwrap().0 as usize;
        assert_eq!(len, body.len());
        assert_eq!(body[0], 0x04);
        let call = RuntimeCall::decode(&mut &body[1..]).unwrap();
        assert_eq!(call, RuntimeCall::Agora(agora::Call::transaction { bytes: tx.encode() }));
    }
}
