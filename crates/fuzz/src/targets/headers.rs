//! Request heads at an axon: the raw HTTP/1.1 head parsed as hyper parses it (`httparse`, then
//! `HeaderMap`), then what the axon does with the headers before a handler runs, in its order:
//! [`parse_request`] (`bt_header_*`, `name`, `timeout`, `computed_body_hash`), [`parse_epistula`],
//! the claimed caller's SS58 address, the timeout and `content-length`, then
//! [`verify_dendrite`] or [`precheck_epistula`] + [`verify_epistula`], and the refusal's status
//! and text. Two targets share this path and differ in their corpus: `bt_headers` (reference
//! dendrite requests) and `epistula` (Epistula v2 requests).

use std::time::Duration;

use agora_neuron::NeuronError;
use agora_neuron::dummy::Dummy;
use agora_neuron::headers::{
    epistula_message, parse_epistula, parse_request, request_headers, signature_text, signing_message,
};
use agora_neuron::synapse::{Ping, Synapse, TerminalInfo, VERSION_AS_INT, body_hash_of_json, envelope};
use agora_neuron::verify::{NonceTable, precheck_epistula, verify_dendrite, verify_epistula};
use agora_primitives::AccountId;
use http::{HeaderMap, HeaderName, HeaderValue};

use super::samples::pair;
use crate::mutate::Generator;
use crate::rng::Rng;
use crate::runner::{Bound, Target, variant};
use crate::sign::sign;

/// The axon's clock during the run (ns since the epoch).
const NOW_NS: i64 = 1_800_000_000_000_000_000;
/// The axon's clock in ms.
const NOW_MS: u64 = (NOW_NS / 1_000_000) as u64;
/// Headers hyper accepts in one request (its default).
const MAX_HEADERS: usize = 100;
/// The axon's defaults: a request's timeout when it names none, and the most it may name.
const DEFAULT_TIMEOUT_S: f64 = 12.0;
const MAX_TIMEOUT_S: f64 = 120.0;

/// Where a request head stopped.
pub enum Outcome {
    /// Not an HTTP/1.1 request head.
    Http(httparse::Error),
    /// An incomplete head (hyper waits for more bytes).
    Partial,
    /// A header name or value `http` refuses.
    BadHeader,
    /// Refused by the axon (with the status and text it would answer).
    Refused(NeuronError, u16, String),
    /// Verified: the caller's hotkey.
    Accepted(AccountId),
}

/// The axon's path from head bytes to a verified caller. `body` is what an Epistula request's
/// signature covers (a reference request's body is checked against its hash after this).
fn axon(input: &[u8], ours: &AccountId, body: &[u8]) -> Outcome {
    let mut raw = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut raw);
    match request.parse(input) {
        Err(e) => return Outcome::Http(e),
        Ok(httparse::Status::Partial) => return Outcome::Partial,
        Ok(httparse::Status::Complete(_)) => {}
    }
    let mut headers = HeaderMap::new();
    for h in request.headers.iter() {
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(h.name.as_bytes()), HeaderValue::from_bytes(h.value))
        else {
            return Outcome::BadHeader;
        };
        headers.append(name, value);
    }
    let refuse = |e: NeuronError| {
        let (status, text) = (e.status(), e.to_string());
        Outcome::Refused(e, status, text)
    };
    let parsed = parse_request(&headers);
    let epistula = match parse_epistula(&headers) {
        None => None,
        Some(Ok(e)) => Some(e),
        Some(Err(e)) => return refuse(e),
    };
    let claimed = match &epistula {
        Some(e) => Some(e.signed_by.clone()),
        None => parsed.dendrite.hotkey.clone(),
    };
    if claimed.and_then(|c| c.parse::<AccountId>().ok()).is_none() {
        return refuse(NeuronError::NoCaller);
    }
    let timeout_s = parsed.timeout.unwrap_or(DEFAULT_TIMEOUT_S).min(MAX_TIMEOUT_S);
    let _deadline = Duration::from_secs_f64(timeout_s.max(0.001));
    let _declared = headers.get("content-length").and_then(|v| v.to_str().ok()?.trim().parse::<usize>().ok());
    // A fresh table per input: replays across inputs would make outcomes depend on order.
    let nonces = NonceTable::new(1024, MAX_TIMEOUT_S);
    let verified = match &epistula {
        None => verify_dendrite(&parsed, ours, &nonces, NOW_NS),
        Some(e) => precheck_epistula(e, ours, NOW_MS).and_then(|_| verify_epistula(e, body, ours, &nonces, NOW_MS)),
    };
    match verified {
        Ok(caller) => Outcome::Accepted(caller),
        Err(e) => refuse(e),
    }
}

fn classify(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Http(e) => format!("http: {}", variant(e)),
        Outcome::Partial => "http: Partial".into(),
        Outcome::BadHeader => "http: bad header".into(),
        Outcome::Refused(e, status, _) => format!("{status} {}", variant(e)),
        Outcome::Accepted(_) => "ok".into(),
    }
}

/// Format tokens: header names and separators, and values at the edges of what is parsed.
const DICTIONARY: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b": ",
    b"\n",
    b"bt_header_dendrite_nonce",
    b"bt_header_dendrite_hotkey",
    b"bt_header_dendrite_signature",
    b"bt_header_dendrite_uuid",
    b"bt_header_dendrite_version",
    b"bt_header_dendrite_process_time",
    b"bt_header_axon_hotkey",
    b"bt_header_axon_port",
    b"bt_header_input_obj_dummy_input",
    b"computed_body_hash",
    b"timeout",
    b"name",
    b"content-length",
    b"epistula-version",
    b"epistula-timestamp",
    b"epistula-uuid",
    b"epistula-signed-by",
    b"epistula-signed-for",
    b"epistula-request-signature",
    b"0x",
    b"-1",
    b"0",
    b"1e308",
    b"-0.0",
    b"NaN",
    b"inf",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"18446744073709551616",
    b"9.2e18",
    b"12.0",
    b"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
    b"\x00",
    b"\xff",
    "é".as_bytes(),
    b"\t",
];

/// The body an Epistula request in the corpus carries (its signature covers it).
fn body() -> Vec<u8> {
    serde_json::to_vec(&envelope(
        &Dummy { dummy_input: 7, dummy_output: None },
        12.0,
        &TerminalInfo::default(),
        &TerminalInfo::default(),
    ))
    .expect("serialisable")
}

fn head(route: &str, body_len: usize, headers: &[(String, String)]) -> Vec<u8> {
    let mut out = format!(
        "POST /{route} HTTP/1.1\r\nhost: 10.0.0.7:8091\r\nuser-agent: python-aiohttp/3.9\r\ncontent-type: application/json\r\ncontent-length: {body_len}\r\n"
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A request from caller `caller` to the axon of `axon`, as the reference dendrite signs it.
fn dendrite_request<S: Synapse>(synapse: &S, caller: u8, axon: u8, nonce: i64, timeout: f64, uuid: &str) -> Vec<u8> {
    let (caller, axon) = (pair(caller), pair(axon));
    let axon_info = TerminalInfo {
        ip: Some("10.0.0.7".into()),
        port: Some(8091),
        hotkey: Some(axon.public().to_ss58()),
        ..Default::default()
    };
    let mut dendrite = TerminalInfo {
        ip: Some("0.0.0.0".into()),
        version: Some(VERSION_AS_INT as i64),
        nonce: Some(nonce),
        uuid: Some(uuid.into()),
        hotkey: Some(caller.public().to_ss58()),
        ..Default::default()
    };
    let unsigned = serde_json::to_vec(&envelope(synapse, timeout, &dendrite, &axon_info)).expect("serialisable");
    let hash = body_hash_of_json(&unsigned, S::REQUIRED_HASH_FIELDS).expect("an object");
    let message = signing_message(
        nonce,
        &caller.public().to_ss58(),
        &axon.public().to_ss58(),
        dendrite.uuid.as_deref().unwrap_or_default(),
        &hash,
    );
    dendrite.signature = Some(signature_text(&sign(caller, message.as_bytes()).0));
    let body = serde_json::to_vec(&envelope(synapse, timeout, &dendrite, &axon_info)).expect("serialisable");
    head(S::NAME, body.len(), &request_headers::<S>(timeout, &dendrite, &axon_info, &hash))
}

/// An Epistula v2 request from `caller` to the axon of `axon`.
fn epistula_request(caller: u8, axon: u8, version: &str, signed_for: bool, timestamp_ms: u64, uuid: &str) -> Vec<u8> {
    let (caller, axon) = (pair(caller), pair(axon));
    let body = body();
    let target = axon.public().to_ss58();
    let signed_for = signed_for.then_some(target.as_str());
    let message = epistula_message(&body, uuid, timestamp_ms, signed_for);
    let mut headers = vec![
        ("epistula-version".to_string(), version.to_string()),
        ("epistula-timestamp".to_string(), timestamp_ms.to_string()),
        ("epistula-uuid".to_string(), uuid.to_string()),
        ("epistula-signed-by".to_string(), caller.public().to_ss58()),
        ("epistula-request-signature".to_string(), signature_text(&sign(caller, message.as_bytes()).0)),
    ];
    if let Some(target) = signed_for {
        headers.push(("epistula-signed-for".to_string(), target.to_string()));
    }
    head(Dummy::NAME, body.len(), &headers)
}

/// Reference (`bt_header_*`) request heads.
pub struct BtHeaders {
    corpus: Vec<Vec<u8>>,
    ours: AccountId,
    body: Vec<u8>,
}

impl Target for BtHeaders {
    const NAME: &'static str = "bt_headers";
    const ABOUT: &'static str = "HTTP head → parse_request → verify_dendrite (axon, reference requests)";
    /// Around hyper's default limit on a request head.
    const MAX_LEN: usize = 16 * 1024;
    /// `httparse` borrows the input; the header map, the parsed fields and the signing message
    /// copy its text a few times (a map entry is about 100 bytes for a header of a few bytes);
    /// the constant covers the nonce table's first entry and the error text.
    const BOUND: Bound = Bound { per_byte: 16, constant: 64 * 1024 };
    type Output = Outcome;

    fn new() -> Self {
        let now = NOW_NS;
        let corpus = vec![
            dendrite_request(&Dummy { dummy_input: 7, dummy_output: None }, 1, 2, now - 1_000_000, 12.0, UUID),
            dendrite_request(&Ping {}, 3, 2, now - 2_000_000_000, 5.0, UUID),
            dendrite_request(&Dummy { dummy_input: -1, dummy_output: Some(-2) }, 1, 2, now, 120.0, UUID),
            // Addressed to another axon, and a nonce from the future.
            dendrite_request(&Dummy::default(), 1, 5, now, 12.0, UUID),
            dendrite_request(&Dummy::default(), 1, 2, now + 60_000_000_000, 12.0, UUID),
        ];
        BtHeaders { corpus, ours: pair(2).public(), body: body() }
    }

    fn corpus(&self) -> &[Vec<u8>] {
        &self.corpus
    }

    fn dictionary(&self) -> &[&'static [u8]] {
        DICTIONARY
    }

    /// A request signed properly around boundary nonces, uuids and timeouts (so the nonce
    /// window and the replay table's arithmetic are reached), or a head mutated line by line.
    fn structured(&self, rng: &mut Rng, generator: &Generator) -> Option<Vec<u8>> {
        let head = if rng.one_in(4) {
            let nonce = match rng.below(10) {
                0 => NOW_NS,
                1 => NOW_NS - 4_000_000_000 - 12_000_000_000 + 1,
                2 => NOW_NS - 4_000_000_000 - 12_000_000_000,
                3 => NOW_NS + 4_000_000_000,
                4 => NOW_NS + 4_000_000_001,
                5 => i64::MAX,
                6 => i64::MIN,
                7 => 0,
                8 => -1,
                _ => NOW_NS - rng.below(20_000_000_000) as i64,
            };
            let timeout = rng.choose(&[12.0, 0.0001, 1e308, 120.0, 121.0, 5e-324, 0.5]);
            let uuid = rng.choose(&UUIDS);
            let caller = rng.between(1, 3) as u8;
            let mut head = if rng.one_in(2) {
                dendrite_request(
                    &Dummy { dummy_input: rng.next_u64() as i64, dummy_output: None },
                    caller,
                    2,
                    nonce,
                    timeout,
                    uuid,
                )
            } else {
                dendrite_request(&Ping {}, caller, 2, nonce, timeout, uuid)
            };
            if rng.one_in(2) {
                // The timeout is not signed: any text.
                head = set_header(&head, b"timeout", rng.choose(VALUES));
            }
            head
        } else {
            rng.pick::<Vec<u8>>(&self.corpus).clone()
        };
        Some(if rng.one_in(3) { head } else { mutate_lines(rng, generator, &head) })
    }

    fn run(&self, input: &[u8]) -> Outcome {
        axon(input, &self.ours, &self.body)
    }

    fn classify(&self, _: &[u8], output: &Outcome) -> Result<String, String> {
        Ok(classify(output))
    }
}

/// Epistula v2 request heads.
pub struct Epistula {
    corpus: Vec<Vec<u8>>,
    ours: AccountId,
    body: Vec<u8>,
}

impl Target for Epistula {
    const NAME: &'static str = "epistula";
    const ABOUT: &'static str = "HTTP head → parse_epistula → verify_epistula (axon, Epistula v2 requests)";
    const MAX_LEN: usize = BtHeaders::MAX_LEN;
    /// As [`BtHeaders`].
    const BOUND: Bound = BtHeaders::BOUND;
    type Output = Outcome;

    fn new() -> Self {
        let corpus = vec![
            epistula_request(1, 2, "2", true, NOW_MS, UUID),
            epistula_request(3, 2, "2", true, NOW_MS - 7_000, UUID),
            epistula_request(1, 2, "2", false, NOW_MS, UUID),
            epistula_request(1, 2, "1", true, NOW_MS, UUID),
            epistula_request(1, 5, "2", true, NOW_MS, UUID),
        ];
        Epistula { corpus, ours: pair(2).public(), body: body() }
    }

    fn corpus(&self) -> &[Vec<u8>] {
        &self.corpus
    }

    fn dictionary(&self) -> &[&'static [u8]] {
        DICTIONARY
    }

    /// A request signed properly around the clock window and with odd uuids and targets, or a
    /// head mutated line by line.
    fn structured(&self, rng: &mut Rng, generator: &Generator) -> Option<Vec<u8>> {
        let head = if rng.one_in(4) {
            let timestamp = match rng.below(8) {
                0 => NOW_MS,
                1 => NOW_MS - 8_000,
                2 => NOW_MS - 8_001,
                3 => NOW_MS + 8_000,
                4 => NOW_MS + 8_001,
                5 => u64::MAX,
                6 => 0,
                _ => NOW_MS - 10_000 + rng.below(20_000) as u64,
            };
            let version = rng.choose(&["2", "2", "2", "1", "", "2.0"]);
            epistula_request(rng.between(1, 3) as u8, 2, version, !rng.one_in(8), timestamp, rng.choose(&UUIDS))
        } else {
            rng.pick::<Vec<u8>>(&self.corpus).clone()
        };
        Some(if rng.one_in(3) { head } else { mutate_lines(rng, generator, &head) })
    }

    fn run(&self, input: &[u8]) -> Outcome {
        axon(input, &self.ours, &self.body)
    }

    fn classify(&self, _: &[u8], output: &Outcome) -> Result<String, String> {
        Ok(classify(output))
    }
}

/// The corpus's session uuid.
const UUID: &str = "6b1a4f5e-8c1d-11ef-9a3b-0242ac120002";

/// Uuids a signer may choose: they end up in the replay table's keys and in signed messages.
const UUIDS: [&str; 6] =
    [UUID, "", ".", "é😀", "a:b", "0000000000000000000000000000000000000000000000000000000000000000"];

/// Header names the axon reads.
const NAMES: &[&[u8]] = &[
    b"name",
    b"timeout",
    b"computed_body_hash",
    b"content-length",
    b"bt_header_dendrite_nonce",
    b"bt_header_dendrite_hotkey",
    b"bt_header_dendrite_signature",
    b"bt_header_dendrite_uuid",
    b"bt_header_dendrite_version",
    b"bt_header_dendrite_status_code",
    b"bt_header_dendrite_process_time",
    b"bt_header_dendrite_port",
    b"bt_header_axon_hotkey",
    b"bt_header_axon_port",
    b"epistula-version",
    b"epistula-timestamp",
    b"epistula-uuid",
    b"epistula-signed-by",
    b"epistula-signed-for",
    b"epistula-request-signature",
];

/// Header values at the edges of what the axon parses.
const VALUES: &[&[u8]] = &[
    b"",
    b" ",
    b"0",
    b"-1",
    b"12.0",
    b"1e308",
    b"-1e308",
    b"5e-324",
    b"inf",
    b"-inf",
    b"nan",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"9223372036854775808",
    b"9.2e18",
    b"9.3e18",
    b"1.5",
    b"18446744073709551615",
    b"2",
    b"0x",
    b"0xzz",
    b"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
    b"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ",
    b"%C3%A9",
    b"\xff\xfe",
    "é".as_bytes(),
];

/// `head` with the value of its first `name` header replaced by `value` (or the header added).
fn set_header(head: &[u8], name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut lines = lines_of(head);
    let line = [name, b": ", value].concat();
    match lines.iter().position(|l| l.starts_with(name) && l.get(name.len()) == Some(&b':')) {
        Some(i) => lines[i] = line,
        None => lines.push(line),
    }
    join(&lines)
}

/// The lines of a head, without the blank line that ends it.
fn lines_of(head: &[u8]) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> =
        head.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = lines.join(&b"\r\n"[..]);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// Mutates a head by lines, keeping it an HTTP head: a value byte-mutated or replaced by a
/// boundary value, a header removed, repeated or added, a name's case changed.
fn mutate_lines(rng: &mut Rng, generator: &Generator, head: &[u8]) -> Vec<u8> {
    let mut lines = lines_of(head);
    for _ in 0..rng.between(1, 3) {
        if lines.len() < 2 {
            break;
        }
        let i = rng.between(1, lines.len() - 1);
        let colon = lines[i].iter().position(|&b| b == b':').unwrap_or(lines[i].len());
        let (name, value) = (lines[i][..colon].to_vec(), lines[i].get(colon + 2..).unwrap_or_default().to_vec());
        match rng.below(8) {
            0 | 1 => {
                let mut value = value;
                generator.havoc(rng, &mut value);
                value.retain(|&b| b != b'\r' && b != b'\n');
                lines[i] = [&name[..], b": ", &value].concat();
            }
            2 | 3 => lines[i] = [&name[..], b": ", rng.choose(VALUES)].concat(),
            4 => {
                lines.remove(i);
            }
            5 => {
                let copy =
                    if rng.one_in(2) { lines[i].clone() } else { [&name[..], b": ", rng.choose(VALUES)].concat() };
                lines.insert(i, copy);
            }
            6 => lines.push([rng.choose(NAMES), &b": "[..], rng.choose(VALUES)].concat()),
            _ => {
                let upper: Vec<u8> = name.iter().map(u8::to_ascii_uppercase).collect();
                lines[i] = [&upper[..], b":", b"  ", &value, b" "].concat();
            }
        }
    }
    join(&lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_requests_are_accepted_and_the_others_refused_for_their_reason() {
        let t = BtHeaders::new();
        let kinds: Vec<String> = t.corpus().iter().map(|i| classify(&t.run(i))).collect();
        assert_eq!(kinds[..3], ["ok", "ok", "ok"]);
        assert_eq!(kinds[3], "401 WrongAxon");
        assert_eq!(kinds[4], "401 NonceInFuture");
        let e = Epistula::new();
        let kinds: Vec<String> = e.corpus().iter().map(|i| classify(&e.run(i))).collect();
        assert_eq!(kinds[..2], ["ok", "ok"]);
        assert_eq!(kinds[2], "401 EpistulaUntargeted");
        assert!(kinds[3].ends_with("EpistulaVersion"), "{}", kinds[3]);
        assert!(kinds[4].ends_with("EpistulaWrongTarget"), "{}", kinds[4]);
    }
}
