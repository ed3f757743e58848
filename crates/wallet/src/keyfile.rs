//! Keyfiles: the reference's JSON payload, and `$NACL` encryption (Argon2i + XSalsa20-Poly1305)
//! byte-compatible with the Bittensor wallet (libsodium `crypto_pwhash_argon2i` with the
//! "sensitive" limits and its fixed salt, `crypto_secretbox`).

use argon2::{Algorithm, Argon2, Params, Version};
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::WalletError;
use crate::keypair::{Keypair, hex_decode, hex_encode};

/// Prefix of an encrypted keyfile.
pub const NACL_PREFIX: &[u8] = b"$NACL";
/// Prefix of a pre-2023 ansible-vault keyfile (read here and by the reference; never written).
pub const ANSIBLE_PREFIX: &[u8] = b"$ANSIBLE_VAULT";
/// The salt every Bittensor wallet uses for its key derivation.
pub const NACL_SALT: [u8; 16] =
    [0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1];

/// Argon2i cost of the key derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub passes: u32,
}

impl KdfCost {
    /// libsodium's `*_SENSITIVE` limits, as the reference: 512 MiB, 8 passes. What files
    /// interchangeable with btcli need.
    pub const SENSITIVE: KdfCost = KdfCost { memory_kib: 512 * 1024, passes: 8 };
    /// A cheap cost for tests only (files made with it open only here).
    pub const TEST_ONLY: KdfCost = KdfCost { memory_kib: 64, passes: 1 };
}

fn derive_key(password: &str, cost: KdfCost) -> Result<Zeroizing<[u8; 32]>, WalletError> {
    let params =
        Params::new(cost.memory_kib, cost.passes, 1, Some(32)).map_err(|e| WalletError::Crypto(e.to_string()))?;
    let argon = Argon2::new(Algorithm::Argon2i, Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.as_bytes(), &NACL_SALT, &mut key[..])
        .map_err(|e| WalletError::Crypto(e.to_string()))?;
    Ok(key)
}

/// Encrypts `plaintext` to `$NACL ‖ nonce ‖ secretbox(plaintext)`.
pub fn encrypt(plaintext: &[u8], password: &str, cost: KdfCost) -> Result<Vec<u8>, WalletError> {
    let key = derive_key(password, cost)?;
    let nonce: [u8; 24] = agora_primitives::random_bytes()?;
    let cipher = XSalsa20Poly1305::new(Key::from_slice(&key[..]));
    let sealed =
        cipher.encrypt(Nonce::from_slice(&nonce), plaintext).map_err(|e| WalletError::Crypto(e.to_string()))?;
    let mut out = Vec::with_capacity(NACL_PREFIX.len() + 24 + sealed.len());
    out.extend_from_slice(NACL_PREFIX);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts a `$NACL` keyfile. A wrong password is [`WalletError::WrongPassword`].
pub fn decrypt(data: &[u8], password: &str, cost: KdfCost) -> Result<Zeroizing<Vec<u8>>, WalletError> {
    let body = data.strip_prefix(NACL_PREFIX).ok_or(WalletError::NotEncrypted)?;
    if body.len() < 24 + 16 {
        return Err(WalletError::Corrupt("encrypted keyfile too short".into()));
    }
    let (nonce, sealed) = body.split_at(24);
    let key = derive_key(password, cost)?;
    let cipher = XSalsa20Poly1305::new(Key::from_slice(&key[..]));
    cipher.decrypt(Nonce::from_slice(nonce), sealed).map(Zeroizing::new).map_err(|_| WalletError::WrongPassword)
}

/// Whether keyfile bytes are encrypted (any format).
pub fn is_encrypted(data: &[u8]) -> bool {
    data.starts_with(NACL_PREFIX) || data.starts_with(ANSIBLE_PREFIX) || data.starts_with(b"gAAAAA")
}

/// The private keyfile JSON of `keypair` (accountId, publicKey, privateKey, secretPhrase,
/// secretSeed, ss58Address; the phrase and seed only when known).
pub fn to_json(keypair: &Keypair) -> Zeroizing<String> {
    let public = hex_encode(&keypair.public().0);
    let mut map = Map::new();
    map.insert("accountId".into(), Value::String(public.clone()));
    map.insert("publicKey".into(), Value::String(public));
    map.insert("privateKey".into(), Value::String(hex_encode(&keypair.private_key())));
    map.insert("secretPhrase".into(), keypair.mnemonic().map_or(Value::Null, |m| Value::String(m.into())));
    map.insert("secretSeed".into(), keypair.seed().map_or(Value::Null, |s| Value::String(hex_encode(&s))));
    map.insert("ss58Address".into(), Value::String(keypair.ss58()));
    Zeroizing::new(Value::Object(map).to_string())
}

/// The public keyfile JSON (`coldkeypub.txt`, `hotkeys/<h>pub.txt`).
pub fn to_public_json(keypair_public: &agora_primitives::AccountId) -> String {
    let public = hex_encode(&keypair_public.0);
    serde_json::json!({"accountId": public, "publicKey": public, "ss58Address": keypair_public.to_string()}).to_string()
}

/// What a keyfile holds: a full key or only an address.
#[derive(Debug)]
pub enum KeyData {
    /// A private key.
    Private(Box<Keypair>),
    /// Only the public key.
    Public(agora_primitives::AccountId),
}

/// Parses a plaintext keyfile, with the reference's priority: `secretPhrase`, `secretSeed`,
/// `privateKey`, then `ss58Address`/`publicKey` (public only). Unknown keys and nulls are ignored.
pub fn from_json(text: &[u8]) -> Result<KeyData, WalletError> {
    let value: Value =
        serde_json::from_slice(text).map_err(|e| WalletError::Corrupt(format!("keyfile is not JSON: {e}")))?;
    let get = |k: &str| value.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    if let Some(phrase) = get("secretPhrase") {
        return Keypair::from_mnemonic(phrase).map(|k| KeyData::Private(Box::new(k)));
    }
    if let Some(seed) = get("secretSeed") {
        return Keypair::from_seed_hex(seed).map(|k| KeyData::Private(Box::new(k)));
    }
    if let Some(secret) = get("privateKey") {
        let bytes = hex_decode(secret).ok_or_else(|| WalletError::Corrupt("privateKey is not hex".into()))?;
        return Keypair::from_private_key(&bytes).map(|k| KeyData::Private(Box::new(k)));
    }
    if let Some(address) = get("ss58Address") {
        let account = address.parse().map_err(|_| WalletError::Corrupt(format!("bad ss58Address {address}")))?;
        return Ok(KeyData::Public(account));
    }
    if let Some(public) = get("publicKey").or_else(|| get("accountId")) {
        let bytes =
            hex_decode(public).filter(|b| b.len() == 32).ok_or_else(|| WalletError::Corrupt("bad publicKey".into()))?;
        return Ok(KeyData::Public(agora_primitives::AccountId(bytes.try_into().expect("32 bytes"))));
    }
    Err(WalletError::Corrupt("keyfile holds no key".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_round_trips_and_refuses_wrong_passwords() {
        let data = b"{\"secret\":1}";
        let sealed = encrypt(data, "correct horse", KdfCost::TEST_ONLY).unwrap();
        assert!(sealed.starts_with(NACL_PREFIX));
        assert!(is_encrypted(&sealed));
        assert_eq!(&decrypt(&sealed, "correct horse", KdfCost::TEST_ONLY).unwrap()[..], data);
        assert!(matches!(decrypt(&sealed, "wrong", KdfCost::TEST_ONLY), Err(WalletError::WrongPassword)));
        assert!(matches!(decrypt(b"$NACLshort", "x", KdfCost::TEST_ONLY), Err(WalletError::Corrupt(_))));
        assert!(matches!(decrypt(b"{}", "x", KdfCost::TEST_ONLY), Err(WalletError::NotEncrypted)));
    }

    #[test]
    fn json_round_trips_with_the_reference_priority() {
        let key = Keypair::from_mnemonic(&Keypair::generate_mnemonic(12).unwrap()).unwrap();
        let text = to_json(&key);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["ss58Address"], key.ss58());
        assert_eq!(value["accountId"], value["publicKey"]);
        let KeyData::Private(back) = from_json(text.as_bytes()).unwrap() else { panic!("private") };
        assert_eq!(back.ss58(), key.ss58());
        // Only the private key (as made from a URI): still loads.
        let uri = Keypair::from_uri("//Alice").unwrap();
        let KeyData::Private(back) = from_json(to_json(&uri).as_bytes()).unwrap() else { panic!("private") };
        assert_eq!(back.ss58(), uri.ss58());
        let KeyData::Public(account) = from_json(to_public_json(&key.public()).as_bytes()).unwrap() else { panic!() };
        assert_eq!(account, key.public());
        assert!(from_json(b"not json").is_err());
        assert!(from_json(b"{}").is_err());
    }
}
