//! Synapses: typed requests/responses, their wire envelope and the reference body hash.
//!
//! A synapse travels as one JSON object: the base fields of the reference's `Synapse` model
//! (`name`, `timeout`, `total_size`, `header_size`, `dendrite`, `axon`, `computed_body_hash`) plus
//! the subclass's own fields. Its route is `POST /<Name>`, where `Name` is the Python class name.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha3::{Digest, Sha3_256};

use crate::error::{NeuronError, NeuronResult};
use crate::pystr::{PyValue, py_str};

/// The reference SDK version this implementation speaks (`version_as_int` of 10.2.0).
pub const VERSION_AS_INT: u64 = 10_002_000;

/// A request/response type: serde for its own fields, the route name, and which fields the body
/// hash covers.
pub trait Synapse: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The Python class name, which is also the route (`/Name`) and the `name` header.
    const NAME: &'static str;
    /// The reference's `required_hash_fields`, in order.
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &[];
    /// Required fields (no default in the Python model) with the JSON of a default value of their
    /// type; sent as `bt_header_input_obj_<field>` so a Python axon can build the model from
    /// headers alone.
    const REQUIRED_FIELDS: &'static [(&'static str, &'static str)] = &[];
}

/// The liveness route every axon serves: the base `Synapse` with no fields.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Ping {}

impl Synapse for Ping {
    const NAME: &'static str = "Synapse";
}

/// One end of a call, as the reference's `TerminalInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TerminalInfo {
    /// HTTP-like status of the call.
    pub status_code: Option<i64>,
    /// Status text.
    pub status_message: Option<String>,
    /// Seconds the call took.
    pub process_time: Option<f64>,
    /// IP address.
    pub ip: Option<String>,
    /// Port.
    pub port: Option<i64>,
    /// Software version (`version_as_int`).
    pub version: Option<i64>,
    /// Nonce (ns).
    pub nonce: Option<i64>,
    /// Session uuid.
    pub uuid: Option<String>,
    /// Hotkey (SS58).
    pub hotkey: Option<String>,
    /// Signature (`0x` + hex).
    pub signature: Option<String>,
}

/// SHA3-256 of `data`, lowercase hex.
pub fn sha3_hex(data: &[u8]) -> String {
    Sha3_256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// The reference body hash over `fields` (a synapse's JSON object, key order as sent): SHA3-256 of
/// the concatenated SHA3-256 hex digests of `str(value)` of each hashed field.
pub fn body_hash(fields: &[(String, PyValue)], hashed: &[&str]) -> String {
    let mut digests = String::new();
    for name in hashed {
        let value = fields.iter().find(|(k, _)| k == name).map_or(&PyValue::None, |(_, v)| v);
        digests.push_str(&sha3_hex(py_str(value).as_bytes()));
    }
    sha3_hex(digests.as_bytes())
}

/// The body hash of a JSON body, or why it cannot be computed ([`NeuronError::NotJson`],
/// [`NeuronError::NotAnObject`]).
pub fn body_hash_of_json(body: &[u8], hashed: &[&str]) -> NeuronResult<String> {
    match serde_json::from_slice::<PyValue>(body) {
        Ok(PyValue::Dict(fields)) => Ok(body_hash(&fields, hashed)),
        Ok(_) => Err(NeuronError::NotAnObject),
        Err(error) => Err(NeuronError::NotJson { error }),
    }
}

/// The wire body of a request: the base fields, then the synapse's own.
pub fn envelope<S: Synapse>(synapse: &S, timeout: f64, dendrite: &TerminalInfo, axon: &TerminalInfo) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), Value::from(S::NAME));
    out.insert("timeout".into(), serde_json::json!(timeout));
    out.insert("total_size".into(), Value::from(0));
    out.insert("header_size".into(), Value::from(0));
    out.insert("dendrite".into(), serde_json::to_value(dendrite).expect("serialisable"));
    out.insert("axon".into(), serde_json::to_value(axon).expect("serialisable"));
    out.insert("computed_body_hash".into(), Value::from(""));
    if let Value::Object(fields) = serde_json::to_value(synapse).expect("a synapse serialises") {
        for (k, v) in fields {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

/// The base fields of a received envelope, and the synapse's own fields parsed as `S`.
pub struct Parsed<S> {
    /// The synapse.
    pub synapse: S,
    /// The sender's terminal info (as it claims it).
    pub dendrite: TerminalInfo,
    /// The axon's terminal info (as the sender filled it).
    pub axon: TerminalInfo,
}

/// Parses a body (an envelope or a bare synapse object) into `S`.
pub fn parse_envelope<S: Synapse>(body: &[u8]) -> NeuronResult<Parsed<S>> {
    let mut value: Value = serde_json::from_slice(body).map_err(|error| NeuronError::NotJson { error })?;
    let object = value.as_object_mut().ok_or(NeuronError::NotAnObject)?;
    let terminal = |v: Option<Value>| -> TerminalInfo {
        v.filter(|v| !v.is_null()).and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
    };
    let dendrite = terminal(object.remove("dendrite"));
    let axon = terminal(object.remove("axon"));
    for base in ["name", "timeout", "total_size", "header_size", "computed_body_hash", "required_hash_fields"] {
        object.remove(base);
    }
    let synapse: S =
        serde_json::from_value(value).map_err(|error| NeuronError::InvalidSynapse { synapse: S::NAME, error })?;
    Ok(Parsed { synapse, dendrite, axon })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, Serialize, Deserialize)]
    struct Echo {
        text: String,
        out: Option<String>,
    }

    impl Synapse for Echo {
        const NAME: &'static str = "Echo";
        const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["text"];
    }

    #[test]
    fn no_hashed_fields_hash_the_empty_string() {
        assert_eq!(body_hash(&[], &[]), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    }

    #[test]
    fn hash_is_over_python_str_of_each_field() {
        let fields = vec![("text".to_string(), PyValue::Str("hi".into()))];
        let inner = sha3_hex(b"hi");
        assert_eq!(body_hash(&fields, &["text"]), sha3_hex(inner.as_bytes()));
        // A missing field hashes as None.
        assert_eq!(body_hash(&[], &["text"]), sha3_hex(sha3_hex(b"None").as_bytes()));
    }

    proptest::proptest! {
        #[test]
        fn hashing_any_body_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256), text in "\\PC{0,80}") {
            let _ = body_hash_of_json(&body, &["a", "b"]);
            let _ = body_hash_of_json(text.as_bytes(), &["a"]);
            let _ = parse_envelope::<Echo>(&body);
        }
    }

    #[test]
    fn envelope_round_trips() {
        let s = Echo { text: "hi".into(), out: None };
        let d = TerminalInfo { hotkey: Some("5G".into()), nonce: Some(7), ..Default::default() };
        let body = serde_json::to_vec(&envelope(&s, 12.0, &d, &TerminalInfo::default())).unwrap();
        let parsed: Parsed<Echo> = parse_envelope(&body).unwrap();
        assert_eq!(parsed.synapse.text, "hi");
        assert_eq!(parsed.dendrite, d);
        assert_eq!(
            body_hash_of_json(&body, Echo::REQUIRED_HASH_FIELDS).unwrap(),
            body_hash(&[("text".into(), PyValue::Str("hi".into()))], &["text"])
        );
        assert!(parse_envelope::<Echo>(b"[1]").is_err());
        assert!(parse_envelope::<Echo>(b"{\"out\": 3}").is_err());
    }
}
