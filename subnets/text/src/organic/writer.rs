//! The gateway's side: samples requests per API key into a bounded, rotated file.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use agora_models::ChatMessage;

use super::{LineOut, MAX_LINE_BYTES, ROTATE_BYTES, SAMPLES_PER_KEY_PER_MINUTE, Unfit, check_sample};

/// The window of [`SAMPLES_PER_KEY_PER_MINUTE`].
const MINUTE: Duration = Duration::from_secs(60);

/// Keys remembered before idle ones (no sample in the last minute) are forgotten.
const MAX_TRACKED_KEYS: usize = 4096;

/// What became of an offered request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sampled {
    /// Appended to the file.
    Written,
    /// Not this key's turn (one request in `every` is kept).
    NotDue,
    /// This key already has [`SAMPLES_PER_KEY_PER_MINUTE`] samples in the last minute.
    KeyLimited,
    /// The request is not a possible task (too large, malformed).
    Unfit(Unfit),
}

impl std::fmt::Display for Sampled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sampled::Written => f.write_str("written"),
            Sampled::NotDue => f.write_str("not this key's turn"),
            Sampled::KeyLimited => write!(f, "the key has {SAMPLES_PER_KEY_PER_MINUTE} samples in the last minute"),
            Sampled::Unfit(why) => write!(f, "not a possible task: {why}"),
        }
    }
}

/// A sample could not be written.
#[derive(Debug, thiserror::Error)]
#[error("organic samples file {}: {source}", path.display())]
pub struct OrganicError {
    /// The file (or its rotated copy).
    pub path: PathBuf,
    /// The cause.
    pub source: std::io::Error,
}

#[derive(Default)]
struct KeyState {
    /// Requests offered (and fit to sample) so far.
    offered: u64,
    /// When this key's samples of the last minute were written, oldest first.
    recent: VecDeque<Instant>,
}

impl KeyState {
    fn forget_before(&mut self, now: Instant) {
        while self.recent.front().is_some_and(|t| now.saturating_duration_since(*t) >= MINUTE) {
            self.recent.pop_front();
        }
    }
}

/// The gateway's side: keeps one request in `every` per key, within the limits of [`super`].
pub struct OrganicWriter {
    path: PathBuf,
    rotated: PathBuf,
    every: u64,
    keys: Mutex<BTreeMap<String, KeyState>>,
}

impl OrganicWriter {
    /// Samples one request in `every` (at least 1) of each key into `path`, rotated to
    /// `<path>.1`.
    pub fn new(path: PathBuf, every: u64) -> OrganicWriter {
        let mut rotated = path.clone().into_os_string();
        rotated.push(".1");
        OrganicWriter { path, rotated: rotated.into(), every: every.max(1), keys: Mutex::new(BTreeMap::new()) }
    }

    /// Where samples are appended.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the previous file goes when this one is full.
    pub fn rotated_path(&self) -> &Path {
        &self.rotated
    }

    /// Offers a request sent with the key `key` (an id of it, never the secret; at most
    /// [`super::MAX_KEY_ID_BYTES`]); writes it when it fits, its turn comes and the key is
    /// within its rate.
    pub fn offer(&self, key: &str, messages: &[ChatMessage], max_tokens: u32) -> Result<Sampled, OrganicError> {
        self.offer_at(key, messages, max_tokens, Instant::now())
    }

    /// [`OrganicWriter::offer`] at `now`.
    pub(super) fn offer_at(
        &self,
        key: &str,
        messages: &[ChatMessage],
        max_tokens: u32,
        now: Instant,
    ) -> Result<Sampled, OrganicError> {
        if let Err(why) = check_sample(key, messages, max_tokens) {
            return Ok(Sampled::Unfit(why));
        }
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= MAX_TRACKED_KEYS && !keys.contains_key(key) {
            keys.retain(|_, s| {
                s.forget_before(now);
                !s.recent.is_empty()
            });
        }
        let state = keys.entry(key.to_string()).or_default();
        let turn = state.offered;
        state.offered += 1;
        if !turn.is_multiple_of(self.every) {
            return Ok(Sampled::NotDue);
        }
        state.forget_before(now);
        if state.recent.len() >= SAMPLES_PER_KEY_PER_MINUTE {
            return Ok(Sampled::KeyLimited);
        }
        let mut line = serde_json::to_vec(&LineOut { key, messages, max_tokens }).expect("serialisable");
        if line.len() > MAX_LINE_BYTES {
            return Ok(Sampled::Unfit(Unfit::LineTooLong));
        }
        line.push(b'\n');
        // Written under the lock: one writer appends (and rotates) at a time.
        self.append(&line)?;
        state.recent.push_back(now);
        Ok(Sampled::Written)
    }

    /// Appends `line`, first rotating the file when it would pass [`ROTATE_BYTES`].
    fn append(&self, line: &[u8]) -> Result<(), OrganicError> {
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| OrganicError { path, source }
        };
        let len = match std::fs::metadata(&self.path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(err(&self.path)(e)),
        };
        if len > 0 && len + line.len() as u64 > ROTATE_BYTES {
            std::fs::rename(&self.path, &self.rotated).map_err(err(&self.rotated))?;
            tracing::debug!(file = %self.path.display(), "organic samples rotated to {}", self.rotated.display());
        }
        // One write per line, in append mode: readers never see half a line from us.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut f| f.write_all(line))
            .map_err(err(&self.path))
    }
}
