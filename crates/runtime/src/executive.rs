//! Executing blocks and validating transactions.
//!
//! ```text
//! execute_block(state, block)
//!   height must be parent + 1
//!   block hooks (before transactions, like the reference's on_initialize):
//!     registration prices decay → block emission minted into subnets' pending emission
//!     → due epochs run and pay out
//!   for each transaction, in order:
//!     validity: signature for this chain, nonce == account nonce, fee payable
//!               (fee_for: tx_fee, or 0 for a registered hotkey's weights/axon on its subnet)
//!               (an invalid transaction makes the whole block invalid: BlockError)
//!     nonce += 1, fee → block author (recycled if none)
//!     dispatch the call in its own overlay: kept if Ok, dropped if Err (receipt records the error)
//!   state root: LtHash updated with every changed key
//! ```
//!
//! # Atomicity
//!
//! Nothing is written to the caller's state: the outcome carries a [`ChangeSet`] that the node
//! commits in one database transaction. Within a block, each call runs in a child overlay merged
//! only on success, so a failed call changes nothing but its signer's nonce and fee.

use agora_primitives::{AccountId, Balance, BlockNumber, Hash};
use parity_scale_codec::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::balances::{deposit, free_balance, recycle};
use crate::call::Call;
use crate::context::Ctx;
use crate::error::{BlockError, DispatchResult, TransactionError};
use crate::event::Event;
use crate::state::{BALANCES, BLOCK_NUMBER, GLOBAL_PARAMS, NONCES, SWAP_FEES, TIMESTAMP};
use crate::storage::{ChangeSet, LtHash, Overlay, Storage, StorageRead};
use crate::storage::{META_LTHASH_KEY, META_PREFIX};
use crate::transaction::Transaction;

/// Where the genesis hash is kept (bookkeeping: derived from the genesis state root).
pub const META_GENESIS_HASH_KEY: &[u8] = b"\0meta/genesis_hash";

/// What the proposer puts in a block besides transactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockInput<'a> {
    /// Height: the state's height plus one.
    pub height: BlockNumber,
    /// Proposer's timestamp in milliseconds (bounds are the node's business).
    pub timestamp_ms: u64,
    /// Receives transaction fees; `None` recycles them.
    pub author: Option<AccountId>,
    /// Transactions, in execution order.
    pub transactions: &'a [Transaction],
}

/// The result of one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct Receipt {
    /// Transaction hash.
    pub tx_hash: Hash,
    /// Signer.
    pub signer: AccountId,
    /// Nonce used.
    pub nonce: u64,
    /// Reference name of the call.
    pub call: String,
    /// Fee paid.
    pub fee: Balance,
    /// `Ok` or the reference error name.
    pub result: Result<(), crate::error::DispatchError>,
    /// Events of this transaction (only the fee event when it failed).
    pub events: Vec<Event>,
}

/// Everything a block did.
#[derive(Clone, Debug)]
pub struct BlockOutcome {
    /// Writes to commit atomically.
    pub changes: ChangeSet,
    /// State root after the block.
    pub state_root: Hash,
    /// One receipt per transaction.
    pub receipts: Vec<Receipt>,
    /// Events of the block hooks (emission, epochs).
    pub events: Vec<Event>,
}

/// The genesis hash of the chain in `state` (the domain of every transaction signature).
pub fn genesis_hash(state: &(impl StorageRead + ?Sized)) -> Option<Hash> {
    state.get(META_GENESIS_HASH_KEY).and_then(|b| Hash::decode(&mut &b[..]).ok())
}

/// The state root of `state` as last committed (the empty-state root for an empty store).
pub fn state_root(state: &(impl StorageRead + ?Sized)) -> Hash {
    LtHash::load(state).root()
}

/// Whether `call` by `signer` is free when it succeeds: what a hotkey does on a subnet it is
/// registered on (weights, commits, reveals, its axon), which the reference declares
/// `Pays::No`, so a validator's hotkey needs no balance. A failing free call pays the fee after
/// all, and is not includable when the signer cannot pay it, so failing calls never fill blocks
/// for nothing.
pub fn is_free_call(state: &(impl StorageRead + ?Sized), signer: &AccountId, call: &Call) -> bool {
    let netuid = match call {
        Call::SetWeights { netuid, .. }
        | Call::CommitWeights { netuid, .. }
        | Call::RevealWeights { netuid, .. }
        | Call::ServeAxon { netuid, .. } => *netuid,
        _ => return false,
    };
    crate::state::UIDS.contains(state, &(netuid, *signer))
}

/// The fee `signer` pays up front for `call`: the chain's `tx_fee`, or nothing for a free call
/// ([`is_free_call`]).
pub fn fee_for(state: &(impl StorageRead + ?Sized), signer: &AccountId, call: &Call) -> u64 {
    if is_free_call(state, signer, call) { 0 } else { GLOBAL_PARAMS.get(state).tx_fee }
}

/// Runs `tx` as the next block would run it first, on a scratch copy of `state`: its receipt,
/// or why it is not includable. A mempool uses it to refuse a free call that would fail and
/// cannot pay ([`TransactionError::FreeCallFails`]).
pub fn dry_run(state: &(impl StorageRead + ?Sized), tx: &Transaction) -> Result<Receipt, TransactionError> {
    let mut scratch = Overlay::new(state);
    let height = BLOCK_NUMBER.get(state) + 1;
    BLOCK_NUMBER.set(&mut scratch, &height);
    apply_transaction(&mut scratch, height, None, tx)
}

/// Checks that `tx` could be included now: limits, signature for this chain (of Agora's own
/// envelope; an [`Transaction::Authenticated`] one was checked by the host), nonce, fee.
///
/// `FutureNonce` means "valid later": a mempool keeps it until the gap is filled.
pub fn validate_transaction(state: &(impl StorageRead + ?Sized), tx: &Transaction) -> Result<(), TransactionError> {
    let len = tx.call().longest_vector();
    if len > crate::call::MAX_WEIGHTS_LEN {
        return Err(TransactionError::VectorTooLong { len, max: crate::call::MAX_WEIGHTS_LEN });
    }
    let genesis = genesis_hash(state).ok_or(TransactionError::BadSignature)?;
    if let Transaction::Signed(signed) = tx
        && !signed.verify_signature(&genesis)
    {
        return Err(TransactionError::BadSignature);
    }
    let (signer, nonce) = (tx.signer(), tx.nonce());
    let expected = NONCES.get(state, signer);
    if nonce < expected {
        return Err(TransactionError::StaleNonce { expected, got: nonce });
    }
    if nonce > expected {
        return Err(TransactionError::FutureNonce { expected, got: nonce });
    }
    let fee = fee_for(state, signer, tx.call());
    let balance = free_balance(state, signer);
    if balance < fee {
        return Err(TransactionError::CannotPayFee { balance, fee });
    }
    Ok(())
}

/// Routes a call to its implementation with `signer` as origin.
pub(crate) fn dispatch(cx: &mut Ctx, signer: &AccountId, call: &Call) -> DispatchResult {
    use crate::*;
    match call {
        Call::Transfer { dest, amount } => balances::do_transfer(cx, signer, dest, *amount),
        Call::TransferAll { dest } => balances::do_transfer_all(cx, signer, dest),
        Call::RegisterNetwork { hotkey } => subnets::do_register_network(cx, signer, hotkey),
        Call::StartCall { netuid } => subnets::do_start_call(cx, signer, *netuid),
        Call::SetSubnetIdentity { netuid, identity } => {
            subnets::do_set_subnet_identity(cx, signer, *netuid, identity.clone())
        }
        Call::SudoSetHyperparameter { netuid, update } => {
            admin::do_set_hyperparameter(cx, signer, *netuid, update.clone())
        }
        Call::SudoSetGlobal { update } => admin::do_set_global(cx, signer, update.clone()),
        Call::BurnedRegister { netuid, hotkey } => registration::do_burned_register(cx, signer, *netuid, hotkey),
        Call::AddStakeLimit { hotkey, netuid, amount, limit_price, allow_partial } => {
            staking::do_add_stake_limit(cx, signer, hotkey, *netuid, *amount, *limit_price, *allow_partial)
        }
        Call::RemoveStakeLimit { hotkey, netuid, amount, limit_price, allow_partial } => {
            staking::do_remove_stake_limit(cx, signer, hotkey, *netuid, *amount, *limit_price, *allow_partial)
        }
        Call::RegisterLimit { netuid, hotkey, limit_price } => {
            registration::do_register_limit(cx, signer, *netuid, hotkey, *limit_price)
        }
        Call::ServeAxon { netuid, version, ip, port, ip_type, protocol, placeholder1, placeholder2 } => {
            serving::do_serve_axon(
                cx,
                signer,
                *netuid,
                *version,
                *ip,
                *port,
                *ip_type,
                *protocol,
                *placeholder1,
                *placeholder2,
            )
        }
        Call::AddStake { hotkey, netuid, amount } => staking::do_add_stake(cx, signer, hotkey, *netuid, *amount),
        Call::RemoveStake { hotkey, netuid, amount } => staking::do_remove_stake(cx, signer, hotkey, *netuid, *amount),
        Call::MoveStake { origin_hotkey, destination_hotkey, origin_netuid, destination_netuid, amount } => {
            stake_moves::do_move_stake(
                cx,
                signer,
                origin_hotkey,
                destination_hotkey,
                *origin_netuid,
                *destination_netuid,
                *amount,
            )
        }
        Call::TransferStake { destination_coldkey, hotkey, origin_netuid, destination_netuid, amount } => {
            stake_moves::do_transfer_stake(
                cx,
                signer,
                destination_coldkey,
                hotkey,
                *origin_netuid,
                *destination_netuid,
                *amount,
            )
        }
        Call::SwapStake { hotkey, origin_netuid, destination_netuid, amount } => {
            stake_moves::do_swap_stake(cx, signer, hotkey, *origin_netuid, *destination_netuid, *amount)
        }
        Call::SwapStakeLimit { hotkey, origin_netuid, destination_netuid, amount, limit_price, allow_partial } => {
            stake_moves::do_swap_stake_limit(
                cx,
                signer,
                hotkey,
                (*origin_netuid, *destination_netuid),
                *amount,
                *limit_price,
                *allow_partial,
            )
        }
        Call::RemoveStakeFullLimit { hotkey, netuid, limit_price } => {
            let alpha = crate::staking::stake_of(cx.s, hotkey, *netuid, signer);
            match limit_price {
                Some(limit) => staking::do_remove_stake_limit(cx, signer, hotkey, *netuid, alpha, *limit, false),
                None => staking::do_remove_stake(cx, signer, hotkey, *netuid, agora_primitives::Balance(alpha)),
            }
        }
        Call::UnstakeAll { hotkey } => stake_moves::do_unstake_all(cx, signer, hotkey, false),
        Call::UnstakeAllAlpha { hotkey } => stake_moves::do_unstake_all(cx, signer, hotkey, true),
        Call::RecycleAlpha { hotkey, amount, netuid } => {
            stake_moves::do_recycle_alpha(cx, signer, hotkey, *amount, *netuid, false)
        }
        Call::BurnAlpha { hotkey, amount, netuid } => {
            stake_moves::do_recycle_alpha(cx, signer, hotkey, *amount, *netuid, true)
        }
        Call::ClaimRoot { subnets } => root_claims::do_claim_root(cx, signer, subnets),
        Call::SetRootClaimType { claim_type } => root_claims::do_set_root_claim_type(cx, signer, claim_type),
        Call::IncreaseTake { hotkey, take } => staking::do_increase_take(cx, signer, hotkey, *take),
        Call::DecreaseTake { hotkey, take } => staking::do_decrease_take(cx, signer, hotkey, *take),
        Call::RootRegister { hotkey } => root::do_root_register(cx, signer, hotkey),
        Call::SetWeights { netuid, dests, weights, version_key } => {
            weights::do_set_weights(cx, signer, *netuid, dests, weights, *version_key)
        }
        Call::CommitWeights { netuid, commit_hash } => weights::do_commit_weights(cx, signer, *netuid, *commit_hash),
        Call::RevealWeights { netuid, uids, values, salt, version_key } => {
            weights::do_reveal_weights(cx, signer, *netuid, uids, values, salt, *version_key)
        }
    }
}

/// The block hooks, run before the block's transactions.
fn block_step(cx: &mut Ctx) -> DispatchResult {
    crate::registration::update_registration_prices(cx);
    if crate::pools::is_dynamic(cx.s) {
        crate::alpha_emission::run_coinbase(cx)?;
    } else {
        crate::emission::run_coinbase(cx)?;
    }
    crate::epoch::run_due_epochs(cx)?;
    if crate::pools::is_dynamic(cx.s) {
        crate::root_claims::run_auto_claim(cx);
    }
    Ok(())
}

/// Runs `f` in a child overlay of `parent`, keeping its writes (and events) only if it succeeds.
pub(crate) fn atomically(
    parent: &mut dyn Storage,
    block: u64,
    events: &mut Vec<Event>,
    f: impl FnOnce(&mut Ctx) -> DispatchResult,
) -> DispatchResult {
    let mut own_events = Vec::new();
    let (result, changes) = {
        let mut child = Overlay::new(&*parent);
        let mut cx = Ctx { s: &mut child, block, events: &mut own_events };
        let result = f(&mut cx);
        (result, child.into_changes())
    };
    if result.is_ok() {
        changes.apply_to(parent);
        events.extend(own_events);
    }
    result
}

/// Updates the state commitment for `changes` made on top of `base`, and records it in `changes`.
pub(crate) fn commit_root<B: StorageRead>(base: &(impl StorageRead + ?Sized), overlay: &mut Overlay<B>) -> Hash {
    let mut acc = LtHash::load(base);
    for (key, new) in overlay.changes().entries() {
        if key.starts_with(META_PREFIX) {
            continue;
        }
        let old = base.get(key);
        if old == *new {
            continue; // rewritten with the same value: nothing to update
        }
        if let Some(old) = old {
            acc.remove(key, &old);
        }
        if let Some(new) = new {
            acc.insert(key, new);
        }
    }
    overlay.put(META_LTHASH_KEY, acc.to_bytes());
    acc.root()
}

/// Applies one transaction inside the block being built in `block`: validity, nonce, fee, then
/// the call in its own overlay. An invalid transaction changes nothing.
pub(crate) fn apply_transaction<B: StorageRead>(
    block: &mut Overlay<B>,
    height: u64,
    author: Option<AccountId>,
    tx: &Transaction,
) -> Result<Receipt, TransactionError> {
    validate_transaction(&*block, tx)?;
    let (signer, nonce, call) = (*tx.signer(), tx.nonce(), tx.call());
    let tx_fee = GLOBAL_PARAMS.get(&*block).tx_fee;
    let mut events = Vec::new();
    let (fee, result) = if tx_fee > 0 && is_free_call(&*block, &signer, call) {
        // Free when it succeeds. Calls never read nonces, so the call may run first.
        let result = atomically(block, height, &mut events, |cx| dispatch(cx, &signer, call));
        match result {
            Ok(()) => (0, result),
            Err(error) if free_balance(&*block, &signer) < tx_fee => {
                return Err(TransactionError::FreeCallFails { error, fee: tx_fee });
            }
            Err(_) => {
                charge_fee(block, height, author, &signer, tx_fee, &mut events);
                (tx_fee, result)
            }
        }
    } else {
        charge_fee(block, height, author, &signer, tx_fee, &mut events);
        (tx_fee, atomically(block, height, &mut events, |cx| dispatch(cx, &signer, call)))
    };
    settle_swap_fees(block, height, author, &mut events);
    NONCES.set(block, &signer, &(nonce + 1));
    Ok(Receipt { tx_hash: tx.hash(), signer, nonce, call: call.name().to_string(), fee: Balance(fee), result, events })
}

/// Takes `fee` from `signer` (who can pay it: checked by validation) for the block author, or
/// recycles it when the block has none.
fn charge_fee<B: StorageRead>(
    block: &mut Overlay<B>,
    height: u64,
    author: Option<AccountId>,
    signer: &AccountId,
    fee: u64,
    events: &mut Vec<Event>,
) {
    if fee == 0 {
        return;
    }
    let balance = free_balance(&*block, signer);
    BALANCES.set(block, signer, &(balance - fee));
    // Cannot fail: the fee was just taken from a balance, so the author's cannot overflow.
    let _ = atomically(block, height, &mut Vec::new(), |cx| {
        match author {
            Some(author) => deposit(cx, &author, fee)?,
            None => recycle(cx, fee),
        }
        Ok(())
    });
    events.push(Event::FeePaid { who: *signer, author, amount: Balance(fee) });
}

/// Pays the swap fees the transaction's call collected (dynamic TAO) to the block author, or
/// recycles them when the block has none.
fn settle_swap_fees<B: StorageRead>(
    block: &mut Overlay<B>,
    height: u64,
    author: Option<AccountId>,
    events: &mut Vec<Event>,
) {
    let fees = SWAP_FEES.get(&*block);
    if fees == 0 {
        return;
    }
    SWAP_FEES.set(block, &0);
    // Cannot fail: the fees were taken from balances in this transaction.
    let _ = atomically(block, height, &mut Vec::new(), |cx| {
        match author {
            Some(author) => deposit(cx, &author, fees)?,
            None => recycle(cx, fees),
        }
        Ok(())
    });
    events.push(Event::SwapFeesPaid { author, amount: Balance(fees) });
}

/// A block assembled by [`build_block`]: the transactions that made it in, and the outcome.
#[derive(Clone, Debug)]
pub struct BuiltBlock {
    /// The included transactions, in execution order.
    pub transactions: Vec<Transaction>,
    /// What executing them gives (identical to [`execute_block`] on the same input).
    pub outcome: BlockOutcome,
    /// Candidates left out, with the reason (a stale nonce, a bad signature, no fee...).
    pub rejected: Vec<(Hash, TransactionError)>,
}

/// Builds a block for a proposer: applies `candidates` in order on top of `state`, keeping each
/// transaction that is valid at its turn and skipping the rest, until `max_transactions` or
/// `max_bytes` (sum of the transactions' envelope sizes) is reached.
///
/// The result executes to the same outcome under [`execute_block`], so verifiers agree with the
/// proposer. A transaction with a future nonce is skipped (it is not an error for the block).
pub fn build_block(
    state: &(impl StorageRead + ?Sized),
    height: BlockNumber,
    timestamp_ms: u64,
    author: Option<AccountId>,
    candidates: impl IntoIterator<Item = Transaction>,
    max_transactions: usize,
    max_bytes: usize,
) -> Result<BuiltBlock, BlockError> {
    genesis_hash(state).ok_or(BlockError::NoGenesis)?;
    let parent = BlockNumber(BLOCK_NUMBER.get(state));
    if height != parent.next() {
        return Err(BlockError::WrongHeight { parent, got: height });
    }
    let height = height.get();
    let mut block = Overlay::new(state);
    BLOCK_NUMBER.set(&mut block, &height);
    TIMESTAMP.set(&mut block, &timestamp_ms);
    let mut hook_events = Vec::new();
    if let Err(error) = atomically(&mut block, height, &mut hook_events, block_step) {
        hook_events.push(Event::HookFailed { error });
    }
    let mut included = Vec::new();
    let mut receipts = Vec::new();
    let mut rejected = Vec::new();
    let mut bytes = 0usize;
    for tx in candidates {
        if included.len() >= max_transactions {
            break;
        }
        let size = tx.size();
        if bytes + size > max_bytes {
            continue;
        }
        match apply_transaction(&mut block, height, author, &tx) {
            Ok(receipt) => {
                bytes += size;
                receipts.push(receipt);
                included.push(tx);
            }
            Err(error) => rejected.push((tx.hash(), error)),
        }
    }
    let state_root = commit_root(state, &mut block);
    Ok(BuiltBlock {
        transactions: included,
        outcome: BlockOutcome { changes: block.into_changes(), state_root, receipts, events: hook_events },
        rejected,
    })
}

/// Executes a block on top of `state`, returning its writes, receipts, events and state root.
///
/// Deterministic: the same state and input give the same outcome on every machine.
pub fn execute_block(state: &(impl StorageRead + ?Sized), input: &BlockInput) -> Result<BlockOutcome, BlockError> {
    genesis_hash(state).ok_or(BlockError::NoGenesis)?;
    let parent = BlockNumber(BLOCK_NUMBER.get(state));
    if input.height != parent.next() {
        return Err(BlockError::WrongHeight { parent, got: input.height });
    }
    let height = input.height.get();
    let mut block = Overlay::new(state);
    BLOCK_NUMBER.set(&mut block, &height);
    TIMESTAMP.set(&mut block, &input.timestamp_ms);
    let mut hook_events = Vec::new();
    if let Err(error) = atomically(&mut block, height, &mut hook_events, block_step) {
        // Only reachable through an arithmetic bound that the supply cap rules out; the hooks'
        // writes are dropped so every node still agrees.
        hook_events.push(Event::HookFailed { error });
    }
    let mut receipts = Vec::with_capacity(input.transactions.len());
    for (index, tx) in input.transactions.iter().enumerate() {
        let receipt = apply_transaction(&mut block, height, input.author, tx)
            .map_err(|error| BlockError::InvalidTransaction { index, hash: tx.hash(), error })?;
        receipts.push(receipt);
    }
    let state_root = commit_root(state, &mut block);
    Ok(BlockOutcome { changes: block.into_changes(), state_root, receipts, events: hook_events })
}
