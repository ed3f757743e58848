//! `serve_axon`.

use agora_primitives::NetUid;
use agora_runtime::{Call, DispatchError, GlobalUpdate, HyperparameterUpdate as H, query};

use crate::common::*;

fn serve(ip: u128, port: u16, ip_type: u8) -> Call {
    Call::ServeAxon { netuid: NetUid(1), version: 7, ip, port, ip_type, protocol: 4, placeholder1: 0, placeholder2: 0 }
}

#[test]
fn serve_axon_publishes_the_endpoint() {
    let mut chain = Chain::new(&base_config());
    assert_eq!(chain.submit(&key("owner-hk"), serve(0x0a00_0002, 8091, 4)), Ok(()));
    let mg = query::metagraph(&chain.state, NetUid(1), false).unwrap();
    assert_eq!(mg.axons[0].ip, 0x0a00_0002);
    assert_eq!(mg.axons[0].port, 8091);
    assert_eq!(mg.axons[0].version, 7);
    assert_eq!(mg.axons[0].block, chain.height);
}

#[test]
fn serve_axon_error_paths() {
    let mut chain = Chain::new(&base_config());
    let hk = key("owner-hk");
    chain.assert_fails(&key("stranger"), serve(1, 1, 4), DispatchError::HotKeyNotRegisteredInNetwork);
    chain.assert_fails(&hk, serve(1, 1, 5), DispatchError::InvalidIpType);
    chain.assert_fails(&hk, serve(0x7f00_0001, 1, 4), DispatchError::InvalidIpAddress);
    chain.assert_fails(&hk, serve(1, 1, 6), DispatchError::InvalidIpAddress);
    chain.assert_fails(&hk, serve(0x0a00_0002, 0, 4), DispatchError::InvalidPort);
    chain
        .submit(&key("owner"), Call::SudoSetHyperparameter { netuid: NetUid(1), update: H::ServingRateLimit(5) })
        .unwrap();
    chain.submit(&hk, serve(0x0a00_0002, 9, 4)).unwrap();
    chain.assert_fails(&hk, serve(0x0a00_0002, 10, 4), DispatchError::ServingRateLimitExceeded);
    chain.advance(4);
    assert_eq!(chain.submit(&hk, serve(0x0a00_0002, 10, 4)), Ok(()));
}

#[test]
fn loopback_axons_need_the_local_network_flag() {
    let mut chain = Chain::new(&base_config());
    chain.submit(&key("sudo"), Call::SudoSetGlobal { update: GlobalUpdate::AllowLoopbackAxons(true) }).unwrap();
    assert_eq!(chain.submit(&key("owner-hk"), serve(0x7f00_0001, 8091, 4)), Ok(()));
}
