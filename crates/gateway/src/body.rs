//! Request bodies under a size limit and a deadline.
//!
//! A request head must arrive within [`agora_net::Limits::header_timeout`]; this layer gives its
//! body [`BodyLimits::timeout`] more and at most [`BodyLimits::max_bytes`]. A client that declares
//! a large body and trickles it is answered 408 and its connection freed, and one that sends too
//! much (declared or chunked) is answered 413, both in OpenAI's error shape. Without it a body was
//! awaited for as long as the client kept the connection open.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::api::{ApiError, code};
use crate::server::error;

/// What a request body may take.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimits {
    /// Largest body (bytes).
    pub max_bytes: usize,
    /// Time the body has to arrive once the head has.
    pub timeout: Duration,
}

impl Default for BodyLimits {
    /// 2 MiB (axum's default limit) within 10 s.
    fn default() -> BodyLimits {
        BodyLimits { max_bytes: 2 * 1024 * 1024, timeout: Duration::from_secs(10) }
    }
}

/// Reads the whole body within the limits, then hands the request on.
pub async fn read_within(limits: BodyLimits, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let declared =
        parts.headers.get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_bytes as u64) {
        return too_large(limits);
    }
    let bytes = match tokio::time::timeout(limits.timeout, axum::body::to_bytes(body, limits.max_bytes)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) if is_length_limit(&e) => return too_large(limits),
        Ok(Err(e)) => {
            return error(ApiError::bad_request(code::INVALID_JSON, None, format!("the body could not be read: {e}")));
        }
        Err(_) => {
            return error(ApiError {
                status: 408,
                kind: "invalid_request_error",
                code: code::REQUEST_TIMEOUT,
                param: None,
                message: format!("the request body did not arrive within {} s", limits.timeout.as_secs_f64()),
            });
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.to_string().contains("length limit") {
            return true;
        }
        source = err.source();
    }
    false
}

fn too_large(limits: BodyLimits) -> Response {
    error(ApiError {
        status: 413,
        kind: "invalid_request_error",
        code: code::REQUEST_TOO_LARGE,
        param: None,
        message: format!("the request body is over {} bytes", limits.max_bytes),
    })
}
