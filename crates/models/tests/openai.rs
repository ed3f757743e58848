//! The `openai` backend against a loopback server speaking OpenAI's streaming format: the request
//! it sends, the pieces it streams, the end, and errors.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agora_models::{FinishReason, GenerationRequest, OpenAiBackend, TextGenerator, generate};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

async fn serve_as(
    status: StatusCode,
    content_type: &'static str,
    body: &'static str,
    seen: Arc<Mutex<Vec<(String, String)>>>,
) -> String {
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |headers: HeaderMap, request: String| {
            let seen = seen.clone();
            async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                seen.lock().unwrap().push((auth, request));
                (status, [("content-type", content_type)], Body::from(body))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn serve(status: StatusCode, body: &'static str, seen: Arc<Mutex<Vec<(String, String)>>>) -> String {
    serve_as(status, "text/event-stream", body, seen).await
}

const STREAM: &str = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n\
data: {\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}\n\n\
data: {\"choices\":[{\"delta\":{\"content\":\", world\"},\"finish_reason\":\"stop\"}]}\n\n\
data: [DONE]\n\n";

#[tokio::test]
async fn streams_pieces_and_sends_the_request_openai_expects() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let url = serve(StatusCode::OK, STREAM, seen.clone()).await;
    let backend =
        OpenAiBackend::new(&format!("{url}/v1"), "tiny", Some("sk-test".into()), Duration::from_secs(5)).unwrap();
    assert_eq!(backend.model_id(), "openai:tiny");
    let g = generate(&backend, GenerationRequest::greedy("Say hello", 8)).await.unwrap();
    assert_eq!(g.text, "Hello, world");
    assert_eq!((g.tokens, g.finish), (2, FinishReason::Stop));
    let (auth, body) = seen.lock().unwrap()[0].clone();
    assert_eq!(auth, "Bearer sk-test");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["model"], "tiny");
    assert_eq!(body["stream"], true);
    assert_eq!(body["max_tokens"], 8);
    assert_eq!(body["messages"][0]["content"], "Say hello");
}

#[tokio::test]
async fn server_errors_and_bad_requests_are_reported() {
    let url = serve(StatusCode::INTERNAL_SERVER_ERROR, "{\"error\":\"boom\"}", Arc::default()).await;
    let backend = OpenAiBackend::new(&url, "tiny", None, Duration::from_secs(5)).unwrap();
    let e = generate(&backend, GenerationRequest::greedy("hi", 8)).await.unwrap_err();
    assert!(e.to_string().contains("500") && e.to_string().contains("boom"), "{e}");
    let e = generate(&backend, GenerationRequest::greedy("hi", 0)).await.unwrap_err();
    assert!(e.to_string().contains("max_tokens"), "{e}");
    let dead = OpenAiBackend::new("http://127.0.0.1:9", "tiny", None, Duration::from_secs(2)).unwrap();
    assert!(generate(&dead, GenerationRequest::greedy("hi", 8)).await.is_err());
}

#[tokio::test]
async fn a_server_that_ignores_streaming_is_read_as_one_completion() {
    let body = r#"{"choices":[{"message":{"role":"assistant","content":"Plain."},"finish_reason":"stop"}],"usage":{"completion_tokens":2}}"#;
    let url = serve_as(StatusCode::OK, "application/json", body, Arc::default()).await;
    let backend = OpenAiBackend::new(&url, "tiny", None, Duration::from_secs(5)).unwrap();
    let g = generate(&backend, GenerationRequest::greedy("hi", 8)).await.unwrap();
    assert_eq!((g.text.as_str(), g.tokens, g.finish), ("Plain.", 2, FinishReason::Stop));
    let errors = "data: {\"error\":{\"message\":\"overloaded\"}}\n\n";
    let url = serve(StatusCode::OK, errors, Arc::default()).await;
    let backend = OpenAiBackend::new(&url, "tiny", None, Duration::from_secs(5)).unwrap();
    let e = generate(&backend, GenerationRequest::greedy("hi", 8)).await.unwrap_err();
    assert!(e.to_string().contains("overloaded"), "{e}");
}
