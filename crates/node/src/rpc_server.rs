//! The accept loop both RPC endpoints share, and the limits it holds.
//!
//! jsonrpsee's own loop counts WebSockets and HTTP requests against one cap and never closes an
//! idle WebSocket, so a hundred idle sockets lock every caller out. Here:
//!
//! - connections are admitted by [`agora_net`] (a cap overall and per address; a request head must
//!   arrive within a deadline, which also closes idle keep-alive HTTP connections);
//! - WebSockets have their own caps, overall and per address, so HTTP callers are never locked out
//!   by them; a refused upgrade is answered `429` with a text that says which cap was hit;
//! - a WebSocket that has made no call for `ws_idle` and never opened a subscription is closed;
//!   a request body must arrive within `body_timeout` (408), and a connection whose peer stops
//!   reading what it is sent is closed after [`agora_net::Limits::write_stall`];
//! - subscriptions per connection are capped, and a subscriber that lets its connection's buffer
//!   fill is closed with an error notification ([`deliver`]) instead of growing the node's memory;
//! - a request body without a `Content-Length` over the size limit is answered 413, like one with.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use jsonrpsee::server::middleware::rpc::{Batch, MethodResponse, Notification, RpcServiceBuilder, RpcServiceT};
use jsonrpsee::server::{
    HttpBody, HttpRequest, HttpResponse, Methods, ServerConfigBuilder, ServerHandle, stop_channel,
};
use jsonrpsee::types::Request;
use jsonrpsee::{SubscriptionMessage, SubscriptionSink};

/// The limits of one RPC endpoint.
#[derive(Clone, Debug)]
pub struct RpcLimits {
    /// TCP connections (HTTP and WebSocket together), overall and per address, and the deadline
    /// for a request head.
    pub connections: agora_net::Limits,
    /// WebSocket connections open at once.
    pub max_ws: usize,
    /// WebSocket connections from one address.
    pub max_ws_per_ip: usize,
    /// A WebSocket without a call for this long and without a subscription is closed.
    pub ws_idle: Duration,
    /// Subscriptions one connection may hold.
    pub max_subscriptions_per_connection: u32,
    /// Messages waiting to be written to one connection; a subscriber that fills it is closed.
    pub message_buffer: u32,
    /// Largest request body (bytes).
    pub max_request_bytes: u32,
    /// Time a request's body has to arrive once its head has.
    pub body_timeout: Duration,
}

impl Default for RpcLimits {
    /// 2,048 connections (256 per address), 1,024 WebSockets (32 per address), idle WebSockets
    /// closed after 60 s, 16 subscriptions and 64 buffered messages per connection, 1 MiB requests.
    fn default() -> RpcLimits {
        RpcLimits {
            connections: agora_net::Limits { max_connections: 2048, max_per_ip: 256, ..agora_net::Limits::default() },
            max_ws: 1024,
            max_ws_per_ip: 32,
            ws_idle: Duration::from_secs(60),
            max_subscriptions_per_connection: 16,
            message_buffer: 64,
            max_request_bytes: 1024 * 1024,
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// What one connection did last, for the idle rule.
struct Activity {
    epoch: Instant,
    last_call_ms: AtomicU64,
    subscribed: AtomicBool,
    websocket: AtomicBool,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            epoch: Instant::now(),
            last_call_ms: AtomicU64::new(0),
            subscribed: AtomicBool::new(false),
            websocket: AtomicBool::new(false),
        }
    }

    fn touch(&self) {
        self.last_call_ms.store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// A WebSocket that never opened a subscription and made no call for `limit`.
    fn idle(&self, limit: Duration) -> bool {
        let since = (self.epoch.elapsed().as_millis() as u64).saturating_sub(self.last_call_ms.load(Ordering::Relaxed));
        self.websocket.load(Ordering::Relaxed)
            && !self.subscribed.load(Ordering::Relaxed)
            && since >= limit.as_millis() as u64
    }
}

/// RPC middleware that records each call on its connection's [`Activity`].
#[derive(Clone)]
struct Track<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> RpcServiceT for Track<S>
where
    S: RpcServiceT<MethodResponse = MethodResponse> + Send + Sync + Clone + 'static,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        self.activity.touch();
        let (inner, activity) = (self.inner.clone(), self.activity.clone());
        async move {
            let response = inner.call(request).await;
            // Only a subscription the server accepted counts, whatever the method is called.
            if response.is_subscription() && response.is_success() {
                activity.subscribed.store(true, Ordering::Relaxed);
            }
            response
        }
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        self.activity.touch();
        self.inner.batch(batch)
    }

    fn notification<'a>(&self, n: Notification<'a>) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        self.activity.touch();
        self.inner.notification(n)
    }
}

/// A WebSocket handshake as jsonrpsee accepts one: `Upgrade: websocket` and `Connection: upgrade`.
fn is_upgrade<B>(request: &HttpRequest<B>) -> bool {
    let has = |name, token: &str| {
        request
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|part| part.trim().eq_ignore_ascii_case(token)))
    };
    has(http::header::UPGRADE, "websocket") && has(http::header::CONNECTION, "upgrade")
}

/// A refusal: `status` with `{"message": text}` (what [`agora_net::refuse`] sends too).
fn message_response(status: http::StatusCode, text: &str) -> HttpResponse {
    let body = serde_json::json!({ "message": text }).to_string();
    let mut response = HttpResponse::new(HttpBody::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response
}

/// A JSON-RPC "request too big" answer with status 413 (what jsonrpsee answers when the length
/// is declared).
fn too_large(limit: u32) -> HttpResponse {
    let body = format!(
        r#"{{"jsonrpc":"2.0","error":{{"code":-32007,"message":"Request is too big","data":"Exceeded max limit of {limit}"}},"id":null}}"#
    );
    let mut response = HttpResponse::new(HttpBody::from(body));
    *response.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response
}

/// Serves `methods` on `addr` within `limits`; `config` carries the endpoint's own settings
/// (response size, batches). Returns the handle that stops it and the address it listens on.
pub async fn serve(
    addr: SocketAddr,
    config: ServerConfigBuilder,
    limits: RpcLimits,
    methods: impl Into<Methods>,
) -> std::io::Result<(ServerHandle, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let config = config
        .max_request_body_size(limits.max_request_bytes)
        // The caps are ours ([`agora_net`] and the WebSocket admission below); jsonrpsee's own
        // cap is set no lower than them.
        .max_connections(u32::try_from(limits.connections.max_connections).unwrap_or(u32::MAX))
        .max_subscriptions_per_connection(limits.max_subscriptions_per_connection)
        .set_message_buffer_capacity(limits.message_buffer)
        .build();
    let base = jsonrpsee::server::Server::builder().set_config(config).to_service_builder();
    let methods: Methods = methods.into();
    let (stop, handle) = stop_channel();
    let websockets = agora_net::Admission::new(limits.max_ws, limits.max_ws_per_ip);
    let accept_stop = stop.clone();
    let mut next_id: u32 = 0;
    let make = move |conn: agora_net::Conn| {
        let activity = Arc::new(Activity::new());
        let (conn_stop, conn_handle) = stop_channel();
        let track = activity.clone();
        let rpc = base
            .clone()
            .connection_id(next_id)
            .set_rpc_middleware(
                RpcServiceBuilder::new().layer_fn(move |inner| Track { inner, activity: track.clone() }),
            )
            .build(methods.clone(), conn_stop);
        next_id = next_id.wrapping_add(1);
        watch_idle(activity.clone(), limits.ws_idle, stop.clone(), conn_handle);
        let websockets = websockets.clone();
        let (max_request, body_timeout) = (limits.max_request_bytes, limits.body_timeout);
        tower::service_fn(move |request: HttpRequest<hyper::body::Incoming>| {
            let mut rpc = rpc.clone();
            let (conn, websockets, activity) = (conn.clone(), websockets.clone(), activity.clone());
            async move {
                use tower::Service;
                if is_upgrade(&request) {
                    let slot = match websockets.admit(conn.peer.ip()) {
                        Ok(slot) => slot,
                        Err(refusal) => {
                            let text = refusal.to_string().replace("connections", "WebSocket connections");
                            return Ok(message_response(http::StatusCode::TOO_MANY_REQUESTS, &text));
                        }
                    };
                    let response = rpc.call(request.map(HttpBody::new)).await?;
                    // The place is kept only by a WebSocket that was opened.
                    if response.status() == http::StatusCode::SWITCHING_PROTOCOLS {
                        conn.hold(slot);
                        activity.websocket.store(true, Ordering::Relaxed);
                        activity.touch();
                    }
                    return Ok(response);
                }
                // Any other request: its body within the size limit and the body deadline (a
                // chunked body too, so an oversized one is a 413, not an internal error).
                let (parts, body) = request.into_parts();
                let read = http_body_util::Limited::new(body, max_request as usize).collect();
                match tokio::time::timeout(body_timeout, read).await {
                    Ok(Ok(collected)) => {
                        rpc.call(HttpRequest::from_parts(parts, HttpBody::from(collected.to_bytes().to_vec()))).await
                    }
                    Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Ok(too_large(max_request)),
                    Ok(Err(e)) => Ok(message_response(
                        http::StatusCode::BAD_REQUEST,
                        &format!("cannot read the request body: {e}"),
                    )),
                    Err(_) => Ok(message_response(
                        http::StatusCode::REQUEST_TIMEOUT,
                        &format!("the request body did not arrive within {} s", body_timeout.as_secs()),
                    )),
                }
            }
        })
    };
    tokio::spawn(async move {
        let _ = agora_net::serve(listener, limits.connections, make, accept_stop.shutdown()).await;
    });
    Ok((handle, local))
}

/// Closes the connection whose stop handle is `conn` when it has been an idle WebSocket for
/// `limit`, or when the server stops; ends when the connection does.
fn watch_idle(activity: Arc<Activity>, limit: Duration, server: jsonrpsee::server::StopHandle, conn: ServerHandle) {
    tokio::spawn(async move {
        let server_stopped = server.shutdown();
        let conn_ended = conn.clone().stopped();
        tokio::pin!(server_stopped, conn_ended);
        let mut tick = tokio::time::interval((limit / 4).clamp(Duration::from_millis(100), Duration::from_secs(5)));
        loop {
            tokio::select! {
                _ = &mut server_stopped => break,
                _ = &mut conn_ended => return,
                _ = tick.tick() => if activity.idle(limit) {
                    tracing::debug!("closing a WebSocket idle for {limit:?}");
                    break;
                },
            }
        }
        let _ = conn.stop();
    });
}

/// Offers `message` to `sink` without waiting, so a subscriber that does not read its
/// notifications cannot make the node hold them: `Ok(true)` when queued, `Ok(false)` when the
/// subscriber is gone, and an error when the connection's buffer is full (the subscriber fell
/// behind): returned from the subscription, it ends it with that error as the last notification.
pub fn deliver(
    sink: &mut SubscriptionSink,
    message: SubscriptionMessage,
) -> Result<bool, jsonrpsee::core::SubscriptionError> {
    use jsonrpsee::core::server::TrySendError;
    match sink.try_send(message) {
        Ok(()) => Ok(true),
        Err(TrySendError::Closed(_)) => Ok(false),
        Err(TrySendError::Full(_)) => Err(format!(
            "subscription closed: the subscriber fell behind ({} notifications unread); subscribe again and read faster",
            sink.max_capacity()
        )
        .into()),
    }
}
