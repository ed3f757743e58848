//! `add_stake`, `remove_stake`, share pools, and delegate takes.

use agora_primitives::{Balance, NetUid};
use agora_runtime::{Call, DispatchError, Event, GlobalUpdate, query};

use crate::common::*;

fn add(hotkey: &str, netuid: u16, amount: Balance) -> Call {
    Call::AddStake { hotkey: acc(hotkey), netuid: NetUid(netuid), amount }
}

fn remove(hotkey: &str, netuid: u16, amount: Balance) -> Call {
    Call::RemoveStake { hotkey: acc(hotkey), netuid: NetUid(netuid), amount }
}

#[test]
fn add_and_remove_stake_round_trip() {
    let mut chain = Chain::new(&base_config());
    let (r, events) = chain.submit_events(&key("alice"), add("owner-hk", 1, tao(100)));
    assert_eq!(r, Ok(()));
    assert!(events.contains(&Event::StakeAdded {
        coldkey: acc("alice"),
        hotkey: acc("owner-hk"),
        netuid: NetUid(1),
        amount: tao(100)
    }));
    assert_eq!(chain.stake(&acc("alice"), &acc("owner-hk"), 1), 100 * TAO);
    assert_eq!(chain.balance(&acc("alice")), 9_900 * TAO);
    let views = query::stakes_of_coldkey(&chain.state, &acc("alice"));
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].amount, tao(100));
    assert_eq!(chain.submit(&key("alice"), remove("owner-hk", 1, tao(40))), Ok(()));
    assert_eq!(chain.stake(&acc("alice"), &acc("owner-hk"), 1), 60 * TAO);
    assert_eq!(chain.submit(&key("alice"), remove("owner-hk", 1, tao(60))), Ok(()));
    assert_eq!(chain.stake(&acc("alice"), &acc("owner-hk"), 1), 0);
    assert_eq!(chain.balance(&acc("alice")), 10_000 * TAO);
    assert!(query::stakes_of_coldkey(&chain.state, &acc("alice")).is_empty());
}

#[test]
fn stake_on_root_is_allowed_without_start_call() {
    let mut config = base_config();
    config.root_validators.push(agora_runtime::genesis::GenesisKeys { hotkey: acc("rv"), coldkey: acc("bob") });
    let mut chain = Chain::new(&config);
    assert_eq!(chain.submit(&key("alice"), add("rv", 0, tao(5))), Ok(()));
    assert_eq!(chain.stake(&acc("alice"), &acc("rv"), 0), 5 * TAO);
}

#[test]
fn add_stake_error_paths() {
    let mut chain = Chain::new(&base_config());
    let alice = key("alice");
    chain.assert_fails(&alice, add("owner-hk", 9, tao(1)), DispatchError::SubnetNotExists);
    chain.assert_fails(&alice, add("owner-hk", 1, Balance(1_999_999)), DispatchError::AmountTooLow);
    chain.assert_fails(&alice, add("owner-hk", 1, tao(10_001)), DispatchError::NotEnoughBalanceToStake);
    chain.assert_fails(&alice, add("nobody-hk", 1, tao(1)), DispatchError::HotKeyAccountNotExists);
}

#[test]
fn remove_stake_error_paths() {
    let mut chain = Chain::new(&base_config());
    let alice = key("alice");
    chain.submit(&alice, add("owner-hk", 1, tao(10))).unwrap();
    chain.assert_fails(&alice, remove("owner-hk", 9, tao(1)), DispatchError::SubnetNotExists);
    chain.assert_fails(&alice, remove("owner-hk", 1, Balance(0)), DispatchError::AmountTooLow);
    // In the reference's order the missing-hotkey check comes last, after the stake check that an
    // unowned hotkey (which holds no stake) always fails first.
    chain.assert_fails(&alice, remove("nobody-hk", 1, tao(1)), DispatchError::NotEnoughStakeToWithdraw);
    chain.assert_fails(&alice, remove("owner-hk", 1, tao(11)), DispatchError::NotEnoughStakeToWithdraw);
    // A partial withdrawal below the minimum stake.
    chain.assert_fails(&alice, remove("owner-hk", 1, Balance(1_000)), DispatchError::AmountTooLow);
    chain.assert_fails(&key("bob"), remove("owner-hk", 1, tao(1)), DispatchError::NotEnoughStakeToWithdraw);
}

#[test]
fn nominators_share_a_hotkeys_dividends_pro_rata() {
    // Owner cut 0 and the owner's hotkey as the only validator: every epoch pays validator
    // emission to owner-hk's pool, shared by alice (3 parts) and bob (1 part) after the take.
    let mut config = base_config();
    config.params.subnet_owner_cut = 0;
    config.params.default_take = 0;
    config.params.min_delegate_take = 0;
    let mut chain = Chain::new(&config);
    chain.submit(&key("alice"), add("owner-hk", 1, tao(300))).unwrap();
    chain.submit(&key("bob"), add("owner-hk", 1, tao(100))).unwrap();
    chain.advance(30);
    let a = chain.stake(&acc("alice"), &acc("owner-hk"), 1);
    let b = chain.stake(&acc("bob"), &acc("owner-hk"), 1);
    let a_gain = a - 300 * TAO;
    let b_gain = b - 100 * TAO;
    assert!(b_gain > 0, "bob earned nothing");
    // Pro-rata to the rao, up to share rounding (one rao per payout at most).
    assert!(a_gain.abs_diff(3 * b_gain) <= 4, "alice {a_gain} vs bob {b_gain}");
}

#[test]
fn takes_follow_bounds_and_rate_limit() {
    let mut config = base_config();
    config.params.tx_delegate_take_rate_limit = 10;
    let mut chain = Chain::new(&config);
    let owner = key("owner");
    let take = |c: &Chain| query::delegates(&c.state).into_iter().find(|d| d.hotkey == acc("owner-hk")).map(|d| d.take);
    // Needs stake to appear in delegates.
    chain.submit(&key("alice"), add("owner-hk", 1, tao(1))).unwrap();
    assert_eq!(take(&chain), Some(11_796));
    chain.assert_fails(
        &key("alice"),
        Call::DecreaseTake { hotkey: acc("owner-hk"), take: 10 },
        DispatchError::NonAssociatedColdKey,
    );
    chain.assert_fails(
        &owner,
        Call::DecreaseTake { hotkey: acc("nobody"), take: 10 },
        DispatchError::HotKeyAccountNotExists,
    );
    chain.assert_fails(
        &owner,
        Call::IncreaseTake { hotkey: acc("owner-hk"), take: 11_797 },
        DispatchError::DelegateTakeTooHigh,
    );
    assert_eq!(chain.submit(&owner, Call::DecreaseTake { hotkey: acc("owner-hk"), take: 1000 }), Ok(()));
    assert_eq!(take(&chain), Some(1000));
    chain.assert_fails(
        &owner,
        Call::DecreaseTake { hotkey: acc("owner-hk"), take: 1000 },
        DispatchError::DelegateTakeTooLow,
    );
    chain.assert_fails(
        &owner,
        Call::IncreaseTake { hotkey: acc("owner-hk"), take: 1000 },
        DispatchError::DelegateTakeTooLow,
    );
    // The decrease started the rate limit.
    chain.assert_fails(
        &owner,
        Call::IncreaseTake { hotkey: acc("owner-hk"), take: 2000 },
        DispatchError::DelegateTxRateLimitExceeded,
    );
    chain.advance(10);
    assert_eq!(chain.submit(&owner, Call::IncreaseTake { hotkey: acc("owner-hk"), take: 2000 }), Ok(()));
    assert_eq!(take(&chain), Some(2000));
    chain.submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::MinDelegateTake(500) }).unwrap();
    chain.assert_fails(
        &owner,
        Call::DecreaseTake { hotkey: acc("owner-hk"), take: 499 },
        DispatchError::DelegateTakeTooLow,
    );
}
