//! A small Agora chain in memory, driven through `execute_block`, and the API caller.

use agora_primitives::{AccountId, Balance, Hash, NetUid, Pair, blake2_256};
use agora_runtime::genesis::{GenesisNeuron, GenesisStake, GenesisSubnet};
use agora_runtime::hyperparams::SubnetHyperparams;
use agora_runtime::storage::MemoryStorage;
use agora_runtime::{BlockInput, Call, GenesisConfig, SignedTransaction, SubnetIdentity, execute_block, query};
use agora_substrate::ChainConstants;
use agora_substrate::apis::{self, ApiError};
use parity_scale_codec::{Decode, Encode};

pub const TAO: u64 = 1_000_000_000;
pub const CHAIN: ChainConstants = ChainConstants { existential_deposit: 500, block_time_ms: 500 };

/// A deterministic key pair named `name`.
pub fn key(name: &str) -> Pair {
    Pair::from_seed(&blake2_256(name.as_bytes()).0)
}

/// The account of `key(name)`.
pub fn acc(name: &str) -> AccountId {
    key(name).public()
}

pub struct Chain {
    pub state: MemoryStorage,
    genesis_hash: Hash,
    height: u64,
}

impl Chain {
    pub fn new(config: &GenesisConfig) -> Chain {
        let genesis = config.build().expect("genesis builds");
        let genesis_hash = genesis.genesis_hash;
        Chain { state: genesis.into_memory(), genesis_hash, height: 0 }
    }

    /// Executes one block with `calls`, each signed by its pair; every call must succeed.
    pub fn block(&mut self, calls: Vec<(&Pair, Call)>) {
        let txs: Vec<agora_runtime::Transaction> = calls
            .into_iter()
            .map(|(pair, call)| {
                let nonce = query::nonce(&self.state, &pair.public());
                SignedTransaction::sign(pair, &self.genesis_hash, nonce, call).into()
            })
            .collect();
        let input = BlockInput {
            height: agora_primitives::BlockNumber(self.height + 1),
            timestamp_ms: (self.height + 1) * 12_000,
            author: None,
            transactions: &txs,
        };
        let outcome = execute_block(&self.state, &input).expect("block executes");
        for r in &outcome.receipts {
            assert!(r.result.is_ok(), "{:?}", r.result);
        }
        self.state.commit(outcome.changes);
        self.height += 1;
    }

    pub fn advance(&mut self, n: u64) {
        for _ in 0..n {
            self.block(vec![]);
        }
    }

    /// `state_call(name, args)` on the chain's state.
    pub fn call_raw(&self, name: &str, args: &[u8]) -> Result<Vec<u8>, ApiError> {
        apis::call(name, args, &self.state, CHAIN)
    }

    /// `state_call(name, args.encode())`, decoded as `T` (every byte consumed).
    pub fn call<T: Decode>(&self, name: &str, args: impl Encode) -> T {
        let bytes = self.call_raw(name, &args.encode()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut input = &bytes[..];
        let value = T::decode(&mut input).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(input.is_empty(), "{name}: trailing bytes");
        value
    }
}

fn hparams() -> SubnetHyperparams {
    SubnetHyperparams {
        tempo: 10,
        weights_rate_limit: 0,
        serving_rate_limit: 0,
        immunity_period: 0,
        min_allowed_weights: 0,
        max_allowed_uids: 16,
        min_allowed_uids: 1,
        yuma3: false,
        commit_reveal: false,
        ..SubnetHyperparams::default()
    }
}

pub fn subnet(netuid: u16, owner: &str, neurons: &[(&str, &str)]) -> GenesisSubnet {
    GenesisSubnet {
        netuid,
        owner: acc(owner),
        owner_hotkey: acc(&format!("{owner}-hk")),
        started: true,
        register_owner: true,
        hyperparameters: hparams(),
        neurons: neurons
            .iter()
            .map(|(hot, cold)| GenesisNeuron { hotkey: acc(hot), coldkey: acc(cold), registered_at: 0 })
            .collect(),
        pool: None,
        emission_enabled: true,
    }
}

fn stake(coldkey: &str, hotkey: &str, netuid: u16, tao: u64) -> GenesisStake {
    GenesisStake { coldkey: acc(coldkey), hotkey: acc(hotkey), netuid, amount: Balance(tao * TAO) }
}

/// Two subnets after a few epochs: on subnet 1 validator `v` (alice, with bob nominating) has
/// set weights on miner `m` (bob), which serves an axon; `v` is on subnet 2 too; subnet 1 has
/// an identity.
pub fn scenario() -> Chain {
    let mut config = GenesisConfig::new("agora-substrate-apis");
    config.sudo = Some(acc("sudo"));
    for name in ["alice", "bob", "owner", "owner2", "sudo"] {
        config.balances.insert(acc(name), Balance(10_000 * TAO));
    }
    config.params.admin_freeze_window = 0;
    config.params.network_rate_limit = 0;
    config.subnets.push(subnet(1, "owner", &[("v", "alice"), ("m", "bob")]));
    config.subnets.push(subnet(2, "owner2", &[("v", "alice")]));
    config.stakes.push(stake("alice", "v", 1, 100));
    config.stakes.push(stake("bob", "v", 1, 5));
    config.stakes.push(stake("alice", "v", 2, 10));
    let mut chain = Chain::new(&config);
    let identity = SubnetIdentity { subnet_name: "apex".into(), github_repo: "repo".into(), ..Default::default() };
    let axon = Call::ServeAxon {
        netuid: NetUid(1),
        version: 7,
        ip: 0x0102_0304,
        port: 8091,
        ip_type: 4,
        protocol: 4,
        placeholder1: 0,
        placeholder2: 0,
    };
    chain.block(vec![(&key("owner"), Call::SetSubnetIdentity { netuid: NetUid(1), identity }), (&key("m"), axon)]);
    chain.advance(12);
    let weights = Call::SetWeights { netuid: NetUid(1), dests: vec![2], weights: vec![u16::MAX], version_key: 0 };
    chain.block(vec![(&key("v"), weights)]);
    chain.advance(12);
    chain
}
