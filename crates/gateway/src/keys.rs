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
use std::path::Path;
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

fn default_rate() -> u32 {
    600
}

#[derive(Deserialize)]
struct KeyFile {
    #[serde(default)]
    keys: Vec<ApiKey>,
}

/// Why a key file was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Unreadable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Not the expected TOML.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
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
    pub fn new(list: Vec<ApiKey>) -> Result<Keys, String> {
        let mut keys = BTreeMap::new();
        for mut k in list {
            k.key = k.key.trim().to_string();
            if k.key.is_empty() {
                return Err("an API key is empty".into());
            }
            if k.requests_per_minute == 0 {
                return Err(format!("key {:?} allows 0 requests per minute", k.name));
            }
            if k.best_of.is_some_and(|b| b == 0 || b > 8) {
                return Err(format!("key {:?}: best_of must be 1 to 8", k.name));
            }
            if keys.insert(k.key.clone(), k).is_some() {
                return Err("an API key is listed twice".into());
            }
        }
        Ok(Keys { keys, buckets: Mutex::new(BTreeMap::new()) })
    }

    /// Reads a key file.
    pub fn load(path: &Path) -> Result<Keys, KeyFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| KeyFileError::Io { path: path.display().to_string(), source })?;
        let file: KeyFile = toml::from_str(&text)
            .map_err(|e| KeyFileError::Invalid { path: path.display().to_string(), message: e.to_string() })?;
        if file.keys.is_empty() {
            return Err(KeyFileError::Invalid {
                path: path.display().to_string(),
                message: "no [[keys]] entries".into(),
            });
        }
        Keys::new(file.keys).map_err(|message| KeyFileError::Invalid { path: path.display().to_string(), message })
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
    fn bad_key_files_are_refused_with_the_reason() {
        assert!(Keys::new(vec![key("a", 1), key("a", 1)]).unwrap_err().contains("twice"));
        assert!(Keys::new(vec![key(" ", 1)]).unwrap_err().contains("empty"));
        assert!(Keys::new(vec![key("a", 0)]).unwrap_err().contains("0 requests"));
        let dir = std::env::temp_dir().join(format!("agora-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("keys.toml");
        std::fs::write(&p, "[[keys]]\nkey = \"sk-1\"\nbest_of = 3\n").unwrap();
        let k = Keys::load(&p).unwrap();
        assert!(matches!(k.admit(Some("Bearer sk-1")), Admission::Admitted(ApiKey { best_of: Some(3), .. })));
        std::fs::write(&p, "keys = 3").unwrap();
        assert!(Keys::load(&p).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
