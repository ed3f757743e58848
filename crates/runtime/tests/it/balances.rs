//! `transfer` and fees.

use agora_primitives::Balance;
use agora_runtime::{Call, DispatchError, Event, GlobalUpdate};

use crate::common::*;

#[test]
fn transfer_moves_balance_and_emits_event() {
    let mut chain = Chain::new(&base_config());
    let (r, events) = chain.submit_events(&key("alice"), Call::Transfer { dest: acc("zed"), amount: tao(3) });
    assert_eq!(r, Ok(()));
    assert_eq!(chain.balance(&acc("zed")), 3 * TAO);
    assert_eq!(chain.balance(&acc("alice")), 9_997 * TAO);
    assert!(events.contains(&Event::Transfer { from: acc("alice"), to: acc("zed"), amount: tao(3) }));
}

#[test]
fn transfer_error_paths() {
    let mut chain = Chain::new(&base_config());
    let alice = key("alice");
    chain.assert_fails(
        &alice,
        Call::Transfer { dest: acc("bob"), amount: tao(10_001) },
        DispatchError::InsufficientBalance,
    );
    // Keep-alive: cannot go below the existential deposit (500 rao).
    let all_but_some = Balance(10_000 * TAO - 499);
    chain.assert_fails(&alice, Call::Transfer { dest: acc("bob"), amount: all_but_some }, DispatchError::Expendability);
    // A new account must receive at least the existential deposit.
    chain.assert_fails(
        &alice,
        Call::Transfer { dest: acc("nobody"), amount: Balance(499) },
        DispatchError::ExistentialDeposit,
    );
    // Exactly the deposit is fine, and the sender may keep exactly the deposit.
    assert_eq!(chain.submit(&alice, Call::Transfer { dest: acc("nobody"), amount: Balance(500) }), Ok(()));
    let rest = Balance(chain.balance(&acc("alice")) - 500);
    assert_eq!(chain.submit(&alice, Call::Transfer { dest: acc("bob"), amount: rest }), Ok(()));
    assert_eq!(chain.balance(&acc("alice")), 500);
}

#[test]
fn fees_go_to_the_author_and_are_charged_even_when_the_call_fails() {
    let mut chain = Chain::new(&base_config());
    assert_eq!(chain.submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::TxFee(Balance(1000)) }), Ok(()));
    chain.author = Some(acc("validator-node"));
    let before = chain.balance(&acc("alice"));
    let r = chain.submit(&key("alice"), Call::Transfer { dest: acc("bob"), amount: tao(1_000_000) });
    assert_eq!(r, Err(DispatchError::InsufficientBalance));
    assert_eq!(chain.balance(&acc("alice")), before - 1000);
    assert_eq!(chain.balance(&acc("validator-node")), 1000);
    // Without an author the fee is recycled (on top of any epoch dust recycled that block).
    chain.author = None;
    let recycled_before = agora_runtime::query::chain_info(&chain.state).total_recycled.rao();
    let tx = chain.tx(&key("bob"), Call::Transfer { dest: acc("carol"), amount: tao(1) });
    let out = chain.block(&[tx]);
    assert_eq!(out.receipts[0].result, Ok(()));
    let dust: u64 =
        out.events.iter().map(|e| if let Event::EpochPaid { recycled, .. } = e { recycled.rao() } else { 0 }).sum();
    let recycled_after = agora_runtime::query::chain_info(&chain.state).total_recycled.rao();
    assert_eq!(recycled_after - recycled_before, 1000 + dust);
}

#[test]
fn transfer_all_moves_everything_above_the_existential_deposit() {
    let mut chain = Chain::new(&base_config());
    chain.submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::TxFee(Balance(100)) }).unwrap();
    let r = chain.submit(&key("alice"), Call::TransferAll { dest: acc("zed") });
    assert_eq!(r, Ok(()));
    assert_eq!(chain.balance(&acc("alice")), 500, "the existential deposit stays");
    assert_eq!(chain.balance(&acc("zed")), 10_000 * TAO - 100 - 500, "everything else, after the fee");
    // Nothing left above the deposit once the fee is paid: an error, and only the fee moved.
    chain.submit(&key("bob"), Call::Transfer { dest: acc("alice"), amount: Balance(100) }).unwrap();
    let r = chain.submit(&key("alice"), Call::TransferAll { dest: acc("zed") });
    assert_eq!(r, Err(DispatchError::InsufficientBalance));
    assert_eq!(chain.balance(&acc("alice")), 500);
}
