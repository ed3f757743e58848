//! Reading ansible-vault keyfiles (`$ANSIBLE_VAULT;1.1;AES256`), which the reference still opens:
//! PBKDF2-HMAC-SHA256 (10,000 rounds) over a random salt gives an AES-256 key, an HMAC-SHA256 key
//! and a CTR counter; the HMAC covers the ciphertext; the plaintext is PKCS#7-padded. We only read
//! this format; new files are written as `$NACL`.

use aes::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::WalletError;

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

fn hex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    text.chunks(2).map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok()).collect()
}

/// An ansible-vault file's envelope, parsed but not yet opened: what [`parse`] reads from the
/// untrusted bytes before any key derivation. Two vaults are equal when their salt, HMAC and
/// ciphertext are.
#[derive(PartialEq, Eq)]
pub struct Vault {
    salt: Vec<u8>,
    mac: Vec<u8>,
    ciphertext: Vec<u8>,
}

/// Decrypts an ansible-vault file. A wrong password is [`WalletError::WrongPassword`].
pub fn decrypt(data: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, WalletError> {
    parse(data)?.open(password)
}

/// Reads an ansible-vault file's header and hex layers (no key derivation, so cheap): the
/// part of [`decrypt`] that depends only on the file's bytes.
pub fn parse(data: &[u8]) -> Result<Vault, WalletError> {
    let text = std::str::from_utf8(data).map_err(|_| corrupt("not text"))?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let fields: Vec<&str> = header.trim().split(';').collect();
    if fields.first() != Some(&"$ANSIBLE_VAULT") || fields.get(2).map(|c| c.trim()) != Some("AES256") {
        return Err(corrupt(&format!("unsupported header {header:?} (only 1.1/1.2 AES256)")));
    }
    let body: String = lines.map(str::trim).collect();
    let inner = hex(body.as_bytes()).ok_or_else(|| corrupt("body is not hex"))?;
    let parts: Vec<&[u8]> = inner.split(|&b| b == b'\n').collect();
    let [salt, mac, ciphertext] = parts[..] else { return Err(corrupt("expected salt, HMAC and ciphertext")) };
    Ok(Vault {
        salt: hex(salt).ok_or_else(|| corrupt("salt"))?,
        mac: hex(mac).ok_or_else(|| corrupt("hmac"))?,
        ciphertext: hex(ciphertext).ok_or_else(|| corrupt("ciphertext"))?,
    })
}

fn corrupt(what: &str) -> WalletError {
    WalletError::Corrupt(format!("ansible-vault keyfile: {what}"))
}

impl Vault {
    /// Derives the keys from `password` (PBKDF2, 10,000 rounds), checks the HMAC and decrypts.
    /// A wrong password is [`WalletError::WrongPassword`].
    pub fn open(self, password: &str) -> Result<Zeroizing<Vec<u8>>, WalletError> {
        let Vault { salt, mac, ciphertext } = self;
        let mut keys = Zeroizing::new([0u8; 80]);
        pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, 10_000, &mut keys[..]);
        let (cipher_key, rest) = keys.split_at(32);
        let (mac_key, iv) = rest.split_at(32);
        let mut check = <Hmac<Sha256> as Mac>::new_from_slice(mac_key).expect("any key length");
        check.update(&ciphertext);
        check.verify_slice(&mac).map_err(|_| WalletError::WrongPassword)?;
        let mut plain = Zeroizing::new(ciphertext);
        Aes256Ctr::new(cipher_key.into(), iv.into()).apply_keystream(&mut plain);
        let pad = usize::from(*plain.last().ok_or_else(|| corrupt("empty"))?);
        if pad == 0
            || pad > 16
            || pad > plain.len()
            || plain[plain.len() - pad..].iter().any(|&b| usize::from(b) != pad)
        {
            return Err(corrupt("bad padding"));
        }
        let len = plain.len() - pad;
        plain.truncate(len);
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made from `//Alice` by a script following the format; the reference library
    /// (`bittensor_wallet.keyfile.decrypt_keyfile_data`) opens it with the same password.
    const ALICE: &[u8] = include_bytes!("../tests/fixtures/alice-coldkey.ansible-vault");

    #[test]
    fn opens_the_fixture_and_refuses_a_wrong_password() {
        let plain = decrypt(ALICE, "ansible-pass").unwrap();
        let text = std::str::from_utf8(&plain).unwrap();
        assert!(text.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"), "{text}");
        assert!(matches!(decrypt(ALICE, "wrong"), Err(WalletError::WrongPassword)));
        assert!(matches!(decrypt(b"$ANSIBLE_VAULT;1.1;AES256\nzz", "x"), Err(WalletError::Corrupt(_))));
        assert!(matches!(decrypt(b"$ANSIBLE_VAULT;1.0;DES\n00", "x"), Err(WalletError::Corrupt(_))));
    }
}
