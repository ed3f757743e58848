//! The gateway in process against real axons on loopback (echo, slow and failing miners): the
//! OpenAI shapes with and without streaming, which miner served, retries past a failing miner,
//! keys, rate limits and errors with their codes; token counts and `finish_reason` with a small
//! tokenizer; and the whole lifecycle ([`agora_gateway::start`]) against a fake node.

mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use agora_gateway::pool::Candidate;
use agora_gateway::{
    Access, ApiKey, Gateway, GatewayConfig, GatewayError, GatewayOptions, KeyError, Keys, MinerPool, ModelFiles,
    TokenCounter, router,
};
use agora_models::{ChatMessage, TextGenerator};
use agora_neuron::{AxonTarget, Dendrite, RunningAxon};
use agora_primitives::{NetUid, Pair};
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

/// The small tokenizer's file (written once per test process).
fn tokenizer_file() -> PathBuf {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let path = support::temp_dir("tokenizer").join("tiny.gguf");
        support::tiny_tokenizer(&path);
        path
    })
    .clone()
}

fn counter() -> TokenCounter {
    TokenCounter::load(&tokenizer_file()).unwrap()
}

async fn setup(rpm: u32) -> Setup {
    setup_with(rpm, None).await
}

async fn setup_with(rpm: u32, tokens: Option<TokenCounter>) -> Setup {
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
    let config = GatewayConfig {
        netuid: agora_primitives::NetUid(1),
        timeout: Duration::from_millis(1500),
        retries: 2,
        hedge: false,
        default_best_of: 1,
    };
    let mut gw = Gateway::new(pool.clone(), Dendrite::new(me), Some(keys), None, None, config);
    if let Some(t) = tokens {
        gw = gw.with_tokens(t);
    }
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
    assert_eq!(r.json_value().await["error"]["code"], "invalid_api_key");
    let r = post(&s.url, Some("sk-wrong"), &ask("x", false)).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json_value().await["error"]["code"], "invalid_api_key");
    let r = post(&s.url, Some("sk-test"), &json!({"model": "gpt-4", "messages": []})).await;
    assert_eq!(r.status(), 404);
    let e: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(e["error"]["param"], "model");
    assert_eq!(e["error"]["code"], "model_not_found");
    let r = post(&s.url, Some("sk-test"), &json!({"model": "agora/text", "messages": [], "max_tokens": 0})).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json_value().await["error"]["code"], "invalid_value");
    let r = post(
        &s.url,
        Some("sk-test"),
        &json!({"model": "agora/text", "messages": [{"role": "user", "content": "x"}], "agora": {"best_of": 3}}),
    )
    .await;
    assert_eq!(r.status(), 400, "best-of needs the gateway's models");
    let e = r.json_value().await;
    assert_eq!((&e["error"]["param"], &e["error"]["code"]), (&json!("agora.best_of"), &json!("unsupported_value")));
    // Without a tokenizer there are no counts: `usage` is null, not zeros.
    let r = post(&s.url, Some("sk-test"), &ask("count me", false)).await;
    assert_eq!(r.json_value().await["usage"], Value::Null);

    // Only the slow miner: every miner tried failed, 502 `upstream_error`.
    let all = s.pool.candidates();
    s.pool.set_candidates(all.iter().filter(|c| c.uid == 7).cloned().collect());
    s.pool.succeeded(7);
    let r = post(&s.url, Some("sk-test"), &ask("too slow", false)).await;
    assert_eq!(r.status(), 502);
    let e = r.json_value().await;
    assert_eq!((&e["error"]["type"], &e["error"]["code"]), (&json!("server_error"), &json!("upstream_error")));

    // No miner left: 503, not a hang.
    s.pool.set_candidates(Vec::new());
    let r = post(&s.url, Some("sk-test"), &ask("anyone?", false)).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.json_value().await["error"]["code"], "no_miner_available");
    let r = post(&s.url, Some("sk-test"), &ask("anyone?", true)).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.json_value().await["error"]["code"], "no_miner_available");
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
    assert_eq!(e["error"]["code"], "rate_limit_exceeded");
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

/// The JSON chunks of a server-sent-events body (which must end with `[DONE]`).
fn sse_chunks(text: &str) -> Vec<Value> {
    let events: Vec<&str> = text.split("\n\n").filter(|e| !e.is_empty()).collect();
    assert_eq!(*events.last().unwrap(), "data: [DONE]", "{text}");
    events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e.strip_prefix("data: ").unwrap()).unwrap())
        .collect()
}

fn chat(text: &str, max_tokens: u32, stream: bool) -> Value {
    json!({"model": "agora/text", "messages": [{"role": "user", "content": text}], "max_tokens": max_tokens,
        "stream": stream, "stream_options": {"include_usage": true}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_is_the_tokenizers_count_of_the_rendered_prompt_and_the_answer() {
    let t = counter();
    let s = setup_with(600, Some(t.clone())).await;
    s.pool.set_candidates(s.pool.candidates().into_iter().filter(|c| c.uid == 4).collect());
    let prompt = t.prompt(&[ChatMessage::new("user", "hello world")]).unwrap();
    // The template's system prompt and headers count: far more than the 8 tokens of the text.
    assert!(prompt > 8, "{prompt}");

    // Not streamed: the echo miner answers "hello world", 8 tokens (he·ll·o Ġw·o·r·l·d).
    let v = post(&s.url, Some("sk-test"), &chat("hello world", 16, false)).await.json_value().await;
    assert_eq!(v["choices"][0]["message"]["content"], "hello world");
    assert_eq!(v["usage"], json!({"prompt_tokens": prompt, "completion_tokens": 8, "total_tokens": prompt + 8}));
    assert_eq!(v["choices"][0]["finish_reason"], "stop");

    // Streamed with include_usage: the last chunk before [DONE] has no choices and the usage.
    let r = post(&s.url, Some("sk-test"), &chat("hello world", 16, true)).await;
    assert_eq!(r.status(), 200);
    let chunks = sse_chunks(&r.text().await.unwrap());
    let usage = chunks.last().unwrap();
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["usage"], json!({"prompt_tokens": prompt, "completion_tokens": 8, "total_tokens": prompt + 8}));
    assert!(chunks[..chunks.len() - 1].iter().all(|c| c.get("usage").is_none()));
    assert_eq!(chunks[chunks.len() - 2]["choices"][0]["finish_reason"], "stop");

    // A system prompt of the user's own replaces the default one: a different prompt count.
    let own = json!({"model": "agora/text", "max_tokens": 16, "messages": [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello world"}]});
    let v = post(&s.url, Some("sk-test"), &own).await.json_value().await;
    let expected =
        t.prompt(&[ChatMessage::new("system", "Be brief."), ChatMessage::new("user", "hello world")]).unwrap();
    assert_eq!(v["usage"]["prompt_tokens"], expected);
    assert_ne!(expected, prompt);

    // A prompt longer than the subnet's model serves is refused before any miner is asked.
    let long = "x".repeat(agora_models::local::MAX_PROMPT_TOKENS + 10);
    let r = post(&s.url, Some("sk-test"), &chat(&long, 16, false)).await;
    assert_eq!(r.status(), 400);
    let e = r.json_value().await;
    assert_eq!((&e["error"]["code"], &e["error"]["param"]), (&json!("context_length_exceeded"), &json!("messages")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_reaches_max_tokens_finishes_with_length_streamed_or_not() {
    let s = setup_with(600, Some(counter())).await;
    s.pool.set_candidates(s.pool.candidates().into_iter().filter(|c| c.uid == 4).collect());
    // The echo miner returns the whole text whatever max_tokens says: 8 tokens.
    for (max_tokens, finish) in [(4, "length"), (8, "length"), (9, "stop"), (64, "stop")] {
        let r = post(&s.url, Some("sk-test"), &chat("hello world", max_tokens, true)).await;
        let chunks = sse_chunks(&r.text().await.unwrap());
        let last = &chunks[chunks.len() - 2];
        assert_eq!(last["choices"][0]["finish_reason"], finish, "stream, max_tokens {max_tokens}");
        assert_eq!(chunks.last().unwrap()["usage"]["completion_tokens"], 8);
        let v = post(&s.url, Some("sk-test"), &chat("hello world", max_tokens, false)).await.json_value().await;
        assert_eq!(v["choices"][0]["finish_reason"], finish, "max_tokens {max_tokens}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_tokenizer_streams_report_null_usage() {
    let s = setup(600).await;
    s.pool.set_candidates(s.pool.candidates().into_iter().filter(|c| c.uid == 4).collect());
    let r = post(&s.url, Some("sk-test"), &chat("hello world", 4, true)).await;
    let chunks = sse_chunks(&r.text().await.unwrap());
    assert_eq!(chunks.last().unwrap()["usage"], Value::Null);
    assert_eq!(chunks.last().unwrap()["choices"], json!([]));
    // Nothing to count with: an answer that ends normally is `stop`.
    assert_eq!(chunks[chunks.len() - 2]["choices"][0]["finish_reason"], "stop");
}

fn options(endpoint: &str, models: ModelFiles) -> GatewayOptions {
    GatewayOptions {
        addr: ([127, 0, 0, 1], 0).into(),
        timeout: Duration::from_secs(5),
        refresh: Duration::from_millis(200),
        models,
        ..GatewayOptions::new(
            endpoint,
            NetUid(3),
            Access::Keys(vec![ApiKey {
                key: "sk-life".into(),
                name: "life".into(),
                requests_per_minute: 600,
                best_of: None,
            }]),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_serves_the_subnets_miners_until_stopped() {
    let me = Pair::from_seed(&[60; 32]);
    let (echo, echo_t) = miner(11, Arc::new(Echo)).await;
    // uid 0 is the gateway's own hotkey (never a candidate), uid 1 the echo miner, uid 2 never
    // served an axon.
    let m = support::metagraph(
        3,
        42,
        &[
            (me.public(), Some(([127, 0, 0, 1], 1).into())),
            (echo_t.hotkey, Some(echo_t.addr)),
            (Pair::from_seed(&[12; 32]).public(), None),
        ],
    );
    let node = support::fake_node(m).await;
    let dir = support::temp_dir("lifecycle");
    let organic = dir.join("organic.jsonl");
    let opts = GatewayOptions {
        organic_file: Some(organic.clone()),
        organic_every: 1,
        ..options(&node, ModelFiles::Tokenizer(tokenizer_file()))
    };
    let gw = tokio::time::timeout(Duration::from_secs(20), agora_gateway::start(opts, me)).await.unwrap().unwrap();
    assert_eq!(gw.miners(), 1);
    assert!(gw.gateway().counts_tokens());
    assert!(!gw.gateway().has_judge());
    let url = format!("http://{}", gw.local_addr);
    assert_ne!(gw.local_addr.port(), 0);

    let r = post(&url, Some("sk-life"), &chat("hello world", 16, false)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-agora-uid"], "1");
    let v = r.json_value().await;
    assert_eq!(v["choices"][0]["message"]["content"], "hello world");
    assert_eq!(v["usage"]["completion_tokens"], 8);
    assert!(v["usage"]["prompt_tokens"].as_u64().unwrap() > 8);
    assert_eq!(post(&url, Some("nope"), &chat("x", 16, false)).await.status(), 401);
    let h = reqwest::get(format!("{url}/healthz")).await.unwrap().json_value().await;
    assert_eq!(
        (&h["netuid"], &h["block"], &h["miners"], &h["usage"]),
        (&json!(3), &json!(42), &json!(1), &json!(true))
    );
    let sampled = std::fs::read_to_string(&organic).unwrap();
    assert!(sampled.contains("hello world"), "organic sampling is wired: {sampled}");
    assert!(sampled.contains("\"key\":\"key-") && !sampled.contains("sk-life"), "by the key's id: {sampled}");

    tokio::time::timeout(Duration::from_secs(10), gw.stop()).await.unwrap().unwrap();
    assert!(reqwest::get(format!("{url}/healthz")).await.is_err(), "nothing listens after stop");
    echo.stop().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_until_stops_on_the_signal() {
    let me = Pair::from_seed(&[61; 32]);
    let node = support::fake_node(support::metagraph(3, 1, &[(me.public(), None)])).await;
    let gw = agora_gateway::start(options(&node, ModelFiles::None), me).await.unwrap();
    assert_eq!(gw.miners(), 0);
    assert!(!gw.gateway().counts_tokens());
    let url = format!("http://{}", gw.local_addr);
    let r = post(&url, Some("sk-life"), &chat("hello", 16, false)).await;
    assert_eq!(r.status(), 503);
    let waited =
        tokio::time::timeout(Duration::from_secs(10), gw.wait_until(tokio::time::sleep(Duration::from_millis(100))))
            .await;
    waited.unwrap().unwrap();
    assert!(reqwest::get(format!("{url}/healthz")).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_refuses_bad_options_with_typed_errors() {
    let me = || Pair::from_seed(&[62; 32]);
    let node = support::fake_node(support::metagraph(3, 1, &[])).await;
    let start = |o: GatewayOptions| agora_gateway::start(o, me());
    let base = || options(&node, ModelFiles::None);

    let e = start(GatewayOptions { timeout: Duration::ZERO, ..base() }).await.unwrap_err();
    assert!(matches!(e, GatewayError::Timeout { .. }), "{e}");
    let e = start(GatewayOptions { timeout: Duration::from_secs(3601), ..base() }).await.unwrap_err();
    assert!(matches!(e, GatewayError::Timeout { seconds } if seconds == 3601.0), "{e}");
    let e = start(GatewayOptions { best_of: 9, ..base() }).await.unwrap_err();
    assert!(matches!(e, GatewayError::BestOf { got: 9 }), "{e}");
    let e = start(GatewayOptions { best_of: 0, ..base() }).await.unwrap_err();
    assert!(matches!(e, GatewayError::BestOf { got: 0 }), "{e}");
    // Best-of-k needs the judge; the tokenizer alone is not enough.
    let e = start(GatewayOptions { best_of: 3, ..base() }).await.unwrap_err();
    assert!(matches!(e, GatewayError::BestOfNeedsModels { best_of: 3 }), "{e}");
    let e = start(GatewayOptions { best_of: 3, models: ModelFiles::Tokenizer(tokenizer_file()), ..base() })
        .await
        .unwrap_err();
    assert!(matches!(e, GatewayError::BestOfNeedsModels { .. }), "{e}");
    let e =
        start(GatewayOptions { organic_file: Some("/tmp/x".into()), organic_every: 0, ..base() }).await.unwrap_err();
    assert!(matches!(e, GatewayError::OrganicEvery), "{e}");

    let dir = support::temp_dir("bad-options");
    let e = start(GatewayOptions { access: Access::KeyFile(dir.join("absent.toml")), ..base() }).await.unwrap_err();
    assert!(matches!(&e, GatewayError::Keys(k) if matches!(k.cause(), KeyError::Io(_))), "{e}");
    let dup = ApiKey { key: "k".into(), name: "k".into(), requests_per_minute: 1, best_of: None };
    let e = start(GatewayOptions { access: Access::Keys(vec![dup.clone(), dup]), ..base() }).await.unwrap_err();
    assert!(matches!(e, GatewayError::Keys(KeyError::Duplicate { .. })), "{e}");
    let e =
        start(GatewayOptions { models: ModelFiles::Tokenizer(dir.join("absent.gguf")), ..base() }).await.unwrap_err();
    assert!(matches!(&e, GatewayError::Model { path, .. } if path.ends_with("absent.gguf")), "{e}");
    let e = start(options("not a url", ModelFiles::None)).await.unwrap_err();
    assert!(matches!(e, GatewayError::Node(_)), "{e}");
    // The address is taken.
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let e = start(GatewayOptions { addr: taken.local_addr().unwrap(), ..base() }).await.unwrap_err();
    assert!(matches!(e, GatewayError::Listen { .. }), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}
