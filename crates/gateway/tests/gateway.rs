//! The gateway in process against real axons on loopback (echo, slow and failing miners): the
//! OpenAI shapes with and without streaming, which miner served, retries past a failing miner,
//! keys, rate limits and errors.

use std::sync::Arc;
use std::time::Duration;

use agora_gateway::pool::Candidate;
use agora_gateway::{ApiKey, Gateway, GatewayConfig, Keys, MinerPool, router};
use agora_models::TextGenerator;
use agora_neuron::{AxonTarget, Dendrite, RunningAxon};
use agora_primitives::Pair;
use agora_text::backends::{Echo, Sleep};
use serde_json::{Value, json};

async fn miner(seed: u8, backend: Arc<dyn TextGenerator>) -> (RunningAxon, AxonTarget) {
    agora_text::miner::serve_loopback(Pair::from_seed(&[seed; 32]), backend).await.unwrap()
}

struct Setup {
    url: String,
    pool: Arc<MinerPool>,
    _axons: Vec<RunningAxon>,
}

async fn setup(rpm: u32) -> Setup {
    let (echo, echo_t) = miner(1, Arc::new(Echo)).await;
    let (slow, slow_t) = miner(2, Arc::new(Sleep(Duration::from_secs(30)))).await;
    let me = Pair::from_seed(&[50; 32]);
    let pool = Arc::new(MinerPool::new(me.public(), Duration::from_secs(60), 3));
    pool.set_candidates(vec![
        Candidate { uid: 4, target: echo_t, incentive: 0.5 },
        Candidate { uid: 7, target: slow_t, incentive: 0.5 },
    ]);
    let keys =
        Keys::new(vec![ApiKey { key: "sk-test".into(), name: "test".into(), requests_per_minute: rpm, best_of: None }])
            .unwrap();
    let config =
        GatewayConfig { netuid: 1, timeout: Duration::from_millis(1500), retries: 2, hedge: false, default_best_of: 1 };
    let gw = Gateway::new(pool.clone(), Dendrite::new(me), Some(keys), None, None, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router(gw)).await.unwrap() });
    Setup { url, pool, _axons: vec![echo, slow] }
}

async fn post(url: &str, key: Option<&str>, body: &Value) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(format!("{url}/v1/chat/completions"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(k) = key {
        r = r.header("authorization", format!("Bearer {k}"));
    }
    r.send().await.unwrap()
}

fn ask(text: &str, stream: bool) -> Value {
    json!({"model": "agora/text", "messages": [{"role": "user", "content": text}], "stream": stream, "max_tokens": 16})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_stream_and_fail_over_like_openai() {
    let s = setup(600).await;
    // Many requests: whichever miner is drawn first, the slow one times out and the echo answers.
    for i in 0..4 {
        let r = post(&s.url, Some("sk-test"), &ask(&format!("hello number {i}"), false)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-agora-uid"], "4");
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["object"], "chat.completion");
        assert_eq!(v["choices"][0]["message"]["content"], format!("hello number {i}"));
        assert_eq!(v["choices"][0]["finish_reason"], "stop");
    }
    // The slow miner failed once and is now skipped: answers come at once.
    let started = std::time::Instant::now();
    let r = post(&s.url, Some("sk-test"), &ask("quick", false)).await;
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(1000), "{:?}", started.elapsed());

    // Streaming: OpenAI chunks, then [DONE].
    let r = post(&s.url, Some("sk-test"), &ask("stream me please", true)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    assert_eq!(r.headers()["x-agora-uid"], "4");
    let text = r.text().await.unwrap();
    let events: Vec<&str> = text.split("\n\n").filter(|e| !e.is_empty()).collect();
    assert_eq!(*events.last().unwrap(), "data: [DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e.strip_prefix("data: ").unwrap()).unwrap())
        .collect();
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let content: String = chunks.iter().filter_map(|c| c["choices"][0]["delta"]["content"].as_str()).collect();
    assert_eq!(content, "stream me please");
    assert_eq!(chunks.last().unwrap()["choices"][0]["finish_reason"], "stop");
    assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk"));

    // Models list, errors in OpenAI's shape.
    let models: Value = reqwest::Client::new()
        .get(format!("{}/v1/models", s.url))
        .header("authorization", "Bearer sk-test")
        .send()
        .await
        .unwrap()
        .json_value()
        .await;
    assert_eq!(models["data"][0]["id"], "agora/text");
    let r = post(&s.url, None, &ask("x", false)).await;
    assert_eq!(r.status(), 401);
    let r = post(&s.url, Some("sk-wrong"), &ask("x", false)).await;
    assert_eq!(r.status(), 401);
    let r = post(&s.url, Some("sk-test"), &json!({"model": "gpt-4", "messages": []})).await;
    assert_eq!(r.status(), 404);
    let e: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(e["error"]["param"], "model");
    let r = post(
        &s.url,
        Some("sk-test"),
        &json!({"model": "agora/text", "messages": [{"role": "user", "content": "x"}], "agora": {"best_of": 3}}),
    )
    .await;
    assert_eq!(r.status(), 400, "best-of needs the gateway's models");

    // No miner left: 503, not a hang.
    s.pool.set_candidates(Vec::new());
    let r = post(&s.url, Some("sk-test"), &ask("anyone?", false)).await;
    assert_eq!(r.status(), 503);
    let r = post(&s.url, Some("sk-test"), &ask("anyone?", true)).await;
    assert_eq!(r.status(), 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_key_has_its_rate() {
    let s = setup(2).await;
    s.pool.set_candidates(s.pool.candidates().into_iter().filter(|c| c.uid == 4).collect());
    assert_eq!(post(&s.url, Some("sk-test"), &ask("a", false)).await.status(), 200);
    assert_eq!(post(&s.url, Some("sk-test"), &ask("b", false)).await.status(), 200);
    let r = post(&s.url, Some("sk-test"), &ask("c", false)).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let e: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(e["error"]["type"], "rate_limit_exceeded");
}

trait JsonValue {
    async fn json_value(self) -> Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> Value {
        serde_json::from_str(&self.text().await.unwrap()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_pages_and_the_explorer_api_are_served() {
    let s = setup(600).await;
    let http = reqwest::Client::new();
    for (path, needle) in
        [("/", "Agora"), ("/explorer", "Latest blocks"), ("/chat", "/v1/chat/completions"), ("/ui/style.css", "font")]
    {
        let r = http.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.text().await.unwrap().contains(needle), "{path}");
    }
    // No node behind this gateway: the explorer API says so in JSON-RPC's shape.
    let r = http
        .post(format!("{}/api/rpc", s.url))
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"chain_status"}"#)
        .send()
        .await
        .unwrap();
    let v = r.json_value().await;
    assert_eq!(v["error"]["code"], -32601);
    let h = http.get(format!("{}/api/history", s.url)).send().await.unwrap().json_value().await;
    assert_eq!(h["snapshots"], json!([]));
}
