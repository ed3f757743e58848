//! Axon and dendrite together on loopback: answers, the status code of each refusal, streaming,
//! timeouts, body limits and fan-out.

use std::sync::Arc;
use std::time::Duration;

use agora_neuron::dummy::{Dummy, answer};
use agora_neuron::synapse::Synapse;
use agora_neuron::{Axon, AxonConfig, AxonTarget, ChunkStream, Dendrite, Guard};
use agora_primitives::{AccountId, BlockNumber, Pair};
use axum::body::Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Story {
    prompt: String,
    words: Vec<String>,
}

impl Synapse for Story {
    const NAME: &'static str = "Story";
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["prompt", "words"];
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Slow {
    millis: u64,
}

impl Synapse for Slow {
    const NAME: &'static str = "Slow";
}

/// Refuses one hotkey, ranks everyone else equally.
struct DenyOne(AccountId);

impl Guard for DenyOne {
    fn blacklist(&self, caller: &AccountId, _route: &str) -> Option<String> {
        (*caller == self.0).then(|| "denied for the test".to_string())
    }
    fn priority(&self, _caller: &AccountId) -> f64 {
        1.0
    }
}

async fn start(denied: AccountId, config: AxonConfig) -> (AxonTarget, agora_neuron::RunningAxon) {
    let pair = Pair::from_seed(&[7; 32]);
    let hotkey = pair.public();
    let mut axon = Axon::new(pair, config).guard(Arc::new(DenyOne(denied)));
    axon.attach(|q: Dummy, _| async move { Ok(answer(q)) });
    axon.attach(|q: Slow, _| async move {
        tokio::time::sleep(Duration::from_millis(q.millis)).await;
        Ok(q)
    });
    axon.attach_stream(|q: Story, _| async move {
        let words: Vec<Bytes> = q.prompt.split(' ').map(|w| Bytes::from(format!("{w}\n"))).collect();
        let stream: ChunkStream = Box::pin(futures::stream::iter(words).then(|w| async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            w
        }));
        Ok(stream)
    });
    let running = axon.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (AxonTarget { addr: running.local_addr, hotkey }, running)
}

#[tokio::test]
async fn answers_refusals_streams_and_limits() {
    let denied = Pair::from_seed(&[66; 32]);
    let config = AxonConfig { max_body_bytes: 64 * 1024, ..AxonConfig::default() };
    let (target, running) = start(denied.public(), config).await;
    let dendrite = Dendrite::new(Pair::from_seed(&[1; 32]));
    let t = Duration::from_secs(5);

    let a = dendrite.call(&target, &Dummy { dummy_input: 21, dummy_output: None }, t).await;
    assert_eq!((a.status_code, a.synapse.unwrap().dummy_output), (200, Some(42)));
    assert_eq!(a.axon.hotkey, Some(target.hotkey.to_ss58()));

    // Ping route, always there.
    let ping = dendrite.call(&target, &agora_neuron::synapse::Ping {}, t).await;
    assert_eq!(ping.status_code, 200);

    // Blacklisted caller: 403.
    let denied = Dendrite::new(denied).call(&target, &Dummy::default(), t).await;
    assert_eq!(denied.status_code, 403, "{}", denied.status_message);
    assert!(denied.status_message.contains("blacklisted"));

    // Signed for another axon: 401.
    let elsewhere = AxonTarget { addr: target.addr, hotkey: Pair::from_seed(&[8; 32]).public() };
    assert_eq!(dendrite.call(&elsewhere, &Dummy::default(), t).await.status_code, 401);

    // Unknown synapse: 404.
    #[derive(Clone, Default, Serialize, Deserialize)]
    struct Nope {}
    impl Synapse for Nope {
        const NAME: &'static str = "Nope";
    }
    let nope = dendrite.call(&target, &Nope {}, t).await;
    assert_eq!(nope.status_code, 404);
    assert!(nope.status_message.contains("Available synapses"), "{}", nope.status_message);

    // The handler exceeds the request's timeout: the axon answers 408 itself.
    let slow = dendrite.call(&target, &Slow { millis: 3_000 }, Duration::from_millis(300)).await;
    assert_eq!(slow.status_code, 408, "{}", slow.status_message);

    // Over the body limit: 413, the axon keeps serving.
    let big = Story { prompt: "x".repeat(100 * 1024), words: vec![] };
    let answer = dendrite.call(&target, &big, t).await;
    assert_eq!(answer.status_code, 413, "{}", answer.status_message);

    // Streaming: chunks arrive one by one, and hashed fields (lists included) verify.
    let story = Story { prompt: "once upon a time".into(), words: vec!["a".into(), "b'c".into()] };
    let mut s = dendrite.call_stream(&target, &story, t).await;
    assert_eq!(s.status_code, 200, "{}", s.status_message);
    let mut chunks = Vec::new();
    while let Some(chunk) = s.chunks.next().await {
        chunks.push(String::from_utf8(chunk.unwrap().to_vec()).unwrap());
    }
    assert_eq!(chunks.concat(), "once\nupon\na\ntime\n");

    // Unreachable axon: 503; fan-out keeps the order of the targets.
    let closed = AxonTarget { addr: "127.0.0.1:9".parse().unwrap(), hotkey: target.hotkey };
    let answers = dendrite.forward(&[target.clone(), closed], &Dummy { dummy_input: 1, dummy_output: None }, t).await;
    assert_eq!(answers.iter().map(|a| a.status_code).collect::<Vec<_>>(), [200, 503]);
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_dendrite_fans_out_to_many_axons() {
    let mut running = Vec::new();
    let mut targets = Vec::new();
    for i in 0..32u8 {
        let pair = Pair::from_seed(&[100 + i; 32]);
        let hotkey = pair.public();
        let mut axon = Axon::new(pair, AxonConfig::default());
        axon.attach(|q: Dummy, _| async move { Ok(answer(q)) });
        let r = axon.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        targets.push(AxonTarget { addr: r.local_addr, hotkey });
        running.push(r);
    }
    let dendrite = Dendrite::new(Pair::from_seed(&[2; 32]));
    let answers =
        dendrite.forward(&targets, &Dummy { dummy_input: 5, dummy_output: None }, Duration::from_secs(5)).await;
    assert!(answers.iter().all(|a| a.synapse.as_ref().and_then(|s| s.dummy_output) == Some(10)));
    for r in running {
        r.stop().await.unwrap();
    }
}

/// The default chain guard: unregistered callers, callers without a validator permit and callers
/// below the minimum stake are refused with 403; the rest are served.
#[tokio::test]
async fn the_stake_guard_follows_the_metagraph() {
    use agora_neuron::StakeGuard;
    use agora_primitives::NetUid;
    use agora_runtime::query::Metagraph;

    let (validator, miner, poor) = (Pair::from_seed(&[30; 32]), Pair::from_seed(&[31; 32]), Pair::from_seed(&[32; 32]));
    let n = 3;
    let m = Metagraph {
        netuid: NetUid(1),
        block: BlockNumber(10),
        n: n as u16,
        hotkeys: vec![validator.public(), miner.public(), poor.public()],
        coldkeys: vec![AccountId([0; 32]); n],
        stake: vec![5_000_000_000_000, 1_000_000_000_000, 1_000_000_000],
        alpha_stake: Vec::new(),
        root_stake: Vec::new(),
        consensus: vec![0; n],
        incentive: vec![0; n],
        dividends: vec![0; n],
        emission: vec![0; n],
        validator_trust: vec![0; n],
        validator_permit: vec![true, false, true],
        active: vec![true; n],
        last_update: vec![BlockNumber(0); n],
        block_at_registration: vec![BlockNumber(0); n],
        stake_weight: vec![0; n],
        axons: vec![Default::default(); n],
        weights: None,
        bonds: None,
    };
    let guard = Arc::new(StakeGuard::fixed(NetUid(1), 100.0, true, &m));
    assert_eq!(guard.priority(&validator.public()), 5000.0);
    let pair = Pair::from_seed(&[7; 32]);
    let hotkey = pair.public();
    let mut axon = Axon::new(pair, AxonConfig::default()).guard(guard);
    axon.attach(|q: Dummy, _| async move { Ok(answer(q)) });
    let running = axon.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let target = AxonTarget { addr: running.local_addr, hotkey };
    let t = Duration::from_secs(5);
    let q = Dummy { dummy_input: 2, dummy_output: None };
    let status = |pair: Pair| {
        let (target, q) = (target.clone(), q.clone());
        async move {
            let a = Dendrite::new(pair).call(&target, &q, t).await;
            (a.status_code, a.status_message)
        }
    };
    assert_eq!(status(validator).await.0, 200);
    let (code, message) = status(miner).await;
    assert_eq!(code, 403);
    assert!(message.contains("no validator permit"), "{message}");
    let (code, message) = status(poor).await;
    assert_eq!(code, 403);
    assert!(message.contains("below the minimum"), "{message}");
    let (code, message) = status(Pair::from_seed(&[33; 32])).await;
    assert_eq!(code, 403);
    assert!(message.contains("not registered"), "{message}");
    running.stop().await.unwrap();
}

/// An Epistula v2 request (what many newer subnets send) to the same route, with the same checks.
#[tokio::test]
async fn epistula_requests_are_served_and_checked() {
    use agora_neuron::headers::{epistula_message, signature_text};

    let (target, running) = start(Pair::from_seed(&[66; 32]).public(), AxonConfig::default()).await;
    let caller = Pair::from_seed(&[40; 32]);
    let http = reqwest::Client::new();
    let send = |uuid: &'static str, ts: u64, body: &'static str, signer: &Pair| {
        let target_ss58 = target.hotkey.to_ss58();
        let message = epistula_message(body.as_bytes(), uuid, ts, Some(&target_ss58));
        let request = http
            .post(format!("http://{}/Dummy", target.addr))
            .header("Epistula-Version", "2")
            .header("Epistula-Timestamp", ts.to_string())
            .header("Epistula-Uuid", uuid)
            .header("Epistula-Signed-By", caller.public().to_ss58())
            .header("Epistula-Signed-For", target_ss58)
            .header("Epistula-Request-Signature", signature_text(&signer.sign(message.as_bytes()).0))
            .body(body);
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let (status, doc) = send("e-1", now, r#"{"dummy_input": 8}"#, &caller).await;
    assert_eq!((status, &doc["dummy_output"]), (200, &serde_json::json!(16)), "{doc}");
    assert_eq!(send("e-1", now, r#"{"dummy_input": 8}"#, &caller).await.0, 401, "a replay");
    assert_eq!(send("e-2", now - 20_000, r#"{"dummy_input": 8}"#, &caller).await.0, 401, "too old");
    assert_eq!(send("e-3", now, r#"{"dummy_input": 8}"#, &Pair::from_seed(&[41; 32])).await.0, 401, "forged");
    running.stop().await.unwrap();
}

/// A hostile axon that answers 50 MB: the dendrite stops reading at its limit and reports 422.
#[tokio::test]
async fn a_huge_answer_is_cut_off() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 8192];
        let _ = socket.read(&mut buf).await;
        let len = 50 * 1024 * 1024;
        let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n");
        let _ = socket.write_all(head.as_bytes()).await;
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..50 {
            if socket.write_all(&chunk).await.is_err() {
                return;
            }
        }
    });
    let target = AxonTarget { addr, hotkey: Pair::from_seed(&[9; 32]).public() };
    let dendrite = Dendrite::new(Pair::from_seed(&[1; 32])).with_max_response_bytes(1 << 20);
    let a = dendrite.call(&target, &Dummy::default(), Duration::from_secs(10)).await;
    assert_eq!(a.status_code, 422, "{}", a.status_message);
}

/// Refuses every verified caller with the guard's last check.
struct RefuseVerified;

impl Guard for RefuseVerified {
    fn blacklist(&self, _caller: &AccountId, _route: &str) -> Option<String> {
        None
    }
    fn priority(&self, _caller: &AccountId) -> f64 {
        1.0
    }
    fn verify(&self, _caller: &AccountId, route: &str) -> Result<(), agora_neuron::NeuronError> {
        if route == "Dummy" { Err(agora_neuron::NeuronError::not_verified("not on the list")) } else { Ok(()) }
    }
}

/// A handler's error and a guard's refusal reach the caller with the status and message they
/// always had: 500 with the handler's message, 401 with "Not Verified with error: …".
#[tokio::test]
async fn handler_errors_and_guard_refusals_keep_their_status() {
    let pair = Pair::from_seed(&[50; 32]);
    let hotkey = pair.public();
    let mut axon = Axon::new(pair, AxonConfig::default()).guard(Arc::new(RefuseVerified));
    axon.attach(|q: Dummy, _| async move { Ok(answer(q)) });
    // A message converts into a 500 handler error.
    axon.attach(|q: Slow, _| async move {
        if q.millis == 0 { Ok(q) } else { Err(format!("cannot wait {} ms", q.millis).into()) }
    });
    let running = axon.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let target = AxonTarget { addr: running.local_addr, hotkey };
    let dendrite = Dendrite::new(Pair::from_seed(&[51; 32]));
    let t = Duration::from_secs(5);

    let failed = dendrite.call(&target, &Slow { millis: 7 }, t).await;
    assert_eq!((failed.status_code, failed.status_message.as_str()), (500, "cannot wait 7 ms"));
    assert_eq!(dendrite.call(&target, &Slow { millis: 0 }, t).await.status_code, 200);
    let refused = dendrite.call(&target, &Dummy::default(), t).await;
    assert_eq!(
        (refused.status_code, refused.status_message.as_str()),
        (401, "Not Verified with error: not on the list")
    );
    running.stop().await.unwrap();
}
