//! Synapse bodies: what an axon does with a request body ([`body_hash_of_json`] with the
//! route's hashed fields, then [`parse_envelope`] into the route's synapse) and what a dendrite
//! does with an answer ([`parse_envelope`]), for the template's `Dummy` and a chat synapse with
//! the text subnet's shape. (The base `Synapse`, `Ping`, has no fields: its parse is `Dummy`'s
//! without the field checks.)

use agora_neuron::NeuronResult;
use agora_neuron::dummy::Dummy;
use agora_neuron::synapse::{Parsed, Ping, Synapse, TerminalInfo, body_hash_of_json, envelope, parse_envelope};
use serde::{Deserialize, Serialize};

use crate::mutate::{Generator, json};
use crate::rng::Rng;
use crate::runner::{Bound, Target, variant};

/// Fields the parses look for.
const KEYS: &[&str] = &[
    "name",
    "timeout",
    "total_size",
    "header_size",
    "computed_body_hash",
    "required_hash_fields",
    "dendrite",
    "axon",
    "nonce",
    "hotkey",
    "status_code",
    "process_time",
    "port",
    "dummy_input",
    "dummy_output",
    "messages",
    "role",
    "content",
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "completion",
    "completion_tokens",
    "finish_reason",
];

/// One message of a conversation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
}

/// A synapse with the text subnet's `TextGeneration` fields and serde attributes (that crate
/// pulls in the model stack, so its shape is copied here): nested objects, defaults, options,
/// floats and a hashed list.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Chat {
    /// The conversation (the hashed field).
    pub messages: Vec<Message>,
    /// At most this many new tokens.
    pub max_tokens: u32,
    /// Sampling temperature.
    #[serde(default)]
    pub temperature: f64,
    /// Nucleus mass.
    #[serde(default = "one")]
    pub top_p: f64,
    /// Sampler seed.
    #[serde(default)]
    pub seed: u64,
    /// The answer.
    #[serde(default)]
    pub completion: Option<String>,
    /// Tokens generated.
    #[serde(default)]
    pub completion_tokens: Option<u32>,
    /// `stop` or `length`.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

fn one() -> f64 {
    1.0
}

impl Synapse for Chat {
    const NAME: &'static str = "TextGeneration";
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["messages"];
}

/// [`body_hash_of_json`] and [`parse_envelope`] for three synapses.
pub struct Synapses {
    corpus: Vec<Vec<u8>>,
}

/// The results for one body.
pub struct Results {
    hash: NeuronResult<String>,
    dummy: NeuronResult<Parsed<Dummy>>,
    chat: NeuronResult<Parsed<Chat>>,
}

fn kind<T>(r: &NeuronResult<T>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => variant(e),
    }
}

/// JSON tokens, including the ones Python's `str()` renders specially.
const DICTIONARY: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"false",
    b"-0",
    b"1e308",
    b"1e309",
    b"-1e-320",
    b"0.1",
    b"18446744073709551615",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"123456789012345678901234567890",
    b"\\u0000",
    b"\\ud800",
    b"\\udc00\\ud800",
    b"\\\"",
    b"\\\\",
    b"'",
    "é😀".as_bytes(),
    b"\xff",
    b"\"messages\":",
    b"\"dendrite\":",
    b"\"axon\":",
    b"\"dummy_input\":",
    b"\"nonce\":",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":",
];

impl Target for Synapses {
    const NAME: &'static str = "synapse";
    const ABOUT: &'static str = "body_hash_of_json + parse_envelope (axon requests, dendrite answers)";
    /// Real bodies are a few KiB; larger ones only repeat the same structures (the axon's
    /// 10 MiB body limit is checked before parsing, by length).
    const MAX_LEN: usize = 64 * 1024;
    /// serde_json holds a JSON object as a `BTreeMap<String, Value>`, whose first node is
    /// about 630 bytes however few entries it has: `{"":0},` (7 bytes) costs ~660 bytes with
    /// its slot in the enclosing array, so an array of small objects is the densest input, at
    /// ~95 live bytes per input byte. The body hash's tree (`PyValue`) is smaller, and the
    /// parses run one after the other. (At the axon's 10 MiB body limit that is ~1 GB for one
    /// request: see "Findings" in the crate doc.)
    const BOUND: Bound = Bound { per_byte: 128, constant: 64 * 1024 };
    type Output = Results;

    fn new() -> Self {
        let dendrite = TerminalInfo {
            ip: Some("0.0.0.0".into()),
            version: Some(10_002_000),
            nonce: Some(1_795_634_077_123_474_103),
            uuid: Some("6b1a4f5e-8c1d-11ef-9a3b-0242ac120002".into()),
            hotkey: Some("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into()),
            signature: Some(format!("0x{}", "ab".repeat(64))),
            ..Default::default()
        };
        let axon = TerminalInfo {
            status_code: Some(200),
            status_message: Some("Success".into()),
            process_time: Some(0.004_21),
            ip: Some("10.0.0.7".into()),
            port: Some(8091),
            hotkey: Some("5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty".into()),
            ..Default::default()
        };
        let chat = Chat {
            messages: vec![
                Message { role: "system".into(), content: "You are terse.".into() },
                Message {
                    role: "user".into(), content: "Say 'hi' — in \"quotes\", with a tab\tand ünïcödé 😀".into()
                },
            ],
            max_tokens: 64,
            temperature: 0.7,
            top_p: 0.95,
            seed: 42,
            completion: None,
            completion_tokens: None,
            finish_reason: None,
        };
        let answered = Chat {
            completion: Some("hi".into()),
            completion_tokens: Some(1),
            finish_reason: Some("stop".into()),
            ..chat.clone()
        };
        let body = |v: serde_json::Value| serde_json::to_vec(&v).expect("serialisable");
        let corpus = vec![
            body(envelope(&Dummy { dummy_input: 7, dummy_output: None }, 12.0, &dendrite, &TerminalInfo::default())),
            body(envelope(&Dummy { dummy_input: 7, dummy_output: Some(14) }, 12.0, &dendrite, &axon)),
            body(envelope(&Ping {}, 5.0, &dendrite, &axon)),
            body(envelope(&chat, 30.0, &dendrite, &TerminalInfo::default())),
            body(envelope(&answered, 30.0, &dendrite, &axon)),
            serde_json::to_vec_pretty(&chat).expect("serialisable"),
            br#"{"dummy_input": 3, "name": "Dummy", "timeout": 12.0, "required_hash_fields": []}"#.to_vec(),
        ];
        Synapses { corpus }
    }

    fn corpus(&self) -> &[Vec<u8>] {
        &self.corpus
    }

    fn dictionary(&self) -> &[&'static [u8]] {
        DICTIONARY
    }

    fn structured(&self, rng: &mut Rng, generator: &Generator) -> Option<Vec<u8>> {
        let doc = rng.pick::<Vec<u8>>(&self.corpus);
        json::mutate(rng, generator, doc, KEYS)
    }

    fn run(&self, input: &[u8]) -> Results {
        Results {
            hash: body_hash_of_json(input, Chat::REQUIRED_HASH_FIELDS),
            dummy: parse_envelope::<Dummy>(input),
            chat: parse_envelope::<Chat>(input),
        }
    }

    fn classify(&self, _: &[u8], r: &Results) -> Result<String, String> {
        // A body that is JSON for one parse is JSON for all.
        let json = |k: String| k == "NotJson";
        if json(kind(&r.hash)) != json(kind(&r.dummy)) || json(kind(&r.dummy)) != json(kind(&r.chat)) {
            return Err("the parses disagree on whether the body is JSON".into());
        }
        Ok(format!("hash {}, Dummy {}, Chat {}", kind(&r.hash), kind(&r.dummy), kind(&r.chat)))
    }
}
