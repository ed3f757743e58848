//! The validator's side: new samples as tasks, read in bounded memory.

use std::fs::{File, Metadata};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use super::{ORGANIC_ROUND_EVERY, READ_WINDOW_BYTES, sample::task_from_line};
use crate::tasks::Task;

/// Whether round `round` (counted from 0) may ask an organic task: one in
/// [`ORGANIC_ROUND_EVERY`], the last of each group.
pub fn is_organic_round(round: u64) -> bool {
    round % ORGANIC_ROUND_EVERY == ORGANIC_ROUND_EVERY - 1
}

/// The validator's side: lines written since it started, each checked as a task.
pub struct OrganicReader {
    path: PathBuf,
    offset: u64,
    file: Option<FileId>,
    /// The key of the last organic task, while the organic rounds keep finding one.
    last_key: Option<String>,
}

impl OrganicReader {
    /// Reads `path` from its current end (old traffic is not replayed).
    pub fn new(path: PathBuf) -> OrganicReader {
        let meta = std::fs::metadata(&path).ok();
        let offset = meta.as_ref().map_or(0, Metadata::len);
        let file = meta.as_ref().and_then(file_id);
        OrganicReader { path, offset, file, last_key: None }
    }

    /// The newest usable sample written since the last call, as a greedy task of at most
    /// `max_tokens`; `None` when there is none. Usable: a valid task
    /// ([`super::check_sample`]), accepted by `fits` (the validator's model check), and not
    /// from the key of the previous call's task. Every line written before this call is used
    /// up either way.
    pub fn next_task(&mut self, max_tokens: u32, seed: u64, mut fits: impl FnMut(&Task) -> bool) -> Option<Task> {
        let window = self.read_new().unwrap_or_else(|e| {
            tracing::debug!(file = %self.path.display(), "organic samples not read: {e}");
            Vec::new()
        });
        let mut found = None;
        for line in window.split(|b| *b == b'\n').rev().filter(|l| !l.is_empty()) {
            match task_from_line(line, max_tokens, seed) {
                Ok((key, _)) if self.last_key.as_ref() == Some(&key) => {
                    tracing::debug!(key, "organic sample skipped: the previous organic task was this key's");
                }
                Ok((key, task)) if fits(&task) => {
                    found = Some((key, task));
                    break;
                }
                Ok((key, _)) => tracing::debug!(key, "organic sample skipped: the model cannot take its prompt"),
                Err(why) => tracing::debug!("organic sample skipped: {why}"),
            }
        }
        let (key, task) = found.unzip();
        self.last_key = key;
        task
    }

    /// Complete lines written since the last read: at most the newest [`READ_WINDOW_BYTES`]
    /// of them (older ones are passed over), starting at a line's start.
    pub(super) fn read_new(&mut self) -> std::io::Result<Vec<u8>> {
        let mut f = File::open(&self.path)?;
        let meta = f.metadata()?;
        let (len, id) = (meta.len(), file_id(&meta));
        if len < self.offset || (id.is_some() && id != self.file) {
            // Rotated or replaced: everything in the new file is new.
            self.offset = 0;
        }
        self.file = id;
        // Past the window: start one byte early, so that a line starting right at the window's
        // edge is kept, and drop the partial line before it.
        let skip = len.saturating_sub(READ_WINDOW_BYTES).max(self.offset);
        let start = if skip > self.offset { skip - 1 } else { skip };
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        f.take(len - start).read_to_end(&mut buf)?;
        let Some(end) = buf.iter().rposition(|b| *b == b'\n') else {
            return Ok(Vec::new());
        };
        buf.truncate(end + 1);
        self.offset = start + buf.len() as u64;
        if start < skip {
            let first = buf.iter().position(|b| *b == b'\n').map_or(buf.len(), |i| i + 1);
            buf.drain(..first);
        }
        Ok(buf)
    }
}

/// Which file a path names (a rotated file is another one even at the same length).
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(meta: &Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &Metadata) -> Option<FileId> {
    None
}
