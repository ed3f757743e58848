//! The reference's HTTP headers (`name`, `timeout`, `bt_header_dendrite_*`, `bt_header_axon_*`,
//! `bt_header_input_obj_*`, `computed_body_hash`), the message a dendrite signs, and Epistula v2.

use axum::http::HeaderMap;
use base64::Engine;

use crate::error::{NeuronError, NeuronResult};
use crate::synapse::{Synapse, TerminalInfo};

/// Everything an axon reads from a request's headers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestHeaders {
    /// `name`.
    pub name: Option<String>,
    /// `timeout` (seconds).
    pub timeout: Option<f64>,
    /// `bt_header_dendrite_*`.
    pub dendrite: TerminalInfo,
    /// `bt_header_axon_*`.
    pub axon: TerminalInfo,
    /// `computed_body_hash`.
    pub body_hash: Option<String>,
}

fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn terminal(headers: &HeaderMap, prefix: &str) -> TerminalInfo {
    let get = |field: &str| text(headers, &format!("{prefix}{field}"));
    // Integers may arrive as "12" or "12.0" (Python floats); anything else is absent.
    let int = |field: &str| {
        get(field).and_then(|s| {
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64)
            })
        })
    };
    TerminalInfo {
        status_code: int("status_code"),
        status_message: get("status_message"),
        process_time: get("process_time").and_then(|s| s.parse().ok()),
        ip: get("ip"),
        port: int("port"),
        version: int("version"),
        nonce: int("nonce"),
        uuid: get("uuid"),
        hotkey: get("hotkey"),
        signature: get("signature"),
    }
}

/// Parses a request's reference headers. Never fails: absent or malformed values are `None`, and
/// the checks that need them say so.
pub fn parse_request(headers: &HeaderMap) -> RequestHeaders {
    RequestHeaders {
        name: text(headers, "name"),
        timeout: text(headers, "timeout").and_then(|s| s.parse::<f64>().ok()).filter(|t| t.is_finite() && *t > 0.0),
        dendrite: terminal(headers, "bt_header_dendrite_"),
        axon: terminal(headers, "bt_header_axon_"),
        body_hash: text(headers, "computed_body_hash"),
    }
}

/// Python's `str(float)` for a timeout (`12.0`).
pub fn timeout_text(seconds: f64) -> String {
    crate::pystr::float_repr(seconds)
}

/// The message a dendrite signs: `nonce.dendrite_hotkey.axon_hotkey.uuid.body_hash`.
pub fn signing_message(nonce: i64, dendrite_hotkey: &str, axon_hotkey: &str, uuid: &str, body_hash: &str) -> String {
    format!("{nonce}.{dendrite_hotkey}.{axon_hotkey}.{uuid}.{body_hash}")
}

/// The headers of a request for `S`.
pub fn request_headers<S: Synapse>(
    timeout: f64,
    dendrite: &TerminalInfo,
    axon: &TerminalInfo,
    body_hash: &str,
) -> Vec<(String, String)> {
    let mut out = vec![
        ("name".to_string(), S::NAME.to_string()),
        ("timeout".to_string(), timeout_text(timeout)),
        ("computed_body_hash".to_string(), body_hash.to_string()),
        ("header_size".to_string(), "0".to_string()),
        ("total_size".to_string(), "0".to_string()),
    ];
    push_terminal(&mut out, "bt_header_dendrite_", dendrite);
    push_terminal(&mut out, "bt_header_axon_", axon);
    for (field, default_json) in S::REQUIRED_FIELDS {
        out.push((
            format!("bt_header_input_obj_{field}"),
            base64::engine::general_purpose::STANDARD.encode(default_json.as_bytes()),
        ));
    }
    out
}

/// Appends every present field of `t` as `<prefix><field>`.
pub fn push_terminal(out: &mut Vec<(String, String)>, prefix: &str, t: &TerminalInfo) {
    let mut push = |field: &str, value: Option<String>| {
        if let Some(v) = value {
            out.push((format!("{prefix}{field}"), v));
        }
    };
    push("status_code", t.status_code.map(|v| v.to_string()));
    push("status_message", t.status_message.clone());
    push("process_time", t.process_time.map(crate::pystr::float_repr));
    push("ip", t.ip.clone());
    push("port", t.port.map(|v| v.to_string()));
    push("version", t.version.map(|v| v.to_string()));
    push("nonce", t.nonce.map(|v| v.to_string()));
    push("uuid", t.uuid.clone());
    push("hotkey", t.hotkey.clone());
    push("signature", t.signature.clone());
}

/// Epistula v2 request headers.
#[derive(Clone, Debug, PartialEq)]
pub struct Epistula {
    /// `Epistula-Timestamp` (ms since the epoch).
    pub timestamp_ms: u64,
    /// `Epistula-Uuid`.
    pub uuid: String,
    /// `Epistula-Signed-By` (SS58).
    pub signed_by: String,
    /// `Epistula-Signed-For` (SS58), if given.
    pub signed_for: Option<String>,
    /// `Epistula-Request-Signature` (`0x` + hex).
    pub signature: String,
}

/// Reads Epistula headers: `None` when the request is not an Epistula request, an error when it
/// is one but unsigned ([`NeuronError::EpistulaUnsigned`], 401) or malformed (400).
pub fn parse_epistula(headers: &HeaderMap) -> Option<NeuronResult<Epistula>> {
    let version = text(headers, "epistula-version")?;
    if text(headers, "epistula-request-signature").is_none() {
        return Some(Err(NeuronError::EpistulaUnsigned));
    }
    Some((|| {
        if version != "2" {
            return Err(NeuronError::EpistulaVersion { version });
        }
        let need = |name: &'static str| text(headers, name).ok_or(NeuronError::EpistulaMissingHeader { name });
        let timestamp_ms = need("epistula-timestamp")?.parse::<u64>().map_err(|_| NeuronError::EpistulaTimestamp)?;
        Ok(Epistula {
            timestamp_ms,
            uuid: need("epistula-uuid")?,
            signed_by: need("epistula-signed-by")?,
            signed_for: text(headers, "epistula-signed-for"),
            signature: need("epistula-request-signature")?,
        })
    })())
}

/// The message an Epistula sender signs: `sha256(body).uuid.timestamp.signed_for`.
pub fn epistula_message(body: &[u8], uuid: &str, timestamp_ms: u64, signed_for: Option<&str>) -> String {
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
    format!("{digest}.{uuid}.{timestamp_ms}.{}", signed_for.unwrap_or(""))
}

/// Parses `0x` + 128 hex digits.
pub fn parse_signature(text: &str) -> Option<[u8; 64]> {
    let hex = text.strip_prefix("0x").unwrap_or(text);
    if hex.len() != 128 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 64];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// `0x` + hex.
pub fn signature_text(bytes: &[u8; 64]) -> String {
    format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use proptest::prelude::*;

    #[test]
    fn reads_the_reference_headers() {
        let mut h = HeaderMap::new();
        h.insert("name", HeaderValue::from_static("Dummy"));
        h.insert("timeout", HeaderValue::from_static("12.0"));
        h.insert("bt_header_dendrite_nonce", HeaderValue::from_static("1795634077123474103"));
        h.insert("bt_header_dendrite_version", HeaderValue::from_static("10002000"));
        h.insert("bt_header_axon_port", HeaderValue::from_static("8091.0"));
        h.insert("computed_body_hash", HeaderValue::from_static("abc"));
        let r = parse_request(&h);
        assert_eq!(r.name.as_deref(), Some("Dummy"));
        assert_eq!(r.timeout, Some(12.0));
        assert_eq!(r.dendrite.nonce, Some(1_795_634_077_123_474_103));
        assert_eq!(r.axon.port, Some(8091));
        assert_eq!(r.dendrite.signature, None);
    }

    #[test]
    fn signatures_parse_strictly() {
        let sig = [7u8; 64];
        assert_eq!(parse_signature(&signature_text(&sig)), Some(sig));
        assert_eq!(parse_signature("0x12"), None);
        assert_eq!(parse_signature(&format!("0x{}", "é".repeat(64))), None);
    }

    proptest! {
        #[test]
        fn header_parsing_never_panics(values in proptest::collection::vec("[ -~]{0,40}", 12)) {
            let names = ["name", "timeout", "bt_header_dendrite_nonce", "bt_header_dendrite_version",
                "bt_header_dendrite_hotkey", "bt_header_dendrite_signature", "bt_header_axon_port",
                "bt_header_dendrite_process_time", "computed_body_hash", "epistula-version",
                "epistula-timestamp", "epistula-request-signature"];
            let mut h = HeaderMap::new();
            for (name, value) in names.iter().zip(&values) {
                if let Ok(v) = HeaderValue::from_str(value) {
                    h.insert(*name, v);
                }
            }
            let _ = parse_request(&h);
            let _ = parse_epistula(&h);
            if let Some(sig) = h.get("bt_header_dendrite_signature").and_then(|v| v.to_str().ok()) {
                let _ = parse_signature(sig);
            }
        }
    }
}
