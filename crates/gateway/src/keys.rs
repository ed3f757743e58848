//! API keys (bearer tokens from a TOML file) and their per-key rate limits (token buckets).
//!
//! ```toml
//! [[keys]]
//! key = "sk-agora-..."
//! name = "localnet"
//! requests_per_minute = 600
//! best_of = 1          # optional: route every request of this key through best-of-k
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use serde::Deserialize;

/// One key.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ApiKey {
    /// The bearer token.
    pub key: String,
    /// Who it belongs to (logs).
    #[serde(default)]
    pub name: String,
    /// Requests per minute (burst: the same number).
    #[serde(default = "default_rate")]
    pub requests_per_minute: u32,
    /// Best-of-k for every request of this key (1 = plain routing).
    #[serde(default)]
    pub best_of: Option<u8>,
}

/// The key id organic samples name when the gateway serves without keys: everyone is one key.
pub const OPEN_SAMPLE_ID: &str = "open";

/// Domain of [`ApiKey::sample_id`]'s hash.
const SAMPLE_ID_DOMAIN: &[u8] = b"agora-gateway/organic-key-id/v1:";

impl ApiKey {
    /// The id organic samples name this key by (`key-` and 16 hex digits of a domain-separated
    /// Blake2b-256 of the token): stable and distinct per key, never the token itself.
    pub fn sample_id(&self) -> String {
        let h = agora_primitives::blake2_256_concat(&[SAMPLE_ID_DOMAIN, self.key.as_bytes()]);
        let hex: String = h.0[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("key-{hex}")
    }
}

fn default_rate() -> u32 {
    600
}

#[derive(Deserialize)]
struct KeyFile {
    #[serde(default)]
    keys: Vec<ApiKey>,
}

/// Why keys were refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key at this position of the list is empty (or only spaces).
    #[error("API key number {index} is empty")]
    Empty {
        /// Position in the list, from 1.
        index: usize,
    },
    /// A key allows no request at all.
    #[error("key {name:?} allows 0 requests per minute")]
    ZeroRate {
        /// The key's name.
        name: String,
    },
    /// A key's `best_of` is outside 1 to 8.
    #[error("key {name:?}: best_of must be 1 to 8, got {got}")]
    BestOf {
        /// The key's name.
        name: String,
        /// The value given.
        got: u8,
    },
    /// The same token is listed twice.
    #[error("an API key is listed twice (the second time as {name:?})")]
    Duplicate {
        /// Name of the second entry.
        name: String,
    },
    /// A key file has no `[[keys]]` entry.
    #[error("no [[keys]] entries")]
    NoKeys,
    /// A key file is not the expected TOML.
    #[error(transparent)]
    Toml(Box<toml::de::Error>),
    /// A key file cannot be read.
    #[error(transparent)]
    Io(std::io::Error),
    /// One of the above, in this key file.
    #[error("{}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: Box<KeyError>,
    },
}

/// Result of this module.
pub type Result<T, E = KeyError> = std::result::Result<T, E>;

// Errors stay cheap to move: the TOML error and the wrapped cause are boxed.
const _: () = assert!(std::mem::size_of::<KeyError>() <= 40);

impl KeyError {
    /// The cause, without the file it was found in.
    pub fn cause(&self) -> &KeyError {
        match self {
            KeyError::InFile { source, .. } => source.cause(),
            other => other,
        }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The keys and their buckets.
pub struct Keys {
    keys: BTreeMap<String, ApiKey>,
    buckets: Mutex<BTreeMap<String, Bucket>>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens themselves.
        f.debug_struct("Keys").field("names", &self.keys.values().map(|k| &k.name).collect::<Vec<_>>()).finish()
    }
}

/// The outcome of presenting a key.
#[derive(Debug, PartialEq)]
pub enum Admission<'a> {
    /// Go ahead.
    Admitted(&'a ApiKey),
    /// No or unknown key.
    Unauthorized,
    /// Over the key's rate; retry after this many seconds.
    Limited(f64),
}

impl Keys {
    /// Keys from a list (duplicates and empty keys refused).
    pub fn new(list: Vec<ApiKey>) -> Result<Keys> {
        let mut keys = BTreeMap::new();
        for (i, mut k) in list.into_iter().enumerate() {
            k.key = k.key.trim().to_string();
            if k.key.is_empty() {
                return Err(KeyError::Empty { index: i + 1 });
            }
            if k.requests_per_minute == 0 {
                return Err(KeyError::ZeroRate { name: k.name });
            }
            if let Some(got) = k.best_of.filter(|b| !(1..=8).contains(b)) {
                return Err(KeyError::BestOf { name: k.name, got });
            }
            if keys.contains_key(&k.key) {
                return Err(KeyError::Duplicate { name: k.name });
            }
            keys.insert(k.key.clone(), k);
        }
        Ok(Keys { keys, buckets: Mutex::new(BTreeMap::new()) })
    }

    /// Reads a key file.
    pub fn load(path: &Path) -> Result<Keys> {
        let read = || -> Result<Keys> {
            let text = std::fs::read_to_string(path).map_err(KeyError::Io)?;
            let file: KeyFile = toml::from_str(&text).map_err(|e| KeyError::Toml(Box::new(e)))?;
            if file.keys.is_empty() {
                return Err(KeyError::NoKeys);
            }
            Keys::new(file.keys)
        };
        read().map_err(|e| KeyError::InFile { path: path.to_path_buf(), source: Box::new(e) })
    }

    /// Checks the `Authorization` header's value and takes one request from the key's bucket.
    pub fn admit(&self, authorization: Option<&str>) -> Admission<'_> {
        let token = authorization
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        let Some(token) = token else {
            return Admission::Unauthorized;
        };
        let Some(key) = self.keys.get(token) else { return Admission::Unauthorized };
        let rate = f64::from(key.requests_per_minute) / 60.0;
        let burst = f64::from(key.requests_per_minute);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let b = buckets.entry(token.to_string()).or_insert(Bucket { tokens: burst, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Admission::Admitted(key)
        } else {
            Admission::Limited((1.0 - b.tokens) / rate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str, rpm: u32) -> ApiKey {
        ApiKey { key: k.into(), name: k.into(), requests_per_minute: rpm, best_of: None }
    }

    #[test]
    fn keys_are_checked_and_rate_limited_per_key() {
        let keys = Keys::new(vec![key("a", 2), key("b", 600)]).unwrap();
        assert_eq!(keys.admit(None), Admission::Unauthorized);
        assert_eq!(keys.admit(Some("Bearer nope")), Admission::Unauthorized);
        assert_eq!(keys.admit(Some("a")), Admission::Unauthorized);
        assert!(matches!(keys.admit(Some("bearer b")), Admission::Admitted(_)), "the scheme is case-insensitive");
        assert!(matches!(keys.admit(Some("Bearer a")), Admission::Admitted(_)));
        assert!(matches!(keys.admit(Some("Bearer a")), Admission::Admitted(_)));
        match keys.admit(Some("Bearer a")) {
            Admission::Limited(s) => assert!(s > 0.0 && s <= 30.0, "{s}"),
            other => panic!("{other:?}"),
        }
        // Another key has its own bucket.
        assert!(matches!(keys.admit(Some("Bearer b")), Admission::Admitted(_)));
    }

    #[test]
    fn sample_ids_name_keys_without_their_secret() {
        let (a, b) = (key("sk-agora-secret-a", 1), key("sk-agora-secret-b", 1));
        let id = a.sample_id();
        assert_eq!(id, key("sk-agora-secret-a", 9).sample_id(), "stable");
        assert_ne!(id, b.sample_id());
        assert!(id.starts_with("key-") && id.len() == 20 && !id.contains("secret"), "{id}");
        assert!(id.len() <= agora_text::organic::MAX_KEY_ID_BYTES && OPEN_SAMPLE_ID != id);
    }

    #[test]
    fn bad_key_files_are_refused_with_the_reason() {
        assert!(matches!(Keys::new(vec![key("a", 1), key("a", 1)]), Err(KeyError::Duplicate { .. })));
        assert!(matches!(Keys::new(vec![key("a", 1), key(" ", 1)]), Err(KeyError::Empty { index: 2 })));
        assert!(matches!(Keys::new(vec![key("a", 0)]), Err(KeyError::ZeroRate { name }) if name == "a"));
        let nine = ApiKey { best_of: Some(9), ..key("a", 1) };
        assert!(matches!(Keys::new(vec![nine]), Err(KeyError::BestOf { got: 9, .. })));
        let dir = std::env::temp_dir().join(format!("agora-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("keys.toml");
        std::fs::write(&p, "[[keys]]\nkey = \"sk-1\"\nbest_of = 3\n").unwrap();
        let k = Keys::load(&p).unwrap();
        assert!(matches!(k.admit(Some("Bearer sk-1")), Admission::Admitted(ApiKey { best_of: Some(3), .. })));
        std::fs::write(&p, "keys = 3").unwrap();
        let e = Keys::load(&p).unwrap_err();
        assert!(matches!(e.cause(), KeyError::Toml(_)), "{e}");
        assert!(e.to_string().starts_with(&p.display().to_string()), "the file is named: {e}");
        std::fs::write(&p, "").unwrap();
        assert!(matches!(Keys::load(&p).unwrap_err().cause(), KeyError::NoKeys));
        assert!(matches!(Keys::load(&dir.join("absent.toml")).unwrap_err().cause(), KeyError::Io(_)));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
