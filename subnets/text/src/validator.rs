//! The text subnet's part of the validator loop ([`agora_subnet::Validator`]): a task from
//! [`crate::tasks`] (or, one round in [`crate::organic::ORGANIC_ROUND_EVERY`], a sampled organic
//! request), sent as [`TextGeneration`], judged by [`Judge`]. The loop itself (sampling, moving
//! averages, saved state, weights) is the kit's.

use std::path::PathBuf;
use std::time::Duration;

use agora_neuron::Answer;
use agora_primitives::SplitMix64;
use agora_subnet::{Scored, SubnetError, SubnetValidator};

use crate::judge::Judge;
use crate::organic::OrganicReader;
use crate::scoring::Observed;
use crate::synapse::TextGeneration;
use crate::tasks::{Task, TaskMaker};

pub use agora_subnet::{LoopConfig, ValidatorError};

/// A text validator: the kit's loop over [`TextRounds`].
pub type Validator = agora_subnet::Validator<TextRounds>;

/// The text subnet's tasks and scorer.
pub struct TextRounds {
    judge: Judge,
    tasks: TaskMaker,
    organic: Option<OrganicReader>,
    max_tokens: u32,
}

impl TextRounds {
    /// Tasks of `max_tokens` drawn from `seed`, judged by `judge`; organic requests from the
    /// file a gateway samples to, when given.
    pub fn new(judge: Judge, seed: u64, max_tokens: u32, organic: Option<PathBuf>) -> TextRounds {
        TextRounds {
            judge,
            tasks: TaskMaker::new(seed, max_tokens),
            organic: organic.map(OrganicReader::new),
            max_tokens,
        }
    }
}

impl SubnetValidator for TextRounds {
    type Query = TextGeneration;
    type Task = Task;

    fn next_task(&mut self, round: u64, rng: &mut SplitMix64) -> Task {
        let organic = match &mut self.organic {
            Some(reader) if crate::organic::is_organic_round(round) => {
                let judge = &self.judge;
                reader.next_task(self.max_tokens, rng.next_u64(), |t| judge.fits(t))
            }
            _ => None,
        };
        organic.unwrap_or_else(|| self.tasks.next_task())
    }

    fn query(&self, task: &Task) -> TextGeneration {
        TextGeneration::ask(&task.request)
    }

    fn score(
        &mut self,
        task: &Task,
        answers: Vec<Answer<TextGeneration>>,
        timeout: Duration,
    ) -> Result<Vec<Scored>, SubnetError> {
        let observed: Vec<Observed> = answers
            .into_iter()
            .map(|a| {
                let s = a.synapse;
                Observed {
                    status: a.status_code,
                    latency: a.process_time,
                    completion: s.as_ref().and_then(|s| s.completion.clone()),
                    completion_tokens: s.as_ref().and_then(|s| s.completion_tokens),
                    finish_reason: s.and_then(|s| s.finish_reason),
                }
            })
            .collect();
        let judged = self.judge.judge(task, &observed, timeout.as_secs_f64())?;
        Ok(judged.into_iter().map(|j| Scored { score: j.score, reason: j.reason }).collect())
    }

    fn max_response_bytes(&self) -> usize {
        // No admissible answer is larger than this.
        crate::scoring::max_completion_bytes(self.max_tokens) + 64 * 1024
    }
}
