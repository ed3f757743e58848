//! The validator's memory: a moving average of each uid's score (alpha 0.1; every uid decays
//! each round and the queried ones gain `alpha × reward`, as the reference template does), reset
//! when a uid's hotkey changes, plus a pending weights commit. Saved after every round (write to a
//! temporary file, then rename) and loaded at start.

use std::collections::BTreeMap;
use std::path::Path;

use agora_client::CommitRecord;
use agora_primitives::{AccountId, BlockNumber, NetUid};
use serde::{Deserialize, Serialize};

/// One uid's running score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UidScore {
    /// The hotkey the score belongs to.
    pub hotkey: AccountId,
    /// Moving average in [0, 1].
    pub score: f64,
}

/// Everything a validator keeps across restarts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidatorState {
    /// Subnet.
    pub netuid: NetUid,
    /// Rounds completed.
    pub rounds: u64,
    /// Block of the last weights sent.
    pub last_weights_block: BlockNumber,
    /// Running scores by uid.
    pub scores: BTreeMap<u16, UidScore>,
    /// Commit waiting to be revealed (commit-reveal subnets).
    #[serde(default)]
    #[serde(deserialize_with = "legacy::pending")]
    pub pending_commit: Option<CommitRecord>,
}

impl ValidatorState {
    /// Reads `path`; a missing file is a fresh state.
    pub fn load(path: &Path, netuid: NetUid, hotkey: &AccountId) -> std::io::Result<ValidatorState> {
        let mut state = ValidatorState::read(path, netuid)?;
        // A commit saved by an older Agora lacks its subnet, hotkey and hash: they follow from
        // this state and this validator.
        if let Some(c) = state.pending_commit.as_mut()
            && c.hotkey == legacy::UNKNOWN
        {
            c.netuid = netuid;
            c.hotkey = *hotkey;
            c.commit_hash =
                agora_client::weights::generate_weight_hash(hotkey, netuid, &c.uids, &c.values, c.version_key, &c.salt);
        }
        Ok(state)
    }

    fn read(path: &Path, netuid: NetUid) -> std::io::Result<ValidatorState> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let s: ValidatorState = serde_json::from_slice(&bytes).map_err(|e| {
                    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display()))
                })?;
                if s.netuid != netuid {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} belongs to subnet {}, not {netuid}", path.display(), s.netuid),
                    ));
                }
                Ok(s)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ValidatorState { netuid, ..Default::default() }),
            Err(e) => Err(e),
        }
    }

    /// Writes `path` atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).expect("state serialises"))?;
        std::fs::rename(&tmp, path)
    }

    /// Forgets uids that no longer exist or changed hands (`hotkeys` is the metagraph's list).
    pub fn sync(&mut self, hotkeys: &[AccountId]) {
        self.scores.retain(|uid, s| hotkeys.get(usize::from(*uid)) == Some(&s.hotkey));
    }

    /// One round: every score decays by `1 - alpha`, rewarded uids gain `alpha × reward`.
    pub fn update(&mut self, rewards: &[(u16, AccountId, f64)], alpha: f64) {
        for s in self.scores.values_mut() {
            s.score *= 1.0 - alpha;
        }
        for (uid, hotkey, reward) in rewards {
            let r = if reward.is_finite() { reward.clamp(0.0, 1.0) } else { 0.0 };
            let e = self.scores.entry(*uid).or_insert(UidScore { hotkey: *hotkey, score: 0.0 });
            e.score += alpha * r;
        }
        self.rounds += 1;
    }

    /// Scores as a dense vector over `n` uids.
    pub fn dense(&self, n: u16) -> Vec<f32> {
        let mut v = vec![0f32; usize::from(n)];
        for (uid, s) in &self.scores {
            if let Some(slot) = v.get_mut(usize::from(*uid)) {
                *slot = s.score as f32;
            }
        }
        v
    }
}

/// Reading the pending commit of state files from before [`CommitRecord`].
mod legacy {
    use agora_client::CommitRecord;
    use agora_primitives::{AccountId, BlockCount, BlockNumber, Hash, NetUid};
    use serde::{Deserialize, Deserializer};

    /// The placeholder hotkey of a commit read in the old format, filled in by `load`.
    pub const UNKNOWN: AccountId = AccountId([0; 32]);

    #[derive(Deserialize)]
    struct OldPending {
        uids: Vec<u16>,
        values: Vec<u16>,
        salt: Vec<u16>,
        version_key: u64,
        block: BlockNumber,
        #[serde(default)]
        reveal_from: BlockNumber,
        #[serde(default)]
        period_blocks: BlockCount,
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Record(CommitRecord),
        Old(OldPending),
    }

    pub fn pending<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CommitRecord>, D::Error> {
        Ok(Option::<Stored>::deserialize(d)?.map(|stored| match stored {
            Stored::Record(record) => record,
            Stored::Old(o) => CommitRecord {
                netuid: NetUid(0),
                hotkey: UNKNOWN,
                uids: o.uids,
                values: o.values,
                salt: o.salt,
                version_key: o.version_key,
                commit_hash: Hash([0; 32]),
                block: o.block,
                reveal_from: o.reveal_from,
                period_blocks: o.period_blocks,
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u8) -> AccountId {
        agora_primitives::Pair::from_seed(&[i; 32]).public()
    }

    #[test]
    fn scores_average_decay_and_reset_when_the_hotkey_changes() {
        let mut s = ValidatorState { netuid: NetUid(1), ..Default::default() };
        s.update(&[(1, key(1), 1.0), (2, key(2), 0.0)], 0.1);
        s.update(&[(1, key(1), 1.0)], 0.1);
        assert!((s.scores[&1].score - 0.19).abs() < 1e-12);
        assert_eq!(s.scores[&2].score, 0.0);
        // uid 1 not queried: decays.
        s.update(&[(2, key(2), 1.0)], 0.1);
        assert!((s.scores[&1].score - 0.171).abs() < 1e-12);
        // uid 1 re-registered by another hotkey: its history is dropped.
        s.sync(&[key(0), key(9), key(2)]);
        assert!(!s.scores.contains_key(&1));
        assert_eq!(s.dense(3), vec![0.0, 0.0, 0.1]);
        s.sync(&[key(0)]);
        assert!(s.scores.is_empty());
    }

    #[test]
    fn state_survives_a_restart_and_refuses_another_subnet() {
        let dir = std::env::temp_dir().join(format!("agora-text-state-{}", std::process::id()));
        let path = dir.join("state.json");
        let mut s = ValidatorState::load(&path, NetUid(3), &key(1)).unwrap();
        s.update(&[(0, key(1), 0.5)], 0.1);
        s.last_weights_block = BlockNumber(42);
        s.save(&path).unwrap();
        assert_eq!(ValidatorState::load(&path, NetUid(3), &key(1)).unwrap(), s);
        assert!(ValidatorState::load(&path, NetUid(4), &key(1)).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_pending_commit_saved_by_an_older_agora_still_loads_and_reveals() {
        let dir = std::env::temp_dir().join(format!("agora-text-legacy-{}", std::process::id()));
        let path = dir.join("state.json");
        std::fs::create_dir_all(&dir).unwrap();
        let old = r#"{"netuid": 2, "rounds": 4, "last_weights_block": 30, "scores": {},
            "pending_commit": {"uids": [0, 1], "values": [65535, 7], "salt": [1, 2], "version_key": 0,
            "block": 30, "reveal_from": 51, "period_blocks": 21}}"#;
        std::fs::write(&path, old).unwrap();
        let s = ValidatorState::load(&path, NetUid(2), &key(5)).unwrap();
        let c = s.pending_commit.unwrap();
        assert_eq!((c.netuid, c.hotkey, c.reveal_from), (NetUid(2), key(5), BlockNumber(51)));
        let hash = agora_client::weights::generate_weight_hash(&key(5), NetUid(2), &[0, 1], &[65535, 7], 0, &[1, 2]);
        assert_eq!(c.commit_hash, hash);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
