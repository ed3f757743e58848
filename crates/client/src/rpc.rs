//! The transport: a small blocking JSON-RPC 2.0 client over plain HTTP/1.1 (loopback and private
//! networks; no TLS). Every call has a timeout; results deserialise straight from the response
//! text, so 128-bit integers keep their exact value.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// Errors of an RPC call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL is not `http://host:port[/]`.
    #[error("bad RPC URL {0:?}: expected http://HOST:PORT")]
    BadUrl(String),
    /// The node could not be reached or did not answer in time.
    #[error("cannot reach the node at {url}: {error} (is `agora node` running?)")]
    Unreachable {
        /// The URL.
        url: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The answer is not a JSON-RPC response.
    #[error("bad response from {url}: {message}")]
    BadResponse {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// The node's metagraph does not hang together.
    #[error("bad response from {url}: {error}")]
    BadMetagraph {
        /// The URL.
        url: String,
        /// What disagrees (boxed: rare, and larger than the other variants).
        error: Box<crate::metagraph::MetagraphError>,
    },
    /// The node refused the connection because it is at a connection limit (HTTP 429 or 503).
    #[error("the node at {url} is busy: {message} (too many connections; retry shortly, or ask its operator)")]
    Busy {
        /// The URL.
        url: String,
        /// What the node said.
        message: String,
    },
    /// The node answered with an error.
    #[error("the node refused: {message} (code {code})")]
    Rpc {
        /// JSON-RPC error code.
        code: i64,
        /// Message.
        message: String,
    },
}

/// A JSON-RPC endpoint.
#[derive(Clone, Debug)]
pub struct RpcClient {
    url: String,
    addr: SocketAddr,
    host: String,
    timeout: Duration,
}

impl RpcClient {
    /// A client for `url` (`http://127.0.0.1:9944`), with a 10 s timeout per call.
    pub fn new(url: &str) -> Result<RpcClient, ClientError> {
        let rest = url.strip_prefix("http://").ok_or_else(|| ClientError::BadUrl(url.into()))?;
        let host = rest.trim_end_matches('/');
        if host.contains('/') {
            return Err(ClientError::BadUrl(url.into()));
        }
        let addr =
            host.to_socket_addrs().ok().and_then(|mut a| a.next()).ok_or_else(|| ClientError::BadUrl(url.into()))?;
        Ok(RpcClient { url: url.into(), addr, host: host.into(), timeout: Duration::from_secs(10) })
    }

    /// Changes the per-call timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> RpcClient {
        self.timeout = timeout;
        self
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Calls `method` with `params` (a JSON array) and returns the result as JSON.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        self.request(method, params)
    }

    /// Calls `method` with `params` (a JSON array) and deserialises the result as `T`.
    pub fn request<T: DeserializeOwned>(&self, method: &str, params: Value) -> Result<T, ClientError> {
        let body = self.post(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string())?;
        let bad = |message: String| ClientError::BadResponse { url: self.url.clone(), message };
        let envelope: BTreeMap<String, Box<RawValue>> =
            serde_json::from_slice(&body).map_err(|e| bad(format!("not JSON-RPC: {e}")))?;
        if let Some(error) = envelope.get("error") {
            #[derive(serde::Deserialize)]
            struct ErrorObject {
                #[serde(default)]
                code: i64,
                #[serde(default)]
                message: String,
                #[serde(default)]
                data: Option<Value>,
            }
            let error: ErrorObject =
                serde_json::from_str(error.get()).map_err(|e| bad(format!("bad error object: {e}")))?;
            // Substrate puts the reason in `data` ("Invalid Transaction" / "... bad signature").
            let message = match error.data {
                Some(Value::String(data)) if !data.is_empty() => format!("{}: {data}", error.message),
                _ => error.message,
            };
            return Err(ClientError::Rpc { code: error.code, message });
        }
        let result = envelope.get("result").ok_or_else(|| bad("no result".into()))?;
        serde_json::from_str(result.get()).map_err(|e| bad(format!("unexpected result of {method}: {e}")))
    }

    /// One HTTP POST; returns the response body.
    fn post(&self, body: &str) -> Result<Vec<u8>, ClientError> {
        let unreachable = |error| ClientError::Unreachable { url: self.url.clone(), error };
        let mut stream = TcpStream::connect_timeout(&self.addr, self.timeout).map_err(unreachable)?;
        stream.set_read_timeout(Some(self.timeout)).map_err(unreachable)?;
        stream.set_write_timeout(Some(self.timeout)).map_err(unreachable)?;
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            self.host,
            body.len(),
            body
        );
        stream.write_all(request.as_bytes()).map_err(unreachable)?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).map_err(unreachable)?;
        let bad = |message: &str| ClientError::BadResponse { url: self.url.clone(), message: message.into() };
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| bad("no HTTP body"))?;
        let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
        let body = &response[split + 4..];
        let body = if head.contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_vec() };
        let status = head.split_whitespace().nth(1).and_then(|code| code.parse::<u16>().ok());
        if matches!(status, Some(429 | 503)) {
            // A JSON-RPC answer is the node's; anything else is the server refusing the connection.
            let doc = serde_json::from_slice::<Value>(&body).ok();
            if doc.as_ref().is_none_or(|d| d.get("jsonrpc").is_none()) {
                let text = match doc.as_ref().and_then(|d| d["message"].as_str()) {
                    Some(message) => message.to_string(),
                    None => String::from_utf8_lossy(&body).into_owned(),
                };
                let text: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
                return Err(ClientError::Busy { url: self.url.clone(), message: text.trim().to_string() });
            }
        }
        Ok(body)
    }
}

fn dechunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let Some(size) =
            std::str::from_utf8(&rest[..line_end]).ok().and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
        else {
            break;
        };
        let tail = &rest[line_end + 2..];
        if size == 0 || tail.len() < size {
            break;
        }
        out.extend_from_slice(&tail[..size]);
        rest = tail[size..].strip_prefix(b"\r\n").unwrap_or(&tail[size..]);
    }
    out
}
