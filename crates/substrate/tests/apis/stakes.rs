//! `StakeInfoRuntimeApi` against `query::stake` and `query::stakes_of_coldkey`.

use agora_primitives::NetUid;
use agora_runtime::query;
use agora_substrate::info::StakeInfo;
use agora_substrate::types::AccountId32;

use crate::chain::{acc, scenario};

#[test]
fn one_position_is_the_runtime_stake() {
    let chain = scenario();
    let (alice, bob, v) = (AccountId32::from(acc("alice")), AccountId32::from(acc("bob")), AccountId32::from(acc("v")));
    let name = "StakeInfoRuntimeApi_get_stake_info_for_hotkey_coldkey_netuid";
    let info: StakeInfo = chain.call::<Option<_>>(name, (v, bob, 1u16)).unwrap();
    assert_eq!((info.hotkey, info.coldkey, info.netuid), (v, bob, 1));
    assert_eq!(info.stake, query::stake(&chain.state, &acc("bob"), &acc("v"), NetUid(1)).rao());
    assert!(info.stake >= 5 * crate::chain::TAO && info.is_registered);
    assert_eq!((info.locked, info.emission, info.tao_emission, info.drain), (0, 0, 0, 0));
    // None staked, or no such subnet: a zero position, as the reference.
    let none: StakeInfo = chain.call::<Option<_>>(name, (alice, bob, 1u16)).unwrap();
    assert_eq!((none.stake, none.is_registered), (0, false));
    let unknown: StakeInfo = chain.call::<Option<_>>(name, (v, alice, 9u16)).unwrap();
    assert_eq!((unknown.stake, unknown.netuid), (0, 9));
}

#[test]
fn a_coldkey_s_positions_are_its_runtime_positions_by_netuid() {
    let chain = scenario();
    let alice = AccountId32::from(acc("alice"));
    let list: Vec<StakeInfo> = chain.call("StakeInfoRuntimeApi_get_stake_info_for_coldkey", alice);
    let mut runtime: Vec<_> = query::stakes_of_coldkey(&chain.state, &acc("alice"))
        .into_iter()
        .filter(|p| p.amount.rao() > 0)
        .map(|p| (p.netuid.0, AccountId32::from(p.hotkey), p.amount.rao()))
        .collect();
    runtime.sort();
    let served: Vec<_> = list.iter().map(|i| (i.netuid, i.hotkey, i.stake)).collect();
    assert_eq!(served, runtime);
    assert_eq!(served.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 2], "v on subnets 1 and 2");
    assert!(list.iter().all(|i| i.coldkey == alice && i.is_registered));
}

#[test]
fn several_coldkeys_answer_one_entry_per_key_in_order() {
    let chain = scenario();
    let keys: Vec<AccountId32> = ["bob", "nobody", "alice", "bob"].map(|n| acc(n).into()).to_vec();
    let answer: Vec<(AccountId32, Vec<StakeInfo>)> =
        chain.call("StakeInfoRuntimeApi_get_stake_info_for_coldkeys", keys.clone());
    assert_eq!(answer.iter().map(|(k, _)| *k).collect::<Vec<_>>(), keys);
    for (key, list) in &answer {
        let single: Vec<StakeInfo> = chain.call("StakeInfoRuntimeApi_get_stake_info_for_coldkey", *key);
        assert_eq!(list, &single);
    }
    assert!(answer[1].1.is_empty(), "no stake");
    assert_eq!(answer[2].1.len(), 2, "alice: v on subnets 1 and 2");
    // bob: his nomination on v, and his miner's staked emission on m.
    let bob: Vec<_> = answer[0].1.iter().map(|i| (i.netuid, i.hotkey)).collect();
    let mut expected = vec![(1, AccountId32::from(acc("m"))), (1, AccountId32::from(acc("v")))];
    expected.sort();
    assert_eq!(bob, expected);
    let empty: Vec<(AccountId32, Vec<StakeInfo>)> =
        chain.call("StakeInfoRuntimeApi_get_stake_info_for_coldkeys", Vec::<AccountId32>::new());
    assert!(empty.is_empty());
}

#[test]
fn the_fee_of_any_extrinsic_is_the_runtime_s_flat_fee() {
    let mut config = agora_runtime::GenesisConfig::new("fees");
    config.params.tx_fee = 12_345;
    let chain = crate::chain::Chain::new(&config);
    // As clients send it: the extrinsic (length-prefixed bytes, zeroed signature) and its length.
    let uxt: Vec<u8> = vec![0x84; 40];
    let info: agora_substrate::apis::RuntimeDispatchInfo =
        chain.call("TransactionPaymentApi_query_info", (uxt.clone(), uxt.len() as u32 + 1));
    assert_eq!(info.partial_fee, 12_345);
    assert_eq!(info.class, agora_substrate::types::DispatchClass::Normal);
}
