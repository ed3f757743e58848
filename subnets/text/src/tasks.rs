//! Validator tasks: an instruction from the shipped set with a random topic, answered greedily
//! (so the validator can check the answer against the pinned model), and a fresh seed.
//! About 40 × 80 prompts; randomised per round so answers cannot be looked up by key alone.

use agora_models::sampling::SplitMix64;
use agora_models::{ChatMessage, GenerationRequest};

const INSTRUCTIONS: &str = include_str!("../prompts/instructions.txt");
const TOPICS: &str = include_str!("../prompts/topics.txt");

fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

/// One scoring task.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// The user's prompt.
    pub prompt: String,
    /// The request sent to miners.
    pub request: GenerationRequest,
}

/// Makes tasks from the shipped prompts.
pub struct TaskMaker {
    instructions: Vec<&'static str>,
    topics: Vec<&'static str>,
    rng: SplitMix64,
    max_tokens: u32,
}

impl TaskMaker {
    /// A maker drawing from `seed` (a validator uses fresh entropy each start).
    pub fn new(seed: u64, max_tokens: u32) -> TaskMaker {
        TaskMaker { instructions: lines(INSTRUCTIONS), topics: lines(TOPICS), rng: SplitMix64::new(seed), max_tokens }
    }

    /// Number of distinct prompts.
    pub fn variety(&self) -> usize {
        self.instructions.len() * self.topics.len()
    }

    /// The next task.
    pub fn next_task(&mut self) -> Task {
        let i = self.instructions[(self.rng.next_u64() % self.instructions.len() as u64) as usize];
        let t = self.topics[(self.rng.next_u64() % self.topics.len() as u64) as usize];
        let prompt = i.replace("{topic}", t);
        let request = GenerationRequest {
            messages: vec![ChatMessage::new("user", prompt.clone())],
            max_tokens: self.max_tokens,
            temperature: 0.0,
            top_p: 1.0,
            seed: self.rng.next_u64(),
        };
        Task { prompt, request }
    }
}

/// Fresh entropy for a validator's task maker (not consensus: validators should differ).
pub fn entropy() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut s = SplitMix64::new(t ^ (u64::from(std::process::id()) << 32));
    s.next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_vary_and_fill_every_slot() {
        let mut m = TaskMaker::new(1, 24);
        assert!(m.variety() >= 3000, "{}", m.variety());
        let tasks: Vec<Task> = (0..50).map(|_| m.next_task()).collect();
        assert!(tasks.iter().all(|t| !t.prompt.contains('{') && t.request.max_tokens == 24));
        let distinct: std::collections::BTreeSet<&str> = tasks.iter().map(|t| t.prompt.as_str()).collect();
        assert!(distinct.len() > 40);
        assert_eq!(TaskMaker::new(1, 24).next_task(), tasks[0]);
    }
}
