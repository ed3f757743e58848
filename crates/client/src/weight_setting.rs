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

    /// The file name a wallet keeps it under: `<hotkey>-netuid<N>-<stamp>.json`.
    pub fn file_name(&self, stamp: u128) -> String {
        format!("{}-netuid{}-{stamp}.json", self.hotkey, self.netuid)
    }

    /// Saves it in `dir` under a new name stamped with the time (which [`CommitRecord::latest_in`]
    /// orders by), and returns the path.
    pub fn save_new_in(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
        let path = dir.join(self.file_name(stamp));
        self.save(&path)?;
        Ok(path)
    }

    /// The newest unrevealed record of `hotkey` on `netuid` in `dir` (by the stamp in its name).
    pub fn latest_in(dir: &Path, hotkey: &AccountId, netuid: NetUid) -> Option<PathBuf> {
        let prefix = format!("{hotkey}-netuid{netuid}-");
        std::fs::read_dir(dir)
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
        let dir = std::env::temp_dir().join(format!("agora-commit-{}", std::process::id()));
        let path = dir.join(record.file_name(5));
        record.save(&path).unwrap();
        assert_eq!(CommitRecord::load(&path).unwrap(), record);
        assert_eq!(CommitRecord::latest_in(&dir, &hotkey, NetUid(2)), Some(path));
        assert_eq!(CommitRecord::latest_in(&dir, &hotkey, NetUid(3)), None);
        std::fs::remove_dir_all(dir).unwrap();
        assert!(matches!(record.reveal_call(), Call::RevealWeights { version_key: 3, .. }));
    }
}
