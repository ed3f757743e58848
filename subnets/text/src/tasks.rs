//! Validator tasks: an instruction from the shipped set with a random topic and a random
//! constraint (a number, a name or a word drawn per task), answered greedily so the validator
//! can check the answer against the pinned model. 40 instructions × 80 topics × 6 constraints ×
//! thousands of values: answers cannot be computed once and looked up.

use agora_models::sampling::SplitMix64;
use agora_models::{ChatMessage, GenerationRequest};

const INSTRUCTIONS: &str = include_str!("../prompts/instructions.txt");
const TOPICS: &str = include_str!("../prompts/topics.txt");
const CONSTRAINTS: &str = include_str!("../prompts/constraints.txt");
const NAMES: &[&str] = &[
    "Ada", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jun", "Kofi", "Lena", "Mateo",
    "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe",
];
const WORDS: &[&str] = &[
    "lantern", "velvet", "orbit", "harbor", "copper", "meadow", "thunder", "puzzle", "falcon", "marble", "ember",
    "glacier", "compass", "saffron", "anchor", "quartz", "willow", "canyon", "beacon", "mosaic",
];

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
    constraints: Vec<&'static str>,
    rng: SplitMix64,
    max_tokens: u32,
}

impl TaskMaker {
    /// A maker drawing from `seed` (a validator uses fresh entropy each start).
    pub fn new(seed: u64, max_tokens: u32) -> TaskMaker {
        TaskMaker {
            instructions: lines(INSTRUCTIONS),
            topics: lines(TOPICS),
            constraints: lines(CONSTRAINTS),
            rng: SplitMix64::new(seed),
            max_tokens,
        }
    }

    /// Number of distinct prompts.
    pub fn variety(&self) -> usize {
        self.instructions.len() * self.topics.len() * self.constraints.len() * NAMES.len().min(WORDS.len())
    }

    /// The next task.
    pub fn next_task(&mut self) -> Task {
        let rng = &mut self.rng;
        let (i, t, c) = (pick(rng, &self.instructions), pick(rng, &self.topics), pick(rng, &self.constraints));
        let number = (rng.next_u64() % 9000 + 1000).to_string();
        let (name, word) = (pick(rng, NAMES), pick(rng, WORDS));
        let constraint = c.replace("{number}", &number).replace("{name}", name).replace("{word}", word);
        let prompt = format!("{} {constraint}", i.replace("{topic}", t));
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

fn pick<'a>(rng: &mut SplitMix64, list: &[&'a str]) -> &'a str {
    list[(rng.next_u64() % list.len() as u64) as usize]
}

pub use agora_subnet::entropy;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_vary_and_fill_every_slot() {
        let mut m = TaskMaker::new(1, 24);
        assert!(m.variety() >= 100_000, "{}", m.variety());
        let tasks: Vec<Task> = (0..50).map(|_| m.next_task()).collect();
        assert!(tasks.iter().all(|t| !t.prompt.contains('{') && t.request.max_tokens == 24));
        let distinct: std::collections::BTreeSet<&str> = tasks.iter().map(|t| t.prompt.as_str()).collect();
        assert_eq!(distinct.len(), 50);
        assert!(tasks.iter().all(|t| t.prompt.ends_with('.')), "{:?}", tasks[0].prompt);
        assert_eq!(TaskMaker::new(1, 24).next_task(), tasks[0]);
    }
}
