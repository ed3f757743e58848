//! Deterministic simulation of a 4-validator network: commonware's deterministic runtime (seeded
//! scheduler, simulated clock and storage) and simulated p2p (latency, jitter, drops,
//! partitions), with the real engine, chain, runtime and store.
//!
//! Every scenario runs twice with the same seed and must produce the same chain, and across
//! validators every committed height has the same block hash and state root (no fork).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use agora_node::chain::{Chain, ChainConfig, Misbehavior};
use agora_node::engine::{
    CHANNEL_BACKFILL, CHANNEL_BROADCAST, CHANNEL_CERTIFICATES, CHANNEL_RESOLVER, CHANNEL_TXS, CHANNEL_VOTES, Channels,
    ConsensusConfig, MAX_MESSAGE_BYTES, consensus_commitment, start_follower, start_validator,
};
use agora_primitives::{Balance, BlockNumber, Hash, Pair};
use agora_runtime::{Call, GenesisConfig, SignedTransaction};
use agora_store::Store;
use commonware_cryptography::Signer;
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_p2p::simulated::{self, Link, Oracle};
use commonware_runtime::{Clock, Handle, Quota, Runner, Spawner, Supervisor, deterministic};
use commonware_utils::{NZU32, NZUsize};

const N: usize = 4;
const BLOCK_TIME_MS: u64 = 200;

fn link(latency_ms: u64, success_percent: u64) -> Link {
    Link {
        latency: Duration::from_millis(latency_ms),
        jitter: Duration::from_millis(latency_ms / 5),
        success_rate: commonware_utils::Probability::new(success_percent, 100).unwrap(),
    }
}

struct Net {
    context: deterministic::Context,
    oracle: Oracle<PublicKey, deterministic::Context>,
    keys: Vec<PrivateKey>,
    validators: Vec<PublicKey>,
    genesis: agora_runtime::Genesis,
    stores: Vec<Store>,
    chains: Vec<Option<Arc<Chain>>>,
    handles: Vec<Option<Handle<()>>>,
    incarnation: Vec<u32>,
    /// How many times each validator's data was replaced by an empty one ([`Net::wipe`]).
    wiped: Vec<u32>,
    alice: Pair,
    misbehaving: Option<(usize, Misbehavior)>,
}

impl Net {
    async fn new(context: deterministic::Context) -> Net {
        let keys: Vec<PrivateKey> = (0..N as u64).map(PrivateKey::from_seed).collect();
        let validators: Vec<PublicKey> = keys.iter().map(|k| k.public_key()).collect();
        let follower = PrivateKey::from_seed(100).public_key();
        let (network, oracle) = simulated::Network::new_with_split_peers(
            context.child("network"),
            simulated::Config {
                max_size: MAX_MESSAGE_BYTES,
                max_peers_per_set: NZUsize!(N + 1),
                disconnect_on_block: true,
                tracked_peer_sets: NZUsize!(1),
            },
            validators.clone(),
            [follower],
        )
        .await;
        network.start();
        let alice = Pair::from_seed(&[1; 32]);
        let mut config = GenesisConfig::new("sim");
        config.balances.insert(alice.public(), Balance::from_tao(1_000).unwrap());
        let genesis = config.build().unwrap();
        let mut net = Net {
            context,
            oracle,
            keys,
            validators,
            genesis,
            stores: (0..N).map(|_| Store::in_memory()).collect(),
            chains: vec![None; N],
            handles: (0..N).map(|_| None).collect(),
            incarnation: vec![0; N],
            wiped: vec![0; N],
            alice,
            misbehaving: None,
        };
        net.connect_all(link(20, 100)).await;
        for i in 0..N {
            net.start(i).await;
        }
        net
    }

    async fn connect_all(&mut self, link: Link) {
        for a in 0..N {
            for b in 0..N {
                if a != b {
                    let _ = self.oracle.remove_link(self.validators[a].clone(), self.validators[b].clone()).await;
                    self.oracle
                        .add_link(self.validators[a].clone(), self.validators[b].clone(), link.clone())
                        .await
                        .unwrap();
                }
            }
        }
    }

    async fn cut(&mut self, group_a: &[usize], group_b: &[usize]) {
        for a in group_a {
            for b in group_b {
                let _ = self.oracle.remove_link(self.validators[*a].clone(), self.validators[*b].clone()).await;
                let _ = self.oracle.remove_link(self.validators[*b].clone(), self.validators[*a].clone()).await;
            }
        }
    }

    async fn start(&mut self, i: usize) {
        let chain = Arc::new(
            Chain::open(
                self.stores[i].clone(),
                &self.genesis,
                0,
                consensus_commitment(&self.validators),
                ChainConfig {
                    block_time_ms: BLOCK_TIME_MS,
                    misbehave: self.misbehaving.filter(|(who, _)| *who == i).map(|(_, how)| how),
                    ..ChainConfig::default()
                },
            )
            .unwrap(),
        );
        let control = self.oracle.control(self.validators[i].clone());
        let quota = Quota::per_second(NZU32!(10_000));
        let channels = Channels {
            votes: control.register(CHANNEL_VOTES, quota).await.unwrap(),
            certificates: control.register(CHANNEL_CERTIFICATES, quota).await.unwrap(),
            resolver: control.register(CHANNEL_RESOLVER, quota).await.unwrap(),
            broadcast: control.register(CHANNEL_BROADCAST, quota).await.unwrap(),
            backfill: control.register(CHANNEL_BACKFILL, quota).await.unwrap(),
            txs: control.register(CHANNEL_TXS, quota).await.unwrap(),
        };
        let partitions = match self.wiped[i] {
            0 => format!("validator-{i}"),
            n => format!("validator-{i}-wiped-{n}"),
        };
        let config = ConsensusConfig::new(self.keys[i].clone(), self.validators.clone(), partitions, BLOCK_TIME_MS);
        let manager = self.oracle.manager();
        let node_chain = chain.clone();
        let handle = self
            .context
            .child("validator")
            .with_attribute("index", i)
            .with_attribute("incarnation", self.incarnation[i])
            .spawn(move |context| async move {
                let (_handles, _gossip) =
                    start_validator(context, node_chain, config, control, manager, channels).await;
                futures::future::pending::<()>().await;
            });
        self.incarnation[i] += 1;
        self.chains[i] = Some(chain);
        self.handles[i] = Some(handle);
    }

    /// Starts a non-voting full node from an empty store; returns its chain and store.
    async fn start_follower(&mut self) -> (Arc<Chain>, Store) {
        let key = PrivateKey::from_seed(100).public_key();
        for v in &self.validators {
            self.oracle.add_link(key.clone(), v.clone(), link(20, 100)).await.unwrap();
            self.oracle.add_link(v.clone(), key.clone(), link(20, 100)).await.unwrap();
        }
        let store = Store::in_memory();
        let chain = Arc::new(
            Chain::open(
                store.clone(),
                &self.genesis,
                0,
                consensus_commitment(&self.validators),
                ChainConfig::default(),
            )
            .unwrap(),
        );
        let control = self.oracle.control(key.clone());
        let backfill = control.register(CHANNEL_BACKFILL, Quota::per_second(NZU32!(10_000))).await.unwrap();
        let txs = control.register(CHANNEL_TXS, Quota::per_second(NZU32!(10_000))).await.unwrap();
        let manager = self.oracle.manager();
        let validators = self.validators.clone();
        let node_chain = chain.clone();
        self.context.child("follower").spawn(move |context| async move {
            let _handles =
                start_follower(context, node_chain, validators, key, control, manager, (backfill, txs)).await;
            futures::future::pending::<()>().await;
        });
        (chain, store)
    }

    fn crash(&mut self, i: usize) {
        if let Some(handle) = self.handles[i].take() {
            handle.abort();
        }
        self.chains[i] = None;
    }

    /// Gives crashed validator `i` an empty data directory (a new store and new consensus
    /// partitions), as moving a damaged one aside does.
    fn wipe(&mut self, i: usize) {
        assert!(self.chains[i].is_none(), "crash it first");
        self.stores[i] = Store::in_memory();
        self.wiped[i] += 1;
    }

    fn heights(&self) -> Vec<Option<u64>> {
        self.chains.iter().map(|c| c.as_ref().map(|c| c.head().height.get())).collect()
    }

    /// Waits until every running validator has committed `height`, or `limit` simulated time.
    async fn wait_for(&self, height: u64, limit: Duration) -> bool {
        let deadline = self.context.current() + limit;
        loop {
            if self.chains.iter().flatten().all(|c| c.head().height.get() >= height) {
                return true;
            }
            if self.context.current() >= deadline {
                return false;
            }
            self.context.sleep(Duration::from_millis(50)).await;
        }
    }

    /// Submits pre-signed transfers (sr25519 signatures are randomised, so they are made once
    /// per process and shared by both runs of a seed).
    fn submit_transfers(&self, to: usize, from_nonce: u64, count: u64) {
        static SIGNED: std::sync::OnceLock<Vec<SignedTransaction>> = std::sync::OnceLock::new();
        let signed = SIGNED.get_or_init(|| {
            let bob = Pair::from_seed(&[2; 32]).public();
            (0..64)
                .map(|nonce| {
                    let call = Call::Transfer { dest: bob, amount: Balance::from_tao(1).unwrap() };
                    SignedTransaction::sign(&self.alice, &self.genesis.genesis_hash, nonce, call)
                })
                .collect()
        });
        let chain = self.chains[to].as_ref().unwrap();
        for nonce in from_nonce..from_nonce + count {
            chain.submit(signed[nonce as usize].clone()).unwrap();
        }
    }

    /// Every store's chain up to its head: height → (block hash, state root). Asserts that all
    /// validators agree at every height they share.
    fn agreed_chain(&self) -> BTreeMap<u64, ([u8; 32], Hash)> {
        let mut agreed: BTreeMap<u64, ([u8; 32], Hash)> = BTreeMap::new();
        for (i, store) in self.stores.iter().enumerate() {
            let head = store.head().unwrap().unwrap();
            for h in 0..=head.height.get() {
                let block = agora_node::Block::decode(&store.block(BlockNumber(h)).unwrap().unwrap()).unwrap();
                let entry = (block.hash(), block.header.state_root);
                if let Some(existing) = agreed.insert(h, entry) {
                    assert_eq!(existing, entry, "fork at height {h} (validator {i})");
                }
            }
            assert_eq!(store.verify().unwrap(), head, "validator {i}: state does not hash to its head");
        }
        agreed
    }
}

fn run(
    seed: u64,
    scenario: impl FnOnce(Net) -> futures::future::BoxFuture<'static, Net> + Send + 'static,
) -> BTreeMap<u64, ([u8; 32], Hash)> {
    let config = deterministic::Config::new().with_seed(seed).with_timeout(Some(Duration::from_secs(600)));
    deterministic::Runner::new(config).start(|context| async move {
        let net = Net::new(context).await;
        let net = scenario(net).await;
        net.agreed_chain()
    })
}

fn twice(seed: u64, scenario: fn(Net) -> futures::future::BoxFuture<'static, Net>) -> BTreeMap<u64, ([u8; 32], Hash)> {
    let first = run(seed, scenario);
    let second = run(seed, scenario);
    assert_eq!(first, second, "same seed, different chain");
    first
}

#[test]
fn four_validators_finalise_and_agree() {
    let chain = twice(1, |mut net| {
        Box::pin(async move {
            assert!(net.wait_for(3, Duration::from_secs(30)).await, "no progress: {:?}", net.heights());
            net.submit_transfers(0, 0, 20);
            assert!(net.wait_for(15, Duration::from_secs(60)).await, "stalled: {:?}", net.heights());
            let snapshot = net.chains[3].as_ref().unwrap().snapshot().unwrap();
            let bob = agora_runtime::query::balance(&snapshot, &Pair::from_seed(&[2; 32]).public());
            assert_eq!(bob, Balance::from_tao(20).unwrap(), "transfers gossiped to validator 0 reached every state");
            let _ = &mut net;
            net
        })
    });
    assert!(chain.len() >= 16);
}

#[test]
fn a_crashed_leader_does_not_stop_finality() {
    twice(2, |mut net| {
        Box::pin(async move {
            assert!(net.wait_for(3, Duration::from_secs(30)).await, "{:?}", net.heights());
            net.crash(1);
            let before = net.chains[0].as_ref().unwrap().head().height.get();
            assert!(
                net.wait_for(before + 8, Duration::from_secs(120)).await,
                "3 of 4 must keep finalising: {:?}",
                net.heights()
            );
            net
        })
    });
}

#[test]
fn a_restarted_validator_catches_up_from_its_store() {
    twice(3, |mut net| {
        Box::pin(async move {
            assert!(net.wait_for(4, Duration::from_secs(30)).await, "{:?}", net.heights());
            net.crash(2);
            let before = net.chains[0].as_ref().unwrap().head().height.get();
            assert!(net.wait_for(before + 10, Duration::from_secs(120)).await, "{:?}", net.heights());
            net.start(2).await;
            let target = net.chains[0].as_ref().unwrap().head().height.get() + 3;
            assert!(
                net.wait_for(target, Duration::from_secs(120)).await,
                "restarted node must catch up: {:?}",
                net.heights()
            );
            net
        })
    });
}

#[test]
fn a_validator_with_an_emptied_data_directory_resyncs_from_its_peers() {
    // What a damaged store's error message tells the operator to do: move the data directory
    // aside and start again.
    twice(7, |mut net| {
        Box::pin(async move {
            assert!(net.wait_for(6, Duration::from_secs(30)).await, "{:?}", net.heights());
            net.crash(2);
            net.wipe(2);
            let before = net.chains[0].as_ref().unwrap().head().height.get();
            assert!(net.wait_for(before + 4, Duration::from_secs(120)).await, "{:?}", net.heights());
            net.start(2).await;
            let target = net.chains[0].as_ref().unwrap().head().height.get() + 3;
            assert!(
                net.wait_for(target, Duration::from_secs(120)).await,
                "the emptied validator must re-sync every block: {:?}",
                net.heights()
            );
            net
        })
    });
}

#[test]
fn a_healed_partition_restores_liveness_without_forks() {
    twice(4, |mut net| {
        Box::pin(async move {
            assert!(net.wait_for(3, Duration::from_secs(30)).await, "{:?}", net.heights());
            // 2 | 2: no side has a quorum, so nothing may finalise.
            net.cut(&[0, 1], &[2, 3]).await;
            net.context.sleep(Duration::from_secs(3)).await;
            let stuck = net.heights();
            net.context.sleep(Duration::from_secs(10)).await;
            let max_stuck = stuck.iter().flatten().max().copied().unwrap();
            assert!(net.heights().iter().flatten().all(|h| *h <= max_stuck + 1), "finalised without quorum");
            net.connect_all(link(20, 100)).await;
            assert!(
                net.wait_for(max_stuck + 5, Duration::from_secs(180)).await,
                "no liveness after healing: {:?}",
                net.heights()
            );
            net
        })
    });
}

#[test]
fn lossy_slow_links_still_finalise() {
    twice(5, |mut net| {
        Box::pin(async move {
            net.connect_all(link(150, 85)).await;
            net.submit_transfers(0, 0, 5);
            assert!(net.wait_for(8, Duration::from_secs(300)).await, "{:?}", net.heights());
            net
        })
    });
}

#[test]
fn a_new_follower_syncs_from_genesis_and_agrees() {
    twice(6, |mut net| {
        Box::pin(async move {
            net.submit_transfers(0, 0, 10);
            assert!(net.wait_for(12, Duration::from_secs(60)).await, "{:?}", net.heights());
            let (follower, store) = net.start_follower().await;
            let target = net.chains[0].as_ref().unwrap().head().height;
            let deadline = net.context.current() + Duration::from_secs(60);
            while follower.head().height < target {
                assert!(net.context.current() < deadline, "follower stuck at {}", follower.head().height);
                net.context.sleep(Duration::from_millis(100)).await;
            }
            net.stores.push(store);
            net
        })
    });
}

/// A byzantine proposer's blocks are refused (counted in metrics) and never finalised; the
/// honest three keep finalising.
fn misbehaving_proposer(seed: u64, how: Misbehavior) {
    let run_once = move || {
        let config = deterministic::Config::new().with_seed(seed).with_timeout(Some(Duration::from_secs(600)));
        deterministic::Runner::new(config).start(|context| async move {
            let mut net = Net::new(context).await;
            // Restart validator 0 as the byzantine one.
            net.crash(0);
            net.misbehaving = Some((0, how));
            net.start(0).await;
            net.submit_transfers(1, 0, 5);
            assert!(net.wait_for(12, Duration::from_secs(300)).await, "{:?}", net.heights());
            let bad_key = net.keys[0].public_key();
            let bad: [u8; 32] = bad_key.as_ref().try_into().unwrap();
            let chain = net.agreed_chain();
            for h in 1..=*chain.keys().max().unwrap() {
                let bytes = net.stores[1].block(BlockNumber(h)).unwrap().unwrap();
                let block = agora_node::Block::decode(&bytes).unwrap();
                assert_ne!(block.header.proposer, bad, "a byzantine block was finalised at {h}");
            }
            if how != Misbehavior::Oversized {
                // Oversized blocks never decode, so they never reach verification.
                let refused: u64 = (1..N)
                    .map(|i| {
                        net.chains[i]
                            .as_ref()
                            .unwrap()
                            .metrics()
                            .blocks_rejected
                            .load(std::sync::atomic::Ordering::Relaxed)
                    })
                    .sum();
                assert!(refused > 0, "nobody refused the byzantine proposals");
            }
            chain
        })
    };
    assert_eq!(run_once(), run_once(), "same seed, different chain");
}

#[test]
fn a_proposer_with_a_wrong_state_root_is_refused() {
    misbehaving_proposer(7, Misbehavior::WrongStateRoot);
}

#[test]
fn a_proposer_with_a_badly_signed_transaction_is_refused() {
    misbehaving_proposer(8, Misbehavior::BadTransaction);
}

#[test]
fn an_oversized_block_is_refused() {
    misbehaving_proposer(9, Misbehavior::Oversized);
}
