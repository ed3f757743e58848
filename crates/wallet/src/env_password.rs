//! The reference wallet's password-in-environment convention: `BT_PW_<PATH>` holds the password
//! of the keyfile at `<PATH>` (separators and dots as `_`, upper case), XOR-ed with the variable's
//! name and base64-encoded. Automation written for btcli keeps working unchanged.

use std::path::Path;

/// The variable that holds the password of the keyfile at `path`.
pub fn env_var_name(path: &Path) -> String {
    let text = path.to_string_lossy().replace([std::path::MAIN_SEPARATOR, '.'], "_");
    format!("BT_PW_{}", text.to_uppercase())
}

/// The password for the keyfile at `path` from its `BT_PW_…` variable, if set and well formed.
pub fn password_from_env(path: &Path) -> Option<String> {
    let name = env_var_name(path);
    let encoded = std::env::var(&name).ok()?;
    let text = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    xor(&text, &name)
}

/// The value to put in the `BT_PW_…` variable for `password` (what `save_password_to_env` does);
/// `None` in the rare case the XOR leaves Unicode (a non-ASCII path).
pub fn env_value(path: &Path, password: &str) -> Option<String> {
    Some(base64_encode(xor(password, &env_var_name(path))?.as_bytes()))
}

/// btwallet XORs characters (code points), not bytes, then encodes the result as UTF-8.
fn xor(text: &str, key: &str) -> Option<String> {
    let key: Vec<u32> = key.chars().map(u32::from).collect();
    text.chars().enumerate().map(|(i, c)| char::from_u32(u32::from(c) ^ key[i % key.len()])).collect()
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_follow_the_reference() {
        let path = Path::new("/home/me/.bittensor/wallets/default/coldkey");
        assert_eq!(env_var_name(path), "BT_PW__HOME_ME__BITTENSOR_WALLETS_DEFAULT_COLDKEY");
        for password in ["", "a", "ab", "abc", "pässwörd-123"] {
            let value = env_value(path, password).unwrap();
            let text = String::from_utf8(base64_decode(&value).unwrap()).unwrap();
            assert_eq!(xor(&text, &env_var_name(path)).as_deref(), Some(password));
        }
        // Character-wise: 'ä' (U+00E4) XOR 'B' (0x42) is U+00A6, two bytes in UTF-8.
        assert_eq!(xor("ä", "B").unwrap(), "\u{a6}");
        assert_eq!(base64_encode(b"any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw==");
        assert_eq!(base64_decode("YW55IGNhcm5hbCBwbGVhcw=="), Some(b"any carnal pleas".to_vec()));
        assert_eq!(base64_decode("not base64!"), None);
    }
}
