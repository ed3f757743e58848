//! The load test of a running gateway (`agora gateway-load`): chat completions at a fixed
//! concurrency through [`agora_neuron::load::closed_loop`], reported as requests/s and latency
//! percentiles.

use agora_neuron::load::{Sample, Summary, closed_loop, split};
use serde::Serialize;
use serde_json::json;

/// What [`load`] sends.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The gateway's base URL (`http://127.0.0.1:8000`).
    pub url: String,
    /// The API key.
    pub key: String,
    /// Requests to send.
    pub requests: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// `max_tokens` of each request.
    pub max_tokens: u32,
    /// Whether the answers are streamed (time to the last byte is measured).
    pub stream: bool,
}

/// What [`load`] measured: the [`Summary`] (status `"0"` counts requests that got no HTTP
/// answer) and the request shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoadReport {
    /// Requests, successes (status 200), rate and latency percentiles.
    #[serde(flatten)]
    pub summary: Summary,
    /// Whether the answers were streamed.
    pub stream: bool,
    /// `max_tokens` of each request.
    pub max_tokens: u32,
}

/// Why a load test could not run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// Sends `options.requests` chat completions to the gateway at `options.url` from
/// `options.concurrency` workers, each waiting for its whole answer before the next request. A
/// request succeeds when it is answered 200; its latency runs to the answer's last byte.
pub async fn load(options: &LoadOptions) -> Result<LoadReport, LoadError> {
    let http = reqwest::Client::builder().build().map_err(LoadError::Client)?;
    let url = format!("{}/v1/chat/completions", options.url.trim_end_matches('/'));
    let jobs = split(options.requests, options.concurrency);
    let workers = jobs.len();
    let (key, max_tokens, stream) = (options.key.clone(), options.max_tokens, options.stream);
    let report = closed_loop(jobs, move |w, k| {
        let (http, url) = (http.clone(), url.clone());
        let authorization = format!("Bearer {key}");
        let body = json!({"model": "agora/text", "max_tokens": max_tokens, "stream": stream,
            "messages": [{"role": "user", "content": format!("Say something about the number {}.", k * workers + w)}]});
        async move {
            let started = std::time::Instant::now();
            let sent = http
                .post(&url)
                .header("authorization", authorization)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await;
            let code = match sent {
                Ok(r) => {
                    let code = r.status().as_u16();
                    let _ = r.bytes().await;
                    code
                }
                Err(_) => 0,
            };
            Sample { ok: code == 200, status: code.to_string(), seconds: started.elapsed().as_secs_f64() }
        }
    })
    .await;
    Ok(LoadReport { summary: report.summary(options.requests, options.concurrency), stream, max_tokens })
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::Router;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn counts_answers_by_status() {
        let app = Router::new().route(
            "/v1/chat/completions",
            post(|headers: HeaderMap| async move {
                if headers.get("authorization").is_some_and(|v| v == "Bearer k") {
                    (StatusCode::OK, "{}")
                } else {
                    (StatusCode::UNAUTHORIZED, "{}")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mut options = LoadOptions {
            url: format!("http://{addr}/"),
            key: "k".into(),
            requests: 9,
            concurrency: 4,
            max_tokens: 8,
            stream: false,
        };
        let report = load(&options).await.unwrap();
        assert_eq!((report.summary.requests, report.summary.ok, report.summary.concurrency), (9, 9, 4));
        assert_eq!(report.summary.status_codes.get("200"), Some(&9));
        assert!(report.summary.p50_ms <= report.summary.p99_ms);
        let doc = serde_json::to_value(&report).unwrap();
        for key in ["requests", "ok", "status_codes", "seconds", "requests_per_second", "p50_ms", "p99_ms"] {
            assert!(doc.get(key).is_some(), "{key} missing from {doc}");
        }
        assert_eq!((doc["stream"].as_bool(), doc["max_tokens"].as_u64()), (Some(false), Some(8)));

        options.key = "wrong".into();
        let refused = load(&options).await.unwrap();
        assert_eq!(refused.summary.ok, 0);
        assert_eq!(refused.summary.status_codes.get("401"), Some(&9));
        assert_eq!((refused.summary.p50_ms, refused.summary.p99_ms), (0.0, 0.0));
    }
}
