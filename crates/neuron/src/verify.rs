//! Who sent a request, and whether it may be processed: the reference's signature and nonce rules
//! (made strict: a missing signature is refused), and Epistula v2's. Replay state is bounded.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use agora_primitives::{AccountId, Signature, verify};

use crate::error::{NeuronError, NeuronResult};
use crate::headers::{Epistula, RequestHeaders, epistula_message, parse_signature, signing_message};

/// The reference's allowed nonce age before the synapse timeout is added (4 s).
pub const ALLOWED_DELTA_NS: i64 = 4_000_000_000;
/// How far ahead of the axon's clock a nonce may be (clock skew between machines).
pub const MAX_FUTURE_NS: i64 = 4_000_000_000;
/// Epistula's allowed clock difference (8 s, either way).
pub const EPISTULA_DELTA_MS: u64 = 8_000;

/// The nonces seen per `hotkey:uuid` within the replay window.
#[derive(Default)]
struct Seen {
    nonces: BTreeSet<i64>,
    /// Every nonce at or below this is refused (the newest one forgotten).
    floor: i64,
}

/// Replay protection with bounded memory.
///
/// The reference keeps one "last nonce" per `hotkey:uuid` and demands strictly increasing nonces,
/// which refuses honest requests that one dendrite sends concurrently and that arrive out of order.
/// Here a nonce must be inside the window (`4 s + timeout` old at most) and not seen before; the
/// nonces of the window are remembered, older ones forgotten (the window itself refuses them). A
/// table full of live nonces refuses new ones with 503 rather than forgetting what could be
/// replayed.
pub struct NonceTable {
    entries: Mutex<(HashMap<String, Seen>, usize)>,
    capacity: usize,
    max_window_ns: i64,
    strictly_increasing: bool,
}

impl NonceTable {
    /// A table for at most `capacity` live nonces; `max_timeout_s` is the longest timeout a
    /// request may claim.
    pub fn new(capacity: usize, max_timeout_s: f64) -> NonceTable {
        let max_window_ns = ALLOWED_DELTA_NS.saturating_add((max_timeout_s * 1e9) as i64);
        NonceTable {
            entries: Mutex::new((HashMap::new(), 0)),
            capacity: capacity.max(1),
            max_window_ns,
            strictly_increasing: false,
        }
    }

    /// The reference's rule on top of the window: each nonce of a session must exceed the last one
    /// accepted (refuses concurrent requests that arrive out of order).
    pub fn strictly_increasing(mut self) -> NonceTable {
        self.strictly_increasing = true;
        self
    }

    /// Checks `nonce` for `key` and records it.
    fn check_and_record(&self, key: String, nonce: i64, timeout_s: f64, now_ns: i64) -> NeuronResult<()> {
        let window = ALLOWED_DELTA_NS.saturating_add((timeout_s * 1e9) as i64).min(self.max_window_ns);
        if nonce > now_ns.saturating_add(MAX_FUTURE_NS) {
            return Err(NeuronError::NonceInFuture { ahead_s: (nonce - now_ns) as f64 / 1e9 });
        }
        if nonce <= now_ns.saturating_sub(window) {
            return Err(NeuronError::NonceTooOld {
                window_s: window as f64 / 1e9,
                age_s: now_ns.saturating_sub(nonce) as f64 / 1e9,
            });
        }
        let mut guard = self.entries.lock().expect("nonce table lock");
        let (entries, live) = &mut *guard;
        let horizon = now_ns.saturating_sub(self.max_window_ns);
        // One session may hold a sixteenth of the table, so no single signer can fill it.
        let per_session = (self.capacity / 16).max(1);
        if let Some(seen) = entries.get_mut(&key)
            && seen.nonces.len() >= per_session
        {
            let keep = seen.nonces.split_off(&(horizon + 1));
            if let Some(&newest_gone) = seen.nonces.last() {
                seen.floor = seen.floor.max(newest_gone);
            }
            *live -= seen.nonces.len();
            seen.nonces = keep;
            if seen.nonces.len() >= per_session {
                return Err(NeuronError::SessionFull);
            }
        }
        if let Some(seen) = entries.get(&key) {
            if nonce <= seen.floor {
                return Err(NeuronError::NonceSuperseded);
            }
            if seen.nonces.contains(&nonce) {
                return Err(NeuronError::NonceReplayed);
            }
            if self.strictly_increasing && seen.nonces.last().is_some_and(|&last| nonce < last) {
                return Err(NeuronError::NonceSuperseded);
            }
        }
        if *live >= self.capacity {
            *live = 0;
            entries.retain(|_, seen| {
                let keep = seen.nonces.split_off(&(horizon + 1));
                if let Some(&newest_gone) = seen.nonces.last() {
                    seen.floor = seen.floor.max(newest_gone);
                }
                seen.nonces = keep;
                *live += seen.nonces.len();
                !seen.nonces.is_empty()
            });
            if *live >= self.capacity {
                return Err(NeuronError::ReplayTableFull);
            }
        }
        entries.entry(key).or_default().nonces.insert(nonce);
        *live += 1;
        Ok(())
    }

    /// Number of remembered nonces.
    pub fn len(&self) -> usize {
        self.entries.lock().expect("nonce table lock").1
    }

    /// Whether no nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Verifies a reference-protocol request addressed to `our_hotkey`; returns the caller's hotkey.
pub fn verify_dendrite(
    h: &RequestHeaders,
    our_hotkey: &AccountId,
    nonces: &NonceTable,
    now_ns: i64,
) -> NeuronResult<AccountId> {
    let hotkey_text = h.dendrite.hotkey.as_deref().ok_or(NeuronError::MissingHotkey)?;
    let hotkey: AccountId =
        hotkey_text.parse().map_err(|_| NeuronError::BadHotkey { hotkey: hotkey_text.to_string() })?;
    let nonce = h.dendrite.nonce.ok_or(NeuronError::MissingNonce)?;
    let signature_text = h.dendrite.signature.as_deref().ok_or(NeuronError::MissingSignature)?;
    let uuid = h.dendrite.uuid.as_deref().unwrap_or("");
    let axon_hotkey = our_hotkey.to_ss58();
    if let Some(claimed) = h.axon.hotkey.as_deref()
        && claimed != axon_hotkey
    {
        return Err(NeuronError::WrongAxon { claimed: claimed.to_string(), ours: *our_hotkey });
    }
    let body_hash = h.body_hash.as_deref().unwrap_or("");
    let message = signing_message(nonce, hotkey_text, &axon_hotkey, uuid, body_hash);
    let valid = parse_signature(signature_text).is_some_and(|sig| verify(&hotkey, message.as_bytes(), &Signature(sig)));
    if !valid {
        return Err(NeuronError::SignatureMismatch { message, signature: signature_text.to_string() });
    }
    nonces.check_and_record(format!("{hotkey_text}:{uuid}"), nonce, h.timeout.unwrap_or(12.0), now_ns)?;
    Ok(hotkey)
}

/// What can be checked of an Epistula request before its body is read: the signer is an SS58
/// address, the request is meant for this axon, and its clock is within [`EPISTULA_DELTA_MS`].
/// Returns the claimed signer (not yet proven: the signature covers the body).
pub fn precheck_epistula(e: &Epistula, our_hotkey: &AccountId, now_ms: u64) -> NeuronResult<AccountId> {
    let signer: AccountId =
        e.signed_by.parse().map_err(|_| NeuronError::EpistulaSigner { signed_by: e.signed_by.clone() })?;
    let ours = our_hotkey.to_ss58();
    match e.signed_for.as_deref() {
        Some(target) if target == ours => {}
        Some(target) => {
            return Err(NeuronError::EpistulaWrongTarget { target: target.to_string(), ours: *our_hotkey });
        }
        None => return Err(NeuronError::EpistulaUntargeted),
    }
    let off_ms = now_ms.abs_diff(e.timestamp_ms);
    if off_ms > EPISTULA_DELTA_MS {
        return Err(NeuronError::EpistulaClock { off_ms });
    }
    Ok(signer)
}

/// Verifies an Epistula v2 request addressed to `our_hotkey`; returns the caller's hotkey.
pub fn verify_epistula(
    e: &Epistula,
    body: &[u8],
    our_hotkey: &AccountId,
    nonces: &NonceTable,
    now_ms: u64,
) -> NeuronResult<AccountId> {
    let signer = precheck_epistula(e, our_hotkey, now_ms)?;
    let message = epistula_message(body, &e.uuid, e.timestamp_ms, e.signed_for.as_deref());
    let valid = parse_signature(&e.signature).is_some_and(|sig| verify(&signer, message.as_bytes(), &Signature(sig)));
    if !valid {
        return Err(NeuronError::EpistulaSignatureMismatch);
    }
    // A uuid may be used once: record the timestamp and refuse it again.
    let key = format!("epistula:{}:{}", e.signed_by, e.uuid);
    let stamp = i64::try_from(e.timestamp_ms).unwrap_or(i64::MAX).saturating_mul(1_000_000);
    // The table allows `MAX_FUTURE_NS` ahead; Epistula allows `EPISTULA_DELTA_MS` (checked above),
    // so the table is asked as if its clock were that much later (its window reaches further
    // back than Epistula's either way).
    let ahead = (EPISTULA_DELTA_MS as i64).saturating_mul(1_000_000).saturating_sub(MAX_FUTURE_NS).max(0);
    let now_ns = (now_ms as i64).saturating_mul(1_000_000).saturating_add(ahead);
    nonces.check_and_record(key, stamp, 2.0 * EPISTULA_DELTA_MS as f64 / 1e3, now_ns).map_err(|e| match e {
        // A full table is not the sender's fault: it may retry.
        NeuronError::SessionFull | NeuronError::ReplayTableFull => e,
        _ => NeuronError::EpistulaReplayed,
    })?;
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use agora_primitives::Pair;

    fn signed(pair: &Pair, axon: &AccountId, nonce: i64, body_hash: &str) -> RequestHeaders {
        let hotkey = pair.public().to_ss58();
        let message = signing_message(nonce, &hotkey, &axon.to_ss58(), "u-1", body_hash);
        let mut h = RequestHeaders::default();
        h.dendrite.hotkey = Some(hotkey);
        h.dendrite.nonce = Some(nonce);
        h.dendrite.uuid = Some("u-1".into());
        h.dendrite.version = Some(10_002_000);
        h.dendrite.signature = Some(crate::headers::signature_text(&pair.sign(message.as_bytes()).0));
        h.axon.hotkey = Some(axon.to_ss58());
        h.body_hash = Some(body_hash.into());
        h.timeout = Some(12.0);
        h
    }

    #[test]
    fn the_reference_rules_made_strict() {
        let caller = Pair::from_seed(&[1; 32]);
        let axon = Pair::from_seed(&[2; 32]).public();
        let table = NonceTable::new(100, 60.0);
        let now = 1_800_000_000_000_000_000i64;
        let h = signed(&caller, &axon, now - 1_000, "abc");
        assert_eq!(verify_dendrite(&h, &axon, &table, now).unwrap(), caller.public());
        // Replay.
        assert!(verify_dendrite(&h, &axon, &table, now).unwrap_err().to_string().contains("replayed"));
        // An earlier nonce of the same session, arriving late but inside the window, is fine.
        let earlier = signed(&caller, &axon, now - 2_000, "abc");
        assert!(verify_dendrite(&earlier, &axon, &table, now).is_ok());
        // Missing signature.
        let mut unsigned = signed(&caller, &axon, now, "abc");
        unsigned.dendrite.signature = None;
        assert!(verify_dendrite(&unsigned, &axon, &table, now).unwrap_err().to_string().contains("Missing signature"));
        // Tampered body hash.
        let mut tampered = signed(&caller, &axon, now + 1, "abc");
        tampered.body_hash = Some("abd".into());
        assert!(
            verify_dendrite(&tampered, &axon, &table, now).unwrap_err().to_string().starts_with("Signature mismatch")
        );
        // Too old for a new session.
        let other = Pair::from_seed(&[3; 32]);
        let old = signed(&other, &axon, now - 17_000_000_000, "abc");
        assert!(verify_dendrite(&old, &axon, &table, now).unwrap_err().to_string().starts_with("Nonce is too old"));
        // Addressed to someone else.
        let elsewhere = signed(&other, &Pair::from_seed(&[9; 32]).public(), now, "abc");
        assert_eq!(verify_dendrite(&elsewhere, &axon, &table, now).unwrap_err().status(), 401);
    }

    #[test]
    fn the_reference_order_rule_is_available() {
        let caller = Pair::from_seed(&[1; 32]);
        let axon = Pair::from_seed(&[2; 32]).public();
        let table = NonceTable::new(100, 60.0).strictly_increasing();
        let now = 1_800_000_000_000_000_000i64;
        assert!(verify_dendrite(&signed(&caller, &axon, now - 1_000, "h"), &axon, &table, now).is_ok());
        let late = verify_dendrite(&signed(&caller, &axon, now - 2_000, "h"), &axon, &table, now);
        assert!(late.unwrap_err().to_string().contains("a newer one"));
    }

    #[test]
    fn memory_is_bounded_without_forgetting_live_nonces() {
        let axon = Pair::from_seed(&[2; 32]).public();
        let table = NonceTable::new(2, 12.0);
        let now = 1_800_000_000_000_000_000i64;
        let first = Pair::from_seed(&[10; 32]);
        for seed in 10..12u8 {
            verify_dendrite(&signed(&Pair::from_seed(&[seed; 32]), &axon, now, "h"), &axon, &table, now).unwrap();
        }
        let third = signed(&Pair::from_seed(&[12; 32]), &axon, now, "h");
        assert_eq!(verify_dendrite(&third, &axon, &table, now).unwrap_err().status(), 503);
        // A nonce from the far future would never expire: refused.
        let future = signed(&Pair::from_seed(&[13; 32]), &axon, now + 60_000_000_000, "h");
        assert!(verify_dendrite(&future, &axon, &table, now).unwrap_err().to_string().contains("future"));
        // Later, the old entries have expired and make room.
        let later = now + 60_000_000_000;
        let third = signed(&Pair::from_seed(&[12; 32]), &axon, later, "h");
        assert!(verify_dendrite(&third, &axon, &table, later).is_ok());
        assert_eq!(table.len(), 1);
        // A forgotten nonce is still refused: the window, and the floor of its session.
        let replay = signed(&first, &axon, now, "h");
        assert_eq!(verify_dendrite(&replay, &axon, &table, later).unwrap_err().status(), 401);
    }

    #[test]
    fn epistula_checks_target_time_signature_and_replay() {
        let caller = Pair::from_seed(&[4; 32]);
        let axon = Pair::from_seed(&[5; 32]).public();
        let table = NonceTable::new(100, 12.0);
        let now_ms = 1_800_000_000_000u64;
        let body = br#"{"dummy_input": 3}"#;
        let make = |uuid: &str, ts: u64, body: &[u8]| {
            let target = axon.to_ss58();
            let message = epistula_message(body, uuid, ts, Some(&target));
            Epistula {
                timestamp_ms: ts,
                uuid: uuid.into(),
                signed_by: caller.public().to_ss58(),
                signed_for: Some(target),
                signature: crate::headers::signature_text(&caller.sign(message.as_bytes()).0),
            }
        };
        let e = make("a", now_ms, body);
        assert_eq!(verify_epistula(&e, body, &axon, &table, now_ms).unwrap(), caller.public());
        assert!(verify_epistula(&e, body, &axon, &table, now_ms).unwrap_err().to_string().contains("Replayed"));
        let stale = make("b", now_ms - 9_000, body);
        assert_eq!(verify_epistula(&stale, body, &axon, &table, now_ms).unwrap_err().status(), 401);
        let other_body = make("c", now_ms, body);
        assert!(verify_epistula(&other_body, b"{}", &axon, &table, now_ms).is_err());
        let mut untargeted = make("d", now_ms, body);
        untargeted.signed_for = None;
        assert!(verify_epistula(&untargeted, body, &axon, &table, now_ms).is_err());
        // A clock up to 8 s ahead is Epistula's allowance (it was refused as a replay past 4 s);
        // beyond it the error names the clock.
        let ahead = make("e", now_ms + 6_000, body);
        assert_eq!(verify_epistula(&ahead, body, &axon, &table, now_ms).unwrap(), caller.public());
        let too_far = make("f", now_ms + 9_000, body);
        assert!(
            verify_epistula(&too_far, body, &axon, &table, now_ms).unwrap_err().to_string().contains("away from now")
        );
    }
}
