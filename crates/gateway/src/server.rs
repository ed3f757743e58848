//! The HTTP server: `POST /v1/chat/completions` (JSON or server-sent events), `GET /v1/models`,
//! `GET /healthz`; bearer keys with per-key rate limits; routing with retries, hedging and
//! best-of-k. Each response says which miner answered (`x-agora-uid`, `x-agora-hotkey`).

use agora_primitives::NetUid;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agora_models::local::MAX_PROMPT_TOKENS;
use agora_models::sampling::SplitMix64;
use agora_neuron::{Answer, Dendrite, Synapse};
use agora_ocr::ImageToText;
use agora_text::organic::Sampled;
use agora_text::scoring::Observed;
use agora_text::tasks::Task;
use agora_text::{Judge, TextGeneration, TextGenerationStream};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::api::{self, ApiError, ChatRequest, Usage, code};
use crate::body::BodyLimits;
use crate::keys::{Admission, ApiKey, Keys, OPEN_SAMPLE_ID};
use crate::pool::{Candidate, MinerPool};
use crate::tokens::TokenCounter;

/// Routing settings.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// The subnet served.
    pub netuid: NetUid,
    /// Time a miner has per attempt.
    pub timeout: Duration,
    /// Other miners tried after a failure.
    pub retries: usize,
    /// Send each request to two miners and take the first good answer.
    pub hedge: bool,
    /// Best-of-k applied when neither the request nor its key asks.
    pub default_best_of: u8,
}

/// Where sampled organic requests go (for validators' scoring): one request in N per key, at
/// most [`agora_text::organic::SAMPLES_PER_KEY_PER_MINUTE`] per key a minute, only those within
/// the sample limits, in a file rotated at [`agora_text::organic::ROTATE_BYTES`].
pub type OrganicSink = agora_text::organic::OrganicWriter;

/// The OCR subnet behind the gateway: requests with an image go to its miners.
pub struct OcrRoute {
    /// The subnet.
    pub netuid: NetUid,
    /// Its miners.
    pub pool: Arc<MinerPool>,
}

/// Shared state of the server.
pub struct Gateway {
    /// Routing table.
    pub pool: Arc<MinerPool>,
    dendrite: Dendrite,
    keys: Option<Keys>,
    judge: Option<Arc<Mutex<Judge>>>,
    config: GatewayConfig,
    ids: Mutex<SplitMix64>,
    served: AtomicU64,
    rpc: Option<agora_client::RpcClient>,
    organic: Option<OrganicSink>,
    tokens: Option<TokenCounter>,
    ocr: Option<OcrRoute>,
}

impl Gateway {
    /// A gateway signing as `dendrite`'s hotkey. `keys: None` serves without authentication;
    /// `judge: None` disables best-of-k; `node` is what the explorer pages read (read-only).
    pub fn new(
        pool: Arc<MinerPool>,
        dendrite: Dendrite,
        keys: Option<Keys>,
        judge: Option<Judge>,
        node: Option<agora_client::RpcClient>,
        config: GatewayConfig,
    ) -> Arc<Gateway> {
        let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
        Arc::new(Gateway {
            pool,
            dendrite,
            keys,
            judge: judge.map(|j| Arc::new(Mutex::new(j))),
            config,
            ids: Mutex::new(SplitMix64::new(seed)),
            served: AtomicU64::new(0),
            rpc: node,
            organic: None,
            tokens: None,
            ocr: None,
        })
    }

    /// Also counts tokens for `usage` and `finish_reason` (call before the gateway is shared).
    /// Without a counter, `usage` is `null` and a streamed answer ends with `stop` unless it was
    /// cut off.
    pub fn with_tokens(mut self: Arc<Self>, counter: TokenCounter) -> Arc<Gateway> {
        match Arc::get_mut(&mut self) {
            Some(gw) => gw.tokens = Some(counter),
            None => tracing::warn!("token counting must be set before the gateway is shared; ignored"),
        }
        self
    }

    /// Whether `usage` is counted.
    pub fn counts_tokens(&self) -> bool {
        self.tokens.is_some()
    }

    /// Whether best-of-k is available (the judge's models are loaded).
    pub fn has_judge(&self) -> bool {
        self.judge.is_some()
    }

    /// The routing settings.
    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }

    /// Also samples requests into `sink` for validators (call before the gateway is shared).
    pub fn with_organic(mut self: Arc<Self>, sink: OrganicSink) -> Arc<Gateway> {
        match Arc::get_mut(&mut self) {
            Some(gw) => gw.organic = Some(sink),
            None => tracing::warn!("organic sampling must be set before the gateway is shared; ignored"),
        }
        self
    }

    /// Also serves the OCR subnet (`agora/ocr`, and any request with an image) from `route`
    /// (call before the gateway is shared).
    pub fn with_ocr(mut self: Arc<Self>, route: OcrRoute) -> Arc<Gateway> {
        match Arc::get_mut(&mut self) {
            Some(gw) => gw.ocr = Some(route),
            None => tracing::warn!("the OCR route must be set before the gateway is shared; ignored"),
        }
        self
    }

    /// The OCR subnet served, if any.
    pub fn ocr(&self) -> Option<&OcrRoute> {
        self.ocr.as_ref()
    }

    /// The subnets served: `(model, netuid, kind)`.
    pub fn subnets(&self) -> Vec<(&'static str, NetUid, &'static str)> {
        let mut out = vec![(api::TEXT_MODEL, self.config.netuid, "text")];
        if let Some(o) = &self.ocr {
            out.push((api::OCR_MODEL, o.netuid, "ocr"));
        }
        out
    }

    fn new_id(&self) -> String {
        format!("chatcmpl-{:016x}", self.ids.lock().unwrap_or_else(|e| e.into_inner()).next_u64())
    }
}

/// The routes; `extra` (the web UI) is merged in by the caller. Request bodies within
/// [`BodyLimits::default`].
pub fn router(gw: Arc<Gateway>) -> Router {
    router_with(gw, BodyLimits::default())
}

/// The routes, with request bodies within `body`.
pub fn router_with(gw: Arc<Gateway>, body: BodyLimits) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/models", get(models))
        .route("/healthz", get(health))
        .route("/api/rpc", post(node_rpc))
        .route("/api/history", get(history))
        .route("/api/subnets", get(subnets))
        .route("/", get(|| async { page(INDEX) }))
        .route("/explorer", get(|| async { page(EXPLORER) }))
        .route("/chat", get(|| async { page(CHAT) }))
        .route("/ui/style.css", get(|| async { ([(header::CONTENT_TYPE, "text/css")], STYLE).into_response() }))
        .layer(axum::middleware::from_fn(move |request, next| crate::body::read_within(body, request, next)))
        .layer(axum::extract::DefaultBodyLimit::max(body.max_bytes))
        .with_state(gw)
}

const INDEX: &str = include_str!("../ui/index.html");
const EXPLORER: &str = include_str!("../ui/explorer.html");
const CHAT: &str = include_str!("../ui/chat.html");
const STYLE: &str = include_str!("../ui/style.css");

fn page(html: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// Node methods the explorer may call through the gateway (all read-only).
pub const EXPLORER_METHODS: &[&str] = &[
    "chain_status",
    "chain_getBlock",
    "chain_getEvents",
    "chain_getReceipt",
    "state_chainInfo",
    "state_balance",
    "state_subnets",
    "state_subnet",
    "state_hyperparameters",
    "state_metagraph",
    "state_stakesOfColdkey",
    "state_stakesOnHotkey",
    "state_delegates",
    "state_economy",
    "state_pools",
];

async fn node_rpc(axum::extract::State(gw): axum::extract::State<Arc<Gateway>>, body: Bytes) -> Response {
    let reply = |v: Value| json_response(StatusCode::OK, &v);
    let Some(rpc) = gw.rpc.clone() else {
        return reply(
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32601, "message": "this gateway has no node to ask"}}),
        );
    };
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return reply(json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "not JSON"}}));
    };
    let id = v.get("id").cloned().unwrap_or(Value::Null);
    let method = v.get("method").and_then(Value::as_str).unwrap_or("").to_string();
    if !EXPLORER_METHODS.contains(&method.as_str()) {
        return reply(
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("{method:?} is not offered here")}}),
        );
    }
    let mut params = v.get("params").cloned().unwrap_or(json!([]));
    // The light metagraph only: weights and bonds of a large subnet are megabytes per call.
    if method == "state_metagraph"
        && let Some(list) = params.as_array_mut()
    {
        list.truncate(1);
    }
    match tokio::task::spawn_blocking(move || rpc.call(&method, params)).await {
        Ok(Ok(result)) => reply(json!({"jsonrpc": "2.0", "id": id, "result": result})),
        Ok(Err(e)) => reply(json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": e.to_string()}})),
        Err(e) => reply(json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": e.to_string()}})),
    }
}

async fn history(axum::extract::State(gw): axum::extract::State<Arc<Gateway>>) -> Response {
    json_response(StatusCode::OK, &json!({"netuid": gw.config.netuid, "snapshots": gw.pool.history()}))
}

async fn subnets(axum::extract::State(gw): axum::extract::State<Arc<Gateway>>) -> Response {
    let list: Vec<Value> = gw
        .subnets()
        .into_iter()
        .map(|(model, netuid, kind)| {
            let candidates = match kind {
                "ocr" => gw.ocr.as_ref().map(|o| o.pool.candidates()).unwrap_or_default(),
                _ => gw.pool.candidates(),
            };
            // The routing table as the gateway sees it now (its last metagraph refresh).
            let routing: Vec<Value> = candidates
                .iter()
                .map(|c| json!({"uid": c.uid, "hotkey": c.target.hotkey.to_ss58(), "incentive": c.incentive}))
                .collect();
            json!({"netuid": netuid, "kind": kind, "model": model, "miners": candidates.len(), "routing": routing})
        })
        .collect();
    json_response(StatusCode::OK, &json!({"subnets": list}))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

pub(crate) fn error(e: ApiError) -> Response {
    json_response(StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST), &e.body())
}

fn admit<'a>(gw: &'a Gateway, headers: &HeaderMap) -> Result<Option<&'a crate::keys::ApiKey>, Box<Response>> {
    let Some(keys) = &gw.keys else { return Ok(None) };
    match keys.admit(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())) {
        Admission::Admitted(k) => Ok(Some(k)),
        Admission::Unauthorized => Err(Box::new(error(ApiError {
            status: 401,
            kind: "invalid_request_error",
            code: code::INVALID_API_KEY,
            param: None,
            message: "missing or unknown API key: send `Authorization: Bearer <key>`".into(),
        }))),
        Admission::Limited(after) => {
            let mut r = error(ApiError {
                status: 429,
                kind: "rate_limit_exceeded",
                code: code::RATE_LIMIT_EXCEEDED,
                param: None,
                message: format!("rate limit of this API key reached; retry in {after:.1} s"),
            });
            if let Ok(v) = format!("{}", after.ceil() as u64).parse() {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Err(Box::new(r))
        }
    }
}

async fn models(axum::extract::State(gw): axum::extract::State<Arc<Gateway>>, headers: HeaderMap) -> Response {
    if let Err(r) = admit(&gw, &headers) {
        return *r;
    }
    let served: Vec<&str> = gw.subnets().into_iter().map(|(model, _, _)| model).collect();
    json_response(StatusCode::OK, &api::models(now(), &served))
}

async fn health(axum::extract::State(gw): axum::extract::State<Arc<Gateway>>) -> Response {
    let miners = gw.pool.candidates();
    json_response(
        StatusCode::OK,
        &json!({"netuid": gw.config.netuid, "block": gw.pool.block(), "miners": miners.len(),
            "served": gw.served.load(Ordering::Relaxed), "best_of": gw.judge.is_some(), "usage": gw.tokens.is_some(),
            "ocr": gw.ocr.as_ref().map(|o| json!({"netuid": o.netuid, "miners": o.pool.candidates().len()}))}),
    )
}

fn no_miner(netuid: NetUid) -> ApiError {
    ApiError {
        status: 503,
        kind: "server_error",
        code: code::NO_MINER_AVAILABLE,
        param: None,
        message: format!("no miner of subnet {netuid} is serving right now; try again shortly"),
    }
}

fn all_failed(netuid: NetUid, last: &str) -> ApiError {
    ApiError {
        status: 502,
        kind: "server_error",
        code: code::UPSTREAM_ERROR,
        param: None,
        message: format!("every miner of subnet {netuid} that was tried failed (last: {last})"),
    }
}

struct Served {
    miner: Candidate,
    text: String,
    /// The miner's own count (checked against ours, never reported).
    tokens: Option<u32>,
    /// The miner's finish reason, `length` or `stop` (anything else a miner says is `stop`).
    finish: &'static str,
}

fn good(a: &Answer<TextGeneration>) -> Option<Good> {
    let s = a.synapse.as_ref()?;
    let text = s.completion.clone()?;
    if a.status_code != 200 || text.trim().is_empty() {
        return None;
    }
    let finish = if s.finish_reason.as_deref() == Some("length") { "length" } else { "stop" };
    Some((text, s.completion_tokens, finish))
}

/// An answer's `finish_reason`: `length` when the miner says so or when the answer has at least
/// `max_tokens` tokens by our count (a stream says nothing else), otherwise `stop`.
pub fn finish_reason(claimed: &str, completion_tokens: Option<u32>, max_tokens: u32) -> &'static str {
    if claimed == "length" || completion_tokens.is_some_and(|n| n >= max_tokens) { "length" } else { "stop" }
}

/// What a good answer carries: its text, the miner's token count, its finish reason.
type Good = (String, Option<u32>, &'static str);

/// Plain routing: one miner (two when hedging), another after a failure.
async fn route_one(gw: &Gateway, req: &ChatRequest) -> Result<Served, ApiError> {
    route_one_on(gw, &gw.pool, gw.config.netuid, &TextGeneration::ask(&req.generation), good).await
}

/// Plain routing of `q` among `pool`'s miners (subnet `netuid`); `good` says which answers count.
async fn route_one_on<S: Synapse>(
    gw: &Gateway,
    pool: &MinerPool,
    netuid: NetUid,
    q: &S,
    good: fn(&Answer<S>) -> Option<Good>,
) -> Result<Served, ApiError> {
    let mut tried = Vec::new();
    let mut last = String::from("none tried");
    for _ in 0..=gw.config.retries {
        let picks = pool.pick(if gw.config.hedge { 2 } else { 1 }, &tried);
        if picks.is_empty() {
            break;
        }
        tried.extend(picks.iter().map(|c| c.uid));
        let mut calls: futures::stream::FuturesUnordered<_> = picks
            .into_iter()
            .map(|c| async move {
                let a = gw.dendrite.call(&c.target, q, gw.config.timeout).await;
                (c, a)
            })
            .collect();
        while let Some((c, a)) = calls.next().await {
            match good(&a) {
                Some((text, tokens, finish)) => {
                    pool.succeeded(c.uid);
                    return Ok(Served { miner: c, text, tokens, finish });
                }
                None => {
                    pool.failed(c.uid);
                    last = format!("uid {} answered {} {}", c.uid, a.status_code, a.status_message);
                }
            }
        }
    }
    if tried.is_empty() { Err(no_miner(netuid)) } else { Err(all_failed(netuid, &last)) }
}

/// A reading with text in it.
fn good_reading(a: &Answer<ImageToText>) -> Option<Good> {
    let text = a.synapse.as_ref()?.text.clone()?;
    if a.status_code != 200 || text.trim().is_empty() {
        return None;
    }
    Some((text, None, "stop"))
}

/// An OCR request: one miner of the OCR subnet (another after a failure), or best-of-k ranked
/// by agreement: each reading scores the mean of 1 − CER against the others, so the reading the
/// others support wins and a lone odd one loses.
async fn route_ocr(gw: &Gateway, route: &OcrRoute, req: &ChatRequest, k: u8) -> Result<Served, ApiError> {
    let image = req.image.as_ref().expect("an OCR request has an image");
    let q = ImageToText::ask(&image.bytes);
    if k <= 1 {
        return route_one_on(gw, &route.pool, route.netuid, &q, good_reading).await;
    }
    let picks = route.pool.pick(usize::from(k), &[]);
    if picks.is_empty() {
        return Err(no_miner(route.netuid));
    }
    let targets: Vec<_> = picks.iter().map(|c| c.target.clone()).collect();
    let answers = gw.dendrite.forward(&targets, &q, gw.config.timeout).await;
    let mut ok = Vec::new();
    for (c, a) in picks.into_iter().zip(answers) {
        match good_reading(&a) {
            Some(g) => {
                route.pool.succeeded(c.uid);
                ok.push((c, g));
            }
            None => route.pool.failed(c.uid),
        }
    }
    if ok.is_empty() {
        return route_one_on(gw, &route.pool, route.netuid, &q, good_reading).await;
    }
    let texts: Vec<String> = ok.iter().map(|(_, g)| g.0.clone()).collect();
    // Bounded (each reading compared on its first characters) and off the async threads; if it
    // cannot finish in time, the first good reading is served.
    let ranked = tokio::task::spawn_blocking(move || most_agreed(&texts));
    let best = match tokio::time::timeout(gw.config.timeout, ranked).await {
        Ok(Ok(i)) => i,
        _ => {
            tracing::warn!("best-of agreement unavailable; serving the first reading");
            0
        }
    };
    let (miner, (text, tokens, finish)) = ok.swap_remove(best);
    Ok(Served { miner, text, tokens, finish })
}

/// The index of the text that agrees most with the others (summed
/// [`agora_ocr::scoring::agreement`], symmetric). Among equals (always so for two texts, where
/// agreement cannot tell which is right) the one with more characters wins, so a truncated or
/// one-character reading does not; then the first.
pub fn most_agreed<T: AsRef<str>>(texts: &[T]) -> usize {
    let n = texts.len();
    let mut sum = vec![0.0f64; n];
    for i in 0..n {
        for j in i + 1..n {
            let a = agora_ocr::scoring::agreement(texts[i].as_ref(), texts[j].as_ref());
            sum[i] += a;
            sum[j] += a;
        }
    }
    let len: Vec<usize> =
        texts.iter().map(|t| t.as_ref().split_whitespace().map(|w| w.chars().count()).sum()).collect();
    (0..n).max_by(|&a, &b| sum[a].total_cmp(&sum[b]).then(len[a].cmp(&len[b])).then(b.cmp(&a))).unwrap_or(0)
}

/// Best-of-k: k miners at once, the validator's scorer picks the answer.
async fn route_best_of(gw: &Gateway, req: &ChatRequest, k: u8) -> Result<Served, ApiError> {
    let Some(judge) = gw.judge.clone() else {
        return Err(ApiError::bad_request(
            code::UNSUPPORTED_VALUE,
            Some("agora.best_of"),
            "best-of-k needs the gateway's models (started without them)",
        ));
    };
    let picks = gw.pool.pick(usize::from(k), &[]);
    if picks.is_empty() {
        return Err(no_miner(gw.config.netuid));
    }
    let targets: Vec<_> = picks.iter().map(|c| c.target.clone()).collect();
    let answers = gw.dendrite.forward(&targets, &TextGeneration::ask(&req.generation), gw.config.timeout).await;
    let mut ok = Vec::new();
    for (c, a) in picks.into_iter().zip(answers) {
        match good(&a) {
            Some(g) => {
                gw.pool.succeeded(c.uid);
                ok.push((c, a.process_time, g));
            }
            None => gw.pool.failed(c.uid),
        }
    }
    if ok.is_empty() {
        return route_one(gw, req).await;
    }
    let prompt =
        req.generation.messages.iter().rev().find(|m| m.role == "user").map(|m| m.content.clone()).unwrap_or_default();
    let task = Task { prompt, request: req.generation.clone() };
    let observed: Vec<Observed> = ok
        .iter()
        .map(|(_, latency, (text, tokens, finish))| Observed {
            status: 200,
            latency: *latency,
            completion: Some(text.clone()),
            completion_tokens: Some(tokens.unwrap_or(0)),
            finish_reason: Some(finish.to_string()),
        })
        .collect();
    let timeout = gw.config.timeout.as_secs_f64();
    let n = observed.len();
    let ranked = tokio::task::spawn_blocking(move || {
        judge.lock().unwrap_or_else(|e| e.into_inner()).rank(&task, &observed, timeout)
    });
    // The answers are in hand: if ranking fails or takes too long, the first good one is served.
    let scores = match tokio::time::timeout(gw.config.timeout, ranked).await {
        Ok(Ok(Ok(scores))) if scores.len() == n => scores,
        other => {
            tracing::warn!(
                "best-of ranking unavailable ({}); serving the first answer",
                if other.is_err() { "timed out".to_string() } else { "failed".to_string() }
            );
            vec![0.0; n]
        }
    };
    let best = (0..ok.len()).max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a))).unwrap_or(0);
    let (miner, _, (text, tokens, finish)) = ok.swap_remove(best);
    Ok(Served { miner, text, tokens, finish })
}

fn with_miner(mut r: Response, miner: &Candidate) -> Response {
    if let Ok(v) = miner.uid.to_string().parse() {
        r.headers_mut().insert("x-agora-uid", v);
    }
    if let Ok(v) = miner.target.hotkey.to_string().parse() {
        r.headers_mut().insert("x-agora-hotkey", v);
    }
    r
}

fn sse(value: &Value) -> Bytes {
    Bytes::from(format!("data: {value}\n\n"))
}

fn sse_response(events: impl futures::Stream<Item = Bytes> + Send + 'static) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(events.map(Ok::<_, std::convert::Infallible>)))
        .expect("a valid response")
}

/// Streams an already complete answer (best-of-k picks before it can stream), word by word;
/// `usage` is the usage chunk's content when one was asked for.
fn stream_text(
    id: String,
    created: u64,
    model: &str,
    s: Served,
    finish: &str,
    usage: Option<Option<Usage>>,
) -> Response {
    let mut events = vec![sse(&api::chunk(&id, created, model, json!({"role": "assistant", "content": ""}), None))];
    let mut rest = s.text.as_str();
    while !rest.is_empty() {
        let cut = rest.char_indices().skip(1).find(|(_, c)| c.is_whitespace()).map_or(rest.len(), |(i, _)| i);
        events.push(sse(&api::chunk(&id, created, model, json!({"content": &rest[..cut]}), None)));
        rest = &rest[cut..];
    }
    events.push(sse(&api::chunk(&id, created, model, json!({}), Some(finish))));
    if let Some(usage) = usage {
        events.push(sse(&api::usage_chunk(&id, created, model, usage)));
    }
    events.push(Bytes::from_static(b"data: [DONE]\n\n"));
    with_miner(sse_response(futures::stream::iter(events)), &s.miner)
}

/// Most bytes relayed from one miner's stream (a 1,024-token answer is far below it).
pub const STREAM_LIMIT: usize = 1 << 20;

/// How a relayed stream ended.
enum End {
    /// The miner closed it.
    Finished,
    /// It broke (timeout, reset) or passed [`STREAM_LIMIT`]: the answer is cut off.
    CutOff,
}

/// A miner's stream being relayed, and how to close ours.
struct Relay<S> {
    chunks: S,
    /// Bytes of an incomplete UTF-8 character, waiting for the rest.
    pending: Vec<u8>,
    /// Text sent so far (counted at the end).
    text: String,
    /// Bytes received so far.
    seen: usize,
    done: bool,
    id: String,
    created: u64,
    include_usage: bool,
    prompt_tokens: Option<u32>,
    max_tokens: u32,
    tokens: Option<TokenCounter>,
}

/// The next SSE bytes of a relayed stream (empty when a chunk held only part of a character).
async fn relay_next<S, E>(mut r: Relay<S>) -> Option<(Bytes, Relay<S>)>
where
    S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
{
    if r.done {
        return None;
    }
    let end = match r.chunks.next().await {
        Some(Ok(bytes)) if r.seen + bytes.len() <= STREAM_LIMIT => {
            r.seen += bytes.len();
            r.pending.extend_from_slice(&bytes);
            // Only whole UTF-8 characters go out; a split one (at most 3 bytes at the end) waits
            // for its end, invalid bytes go out replaced.
            let valid = match std::str::from_utf8(&r.pending) {
                Ok(s) => s.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(_) => r.pending.len(),
            };
            let text = String::from_utf8_lossy(&r.pending[..valid]).into_owned();
            r.pending.drain(..valid);
            let out = if text.is_empty() {
                Bytes::new()
            } else {
                let event = sse(&api::chunk(&r.id, r.created, api::TEXT_MODEL, json!({"content": &text}), None));
                r.text.push_str(&text);
                event
            };
            return Some((out, r));
        }
        None => End::Finished,
        // Over the byte limit, or broken: close ours properly either way.
        Some(_) => End::CutOff,
    };
    let mut tail = Vec::new();
    if !r.pending.is_empty() {
        let text = String::from_utf8_lossy(&r.pending).into_owned();
        tail.extend_from_slice(&sse(&api::chunk(&r.id, r.created, api::TEXT_MODEL, json!({"content": &text}), None)));
        r.text.push_str(&text);
        r.pending.clear();
    }
    let completion = match &r.tokens {
        Some(t) => t.completion_off_thread(std::mem::take(&mut r.text)).await,
        None => None,
    };
    let finish = match end {
        End::Finished => finish_reason("stop", completion, r.max_tokens),
        End::CutOff => "length",
    };
    tail.extend_from_slice(&sse(&api::chunk(&r.id, r.created, api::TEXT_MODEL, json!({}), Some(finish))));
    if r.include_usage {
        let usage = usage(r.prompt_tokens, completion);
        tail.extend_from_slice(&sse(&api::usage_chunk(&r.id, r.created, api::TEXT_MODEL, usage)));
    }
    tail.extend_from_slice(b"data: [DONE]\n\n");
    r.done = true;
    Some((Bytes::from(tail), r))
}

fn usage(prompt_tokens: Option<u32>, completion_tokens: Option<u32>) -> Option<Usage> {
    Some(Usage { prompt_tokens: prompt_tokens?, completion_tokens: completion_tokens? })
}

/// Streams from a miner's streaming route, trying another miner while none has started.
async fn route_stream(
    gw: Arc<Gateway>,
    req: ChatRequest,
    id: String,
    created: u64,
    prompt_tokens: Option<u32>,
) -> Response {
    let q = TextGenerationStream(TextGeneration::ask(&req.generation));
    let mut tried = Vec::new();
    let mut last = String::from("none tried");
    for _ in 0..=gw.config.retries {
        let Some(c) = gw.pool.pick(1, &tried).pop() else { break };
        tried.push(c.uid);
        let mut answer = gw.dendrite.call_stream(&c.target, &q, gw.config.timeout).await;
        if answer.status_code != 200 {
            gw.pool.failed(c.uid);
            last = format!("uid {} answered {} {}", c.uid, answer.status_code, answer.status_message);
            continue;
        }
        // Committed to a miner only once it has said something: a 200 followed by silence or a
        // broken stream tries the next one.
        let first = loop {
            match answer.chunks.next().await {
                Some(Ok(b)) if b.is_empty() => continue,
                Some(Ok(b)) => break Some(b),
                _ => break None,
            }
        };
        let Some(first) = first else {
            gw.pool.failed(c.uid);
            last = format!("uid {} streamed nothing", c.uid);
            continue;
        };
        answer.chunks = Box::pin(futures::stream::once(async move { Ok(first) }).chain(answer.chunks));
        gw.pool.succeeded(c.uid);
        gw.served.fetch_add(1, Ordering::Relaxed);
        let head = sse(&api::chunk(&id, created, api::TEXT_MODEL, json!({"role": "assistant", "content": ""}), None));
        let relay = Relay {
            chunks: answer.chunks,
            pending: Vec::new(),
            text: String::new(),
            seen: 0,
            done: false,
            id,
            created,
            include_usage: req.include_usage,
            prompt_tokens,
            max_tokens: req.generation.max_tokens,
            tokens: gw.tokens.clone(),
        };
        let events = futures::stream::once(async move { head })
            .chain(futures::stream::unfold(relay, relay_next))
            .filter(|b| futures::future::ready(!b.is_empty()));
        return with_miner(sse_response(events), &c);
    }
    error(if tried.is_empty() { no_miner(gw.config.netuid) } else { all_failed(gw.config.netuid, &last) })
}

/// Offers a request to the organic sampler under its key's id (never the key itself).
fn offer_sample(sink: &OrganicSink, key: Option<&ApiKey>, req: &ChatRequest) {
    let id = key.map_or_else(|| OPEN_SAMPLE_ID.to_string(), ApiKey::sample_id);
    match sink.offer(&id, &req.generation.messages, req.generation.max_tokens) {
        Ok(Sampled::Written | Sampled::NotDue) => {}
        Ok(skipped) => tracing::debug!(key = %id, "organic sample skipped: {skipped}"),
        Err(e) => tracing::warn!("organic sample not written: {e}"),
    }
}

async fn chat(
    axum::extract::State(gw): axum::extract::State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = match admit(&gw, &headers) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let req = match api::parse_chat_request(&body) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    if req.model == api::OCR_MODEL {
        return chat_ocr(&gw, key, req).await;
    }
    let prompt_tokens = match &gw.tokens {
        Some(t) => t.prompt_off_thread(req.generation.messages.clone()).await,
        None => None,
    };
    // The subnet's model serves prompts below this; a longer one would fail at every miner.
    if let Some(n) = prompt_tokens
        && n as usize >= MAX_PROMPT_TOKENS
    {
        return error(ApiError::bad_request(
            code::CONTEXT_LENGTH_EXCEEDED,
            Some("messages"),
            format!("the prompt has {n} tokens; this subnet's model serves at most {}", MAX_PROMPT_TOKENS - 1),
        ));
    }
    if let Some(sink) = &gw.organic {
        offer_sample(sink, key, &req);
    }
    let best_of = req.best_of.or(key.and_then(|k| k.best_of)).unwrap_or(gw.config.default_best_of);
    let (id, created) = (gw.new_id(), now());
    if req.stream && best_of <= 1 {
        return route_stream(gw.clone(), req, id, created, prompt_tokens).await;
    }
    let served = if best_of > 1 { route_best_of(&gw, &req, best_of).await } else { route_one(&gw, &req).await };
    let served = match served {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    gw.served.fetch_add(1, Ordering::Relaxed);
    let completion = match &gw.tokens {
        Some(t) => t.completion_off_thread(served.text.clone()).await,
        None => None,
    };
    if let (Some(ours), Some(theirs)) = (completion, served.tokens)
        && ours != theirs
    {
        // Decoded text re-tokenizes a little differently at times; a large gap is a miner
        // miscounting (its count is never reported).
        tracing::debug!(uid = served.miner.uid, ours, theirs, "miner's completion_tokens differs from the tokenizer's");
    }
    let finish = finish_reason(served.finish, completion, req.generation.max_tokens);
    let usage = usage(prompt_tokens, completion);
    if req.stream {
        return stream_text(id, created, api::TEXT_MODEL, served, finish, req.include_usage.then_some(usage));
    }
    let body = api::completion(&id, created, api::TEXT_MODEL, &served.text, usage, finish);
    with_miner(json_response(StatusCode::OK, &body), &served.miner)
}

/// An image read by the OCR subnet; the miner's text is the assistant's message (streamed word
/// by word when asked). `usage` is `null`: an image has no tokens in the text model's sense.
async fn chat_ocr(gw: &Gateway, key: Option<&ApiKey>, req: ChatRequest) -> Response {
    let Some(route) = &gw.ocr else {
        return error(ApiError {
            status: 404,
            kind: "invalid_request_error",
            code: code::MODEL_NOT_FOUND,
            param: Some("model"),
            message: format!(
                "this gateway serves no OCR subnet, so it cannot read images; it serves {}",
                api::TEXT_MODEL
            ),
        });
    };
    let best_of = req.best_of.or(key.and_then(|k| k.best_of)).unwrap_or(gw.config.default_best_of);
    let served = match route_ocr(gw, route, &req, best_of).await {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    gw.served.fetch_add(1, Ordering::Relaxed);
    let (id, created) = (gw.new_id(), now());
    if req.stream {
        return stream_text(id, created, api::OCR_MODEL, served, "stop", req.include_usage.then_some(None));
    }
    let body = api::completion(&id, created, api::OCR_MODEL, &served.text, None, "stop");
    with_miner(json_response(StatusCode::OK, &body), &served.miner)
}
