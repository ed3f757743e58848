//! Request bodies have a deadline and a size limit: a client that declares a body and trickles
//! it is answered 408 and let go, one that sends too much (declared or chunked) 413, and the
//! gateway serves others meanwhile. Loopback, bounded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agora_gateway::body::BodyLimits;
use agora_gateway::server::router_with;
use agora_gateway::{Gateway, GatewayConfig, MinerPool};
use agora_neuron::Dendrite;
use agora_primitives::{NetUid, Pair};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn gateway(limits: BodyLimits) -> std::net::SocketAddr {
    let me = Pair::from_seed(&[50; 32]);
    let pool = Arc::new(MinerPool::new(me.public(), Duration::from_secs(60), 3));
    let config = GatewayConfig {
        netuid: NetUid(1),
        timeout: Duration::from_secs(1),
        retries: 0,
        hedge: false,
        default_best_of: 1,
    };
    let gw = Gateway::new(pool, Dendrite::new(me), None, None, None, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router_with(gw, limits)).await.unwrap() });
    addr
}

/// Sends `head` then `body`, and reads the response's status and JSON body (5 s at most).
async fn raw(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got);
            if let Some(i) = text.find("\r\n\r\n")
                && serde_json::from_str::<Value>(text[i + 4..].trim()).is_ok()
            {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), read).await.expect("an answer within 5 s");
    let text = String::from_utf8_lossy(&got).to_string();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let json =
        text.find("\r\n\r\n").and_then(|i| serde_json::from_str(text[i + 4..].trim()).ok()).unwrap_or(Value::Null);
    (status, json)
}

fn post_head(extra: &str) -> String {
    format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nconnection: close\r\n{extra}\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_oversized_bodies_are_refused_with_their_codes() {
    let limits = BodyLimits { max_bytes: 64 * 1024, timeout: Duration::from_millis(400) };
    let addr = gateway(limits).await;

    // Declares 60,000 bytes (within the limit), sends one: 408 once the deadline passes, not whenever the client quits.
    let started = Instant::now();
    let (status, body) = raw(addr, &post_head("content-length: 60000\r\n"), b"{").await;
    assert_eq!(status, 408, "{body}");
    assert_eq!(body["error"]["code"], "request_timeout");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    // Declared over the limit: 413 at once, before any of the body.
    let (status, body) = raw(addr, &post_head("content-length: 1000000\r\n"), b"").await;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("request_too_large")), "{body}");

    // Chunked past the limit: 413 too (it was an internal error or a wait).
    let chunk = vec![b'a'; 16 * 1024];
    let mut chunked = Vec::new();
    for _ in 0..6 {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(&chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (status, body) = raw(addr, &post_head("transfer-encoding: chunked\r\n"), &chunked).await;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("request_too_large")), "{body}");

    // A body in time and within the limit reaches the handler (which answers it: no key set, no miner).
    let ask = br#"{"model":"agora/text","messages":[{"role":"user","content":"hi"}]}"#;
    let (status, body) = raw(addr, &post_head(&format!("content-length: {}\r\n", ask.len())), ask).await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("no_miner_available")), "{body}");
}
