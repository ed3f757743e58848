//! The operating system's randomness, for keys, nonces, salts and API keys. Never used by the
//! deterministic crates (`yuma`, `runtime`): their randomness arrives as block data.

/// The operating system could not provide randomness.
#[derive(Debug, thiserror::Error)]
#[error("the operating system gave no randomness: {0}")]
pub struct RandomError(String);

/// `N` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_draws_differ() {
        let a: [u8; 32] = super::random_bytes().unwrap();
        let b: [u8; 32] = super::random_bytes().unwrap();
        assert_ne!(a, b);
    }
}
