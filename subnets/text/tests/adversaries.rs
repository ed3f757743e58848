//! Honest and adversarial miners on loopback axons, one validator judge over their answers:
//! the local-model miner wins; echo, random, copycat, timeout and 50 MB miners score below it,
//! and none of them stalls or crashes the judge.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use agora_models::fetch::ensure;
use agora_models::{Embedder, LlamaEngine, LocalLlm, TextGenerator};
use agora_neuron::{AxonTarget, Dendrite, RunningAxon};
use agora_primitives::Pair;
use agora_text::backends::{Copycat, Echo, Huge, RandomText, Sleep};
use agora_text::scoring::Observed;
use agora_text::tasks::TaskMaker;
use agora_text::{Judge, TextGeneration, TextGenerationStream};
use futures::StreamExt;

fn models_dir() -> PathBuf {
    std::env::var_os("AGORA_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/models"))
}

async fn start(seed: u8, backend: Arc<dyn TextGenerator>) -> (RunningAxon, AxonTarget) {
    agora_text::miner::serve_loopback(Pair::from_seed(&[seed; 32]), backend).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_honest_miner_beats_every_adversary() {
    let paths = ensure(Some(models_dir())).expect("models");
    let llm: Arc<dyn TextGenerator> = Arc::new(LocalLlm::start(&paths.llm()).unwrap());
    let (honest, honest_target) = start(1, llm.clone()).await;
    let validator = Arc::new(Dendrite::new(Pair::from_seed(&[100; 32])));
    let copier = Arc::new(Dendrite::new(Pair::from_seed(&[6; 32])));
    let timeout = Duration::from_secs(10);
    let mut axons = vec![honest];
    let mut targets = vec![honest_target.clone()];
    let adversaries: Vec<(u8, Arc<dyn TextGenerator>)> = vec![
        (2, Arc::new(Echo)),
        (3, Arc::new(RandomText::new(7))),
        (4, Arc::new(Copycat::new(copier, honest_target.clone(), timeout))),
        (5, Arc::new(Sleep(Duration::from_secs(60)))),
        (6, Arc::new(Huge(50 * 1024 * 1024))),
    ];
    for (seed, b) in adversaries {
        let (a, t) = start(seed, b).await;
        axons.push(a);
        targets.push(t);
    }
    let mut judge = Judge::new(LlamaEngine::load(&paths.llm()).unwrap(), Embedder::load(&paths.embedder()).unwrap());
    let mut tasks = TaskMaker::new(42, 24);
    let names = ["honest", "echo", "random", "copycat", "timeout", "50 MB"];
    let mut totals = [0.0f64; 6];
    for _ in 0..2 {
        let task = tasks.next_task();
        let answers = validator.forward(&targets, &TextGeneration::ask(&task.request), timeout).await;
        assert_eq!(answers[0].status_code, 200, "{}", answers[0].status_message);
        assert_eq!(answers[4].status_code, 408);
        assert_eq!(answers[5].status_code, 422);
        let observed: Vec<Observed> = answers
            .into_iter()
            .map(|a| Observed {
                status: a.status_code,
                latency: a.process_time,
                completion: a.synapse.as_ref().and_then(|s| s.completion.clone()),
                completion_tokens: a.synapse.as_ref().and_then(|s| s.completion_tokens),
                finish_reason: a.synapse.and_then(|s| s.finish_reason),
            })
            .collect();
        let judged = tokio::task::block_in_place(|| judge.judge(&task, &observed, timeout.as_secs_f64())).unwrap();
        for (i, j) in judged.iter().enumerate() {
            eprintln!("{:>8}: {:.3} {}", names[i], j.score, j.reason);
            totals[i] += j.score;
        }
    }
    assert!(totals[0] > 1.6, "honest {totals:?}");
    assert!(totals[1] < 0.1 * totals[0] && totals[2] < 0.1 * totals[0], "{totals:?}");
    assert!(totals[3] < totals[0], "the copycat pays for its latency: {totals:?}");
    assert_eq!((totals[4], totals[5]), (0.0, 0.0));

    // The streaming route yields the same text as the single answer.
    let task = tasks.next_task();
    let whole = validator.call(&targets[0], &TextGeneration::ask(&task.request), timeout).await;
    let streamed =
        validator.call_stream(&targets[0], &TextGenerationStream(TextGeneration::ask(&task.request)), timeout).await;
    assert_eq!(streamed.status_code, 200);
    let chunks: Vec<_> = streamed.chunks.collect().await;
    assert!(chunks.len() > 1, "streamed in pieces");
    // Joined before decoding: a character may be split between chunks.
    let bytes: Vec<u8> = chunks.into_iter().flat_map(|c| c.unwrap().to_vec()).collect();
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(Some(text), whole.synapse.and_then(|s| s.completion));
    for a in axons {
        a.stop().await.unwrap();
    }
}

#[test]
fn the_judge_scores_fixed_answers_as_designed() {
    let paths = ensure(Some(models_dir())).expect("models");
    let mut engine = LlamaEngine::load(&paths.llm()).unwrap();
    let task = TaskMaker::new(7, 24).next_task();
    let honest = engine.generate(&task.request, |_| true).unwrap();
    let mut judge = Judge::new(engine, Embedder::load(&paths.embedder()).unwrap());
    let answer = |text: &str, finish: &str, latency: f64| Observed {
        status: 200,
        latency,
        completion: Some(text.to_string()),
        completion_tokens: Some(3),
        finish_reason: Some(finish.to_string()),
    };
    let finish = if honest.finish == agora_models::FinishReason::Stop { "stop" } else { "length" };
    let first_word = honest.text.split_whitespace().next().unwrap().to_string();
    let answers = [
        answer(&honest.text, finish, 1.0),
        // The model's first word, claiming it ran out of tokens: caught at the end position.
        answer(&first_word, "length", 0.05),
        answer(&task.prompt, "stop", 0.01),
        answer("marble lantern quietly seven under blue", "stop", 0.01),
        answer("   ", "stop", 0.01),
        answer(&honest.text, "finished", 0.5),
    ];
    let judged = judge.judge(&task, &answers, 12.0).unwrap();
    for (a, j) in answers.iter().zip(&judged) {
        eprintln!("{:.3} {:?}: {}", j.score, a.completion, j.reason);
    }
    assert!(judged[0].score > 0.9, "{:?}", judged[0]);
    assert!(
        judged[1].score < 0.5 * judged[0].score,
        "a truncated answer does not pass as the model's: {:?}",
        judged[1]
    );
    assert_eq!(judged[2].score, 0.0, "echo");
    assert_eq!(judged[3].score, 0.0, "random words");
    assert_eq!(judged[4].score, 0.0, "blank");
    assert_eq!(judged[5].score, 0.0, "malformed finish reason");
}
