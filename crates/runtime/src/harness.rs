//! Entry points for the simulator and for tests that no transaction reaches: the reference's test
//! entry point `epoch(netuid, emission)`, replacing the neuron at a chosen uid, and the bonds reset.
//!
//! Each function reads a state, applies exactly what the corresponding runtime path does, and
//! returns the writes with the new state root (the caller commits them). They run at the state's
//! current block number and never touch block-level bookkeeping.

use agora_primitives::{AccountId, Hash, NetUid, Uid};

use crate::balances::mint;
use crate::context::Ctx;
use crate::epoch::{EpochPayout, run_epoch_and_pay, run_yuma_and_store};
use crate::error::DispatchError;
use crate::error::TransactionError;
use crate::event::Event;
use crate::executive::{Receipt, apply_transaction, commit_root};
use crate::staking::{create_account_if_non_existent, hotkey_owner};
use crate::state::{BLOCK_NUMBER, BONDS, KEYS, NETWORKS, UIDS};
use crate::storage::{ChangeSet, Overlay, StorageRead};
use crate::subnets::hyperparams;
use crate::transaction::{SignedTransaction, Transaction};

/// What a harness step wrote.
#[derive(Clone, Debug)]
pub struct HarnessOutcome {
    /// Writes to commit.
    pub changes: ChangeSet,
    /// State root after them.
    pub state_root: Hash,
    /// Events emitted.
    pub events: Vec<Event>,
    /// Totals paid, for a paying epoch.
    pub payout: Option<EpochPayout>,
}

fn run<S: StorageRead + ?Sized>(
    state: &S,
    f: impl FnOnce(&mut Ctx) -> Result<Option<EpochPayout>, DispatchError>,
) -> Result<HarnessOutcome, DispatchError> {
    let mut overlay = Overlay::new(state);
    let mut events = Vec::new();
    let payout = {
        let block = BLOCK_NUMBER.get(state);
        let mut cx = Ctx { s: &mut overlay, block, events: &mut events };
        f(&mut cx)?
    };
    let state_root = commit_root(state, &mut overlay);
    Ok(HarnessOutcome { changes: overlay.into_changes(), state_root, events, payout })
}

/// Applies `transactions` within the state's current block (no block hooks, height unchanged),
/// as further extrinsics of that block would be. Returns the writes, the receipts and the root; an
/// invalid transaction is an error and nothing is written.
pub fn apply_in_current_block(
    state: &(impl StorageRead + ?Sized),
    transactions: &[SignedTransaction],
) -> Result<(HarnessOutcome, Vec<Receipt>), (usize, TransactionError)> {
    let mut overlay = Overlay::new(state);
    let height = BLOCK_NUMBER.get(state);
    let mut receipts = Vec::with_capacity(transactions.len());
    for (index, tx) in transactions.iter().enumerate() {
        let tx = Transaction::Signed(tx.clone());
        receipts.push(apply_transaction(&mut overlay, height, None, &tx).map_err(|e| (index, e))?);
    }
    let state_root = commit_root(state, &mut overlay);
    let events = receipts.iter().flat_map(|r| r.events.clone()).collect();
    Ok((HarnessOutcome { changes: overlay.into_changes(), state_root, events, payout: None }, receipts))
}

/// Runs `netuid`'s epoch now with `emission`, like the reference's `epoch(netuid, E)` test entry
/// point: outputs, bonds and permits are stored; the last-epoch block is not recorded. With `pay`,
/// `emission` is minted and distributed exactly as the block hook does (owner cut, incentive,
/// dividends with take, dust recycled).
pub fn run_epoch(
    state: &(impl StorageRead + ?Sized),
    netuid: NetUid,
    emission: u64,
    pay: bool,
) -> Result<HarnessOutcome, DispatchError> {
    if !NETWORKS.contains(state, &netuid) {
        return Err(DispatchError::SubnetNotExists);
    }
    run(state, |cx| {
        if pay {
            mint(cx, emission)?;
            run_epoch_and_pay(cx, netuid, emission).map(Some)
        } else {
            run_yuma_and_store(cx, netuid, emission);
            Ok(None)
        }
    })
}

/// Puts `hotkey` (owned by `coldkey`) at `uid` exactly as pruning replacement does: registration
/// block and last update = now, its weights and bonds rows deleted, other weights to it set to an
/// explicit 0, its outputs and permit cleared.
pub fn replace_neuron(
    state: &(impl StorageRead + ?Sized),
    netuid: NetUid,
    uid: Uid,
    hotkey: &AccountId,
    coldkey: &AccountId,
) -> Result<HarnessOutcome, DispatchError> {
    if !KEYS.contains(state, &(netuid, uid)) {
        return Err(DispatchError::HotKeyNotRegisteredInSubNet);
    }
    if UIDS.contains(state, &(netuid, *hotkey)) {
        return Err(DispatchError::HotKeyAlreadyRegisteredInSubNet);
    }
    if hotkey_owner(state, hotkey).is_some_and(|o| o != *coldkey) {
        return Err(DispatchError::NonAssociatedColdKey);
    }
    run(state, |cx| {
        create_account_if_non_existent(cx, coldkey, hotkey);
        crate::registration::replace_neuron(cx, netuid, uid, hotkey).ok_or(DispatchError::NoNeuronIdAvailable)?;
        Ok(None)
    })
}

/// The reference's bonds reset (`do_reset_bonds`): when `bonds_reset` is on for `netuid`, removes
/// column `uid` from every bonds row; otherwise changes nothing.
pub fn reset_bonds(
    state: &(impl StorageRead + ?Sized),
    netuid: NetUid,
    uid: Uid,
) -> Result<HarnessOutcome, DispatchError> {
    if !NETWORKS.contains(state, &netuid) {
        return Err(DispatchError::SubnetNotExists);
    }
    run(state, |cx| {
        if hyperparams(cx.s, netuid).bonds_reset {
            for ((_, row_uid), mut row) in BONDS.iter_prefix(cx.s, &netuid) {
                let before = row.len();
                row.retain(|(col, _)| *col != uid.0);
                if row.len() != before {
                    if row.is_empty() {
                        BONDS.remove(cx.s, &(netuid, row_uid));
                    } else {
                        BONDS.insert(cx.s, &(netuid, row_uid), &row);
                    }
                }
            }
        }
        Ok(None)
    })
}

/// Moves the state's block number to `block` without running block hooks (no emission, no
/// scheduled epochs): the simulator's clock when epochs run only on request. `block` must not be
/// below the current block.
pub fn set_block_number(state: &(impl StorageRead + ?Sized), block: u64) -> Result<HarnessOutcome, DispatchError> {
    if block < BLOCK_NUMBER.get(state) {
        return Err(DispatchError::InvalidValue);
    }
    run(state, |cx| {
        BLOCK_NUMBER.set(cx.s, &block);
        Ok(None)
    })
}

/// Dynamic TAO: what swapping `amount` through `netuid`'s pool gives, without a limit and
/// without changing anything (the reference's swap tests call the pool this way). The error is the
/// reference's name for the refusal.
pub fn quote_swap(
    state: &(impl StorageRead + ?Sized),
    netuid: NetUid,
    direction: agora_economy::Direction,
    amount: u64,
    drop_fees: bool,
) -> Result<agora_economy::SwapResult, DispatchError> {
    let pool = crate::pools::pool_state(state, netuid).ok_or(DispatchError::SubnetNotExists)?.pool();
    let limit = match direction {
        agora_economy::Direction::TaoForAlpha => agora_economy::swap::MAX_PRICE_RAO,
        agora_economy::Direction::AlphaForTao => agora_economy::swap::MIN_PRICE_RAO,
    };
    let minimum_reserve = crate::pools::dynamic_params(state).minimum_reserve;
    pool.quote(direction, amount, limit, drop_fees, minimum_reserve).map_err(crate::alpha_staking::swap_error)
}

/// Dynamic TAO: the reference's test entry point `run_coinbase(block_emission)`: this block's
/// coinbase with `emission` rao of TAO instead of the issuance curve's (shares by price EMA,
/// injection, chain buys, alpha out into the pending amounts, price EMAs), as the block hook runs
/// it. The TAO that enters pools is minted.
pub fn run_coinbase(state: &(impl StorageRead + ?Sized), emission: u64) -> Result<HarnessOutcome, DispatchError> {
    if !crate::pools::is_dynamic(state) {
        return Err(DispatchError::NotDynamic);
    }
    run(state, |cx| crate::alpha_emission::run_coinbase_with(cx, emission).map(|_| None))
}

/// The reference's test entry point `do_dissolve_network(netuid)`: removes the subnet as pruning
/// does (on a dynamic chain its pool's TAO is paid to its stakers pro rata, the largest remainders
/// first; the lock is refunded; every stake and all its state go).
pub fn dissolve_network(state: &(impl StorageRead + ?Sized), netuid: NetUid) -> Result<HarnessOutcome, DispatchError> {
    if netuid.is_root() || !NETWORKS.contains(state, &netuid) {
        return Err(DispatchError::SubnetNotExists);
    }
    run(state, |cx| crate::subnets::remove_network(cx, netuid).map(|_| None))
}

/// Dynamic TAO: the reference's test entry point `distribute_emission(netuid, server, validator,
/// root, owner_cut)`: runs `netuid`'s epoch on the pending amounts and pays them (incentive,
/// dividends with take, root dividends made claimable), as the epoch's block hook does.
pub fn distribute_emission(
    state: &(impl StorageRead + ?Sized),
    netuid: NetUid,
    pending: crate::pools::PendingAlpha,
) -> Result<HarnessOutcome, DispatchError> {
    if !crate::pools::is_dynamic(state) {
        return Err(DispatchError::NotDynamic);
    }
    run(state, |cx| crate::alpha_emission::run_epoch_and_pay(cx, netuid, pending).map(|_| None))
}

/// Dynamic TAO: the reference's `increase_stake_for_hotkey_and_coldkey_on_subnet`, which its test
/// mock seeds positions with: adds `alpha` to (`hotkey`, `coldkey`)'s position on `netuid` and
/// nothing else (no pool, no balance).
pub fn increase_stake(
    state: &(impl StorageRead + ?Sized),
    hotkey: &AccountId,
    coldkey: &AccountId,
    netuid: NetUid,
    alpha: u64,
) -> Result<HarnessOutcome, DispatchError> {
    run(state, |cx| crate::staking::increase_stake(cx, hotkey, netuid, coldkey, alpha).map(|_| None))
}
