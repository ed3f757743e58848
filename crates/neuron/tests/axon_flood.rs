//! The axon under unauthenticated floods, on loopback (reliability points 1 and 8): requests
//! whose signature cannot be checked yet, trickled headers and idle connections hold nothing a
//! signed caller needs. Other loopback addresses (127.0.0.2, …) stand for other machines.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agora_neuron::dummy::{Dummy, answer};
use agora_neuron::headers::{epistula_message, signature_text};
use agora_neuron::{Axon, AxonConfig, AxonTarget, Dendrite, OpenGuard};
use agora_primitives::Pair;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

async fn start(config: AxonConfig) -> (AxonTarget, agora_neuron::RunningAxon) {
    let pair = Pair::from_seed(&[7; 32]);
    let hotkey = pair.public();
    let mut axon = Axon::new(pair, config).guard(Arc::new(OpenGuard));
    axon.attach(|q: Dummy, _| async move { Ok(answer(q)) });
    let running = axon.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (AxonTarget { addr: running.local_addr, hotkey }, running)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A TCP connection to `to` from the loopback address `from`.
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from.parse().unwrap(), 0)).unwrap();
    socket.connect(to).await.unwrap()
}

/// Reads what the server sends until it closes or `within` passes; `None` when still open.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// The status code of the first response in `text`.
fn status_of(text: &str) -> Option<u16> {
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// A correctly signed Epistula `Dummy` request from the loopback address `from`.
async fn signed_epistula(target: &AxonTarget, from: &str, uuid: &str) -> (u16, serde_json::Value) {
    let caller = Pair::from_seed(&[40; 32]);
    let body = r#"{"dummy_input": 8}"#;
    let target_ss58 = target.hotkey.to_ss58();
    let ts = now_ms();
    let message = epistula_message(body.as_bytes(), uuid, ts, Some(&target_ss58));
    let http = reqwest::Client::builder().local_address(from.parse::<IpAddr>().unwrap()).build().unwrap();
    let response = http
        .post(format!("http://{}/Dummy", target.addr))
        .header("Epistula-Version", "2")
        .header("Epistula-Timestamp", ts.to_string())
        .header("Epistula-Uuid", uuid)
        .header("Epistula-Signed-By", caller.public().to_ss58())
        .header("Epistula-Signed-For", target_ss58)
        .header("Epistula-Request-Signature", signature_text(&caller.sign(message.as_bytes()).0))
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Point 1: 330 connections with a junk Epistula signature, `Content-Length: 100000` and one byte
/// of body used to hold all 64 workers and 256 queue places, so signed callers got 503. Now such
/// a request holds one of a few pre-authentication places (8 per address) for at most 5 s and
/// never a worker; the rest are refused at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_epistula_bodies_cannot_take_the_workers() {
    let mut config = AxonConfig::default();
    // Connection caps off the path, so the pre-authentication pool alone is what holds.
    config.connections.max_connections = 4096;
    config.connections.max_per_ip = 4096;
    let (preauth_per_ip, preauth_timeout) = (config.preauth_per_ip, config.preauth_body_timeout_s);
    let (target, running) = start(config).await;

    let junk = format!(
        "POST /Dummy HTTP/1.1\r\nhost: axon\r\nepistula-version: 2\r\nepistula-timestamp: {}\r\nepistula-uuid: junk\r\n\
         epistula-signed-by: {}\r\nepistula-signed-for: {}\r\nepistula-request-signature: 0x{}\r\n\
         content-length: 100000\r\n\r\nx",
        now_ms(),
        Pair::from_seed(&[99; 32]).public().to_ss58(),
        target.hotkey.to_ss58(),
        "00".repeat(64)
    );
    let mut flood = Vec::new();
    for _ in 0..330 {
        let mut stream = connect_from("127.0.0.1", target.addr).await;
        stream.write_all(junk.as_bytes()).await.unwrap();
        flood.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Signed callers are served while the flood is held open.
    let dendrite = Dendrite::new(Pair::from_seed(&[1; 32]));
    let answer = dendrite.call(&target, &Dummy { dummy_input: 21, dummy_output: None }, Duration::from_secs(5)).await;
    assert_eq!(
        (answer.status_code, answer.synapse.and_then(|s| s.dummy_output)),
        (200, Some(42)),
        "{}",
        answer.status_message
    );
    let (status, doc) = signed_epistula(&target, "127.0.0.2", "honest-1").await;
    assert_eq!((status, &doc["dummy_output"]), (200, &serde_json::json!(16)), "{doc}");

    // The flood: all but a few were refused at once with 503; the few held are cut off (408)
    // when the pre-authentication deadline passes, not when their claimed timeout does.
    let started = Instant::now();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for stream in &mut flood {
        let text = read_until_closed(stream, Duration::from_secs_f64(preauth_timeout + 3.0)).await.unwrap_or_default();
        *statuses.entry(status_of(&text).unwrap_or(0)).or_default() += 1;
    }
    assert_eq!(statuses.get(&408).copied().unwrap_or(0), preauth_per_ip, "{statuses:?}");
    assert_eq!(statuses.get(&503).copied().unwrap_or(0), 330 - preauth_per_ip, "{statuses:?}");
    assert!(started.elapsed() < Duration::from_secs_f64(preauth_timeout + 2.0), "{:?}", started.elapsed());
    running.stop().await.unwrap();
}

/// Point 1, bytes: one address declaring large bodies used to be able to take the whole byte
/// budget of unverified requests (32 MiB) with a handful of requests; now it holds at most its
/// own share (8 MiB) and everyone else is still served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_take_the_unverified_byte_budget() {
    let config = AxonConfig::default();
    let (per_ip, slots) = (config.preauth_bytes_per_ip, config.preauth_per_ip);
    let (target, running) = start(config).await;
    let declared = 4 * 1024 * 1024;
    let junk = format!(
        "POST /Dummy HTTP/1.1\r\nhost: axon\r\nepistula-version: 2\r\nepistula-timestamp: {}\r\nepistula-uuid: big\r\n\
         epistula-signed-by: {}\r\nepistula-signed-for: {}\r\nepistula-request-signature: 0x{}\r\n\
         content-length: {declared}\r\n\r\nx",
        now_ms(),
        Pair::from_seed(&[98; 32]).public().to_ss58(),
        target.hotkey.to_ss58(),
        "00".repeat(64)
    );
    let mut big = Vec::new();
    for _ in 0..slots {
        let mut stream = connect_from("127.0.0.3", target.addr).await;
        stream.write_all(junk.as_bytes()).await.unwrap();
        big.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, doc) = signed_epistula(&target, "127.0.0.4", "honest-2").await;
    assert_eq!((status, &doc["dummy_output"]), (200, &serde_json::json!(16)), "{doc}");
    let mut refused = 0;
    for stream in &mut big {
        let text = read_until_closed(stream, Duration::from_secs(10)).await.unwrap_or_default();
        if status_of(&text) == Some(503) {
            assert!(text.contains("byte budget of this address"), "{text}");
            refused += 1;
        }
    }
    assert_eq!(refused, slots - per_ip / declared, "only {} of 4 MiB fit in the address's share", per_ip / declared);
    running.stop().await.unwrap();
}

/// Point 8: connections that trickle header bytes or sit idle used to be held for as long as the
/// peer liked (10,000 of them: 177 MB, and under `ulimit -n 1024` every connection refused). Now
/// the head must arrive within the header deadline, and connections are capped per address with
/// a 429 that says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickled_headers_are_cut_off_and_connections_are_capped() {
    let mut config = AxonConfig::default();
    config.connections.max_connections = 64;
    config.connections.max_per_ip = 32;
    config.connections.header_timeout = Duration::from_secs(1);
    let (target, running) = start(config).await;

    // 40 connections from one address trickle a request head, one byte every 100 ms.
    let mut trickle = Vec::new();
    for _ in 0..40 {
        trickle.push(connect_from("127.0.0.1", target.addr).await);
    }
    let started = Instant::now();
    let head = b"POST /Dummy HTTP/1.1\r\nhost: axon\r\nx-slow: ";
    for byte in head.iter().chain(std::iter::repeat_n(&b'a', 30)) {
        if started.elapsed() > Duration::from_millis(500) {
            break;
        }
        for stream in &mut trickle {
            let _ = stream.write_all(&[*byte]).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Another address is still served (401: unsigned, but answered).
    let mut other = connect_from("127.0.0.2", target.addr).await;
    other
        .write_all(b"POST /Dummy HTTP/1.1\r\nhost: axon\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
        .await
        .unwrap();
    let text = read_until_closed(&mut other, Duration::from_secs(5)).await.expect("answered and closed");
    assert_eq!(status_of(&text), Some(401), "{text}");

    // The 8 over the per-address cap were told why; the 32 admitted are closed at the deadline.
    let mut refused = 0;
    let mut cut = 0;
    for stream in &mut trickle {
        let text = read_until_closed(stream, Duration::from_secs(4)).await.expect("closed by the axon");
        if status_of(&text) == Some(429) {
            assert!(text.contains("too many connections from 127.0.0.1"), "{text}");
            refused += 1;
        } else {
            cut += 1;
        }
    }
    assert_eq!((refused, cut), (8, 32));
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());

    // An idle connection is closed too, and the address is served again afterwards.
    let mut idle = connect_from("127.0.0.1", target.addr).await;
    assert!(read_until_closed(&mut idle, Duration::from_secs(3)).await.is_some(), "an idle connection is closed");
    let dendrite = Dendrite::new(Pair::from_seed(&[1; 32]));
    let answer = dendrite.call(&target, &Dummy { dummy_input: 2, dummy_output: None }, Duration::from_secs(5)).await;
    assert_eq!(answer.status_code, 200, "{}", answer.status_message);
    running.stop().await.unwrap();
}
