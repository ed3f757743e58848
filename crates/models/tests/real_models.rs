//! The pinned model files, fetched if absent: conversion hash, the generator's exact output for
//! a fixed prompt, the teacher-forced check, and MiniLM's published embedding values.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use agora_models::fetch::{ModelPaths, ensure};
use agora_models::{ChatMessage, Embedder, GenerationRequest, LlamaEngine};

fn paths() -> ModelPaths {
    static FETCHED: OnceLock<ModelPaths> = OnceLock::new();
    FETCHED
        .get_or_init(|| {
            let dir = std::env::var_os("AGORA_MODELS_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/models"));
            ensure(Some(dir)).expect("models fetched")
        })
        .clone()
}

fn engine() -> std::sync::MutexGuard<'static, LlamaEngine> {
    static ENGINE: OnceLock<Mutex<LlamaEngine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Mutex::new(LlamaEngine::load(&paths().llm()).expect("model loads")))
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The greedy tokens of the pinned prompt. Re-recorded when attention became our own (issue 19):
/// at "sustains (all) life" the model is at a near tie between "all" and "life",
/// which candle's attention broke towards "all" when decoding one token at a time but towards
/// "life" in a teacher-forced pass; ours computes the same logits both ways, and says "life".
const OCEAN_IDS: [u32; 22] = [
    504, 5065, 314, 253, 4749, 28, 11965, 28, 284, 27456, 29, 22846, 3166, 1379, 338, 26553, 284, 47569, 1029, 335,
    2591, 30,
];

fn ocean() -> Vec<ChatMessage> {
    vec![ChatMessage::new("user", "Write one sentence about the ocean.")]
}

#[test]
fn greedy_output_for_a_fixed_prompt_matches_the_recorded_tokens() {
    let mut e = engine();
    let ids = e.greedy_ids(&ocean(), 32).unwrap();
    assert_eq!(ids, OCEAN_IDS, "text: {:?}", e.tokenizer().decode(&ids));
    assert_eq!(
        e.tokenizer().decode(&ids).unwrap(),
        "The ocean is a vast, mysterious, and awe-inspiring place that surrounds and sustains life on Earth."
    );
}

#[test]
fn streamed_pieces_add_up_to_the_answer_and_seeds_reproduce() {
    let mut e = engine();
    let mut pieces = Vec::new();
    let g = e.generate(&GenerationRequest::greedy("Write one sentence about the ocean.", 32), |t| {
        pieces.push(t.to_string());
        true
    });
    let g = g.unwrap();
    assert_eq!(g.tokens as usize, OCEAN_IDS.len());
    assert_eq!(g.finish, agora_models::FinishReason::Stop);
    assert_eq!(pieces.concat(), g.text);
    let mut sampled = |seed| {
        let r = GenerationRequest {
            temperature: 0.9,
            top_p: 0.95,
            seed,
            ..GenerationRequest::greedy("Name a colour.", 12)
        };
        e.generate(&r, |_| true).unwrap().text
    };
    let a = sampled(5);
    let b = sampled(5);
    assert_eq!(a, b);
    // Stopping early from the callback ends generation at once.
    let mut n = 0;
    let cut = e.generate(&GenerationRequest::greedy("Count from one to twenty.", 64), |_| {
        n += 1;
        n < 3
    });
    assert_eq!(cut.unwrap().finish, agora_models::FinishReason::Length);
}

#[test]
fn the_teacher_forced_check_accepts_the_models_answer_and_rejects_others() {
    let mut e = engine();
    let answer = e.tokenizer().decode(&OCEAN_IDS).unwrap();
    let own = e.check_answer(&ocean(), &answer, true, 0.25).unwrap();
    assert_eq!((own.positions, own.agreeing, own.agreeing_prefix), (23, 23, 23), "{own:?}");
    // Claiming to have stopped early is caught at the end position.
    let cut = e.check_answer(&ocean(), "The ocean is a vast", true, 0.25).unwrap();
    assert_eq!(cut.agreeing, cut.positions - 1, "{cut:?}");
    // Echoing the prompt: once shown its first word the model copies the rest (most positions
    // "agree"), but the prefix is empty.
    let echo = e.check_answer(&ocean(), "Write one sentence about the ocean.", true, 0.25).unwrap();
    assert_eq!(echo.agreement(), 0.0, "{echo:?}");
    let random = e.check_answer(&ocean(), "banana seventeen quickly purple under", true, 0.25).unwrap();
    assert!(random.agreement() < 0.3, "{random:?}");
}

/// A round's check (prompt once, duplicates once, each answer up to its first disagreement)
/// gives every answer the agreeing prefix and positions of checking it alone: the scores are the
/// same. Answers: the model's own (stopped and not, twice), cut short, cut mid-way, wrong from the
/// start, wrong late (past the first chunks), the prompt echoed, and one too long to check.
/// A position's logits do not depend on how the positions were fed: the teacher-forced check
/// (one pass over the answer) finds the decoded greedy tokens to be the exact first choices,
/// with no tolerance, including the near tie at "sustains (all) life".
#[test]
fn the_check_and_decoding_compute_the_same_logits() {
    let mut e = engine();
    let answer = e.tokenizer().decode(&OCEAN_IDS).unwrap();
    let exact = e.check_answer(&ocean(), &answer, true, 0.0).unwrap();
    assert_eq!((exact.positions, exact.agreeing_prefix), (23, 23), "{exact:?}");
    let checked = e.check_answers(&ocean(), &[(&answer, true), ("The ocean is", false)], 0.0).unwrap();
    assert_eq!(checked.checks[0].as_ref().unwrap().agreeing_prefix, 23);
}

/// Sequences fed together (a miner's batched decoding) get the bits each gets alone.
#[test]
fn sequences_decoded_together_get_their_own_logits() {
    let e = engine();
    let model = e.model();
    let prompts: Vec<Vec<u32>> = ["The ocean", "Validators score miners by", "One two three"]
        .iter()
        .map(|p| e.tokenizer().encode(p).unwrap())
        .collect();
    let next = [11965u32, 284, 30];
    let mut alone = Vec::new();
    for (p, &t) in prompts.iter().zip(&next) {
        let mut s = agora_models::llama::Sequence::default();
        model.forward_sequence(&mut s, p, false).unwrap();
        let logits = model.forward_sequence(&mut s, &[t], false).unwrap().squeeze(0).unwrap();
        alone.push(logits.to_vec1::<f32>().unwrap());
    }
    let mut sequences: Vec<agora_models::llama::Sequence> = vec![Default::default(); prompts.len()];
    for (s, p) in sequences.iter_mut().zip(&prompts) {
        model.forward_sequence(s, p, false).unwrap();
    }
    let mut batch: Vec<&mut agora_models::llama::Sequence> = sequences.iter_mut().collect();
    let together = model.forward_many(&mut batch, &next).unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for (a, b) in alone.iter().zip(&together) {
        assert_eq!(bits(a), bits(b));
    }
    assert_eq!(sequences[1].position(), prompts[1].len() + 1);
}

/// The inference thread decodes concurrent requests together, and each gets the answer it gets
/// alone: greedy, seeded sampling, a short budget, and one that is invalid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_decoded_together_with_their_own_answers() {
    let requests = vec![
        GenerationRequest { messages: ocean(), ..GenerationRequest::greedy("", 32) },
        GenerationRequest {
            temperature: 0.8,
            top_p: 0.9,
            seed: 7,
            ..GenerationRequest::greedy("Name three rivers.", 20)
        },
        GenerationRequest::greedy("Count from one to ten.", 5),
        GenerationRequest { messages: ocean(), ..GenerationRequest::greedy("", 32) },
    ];
    let expected: Vec<_> = {
        let mut e = engine();
        requests.iter().map(|r| e.generate(r, |_| true).unwrap()).collect()
    };
    let llm = std::sync::Arc::new(agora_models::LocalLlm::start(&paths().llm()).unwrap());
    let mut running = Vec::new();
    for r in requests {
        let llm = llm.clone();
        running.push(tokio::spawn(async move { agora_models::generate(llm.as_ref(), r).await }));
    }
    let bad = agora_models::generate(llm.as_ref(), GenerationRequest::greedy("x", 5_000)).await;
    assert!(bad.is_err(), "{bad:?}");
    for (task, want) in running.into_iter().zip(expected) {
        let got = task.await.unwrap().unwrap();
        assert_eq!((got.text, got.tokens, got.finish), (want.text, want.tokens, want.finish));
    }
}

#[test]
fn checking_a_round_at_once_gives_each_answer_its_own_check() {
    let mut e = engine();
    let own = e.tokenizer().decode(&OCEAN_IDS).unwrap();
    let late = own.replace("on Earth", "in space");
    let too_long = "ocean ".repeat(9_000);
    let answers: Vec<(&str, bool)> = vec![
        (&own, true),
        ("The ocean is a vast", true),
        (&own, true),
        (&own, false),
        ("The ocean is a vast, mysterious", false),
        ("banana seventeen quickly purple under", true),
        (&late, true),
        ("Write one sentence about the ocean.", true),
        (&too_long, true),
        (&own, true),
    ];
    let checked = e.check_answers(&ocean(), &answers, 0.25).unwrap();
    // The model's own answer, stopped, shows the whole greedy answer.
    assert_eq!(checked.draft, agora_models::Draft { ids: OCEAN_IDS.to_vec(), ends: true });
    assert_eq!(e.greedy_ids_from(&ocean(), 32, &checked.draft).unwrap(), OCEAN_IDS);
    assert_eq!(e.greedy_ids_from(&ocean(), 10, &checked.draft).unwrap(), OCEAN_IDS[..10]);
    // What greedy_ids refuses, the draft does not answer either.
    assert!(e.greedy_ids_from(&ocean(), 0, &checked.draft).is_err());
    assert!(e.greedy_ids(&ocean(), 0).is_err());
    let round = checked.checks;
    assert_eq!(round.len(), answers.len());
    for ((answer, stopped), got) in answers.iter().zip(&round) {
        if answer.len() > 10_000 {
            assert!(got.is_err(), "too long to check: {got:?}");
            continue;
        }
        let alone = e.check_answer(&ocean(), answer, *stopped, 0.25).unwrap();
        let got = got.as_ref().unwrap();
        assert_eq!(
            (got.answer_tokens, got.positions, got.agreeing_prefix, got.agreement()),
            (alone.answer_tokens, alone.positions, alone.agreeing_prefix, alone.agreement()),
            "{answer:?} stopped={stopped}"
        );
    }
    let wrong_late = round[6].as_ref().unwrap();
    assert!(
        wrong_late.agreeing_prefix > 16 && wrong_late.agreeing_prefix < wrong_late.positions,
        "wrong late: {wrong_late:?}"
    );
    // An answer that writes the stop token into its text and goes on does not carry the greedy
    // answer past its end.
    let tail = format!("{own}<|im_end|>\nmore");
    let checked = e.check_answers(&ocean(), &[(&tail, true)], 0.25).unwrap();
    assert_eq!(checked.draft, agora_models::Draft { ids: OCEAN_IDS.to_vec(), ends: true });
    // Without the model's answer the draft is shorter, and the reference goes on from it to the
    // same greedy tokens.
    for answers in
        [vec![(late.as_str(), true)], vec![("The ocean is a vast, mysterious", false)], vec![("banana", true)]]
    {
        let checked = e.check_answers(&ocean(), &answers, 0.25).unwrap();
        assert!(!checked.draft.ends && checked.draft.ids.len() < OCEAN_IDS.len(), "{:?}", checked.draft);
        assert_eq!(checked.draft.ids[..], OCEAN_IDS[..checked.draft.ids.len()]);
        assert_eq!(e.greedy_ids_from(&ocean(), 32, &checked.draft).unwrap(), OCEAN_IDS, "{answers:?}");
    }
}

#[test]
fn embeddings_match_the_published_values() {
    let m = Embedder::load(&paths().embedder()).unwrap();
    let v = m.embed(&["This is an example sentence"]).unwrap();
    let published = [0.067657, 0.063496, 0.048713, 0.079305, 0.037448, 0.002653, 0.039375, -0.007098];
    for (a, b) in v[0].iter().zip(published) {
        assert!((a - b).abs() < 1e-5, "{:?}", &v[0][..8]);
    }
    assert_eq!(v[0].len(), 384);
    let s = m.similarity("A man is playing a guitar.", "Someone is strumming a guitar.").unwrap();
    assert!((s - 0.7186).abs() < 1e-3, "{s}");
    // Batches pad to the longest input; padding must not change a sentence's vector.
    let batch = m
        .embed(&["This is an example sentence", "A much longer sentence that forces padding of the first one"])
        .unwrap();
    assert!(v[0].iter().zip(&batch[0]).all(|(a, b)| (a - b).abs() < 1e-5));
    let unrelated = m.similarity("The cat sits on the mat.", "Stock markets fell sharply today.").unwrap();
    assert!(unrelated < 0.2, "{unrelated}");
}
