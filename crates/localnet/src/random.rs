//! Secrets the network makes for itself: the gateway's API key.

use crate::error::{LocalnetError, Result};

/// A fresh API key: `sk-agora-` and 32 hex digits from the operating system's randomness.
pub fn api_key() -> Result<String> {
    let bytes: [u8; 16] = agora_primitives::random_bytes().map_err(LocalnetError::Randomness)?;
    Ok(format!("sk-agora-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}
