//! The `openai` backend: any server speaking OpenAI's `/v1/chat/completions` (llama.cpp server,
//! vLLM, Ollama, another Agora gateway), streamed as server-sent events.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

use crate::error::{ModelError, Result};
use crate::generator::{FinishReason, GenerationRequest, Piece, PieceStream, TextGenerator};

/// Client of one OpenAI-compatible endpoint.
#[derive(Clone)]
pub struct OpenAiBackend {
    http: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<String>,
}

impl OpenAiBackend {
    /// `base` is the server's base URL (`http://127.0.0.1:8080` or `.../v1`); `model` the model
    /// name to ask for.
    pub fn new(base: &str, model: &str, api_key: Option<String>, timeout: Duration) -> Result<OpenAiBackend> {
        let base = base.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ModelError::BadRequest(format!("{base:?} is not an http(s) URL")));
        }
        let url = if base.ends_with("/v1") {
            format!("{base}/chat/completions")
        } else {
            format!("{base}/v1/chat/completions")
        };
        let http =
            reqwest::Client::builder().timeout(timeout).build().map_err(|e| ModelError::Remote(e.to_string()))?;
        Ok(OpenAiBackend { http, url, model: model.to_string(), api_key })
    }

    fn body(&self, r: &GenerationRequest) -> Value {
        json!({
            "model": self.model,
            "messages": r.messages,
            "max_tokens": r.max_tokens,
            "temperature": r.temperature,
            "top_p": r.top_p,
            "seed": r.seed,
            "stream": true,
        })
    }
}

/// Reads an SSE body: returns the `data:` payloads of complete events in `buffer`, keeping the
/// incomplete tail.
pub fn take_sse_data(buffer: &mut Vec<u8>) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        // Events end with a blank line: "\n\n" or "\r\n\r\n".
        let lf = buffer.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
        let crlf = buffer.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, 4));
        let Some((end, len)) = [lf, crlf].into_iter().flatten().min_by_key(|(i, _)| *i) else { break };
        let event: Vec<u8> = buffer.drain(..end + len).collect();
        let text = String::from_utf8_lossy(&event);
        let data: Vec<&str> =
            text.lines().filter_map(|l| l.strip_prefix("data:")).map(|d| d.strip_prefix(' ').unwrap_or(d)).collect();
        if !data.is_empty() {
            out.push(data.join("\n"));
        }
    }
    out
}

impl TextGenerator for OpenAiBackend {
    fn model_id(&self) -> String {
        format!("openai:{}", self.model)
    }

    fn generate_stream(&self, request: GenerationRequest) -> PieceStream {
        let this = self.clone();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Result<Piece>>();
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            let _ = tx.send(Err(ModelError::Remote("the OpenAI backend needs a Tokio runtime".into())));
            return futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|p| (p, rx)) }).boxed();
        };
        handle.spawn(async move {
            if let Err(e) = request.check() {
                let _ = tx.send(Err(e));
                return;
            }
            let mut req = this.http.post(&this.url).header("content-type", "application/json");
            if let Some(key) = &this.api_key {
                req = req.header("authorization", format!("Bearer {key}"));
            }
            let body = serde_json::to_vec(&this.body(&request)).unwrap_or_default();
            let response = match req.body(body).send().await {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(ModelError::Remote(format!("{}: {e}", this.url))));
                    return;
                }
            };
            if !response.status().is_success() {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                let _ = tx.send(Err(ModelError::Remote(format!("{} answered {status}: {}", this.url, text.trim()))));
                return;
            }
            let is_sse = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/event-stream"));
            if !is_sse {
                // A server that ignores `stream: true` answers one JSON completion.
                let body = match response.bytes().await {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = tx.send(Err(ModelError::Remote(e.to_string())));
                        return;
                    }
                };
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                match v.pointer("/choices/0/message/content").and_then(Value::as_str) {
                    Some(text) => {
                        let tokens = v.pointer("/usage/completion_tokens").and_then(Value::as_u64).unwrap_or(0) as u32;
                        let finish = match v.pointer("/choices/0/finish_reason").and_then(Value::as_str) {
                            Some("stop") => FinishReason::Stop,
                            _ => FinishReason::Length,
                        };
                        let _ = tx.send(Ok(Piece::Text(text.to_string())));
                        let _ = tx.send(Ok(Piece::Done { tokens, finish }));
                    }
                    None => {
                        let _ = tx.send(Err(ModelError::Remote(format!(
                            "unexpected answer: {}",
                            String::from_utf8_lossy(&body)
                        ))));
                    }
                }
                return;
            }
            let mut bytes = response.bytes_stream();
            let mut buffer = Vec::new();
            let (mut tokens, mut finish) = (0u32, FinishReason::Length);
            while let Some(chunk) = bytes.next().await {
                let chunk = match chunk {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send(Err(ModelError::Remote(e.to_string())));
                        return;
                    }
                };
                buffer.extend_from_slice(&chunk);
                for data in take_sse_data(&mut buffer) {
                    if data.trim() == "[DONE]" {
                        let _ = tx.send(Ok(Piece::Done { tokens, finish }));
                        return;
                    }
                    let v: Value = match serde_json::from_str(&data) {
                        Ok(v) => v,
                        Err(e) => {
                            let _ = tx.send(Err(ModelError::Remote(format!("bad chunk {data:?}: {e}"))));
                            return;
                        }
                    };
                    if let Some(e) = v.get("error") {
                        let _ = tx.send(Err(ModelError::Remote(format!("the server reported an error: {e}"))));
                        return;
                    }
                    if let Some(n) = v.pointer("/usage/completion_tokens").and_then(Value::as_u64) {
                        tokens = n as u32;
                    }
                    let choice = &v["choices"][0];
                    if let Some(text) = choice.pointer("/delta/content").and_then(Value::as_str)
                        && !text.is_empty()
                    {
                        if v.pointer("/usage/completion_tokens").is_none() {
                            tokens += 1;
                        }
                        if tx.send(Ok(Piece::Text(text.to_string()))).is_err() {
                            return;
                        }
                    }
                    match choice["finish_reason"].as_str() {
                        Some("stop") => finish = FinishReason::Stop,
                        Some(_) => finish = FinishReason::Length,
                        None => {}
                    }
                }
            }
            let _ = tx.send(Ok(Piece::Done { tokens, finish }));
        });
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|p| (p, rx)) }).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_are_split_and_the_tail_kept() {
        let mut b = b"data: {\"a\":1}\n\ndata: [DONE]\n\ndata: {\"b\"".to_vec();
        assert_eq!(take_sse_data(&mut b), vec!["{\"a\":1}".to_string(), "[DONE]".to_string()]);
        assert_eq!(b, b"data: {\"b\"".to_vec());
        let mut crlf = b"data: 1\r\n\r\ndata: 2\n\n".to_vec();
        assert_eq!(take_sse_data(&mut crlf), vec!["1".to_string(), "2".to_string()]);
    }

    #[test]
    fn urls_are_normalised_and_checked() {
        let t = Duration::from_secs(1);
        assert_eq!(OpenAiBackend::new("http://h:1/v1/", "m", None, t).unwrap().url, "http://h:1/v1/chat/completions");
        assert_eq!(OpenAiBackend::new("http://h:1", "m", None, t).unwrap().url, "http://h:1/v1/chat/completions");
        assert!(OpenAiBackend::new("h:1", "m", None, t).is_err());
    }
}
