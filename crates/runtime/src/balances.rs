//! Free balances, issuance bookkeeping and `transfer`.
//!
//! Conservation: `TotalIssuance = Σ free + Σ stake + Σ locked + Σ pending emission` holds after
//! every call and block. Minting (block emission) and recycling (registration burns, rounding
//! dust, fees with no author) are the only ways issuance changes.

use agora_primitives::{AccountId, Balance};

use crate::context::Ctx;
use crate::error::{DispatchError, DispatchResult};
use crate::event::Event;
use crate::state::{BALANCES, TOTAL_ISSUANCE, TOTAL_RECYCLED};
use crate::storage::StorageRead;

/// Free balance of `who` (rao).
pub fn free_balance(s: &(impl StorageRead + ?Sized), who: &AccountId) -> u64 {
    BALANCES.get(s, who)
}

/// Adds to a free balance.
pub(crate) fn deposit(cx: &mut Ctx, who: &AccountId, amount: u64) -> DispatchResult {
    let new = free_balance(cx.s, who).checked_add(amount).ok_or(DispatchError::ArithmeticOverflow)?;
    BALANCES.set(cx.s, who, &new);
    Ok(())
}

/// Takes from a free balance; `err` if it is too low.
pub(crate) fn withdraw(cx: &mut Ctx, who: &AccountId, amount: u64, err: DispatchError) -> DispatchResult {
    let new = free_balance(cx.s, who).checked_sub(amount).ok_or(err)?;
    BALANCES.set(cx.s, who, &new);
    Ok(())
}

/// Creates `amount` new TAO (block emission). The caller puts it somewhere.
pub(crate) fn mint(cx: &mut Ctx, amount: u64) -> DispatchResult {
    TOTAL_ISSUANCE.mutate(cx.s, |i| {
        *i = i.checked_add(amount).ok_or(DispatchError::ArithmeticOverflow)?;
        Ok(())
    })
}

/// Removes `amount` TAO (already taken from somewhere) from issuance.
pub(crate) fn recycle(cx: &mut Ctx, amount: u64) {
    TOTAL_ISSUANCE.mutate(cx.s, |i| *i = i.saturating_sub(amount));
    TOTAL_RECYCLED.mutate(cx.s, |r| *r = r.saturating_add(amount));
}

/// `transfer(dest, amount)`: keep-alive transfer of free balance.
///
/// Checks, in order: the sender holds `amount` (`InsufficientBalance`); the sender keeps at least
/// the existential deposit (`Expendability`); the recipient ends with at least the existential
/// deposit (`ExistentialDeposit`). A zero or self transfer is a no-op that succeeds.
/// `transfer_all(dest)`: everything above the existential deposit (the fee was taken before).
/// `InsufficientBalance` when nothing is above it.
pub(crate) fn do_transfer_all(cx: &mut Ctx, from: &AccountId, dest: &AccountId) -> DispatchResult {
    let ed = cx.params().existential_deposit;
    let amount = free_balance(cx.s, from).saturating_sub(ed);
    if amount == 0 {
        return Err(DispatchError::InsufficientBalance);
    }
    do_transfer(cx, from, dest, Balance(amount))
}

pub(crate) fn do_transfer(cx: &mut Ctx, from: &AccountId, dest: &AccountId, amount: Balance) -> DispatchResult {
    let ed = cx.params().existential_deposit;
    let amount = amount.rao();
    let from_balance = free_balance(cx.s, from);
    let remaining = from_balance.checked_sub(amount).ok_or(DispatchError::InsufficientBalance)?;
    if amount == 0 || from == dest {
        return Ok(());
    }
    if remaining < ed {
        return Err(DispatchError::Expendability);
    }
    let dest_new = free_balance(cx.s, dest).checked_add(amount).ok_or(DispatchError::ArithmeticOverflow)?;
    if dest_new < ed {
        return Err(DispatchError::ExistentialDeposit);
    }
    BALANCES.set(cx.s, from, &remaining);
    BALANCES.set(cx.s, dest, &dest_new);
    cx.emit(Event::Transfer { from: *from, to: *dest, amount: Balance(amount) });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{MemoryStorage, Overlay};

    #[test]
    fn deposit_overflow_is_a_typed_error() {
        let who = AccountId([1; 32]);
        let mut state = MemoryStorage::new();
        BALANCES.set(&mut state, &who, &u64::MAX);
        let mut overlay = Overlay::new(&state);
        let mut events = Vec::new();
        let mut cx = Ctx { s: &mut overlay, block: 1, events: &mut events };
        assert_eq!(deposit(&mut cx, &who, 1), Err(DispatchError::ArithmeticOverflow));
        assert_eq!(mint(&mut cx, u64::MAX), Ok(()));
        assert_eq!(mint(&mut cx, 1), Err(DispatchError::ArithmeticOverflow));
    }
}
