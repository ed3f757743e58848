//! sr25519 key pairs the way Substrate and the Bittensor wallet make them: BIP39 mnemonics with
//! the substrate "mini-secret" derivation, 32-byte seeds, 64-byte secrets, and `//Alice`-style
//! URIs with hard and soft junctions.

use agora_primitives::{AccountId, Pair, Signature, blake2_256};
use parity_scale_codec::Encode;
use schnorrkel::derive::{ChainCode, Derivation};
use schnorrkel::{ExpansionMode, SecretKey};
use zeroize::Zeroize;

use crate::WalletError;

/// The phrase behind Substrate's well-known dev accounts (`//Alice`, `//Bob`, …).
pub const DEV_PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/// A key pair with what it was made from (kept so keyfiles can record it, as the reference does).
#[derive(Clone)]
pub struct Keypair {
    pair: Pair,
    mnemonic: Option<String>,
    seed: Option<[u8; 32]>,
}

impl std::fmt::Debug for Keypair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keypair").field("ss58", &self.ss58()).finish_non_exhaustive()
    }
}

impl Drop for Keypair {
    fn drop(&mut self) {
        if let Some(m) = self.mnemonic.as_mut() {
            m.zeroize();
        }
        if let Some(s) = self.seed.as_mut() {
            s.zeroize();
        }
    }
}

impl Keypair {
    /// A new random mnemonic of `words` words (12, 15, 18, 21 or 24).
    pub fn generate_mnemonic(words: usize) -> Result<String, WalletError> {
        let bytes = match words {
            12 => 16,
            15 => 20,
            18 => 24,
            21 => 28,
            24 => 32,
            _ => return Err(WalletError::BadMnemonic(format!("{words} words: use 12, 15, 18, 21 or 24"))),
        };
        let entropy: [u8; 32] = agora_primitives::random_bytes()?;
        let mnemonic =
            bip39::Mnemonic::from_entropy(&entropy[..bytes]).map_err(|e| WalletError::BadMnemonic(e.to_string()))?;
        Ok(mnemonic.to_string())
    }

    /// The key of a BIP39 mnemonic (substrate derivation, empty passphrase).
    pub fn from_mnemonic(phrase: &str) -> Result<Keypair, WalletError> {
        Self::from_mnemonic_with_password(phrase, "")
    }

    fn from_mnemonic_with_password(phrase: &str, password: &str) -> Result<Keypair, WalletError> {
        let normalized = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
        let mnemonic = bip39::Mnemonic::parse_in(bip39::Language::English, &normalized)
            .map_err(|e| WalletError::BadMnemonic(e.to_string()))?;
        let mini = substrate_bip39::mini_secret_from_entropy(&mnemonic.to_entropy(), password)
            .map_err(|e| WalletError::BadMnemonic(format!("{e:?}")))?;
        let seed = mini.to_bytes();
        let mut keypair = Self::from_seed(&seed);
        keypair.mnemonic = Some(normalized);
        Ok(keypair)
    }

    /// The key of a 32-byte mini-secret seed.
    pub fn from_seed(seed: &[u8; 32]) -> Keypair {
        Keypair { pair: Pair::from_seed(seed), mnemonic: None, seed: Some(*seed) }
    }

    /// The key of a 64-byte secret (32-byte scalar ‖ 32-byte nonce), as keyfiles store it.
    pub fn from_private_key(secret: &[u8]) -> Result<Keypair, WalletError> {
        let secret = SecretKey::from_bytes(secret).map_err(|e| WalletError::BadKey(format!("private key: {e}")))?;
        Ok(Keypair { pair: Pair::from_keypair(secret.to_keypair()), mnemonic: None, seed: None })
    }

    /// A key from a hex seed: 32 bytes = mini-secret, 64 bytes = full secret (as the reference).
    pub fn from_seed_hex(text: &str) -> Result<Keypair, WalletError> {
        let bytes = hex_decode(text).ok_or_else(|| WalletError::BadKey("seed: not hex".into()))?;
        match bytes.len() {
            32 => Ok(Self::from_seed(&bytes.try_into().expect("32 bytes"))),
            64 => Self::from_private_key(&bytes),
            n => Err(WalletError::BadKey(format!("seed: {n} bytes, expected 32 or 64"))),
        }
    }

    /// A key from a Substrate secret URI: `[phrase | 0xseed][//hard | /soft]*[///password]`.
    /// A URI starting with `/` uses the dev phrase, so `//Alice` is the well-known Alice.
    pub fn from_uri(uri: &str) -> Result<Keypair, WalletError> {
        let (body, password) = match uri.split_once("///") {
            Some((body, password)) => (body, password),
            None => (uri, ""),
        };
        let first_junction = body.find('/').unwrap_or(body.len());
        let (root, junctions) = body.split_at(first_junction);
        let root = if root.trim().is_empty() { DEV_PHRASE } else { root.trim() };
        let base = if root.starts_with("0x") {
            if !password.is_empty() {
                return Err(WalletError::BadKey("a password applies to a phrase, not a hex seed".into()));
            }
            Self::from_seed_hex(root)?
        } else {
            Self::from_mnemonic_with_password(root, password)?
        };
        let mut keypair = base.pair.keypair().clone();
        let mut rest = junctions;
        if rest.is_empty() {
            return Ok(base);
        }
        while !rest.is_empty() {
            let hard = rest.starts_with("//");
            let after = if hard { &rest[2..] } else { &rest[1..] };
            let end = after.find('/').unwrap_or(after.len());
            let name = &after[..end];
            if name.is_empty() {
                return Err(WalletError::BadKey(format!("empty junction in {uri:?}")));
            }
            let code = chain_code(name);
            keypair = if hard {
                let (mini, _) = keypair.secret.hard_derive_mini_secret_key(Some(ChainCode(code)), b"");
                mini.expand_to_keypair(ExpansionMode::Ed25519)
            } else {
                keypair.derived_key_simple(ChainCode(code), []).0
            };
            rest = &after[end..];
        }
        Ok(Keypair { pair: Pair::from_keypair(keypair), mnemonic: None, seed: None })
    }

    /// The SS58 address (prefix 42).
    pub fn ss58(&self) -> String {
        self.pair.public().to_string()
    }

    /// The account id (public key).
    pub fn public(&self) -> AccountId {
        self.pair.public()
    }

    /// The signing pair.
    pub fn pair(&self) -> &Pair {
        &self.pair
    }

    /// The 64-byte secret (scalar ‖ nonce).
    pub fn private_key(&self) -> [u8; 64] {
        self.pair.keypair().secret.to_bytes()
    }

    /// The mnemonic, if the key was made from one.
    pub fn mnemonic(&self) -> Option<&str> {
        self.mnemonic.as_deref()
    }

    /// The 32-byte seed, if known.
    pub fn seed(&self) -> Option<[u8; 32]> {
        self.seed
    }

    /// Signs `message` (sr25519, context `substrate`; randomised).
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.pair.sign(message)
    }
}

/// A junction's chain code: a number as u64 little-endian, anything else SCALE-encoded as a
/// string; zero-padded to 32 bytes, or hashed when longer (Substrate's rule).
fn chain_code(junction: &str) -> [u8; 32] {
    let encoded = match junction.parse::<u64>() {
        Ok(n) => n.encode(),
        Err(_) => junction.encode(),
    };
    let mut code = [0u8; 32];
    if encoded.len() > 32 {
        code = blake2_256(&encoded).0;
    } else {
        code[..encoded.len()].copy_from_slice(&encoded);
    }
    code
}

/// Decodes `0x`-prefixed (or bare) hex.
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    let text = text.strip_prefix("0x").unwrap_or(text);
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// `0x`-prefixed lowercase hex.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_accounts_match_substrate() {
        // The well-known Substrate dev addresses.
        assert_eq!(Keypair::from_uri("//Alice").unwrap().ss58(), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        assert_eq!(Keypair::from_uri("//Bob").unwrap().ss58(), "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty");
        assert_eq!(Keypair::from_uri(DEV_PHRASE).unwrap().ss58(), "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV");
        assert_eq!(
            Keypair::from_uri("//Alice//stash").unwrap().ss58(),
            "5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY"
        );
    }

    #[test]
    fn mnemonic_and_seed_agree() {
        let phrase = Keypair::generate_mnemonic(12).unwrap();
        assert_eq!(phrase.split(' ').count(), 12);
        let from_phrase = Keypair::from_mnemonic(&phrase).unwrap();
        let from_seed = Keypair::from_seed(&from_phrase.seed().unwrap());
        assert_eq!(from_phrase.ss58(), from_seed.ss58());
        let from_secret = Keypair::from_private_key(&from_phrase.private_key()).unwrap();
        assert_eq!(from_secret.ss58(), from_phrase.ss58());
        assert_eq!(Keypair::generate_mnemonic(24).unwrap().split(' ').count(), 24);
        assert!(Keypair::generate_mnemonic(13).is_err());
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(Keypair::from_mnemonic("not a real mnemonic phrase at all").is_err());
        assert!(Keypair::from_seed_hex("0x1234").is_err());
        assert!(Keypair::from_seed_hex("zz").is_err());
        assert!(Keypair::from_uri("//").is_err());
        assert!(Keypair::from_private_key(&[0xff; 64]).is_err());
    }
}
