#![allow(missing_docs)] // criterion_group! generates undocumented functions
//! The metagraph fetch, for 256 and 4096 uids, in its two halves:
//!
//! - `node`: what the node's `state_metagraph` handler does — read every per-uid vector of the
//!   subnet from the state and encode the JSON result;
//! - `client`: one round trip over loopback HTTP to a server that answers with those bytes, then
//!   parse and decode into a typed `Metagraph` ([`agora_client::Client::metagraph`]).
//!
//! The 256-uid state comes from a real genesis; the 4096-uid one grows it by writing the same
//! storage items registration writes (subnets are capped at 256 uids on chain, so no genesis can
//! hold 4096). Run: `cargo bench -p agora-client --bench metagraph`.

use std::io::{Read, Write};
use std::net::TcpListener;

use agora_client::Client;
use agora_primitives::{AccountId, Balance, NetUid, Uid, blake2_256};
use agora_runtime::GenesisConfig;
use agora_runtime::genesis::{GenesisNeuron, GenesisSubnet};
use agora_runtime::hyperparams::SubnetHyperparams;
use agora_runtime::query;
use agora_runtime::state::*;
use agora_runtime::storage::MemoryStorage;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const NETUID: NetUid = NetUid(1);

fn account(tag: &str, i: usize) -> AccountId {
    AccountId(blake2_256(format!("{tag}/{i}").as_bytes()).0)
}

/// A state whose subnet 1 has `n` uids with non-trivial values in every vector.
fn state(n: u16) -> MemoryStorage {
    let mut config = GenesisConfig::new("bench");
    let base = n.min(256);
    let neurons = (0..usize::from(base) - 1)
        .map(|i| GenesisNeuron { hotkey: account("hot", i), coldkey: account("cold", i % 64), registered_at: 0 })
        .collect();
    config.balances.insert(account("owner", 0), Balance::from_tao(10_000).unwrap());
    config.subnets.push(GenesisSubnet {
        netuid: 1,
        owner: account("owner", 0),
        owner_hotkey: account("owner-hot", 0),
        started: true,
        hyperparameters: SubnetHyperparams { max_allowed_uids: 256, ..SubnetHyperparams::default() },
        register_owner: true,
        neurons,
        pool: None,
        emission_enabled: true,
    });
    let mut s = config.build().expect("a valid genesis").into_memory();
    for u in base..n {
        let (hotkey, coldkey) = (account("hot", usize::from(u)), account("cold", usize::from(u) % 64));
        KEYS.insert(&mut s, &(NETUID, Uid(u)), &hotkey);
        UIDS.insert(&mut s, &(NETUID, hotkey), &Uid(u));
        OWNER.insert(&mut s, &hotkey, &coldkey);
        BLOCK_AT_REGISTRATION.insert(&mut s, &(NETUID, Uid(u)), &u64::from(u));
    }
    SUBNETWORK_N.insert(&mut s, &NETUID, &n);
    let len = usize::from(n);
    let ratio = |seed: u64| (0..len).map(|i| ((i as u64 * 2_654_435_761 + seed) % 65_536) as u16).collect::<Vec<_>>();
    for (item, seed) in [(&CONSENSUS, 1), (&INCENTIVE, 2), (&DIVIDENDS, 3), (&VALIDATOR_TRUST, 4), (&STAKE_WEIGHT, 5)] {
        item.insert(&mut s, &NETUID, &ratio(seed));
    }
    EMISSION.insert(&mut s, &NETUID, &(0..len as u64).map(|i| i * 1_234_567).collect());
    LAST_UPDATE.insert(&mut s, &NETUID, &(0..len as u64).map(|i| 1_000_000 + i).collect());
    ACTIVE.insert(&mut s, &NETUID, &vec![true; len]);
    VALIDATOR_PERMIT.insert(&mut s, &NETUID, &(0..len).map(|i| i % 4 == 0).collect());
    for u in 0..n {
        let hotkey = KEYS.try_get(&s, &(NETUID, Uid(u))).expect("registered");
        TOTAL_HOTKEY_STAKE.insert(&mut s, &(hotkey, NETUID), &(u64::from(u) * 1_000_000_007));
        let axon = AxonInfo {
            block: 7,
            version: 1,
            ip: 0x0a00_0001 + u128::from(u),
            port: 8091,
            ip_type: 4,
            protocol: 4,
            ..AxonInfo::default()
        };
        AXONS.insert(&mut s, &(NETUID, hotkey), &axon);
    }
    s
}

/// The JSON-RPC response body the node sends for `state_metagraph`.
fn response(s: &MemoryStorage) -> Vec<u8> {
    let m = query::metagraph(s, NETUID, false).expect("subnet 1");
    format!(r#"{{"jsonrpc":"2.0","id":1,"result":{}}}"#, serde_json::to_string(&m).unwrap()).into_bytes()
}

/// A loopback HTTP server answering every request with `body`; returns its URL.
fn serve(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head and the (small) body.
            while let Ok(n) = stream.read(&mut buf) {
                request.extend_from_slice(&buf[..n]);
                if n == 0 || request.windows(4).any(|w| w == b"\r\n\r\n") && request.ends_with(b"}") {
                    break;
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });
    url
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("metagraph");
    group.sample_size(30);
    for n in [256u16, 4096] {
        let s = state(n);
        group.bench_with_input(BenchmarkId::new("node", n), &s, |b, s| {
            b.iter(|| serde_json::to_string(&query::metagraph(s, NETUID, false).unwrap()).unwrap().len())
        });
        let body = response(&s);
        eprintln!("metagraph of {n} uids: {} bytes of JSON", body.len());
        let client = Client::new(&serve(body)).unwrap();
        assert_eq!(client.metagraph(NETUID, false).unwrap().n, n);
        group.bench_with_input(BenchmarkId::new("client", n), &client, |b, client| {
            b.iter(|| client.metagraph(NETUID, false).unwrap().n)
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
