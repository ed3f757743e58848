//! The axon: an HTTP server for synapses that checks every request before running its handler.
//!
//! Pipeline per request, in the reference's order: route (404), headers (400), blacklist (403),
//! signature and nonce (401; a missing signature is refused, unlike the reference), priority
//! (503 when shed), body (413 over the limit, 400 when it is not the synapse or its hash differs
//! from the signed one), the handler under the request's timeout (408), response. Handlers are
//! async, so one slow request never blocks the others; at most `workers` run at once.
//!
//! Epistula v2 requests are accepted on the same routes with the same checks, but their signature
//! covers the body, so the body must be read before the caller is known. Until then a request is
//! held apart from verified work: it needs one of `preauth_slots` places (`preauth_per_ip` from
//! one address), its claimed `Content-Length` must fit the `preauth_bytes` budget (and
//! `preauth_bytes_per_ip` from one address), and its body
//! must arrive within `preauth_body_timeout_s` whatever timeout it claims; it is refused at once
//! (503) rather than queued when those are taken. Only a verified caller gets a priority and a
//! place in the worker queue.
//!
//! The listener itself ([`agora_net`]) caps connections overall and per address and closes a
//! connection that does not send a request head within `connections.header_timeout`.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agora_primitives::{AccountId, Pair};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use futures::{Stream, StreamExt};
use serde_json::{Value, json};

use crate::error::{NeuronError, NeuronResult};
use crate::guard::{Guard, OpenGuard};
use crate::headers::{parse_epistula, parse_request, push_terminal};
use crate::priority::PriorityGate;
use crate::synapse::{Ping, Synapse, TerminalInfo, VERSION_AS_INT, body_hash_of_json, parse_envelope};
use crate::verify::{NonceTable, precheck_epistula, verify_dendrite, verify_epistula};

/// Who is calling, once verified.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The caller's hotkey (its signature was checked).
    pub hotkey: AccountId,
    /// Its TCP address.
    pub peer: SocketAddr,
    /// Its priority (stake by default).
    pub priority: f64,
}

/// A chunk stream for streaming synapses.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Bytes> + Send>>;

enum Reply {
    Json(Value),
    Stream(ChunkStream),
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Handler = Arc<dyn Fn(Bytes, Caller) -> BoxFuture<NeuronResult<Reply>> + Send + Sync>;

struct Route {
    hashed: &'static [&'static str],
    handler: Handler,
}

/// Limits and identity of an axon.
#[derive(Clone, Debug)]
pub struct AxonConfig {
    /// Largest request body (bytes).
    pub max_body_bytes: usize,
    /// Requests handled at once.
    pub workers: usize,
    /// Requests waiting for a worker before the lowest priority is shed.
    pub max_queue: usize,
    /// The longest timeout a request may ask for (s).
    pub max_timeout_s: f64,
    /// Timeout of requests that do not name one (s).
    pub default_timeout_s: f64,
    /// Nonces remembered for replay protection (those inside the window).
    pub nonce_capacity: usize,
    /// Also demand strictly increasing nonces per dendrite session, as the reference does (off by
    /// default: it refuses concurrent requests that arrive out of order; replays are refused
    /// either way).
    pub strictly_increasing_nonces: bool,
    /// Connections at once, per address, and the deadline for a request head.
    pub connections: agora_net::Limits,
    /// Epistula requests whose bodies are being read before their signature can be checked.
    pub preauth_slots: usize,
    /// Of those, from one address.
    pub preauth_per_ip: usize,
    /// Bytes those bodies may claim (`Content-Length`, or the body limit when none) together.
    pub preauth_bytes: usize,
    /// Of those, from one address.
    pub preauth_bytes_per_ip: usize,
    /// Time an unverified request has to deliver its body (s), whatever timeout it claims.
    pub preauth_body_timeout_s: f64,
}

impl Default for AxonConfig {
    fn default() -> AxonConfig {
        AxonConfig {
            max_body_bytes: 10 * 1024 * 1024,
            workers: 64,
            max_queue: 256,
            max_timeout_s: 120.0,
            default_timeout_s: 12.0,
            nonce_capacity: 500_000,
            strictly_increasing_nonces: false,
            connections: agora_net::Limits::default(),
            preauth_slots: 32,
            preauth_per_ip: 8,
            preauth_bytes: 32 * 1024 * 1024,
            preauth_bytes_per_ip: 8 * 1024 * 1024,
            preauth_body_timeout_s: 5.0,
        }
    }
}

/// An axon being set up: attach handlers, then [`Axon::serve`].
pub struct Axon {
    pair: Pair,
    config: AxonConfig,
    guard: Arc<dyn Guard>,
    routes: BTreeMap<&'static str, Route>,
}

struct Inner {
    hotkey: AccountId,
    config: AxonConfig,
    guard: Arc<dyn Guard>,
    routes: BTreeMap<&'static str, Route>,
    nonces: NonceTable,
    gate: PriorityGate,
    preauth: PreAuth,
    local: SocketAddr,
}

/// Bytes claimed per address by unverified requests.
type Claims = Arc<std::sync::Mutex<BTreeMap<std::net::IpAddr, usize>>>;

/// Where unverified (Epistula) requests wait for their bodies: places and a byte budget, both
/// overall and per address.
struct PreAuth {
    places: agora_net::Admission,
    /// The byte budget, one permit per KiB.
    kib: Arc<tokio::sync::Semaphore>,
    /// KiB claimed per address, and the most one address may claim.
    claims: Claims,
    max_kib_per_ip: usize,
}

/// What an unverified request holds while its body is read.
struct PreAuthHeld {
    _place: agora_net::Slot,
    _kib: tokio::sync::OwnedSemaphorePermit,
    _claim: Claim,
}

/// An address's claim of KiB, given back when dropped.
struct Claim {
    claims: Claims,
    ip: std::net::IpAddr,
    kib: usize,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut claims = self.claims.lock().expect("pre-auth lock");
        if let Some(held) = claims.get_mut(&self.ip) {
            *held -= self.kib;
            if *held == 0 {
                claims.remove(&self.ip);
            }
        }
    }
}

impl PreAuth {
    fn new(config: &AxonConfig) -> PreAuth {
        PreAuth {
            places: agora_net::Admission::new(config.preauth_slots, config.preauth_per_ip),
            kib: Arc::new(tokio::sync::Semaphore::new(config.preauth_bytes.div_ceil(1024).max(1))),
            claims: Claims::default(),
            max_kib_per_ip: config.preauth_bytes_per_ip.div_ceil(1024).max(1),
        }
    }

    /// A place for a body of `bytes` from `peer`, or why not (at once: never queued).
    fn enter(&self, peer: &SocketAddr, bytes: usize) -> NeuronResult<PreAuthHeld> {
        let place = self.places.admit(peer.ip()).map_err(|refusal| NeuronError::PreAuthBusy {
            which: match refusal {
                agora_net::Refusal::PerIp { .. } => "from this address",
                agora_net::Refusal::Total { .. } => "overall",
            },
        })?;
        let (ip, kib) = (peer.ip(), bytes.div_ceil(1024).max(1));
        {
            let mut claims = self.claims.lock().expect("pre-auth lock");
            let held = claims.entry(ip).or_insert(0);
            if *held + kib > self.max_kib_per_ip {
                if *held == 0 {
                    claims.remove(&ip);
                }
                return Err(NeuronError::PreAuthBusy { which: "byte budget of this address" });
            }
            *held += kib;
        }
        let claim = Claim { claims: self.claims.clone(), ip, kib };
        let permits = u32::try_from(kib).unwrap_or(u32::MAX);
        let kib = self
            .kib
            .clone()
            .try_acquire_many_owned(permits)
            .map_err(|_| NeuronError::PreAuthBusy { which: "byte budget" })?;
        Ok(PreAuthHeld { _place: place, _kib: kib, _claim: claim })
    }
}

/// A running axon.
pub struct RunningAxon {
    /// Where it listens.
    pub local_addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningAxon {
    /// Stops accepting and waits for the server to end.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.await.unwrap_or(Ok(()))
    }

    /// Waits until the server ends (it runs until [`RunningAxon::stop`] or an I/O error).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.unwrap_or(Ok(()))
    }
}

impl Axon {
    /// An axon for `pair`'s hotkey, open to every signed caller until a guard is set.
    pub fn new(pair: Pair, config: AxonConfig) -> Axon {
        let mut axon = Axon { pair, config, guard: Arc::new(OpenGuard), routes: BTreeMap::new() };
        axon.attach(|ping: Ping, _| async move { Ok(ping) });
        axon
    }

    /// Sets the blacklist/priority/verify hooks.
    pub fn guard(mut self, guard: Arc<dyn Guard>) -> Axon {
        self.guard = guard;
        self
    }

    /// Serves `S` with `f`. An error from `f` is answered with its status and message:
    /// [`NeuronError::handler`] is a 500 with that message (a `String` or `&str` error converts
    /// to it with `?`).
    pub fn attach<S, F, Fut>(&mut self, f: F) -> &mut Axon
    where
        S: Synapse,
        F: Fn(S, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = NeuronResult<S>> + Send + 'static,
    {
        self.route(f, |out: S| Reply::Json(serde_json::to_value(&out).expect("a synapse serialises")))
    }

    /// Serves `S` as a stream: `f` returns the chunks sent back (`text/event-stream`); its
    /// errors are answered as [`Axon::attach`]'s.
    pub fn attach_stream<S, F, Fut>(&mut self, f: F) -> &mut Axon
    where
        S: Synapse,
        F: Fn(S, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = NeuronResult<ChunkStream>> + Send + 'static,
    {
        self.route(f, Reply::Stream)
    }

    /// Registers `S`'s route: parse the body (400), run `f` (its error's status), turn its output
    /// into the reply.
    fn route<S, R, F, Fut>(&mut self, f: F, reply: fn(R) -> Reply) -> &mut Axon
    where
        S: Synapse,
        R: 'static,
        F: Fn(S, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = NeuronResult<R>> + Send + 'static,
    {
        let f = Arc::new(f);
        let handler: Handler = Arc::new(move |body: Bytes, caller: Caller| {
            let f = f.clone();
            Box::pin(async move {
                let parsed = parse_envelope::<S>(&body)?;
                Ok(reply(f(parsed.synapse, caller).await?))
            })
        });
        self.routes.insert(S::NAME, Route { hashed: S::REQUIRED_HASH_FIELDS, handler });
        self
    }

    /// Binds `addr` and serves until stopped.
    pub async fn serve(self, addr: SocketAddr) -> std::io::Result<RunningAxon> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            hotkey: self.pair.public(),
            nonces: {
                let table = NonceTable::new(self.config.nonce_capacity, self.config.max_timeout_s);
                if self.config.strictly_increasing_nonces { table.strictly_increasing() } else { table }
            },
            gate: PriorityGate::new(self.config.workers, self.config.max_queue),
            preauth: PreAuth::new(&self.config),
            config: self.config,
            guard: self.guard,
            routes: self.routes,
            local: local_addr,
        });
        let limits = inner.config.connections.clone();
        let router = axum::Router::new()
            .route("/{name}", any(handle))
            .fallback(|| async { error(&TerminalInfo::default(), &NeuronError::NoRoute) })
            .with_state(inner);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // Each connection's service knows its peer (the handler's `ConnectInfo`).
            let make = move |conn: agora_net::Conn| router.clone().layer(axum::Extension(ConnectInfo(conn.peer)));
            agora_net::serve(listener, limits, make, async move {
                let _ = rx.await;
            })
            .await
        });
        Ok(RunningAxon { local_addr, shutdown: Some(tx), task })
    }
}

fn now_ns() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64)
}

/// An error response: `{"message": …}` with the error's status, and the axon's status headers.
fn error(axon: &TerminalInfo, e: &NeuronError) -> Response {
    let status = e.status();
    let message = e.to_string();
    let mut info = axon.clone();
    info.status_code = Some(i64::from(status));
    info.status_message = Some(message.clone());
    let mut response = json_response(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        &json!({ "message": message }),
    );
    add_headers(&mut response, &info, &TerminalInfo::default());
    response
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).expect("serialisable");
    let mut response = (status, body).into_response();
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    response
}

fn add_headers(response: &mut Response, axon: &TerminalInfo, dendrite: &TerminalInfo) {
    let mut pairs = Vec::new();
    push_terminal(&mut pairs, "bt_header_axon_", axon);
    push_terminal(&mut pairs, "bt_header_dendrite_", dendrite);
    for (k, v) in pairs {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::from_str(&v)) {
            response.headers_mut().insert(k, v);
        }
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    Path(name): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let mut axon = TerminalInfo {
        hotkey: Some(inner.hotkey.to_ss58()),
        ip: Some(inner.local.ip().to_string()),
        port: Some(i64::from(inner.local.port())),
        version: Some(VERSION_AS_INT as i64),
        ..Default::default()
    };
    let Some(route) = inner.routes.get(name.as_str()) else {
        let known = inner.routes.keys().copied().collect();
        return error(&axon, &NeuronError::UnknownSynapse { name, known });
    };
    let (parts, body) = request.into_parts();
    let headers = parse_request(&parts.headers);
    let epistula = parse_epistula(&parts.headers);
    let mut dendrite = headers.dendrite.clone();
    dendrite.ip = Some(peer.ip().to_string());
    dendrite.port = Some(i64::from(peer.port()));

    // Who claims to call: the blacklist sees the claim before any expensive check.
    let claimed = match &epistula {
        Some(Ok(e)) => Some(e.signed_by.clone()),
        Some(Err(e)) => return error(&axon, e),
        None => headers.dendrite.hotkey.clone(),
    };
    let Some(claimed) = claimed.and_then(|c| c.parse::<AccountId>().ok()) else {
        return error(&axon, &NeuronError::NoCaller);
    };
    if let Some(reason) = inner.guard.blacklist(&claimed, &name) {
        return error(&axon, &NeuronError::Blacklisted { reason });
    }

    // One deadline covers waiting for a worker, reading the body and the handler.
    let timeout_s = headers.timeout.unwrap_or(inner.config.default_timeout_s).min(inner.config.max_timeout_s);
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(timeout_s.max(0.001));
    let timed_out = |axon: &TerminalInfo| error(axon, &NeuronError::Timeout { seconds: timeout_s });
    let declared = parts.headers.get("content-length").and_then(|v| v.to_str().ok()?.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > inner.config.max_body_bytes) {
        return error(&axon, &NeuronError::BodyTooLarge { limit: inner.config.max_body_bytes });
    }
    let (hotkey, priority, permit, body) = match &epistula {
        // A reference request is verified from its headers (the body hash is in the signature),
        // so only verified callers queue for a worker, in which the body is read.
        None => {
            let hotkey = match verify_dendrite(&headers, &inner.hotkey, &inner.nonces, now_ns()) {
                Ok(hotkey) => hotkey,
                Err(e) => return error(&axon, &e),
            };
            let priority = inner.guard.priority(&hotkey);
            let permit = match tokio::time::timeout_at(deadline, inner.gate.acquire(priority)).await {
                Ok(Some(permit)) => permit,
                Ok(None) => return error(&axon, &NeuronError::AtCapacity),
                Err(_) => return timed_out(&axon),
            };
            let body = match tokio::time::timeout_at(deadline, axum::body::to_bytes(body, inner.config.max_body_bytes))
                .await
            {
                Ok(Ok(bytes)) => bytes,
                Ok(Err(_)) => return error(&axon, &NeuronError::BodyTooLarge { limit: inner.config.max_body_bytes }),
                Err(_) => return timed_out(&axon),
            };
            (hotkey, priority, permit, body)
        }
        // An Epistula signature covers the body: check what the headers allow, read the body in
        // the bounded pre-authentication pool, verify, and only then queue by priority.
        Some(Ok(e)) => {
            let now_ms = (now_ns() / 1_000_000) as u64;
            if let Err(e) = precheck_epistula(e, &inner.hotkey, now_ms) {
                return error(&axon, &e);
            }
            let held = match inner.preauth.enter(&peer, declared.unwrap_or(inner.config.max_body_bytes)) {
                Ok(held) => held,
                Err(e) => return error(&axon, &e),
            };
            let limit = declared.unwrap_or(inner.config.max_body_bytes);
            let read_s = inner.config.preauth_body_timeout_s.min(timeout_s);
            let body = match tokio::time::timeout(
                Duration::from_secs_f64(read_s.max(0.001)),
                axum::body::to_bytes(body, limit),
            )
            .await
            {
                Ok(Ok(bytes)) => bytes,
                Ok(Err(_)) => return error(&axon, &NeuronError::BodyTooLarge { limit }),
                Err(_) => return error(&axon, &NeuronError::BodyTimeout { seconds: read_s }),
            };
            let now_ms = (now_ns() / 1_000_000) as u64;
            let hotkey = match verify_epistula(e, &body, &inner.hotkey, &inner.nonces, now_ms) {
                Ok(hotkey) => hotkey,
                Err(e) => return error(&axon, &e),
            };
            drop(held);
            let priority = inner.guard.priority(&hotkey);
            let permit = match tokio::time::timeout_at(deadline, inner.gate.acquire(priority)).await {
                Ok(Some(permit)) => permit,
                Ok(None) => return error(&axon, &NeuronError::AtCapacity),
                Err(_) => return timed_out(&axon),
            };
            (hotkey, priority, permit, body)
        }
        Some(Err(e)) => return error(&axon, e),
    };
    if let Err(e) = inner.guard.verify(&hotkey, &name) {
        return error(&axon, &e);
    }
    if epistula.is_none() {
        match body_hash_of_json(&body, route.hashed) {
            Ok(hash) if Some(&hash) == headers.body_hash.as_ref() => {}
            Ok(computed) => {
                let signed = headers.body_hash.clone();
                return error(&axon, &NeuronError::BodyHashMismatch { computed, signed });
            }
            Err(e) => return error(&axon, &e),
        }
    }

    let caller = Caller { hotkey, peer, priority };
    let reply = match tokio::time::timeout_at(deadline, (route.handler)(body, caller)).await {
        Ok(Ok(reply)) => reply,
        Ok(Err(e)) => return error(&axon, &e),
        Err(_) => return timed_out(&axon),
    };
    axon.status_code = Some(200);
    axon.status_message = Some("Success".into());
    axon.process_time = Some(started.elapsed().as_secs_f64());
    match reply {
        Reply::Json(fields) => {
            let mut out = serde_json::Map::new();
            out.insert("name".into(), json!(name));
            out.insert("timeout".into(), json!(timeout_s));
            out.insert("total_size".into(), json!(0));
            out.insert("header_size".into(), json!(0));
            out.insert("dendrite".into(), serde_json::to_value(&dendrite).expect("serialisable"));
            out.insert("axon".into(), serde_json::to_value(&axon).expect("serialisable"));
            out.insert("computed_body_hash".into(), json!(""));
            if let Value::Object(fields) = fields {
                out.extend(fields);
            }
            let mut response = json_response(StatusCode::OK, &Value::Object(out));
            add_headers(&mut response, &axon, &dendrite);
            response
        }
        Reply::Stream(stream) => {
            // The worker slot is held until the stream ends (or the deadline cuts it).
            let bounded = stream.take_until(tokio::time::sleep_until(deadline)).map(move |chunk| {
                let _held = &permit;
                Ok::<Bytes, std::convert::Infallible>(chunk)
            });
            let mut response = Response::new(Body::from_stream(bounded));
            response.headers_mut().insert("content-type", HeaderValue::from_static("text/event-stream"));
            add_headers(&mut response, &axon, &dendrite);
            response
        }
    }
}
