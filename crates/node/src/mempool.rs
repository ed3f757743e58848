//! The mempool: signed transactions (in either envelope, see [`Envelope`]) waiting for a block.
//!
//! - **Admission** runs the runtime's own validity check ([`validate_transaction`]) against the
//!   committed state: size limits, signature for this chain, nonce, balance for the fee. A nonce up
//!   to [`MempoolConfig::max_nonce_gap`] ahead is kept for later; a stale nonce is refused.
//! - **Ordering**: per account by nonce; across accounts by arrival. A proposer takes, for each
//!   account, the run of nonces that starts at the account's nonce in the parent state.
//! - **Bounds**: at most [`MempoolConfig::capacity`] transactions, [`MempoolConfig::max_bytes`]
//!   bytes and [`MempoolConfig::max_per_account`] per account, of which at most
//!   [`MempoolConfig::max_parked_bytes_per_account`] may wait behind a missing nonce. When full, the newest transactions
//!   of the accounts holding the most are evicted to make room for an account holding fewer (as
//!   many as the count and the bytes need, or none and a refusal), so one spammer cannot lock
//!   others out. A full account may still fill a gap in its own queue (its newest goes).
//! - **Re-validation** after each finalised block drops what was included or became stale, what
//!   waited over [`MempoolConfig::max_park_blocks`] behind a missing nonce, and Substrate
//!   extrinsics whose era ended. Whatever is dropped takes the account's later nonces with it
//!   (they could never be included), and every drop is reported with its reason, so an
//!   acknowledged transaction is either final or reported dropped.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use agora_primitives::{AccountId, Hash};
use agora_runtime::state::{GLOBAL_PARAMS, NONCES};
use agora_runtime::storage::StorageRead;
use agora_runtime::{Transaction, TransactionError, dry_run, fee_for, is_free_call, validate_transaction};

use crate::block::Envelope;

/// Mempool limits.
#[derive(Clone, Copy, Debug)]
pub struct MempoolConfig {
    /// Most transactions held.
    pub capacity: usize,
    /// Most transactions held for one account.
    pub max_per_account: usize,
    /// How far ahead of the account's nonce a transaction may be.
    pub max_nonce_gap: u64,
    /// Most bytes held (sum of encoded transactions).
    pub max_bytes: usize,
    /// Blocks a transaction may wait behind a missing nonce before it is dropped.
    pub max_park_blocks: u64,
    /// Most bytes one account may hold parked behind a missing nonce.
    pub max_parked_bytes_per_account: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            capacity: 20_000,
            max_per_account: 2_048,
            max_nonce_gap: 2_048,
            max_bytes: 64 * 1024 * 1024,
            max_park_blocks: 1_200,
            max_parked_bytes_per_account: 1024 * 1024,
        }
    }
}

/// Why a transaction was not admitted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MempoolError {
    /// The runtime says it can never be included as is.
    #[error("invalid transaction: {0}")]
    Invalid(TransactionError),
    /// Already held.
    #[error("transaction {0} is already in the mempool")]
    Duplicate(Hash),
    /// Another transaction with this signer and nonce is held.
    #[error("another transaction with nonce {nonce} from this account is already pending")]
    NonceTaken {
        /// The nonce.
        nonce: u64,
    },
    /// The nonce is too far ahead.
    #[error("nonce {got} is more than {gap} ahead of the account's nonce {expected}")]
    NonceTooFarAhead {
        /// Account nonce.
        expected: u64,
        /// Offered nonce.
        got: u64,
        /// Allowed gap.
        gap: u64,
    },
    /// The account holds its maximum.
    #[error("this account already has {0} pending transactions")]
    AccountFull(usize),
    /// The account holds its maximum of bytes parked behind a missing nonce.
    #[error(
        "this account already has {parked} bytes waiting behind nonce {missing} (at most {limit}); send nonce {missing} first"
    )]
    ParkedFull {
        /// Bytes parked, with this transaction.
        parked: usize,
        /// The most allowed.
        limit: usize,
        /// The nonce they wait for.
        missing: u64,
    },
    /// The mempool is full.
    #[error("the mempool is full ({0} transactions); retry later")]
    Full(usize),
    /// A Substrate extrinsic that does not check against the chain (era, signature, call).
    #[error(transparent)]
    Refused(#[from] agora_substrate::checked::Refusal),
    /// The node cannot read its state to check the transaction.
    #[error("the node cannot check transactions right now: {0}")]
    Unavailable(String),
}

#[derive(Clone, Debug)]
struct Entry {
    tx: Envelope,
    seq: u64,
    /// The first height a Substrate extrinsic's era no longer covers (from its birth as seen at
    /// admission); `None` for what does not expire.
    expires_at: Option<u64>,
    /// The committed height when it was admitted.
    admitted_at: u64,
}

/// The pending transactions.
#[derive(Debug, Default)]
pub struct Mempool {
    config: MempoolConfig,
    by_account: BTreeMap<AccountId, BTreeMap<u64, Entry>>,
    by_hash: BTreeMap<Hash, (AccountId, u64)>,
    next_seq: u64,
    bytes: usize,
    /// Dropped as a consequence of another change (evicted, or stranded behind a dropped
    /// nonce), for the caller to tell their watchers ([`Mempool::take_dropped`]).
    dropped: Vec<(Hash, String)>,
    /// The latest drops and their reasons, for receipts ([`Mempool::dropped_reason`]).
    log: DropLog,
}

/// Drops remembered for receipts: the newest [`DropLog::CAPACITY`].
#[derive(Debug, Default)]
struct DropLog {
    reasons: BTreeMap<Hash, String>,
    order: std::collections::VecDeque<Hash>,
}

impl DropLog {
    /// Drops remembered (about 100 bytes each).
    const CAPACITY: usize = 65_536;

    fn record(&mut self, drops: &[(Hash, String)]) {
        for (hash, reason) in drops {
            if self.reasons.insert(*hash, reason.clone()).is_none() {
                self.order.push_back(*hash);
            }
            while self.order.len() > Self::CAPACITY {
                if let Some(old) = self.order.pop_front() {
                    self.reasons.remove(&old);
                }
            }
        }
    }
}

impl Mempool {
    /// An empty mempool.
    pub fn new(config: MempoolConfig) -> Mempool {
        Mempool { config, ..Mempool::default() }
    }

    /// Number of transactions held.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Whether `hash` is held.
    pub fn contains(&self, hash: &Hash) -> bool {
        self.by_hash.contains_key(hash)
    }

    /// Removes `hash`; whether it was held. The account's later nonces, stranded behind it, are
    /// dropped too (see [`Mempool::take_dropped`]).
    pub fn remove(&mut self, hash: &Hash) -> bool {
        let Some(&(account, nonce)) = self.by_hash.get(hash) else { return false };
        self.take(&account, nonce);
        self.drop_after(&account, nonce);
        true
    }

    /// What was dropped as a consequence of other changes since the last call, with the reason.
    pub fn take_dropped(&mut self) -> Vec<(Hash, String)> {
        let dropped = std::mem::take(&mut self.dropped);
        self.log.record(&dropped);
        dropped
    }

    /// Removes one entry, keeping the indexes and the byte count right.
    fn take(&mut self, account: &AccountId, nonce: u64) -> Option<Entry> {
        let queue = self.by_account.get_mut(account)?;
        let entry = queue.remove(&nonce)?;
        if queue.is_empty() {
            self.by_account.remove(account);
        }
        self.by_hash.remove(&entry.tx.hash());
        self.bytes -= entry.tx.encoded_size();
        Some(entry)
    }

    /// Drops `account`'s transactions after `nonce` (which was just dropped): they could never
    /// be included without it.
    fn drop_after(&mut self, account: &AccountId, nonce: u64) {
        let later: Vec<u64> =
            self.by_account.get(account).map_or(Vec::new(), |q| q.range(nonce + 1..).map(|(n, _)| *n).collect());
        for n in later {
            if let Some(entry) = self.take(account, n) {
                self.dropped.push((entry.tx.hash(), format!("dropped: nonce {nonce} before it was dropped")));
            }
        }
    }

    /// Removes the Substrate extrinsics whose era has ended by block `height` (Agora's own
    /// transactions do not expire). Returns what was dropped, with the reason.
    pub fn drop_expired(&mut self, height: u64) -> Vec<(Hash, String)> {
        let expired: Vec<Hash> = self
            .by_account
            .values()
            .flat_map(|queue| queue.values())
            .filter(|e| e.expires_at.is_some_and(|end| height >= end))
            .map(|e| e.tx.hash())
            .collect();
        let reason = agora_substrate::checked::Refusal::Outdated.to_string();
        let dropped: Vec<(Hash, String)> =
            expired.into_iter().filter(|h| self.remove(h)).map(|h| (h, reason.clone())).collect();
        self.log.record(&dropped);
        dropped
    }

    /// Why `hash` was dropped, if it was among the latest drops. A transaction that left as
    /// `stale` may also have been included: a receipt checks the chain first.
    pub fn dropped_reason(&self, hash: &Hash) -> Option<&str> {
        self.log.reasons.get(hash).map(String::as_str)
    }

    /// The nonce `who`'s next transaction needs: past the committed `state_nonce` and every
    /// pending transaction of `who` that follows it without a gap.
    pub fn next_nonce(&self, who: &AccountId, state_nonce: u64) -> u64 {
        let mut next = state_nonce;
        if let Some(pending) = self.by_account.get(who) {
            while pending.contains_key(&next) {
                next += 1;
            }
        }
        next
    }

    /// Admits `tx` after checking `runs` (what the runtime runs for it, see
    /// [`Envelope::authenticate`]) against `state` (the committed state); returns its hash.
    /// Transactions evicted to make room are in [`Mempool::take_dropped`].
    pub fn admit(
        &mut self,
        state: &(impl StorageRead + ?Sized),
        tx: Envelope,
        runs: &Transaction,
    ) -> Result<Hash, MempoolError> {
        let hash = tx.hash();
        if self.by_hash.contains_key(&hash) {
            return Err(MempoolError::Duplicate(hash));
        }
        match validate_transaction(state, runs) {
            // A free call that would fail and cannot pay is refused now, with the reason,
            // rather than skipped by every proposer.
            Ok(()) if is_free_call(state, runs.signer(), runs.call()) => {
                if let Err(e @ TransactionError::FreeCallFails { .. }) = dry_run(state, runs) {
                    return Err(MempoolError::Invalid(e));
                }
            }
            Ok(()) => {}
            Err(TransactionError::FutureNonce { expected, got }) => {
                if got - expected > self.config.max_nonce_gap {
                    return Err(MempoolError::NonceTooFarAhead { expected, got, gap: self.config.max_nonce_gap });
                }
                // The account must afford the fees of every transaction up to this one, so
                // parking future nonces is not free.
                // The chain's fee even for a free call: one that fails pays it, and a parked
                // transaction must not be free to hold.
                let fee = GLOBAL_PARAMS.get(state).tx_fee;
                let needed = fee.saturating_mul(got - expected + 1);
                let balance = agora_runtime::query::balance(state, &tx.signer()).0;
                if balance < needed {
                    return Err(MempoolError::Invalid(TransactionError::CannotPayFee { balance, fee: needed }));
                }
                // Parked bytes are bounded per account, so one key cannot fill the pool with
                // transactions that may never run.
                let (missing, parked) = self.parked(&tx.signer(), expected);
                let parked = parked + tx.encoded_size();
                let limit = self.config.max_parked_bytes_per_account;
                if got > missing && parked > limit {
                    return Err(MempoolError::ParkedFull { parked, limit, missing });
                }
            }
            Err(e) => return Err(MempoolError::Invalid(e)),
        }
        let (signer, nonce) = (tx.signer(), tx.nonce());
        if let Some(queue) = self.by_account.get(&signer)
            && queue.contains_key(&nonce)
        {
            return Err(MempoolError::NonceTaken { nonce });
        }
        let queue_len = self.by_account.get(&signer).map_or(0, BTreeMap::len);
        if queue_len >= self.config.max_per_account {
            // A full account may still fill a gap in its own queue: its newest goes instead.
            let newest = self.by_account.get(&signer).and_then(|q| q.last_key_value()).map(|(n, _)| *n);
            match newest {
                Some(newest) if newest > nonce => {
                    if let Some(entry) = self.take(&signer, newest) {
                        self.dropped.push((entry.tx.hash(), format!("replaced by nonce {nonce}: the account is full")));
                    }
                }
                _ => return Err(MempoolError::AccountFull(queue_len)),
            }
        }
        let queue_len = self.by_account.get(&signer).map_or(0, BTreeMap::len);
        let size = tx.encoded_size();
        if size > self.config.max_bytes {
            return Err(MempoolError::Full(self.len()));
        }
        // Evict until it fits in both the count and the bytes, or refuse (nothing evicted).
        if !self.can_make_room(queue_len, size) {
            return Err(MempoolError::Full(self.len()));
        }
        while self.len() >= self.config.capacity || self.bytes + size > self.config.max_bytes {
            match self.evict_for(queue_len) {
                Some(evicted) => self.dropped.push((evicted, "evicted: mempool full".to_string())),
                None => return Err(MempoolError::Full(self.len())),
            }
        }
        self.bytes += size;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_hash.insert(hash, (signer, nonce));
        let admitted_at = agora_runtime::state::BLOCK_NUMBER.get(state);
        let expires_at = match &tx {
            Envelope::Substrate(xt) => match xt.decoded().era {
                agora_substrate::era::Era::Mortal { period, .. } => {
                    Some(xt.decoded().era.birth(admitted_at + 1).saturating_add(period))
                }
                agora_substrate::era::Era::Immortal => None,
            },
            Envelope::Agora(_) => None,
        };
        self.by_account.entry(signer).or_default().insert(nonce, Entry { tx, seq, expires_at, admitted_at });
        Ok(hash)
    }

    /// The first nonce `account` is missing from `nonce` on, and the bytes it holds above it
    /// (parked: they cannot run until it arrives).
    fn parked(&self, account: &AccountId, nonce: u64) -> (u64, usize) {
        let Some(queue) = self.by_account.get(account) else { return (nonce, 0) };
        let run =
            (nonce..).zip(queue.range(nonce..).map(|(n, _)| *n)).take_while(|(expected, n)| n == expected).count();
        let missing = nonce + run as u64;
        (missing, queue.range(missing..).map(|(_, e)| e.tx.encoded_size()).sum())
    }

    /// Whether evicting (as [`Mempool::evict_for`] would) can make room for `size` bytes from an
    /// account holding `queue_len`: the others' transactions above `queue_len + 1` each.
    fn can_make_room(&self, queue_len: usize, size: usize) -> bool {
        let (mut count, mut bytes) = (self.len(), self.bytes);
        if count < self.config.capacity && bytes + size <= self.config.max_bytes {
            return true;
        }
        let mut spare: Vec<(usize, Vec<usize>)> = self
            .by_account
            .values()
            .filter(|q| q.len() > queue_len + 1)
            .map(|q| (q.len(), q.values().rev().map(|e| e.tx.encoded_size()).collect()))
            .collect();
        // Evict from the largest queue first, newest first, while it holds more than queue_len + 1.
        loop {
            let Some(largest) = spare.iter_mut().filter(|(len, _)| *len > queue_len + 1).max_by_key(|(len, _)| *len)
            else {
                return false;
            };
            let freed = largest.1[largest.1.len() - largest.0];
            largest.0 -= 1;
            count -= 1;
            bytes -= freed;
            if count < self.config.capacity && bytes + size <= self.config.max_bytes {
                return true;
            }
        }
    }

    /// Evicts the newest transaction of the account holding the most, if it holds more than
    /// `queue_len` (the newcomer's account).
    fn evict_for(&mut self, queue_len: usize) -> Option<Hash> {
        let (account, len) = self.by_account.iter().map(|(a, q)| (*a, q.len())).max_by_key(|(_, len)| *len)?;
        if len <= queue_len + 1 {
            return None;
        }
        let queue = self.by_account.get_mut(&account)?;
        let (_, entry) = queue.pop_last()?;
        if queue.is_empty() {
            self.by_account.remove(&account);
        }
        let hash = entry.tx.hash();
        self.by_hash.remove(&hash);
        self.bytes -= entry.tx.encoded_size();
        Some(hash)
    }

    /// Transactions a proposer can include on top of `state`, in inclusion order: per account the
    /// run of consecutive nonces from the account's nonce in `state`, accounts interleaved by
    /// arrival.
    pub fn candidates(&self, state: &(impl StorageRead + ?Sized), max: usize) -> Vec<Envelope> {
        // Per account: the executable run.
        let mut runs: Vec<Vec<&Entry>> = Vec::new();
        for (account, queue) in &self.by_account {
            let first = NONCES.get(state, account);
            let run: Vec<&Entry> = (first..)
                .zip(queue.range(first..))
                .take_while(|(expected, (n, _))| *n == expected)
                .map(|(_, (_, entry))| entry)
                .collect();
            if !run.is_empty() {
                runs.push(run);
            }
        }
        // Merge the runs by arrival, keeping each run's order.
        let mut heap: BinaryHeap<Reverse<(u64, usize, usize)>> =
            runs.iter().enumerate().map(|(r, run)| Reverse((run[0].seq, r, 0))).collect();
        let mut out = Vec::new();
        while let Some(Reverse((_, r, i))) = heap.pop() {
            if out.len() >= max {
                break;
            }
            out.push(runs[r][i].tx.clone());
            if let Some(next) = runs[r].get(i + 1) {
                heap.push(Reverse((next.seq, r, i + 1)));
            }
        }
        out
    }

    /// Drops what `state` (the new committed state) makes stale: nonces below the account's,
    /// and an account's next transaction if it can no longer pay its fee. Returns what was
    /// dropped, with the reason.
    pub fn revalidate(&mut self, state: &(impl StorageRead + ?Sized)) -> Vec<(Hash, String)> {
        let mut dropped = Vec::new();
        let accounts: Vec<AccountId> = self.by_account.keys().copied().collect();
        for account in accounts {
            let nonce = NONCES.get(state, &account);
            let Some(queue) = self.by_account.get_mut(&account) else { continue };
            let fresh = queue.split_off(&nonce);
            for (_, entry) in std::mem::replace(queue, fresh) {
                let hash = entry.tx.hash();
                self.by_hash.remove(&hash);
                self.bytes -= entry.tx.encoded_size();
                dropped.push((hash, "stale".to_string()));
            }
            // Only the fee can have changed for the next transaction (its signature was checked).
            let fee = queue.get(&nonce).and_then(|e| e.tx.call()).map(|call| fee_for(state, &account, &call));
            let fee = fee.unwrap_or_else(|| GLOBAL_PARAMS.get(state).tx_fee);
            let balance = agora_runtime::query::balance(state, &account).0;
            if queue.is_empty() {
                self.by_account.remove(&account);
            }
            if balance < fee
                && let Some(entry) = self.take(&account, nonce)
            {
                dropped.push((entry.tx.hash(), TransactionError::CannotPayFee { balance, fee }.to_string()));
                self.drop_after(&account, nonce);
                continue;
            }
            // Transactions parked behind a missing nonce for too long are dropped.
            let height = agora_runtime::state::BLOCK_NUMBER.get(state);
            let Some(queue) = self.by_account.get(&account) else { continue };
            let run = (nonce..).zip(queue.keys()).take_while(|(expected, n)| *n == expected).count() as u64;
            let stale: Vec<u64> = queue
                .range(nonce + run..)
                .filter(|(_, e)| height.saturating_sub(e.admitted_at) > self.config.max_park_blocks)
                .map(|(n, _)| *n)
                .collect();
            for n in stale {
                if let Some(entry) = self.take(&account, n) {
                    let reason = format!(
                        "expired: waited over {} blocks for nonce {}",
                        self.config.max_park_blocks,
                        nonce + run
                    );
                    dropped.push((entry.tx.hash(), reason));
                }
            }
        }
        dropped.append(&mut self.dropped);
        self.log.record(&dropped);
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agora_primitives::{Balance, Pair};
    use agora_runtime::{Call, GenesisConfig, SignedTransaction, storage::MemoryStorage};
    use parity_scale_codec::Encode;

    fn setup(accounts: u8) -> (MemoryStorage, Hash, Vec<Pair>) {
        let pairs: Vec<_> = (1..=accounts).map(|i| Pair::from_seed(&[i; 32])).collect();
        let mut config = GenesisConfig::new("mempool");
        for p in &pairs {
            config.balances.insert(p.public(), Balance::from_tao(10).unwrap());
        }
        let genesis = config.build().unwrap();
        let hash = genesis.genesis_hash;
        (genesis.into_memory(), hash, pairs)
    }

    fn admit(pool: &mut Mempool, state: &MemoryStorage, tx: SignedTransaction) -> Result<Hash, MempoolError> {
        let runs = Transaction::Signed(tx.clone());
        pool.admit(state, Envelope::Agora(tx), &runs)
    }

    fn tx(p: &Pair, genesis: &Hash, nonce: u64) -> SignedTransaction {
        SignedTransaction::sign(p, genesis, nonce, Call::Transfer { dest: AccountId([9; 32]), amount: Balance(1000) })
    }

    #[test]
    fn orders_by_nonce_and_interleaves_accounts_by_arrival() {
        let (state, g, pairs) = setup(2);
        let mut pool = Mempool::new(MempoolConfig::default());
        admit(&mut pool, &state, tx(&pairs[0], &g, 1)).unwrap(); // future, waits for 0
        admit(&mut pool, &state, tx(&pairs[1], &g, 0)).unwrap();
        admit(&mut pool, &state, tx(&pairs[0], &g, 0)).unwrap();
        admit(&mut pool, &state, tx(&pairs[0], &g, 3)).unwrap(); // gap: not a candidate yet
        let order: Vec<_> = pool.candidates(&state, 100).iter().map(|t| (t.signer(), t.nonce())).collect();
        // pairs[1]'s transaction arrived before pairs[0]'s executable nonce 0.
        assert_eq!(order, vec![(pairs[1].public(), 0), (pairs[0].public(), 0), (pairs[0].public(), 1)]);
        assert_eq!(pool.candidates(&state, 1).len(), 1);
    }

    #[test]
    fn refuses_bad_input_with_reasons() {
        let (state, g, pairs) = setup(1);
        let mut pool = Mempool::new(MempoolConfig {
            capacity: 10,
            max_per_account: 3,
            max_nonce_gap: 5,
            ..MempoolConfig::default()
        });
        let t = tx(&pairs[0], &g, 0);
        admit(&mut pool, &state, t.clone()).unwrap();
        assert!(matches!(admit(&mut pool, &state, t), Err(MempoolError::Duplicate(_))));
        let other =
            SignedTransaction::sign(&pairs[0], &g, 0, Call::Transfer { dest: AccountId([8; 32]), amount: Balance(1) });
        assert_eq!(admit(&mut pool, &state, other), Err(MempoolError::NonceTaken { nonce: 0 }));
        assert!(matches!(admit(&mut pool, &state, tx(&pairs[0], &g, 9)), Err(MempoolError::NonceTooFarAhead { .. })));
        let wrong_chain = tx(&pairs[0], &Hash([1; 32]), 1);
        assert_eq!(admit(&mut pool, &state, wrong_chain), Err(MempoolError::Invalid(TransactionError::BadSignature)));
        admit(&mut pool, &state, tx(&pairs[0], &g, 1)).unwrap();
        admit(&mut pool, &state, tx(&pairs[0], &g, 2)).unwrap();
        assert_eq!(admit(&mut pool, &state, tx(&pairs[0], &g, 3)), Err(MempoolError::AccountFull(3)));
        let poor = Pair::from_seed(&[77; 32]);
        let mut state_with_fee = state.clone();
        let mut params = agora_runtime::state::GLOBAL_PARAMS.get(&state_with_fee);
        params.tx_fee = 1;
        agora_runtime::state::GLOBAL_PARAMS.set(&mut state_with_fee, &params);
        assert!(matches!(
            admit(&mut pool, &state_with_fee, tx(&poor, &g, 0)),
            Err(MempoolError::Invalid(TransactionError::CannotPayFee { .. }))
        ));
    }

    #[test]
    fn full_pool_evicts_the_heaviest_account_not_the_newcomer() {
        let (state, g, pairs) = setup(3);
        let mut pool = Mempool::new(MempoolConfig {
            capacity: 4,
            max_per_account: 10,
            max_nonce_gap: 10,
            ..MempoolConfig::default()
        });
        let spam: Vec<_> = (0..4).map(|n| tx(&pairs[0], &g, n)).collect();
        for t in &spam {
            admit(&mut pool, &state, t.clone()).unwrap();
        }
        admit(&mut pool, &state, tx(&pairs[1], &g, 0)).unwrap();
        assert_eq!(pool.take_dropped(), vec![(spam[3].hash(), "evicted: mempool full".to_string())]);
        assert_eq!(pool.len(), 4);
        // The spammer cannot push the others out in turn.
        assert!(matches!(admit(&mut pool, &state, tx(&pairs[0], &g, 4)), Err(MempoolError::Full(4))));
    }

    #[test]
    fn parking_future_nonces_needs_the_fees() {
        let (mut state, g, pairs) = setup(1);
        let mut params = GLOBAL_PARAMS.get(&state);
        params.tx_fee = Balance::from_tao(1).unwrap().0; // 10 TAO of balance pays 10 fees
        GLOBAL_PARAMS.set(&mut state, &params);
        let mut pool = Mempool::new(MempoolConfig::default());
        admit(&mut pool, &state, tx(&pairs[0], &g, 5)).unwrap();
        assert!(matches!(
            admit(&mut pool, &state, tx(&pairs[0], &g, 10)),
            Err(MempoolError::Invalid(TransactionError::CannotPayFee { .. }))
        ));
        let stranger = Pair::from_seed(&[99; 32]);
        assert!(admit(&mut pool, &state, tx(&stranger, &g, 3)).is_err(), "an unfunded key cannot park transactions");
    }

    #[test]
    fn revalidation_drops_stale_nonces() {
        let (mut state, g, pairs) = setup(1);
        let mut pool = Mempool::new(MempoolConfig::default());
        for n in 0..3 {
            admit(&mut pool, &state, tx(&pairs[0], &g, n)).unwrap();
        }
        NONCES.set(&mut state, &pairs[0].public(), &2);
        let dropped = pool.revalidate(&state);
        assert_eq!(dropped.len(), 2);
        assert_eq!(pool.len(), 1);
        assert_eq!(pool.candidates(&state, 10)[0].nonce(), 2);
    }

    #[test]
    fn the_byte_cap_holds_even_when_large_transactions_replace_small_ones() {
        let (state, g, pairs) = setup(3);
        let weights = |p: &Pair, nonce: u64, n: usize| {
            let call = Call::SetWeights {
                netuid: agora_primitives::NetUid(1),
                dests: vec![0; n],
                weights: vec![0; n],
                version_key: 0,
            };
            SignedTransaction::sign(p, &g, nonce, call)
        };
        let small = tx(&pairs[0], &g, 0).encoded_size();
        let big = weights(&pairs[1], 0, 2_000).encoded_size();
        let config = MempoolConfig { max_bytes: 4 * small + big, ..MempoolConfig::default() };
        let mut pool = Mempool::new(config);
        for n in 0..5 {
            admit(&mut pool, &state, tx(&pairs[0], &g, n)).unwrap();
        }
        // The big one fits only by evicting the spammer's newest; never over the cap.
        admit(&mut pool, &state, weights(&pairs[1], 0, 2_000)).unwrap();
        assert!(pool.bytes <= config.max_bytes, "{} > {}", pool.bytes, config.max_bytes);
        assert_eq!(pool.take_dropped().len(), 1);
        // Another big one cannot fit without emptying queues below their fair share: refused,
        // and nothing evicted for it.
        assert!(matches!(admit(&mut pool, &state, weights(&pairs[2], 0, 2_000)), Err(MempoolError::Full(_))));
        assert!(pool.take_dropped().is_empty());
        assert!(pool.bytes <= config.max_bytes);
    }

    #[test]
    fn a_full_account_can_fill_its_own_gap() {
        let (state, g, pairs) = setup(1);
        let mut pool = Mempool::new(MempoolConfig { max_per_account: 3, ..MempoolConfig::default() });
        for n in [1, 2, 3] {
            admit(&mut pool, &state, tx(&pairs[0], &g, n)).unwrap();
        }
        assert_eq!(admit(&mut pool, &state, tx(&pairs[0], &g, 4)), Err(MempoolError::AccountFull(3)));
        admit(&mut pool, &state, tx(&pairs[0], &g, 0)).unwrap();
        let nonces: Vec<_> = pool.candidates(&state, 10).iter().map(Envelope::nonce).collect();
        assert_eq!(nonces, vec![0, 1, 2]);
        assert_eq!(pool.take_dropped()[0].1, "replaced by nonce 0: the account is full");
    }

    #[test]
    fn what_is_stranded_behind_a_dropped_nonce_is_dropped_and_parked_transactions_expire() {
        let (mut state, g, pairs) = setup(2);
        let mut pool = Mempool::new(MempoolConfig { max_park_blocks: 10, ..MempoolConfig::default() });
        let hashes: Vec<Hash> = (0..3).map(|n| admit(&mut pool, &state, tx(&pairs[0], &g, n)).unwrap()).collect();
        assert!(pool.remove(&hashes[1]));
        let dropped = pool.take_dropped();
        assert_eq!(dropped, vec![(hashes[2], "dropped: nonce 1 before it was dropped".to_string())]);
        assert_eq!(pool.len(), 1);
        // Parked behind a gap (nonce 5 while 0 is next): kept for 10 blocks, then dropped.
        let parked = admit(&mut pool, &state, tx(&pairs[1], &g, 5)).unwrap();
        agora_runtime::state::BLOCK_NUMBER.set(&mut state, &10);
        assert!(pool.revalidate(&state).is_empty());
        agora_runtime::state::BLOCK_NUMBER.set(&mut state, &11);
        let dropped = pool.revalidate(&state);
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].0, parked);
        assert!(dropped[0].1.contains("waited over 10 blocks for nonce 0"), "{dropped:?}");
        assert!(pool.contains(&hashes[0]), "the executable one stays");
        // Each drop is remembered with its reason, for receipts.
        assert_eq!(pool.dropped_reason(&hashes[2]), Some("dropped: nonce 1 before it was dropped"));
        assert!(pool.dropped_reason(&parked).unwrap().contains("waited over 10 blocks"));
        assert_eq!(pool.dropped_reason(&hashes[0]), None);
    }

    #[test]
    fn parked_bytes_are_bounded_per_account() {
        let (state, g, pairs) = setup(2);
        let size = Envelope::Agora(tx(&pairs[0], &g, 1)).encoded_size();
        let config = MempoolConfig { max_parked_bytes_per_account: 3 * size, ..MempoolConfig::default() };
        let mut pool = Mempool::new(config);
        for n in [1, 2, 3] {
            admit(&mut pool, &state, tx(&pairs[0], &g, n)).unwrap();
        }
        let refused = admit(&mut pool, &state, tx(&pairs[0], &g, 4));
        assert_eq!(refused, Err(MempoolError::ParkedFull { parked: 4 * size, limit: 3 * size, missing: 0 }));
        assert!(refused.unwrap_err().to_string().contains("send nonce 0 first"));
        // Another account parks its own; the gap itself is always welcome, and then more fit.
        admit(&mut pool, &state, tx(&pairs[1], &g, 1)).unwrap();
        admit(&mut pool, &state, tx(&pairs[0], &g, 0)).unwrap();
        admit(&mut pool, &state, tx(&pairs[0], &g, 4)).unwrap();
        assert_eq!(pool.len(), 6);
    }
}
