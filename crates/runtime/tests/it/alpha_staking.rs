//! The reference's staking tests (`pallets/subtensor/src/tests/staking.rs`) that pin numbers in
//! the dynamic economy, by name, on its mock's footing (the coinbase ports' [`network`]): pools
//! written straight into state, stake seeded with the harness's `increase_stake`, and the calls
//! applied as signed transactions in the current block without its hooks, as the mock's direct
//! dispatches are.

use agora_primitives::{Balance, NetUid};
use agora_runtime::harness::{apply_in_current_block, increase_stake};
use agora_runtime::state::TOTAL_STAKE;
use agora_runtime::{Call, DispatchError, SignedTransaction, query};

use crate::coinbase::{commit, edit_pool, network, pool, setup_reserves};
use crate::common::*;

/// Signs `call` as `signer` and applies it in the current block.
fn dispatch(chain: &mut Chain, signer: &str, call: Call) -> Result<(), DispatchError> {
    let nonce = query::nonce(&chain.state, &acc(signer));
    let tx = SignedTransaction::sign(&key(signer), &chain.genesis_hash, nonce, call);
    let (outcome, receipts) = apply_in_current_block(&chain.state, &[tx]).unwrap();
    commit(chain, outcome);
    receipts[0].result
}

fn seed(chain: &mut Chain, hotkey: &str, coldkey: &str, netuid: NetUid, alpha: u64) {
    let outcome = increase_stake(&chain.state, &acc(hotkey), &acc(coldkey), netuid, alpha).unwrap();
    commit(chain, outcome);
}

/// The owner's 10 alpha on a 100 / 100 TAO pool: unstaking all of it pays ≈ 9.086 TAO.
fn full_limit_network() -> Chain {
    let mut chain = network(1);
    seed(&mut chain, "owner-hk-1", "owner", NetUid(1), 10_000_000_000);
    setup_reserves(&mut chain, 1, 100_000_000_000, 100_000_000_000);
    chain
}

fn remove_full(limit_price: Option<u64>) -> Call {
    Call::RemoveStakeFullLimit { hotkey: acc("owner-hk-1"), netuid: NetUid(1), limit_price }
}

#[test]
fn test_remove_stake_full_limit_ok() {
    let mut chain = full_limit_network();
    let before = chain.balance(&acc("owner"));
    dispatch(&mut chain, "owner", remove_full(Some(90_000_000))).unwrap();
    assert_eq!(chain.stake(&acc("owner"), &acc("owner-hk-1"), 1), 0);
    let paid = chain.balance(&acc("owner")) - before;
    assert!(paid.abs_diff(9_086_000_000) <= 1_000_000, "{paid}");
}

#[test]
fn test_remove_stake_full_limit_fails_slippage_too_high() {
    let mut chain = full_limit_network();
    let before = chain.balance(&acc("owner"));
    assert_eq!(dispatch(&mut chain, "owner", remove_full(Some(910_000_000))), Err(DispatchError::SlippageTooHigh));
    assert_eq!(chain.stake(&acc("owner"), &acc("owner-hk-1"), 1), 10_000_000_000, "nothing lost");
    assert_eq!(chain.balance(&acc("owner")), before);
}

#[test]
fn test_remove_stake_full_limit_ok_with_no_limit_price() {
    let mut chain = full_limit_network();
    let before = chain.balance(&acc("owner"));
    dispatch(&mut chain, "owner", remove_full(None)).unwrap();
    assert_eq!(chain.stake(&acc("owner"), &acc("owner-hk-1"), 1), 0);
    let paid = chain.balance(&acc("owner")) - before;
    assert!(paid.abs_diff(9_086_000_000) <= 1_000_000, "{paid}");
}

const STAKE_AMOUNT: u64 = 1_000_000_000;

/// A root-registered hotkey; root's pool holds `tao` TAO, `alpha_in` and `alpha_out`.
fn root_network(tao: u64, alpha_in: u64, alpha_out: u64) -> Chain {
    let mut chain = network(1);
    dispatch(&mut chain, "alice", Call::RootRegister { hotkey: acc("alice-hk") }).unwrap();
    edit_pool(&mut chain, 0, |p| {
        p.tao = tao;
        p.alpha_in = alpha_in;
        p.alpha_out = alpha_out;
        p.volume = 0;
    });
    chain
}

/// Staking 1 TAO on root moves it into root's pool one for one: TAO in, alpha from in to out,
/// volume and total stake up by the amount.
#[test]
fn test_add_root_updates_counters() {
    let mut chain = root_network(0, STAKE_AMOUNT, 0);
    let total_stake = TOTAL_STAKE.get(&chain.state);
    let call =
        Call::AddStake { hotkey: acc("alice-hk"), netuid: NetUid::ROOT, amount: Balance::from_rao(STAKE_AMOUNT) };
    dispatch(&mut chain, "alice", call).unwrap();
    assert_eq!(chain.stake(&acc("alice"), &acc("alice-hk"), 0), STAKE_AMOUNT);
    assert_eq!(TOTAL_STAKE.get(&chain.state) - total_stake, STAKE_AMOUNT);
    let root = pool(&chain, 0);
    assert_eq!((root.tao, root.alpha_in, root.alpha_out), (STAKE_AMOUNT, 0, STAKE_AMOUNT));
    assert_eq!(root.volume, u128::from(STAKE_AMOUNT));
}

/// Unstaking it moves it back: TAO out, alpha from out to in.
#[test]
fn test_remove_root_updates_counters() {
    let mut chain = root_network(STAKE_AMOUNT, 0, STAKE_AMOUNT);
    seed(&mut chain, "alice-hk", "alice", NetUid::ROOT, STAKE_AMOUNT);
    edit_pool(&mut chain, 0, |p| {
        p.tao = STAKE_AMOUNT;
        p.alpha_out = STAKE_AMOUNT;
    });
    let total_stake = TOTAL_STAKE.get(&chain.state);
    let call =
        Call::RemoveStake { hotkey: acc("alice-hk"), netuid: NetUid::ROOT, amount: Balance::from_rao(STAKE_AMOUNT) };
    dispatch(&mut chain, "alice", call).unwrap();
    assert_eq!(chain.stake(&acc("alice"), &acc("alice-hk"), 0), 0);
    assert_eq!(total_stake - TOTAL_STAKE.get(&chain.state), STAKE_AMOUNT);
    let root = pool(&chain, 0);
    assert_eq!((root.tao, root.alpha_in, root.alpha_out), (0, STAKE_AMOUNT, 0));
    assert_eq!(root.volume, u128::from(STAKE_AMOUNT));
}

/// Subnet 1's pool at `tao` / `alpha` (price `tao / alpha`).
fn priced_network(tao: u64, alpha: u64) -> Chain {
    let mut chain = network(1);
    setup_reserves(&mut chain, 1, tao, alpha);
    chain
}

fn add_limit(amount: u64, limit_price: u64, allow_partial: bool) -> Call {
    Call::AddStakeLimit {
        hotkey: acc("owner-hk-1"),
        netuid: NetUid(1),
        amount: Balance::from_rao(amount),
        limit_price,
        allow_partial,
    }
}

fn remove_limit(amount: u64, limit_price: u64, allow_partial: bool) -> Call {
    Call::RemoveStakeLimit { hotkey: acc("owner-hk-1"), netuid: NetUid(1), amount, limit_price, allow_partial }
}

/// Price 1.5, limit 24 (at most 450 TAO fits): 900 TAO all-or-nothing is refused and changes
/// nothing; 150 TAO fits.
#[test]
fn test_add_stake_limit_fill_or_kill() {
    let mut chain = priced_network(150_000_000_000, 100_000_000_000);
    assert_eq!(pool(&chain, 1).pool().price(), agora_economy::fixed::U64F64::from_num(1.5));
    let before = (chain.balance(&acc("alice")), pool(&chain, 1));
    let limit = 24_000_000_000;
    assert_eq!(
        dispatch(&mut chain, "alice", add_limit(900_000_000_000, limit, false)),
        Err(DispatchError::SlippageTooHigh)
    );
    assert_eq!((chain.balance(&acc("alice")), pool(&chain, 1)), before, "nothing moved");
    dispatch(&mut chain, "alice", add_limit(150_000_000_000, limit, false)).unwrap();
    assert!(chain.stake(&acc("alice"), &acc("owner-hk-1"), 1) > 0);
}

/// 1,000× the 1,000-rao TAO reserve plus one, at the highest limit with partial execution:
/// `InsufficientLiquidity`, nothing charged.
#[test]
fn test_add_stake_limit_rejects_input_over_swap_reserve_cap() {
    let mut chain = priced_network(1_000, 1_000_000_000);
    let before = chain.balance(&acc("alice"));
    let call = add_limit(1_000 * 1_000 + 1, agora_economy::swap::MAX_PRICE_RAO, true);
    assert_eq!(dispatch(&mut chain, "alice", call), Err(DispatchError::InsufficientLiquidity));
    assert_eq!(chain.balance(&acc("alice")), before);
}

/// The reference's case from a live chain: a limit below the spot price with partial execution
/// is `PriceLimitExceeded`, not a zero-sized stake.
#[test]
fn test_add_stake_limit_partial_zero_max_stake_amount_error() {
    let mut chain = priced_network(5_032_494_439_940, 186_268_425_402_874);
    let call = add_limit(19_980_000_000, 26_953_618, true);
    assert_eq!(dispatch(&mut chain, "alice", call), Err(DispatchError::PriceLimitExceeded));
}

/// 300 TAO staked into a 100 / 100 pool, then half of it unstaked at 99 % of the price with
/// partial execution: only what keeps the price above the limit is sold, ≈ 0.138 % of the
/// original alpha reserve plus the fee (±10 %).
#[test]
fn test_remove_stake_limit_ok() {
    let alpha_in = 100_000_000_000u64;
    let mut chain = priced_network(100_000_000_000, alpha_in);
    let add =
        Call::AddStake { hotkey: acc("owner-hk-1"), netuid: NetUid(1), amount: Balance::from_rao(300_000_000_000) };
    dispatch(&mut chain, "alice", add).unwrap();
    let alpha_before = chain.stake(&acc("alice"), &acc("owner-hk-1"), 1);
    let current_price = pool(&chain, 1).pool().price().to_num::<f64>();
    let limit_price = (current_price * 990_000_000f64) as u64;
    let expected = (0.00138 * alpha_in as f64) as u64;
    let fee = (expected as f64 * 0.003) as u64;
    dispatch(&mut chain, "alice", remove_limit(alpha_before / 2, limit_price, true)).unwrap();
    let reduction = alpha_before - chain.stake(&acc("alice"), &acc("owner-hk-1"), 1);
    assert!(reduction.abs_diff(expected + fee) <= expected / 10, "{reduction} vs {}", expected + fee);
}

/// Price 1.5, limit 1.35: unstaking 150 alpha all-or-nothing would push it lower and is refused;
/// 1.5 alpha goes through.
#[test]
fn test_remove_stake_limit_fill_or_kill() {
    let mut chain = priced_network(150_000_000_000, 100_000_000_000);
    seed(&mut chain, "owner-hk-1", "alice", NetUid(1), 300_000_000_000);
    setup_reserves(&mut chain, 1, 150_000_000_000, 100_000_000_000);
    let (unstake, limit) = (150_000_000_000u64, 1_350_000_000u64);
    assert_eq!(dispatch(&mut chain, "alice", remove_limit(unstake, limit, false)), Err(DispatchError::SlippageTooHigh));
    assert_eq!(chain.stake(&acc("alice"), &acc("owner-hk-1"), 1), 300_000_000_000, "nothing lost");
    dispatch(&mut chain, "alice", remove_limit(unstake / 100, limit, false)).unwrap();
    assert_eq!(chain.stake(&acc("alice"), &acc("owner-hk-1"), 1), 300_000_000_000 - unstake / 100);
}
