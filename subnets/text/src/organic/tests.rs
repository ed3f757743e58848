use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use agora_models::ChatMessage;

use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("agora-organic-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn user(text: impl Into<String>) -> Vec<ChatMessage> {
    vec![ChatMessage::new("user", text)]
}

fn append(path: &Path, bytes: &[u8]) {
    std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(bytes).unwrap();
}

fn line(key: &str, messages: &[ChatMessage], max_tokens: u32) -> Vec<u8> {
    let mut l = serde_json::to_vec(&LineOut { key, messages, max_tokens }).unwrap();
    l.push(b'\n');
    l
}

fn any(_: &crate::tasks::Task) -> bool {
    true
}

#[test]
fn sampled_requests_reach_the_reader_once() {
    let dir = temp_dir("once");
    let path = dir.join("organic.jsonl");
    std::fs::write(&path, "{\"old\": true}\n").unwrap();
    let mut reader = OrganicReader::new(path.clone());
    let writer = OrganicWriter::new(path.clone(), 2);
    assert!(reader.next_task(24, 1, any).is_none());
    for i in 0..4 {
        writer.offer("k", &user(format!("question {i}")), 100).unwrap();
    }
    // Requests 0 and 2 were kept; the newest wins, clamped to the validator's max_tokens.
    let t = reader.next_task(24, 1, any).unwrap();
    assert_eq!((t.prompt.as_str(), t.request.max_tokens, t.request.temperature), ("question 2", 24, 0.0));
    assert!(reader.next_task(24, 1, any).is_none(), "each line is used once");
    // A half-written line waits; garbage is skipped.
    append(&path, b"not json\n{\"key\": \"other\", \"messages\": [");
    assert!(reader.next_task(24, 1, any).is_none());
    append(&path, b"{\"role\": \"user\", \"content\": \"late\"}], \"max_tokens\": 8}\n");
    assert_eq!(reader.next_task(24, 1, any).unwrap().prompt, "late");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn only_requests_within_the_limits_are_sampled_whole() {
    let dir = temp_dir("limits");
    let path = dir.join("organic.jsonl");
    let writer = OrganicWriter::new(path.clone(), 1);
    let offer = |key: &str, m: &[ChatMessage], max_tokens| writer.offer(key, m, max_tokens).unwrap();
    let big = "x".repeat(MAX_SAMPLE_TEXT_BYTES + 1);
    assert_eq!(offer("a", &user(big.clone()), 16), Sampled::Unfit(Unfit::TooMuchText(MAX_SAMPLE_TEXT_BYTES + 1)));
    // The limit is on all messages together.
    let halves = [ChatMessage::new("system", &big[..5000]), ChatMessage::new("user", &big[5000..])];
    assert_eq!(offer("a", &halves, 16), Sampled::Unfit(Unfit::TooMuchText(MAX_SAMPLE_TEXT_BYTES + 1)));
    let many: Vec<ChatMessage> = (0..=MAX_SAMPLE_MESSAGES).map(|_| ChatMessage::new("user", "hi")).collect();
    assert_eq!(offer("a", &many, 16), Sampled::Unfit(Unfit::TooManyMessages(MAX_SAMPLE_MESSAGES + 1)));
    assert_eq!(offer("a", &[], 16), Sampled::Unfit(Unfit::NoMessages));
    let answered = [ChatMessage::new("user", "hi"), ChatMessage::new("assistant", "hello")];
    assert_eq!(offer("a", &answered, 16), Sampled::Unfit(Unfit::LastNotUser));
    assert_eq!(offer("a", &[ChatMessage::new("tool", "hi")], 16), Sampled::Unfit(Unfit::Role));
    assert_eq!(offer("a", &user(" \n"), 16), Sampled::Unfit(Unfit::BlankPrompt));
    assert_eq!(offer("a", &user("hi"), 0), Sampled::Unfit(Unfit::MaxTokens(0)));
    assert_eq!(offer("a", &user("hi"), MAX_NEW_TOKENS + 1), Sampled::Unfit(Unfit::MaxTokens(MAX_NEW_TOKENS + 1)));
    let long_key = "k".repeat(MAX_KEY_ID_BYTES + 1);
    assert_eq!(offer(&long_key, &user("hi"), 16), Sampled::Unfit(Unfit::KeyId(MAX_KEY_ID_BYTES + 1)));
    assert!(!path.exists(), "nothing unfit was written, not even cut short");
    // At the limits, a sample is written whole (every character escaped, it still fits a line).
    let exact = "\u{1}".repeat(MAX_SAMPLE_TEXT_BYTES);
    let mut most: Vec<ChatMessage> = (1..MAX_SAMPLE_MESSAGES).map(|_| ChatMessage::new("system", "")).collect();
    most.push(ChatMessage::new("user", exact.clone()));
    assert_eq!(offer(&"k".repeat(MAX_KEY_ID_BYTES), &most, MAX_NEW_TOKENS), Sampled::Written);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.len() <= MAX_LINE_BYTES + 1, "{}", text.len());
    let back: LineIn = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(back.messages.last().unwrap().content, exact);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_file_is_rotated_and_bounded() {
    let dir = temp_dir("rotate");
    let path = dir.join("organic.jsonl");
    let writer = OrganicWriter::new(path.clone(), 1);
    let rotated = dir.join("organic.jsonl.1");
    assert_eq!(writer.rotated_path(), rotated);
    let prompt = "y".repeat(MAX_SAMPLE_TEXT_BYTES - 16);
    let mut written = 0u64;
    let mut first_rotated = None;
    // 2.5 times the limit, from many keys (each within its own rate).
    for i in 0.. {
        assert_eq!(writer.offer(&format!("key-{i}"), &user(format!("{i:>8} {prompt}")), 16).unwrap(), Sampled::Written);
        written += (MAX_SAMPLE_TEXT_BYTES + 64) as u64;
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len <= ROTATE_BYTES, "{len}");
        if first_rotated.is_none() && rotated.exists() {
            first_rotated = Some(std::fs::read(&rotated).unwrap());
        }
        if written > ROTATE_BYTES * 5 / 2 {
            break;
        }
    }
    let old = std::fs::metadata(&rotated).unwrap().len();
    let live = std::fs::metadata(&path).unwrap().len();
    assert!(old <= ROTATE_BYTES && old > ROTATE_BYTES - MAX_LINE_BYTES as u64, "{old}");
    assert!(old + live <= 2 * ROTATE_BYTES);
    assert_ne!(first_rotated.unwrap(), std::fs::read(&rotated).unwrap(), "the second rotation replaced the first");
    // Both files hold whole lines only.
    for f in [&path, &rotated] {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(text.ends_with('\n') && text.lines().all(|l| serde_json::from_str::<LineIn>(l).is_ok()));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn each_key_is_sampled_in_turn_and_within_its_rate() {
    let dir = temp_dir("rate");
    let writer = OrganicWriter::new(dir.join("organic.jsonl"), 1);
    let t0 = Instant::now();
    let offer = |key: &str, at: Instant| writer.offer_at(key, &user("hi"), 16, at).unwrap();
    let flood: Vec<Sampled> = (0..20).map(|i| offer("a", t0 + Duration::from_secs(i))).collect();
    assert_eq!(flood.iter().filter(|s| **s == Sampled::Written).count(), SAMPLES_PER_KEY_PER_MINUTE);
    assert_eq!(flood[SAMPLES_PER_KEY_PER_MINUTE], Sampled::KeyLimited);
    // Another key is still sampled; the first one again once its minute has passed.
    assert_eq!(offer("b", t0 + Duration::from_secs(20)), Sampled::Written);
    assert_eq!(offer("a", t0 + Duration::from_secs(59)), Sampled::KeyLimited);
    assert_eq!(offer("a", t0 + Duration::from_secs(60)), Sampled::Written);
    // One in `every` of each key: a busy key does not use up a quiet one's turns.
    let writer = OrganicWriter::new(dir.join("every.jsonl"), 4);
    let offer = |key: &str| writer.offer(key, &user("hi"), 16).unwrap();
    let a: Vec<Sampled> = (0..5).map(|_| offer("a")).collect();
    assert_eq!(a, [Sampled::Written, Sampled::NotDue, Sampled::NotDue, Sampled::NotDue, Sampled::Written]);
    assert_eq!(offer("b"), Sampled::Written);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn lines_that_are_not_valid_tasks_are_not_used() {
    let dir = temp_dir("invalid");
    let path = dir.join("organic.jsonl");
    let mut reader = OrganicReader::new(path.clone());
    append(&path, &line("good", &user("the only good one"), 16));
    let bad: Vec<Vec<u8>> = vec![
        line("a", &user("x".repeat(MAX_SAMPLE_TEXT_BYTES + 1)), 16),
        line("a", &(0..=MAX_SAMPLE_MESSAGES).map(|_| ChatMessage::new("user", "hi")).collect::<Vec<_>>(), 16),
        line("a", &[ChatMessage::new("user", "hi"), ChatMessage::new("assistant", "so")], 16),
        line("a", &[ChatMessage::new("tool", "hi")], 16),
        line("a", &user("   "), 16),
        line("a", &user("hi"), 0),
        line("a", &user("hi"), MAX_NEW_TOKENS + 1),
        line("a", &[], 16),
        line(&"k".repeat(MAX_KEY_ID_BYTES + 1), &user("hi"), 16),
        // Longer than a line may be, though its text would pass (JSON padding).
        format!(
            "{{\"key\":\"a\",\"max_tokens\":16,{}\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]}}\n",
            " ".repeat(MAX_LINE_BYTES)
        )
        .into_bytes(),
        b"{\"messages\": \"hi\", \"max_tokens\": 16}\n".to_vec(),
        b"\xff\xfe not even text\n".to_vec(),
    ];
    for l in &bad {
        append(&path, l);
    }
    // The newest lines are all unusable: the older good one is the task.
    let t = reader.next_task(64, 1, any).unwrap();
    assert_eq!(t.prompt, "the only good one");
    for l in &bad {
        append(&path, l);
    }
    assert!(reader.next_task(64, 1, any).is_none());
    // A task the validator's model cannot take is passed over too.
    append(&path, &line("b", &user("fits"), 16));
    append(&path, &line("c", &user("too long for the model"), 16));
    assert_eq!(reader.next_task(64, 1, |t| t.prompt.len() < 10).unwrap().prompt, "fits");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn organic_rounds_are_one_in_four_and_never_the_same_key_twice_in_a_row() {
    assert_eq!((0..100).filter(|r| is_organic_round(*r)).count(), 25);
    assert!(!(0..ORGANIC_ROUND_EVERY - 1).any(is_organic_round), "synthetic tasks come first");
    let dir = temp_dir("keys");
    let path = dir.join("organic.jsonl");
    let mut reader = OrganicReader::new(path.clone());
    let writer = OrganicWriter::new(path.clone(), 1);
    writer.offer("a", &user("a1"), 16).unwrap();
    assert_eq!(reader.next_task(64, 1, any).unwrap().prompt, "a1");
    // Key a again: passed over for an older sample of another key, or for nothing.
    writer.offer("b", &user("b1"), 16).unwrap();
    writer.offer("a", &user("a2"), 16).unwrap();
    assert_eq!(reader.next_task(64, 1, any).unwrap().prompt, "b1");
    writer.offer("b", &user("b2"), 16).unwrap();
    assert!(reader.next_task(64, 1, any).is_none());
    // After an organic round without one, any key may supply the next.
    writer.offer("b", &user("b3"), 16).unwrap();
    assert_eq!(reader.next_task(64, 1, any).unwrap().prompt, "b3");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_reader_reads_a_bounded_window_of_a_large_file() {
    let dir = temp_dir("window");
    let path = dir.join("organic.jsonl");
    let mut reader = OrganicReader::new(path.clone());
    // 8 MiB written since the last read: a giant line, then many small ones, then a task.
    append(&path, &vec![b'z'; 4 << 20]);
    append(&path, b"\n");
    let filler = line("f", &[ChatMessage::new("assistant", "no")], 16);
    append(&path, &filler.repeat((4 << 20) / filler.len()));
    append(&path, &line("a", &user("newest"), 16));
    let len = std::fs::metadata(&path).unwrap().len();
    let window = reader.read_new().unwrap();
    assert!(window.len() as u64 <= READ_WINDOW_BYTES, "{}", window.len());
    assert!(window.starts_with(&filler), "the window starts at a line");
    assert!(window.ends_with(&line("a", &user("newest"), 16)));
    // Everything before was passed over.
    assert!(reader.read_new().unwrap().is_empty());
    append(&path, &line("a", &user("next"), 16));
    assert_eq!(reader.next_task(64, 1, any).unwrap().prompt, "next");
    // A line with no end yet is not read whole either, and waits.
    append(&path, &vec![b'z'; 2 << 20]);
    assert!(reader.read_new().unwrap().is_empty());
    append(&path, b"\n");
    append(&path, &line("b", &user("after the giant"), 16));
    assert_eq!(reader.next_task(64, 1, any).unwrap().prompt, "after the giant");
    assert!(std::fs::metadata(&path).unwrap().len() > len);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_reader_follows_a_rotation() {
    let dir = temp_dir("follow");
    let path = dir.join("organic.jsonl");
    let writer = OrganicWriter::new(path.clone(), 1);
    writer.offer("a", &user("before"), 16).unwrap();
    let mut reader = OrganicReader::new(path.clone());
    // The file is replaced by one longer than what was read: it is read from its start.
    std::fs::rename(&path, writer.rotated_path()).unwrap();
    writer.offer("b", &user(format!("after the rotation {}", "w".repeat(100))), 16).unwrap();
    assert!(reader.next_task(64, 1, any).unwrap().prompt.starts_with("after the rotation"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_prompt_the_model_cannot_take_does_not_fit() {
    let dir = temp_dir("fits");
    let gguf = dir.join("tiny.gguf");
    agora_models::test_utils::tiny_tokenizer(&gguf).unwrap();
    let tokenizer = agora_models::chat::ChatTokenizer::load(&gguf).unwrap();
    assert!(crate::judge::prompt_fits(&tokenizer, &user("hello world")));
    // Within the sample's byte limit, but about one token a byte: too long for the model.
    let text: String = (0..MAX_SAMPLE_TEXT_BYTES).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    assert!(check_sample("k", &user(text.clone()), 16).is_ok());
    assert!(!crate::judge::prompt_fits(&tokenizer, &user(text)));
    std::fs::remove_dir_all(dir).unwrap();
}
