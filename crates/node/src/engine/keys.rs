//! Consensus and p2p identities (ed25519) as they appear in configuration files: hex strings.

use std::net::SocketAddr;

use commonware_codec::{DecodeExt, Encode};
use commonware_cryptography::Signer;
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};

use crate::chain::{hex, parse_hex};
use crate::config::{ChainSpec, ConfigError, NodeConfig, PeerConfig};

/// Parses a hex ed25519 public key.
pub fn parse_public_key(text: &str) -> Result<PublicKey, ConfigError> {
    let bytes = parse_hex(text).ok_or_else(|| ConfigError::Invalid(format!("{text}: not hex")))?;
    PublicKey::decode(bytes::Bytes::from(bytes))
        .map_err(|_| ConfigError::Invalid(format!("{text}: not an ed25519 public key")))
}

/// Hex of a public key.
pub fn public_key_hex(key: &PublicKey) -> String {
    hex(&key.encode())
}

/// Hex of a secret key.
fn private_key_hex(key: &PrivateKey) -> String {
    hex(&key.encode())
}

/// A fresh random ed25519 key (from the OS).
fn random_key() -> Result<PrivateKey, ConfigError> {
    let seed: [u8; 32] = agora_primitives::random_bytes()?;
    let key = PrivateKey::decode(bytes::Bytes::copy_from_slice(&seed))
        .map_err(|_| ConfigError::Invalid("random key rejected".into()))?;
    Ok(key)
}

/// The node's secret key.
pub fn node_key(config: &NodeConfig) -> Result<PrivateKey, ConfigError> {
    let bytes = parse_hex(&config.key).ok_or_else(|| ConfigError::Invalid("key: not hex".into()))?;
    PrivateKey::decode(bytes::Bytes::from(bytes))
        .map_err(|_| ConfigError::Invalid("key: not a 32-byte ed25519 secret".into()))
}

/// Peers from a config list, checked.
pub fn peers(list: &[PeerConfig]) -> Result<Vec<(PublicKey, SocketAddr)>, ConfigError> {
    list.iter().map(|p| Ok((parse_public_key(&p.public_key)?, p.address))).collect()
}

/// The validators' public keys, checked.
pub fn validators(spec: &ChainSpec) -> Result<Vec<PublicKey>, ConfigError> {
    if spec.validators.is_empty() {
        return Err(ConfigError::Invalid("the chain spec lists no validators".into()));
    }
    let mut keys = Vec::new();
    for text in &spec.validators {
        let key = parse_public_key(text)?;
        if keys.contains(&key) {
            return Err(ConfigError::Invalid(format!("validator {text} is listed twice")));
        }
        keys.push(key);
    }
    Ok(keys)
}

/// A fresh random key, as hex (secret, public).
pub fn generate() -> Result<(String, String), ConfigError> {
    let key = random_key()?;
    Ok((private_key_hex(&key), public_key_hex(&key.public_key())))
}
