//! Organic traffic in scoring: the gateway appends a sample of users' requests to a JSON-lines
//! file, and a validator reading that file uses new lines as tasks (asked greedily and judged like
//! any task), alternating with its synthetic tasks so miners cannot tell the two apart.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use agora_models::{ChatMessage, GenerationRequest};
use serde::{Deserialize, Serialize};

use crate::tasks::Task;

#[derive(Serialize, Deserialize)]
struct Line {
    messages: Vec<ChatMessage>,
    max_tokens: u32,
}

/// The gateway's side: keeps one request in `every`.
pub struct OrganicWriter {
    path: PathBuf,
    every: u64,
    seen: AtomicU64,
    lock: Mutex<()>,
}

impl OrganicWriter {
    /// Samples one request in `every` (at least 1) into `path`.
    pub fn new(path: PathBuf, every: u64) -> OrganicWriter {
        OrganicWriter { path, every: every.max(1), seen: AtomicU64::new(0), lock: Mutex::new(()) }
    }

    /// Offers a request; writes it when its turn comes.
    pub fn offer(&self, messages: &[ChatMessage], max_tokens: u32) -> std::io::Result<()> {
        if !self.seen.fetch_add(1, Ordering::Relaxed).is_multiple_of(self.every) {
            return Ok(());
        }
        let mut line = serde_json::to_vec(&Line { messages: messages.to_vec(), max_tokens }).expect("serialisable");
        line.push(b'\n');
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        // One write per line, in append mode: readers never see half a line from us.
        std::fs::OpenOptions::new().create(true).append(true).open(&self.path)?.write_all(&line)
    }
}

/// The validator's side: new lines since it started.
pub struct OrganicReader {
    path: PathBuf,
    offset: u64,
}

impl OrganicReader {
    /// Reads `path` from its current end (old traffic is not replayed).
    pub fn new(path: PathBuf) -> OrganicReader {
        let offset = std::fs::metadata(&path).map_or(0, |m| m.len());
        OrganicReader { path, offset }
    }

    /// The newest complete request written since the last call, as a greedy task of at most
    /// `max_tokens`; `None` when there is none.
    pub fn next_task(&mut self, max_tokens: u32, seed: u64) -> Option<Task> {
        let mut f = std::fs::File::open(&self.path).ok()?;
        let len = f.metadata().ok()?.len();
        if len < self.offset {
            self.offset = 0; // the file was replaced
        }
        f.seek(SeekFrom::Start(self.offset)).ok()?;
        let mut buf = Vec::new();
        f.take(4 << 20).read_to_end(&mut buf).ok()?;
        let complete = buf.iter().rposition(|b| *b == b'\n')? + 1;
        self.offset += complete as u64;
        let line = buf[..complete]
            .split(|b| *b == b'\n')
            .rev()
            .filter_map(|l| serde_json::from_slice::<Line>(l).ok())
            .find(|l| !l.messages.is_empty())?;
        let prompt = line.messages.iter().rev().find(|m| m.role == "user").map(|m| m.content.clone())?;
        let request = GenerationRequest {
            messages: line.messages,
            max_tokens: line.max_tokens.clamp(1, max_tokens),
            temperature: 0.0,
            top_p: 1.0,
            seed,
        };
        request.check().ok()?;
        Some(Task { prompt, request })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampled_requests_reach_the_reader_once() {
        let dir = std::env::temp_dir().join(format!("agora-organic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("organic.jsonl");
        std::fs::write(&path, "{\"old\": true}\n").unwrap();
        let mut reader = OrganicReader::new(path.clone());
        let writer = OrganicWriter::new(path.clone(), 2);
        assert!(reader.next_task(24, 1).is_none());
        for i in 0..4 {
            writer.offer(&[ChatMessage::new("user", format!("question {i}"))], 100).unwrap();
        }
        // Requests 0 and 2 were kept; the newest wins, clamped to the validator's max_tokens.
        let t = reader.next_task(24, 1).unwrap();
        assert_eq!((t.prompt.as_str(), t.request.max_tokens, t.request.temperature), ("question 2", 24, 0.0));
        assert!(reader.next_task(24, 1).is_none(), "each line is used once");
        // A half-written line waits; garbage is skipped.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"not json\n{\"messages\": [").unwrap();
        assert!(reader.next_task(24, 1).is_none());
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"role\": \"user\", \"content\": \"late\"}], \"max_tokens\": 8}\n")
            .unwrap();
        assert_eq!(reader.next_task(24, 1).unwrap().prompt, "late");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
