//! Fixtures: a GGUF file holding only a small byte-level BPE tokenizer (so usage is counted
//! without the real model), and a fake node answering `state_metagraph` on loopback.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use agora_primitives::{AccountId, BlockNumber};
use agora_runtime::query::Metagraph;
use agora_runtime::state::AxonInfo;

/// A fresh directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("agora-gateway-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a GGUF file with only a small tokenizer ("hello world" is 8 tokens).
pub fn tiny_tokenizer(path: &Path) {
    agora_models::test_utils::tiny_tokenizer(path).unwrap();
}

/// A metagraph of `netuid` at `block` where uid i is `neurons[i]` (hotkey, axon address).
pub fn metagraph(netuid: u16, block: u64, neurons: &[(AccountId, Option<SocketAddr>)]) -> Metagraph {
    let n = neurons.len();
    let axons = neurons
        .iter()
        .map(|(_, addr)| match addr {
            Some(SocketAddr::V4(a)) => {
                AxonInfo { ip: u128::from(u32::from(*a.ip())), port: a.port(), ip_type: 4, ..AxonInfo::default() }
            }
            _ => AxonInfo::default(),
        })
        .collect();
    Metagraph {
        netuid: agora_primitives::NetUid(netuid),
        block: BlockNumber(block),
        n: n as u16,
        hotkeys: neurons.iter().map(|(h, _)| *h).collect(),
        coldkeys: neurons.iter().map(|(h, _)| *h).collect(),
        stake: vec![0; n],
        alpha_stake: vec![0; n],
        root_stake: Vec::new(),
        consensus: vec![0; n],
        incentive: vec![0; n],
        dividends: vec![0; n],
        emission: vec![0; n],
        validator_trust: vec![0; n],
        validator_permit: vec![false; n],
        active: vec![true; n],
        last_update: vec![BlockNumber(0); n],
        block_at_registration: vec![BlockNumber(0); n],
        stake_weight: vec![0; n],
        axons,
        ..Metagraph::default()
    }
}

/// A node on loopback that answers `state_metagraph` with `m` (and every other method with a
/// JSON-RPC error). Returns its URL; it serves until the test's runtime ends.
pub async fn fake_node(m: Metagraph) -> String {
    let result = serde_json::to_string(&m).unwrap();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |body: String| {
            let result = result.clone();
            async move {
                let call: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                if call["method"] == "state_metagraph" {
                    format!(r#"{{"jsonrpc":"2.0","id":1,"result":{result}}}"#)
                } else {
                    r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"not here"}}"#.to_string()
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}
