//! The dendrite: signed requests to axons over one pooled HTTP client, fanned out concurrently,
//! with the reference's error mapping (408 timeout, 503 unreachable, 422 unparsable) and
//! streaming responses delivered chunk by chunk. It never looks up its external IP.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use agora_primitives::{AccountId, Pair};
use axum::body::Bytes;
use futures::{Stream, StreamExt};
use serde::Serialize;

use crate::error::NeuronError;
use crate::headers::{request_headers, signature_text, signing_message};
use crate::synapse::{Synapse, TerminalInfo, VERSION_AS_INT, body_hash_of_json, envelope, parse_envelope};

/// Where to send a request: an axon's address and hotkey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxonTarget {
    /// Address.
    pub addr: SocketAddr,
    /// The axon's hotkey (the request is signed for it).
    pub hotkey: AccountId,
}

/// What came back from one axon.
#[derive(Clone, Debug, Serialize)]
pub struct Answer<S> {
    /// HTTP-like status: 200, or the reference's codes (408, 503, 422, the axon's own).
    pub status_code: u16,
    /// Status text.
    pub status_message: String,
    /// Seconds from send to answer.
    pub process_time: f64,
    /// The axon's synapse (status 200 only).
    pub synapse: Option<S>,
    /// The axon's terminal info as it reported it.
    pub axon: TerminalInfo,
}

impl<S> Answer<S> {
    fn failed(error: &NeuronError, started: Instant) -> Answer<S> {
        Answer::refused(error.status(), error.to_string(), started)
    }

    fn refused(status_code: u16, status_message: String, started: Instant) -> Answer<S> {
        Answer {
            status_code,
            status_message,
            process_time: started.elapsed().as_secs_f64(),
            synapse: None,
            axon: TerminalInfo::default(),
        }
    }

    /// Whether the axon answered 200.
    pub fn is_success(&self) -> bool {
        self.status_code == 200
    }
}

/// A streaming answer: the status, then the chunks as they arrive.
pub struct StreamAnswer {
    /// Status of the response head (200 when chunks follow).
    pub status_code: u16,
    /// Status text.
    pub status_message: String,
    /// The chunks; an error (the connection broke or timed out) ends the stream.
    pub chunks: std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, NeuronError>> + Send>>,
}

/// The largest response a dendrite reads by default (bytes); a larger one is a 422.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// A client that signs with one hotkey.
pub struct Dendrite {
    http: reqwest::Client,
    pair: Pair,
    hotkey: String,
    uuid: String,
    last_nonce: AtomicI64,
    max_response_bytes: usize,
}

fn random_uuid() -> String {
    let mut bytes = agora_primitives::random_bytes::<16>().unwrap_or_else(|_| {
        // The process id and clock still make a per-process session id.
        let seed = std::process::id() as u128
            ^ std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        seed.to_le_bytes()
    });
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

impl Dendrite {
    /// A dendrite signing with `pair` (its hotkey), with one connection pool for every axon.
    pub fn new(pair: Pair) -> Dendrite {
        let http = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(32)
            // Axons close a connection idle for 10 s; reusing one they are closing fails the request.
            .pool_idle_timeout(std::time::Duration::from_secs(5))
            .tcp_nodelay(true)
            .build()
            .expect("a plain HTTP client builds");
        Dendrite {
            hotkey: pair.public().to_ss58(),
            pair,
            http,
            uuid: random_uuid(),
            last_nonce: AtomicI64::new(0),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Changes the largest response read (a hostile axon cannot make the caller buffer more).
    pub fn with_max_response_bytes(mut self, limit: usize) -> Dendrite {
        self.max_response_bytes = limit;
        self
    }

    /// The hotkey it signs with.
    pub fn hotkey(&self) -> &str {
        &self.hotkey
    }

    /// Time in ns, strictly increasing across calls.
    fn nonce(&self) -> i64 {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64);
        let mut last = self.last_nonce.load(Ordering::Relaxed);
        loop {
            let next = now.max(last + 1);
            match self.last_nonce.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }

    fn request<S: Synapse>(&self, target: &AxonTarget, synapse: &S, timeout: Duration) -> reqwest::RequestBuilder {
        let timeout_s = timeout.as_secs_f64();
        let nonce = self.nonce();
        let axon = TerminalInfo {
            ip: Some(target.addr.ip().to_string()),
            port: Some(i64::from(target.addr.port())),
            hotkey: Some(target.hotkey.to_ss58()),
            ..Default::default()
        };
        let mut dendrite = TerminalInfo {
            ip: Some("0.0.0.0".into()),
            version: Some(VERSION_AS_INT as i64),
            nonce: Some(nonce),
            uuid: Some(self.uuid.clone()),
            hotkey: Some(self.hotkey.clone()),
            ..Default::default()
        };
        let unsigned = serde_json::to_vec(&envelope(synapse, timeout_s, &dendrite, &axon)).expect("serialisable");
        let hash = body_hash_of_json(&unsigned, S::REQUIRED_HASH_FIELDS).expect("our own body is a JSON object");
        let message = signing_message(nonce, &self.hotkey, &target.hotkey.to_ss58(), &self.uuid, &hash);
        dendrite.signature = Some(signature_text(&self.pair.sign(message.as_bytes()).0));
        let body = serde_json::to_vec(&envelope(synapse, timeout_s, &dendrite, &axon)).expect("serialisable");
        let mut request = self
            .http
            .post(format!("http://{}/{}", target.addr, S::NAME))
            .timeout(timeout)
            .header("content-type", "application/json")
            .body(body);
        for (k, v) in request_headers::<S>(timeout_s, &dendrite, &axon, &hash) {
            request = request.header(k, v);
        }
        request
    }

    fn transport_error<S>(
        e: reqwest::Error,
        target: &AxonTarget,
        name: &'static str,
        timeout: Duration,
        started: Instant,
    ) -> Answer<S> {
        Answer::failed(&NeuronError::transport(e, target.addr, name, timeout.as_secs_f64()), started)
    }

    /// Sends `synapse` to one axon and waits at most `timeout`.
    pub async fn call<S: Synapse>(&self, target: &AxonTarget, synapse: &S, timeout: Duration) -> Answer<S> {
        let started = Instant::now();
        let response = match self.request(target, synapse, timeout).send().await {
            Ok(r) => r,
            Err(e) => return Self::transport_error(e, target, S::NAME, timeout, started),
        };
        let status = response.status().as_u16();
        let mut response = response;
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if body.len() + chunk.len() > self.max_response_bytes => {
                    return Answer::failed(&NeuronError::ResponseTooLarge { limit: self.max_response_bytes }, started);
                }
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => return Self::transport_error(e, target, S::NAME, timeout, started),
            }
        }
        if status != 200 {
            // As the reference: the body must be JSON, else the answer is unparsable (422).
            return match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(v) => Answer::refused(
                    status,
                    v.get("message").and_then(|m| m.as_str()).unwrap_or_default().to_string(),
                    started,
                ),
                Err(_) => Answer::failed(&NeuronError::UnparsableRefusal { status }, started),
            };
        }
        match parse_envelope::<S>(&body) {
            Ok(parsed) => Answer {
                status_code: 200,
                status_message: parsed.axon.status_message.clone().unwrap_or_else(|| "Success".into()),
                process_time: started.elapsed().as_secs_f64(),
                synapse: Some(parsed.synapse),
                axon: parsed.axon,
            },
            Err(e) => Answer::failed(&NeuronError::UnparsableAnswer(Box::new(e)), started),
        }
    }

    /// Sends `synapse` to every axon at once; answers come back in the order of `targets`.
    pub async fn forward<S: Synapse>(&self, targets: &[AxonTarget], synapse: &S, timeout: Duration) -> Vec<Answer<S>> {
        futures::future::join_all(targets.iter().map(|t| self.call(t, synapse, timeout))).await
    }

    /// Sends `synapse` to a streaming route and returns the chunks as they arrive.
    pub async fn call_stream<S: Synapse>(&self, target: &AxonTarget, synapse: &S, timeout: Duration) -> StreamAnswer {
        let started = Instant::now();
        let failed = |a: Answer<()>| StreamAnswer {
            status_code: a.status_code,
            status_message: a.status_message,
            chunks: Box::pin(futures::stream::empty()),
        };
        let response = match self.request(target, synapse, timeout).send().await {
            Ok(r) => r,
            Err(e) => return failed(Self::transport_error(e, target, S::NAME, timeout, started)),
        };
        let status = response.status().as_u16();
        if status != 200 {
            let body = response.bytes().await.unwrap_or_default();
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
                .unwrap_or_default();
            return StreamAnswer {
                status_code: status,
                status_message: message,
                chunks: Box::pin(futures::stream::empty()),
            };
        }
        let (addr, timeout_s) = (target.addr, timeout.as_secs_f64());
        let chunks =
            response.bytes_stream().map(move |r| r.map_err(|e| NeuronError::transport(e, addr, S::NAME, timeout_s)));
        StreamAnswer { status_code: 200, status_message: "Success".into(), chunks: Box::pin(chunks) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_strictly_increase_and_uuids_look_like_uuids() {
        let d = Dendrite::new(Pair::from_seed(&[1; 32]));
        let a = d.nonce();
        let b = d.nonce();
        assert!(b > a);
        assert_eq!(d.uuid.len(), 36);
        assert_eq!(d.uuid.matches('-').count(), 4);
    }
}
