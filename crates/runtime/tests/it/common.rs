//! Test harness: a chain in memory, driven only through `execute_block`.

use agora_primitives::{AccountId, Balance, BlockNumber, Hash, NetUid, Pair, blake2_256};
use agora_runtime::genesis::{GenesisNeuron, GenesisSubnet};
use agora_runtime::hyperparams::SubnetHyperparams;
use agora_runtime::storage::{MemoryStorage, compute_state_root_from_scratch};
use agora_runtime::{
    BlockInput, BlockOutcome, Call, DispatchError, Event, GenesisConfig, SignedTransaction, Transaction, execute_block,
    query,
};

pub const TAO: u64 = 1_000_000_000;

/// A deterministic key pair named `name`.
pub fn key(name: &str) -> Pair {
    Pair::from_seed(&blake2_256(name.as_bytes()).0)
}

/// The account of `key(name)`.
pub fn acc(name: &str) -> AccountId {
    key(name).public()
}

pub fn tao(n: u64) -> Balance {
    Balance(n * TAO)
}

/// A chain whose state lives in memory.
#[derive(Clone)]
pub struct Chain {
    pub state: MemoryStorage,
    pub genesis_hash: Hash,
    pub height: u64,
    pub author: Option<AccountId>,
    /// Hook events of every block so far.
    pub hook_events: Vec<Event>,
}

impl Chain {
    pub fn new(config: &GenesisConfig) -> Chain {
        let genesis = config.build().expect("genesis builds");
        let genesis_hash = genesis.genesis_hash;
        let state = genesis.into_memory();
        assert_eq!(compute_state_root_from_scratch(&state), agora_runtime::state_root(&state));
        Chain { state, genesis_hash, height: 0, author: None, hook_events: Vec::new() }
    }

    /// Signs `call` by `pair` with its next nonce.
    pub fn tx(&self, pair: &Pair, call: Call) -> SignedTransaction {
        let nonce = query::nonce(&self.state, &pair.public());
        SignedTransaction::sign(pair, &self.genesis_hash, nonce, call)
    }

    /// Executes and commits one block with `txs`.
    pub fn block(&mut self, txs: &[SignedTransaction]) -> BlockOutcome {
        let txs: Vec<Transaction> = txs.iter().cloned().map(Transaction::from).collect();
        let input = BlockInput {
            height: BlockNumber(self.height + 1),
            timestamp_ms: (self.height + 1) * 12_000,
            author: self.author,
            transactions: &txs,
        };
        let outcome = execute_block(&self.state, &input).expect("block executes");
        self.state.commit(outcome.changes.clone());
        self.height += 1;
        self.hook_events.extend(outcome.events.clone());
        query::check_conservation(&self.state).expect("conservation holds after every block");
        outcome
    }

    /// Submits one call in its own block; returns the call's result.
    pub fn submit(&mut self, pair: &Pair, call: Call) -> Result<(), DispatchError> {
        let tx = self.tx(pair, call);
        let outcome = self.block(&[tx]);
        outcome.receipts[0].result
    }

    /// Submits and returns the receipt's events.
    pub fn submit_events(&mut self, pair: &Pair, call: Call) -> (Result<(), DispatchError>, Vec<Event>) {
        let tx = self.tx(pair, call);
        let outcome = self.block(&[tx]);
        (outcome.receipts[0].result, outcome.receipts[0].events.clone())
    }

    /// Runs `n` empty blocks.
    pub fn advance(&mut self, n: u64) {
        for _ in 0..n {
            self.block(&[]);
        }
    }

    /// Runs empty blocks until the chain is at `height`.
    pub fn advance_to(&mut self, height: u64) {
        while self.height < height {
            self.block(&[]);
        }
    }

    pub fn balance(&self, who: &AccountId) -> u64 {
        query::balance(&self.state, who).rao()
    }

    pub fn stake(&self, coldkey: &AccountId, hotkey: &AccountId, netuid: u16) -> u64 {
        query::stake(&self.state, coldkey, hotkey, NetUid(netuid)).rao()
    }

    /// Asserts that submitting `call` fails with `err` and changes nothing but nonce and fee.
    pub fn assert_fails(&mut self, pair: &Pair, call: Call, err: DispatchError) {
        let before = self.state.clone();
        let tx = Transaction::from(self.tx(pair, call.clone()));
        let input = BlockInput {
            height: BlockNumber(self.height + 1),
            timestamp_ms: 0,
            author: self.author,
            transactions: std::slice::from_ref(&tx),
        };
        let with_tx = execute_block(&self.state, &input).expect("block executes");
        let input_empty = BlockInput { transactions: &[], ..input.clone() };
        let without = execute_block(&before, &input_empty).expect("block executes");
        assert_eq!(with_tx.receipts[0].result, Err(err), "{} should fail with {err:?}", call.name());
        // Same writes as an empty block, except the signer's nonce (fee is zero in tests).
        let mut a: Vec<_> = with_tx.changes.entries().map(|(k, v)| (k.clone(), v.clone())).collect();
        let b: Vec<_> = without.changes.entries().map(|(k, v)| (k.clone(), v.clone())).collect();
        a.retain(|(k, _)| !k.starts_with(b"Nonce/") && !k.starts_with(b"\0meta/"));
        let b: Vec<_> = b.into_iter().filter(|(k, _)| !k.starts_with(b"\0meta/")).collect();
        assert_eq!(a, b, "failed {} changed state", call.name());
        // Keep the chain moving so later submissions see the next height.
        self.state.commit(with_tx.changes);
        self.height += 1;
    }
}

/// Hyperparameters for fast tests: tempo 10, no rate limits, small subnets.
pub fn fast_hparams() -> SubnetHyperparams {
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

/// A genesis with funded accounts `alice`, `bob`, `carol`, sudo `sudo`, and subnet 1 owned by
/// `owner` (hotkey `owner-hk`), started, with fast hyperparameters and no neurons besides the owner.
pub fn base_config() -> GenesisConfig {
    let mut c = GenesisConfig::new("agora-test");
    c.sudo = Some(acc("sudo"));
    for name in ["alice", "bob", "carol", "owner", "sudo", "dave"] {
        c.balances.insert(acc(name), tao(10_000));
    }
    c.params.admin_freeze_window = 0;
    c.params.network_rate_limit = 0;
    c.subnets.push(GenesisSubnet {
        netuid: 1,
        owner: acc("owner"),
        owner_hotkey: acc("owner-hk"),
        started: true,
        register_owner: true,
        hyperparameters: fast_hparams(),
        neurons: Vec::<GenesisNeuron>::new(),
        pool: None,
        emission_enabled: true,
    });
    c
}
