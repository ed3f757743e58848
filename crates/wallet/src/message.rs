//! Signing and verifying messages as the reference wallet does: a message written `0x…` stands
//! for the bytes it encodes, and a signature over polkadot.js's `<Bytes>…</Bytes>` wrapping of
//! the message verifies too.

use agora_primitives::{AccountId, Signature, verify};

use crate::WalletError;

/// The bytes a message stands for: `0x…` is hex-decoded, anything else is its UTF-8.
pub fn message_bytes(message: &str) -> Result<Vec<u8>, WalletError> {
    let Some(hex) = message.strip_prefix("0x") else {
        return Ok(message.as_bytes().to_vec());
    };
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| WalletError::BadInput("the message starts with 0x but is not hex".into()))
}

/// Parses a signature written `0x` + 128 hex digits.
pub fn parse_signature(text: &str) -> Result<Signature, WalletError> {
    Signature::from_hex(text).ok_or_else(|| WalletError::BadInput("the signature must be 0x + 128 hex digits".into()))
}

/// Whether `signature` signs `message` (raw, or in polkadot.js's `<Bytes>` wrapping) by `signer`.
pub fn verify_message(signer: &AccountId, message: &[u8], signature: &Signature) -> bool {
    let wrapped = [b"<Bytes>".as_slice(), message, b"</Bytes>"].concat();
    verify(signer, message, signature) || verify(signer, &wrapped, signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Keypair;

    #[test]
    fn hex_messages_are_their_bytes_and_both_forms_verify() {
        assert_eq!(message_bytes("0x6869").unwrap(), b"hi");
        assert_eq!(message_bytes("hi").unwrap(), b"hi");
        assert!(message_bytes("0xzz").is_err());
        let key = Keypair::from_uri("//Alice").unwrap();
        let raw = key.sign(b"hi");
        let wrapped = key.sign(b"<Bytes>hi</Bytes>");
        assert!(verify_message(&key.public(), b"hi", &raw));
        assert!(verify_message(&key.public(), b"hi", &wrapped));
        assert!(!verify_message(&key.public(), b"ho", &raw));
        assert_eq!(parse_signature(&format!("{raw:?}")).unwrap(), raw);
        assert!(parse_signature("0x12").is_err());
    }
}
