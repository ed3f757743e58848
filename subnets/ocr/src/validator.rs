//! The OCR subnet's part of the validator loop ([`agora_subnet::Validator`]): each round a
//! document drawn from a fresh seed ([`Document::generate`]), sent as [`ImageToText`], each
//! reading scored against the document's text and boxes ([`crate::scoring`]).

use std::time::Duration;

use agora_neuron::Answer;
use agora_primitives::SplitMix64;
use agora_subnet::{Scored, SubnetError, SubnetValidator};

use crate::document::Document;
use crate::scoring::{self, Observed, Truth};
use crate::synapse::ImageToText;

pub use agora_subnet::{LoopConfig, ValidatorError};

/// An OCR validator: the kit's loop over [`OcrRounds`].
pub type Validator = agora_subnet::Validator<OcrRounds>;

/// One task: the document's image and what it says.
#[derive(Clone, Debug)]
pub struct OcrTask {
    /// The seed the document was drawn from.
    pub seed: u64,
    /// The PNG sent.
    pub png: Vec<u8>,
    /// Its lines and boxes.
    pub truth: Truth,
}

impl OcrTask {
    /// The task of document `seed`.
    pub fn from_seed(seed: u64) -> OcrTask {
        let d = Document::generate(seed);
        OcrTask { seed, png: d.png(), truth: Truth { lines: d.lines, width: d.width, height: d.height } }
    }
}

/// The OCR subnet's tasks and scorer.
#[derive(Default)]
pub struct OcrRounds;

impl SubnetValidator for OcrRounds {
    type Query = ImageToText;
    type Task = OcrTask;

    fn next_task(&mut self, _round: u64, rng: &mut SplitMix64) -> OcrTask {
        OcrTask::from_seed(rng.next_u64())
    }

    fn query(&self, task: &OcrTask) -> ImageToText {
        ImageToText::ask(&task.png)
    }

    fn score(
        &mut self,
        task: &OcrTask,
        answers: Vec<Answer<ImageToText>>,
        timeout: Duration,
    ) -> Result<Vec<Scored>, SubnetError> {
        Ok(answers
            .into_iter()
            .map(|a| {
                let s = a.synapse;
                let o = Observed {
                    status: a.status_code,
                    latency: a.process_time,
                    text: s.as_ref().and_then(|s| s.text.clone()),
                    lines: s.and_then(|s| s.lines),
                };
                let (score, reason) = scoring::judge(&o, &task.truth, timeout.as_secs_f64());
                Scored { score, reason }
            })
            .collect())
    }

    fn max_response_bytes(&self) -> usize {
        // Text at most four times a long document's, and its boxes.
        2 * 1024 * 1024
    }
}
