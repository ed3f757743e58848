//! The RPC endpoint's limits on loopback (reliability points 2, 3 and 12): idle WebSockets cannot
//! lock callers out, unread subscriptions cannot grow the node's memory, an oversized chunked body
//! is a 413, and the client says "too many connections" when that is what happened. Other
//! loopback addresses (127.0.0.2, …) stand for other machines.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use agora_client::{ClientError, RpcClient};
use agora_node::chain::{Chain, ChainConfig};
use agora_node::rpc;
use agora_node::rpc_server::RpcLimits;
use agora_runtime::GenesisConfig;
use agora_store::Store;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_util::compat::TokioAsyncReadCompatExt;

type Ws = (
    soketto::connection::Sender<tokio_util::compat::Compat<TcpStream>>,
    soketto::connection::Receiver<tokio_util::compat::Compat<TcpStream>>,
);

fn chain() -> Arc<Chain> {
    let genesis = GenesisConfig::new("rpc-limits").build().unwrap();
    Arc::new(Chain::open(Store::in_memory(), &genesis, 0, [0; 32], ChainConfig::default()).unwrap())
}

async fn serve(chain: Arc<Chain>, limits: RpcLimits) -> (jsonrpsee::server::ServerHandle, SocketAddr) {
    rpc::serve_with("127.0.0.1:0".parse().unwrap(), chain, Arc::new(|_| {}), limits).await.unwrap()
}

async fn tcp_from(from: &str, to: SocketAddr, recv_buffer: Option<u32>) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    if let Some(bytes) = recv_buffer {
        socket.set_recv_buffer_size(bytes).unwrap();
    }
    socket.bind(SocketAddr::new(from.parse().unwrap(), 0)).unwrap();
    socket.connect(to).await.unwrap()
}

/// A WebSocket from `from`, or the status it was refused with.
async fn ws_from(from: &str, to: SocketAddr, recv_buffer: Option<u32>) -> Result<Ws, u16> {
    let stream = tcp_from(from, to, recv_buffer).await;
    let host = to.to_string();
    let mut client = soketto::handshake::Client::new(stream.compat(), &host, "/");
    match client.handshake().await.unwrap() {
        soketto::handshake::ServerResponse::Accepted { .. } => Ok(client.into_builder().finish()),
        soketto::handshake::ServerResponse::Rejected { status_code } => Err(status_code),
        other => panic!("unexpected handshake answer {other:?}"),
    }
}

async fn send(ws: &mut Ws, id: u64, method: &str, params: Value) {
    let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    ws.0.send_text(request.to_string()).await.unwrap();
    ws.0.flush().await.unwrap();
}

/// The next message, `None` when the connection is closed or nothing comes within `within`.
async fn next(ws: &mut Ws, within: Duration) -> Option<Value> {
    let mut buf = Vec::new();
    match tokio::time::timeout(within, ws.1.receive_data(&mut buf)).await {
        Ok(Ok(_)) => Some(serde_json::from_slice(&buf).unwrap()),
        _ => None,
    }
}

/// Whether the server closed `ws` within `within`.
async fn closed(ws: &mut Ws, within: Duration) -> bool {
    let mut buf = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, ws.1.receive_data(&mut buf)).await {
            Err(_) => return false,
            Ok(Err(_)) => return true,
            Ok(Ok(_)) => buf.clear(),
        }
    }
}

fn finalize_next(chain: &Chain, at_ms: u64) {
    let block = chain.propose(&chain.head_block(), [9; 32], at_ms).unwrap();
    chain.finalize(&block, at_ms + 1).unwrap();
}

/// Point 2: 100 idle WebSockets used to take every connection (jsonrpsee's one cap of 100), so
/// every HTTP and WebSocket caller got 429. Now WebSockets have their own caps (32 per address),
/// HTTP callers are unaffected, idle WebSockets are closed, subscribed ones kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_websockets_cannot_lock_callers_out() {
    let chain = chain();
    // Long enough that none of the 100 handshakes below outlives it on a loaded machine.
    let limits = RpcLimits { ws_idle: Duration::from_secs(4), ..RpcLimits::default() };
    let per_ip = limits.max_ws_per_ip;
    let (_server, addr) = serve(chain.clone(), limits).await;

    let mut idle = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..100 {
        match ws_from("127.0.0.1", addr, None).await {
            Ok(ws) => idle.push(ws),
            Err(status) => refused.push(status),
        }
    }
    assert_eq!(idle.len(), per_ip);
    assert!(refused.iter().all(|&s| s == 429), "{refused:?}");
    // Calling a method with a subscription's name that is no subscription earns no exemption.
    send(&mut idle[0], 7, "state_unsubscribeStorage", json!(["0"])).await;
    assert!(next(&mut idle[0], Duration::from_secs(5)).await.unwrap()["error"].is_object());

    // HTTP from the same address, and a WebSocket from another, are served.
    let url = format!("http://{addr}");
    let status = tokio::task::spawn_blocking(move || RpcClient::new(&url).unwrap().call("chain_status", json!([])))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status["finalized_height"], 0);
    let mut subscriber = ws_from("127.0.0.2", addr, None).await.expect("another address is admitted");
    send(&mut subscriber, 1, "chain_subscribeFinalized", json!([])).await;
    let id = next(&mut subscriber, Duration::from_secs(5)).await.unwrap();
    assert!(!id["result"].is_null(), "{id}");

    // The idle ones are closed after the idle limit; the subscriber is kept and still notified.
    for ws in &mut idle {
        assert!(closed(ws, Duration::from_secs(10)).await, "an idle WebSocket is closed");
    }
    finalize_next(&chain, 1_000);
    let note = next(&mut subscriber, Duration::from_secs(5)).await.expect("the subscriber is still served");
    assert_eq!(note["params"]["result"]["height"], 1, "{note}");
    assert!(ws_from("127.0.0.1", addr, None).await.is_ok(), "the address is admitted again");
}

/// Point 2, the client's side: a node at its connection cap is reported as busy with "too many
/// connections", not as "not JSON-RPC".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_says_too_many_connections() {
    let mut limits = RpcLimits::default();
    limits.connections.max_per_ip = 2;
    let (_server, addr) = serve(chain(), limits).await;
    let _held = [tcp_from("127.0.0.1", addr, None).await, tcp_from("127.0.0.1", addr, None).await];
    tokio::time::sleep(Duration::from_millis(100)).await;
    let url = format!("http://{addr}");
    let error = tokio::task::spawn_blocking(move || RpcClient::new(&url).unwrap().call("chain_status", json!([])))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(error, ClientError::Busy { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("too many connections from 127.0.0.1"), "{text}");
}

/// Point 3: 40 connections × 10 unread event subscriptions took a node from 198 MB to 1.6 GB
/// (jsonrpsee buffered 1,024 notifications per connection and waited). Now a connection holds at
/// most 16 subscriptions (3 here), and a subscriber whose buffer fills is closed with an error
/// notification while readers keep being served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_subscriptions_are_closed_not_buffered() {
    let chain = chain();
    let mut limits = RpcLimits { message_buffer: 16, max_subscriptions_per_connection: 3, ..RpcLimits::default() };
    // Small kernel buffers, so that "not reading" shows after tens of blocks, not thousands.
    limits.connections.send_buffer_bytes = Some(4096);
    let (_server, addr) = serve(chain.clone(), limits).await;

    let mut slow = ws_from("127.0.0.1", addr, Some(4096)).await.unwrap();
    for id in 0..4 {
        send(&mut slow, id, "chain_subscribeFinalized", json!([])).await;
    }
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(next(&mut slow, Duration::from_secs(5)).await.unwrap());
    }
    assert_eq!(answers.iter().filter(|a| !a["result"].is_null()).count(), 3, "{answers:?}");
    let over = answers.iter().find(|a| a["error"].is_object()).expect("the fourth is refused");
    assert!(over["error"]["message"].as_str().unwrap().contains("subscriptions"), "{over}");

    let mut reader = ws_from("127.0.0.2", addr, None).await.unwrap();
    send(&mut reader, 1, "chain_subscribeFinalized", json!([])).await;
    assert!(!next(&mut reader, Duration::from_secs(5)).await.unwrap()["result"].is_null());

    // The slow connection reads nothing while 300 blocks are finalised (900 notifications); a
    // reader on another connection reads all the time (its own task, never cancelled mid-frame).
    let blocks = 300u64;
    let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let reading = tokio::spawn(async move {
        let mut heights = Vec::new();
        while heights.len() < blocks as usize {
            let Some(note) = next(&mut reader, Duration::from_secs(10)).await else { break };
            let height = note["params"]["result"]["height"].as_u64().unwrap_or_else(|| panic!("{note}"));
            heights.push(height);
            let _ = seen_tx.send(height);
        }
        heights
    });
    for height in 1..=blocks {
        finalize_next(&chain, height * 1_000);
        // In step with the reader (as a chain's block time is slower than any reader); the slow
        // connection never reads.
        assert_eq!(tokio::time::timeout(Duration::from_secs(10), seen.recv()).await.unwrap(), Some(height));
    }
    let heights = reading.await.unwrap();
    assert_eq!(heights, (1..=blocks).collect::<Vec<_>>(), "a subscriber that reads gets every block");

    // Now it reads: what was held for it is a fraction of the 900, then each subscription ends
    // with an error that says why.
    let mut notes = 0;
    let mut lagged = 0;
    while let Some(message) = next(&mut slow, Duration::from_secs(1)).await {
        if let Some(error) = message["params"]["error"].as_str() {
            assert!(error.contains("fell behind"), "{message}");
            lagged += 1;
        } else {
            notes += 1;
        }
    }
    assert_eq!(lagged, 3, "every subscription of the slow connection was closed");
    assert!(notes < 3 * blocks as usize / 2, "{notes} of {} notifications were held", 3 * blocks);
}

/// Point 12: a chunked body over the limit was answered 500; it is a 413 like a declared one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_chunked_body_is_413() {
    let (_server, addr) = serve(chain(), RpcLimits::default()).await;
    let mut stream = tcp_from("127.0.0.1", addr, None).await;
    stream
        .write_all(
            b"POST / HTTP/1.1\r\nhost: node\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        )
        .await
        .unwrap();
    let chunk = vec![b' '; 64 * 1024];
    let header = format!("{:x}\r\n", chunk.len());
    // 2 MiB in 64 KiB chunks: over the 1 MiB limit. The server may answer and close early.
    for _ in 0..32 {
        if stream.write_all(header.as_bytes()).await.is_err()
            || stream.write_all(&chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
}

/// Point 3, the socket: a peer that reads nothing at all used to keep its connection (and its
/// WebSocket place) for ever, its writer blocked; now a write that cannot progress for
/// `write_stall` ends the connection and frees the place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_reads_nothing_is_disconnected() {
    let chain = chain();
    let mut limits = RpcLimits { max_ws_per_ip: 1, ..RpcLimits::default() };
    limits.connections.send_buffer_bytes = Some(4096);
    limits.connections.write_stall = Duration::from_secs(1);
    let (_server, addr) = serve(chain.clone(), limits).await;
    let mut deaf = ws_from("127.0.0.1", addr, Some(4096)).await.unwrap();
    send(&mut deaf, 1, "chain_subscribeFinalized", json!([])).await;
    assert!(!next(&mut deaf, Duration::from_secs(5)).await.unwrap()["result"].is_null());
    assert_eq!(ws_from("127.0.0.1", addr, None).await.err(), Some(429), "its address holds its one place");
    for height in 1..=200u64 {
        finalize_next(&chain, height * 1_000);
    }
    // The writer stalls, the connection is closed, and the place is free again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if ws_from("127.0.0.1", addr, None).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the deaf connection still holds its place");
    }
    drop(deaf);
}
