//! The one path from scores to a weights transaction, shared by `agora weights` and every
//! subnet validator: scores → one dense vector indexed by uid → [`process_weights_for_netuid`] →
//! [`convert_weights_and_uids_for_emit`] → `set_weights`, or `commit_weights` now and
//! `reveal_weights` later from a [`CommitRecord`].
//!
//! [`prepare_weights`] also runs the chain's own checks first (subnet exists, commit-reveal mode,
//! registration, vector sizes, duplicate or unknown uids, the weights rate limit) and refuses with
//! the chain's [`DispatchError`], so a mistake costs no fee.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use agora_primitives::{AccountId, BlockCount, BlockNumber, Hash, NetUid};
use agora_runtime::hyperparams::SubnetHyperparams;
use agora_runtime::{Call, DispatchError};
use serde::{Deserialize, Serialize};

use crate::SubmitError;
use crate::rpc::ClientError;
use crate::weights::{
    WeightsError, convert_weights_and_uids_for_emit, generate_weight_hash, process_weights_for_netuid,
};
use crate::{Client, advice};

/// How the weights go on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightsMode {
    /// `set_weights` (subnets without commit-reveal).
    Set,
    /// `commit_weights`, then `reveal_weights` (subnets with commit-reveal).
    Commit,
}

/// Why weights were not prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// The chain would refuse the call with this error; nothing was signed.
    #[error("{}: {detail}", advice::name(.error))]
    Refused {
        /// The chain's error.
        error: DispatchError,
        /// What is wrong and what to do.
        detail: String,
    },
    /// The scores cannot be turned into weights.
    #[error(transparent)]
    Weights(#[from] WeightsError),
    /// Every score is zero (or rounds to zero): there is nothing to set.
    #[error("every weight is zero; nothing to set")]
    AllZero,
    /// The node could not be asked.
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl PrepareError {
    /// The chain error this refusal stands for, if it is one.
    pub fn dispatch_error(&self) -> Option<DispatchError> {
        match self {
            PrepareError::Refused { error, .. } => Some(*error),
            _ => None,
        }
    }
}

fn refuse(error: DispatchError, detail: impl Into<String>) -> PrepareError {
    PrepareError::Refused { error, detail: detail.into() }
}

/// Weights processed as the reference SDK does, ready to sign.
#[derive(Clone, Debug)]
pub struct PreparedWeights {
    /// The subnet.
    pub netuid: NetUid,
    /// The hotkey that sets them.
    pub hotkey: AccountId,
    /// Target uids (zero weights dropped).
    pub uids: Vec<u16>,
    /// u16 weights, max-upscaled.
    pub values: Vec<u16>,
    /// Version key sent with them.
    pub version_key: u64,
    /// The chain's height when they were prepared.
    pub block: BlockNumber,
    /// The subnet's hyperparameters at that height.
    pub hyperparameters: SubnetHyperparams,
}

impl PreparedWeights {
    /// The `set_weights` call.
    pub fn set_call(&self) -> Call {
        Call::SetWeights {
            netuid: self.netuid,
            dests: self.uids.clone(),
            weights: self.values.clone(),
            version_key: self.version_key,
        }
    }

    /// [`PreparedWeights::commit`] with eight random salt words from the operating system.
    pub fn commit_with_random_salt(&self) -> Result<CommitRecord, agora_primitives::RandomError> {
        let salt: [u8; 16] = agora_primitives::random_bytes()?;
        Ok(self.commit(salt.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()))
    }

    /// A commit of these weights with `salt`, to be revealed from the next reveal period on.
    pub fn commit(&self, salt: Vec<u16>) -> CommitRecord {
        let commit_hash =
            generate_weight_hash(&self.hotkey, self.netuid, &self.uids, &self.values, self.version_key, &salt);
        let period_blocks = BlockCount(u64::from(self.hyperparameters.tempo) + 1);
        CommitRecord {
            netuid: self.netuid,
            hotkey: self.hotkey,
            uids: self.uids.clone(),
            values: self.values.clone(),
            salt,
            version_key: self.version_key,
            commit_hash,
            block: self.block,
            reveal_from: self
                .block
                .after(BlockCount(period_blocks.get() * self.hyperparameters.reveal_period_epochs.max(1))),
            period_blocks,
        }
    }
}

/// A weights commit and everything its reveal needs: saved before the commit is sent (a commit
/// that lands after a timeout must still be revealable), by `agora weights commit` as a file and
/// by validators in their state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommitRecord {
    /// The subnet.
    pub netuid: NetUid,
    /// The committing hotkey.
    pub hotkey: AccountId,
    /// Target uids.
    pub uids: Vec<u16>,
    /// u16 weights.
    pub values: Vec<u16>,
    /// Salt of the hash.
    pub salt: Vec<u16>,
    /// Version key.
    pub version_key: u64,
    /// The hash committed.
    pub commit_hash: Hash,
    /// Block of the commit (when prepared, then where it was final).
    pub block: BlockNumber,
    /// First block worth trying the reveal at.
    #[serde(default)]
    pub reveal_from: BlockNumber,
    /// Blocks in one epoch when committed.
    #[serde(default)]
    pub period_blocks: BlockCount,
}

impl CommitRecord {
    /// The `commit_weights` call.
    pub fn commit_call(&self) -> Call {
        Call::CommitWeights { netuid: self.netuid, commit_hash: self.commit_hash }
    }

    /// The `reveal_weights` call.
    pub fn reveal_call(&self) -> Call {
        Call::RevealWeights {
            netuid: self.netuid,
            uids: self.uids.clone(),
            values: self.values.clone(),
            salt: self.salt.clone(),
            version_key: self.version_key,
        }
    }

    /// Writes the record to `path` atomically, readable only by its owner.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        agora_wallet::write_private(
            path,
            serde_json::to_string_pretty(self).expect("a commit record serialises").as_bytes(),
        )
    }

    /// Reads a record written by [`CommitRecord::save`].
    pub fn load(path: &Path) -> std::io::Result<CommitRecord> {
        let bytes = std::fs::read(path)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not a commit record: {e}")))
    }
}

/// Where a wallet keeps its weight commits until they are revealed: one [`CommitRecord`] per file,
/// `<root>/<wallet>/weight-commits/<hotkey>-netuid<N>-<stamp>.json`, renamed to `….revealed` once
/// revealed. A record is saved before its commit is sent and forgotten only when the commit
/// certainly did not land.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitStore {
    /// The folder of the records.
    pub dir: PathBuf,
}

impl CommitStore {
    /// The records of wallet `wallet_name` under the wallets' `root` (`<root>/<name>/weight-commits`).
    pub fn for_wallet(root: &Path, wallet_name: &str) -> CommitStore {
        CommitStore { dir: root.join(wallet_name).join("weight-commits") }
    }

    /// Saves `record` under a new name stamped with the time (which [`CommitStore::latest`]
    /// orders by; never over an existing record), and returns its path.
    pub fn save_new(&self, record: &CommitRecord) -> std::io::Result<PathBuf> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
        let mut stamp = now;
        let path = loop {
            let path = self.dir.join(file_name(record, stamp));
            if !path.exists() {
                break path;
            }
            stamp += 1;
        };
        record.save(&path)?;
        Ok(path)
    }

    /// Forgets the record at `path` (saved by [`CommitStore::save_new`]) whose commit was never
    /// sent; a record already gone is no error.
    pub fn discard(&self, path: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// After a send of the record's commit that did not succeed: forgets the record when the
    /// commit failed on chain, and keeps it otherwise (after a timeout or a lost connection the
    /// commit may still land, and must stay revealable). Returns whether it was forgotten.
    pub fn after_failed_send(&self, path: &Path, error: &SubmitError) -> std::io::Result<bool> {
        match error {
            SubmitError::Failed { .. } => self.discard(path).map(|()| true),
            _ => Ok(false),
        }
    }

    /// Marks the record at `path` revealed (renamed to `….revealed`, which [`CommitStore::latest`]
    /// skips), and returns the new path.
    pub fn mark_revealed(&self, path: &Path) -> std::io::Result<PathBuf> {
        let revealed = path.with_extension("revealed");
        std::fs::rename(path, &revealed)?;
        Ok(revealed)
    }

    /// The newest unrevealed record of `hotkey` on `netuid` (by the stamp in its name).
    pub fn latest(&self, hotkey: &AccountId, netuid: NetUid) -> Option<PathBuf> {
        let prefix = format!("{hotkey}-netuid{netuid}-");
        std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                let stamp: u128 = name.strip_prefix(&prefix)?.strip_suffix(".json")?.parse().ok()?;
                Some((stamp, e.path()))
            })
            .max()
            .map(|(_, p)| p)
    }
}

/// The name a [`CommitStore`] keeps `record` under: `<hotkey>-netuid<N>-<stamp>.json`.
fn file_name(record: &CommitRecord, stamp: u128) -> String {
    format!("{}-netuid{}-{stamp}.json", record.hotkey, record.netuid)
}

/// What to prepare: scores for some uids (any non-negative scale; they are normalised).
#[derive(Clone, Debug)]
pub struct Scores {
    /// The subnet.
    pub netuid: NetUid,
    /// `(uid, score)` pairs; a uid may appear once.
    pub scores: Vec<(u16, f32)>,
    /// Version key (default: the subnet's `weights_version_key`).
    pub version_key: Option<u64>,
}

/// Checks what the chain will check, then processes `scores` as the reference SDK does:
/// one score per uid in a dense vector, `process_weights_for_netuid`, u16 conversion.
pub fn prepare_weights(
    client: &Client,
    hotkey: &AccountId,
    scores: &Scores,
    mode: WeightsMode,
) -> Result<PreparedWeights, PrepareError> {
    let netuid = scores.netuid;
    let h = match client.hyperparameters(netuid) {
        Ok(h) => h,
        Err(ClientError::Rpc { code: crate::NOT_FOUND, .. }) => {
            return Err(refuse(DispatchError::SubnetNotExists, format!("there is no subnet {netuid}")));
        }
        Err(e) => return Err(e.into()),
    };
    match (h.commit_reveal, mode) {
        (true, WeightsMode::Set) => {
            return Err(refuse(
                DispatchError::CommitRevealEnabled,
                "use `agora weights commit`, then `agora weights reveal`",
            ));
        }
        (false, WeightsMode::Commit) => {
            return Err(refuse(DispatchError::CommitRevealDisabled, "use `agora weights set`"));
        }
        _ => {}
    }
    let uid = client.uid_of(netuid, hotkey)?.ok_or_else(|| {
        refuse(
            DispatchError::HotKeyNotRegisteredInSubNet,
            format!("{hotkey} has no uid on subnet {netuid}; register with `agora subnets register --netuid {netuid}`"),
        )
    })?;
    let m = client.metagraph(netuid, false)?;
    let last = m.last_update.get(uid.index()).copied().unwrap_or_default();
    // The transaction runs in the next block.
    let since = m.block.next().since(last).get();
    if last != BlockNumber::GENESIS && since < h.weights_rate_limit {
        let error = match mode {
            WeightsMode::Set => DispatchError::SettingWeightsTooFast,
            WeightsMode::Commit => DispatchError::CommittingWeightsTooFast,
        };
        return Err(refuse(
            error,
            format!(
                "wait {} more blocks (weights_rate_limit {} blocks; last update at block {last})",
                h.weights_rate_limit - since,
                h.weights_rate_limit
            ),
        ));
    }
    let dense = dense_scores(&scores.scores, netuid, m.n)?;
    let all: Vec<u16> = (0..m.n).collect();
    let (uids, weights) = process_weights_for_netuid(&all, &dense, m.n, h.min_allowed_weights, h.max_weight_limit)?;
    let uids: Vec<i64> = uids.into_iter().map(i64::from).collect();
    let (uids, values) = convert_weights_and_uids_for_emit(&uids, &weights)?;
    if uids.is_empty() {
        return Err(PrepareError::AllZero);
    }
    Ok(PreparedWeights {
        netuid,
        hotkey: *hotkey,
        uids,
        values,
        version_key: scores.version_key.unwrap_or(h.weights_version_key),
        block: m.block,
        hyperparameters: h,
    })
}

/// The SDK's helpers expect one score per uid, indexed by uid: builds that vector.
fn dense_scores(scores: &[(u16, f32)], netuid: NetUid, n: u16) -> Result<Vec<f32>, PrepareError> {
    let mut dense = vec![0.0f32; usize::from(n)];
    let mut seen = BTreeSet::new();
    for &(u, w) in scores {
        if u >= n {
            return Err(refuse(
                DispatchError::UidVecContainInvalidOne,
                format!("uid {u}: subnet {netuid} has {n} uids"),
            ));
        }
        if !seen.insert(u) {
            return Err(refuse(DispatchError::DuplicateUids, format!("uid {u} is listed twice")));
        }
        dense[usize::from(u)] = w;
    }
    Ok(dense)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_vectors_refuse_unknown_and_duplicate_uids() {
        assert_eq!(dense_scores(&[(2, 0.5), (0, 1.0)], NetUid(1), 3).unwrap(), vec![1.0, 0.0, 0.5]);
        let e = dense_scores(&[(3, 0.5)], NetUid(1), 3).unwrap_err();
        assert_eq!(e.dispatch_error(), Some(DispatchError::UidVecContainInvalidOne));
        let e = dense_scores(&[(1, 0.5), (1, 0.2)], NetUid(1), 3).unwrap_err();
        assert_eq!(e.dispatch_error(), Some(DispatchError::DuplicateUids));
    }

    #[test]
    fn a_commit_record_reveals_what_it_committed() {
        let hotkey = agora_primitives::Pair::from_seed(&[7; 32]).public();
        let prepared = PreparedWeights {
            netuid: NetUid(2),
            hotkey,
            uids: vec![0, 1],
            values: vec![65535, 100],
            version_key: 3,
            block: BlockNumber(50),
            hyperparameters: SubnetHyperparams { tempo: 9, reveal_period_epochs: 2, ..Default::default() },
        };
        let record = prepared.commit(vec![1, 2, 3]);
        assert_eq!(record.period_blocks, BlockCount(10));
        assert_eq!(record.reveal_from, BlockNumber(70));
        assert_eq!(record.commit_hash, generate_weight_hash(&hotkey, NetUid(2), &[0, 1], &[65535, 100], 3, &[1, 2, 3]));
        let path = std::env::temp_dir().join(format!("agora-commit-{}.json", std::process::id()));
        record.save(&path).unwrap();
        assert_eq!(CommitRecord::load(&path).unwrap(), record);
        std::fs::remove_file(path).unwrap();
        assert!(matches!(record.reveal_call(), Call::RevealWeights { version_key: 3, .. }));
    }

    fn record(netuid: u16, seed: u8) -> CommitRecord {
        let prepared = PreparedWeights {
            netuid: NetUid(netuid),
            hotkey: agora_primitives::Pair::from_seed(&[seed; 32]).public(),
            uids: vec![0],
            values: vec![65535],
            version_key: 0,
            block: BlockNumber(1),
            hyperparameters: SubnetHyperparams::default(),
        };
        prepared.commit(vec![9])
    }

    #[test]
    fn a_commit_store_offers_the_newest_unrevealed_record_of_a_hotkey_and_subnet() {
        let root = std::env::temp_dir().join(format!("agora-commit-store-{}", std::process::id()));
        let store = CommitStore::for_wallet(&root, "alice");
        assert_eq!(store.dir, root.join("alice").join("weight-commits"));
        let (first, second, other) = (record(2, 7), record(2, 7), record(3, 7));
        assert_eq!(store.latest(&first.hotkey, NetUid(2)), None, "no folder yet");

        let a = store.save_new(&first).unwrap();
        let b = store.save_new(&second).unwrap();
        assert_ne!(a, b, "a second record never overwrites the first, even within a millisecond");
        store.save_new(&other).unwrap();
        store.save_new(&record(2, 8)).unwrap();
        assert_eq!(store.latest(&first.hotkey, NetUid(2)), Some(b.clone()));
        assert_eq!(CommitRecord::load(&b).unwrap(), second);

        let revealed = store.mark_revealed(&b).unwrap();
        assert!(revealed.is_file() && !b.exists());
        assert_eq!(store.latest(&first.hotkey, NetUid(2)), Some(a.clone()), "a revealed record is skipped");

        store.discard(&a).unwrap();
        store.discard(&a).unwrap();
        assert_eq!(store.latest(&first.hotkey, NetUid(2)), None);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_record_is_forgotten_only_when_its_commit_failed_on_chain() {
        let dir = std::env::temp_dir().join(format!("agora-commit-failed-{}", std::process::id()));
        let store = CommitStore { dir: dir.clone() };
        let r = record(2, 7);
        let tx_hash = Hash([1; 32]);
        let timeout = SubmitError::Timeout { tx_hash, waited: std::time::Duration::ZERO, status: "in_mempool".into() };
        let path = store.save_new(&r).unwrap();
        assert!(!store.after_failed_send(&path, &timeout).unwrap());
        assert!(path.is_file(), "a commit that timed out may still land");
        let error = DispatchError::CommittingWeightsTooFast;
        let finalized = crate::client::finalized_for_tests(Err(error), Vec::new());
        let failed = SubmitError::Failed { error, finalized: Box::new(finalized) };
        assert!(store.after_failed_send(&path, &failed).unwrap());
        assert!(!path.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
