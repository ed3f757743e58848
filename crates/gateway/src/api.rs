//! OpenAI's chat-completions wire format: the request we accept, the response and stream chunks
//! we send, and the error shape.

use agora_models::{ChatMessage, GenerationRequest};
use serde_json::{Value, json};

/// The model id of the text subnet.
pub const TEXT_MODEL: &str = agora_text::MECHANISM;
/// The model id of the document-OCR subnet.
pub const OCR_MODEL: &str = agora_ocr::MECHANISM;
/// `max_tokens` when the request gives none.
pub const DEFAULT_MAX_TOKENS: u32 = 64;
/// The largest `max_tokens` accepted.
pub const MAX_TOKENS_LIMIT: u32 = 1024;

/// A parsed `POST /v1/chat/completions` body.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    /// What to generate.
    pub generation: GenerationRequest,
    /// Server-sent events wanted.
    pub stream: bool,
    /// Best-of-k asked for in `agora.best_of`.
    pub best_of: Option<u8>,
    /// `stream_options.include_usage`.
    pub include_usage: bool,
    /// The subnet asked: [`TEXT_MODEL`], or [`OCR_MODEL`] when a user message holds an image
    /// (or the request names it).
    pub model: &'static str,
    /// The image of an OCR request (the last one in the conversation).
    pub image: Option<Image>,
}

/// An image sent as an `image_url` content part (a `data:` URL).
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// PNG or JPEG.
    pub kind: agora_ocr::synapse::ImageKind,
}

/// `error.code` values: OpenAI's where it has one, and two of ours for the miners behind the
/// gateway. Scripts match on them.
pub mod code {
    /// 401: no key, or one this gateway does not know.
    pub const INVALID_API_KEY: &str = "invalid_api_key";
    /// 404: `model` names a model this gateway does not serve.
    pub const MODEL_NOT_FOUND: &str = "model_not_found";
    /// 429: the key's requests per minute are used up.
    pub const RATE_LIMIT_EXCEEDED: &str = "rate_limit_exceeded";
    /// 400: the body is not a JSON object.
    pub const INVALID_JSON: &str = "invalid_json";
    /// 400: a required parameter is absent.
    pub const MISSING_REQUIRED_PARAMETER: &str = "missing_required_parameter";
    /// 400: a parameter has the wrong JSON type.
    pub const INVALID_TYPE: &str = "invalid_type";
    /// 400: a parameter's value is out of range or not allowed.
    pub const INVALID_VALUE: &str = "invalid_value";
    /// 400: a valid value this gateway cannot serve (`n` > 1, best-of-k without the models).
    pub const UNSUPPORTED_VALUE: &str = "unsupported_value";
    /// 400: the rendered prompt has more tokens than the subnet's model serves.
    pub const CONTEXT_LENGTH_EXCEEDED: &str = "context_length_exceeded";
    /// 503: no miner of the subnet is serving.
    pub const NO_MINER_AVAILABLE: &str = "no_miner_available";
    /// 502: every miner tried failed or timed out.
    pub const UPSTREAM_ERROR: &str = "upstream_error";
    /// 408: the request body did not arrive in time.
    pub const REQUEST_TIMEOUT: &str = "request_timeout";
    /// 413: the request body is over the size limit.
    pub const REQUEST_TOO_LARGE: &str = "request_too_large";
}

/// An error in OpenAI's shape, with its HTTP status.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// `error.type`.
    pub kind: &'static str,
    /// `error.code` (one of [`code`]).
    pub code: &'static str,
    /// `error.param`.
    pub param: Option<&'static str>,
    /// `error.message`.
    pub message: String,
}

impl ApiError {
    /// 400 `invalid_request_error` with `code`.
    pub fn bad_request(code: &'static str, param: Option<&'static str>, message: impl Into<String>) -> ApiError {
        ApiError { status: 400, kind: "invalid_request_error", code, param, message: message.into() }
    }

    /// 400 `invalid_request_error`, code `invalid_value`.
    pub fn invalid(param: Option<&'static str>, message: impl Into<String>) -> ApiError {
        ApiError::bad_request(code::INVALID_VALUE, param, message)
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}})
    }
}

/// Token counts of one answer, as the subnet's model (SmolLM2) tokenizes: `prompt` is the
/// chat-template-rendered prompt a miner's model sees, `completion` the answer's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// `usage.prompt_tokens`.
    pub prompt_tokens: u32,
    /// `usage.completion_tokens`.
    pub completion_tokens: u32,
}

impl Usage {
    /// The `usage` object; `null` when the gateway cannot count.
    pub fn json(usage: Option<Usage>) -> Value {
        match usage {
            Some(u) => json!({"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens,
                "total_tokens": u.prompt_tokens.saturating_add(u.completion_tokens)}),
            None => Value::Null,
        }
    }
}

/// The text of a message's content, and its image when it has an `image_url` part.
fn content(content: &Value) -> Result<(String, Option<Image>), ApiError> {
    match content {
        Value::String(s) => Ok((s.clone(), None)),
        Value::Array(parts) => {
            let (mut text, mut image) = (String::new(), None);
            for p in parts {
                match p.get("type").and_then(Value::as_str) {
                    Some("text") => match p.get("text").and_then(Value::as_str) {
                        Some(t) => text.push_str(t),
                        None => return Err(ApiError::invalid(Some("messages"), "a text part needs its `text`")),
                    },
                    Some("image_url") => {
                        let url = p.pointer("/image_url/url").or_else(|| p.get("image_url")).and_then(Value::as_str);
                        let url = url.ok_or_else(|| {
                            ApiError::invalid(Some("messages"), "an image_url part needs `image_url.url`")
                        })?;
                        image = Some(data_url_image(url)?);
                    }
                    _ => {
                        return Err(ApiError::bad_request(
                            code::UNSUPPORTED_VALUE,
                            Some("messages"),
                            "only text and image_url content parts are supported",
                        ));
                    }
                }
            }
            Ok((text, image))
        }
        Value::Null => Ok((String::new(), None)),
        _ => Err(ApiError::bad_request(
            code::INVALID_TYPE,
            Some("messages"),
            "message content must be a string or a list of content parts",
        )),
    }
}

/// The image in a `data:image/png;base64,…` or `data:image/jpeg;base64,…` URL. Other URLs are
/// refused: the gateway fetches nothing on a caller's behalf.
pub fn data_url_image(url: &str) -> Result<Image, ApiError> {
    let unsupported = |m: &str| ApiError::bad_request(code::UNSUPPORTED_VALUE, Some("messages"), m.to_string());
    let Some(rest) = url.strip_prefix("data:") else {
        return Err(unsupported("images must be sent inline as a data: URL (data:image/png;base64,...)"));
    };
    let Some((head, data)) = rest.split_once(',') else {
        return Err(ApiError::invalid(Some("messages"), "a data: URL needs a comma before its data"));
    };
    if !head.ends_with(";base64") {
        return Err(unsupported("a data: URL image must be base64"));
    }
    let (bytes, kind) =
        agora_ocr::synapse::decode_image(data).map_err(|e| ApiError::invalid(Some("messages"), e.to_string()))?;
    Ok(Image { bytes, kind })
}

fn number(v: &Value, name: &'static str, default: f64) -> Result<f64, ApiError> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(x) => x
            .as_f64()
            .ok_or_else(|| ApiError::bad_request(code::INVALID_TYPE, Some(name), format!("{name} must be a number"))),
    }
}

/// Parses and checks a request body.
pub fn parse_chat_request(body: &[u8]) -> Result<ChatRequest, ApiError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(code::INVALID_JSON, None, format!("the body is not valid JSON: {e}")))?;
    if !v.is_object() {
        return Err(ApiError::bad_request(code::INVALID_JSON, None, "the body must be a JSON object"));
    }
    let mut model = match v.get("model").and_then(Value::as_str) {
        Some(m) if m == TEXT_MODEL || m == "agora" || m.starts_with("agora/text") => TEXT_MODEL,
        Some(m) if m == OCR_MODEL => OCR_MODEL,
        Some(m) => {
            return Err(ApiError {
                status: 404,
                kind: "invalid_request_error",
                code: code::MODEL_NOT_FOUND,
                param: Some("model"),
                message: format!("the model `{m}` does not exist; GET /v1/models lists the models served"),
            });
        }
        None => {
            return Err(ApiError::bad_request(
                code::MISSING_REQUIRED_PARAMETER,
                Some("model"),
                "model is required (`agora/text`, or `agora/ocr` for an image)",
            ));
        }
    };
    let raw = v.get("messages").and_then(Value::as_array).ok_or_else(|| {
        ApiError::bad_request(code::MISSING_REQUIRED_PARAMETER, Some("messages"), "messages must be a non-empty list")
    })?;
    if raw.is_empty() {
        return Err(ApiError::invalid(Some("messages"), "messages must be a non-empty list"));
    }
    let mut messages = Vec::with_capacity(raw.len());
    let mut image = None;
    for m in raw {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("");
        let role = match role {
            "system" | "developer" => "system",
            "user" => "user",
            "assistant" => "assistant",
            other => return Err(ApiError::invalid(Some("messages"), format!("unsupported role {other:?}"))),
        };
        let (text, img) = content(m.get("content").unwrap_or(&Value::Null))?;
        if img.is_some() {
            if role != "user" {
                return Err(ApiError::invalid(Some("messages"), "only user messages may hold an image"));
            }
            image = img;
        }
        messages.push(ChatMessage::new(role, text));
    }
    // An image is read by the OCR subnet, whatever text model was named.
    if image.is_some() {
        model = OCR_MODEL;
    } else if model == OCR_MODEL {
        return Err(ApiError::invalid(
            Some("messages"),
            "agora/ocr reads an image: send a user message with an image_url part (a data: URL of a PNG or JPEG)",
        ));
    }
    let max_tokens = match v.get("max_completion_tokens").or_else(|| v.get("max_tokens")) {
        None | Some(Value::Null) => DEFAULT_MAX_TOKENS,
        Some(x) => match x.as_u64() {
            Some(n) if (1..=u64::from(MAX_TOKENS_LIMIT)).contains(&n) => n as u32,
            _ => {
                return Err(ApiError::invalid(
                    Some("max_tokens"),
                    format!("max_tokens must be 1 to {MAX_TOKENS_LIMIT}"),
                ));
            }
        },
    };
    let temperature = number(&v, "temperature", 0.0)?;
    if !(0.0..=2.0).contains(&temperature) {
        return Err(ApiError::invalid(Some("temperature"), "temperature must be between 0 and 2"));
    }
    let top_p = number(&v, "top_p", 1.0)?;
    if !(top_p > 0.0 && top_p <= 1.0) {
        return Err(ApiError::invalid(Some("top_p"), "top_p must be in (0, 1]"));
    }
    let seed = match v.get("seed") {
        None | Some(Value::Null) => 0,
        Some(x) => x
            .as_i64()
            .map(|s| s as u64)
            .ok_or_else(|| ApiError::bad_request(code::INVALID_TYPE, Some("seed"), "seed must be an integer"))?,
    };
    if let Some(n) = v.get("n").and_then(Value::as_u64)
        && n != 1
    {
        return Err(ApiError::bad_request(
            code::UNSUPPORTED_VALUE,
            Some("n"),
            "only n = 1 is supported (use agora.best_of for several miners)",
        ));
    }
    let stream = v.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let include_usage = v.pointer("/stream_options/include_usage").and_then(Value::as_bool).unwrap_or(false);
    let best_of = match v.pointer("/agora/best_of") {
        None | Some(Value::Null) => None,
        Some(x) => match x.as_u64() {
            Some(k) if (1..=8).contains(&k) => Some(k as u8),
            _ => return Err(ApiError::invalid(Some("agora.best_of"), "agora.best_of must be 1 to 8")),
        },
    };
    let generation = GenerationRequest { messages, max_tokens, temperature, top_p, seed };
    Ok(ChatRequest { generation, stream, best_of, include_usage, model, image })
}

/// A non-streamed completion; `usage` is `null` when the gateway cannot count tokens.
pub fn completion(id: &str, created: u64, model: &str, text: &str, usage: Option<Usage>, finish: &str) -> Value {
    json!({
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": Value::Null, "finish_reason": finish}],
        "usage": Usage::json(usage),
    })
}

/// One stream chunk (`delta` content, or the final chunk with `finish`).
pub fn chunk(id: &str, created: u64, model: &str, delta: Value, finish: Option<&str>) -> Value {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": Value::Null, "finish_reason": finish}],
    })
}

/// The usage chunk sent last when `stream_options.include_usage` is set (`usage: null` when the
/// gateway cannot count tokens).
pub fn usage_chunk(id: &str, created: u64, model: &str, usage: Option<Usage>) -> Value {
    json!({
        "id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [],
        "usage": Usage::json(usage),
    })
}

/// `GET /v1/models`: one model per subnet served.
pub fn models(created: u64, served: &[&str]) -> Value {
    let data: Vec<Value> =
        served.iter().map(|m| json!({"id": m, "object": "model", "created": created, "owned_by": "agora"})).collect();
    json!({"object": "list", "data": data})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_with_defaults_and_content_parts() {
        let r = parse_chat_request(
            br#"{"model":"agora/text","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hi"}]}],"stream":true,"agora":{"best_of":3}}"#,
        )
        .unwrap();
        assert_eq!(
            r.generation.messages,
            vec![ChatMessage::new("system", "Be brief."), ChatMessage::new("user", "Hi")]
        );
        assert_eq!(
            (r.generation.max_tokens, r.generation.temperature, r.stream, r.best_of),
            (DEFAULT_MAX_TOKENS, 0.0, true, Some(3))
        );
    }

    #[test]
    fn bad_requests_get_openai_errors_naming_the_parameter() {
        let bad = |b: &str| parse_chat_request(b.as_bytes()).unwrap_err();
        assert_eq!(bad("{").status, 400);
        assert_eq!(bad(r#"{"model":"gpt-4","messages":[{"role":"user","content":"x"}]}"#).status, 404);
        assert_eq!(bad(r#"{"model":"agora/text","messages":[]}"#).param, Some("messages"));
        assert_eq!(bad(r#"{"model":"agora/text","messages":[{"role":"tool","content":"x"}]}"#).param, Some("messages"));
        let m = r#""model":"agora/text","messages":[{"role":"user","content":"x"}]"#;
        assert_eq!(bad(&format!("{{{m},\"max_tokens\":0}}")).param, Some("max_tokens"));
        assert_eq!(bad(&format!("{{{m},\"temperature\":9}}")).param, Some("temperature"));
        assert_eq!(bad(&format!("{{{m},\"n\":2}}")).param, Some("n"));
        assert_eq!(bad(&format!("{{{m},\"agora\":{{\"best_of\":20}}}}")).param, Some("agora.best_of"));
        let e = bad("[]");
        assert_eq!(e.body()["error"]["type"], "invalid_request_error");
        // Every error carries an OpenAI-style code.
        assert_eq!(bad("{").code, code::INVALID_JSON);
        assert_eq!(bad(r#"{"model":"gpt-4","messages":[{"role":"user","content":"x"}]}"#).code, code::MODEL_NOT_FOUND);
        assert_eq!(bad(r#"{"messages":[{"role":"user","content":"x"}]}"#).code, code::MISSING_REQUIRED_PARAMETER);
        assert_eq!(bad(&format!("{{{m},\"max_tokens\":0}}")).code, code::INVALID_VALUE);
        assert_eq!(bad(&format!("{{{m},\"temperature\":\"hot\"}}")).code, code::INVALID_TYPE);
        assert_eq!(bad(&format!("{{{m},\"n\":2}}")).code, code::UNSUPPORTED_VALUE);
        assert_eq!(bad(&format!("{{{m},\"n\":2}}")).body()["error"]["code"], "unsupported_value");
    }

    #[test]
    fn an_image_part_routes_to_ocr_and_bad_images_are_refused() {
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD.encode(agora_ocr::raster::encode_png(3, 2, &[0; 6]));
        let with = |model: &str, url: &str| {
            format!(
                r#"{{"model":"{model}","messages":[{{"role":"user","content":[{{"type":"text","text":"Read this."}},{{"type":"image_url","image_url":{{"url":"{url}"}}}}]}}]}}"#
            )
        };
        for model in ["agora/ocr", "agora/text"] {
            let r = parse_chat_request(with(model, &format!("data:image/png;base64,{png}")).as_bytes()).unwrap();
            assert_eq!(r.model, OCR_MODEL);
            assert_eq!(r.image.unwrap().kind, agora_ocr::synapse::ImageKind::Png);
            assert_eq!(r.generation.messages, vec![ChatMessage::new("user", "Read this.")]);
        }
        let text = parse_chat_request(br#"{"model":"agora/text","messages":[{"role":"user","content":"x"}]}"#).unwrap();
        assert_eq!((text.model, text.image), (TEXT_MODEL, None));
        let bad = |b: String| parse_chat_request(b.as_bytes()).unwrap_err();
        assert_eq!(bad(with("agora/ocr", "https://example.invalid/a.png")).code, code::UNSUPPORTED_VALUE);
        assert_eq!(bad(with("agora/ocr", "data:image/png,raw")).code, code::UNSUPPORTED_VALUE);
        let gif = base64::engine::general_purpose::STANDARD.encode(b"GIF89a....");
        assert_eq!(bad(with("agora/ocr", &format!("data:image/gif;base64,{gif}"))).code, code::INVALID_VALUE);
        assert_eq!(bad(with("agora/ocr", "data:image/png;base64,!!!")).code, code::INVALID_VALUE);
        // agora/ocr without an image says what it needs.
        let e = bad(r#"{"model":"agora/ocr","messages":[{"role":"user","content":"x"}]}"#.into());
        assert!(e.message.contains("image_url"), "{}", e.message);
    }
}
