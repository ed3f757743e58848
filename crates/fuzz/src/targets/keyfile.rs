//! Keyfiles: the bytes of a wallet file through what the wallet does to open it (its private
//! `private_of`/`public_of`, followed step by step over the public pieces): the size limit, the
//! format by prefix (`$NACL`, `$ANSIBLE_VAULT`, Fernet's `gAAAAA`, else plaintext JSON),
//! decryption, then [`keyfile::from_json`] (mnemonic, seed, private key, SS58 address or public
//! key).
//!
//! Two costs are cut, neither of which depends on the bytes:
//! - `$NACL` files are opened with an 8 KiB, one-pass Argon2i instead of libsodium's 512 MiB,
//!   eight passes (which take seconds per input); the format and every parse are the same.
//! - An ansible-vault file is parsed ([`ansible::parse`]) on every input, but its keys (PBKDF2,
//!   10,000 rounds: milliseconds) are derived only when the parsed salt, HMAC and ciphertext are
//!   the pristine fixture's. With any other triple the HMAC check fails for the fixed password
//!   (a fuzzer does not forge HMAC-SHA256), so nothing after the derivation is reachable.

use agora_wallet::keyfile::{self, ANSIBLE_PREFIX, KdfCost, KeyData, NACL_PREFIX, NACL_SALT};
use agora_wallet::{DEV_PHRASE, Keypair, MAX_KEYFILE_BYTES, WalletError, ansible};
use argon2::{Algorithm, Argon2, Params, Version};
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};

use crate::mutate::{Generator, json};
use crate::rng::Rng;
use crate::runner::{Bound, Target, hex, variant};

/// The fields `from_json` reads.
const FIELDS: &[&str] = &["secretPhrase", "secretSeed", "privateKey", "ss58Address", "publicKey", "accountId"];

/// Values for those fields at the edges of what the key parsers take.
const VALUES: &[&str] = &[
    "",
    " ",
    // Valid: 24 words (one of the two valid phrases here; each costs PBKDF2's 2048 rounds).
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
    // A bad checksum, capitals, an unknown word, a URI's path, 11 and 13 words, one word.
    "bottom drive obey lake curtain smoke basket hold race lonely fit fit",
    "BOTTOM DRIVE OBEY LAKE CURTAIN SMOKE BASKET HOLD RACE LONELY FIT WALK",
    "zzzz drive obey lake curtain smoke basket hold race lonely fit walk",
    "bottom drive obey lake curtain smoke basket hold race lonely fit walk//Alice///pw",
    "bottom drive obey lake curtain smoke basket hold race lonely fit",
    "bottom drive obey lake curtain smoke basket hold race lonely fit walk walk",
    "abandon",
    "0x",
    "0x0",
    "0xzz",
    "+f+f",
    "0x0000000000000000000000000000000000000000000000000000000000000000",
    "0x000000000000000000000000000000000000000000000000000000000000000000",
    "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "0xedededededededededededededededededededededededededededededededed",
    "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
    "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ",
    "1",
    "é😀",
];

/// The password of the corpus's encrypted files.
const PASSWORD: &str = "ansible-pass";
/// The cheapest Argon2i libsodium's format allows (see the module doc).
const COST: KdfCost = KdfCost { memory_kib: 8, passes: 1 };
/// `//Alice`'s coldkey as an ansible vault (the wallet's fixture, which the reference opens).
const ANSIBLE: &[u8] = include_bytes!("../../../wallet/tests/fixtures/alice-coldkey.ansible-vault");

/// `$NACL ‖ nonce ‖ secretbox(plaintext)` with a fixed nonce, as [`keyfile::encrypt`] writes it.
fn nacl(plaintext: &[u8]) -> Vec<u8> {
    let params = Params::new(COST.memory_kib, COST.passes, 1, Some(32)).expect("valid parameters");
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2i, Version::V0x13, params)
        .hash_password_into(PASSWORD.as_bytes(), &NACL_SALT, &mut key)
        .expect("a 32-byte key");
    let nonce = [0x24u8; 24];
    let sealed =
        XSalsa20Poly1305::new(Key::from_slice(&key)).encrypt(Nonce::from_slice(&nonce), plaintext).expect("sealed");
    [NACL_PREFIX, &nonce, &sealed].concat()
}

/// The wallet's keyfile reading on `Wallet::coldkey`/`hotkey` (private) and
/// `coldkey_address` (public) paths.
pub struct Keyfiles {
    corpus: Vec<Vec<u8>>,
    /// The fixture's parsed envelope (see the module doc).
    pristine: ansible::Vault,
}

/// The corpus's first entries are plaintext JSON keyfiles.
const PLAINTEXT: usize = 6;

impl Keyfiles {
    /// The fixture's vault with one of its hex-encoded parts mutated, re-encoded as ansible
    /// does (hex of `salt\nhmac\nciphertext`, in lines of 80), under one of the headers
    /// the reader may meet.
    fn ansible(&self, rng: &mut Rng, generator: &Generator) -> Vec<u8> {
        let text = std::str::from_utf8(ANSIBLE).expect("text");
        let body: String = text.lines().skip(1).map(str::trim).collect();
        let inner: Vec<u8> =
            (0..body.len() / 2).filter_map(|i| u8::from_str_radix(&body[2 * i..2 * i + 2], 16).ok()).collect();
        let mut parts: Vec<Vec<u8>> = inner.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        let i = rng.below(parts.len());
        generator.havoc(rng, &mut parts[i]);
        if rng.one_in(8) {
            parts.push(b"00".to_vec());
        }
        let encoded = hex(&parts.join(&b'\n'));
        let width = rng.choose(&[80usize, 80, 64, 1, 4096]);
        let header = rng.choose(&[
            "$ANSIBLE_VAULT;1.1;AES256",
            "$ANSIBLE_VAULT;1.2;AES256;label",
            "$ANSIBLE_VAULT;1.1;AES",
            " $ANSIBLE_VAULT ; 1.1 ; AES256 ",
        ]);
        let mut out = header.to_string();
        for chunk in encoded.as_bytes().chunks(width) {
            out.push('\n');
            out.push_str(std::str::from_utf8(chunk).expect("hex"));
        }
        out.into_bytes()
    }
}

/// What a keyfile's bytes came to.
pub type Output = Result<KeyData, WalletError>;

impl Target for Keyfiles {
    const NAME: &'static str = "keyfile";
    const ABOUT: &'static str = "keyfile read: $NACL / ansible-vault / JSON → keypair (wallet)";
    /// A little above `MAX_KEYFILE_BYTES` (64 KiB), which the wallet refuses unread.
    const MAX_LEN: usize = MAX_KEYFILE_BYTES as usize + 1024;
    /// Argon2 holds its 8 KiB of memory blocks, BIP39 and the key expansion a few KiB (the
    /// constant); the ansible path holds the text, the hex-decoded body and its three
    /// hex-decoded parts (under 3 bytes per input byte); the JSON reader holds a
    /// `serde_json::Value` tree, up to ~95 bytes per input byte for an array of small objects
    /// (see the synapse target), within the 64 KiB file limit.
    const BOUND: Bound = Bound { per_byte: 128, constant: 256 * 1024 };
    type Output = Output;

    fn new() -> Self {
        let phrase = Keypair::from_mnemonic(DEV_PHRASE).expect("the dev phrase");
        let vector =
            Keypair::from_mnemonic("legal winner thank year wave sausage worth useful legal winner thank yellow")
                .expect("a BIP39 test vector");
        let uri = Keypair::from_uri("//Alice").expect("a dev URI");
        let seed = Keypair::from_seed(&[7; 32]);
        // Without `secretPhrase` (and `secretSeed`), the reader falls through to the next field.
        let without = |keypair: &Keypair, fields: &[&str]| {
            let mut value: serde_json::Value = serde_json::from_str(&keyfile::to_json(keypair)).expect("JSON");
            for field in fields {
                value[*field] = serde_json::Value::Null;
            }
            value.to_string().into_bytes()
        };
        // One plaintext in six holds a mnemonic: its key derivation (PBKDF2-SHA512, 2048
        // rounds) costs a millisecond whatever the bytes, and the mutations of the others still
        // reach the phrase reader through `VALUES`.
        let corpus = vec![
            keyfile::to_json(&phrase).as_bytes().to_vec(),
            without(&vector, &["secretPhrase"]),
            without(&uri, &["secretPhrase"]),
            keyfile::to_json(&seed).as_bytes().to_vec(),
            without(&seed, &["secretPhrase", "secretSeed"]),
            keyfile::to_public_json(&phrase.public()).into_bytes(),
            nacl(keyfile::to_json(&seed).as_bytes()),
            nacl(keyfile::to_json(&uri).as_bytes()),
            ANSIBLE.to_vec(),
            b"gAAAAABkZ2VjZXJ0aWZpY2F0ZXRva2VuMTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A=".to_vec(),
        ];
        Keyfiles { corpus, pristine: ansible::parse(ANSIBLE).expect("the fixture parses") }
    }

    fn corpus(&self) -> &[Vec<u8>] {
        &self.corpus
    }

    fn dictionary(&self) -> &[&'static [u8]] {
        &[
            b"$NACL",
            b"$ANSIBLE_VAULT;1.1;AES256\n",
            b"gAAAAA",
            b"\"secretPhrase\":",
            b"\"secretSeed\":",
            b"\"privateKey\":",
            b"\"ss58Address\":",
            b"\"publicKey\":",
            b"\"0x",
            b"null",
            b"abandon ",
            b"zoo ",
            b"//",
            b"///",
            b"0a",
            b"\n",
            b"\r\n",
            b"+f",
        ]
    }

    /// A plaintext keyfile with one field set to a boundary value or mutated as JSON, the same
    /// sealed as `$NACL` (so the decrypted text reaches the JSON reader), or the ansible
    /// vault re-encoded around a mutated salt, HMAC or ciphertext (so its hex layers parse).
    fn structured(&self, rng: &mut Rng, generator: &Generator) -> Option<Vec<u8>> {
        let plain = &self.corpus[rng.below(PLAINTEXT)];
        match rng.below(8) {
            0..=3 => {
                let mut value: serde_json::Value = serde_json::from_slice(plain).ok()?;
                for _ in 0..rng.between(1, 2) {
                    value[rng.choose(FIELDS)] = serde_json::Value::from(rng.choose(VALUES));
                }
                Some(value.to_string().into_bytes())
            }
            4 | 5 => json::mutate(rng, generator, plain, FIELDS),
            6 => Some(nacl(&json::mutate(rng, generator, plain, FIELDS)?)),
            _ => Some(self.ansible(rng, generator)),
        }
    }

    fn run(&self, input: &[u8]) -> Output {
        // `wallet::read` refuses a larger file before reading it.
        if input.len() as u64 > MAX_KEYFILE_BYTES {
            return Err(WalletError::Corrupt("larger than MAX_KEYFILE_BYTES".into()));
        }
        // The private path (`coldkey`/`hotkey`). The public one (`coldkey_address`) reads
        // plaintext files with the same `from_json`, so a plaintext file's run covers both.
        let plain = if input.starts_with(NACL_PREFIX) {
            keyfile::decrypt(input, PASSWORD, COST)?
        } else if input.starts_with(ANSIBLE_PREFIX) {
            let vault = ansible::parse(input)?;
            if vault != self.pristine {
                return Err(WalletError::WrongPassword);
            }
            vault.open(PASSWORD)?
        } else if input.starts_with(b"gAAAAA") {
            return Err(WalletError::UnsupportedFormat("keyfile".into(), "legacy Fernet"));
        } else {
            zeroize::Zeroizing::new(input.to_vec())
        };
        keyfile::from_json(&plain)
    }

    fn classify(&self, _: &[u8], output: &Output) -> Result<String, String> {
        Ok(match output {
            Ok(KeyData::Private(_)) => "ok private".into(),
            Ok(KeyData::Public(_)) => "ok public".into(),
            Err(e) => variant(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_corpus_file_opens_but_the_fernet_one() {
        let t = Keyfiles::new();
        let kinds: Vec<String> = t.corpus().iter().map(|i| t.classify(i, &t.run(i)).unwrap()).collect();
        assert_eq!(kinds.iter().filter(|k| k.starts_with("ok")).count(), kinds.len() - 1, "{kinds:?}");
        assert_eq!(kinds.last().map(String::as_str), Some("UnsupportedFormat"));
    }
}
