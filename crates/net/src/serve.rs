//! The accept loop: admit, serve HTTP/1 with a header deadline, refuse what is over the caps.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};

use crate::admission::{Admission, Slot};
use crate::io::Held;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The limits one server enforces.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Connections open at once from one source address.
    pub max_per_ip: usize,
    /// Time a connection has to send a request's head; also how long an idle keep-alive
    /// connection is kept.
    pub header_timeout: Duration,
    /// Largest request head (bytes); a larger one is answered 431.
    pub max_header_bytes: usize,
    /// The kernel's send buffer per connection (bytes), which bounds what a peer that stops
    /// reading pins there; `None` leaves the system's (autotuned, up to megabytes).
    pub send_buffer_bytes: Option<usize>,
    /// A connection whose peer reads nothing we send for this long is closed.
    pub write_stall: Duration,
}

impl Default for Limits {
    /// 1,024 connections, 128 per address, 10 s for a request head, heads up to 64 KiB, 30 s for
    /// a peer that reads nothing.
    fn default() -> Limits {
        Limits {
            max_connections: 1024,
            max_per_ip: 128,
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 64 * 1024,
            send_buffer_bytes: None,
            write_stall: Duration::from_secs(30),
        }
    }
}

/// What the service of one connection knows about it.
#[derive(Clone)]
pub struct Conn {
    /// The peer's address.
    pub peer: SocketAddr,
    extra: Arc<Mutex<Vec<Slot>>>,
}

impl Conn {
    /// Keeps `slot` for as long as this connection's stream lives (through an upgrade).
    pub fn hold(&self, slot: Slot) {
        self.extra.lock().expect("connection slots lock").push(slot);
    }
}

/// Refusals being written at once; beyond this a refusal is written without waiting.
pub const REFUSALS_IN_FLIGHT: usize = 64;

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Answers `stream` with `429 Too Many Requests` and `{"message": …}` (JSON, which the reference
/// dendrite and Agora's clients read as the reason), then closes it. The answer is written and the
/// peer's request drained (up to 64 KiB, 1 s) by at most [`REFUSALS_IN_FLIGHT`] tasks, so the peer
/// reads the reason rather than a reset; beyond that it is written once and the connection
/// closed at once, which the peer may see as a reset.
pub fn refuse(stream: TcpStream, message: &str) {
    static IN_FLIGHT: OnceLock<Arc<Semaphore>> = OnceLock::new();
    let body = format!("{{\"message\":{}}}", json_string(message));
    let response = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let permits = IN_FLIGHT.get_or_init(|| Arc::new(Semaphore::new(REFUSALS_IN_FLIGHT)));
    match permits.clone().try_acquire_owned() {
        Ok(permit) => {
            tokio::spawn(async move {
                let _permit = permit;
                let mut stream = stream;
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    stream.write_all(response.as_bytes()).await?;
                    stream.shutdown().await?;
                    let mut sink = [0u8; 4096];
                    let mut drained = 0;
                    while drained < 64 * 1024 {
                        match stream.read(&mut sink).await? {
                            0 => break,
                            n => drained += n,
                        }
                    }
                    Ok::<(), std::io::Error>(())
                })
                .await;
            });
        }
        Err(_) => {
            let _ = stream.try_write(response.as_bytes());
        }
    }
}

/// Serves HTTP/1 on `listener` within `limits` until `shutdown` resolves, then waits for open
/// requests to finish. `make` builds the service of each admitted connection.
pub async fn serve<M, S, B>(
    listener: TcpListener,
    limits: Limits,
    mut make: M,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    M: FnMut(Conn) -> S,
    S: tower::Service<http::Request<Incoming>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let admission = Admission::new(limits.max_connections, limits.max_per_ip);
    let (stop_tx, stop_rx) = watch::channel(false);
    let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or the peer gave up: do not spin on it.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let slot = match admission.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(refusal) => {
                tracing::debug!(%peer, "refused: {refusal}");
                refuse(stream, &refusal.to_string());
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        if let Some(bytes) = limits.send_buffer_bytes {
            let _ = socket2::SockRef::from(&stream).set_send_buffer_size(bytes);
        }
        let extra: Arc<Mutex<Vec<Slot>>> = Arc::default();
        let service = TowerToHyperService::new(make(Conn { peer, extra: extra.clone() }));
        let io = TokioIo::new(Held::new(stream, slot, extra, limits.write_stall));
        let mut stop = stop_rx.clone();
        let open = open_tx.clone();
        let limits = limits.clone();
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_header_size(limits.max_header_bytes);
            let connection = builder.serve_connection(io, service).with_upgrades();
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = async { let _ = stop.wait_for(|stopped| *stopped).await; } => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, "connection ended: {e}");
            }
            drop(open);
        });
    }
    let _ = stop_tx.send(true);
    drop(open_tx);
    let _ = open_rx.recv().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn refusal_messages_are_json_strings() {
        assert_eq!(super::json_string("too \"many\" \\ \n"), r#""too \"many\" \\ \u000a""#);
    }
}
