//! Transaction validity: signature, nonce, fee, size; invalid transactions invalidate blocks.

use agora_primitives::{Balance, BlockNumber, Hash, NetUid};
use agora_runtime::{
    BlockError, BlockInput, Call, GlobalUpdate, SignedTransaction, TransactionError, execute_block,
    validate_transaction,
};
use parity_scale_codec::Encode;

use crate::common::*;

fn transfer() -> Call {
    Call::Transfer { dest: acc("bob"), amount: tao(1) }
}

#[test]
fn valid_transaction_passes_and_nonce_advances() {
    let mut chain = Chain::new(&base_config());
    let tx = chain.tx(&key("alice"), transfer());
    assert_eq!(validate_transaction(&chain.state, &tx.clone().into()), Ok(()));
    chain.block(std::slice::from_ref(&tx));
    assert_eq!(agora_runtime::query::nonce(&chain.state, &acc("alice")), 1);
    // Replaying the same transaction is now stale.
    assert_eq!(
        validate_transaction(&chain.state, &tx.clone().into()),
        Err(TransactionError::StaleNonce { expected: 1, got: 0 })
    );
}

#[test]
fn wrong_signature_wrong_chain_and_nonces_are_rejected() {
    let chain = Chain::new(&base_config());
    let alice = key("alice");
    let other_chain = SignedTransaction::sign(&alice, &Hash([7; 32]), 0, transfer());
    assert_eq!(validate_transaction(&chain.state, &other_chain.clone().into()), Err(TransactionError::BadSignature));
    let mut forged = chain.tx(&alice, transfer());
    forged.signer = acc("bob");
    assert_eq!(validate_transaction(&chain.state, &forged.clone().into()), Err(TransactionError::BadSignature));
    let future = SignedTransaction::sign(&alice, &chain.genesis_hash, 5, transfer());
    assert_eq!(
        validate_transaction(&chain.state, &future.clone().into()),
        Err(TransactionError::FutureNonce { expected: 0, got: 5 })
    );
}

#[test]
fn unfunded_signer_cannot_pay_the_fee() {
    let mut chain = Chain::new(&base_config());
    chain.submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::TxFee(Balance(10)) }).unwrap();
    let tx = chain.tx(&key("pauper"), transfer());
    assert_eq!(
        validate_transaction(&chain.state, &tx.clone().into()),
        Err(TransactionError::CannotPayFee { balance: 0, fee: 10 })
    );
}

#[test]
fn a_block_with_an_invalid_transaction_is_invalid_and_changes_nothing() {
    let chain = Chain::new(&base_config());
    let good = chain.tx(&key("alice"), transfer());
    let bad = SignedTransaction::sign(&key("bob"), &chain.genesis_hash, 3, transfer());
    let txs = [good.into(), bad.clone().into()];
    let input = BlockInput { height: BlockNumber(1), timestamp_ms: 0, author: None, transactions: &txs };
    match execute_block(&chain.state, &input) {
        Err(BlockError::InvalidTransaction { index: 1, hash, error: TransactionError::FutureNonce { .. } }) => {
            assert_eq!(hash, bad.hash())
        }
        other => panic!("expected an invalid block, got {other:?}"),
    }
    // Wrong height.
    let input = BlockInput { height: BlockNumber(2), timestamp_ms: 0, author: None, transactions: &[] };
    assert_eq!(
        execute_block(&chain.state, &input).unwrap_err(),
        BlockError::WrongHeight { parent: BlockNumber(0), got: BlockNumber(2) }
    );
}

#[test]
fn two_transactions_of_one_signer_in_one_block() {
    let mut chain = Chain::new(&base_config());
    let alice = key("alice");
    let t0 = SignedTransaction::sign(&alice, &chain.genesis_hash, 0, transfer());
    let t1 = SignedTransaction::sign(&alice, &chain.genesis_hash, 1, transfer());
    let out = chain.block(&[t0, t1]);
    assert!(out.receipts.iter().all(|r| r.result.is_ok()));
    assert_eq!(chain.balance(&acc("bob")), 10_002 * TAO);
}

#[test]
fn decoding_untrusted_bytes_is_total() {
    let chain = Chain::new(&base_config());
    let tx = chain.tx(
        &key("alice"),
        Call::SetWeights { netuid: NetUid(1), dests: vec![0, 1], weights: vec![1, 2], version_key: 0 },
    );
    let bytes = tx.encode();
    assert_eq!(SignedTransaction::decode_checked(&bytes).unwrap(), tx);
    // Every truncation fails cleanly.
    for cut in 0..bytes.len() {
        assert!(SignedTransaction::decode_checked(&bytes[..cut]).is_err());
    }
    // Random corruption never panics.
    let mut corrupt = bytes.clone();
    for i in 0..corrupt.len() {
        corrupt[i] ^= 0xA5;
        let _ = SignedTransaction::decode_checked(&corrupt);
    }
}

#[test]
fn a_store_without_genesis_cannot_execute_blocks() {
    let empty = agora_runtime::storage::MemoryStorage::new();
    let input = BlockInput { height: BlockNumber(1), timestamp_ms: 0, author: None, transactions: &[] };
    assert_eq!(execute_block(&empty, &input).unwrap_err(), BlockError::NoGenesis);
    let tx = SignedTransaction::sign(&key("alice"), &Hash::ZERO, 0, transfer());
    assert_eq!(validate_transaction(&empty, &tx.clone().into()), Err(TransactionError::BadSignature));
}

#[test]
fn build_block_skips_invalid_candidates_and_matches_execute_block() {
    use agora_primitives::{Balance, Pair};
    use agora_runtime::{
        BlockInput, Call, GenesisConfig, SignedTransaction, TransactionError, build_block, execute_block,
    };
    let alice = Pair::from_seed(&[1; 32]);
    let bob = Pair::from_seed(&[2; 32]);
    let mut config = GenesisConfig::new("builder");
    config.balances.insert(alice.public(), Balance::from_tao(10).unwrap());
    let genesis = config.build().unwrap();
    let g = genesis.genesis_hash;
    let state = genesis.into_memory();
    let transfer = |_nonce: u64| Call::Transfer { dest: bob.public(), amount: Balance::from_tao(1).unwrap() };
    let candidates = vec![
        SignedTransaction::sign(&alice, &g, 0, transfer(0)),
        SignedTransaction::sign(&alice, &g, 0, transfer(0)), // stale after the first
        SignedTransaction::sign(&bob, &g, 0, transfer(0)),   // bob cannot pay 1 TAO: included, call fails
        SignedTransaction::sign(&alice, &g, 5, transfer(5)), // future nonce: skipped
        SignedTransaction::sign(&alice, &agora_primitives::Hash([9; 32]), 1, transfer(1)), // wrong chain
        SignedTransaction::sign(&alice, &g, 1, transfer(1)),
    ];
    let candidates = candidates.into_iter().map(agora_runtime::Transaction::from);
    let built = build_block(&state, BlockNumber(1), 1000, None, candidates, 100, 1 << 20).unwrap();
    let nonces: Vec<_> = built.transactions.iter().map(|t| (*t.signer(), t.nonce())).collect();
    assert_eq!(nonces, vec![(alice.public(), 0), (bob.public(), 0), (alice.public(), 1)]);
    let reasons: Vec<_> = built.rejected.iter().map(|(_, e)| e.clone()).collect();
    assert!(matches!(reasons[0], TransactionError::StaleNonce { .. }));
    assert!(matches!(reasons[1], TransactionError::FutureNonce { .. }));
    assert_eq!(reasons[2], TransactionError::BadSignature);
    let input =
        BlockInput { height: BlockNumber(1), timestamp_ms: 1000, author: None, transactions: &built.transactions };
    let executed = execute_block(&state, &input).unwrap();
    assert_eq!(executed.state_root, built.outcome.state_root);
    assert_eq!(executed.changes, built.outcome.changes);
    assert_eq!(executed.receipts, built.outcome.receipts);
    // Limits: one transaction at most.
    let one = build_block(&state, BlockNumber(1), 1000, None, built.transactions.clone(), 1, 1 << 20).unwrap();
    assert_eq!(one.transactions.len(), 1);
}

mod decoding_fuzz {
    use agora_primitives::{Hash, Pair};
    use agora_runtime::{Call, SignedTransaction};
    use parity_scale_codec::Encode;
    use proptest::prelude::*;

    fn sample() -> Vec<u8> {
        let pair = Pair::from_seed(&[3; 32]);
        let call = Call::SetWeights {
            netuid: agora_primitives::NetUid(1),
            dests: vec![0, 1],
            weights: vec![1, 2],
            version_key: 0,
        };
        SignedTransaction::sign(&pair, &Hash([1; 32]), 7, call).encode()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any bytes: an error or a transaction, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = SignedTransaction::decode_checked(&bytes);
        }

        /// A valid transaction with one byte changed, or cut short: still no panic, and whatever
        /// decodes re-encodes within the bytes it came from.
        #[test]
        fn mutated_transactions_never_panic(pos in 0usize..400, byte in any::<u8>(), cut in 0usize..400) {
            let mut bytes = sample();
            let pos = pos % bytes.len();
            bytes[pos] = byte;
            if let Ok(tx) = SignedTransaction::decode_checked(&bytes) {
                prop_assert!(tx.encode().len() <= bytes.len());
            }
            let cut = cut % bytes.len();
            let _ = SignedTransaction::decode_checked(&bytes[..cut]);
        }
    }
}
