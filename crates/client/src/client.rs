//! [`Client`]: the node's JSON-RPC methods as typed Rust calls, and signed calls that wait for
//! finality.
//!
//! Finality is BFT: a node stores a block only once it is final, so "included" and "finalised" are
//! the same event here, and a receipt found by hash is final.

use std::time::{Duration, Instant};

use agora_primitives::{AccountId, Balance, BlockNumber, Hash, NetUid, Pair, Uid};
use agora_runtime::hyperparams::SubnetHyperparams;
use agora_runtime::query::{ChainInfo, DelegateView, Metagraph, StakeView, SubnetView};
use agora_runtime::{Call, DispatchError, Event, Receipt, SignedTransaction};
use parity_scale_codec::Encode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::metagraph::{NeuronRow, neurons};
use crate::rpc::{ClientError, RpcClient};

/// The node's view of its chain (`chain_status`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChainStatus {
    /// Finalised height.
    pub height: BlockNumber,
    /// Hash of the finalised head.
    pub finalized_hash: String,
    /// State root after the head.
    pub state_root: Hash,
    /// Connected peers.
    pub peers: u64,
    /// Whether the node is far behind the network.
    pub syncing: bool,
    /// Genesis hash (transactions are signed for it).
    pub genesis_hash: Hash,
    /// Transactions waiting in the mempool.
    pub mempool: u64,
}

/// An account's free balance and nonce.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct AccountState {
    /// Free balance.
    pub free: Balance,
    /// Number of transactions the account has had included.
    pub nonce: u64,
}

/// A coldkey's free and staked TAO ([`Client::holdings`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Holdings {
    /// Free balance.
    pub free: Balance,
    /// Its stake positions valued in TAO (alpha at spot prices on a dynamic chain).
    pub staked: Balance,
}

impl Holdings {
    /// Free plus staked.
    pub fn total(&self) -> Balance {
        self.free.saturating_add(self.staked)
    }
}

/// Alpha prices by subnet, rao per alpha (a subnet without a pool prices at 1 TAO).
#[derive(Clone, Debug, Default)]
pub struct Prices(pub std::collections::BTreeMap<NetUid, u64>);

impl Prices {
    /// `netuid`'s price (1 TAO without a pool).
    pub fn price(&self, netuid: NetUid) -> u64 {
        self.0.get(&netuid).copied().unwrap_or(RAO_PER_TAO)
    }

    /// `amount` of stake on `netuid` in TAO at its spot price.
    pub fn value(&self, netuid: NetUid, amount: u64) -> Balance {
        Balance(value_at(amount, self.price(netuid)))
    }
}

/// `alpha` (rao) at `price` (rao per alpha), in rao of TAO, floored.
pub fn value_at(alpha: u64, price: u64) -> u64 {
    u64::try_from(u128::from(alpha) * u128::from(price) / u128::from(RAO_PER_TAO)).unwrap_or(u64::MAX)
}

const RAO_PER_TAO: u64 = 1_000_000_000;

/// Where a transaction is.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReceiptStatus {
    /// `finalized`, `in_mempool` or `unknown`.
    pub status: String,
    /// Height of the block holding it (finalised only).
    #[serde(default)]
    pub height: Option<BlockNumber>,
    /// Hash of that block.
    #[serde(default)]
    pub block: Option<String>,
    /// What it did (finalised only).
    #[serde(default)]
    pub receipt: Option<Receipt>,
}

/// Events and receipts of one finalised block.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BlockEvents {
    /// Height.
    pub height: BlockNumber,
    /// Block-level events (epochs, emission).
    pub events: Vec<Event>,
    /// One receipt per transaction.
    pub receipts: Vec<Receipt>,
}

/// A signed call that made it into a finalised block.
#[derive(Clone, Debug, Serialize)]
pub struct Finalized {
    /// Transaction hash.
    pub tx_hash: Hash,
    /// Height of its block.
    pub height: BlockNumber,
    /// Hash of its block.
    pub block: String,
    /// Its receipt (the call may still have failed: see [`Finalized::result`]).
    pub receipt: Receipt,
}

impl Finalized {
    /// `Ok` when the call succeeded, else the reference error it failed with.
    pub fn result(&self) -> Result<(), DispatchError> {
        self.receipt.result
    }

    /// The subnet the call created (its `NetworkAdded` event), if it created one.
    pub fn new_netuid(&self) -> Option<NetUid> {
        self.receipt.events.iter().find_map(|e| match e {
            Event::NetworkAdded { netuid, .. } => Some(*netuid),
            _ => None,
        })
    }
}

/// A finalised call with `result` and `events`, for tests.
#[cfg(test)]
pub(crate) fn finalized_for_tests(result: Result<(), DispatchError>, events: Vec<Event>) -> Finalized {
    let signer = Pair::from_seed(&[1; 32]).public();
    let receipt =
        Receipt { tx_hash: Hash([2; 32]), signer, nonce: 0, call: "test".into(), fee: Balance(0), result, events };
    Finalized { tx_hash: Hash([2; 32]), height: BlockNumber(3), block: "0x03".into(), receipt }
}

/// Why a signed call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The node could not be asked.
    #[error(transparent)]
    Rpc(#[from] ClientError),
    /// The call was final but failed on chain (fee and nonce were still taken).
    #[error("{}: {}", crate::advice::name(.error), crate::advice::advice(.error))]
    Failed {
        /// The error.
        error: DispatchError,
        /// Where it was final.
        finalized: Box<Finalized>,
    },
    /// The call was not final before the deadline; it may still be included later.
    #[error(
        "transaction {tx_hash} was not finalised within {waited:?} (still {status}); check it later with `agora chain receipt {tx_hash}`"
    )]
    Timeout {
        /// Its hash.
        tx_hash: Hash,
        /// How long we waited.
        waited: Duration,
        /// Its last known status.
        status: String,
    },
}

/// A typed client for one node.
#[derive(Clone, Debug)]
pub struct Client {
    rpc: RpcClient,
}

/// Accepts `http://HOST:PORT`, `ws://HOST:PORT` (the same port serves both) or `HOST:PORT`.
pub fn normalize_url(endpoint: &str) -> String {
    let endpoint = endpoint.trim();
    if let Some(rest) = endpoint.strip_prefix("ws://") {
        format!("http://{rest}")
    } else if endpoint.contains("://") {
        endpoint.to_string()
    } else {
        format!("http://{endpoint}")
    }
}

impl Client {
    /// A client for the node at `endpoint` (see [`normalize_url`]), 10 s per call.
    pub fn new(endpoint: &str) -> Result<Client, ClientError> {
        Ok(Client { rpc: RpcClient::new(&normalize_url(endpoint))? })
    }

    /// Changes the per-call timeout.
    pub fn with_timeout(self, timeout: Duration) -> Client {
        Client { rpc: self.rpc.with_timeout(timeout) }
    }

    /// The transport, for methods without a typed wrapper.
    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    /// Finalised height, genesis hash, peers.
    pub fn status(&self) -> Result<ChainStatus, ClientError> {
        self.rpc.request("chain_status", json!([]))
    }

    /// Chain-wide figures and parameters.
    pub fn chain_info(&self) -> Result<ChainInfo, ClientError> {
        self.rpc.request("state_chainInfo", json!([]))
    }

    /// The chain's economy (TAO era or dynamic TAO).
    pub fn economy(&self) -> Result<agora_runtime::pools::Economy, ClientError> {
        self.rpc.request("state_economy", json!([]))
    }

    /// Every subnet's pool, root's included (empty on a TAO-era chain).
    pub fn pools(&self) -> Result<Vec<agora_runtime::query::PoolInfo>, ClientError> {
        self.rpc.request("state_pools", json!([]))
    }

    /// Free balance and nonce of `who`.
    pub fn account(&self, who: &AccountId) -> Result<AccountState, ClientError> {
        self.rpc.request("state_balance", json!([who]))
    }

    /// Every subnet (root included).
    pub fn subnets(&self) -> Result<Vec<SubnetView>, ClientError> {
        self.rpc.request("state_subnets", json!([]))
    }

    /// One subnet.
    pub fn subnet(&self, netuid: NetUid) -> Result<SubnetView, ClientError> {
        self.rpc.request("state_subnet", json!([netuid.get()]))
    }

    /// A subnet's hyperparameters.
    pub fn hyperparameters(&self, netuid: NetUid) -> Result<SubnetHyperparams, ClientError> {
        self.rpc.request("state_hyperparameters", json!([netuid.get()]))
    }

    /// Every per-uid vector of a subnet in one round trip; `full` adds the weights and bonds rows.
    pub fn metagraph(&self, netuid: NetUid, full: bool) -> Result<Metagraph, ClientError> {
        let m: Metagraph = self.rpc.request("state_metagraph", json!([netuid.get(), full]))?;
        crate::metagraph::check(&m)
            .map_err(|error| ClientError::BadMetagraph { url: self.rpc.url().to_string(), error: Box::new(error) })?;
        Ok(m)
    }

    /// Value of `coldkey`'s stake on `hotkey` in `netuid`.
    pub fn stake(&self, coldkey: &AccountId, hotkey: &AccountId, netuid: NetUid) -> Result<Balance, ClientError> {
        self.rpc.request("state_stake", json!([coldkey, hotkey, netuid.get()]))
    }

    /// Every stake position of a coldkey.
    pub fn stakes_of_coldkey(&self, coldkey: &AccountId) -> Result<Vec<StakeView>, ClientError> {
        self.rpc.request("state_stakesOfColdkey", json!([coldkey]))
    }

    /// What `coldkey` holds: its free balance and its stake positions valued in TAO (on a
    /// dynamic chain each subnet's alpha at its spot price; in the TAO era stake is TAO).
    pub fn holdings(&self, coldkey: &AccountId) -> Result<Holdings, ClientError> {
        let free = self.account(coldkey)?.free;
        // A node older than dynamic TAO has no pools: its stake is TAO.
        let prices = self.prices().unwrap_or_default();
        let staked = self.stakes_of_coldkey(coldkey)?.iter().map(|s| prices.value(s.netuid, s.amount.rao())).sum();
        Ok(Holdings { free, staked })
    }

    /// Every subnet's alpha price (empty on a TAO-era chain, where alpha is TAO).
    pub fn prices(&self) -> Result<Prices, ClientError> {
        let pools = if self.economy()? == agora_runtime::pools::Economy::Dynamic { self.pools()? } else { Vec::new() };
        Ok(Prices(pools.into_iter().map(|p| (p.netuid, p.price)).collect()))
    }

    /// Every neuron whose coldkey is `coldkey`, on every subnet, as `(netuid, row)`.
    pub fn neurons_of_coldkey(&self, coldkey: &AccountId) -> Result<Vec<(NetUid, NeuronRow)>, ClientError> {
        let mut found = Vec::new();
        for subnet in self.subnets()? {
            let m = self.metagraph(subnet.netuid, false)?;
            let owned = neurons(&m).into_iter().filter(|r| r.coldkey == coldkey.to_ss58());
            found.extend(owned.map(|row| (subnet.netuid, row)));
        }
        Ok(found)
    }

    /// Every stake position on a hotkey.
    pub fn stakes_on_hotkey(&self, hotkey: &AccountId) -> Result<Vec<StakeView>, ClientError> {
        self.rpc.request("state_stakesOnHotkey", json!([hotkey]))
    }

    /// Every hotkey others can stake on, with its take.
    pub fn delegates(&self) -> Result<Vec<DelegateView>, ClientError> {
        self.rpc.request("state_delegates", json!([]))
    }

    /// The uid of `hotkey` on `netuid`, if registered.
    pub fn uid_of(&self, netuid: NetUid, hotkey: &AccountId) -> Result<Option<Uid>, ClientError> {
        self.rpc.request("state_uidOf", json!([netuid.get(), hotkey]))
    }

    /// Where a transaction is.
    pub fn receipt(&self, tx_hash: &Hash) -> Result<ReceiptStatus, ClientError> {
        self.rpc.request("chain_getReceipt", json!([tx_hash]))
    }

    /// Events and receipts of a finalised block.
    pub fn events(&self, height: BlockNumber) -> Result<BlockEvents, ClientError> {
        self.rpc.request("chain_getEvents", json!([height]))
    }

    /// Submits a signed transaction; returns its hash once the node's mempool accepted it.
    pub fn submit(&self, tx: &SignedTransaction) -> Result<Hash, ClientError> {
        let hex: String = tx.encode().iter().map(|b| format!("{b:02x}")).collect();
        self.rpc.request("author_submitTransaction", json!([format!("0x{hex}")]))
    }

    /// Signs `call` with `signer` at its next nonce and submits it.
    pub fn sign_and_submit(&self, signer: &Pair, call: Call) -> Result<Hash, ClientError> {
        let genesis = self.status()?.genesis_hash;
        let nonce = self.account(&signer.public())?.nonce;
        self.submit(&SignedTransaction::sign(signer, &genesis, nonce, call))
    }

    /// Waits until `tx_hash` is final, polling every `poll`, for at most `timeout`.
    pub fn wait_finalized(&self, tx_hash: Hash, timeout: Duration, poll: Duration) -> Result<Finalized, SubmitError> {
        let start = Instant::now();
        loop {
            let status = self.receipt(&tx_hash)?;
            if let (Some(height), Some(block), Some(receipt)) = (status.height, status.block, status.receipt) {
                let finalized = Finalized { tx_hash, height, block, receipt };
                return match finalized.result() {
                    Ok(()) => Ok(finalized),
                    Err(error) => Err(SubmitError::Failed { error, finalized: Box::new(finalized) }),
                };
            }
            if start.elapsed() >= timeout {
                return Err(SubmitError::Timeout { tx_hash, waited: start.elapsed(), status: status.status });
            }
            std::thread::sleep(poll.min(timeout.saturating_sub(start.elapsed())).max(Duration::from_millis(1)));
        }
    }

    /// Signs, submits and waits for finality: `Ok` only when the call succeeded on chain.
    pub fn submit_and_watch(&self, signer: &Pair, call: Call, timeout: Duration) -> Result<Finalized, SubmitError> {
        let tx_hash = self.sign_and_submit(signer, call)?;
        self.wait_finalized(tx_hash, timeout, Duration::from_millis(100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_normalise() {
        assert_eq!(normalize_url("ws://127.0.0.1:9944"), "http://127.0.0.1:9944");
        assert_eq!(normalize_url("127.0.0.1:9944"), "http://127.0.0.1:9944");
        assert_eq!(normalize_url(" http://node:1 "), "http://node:1");
        assert!(Client::new("wss://x:1").is_err(), "no TLS: refused, not silently downgraded");
    }

    #[test]
    fn a_new_subnet_is_read_from_its_network_added_event() {
        assert_eq!(finalized_for_tests(Ok(()), Vec::new()).new_netuid(), None);
        let owner = Pair::from_seed(&[3; 32]).public();
        let added = Event::NetworkAdded { netuid: NetUid(7), owner, lock: Balance(1) };
        assert_eq!(finalized_for_tests(Ok(()), vec![added]).new_netuid(), Some(NetUid(7)));
    }
}
