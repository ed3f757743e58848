//! Secrets the network makes for itself: the gateway's API key, and files only their owner reads.

use std::path::Path;

use crate::error::{LocalnetError, Result};

/// A fresh API key: `sk-agora-` and 32 hex digits from the operating system's randomness.
pub fn api_key() -> Result<String> {
    let bytes: [u8; 16] = agora_primitives::random_bytes()
        .map_err(|e| LocalnetError::BadOption(format!("cannot read randomness for the API key: {e}")))?;
    Ok(format!("sk-agora-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// Writes `bytes` to `path` atomically with mode 0600.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}
