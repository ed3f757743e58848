//! Wallet errors: each says what to do next.

use std::path::PathBuf;

/// What can go wrong with keys and wallet files.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// A file could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// The operating system gave no randomness (for a new key or a keyfile's nonce).
    #[error(transparent)]
    Random(#[from] agora_primitives::RandomError),
    /// The mnemonic is not a valid BIP39 English phrase.
    #[error("bad mnemonic: {0}")]
    BadMnemonic(String),
    /// A seed, secret or URI is malformed.
    #[error("bad key: {0}")]
    BadKey(String),
    /// Key derivation or encryption failed.
    #[error("crypto error: {0}")]
    Crypto(String),
    /// The password does not open the keyfile (nothing was changed).
    #[error("wrong password")]
    WrongPassword,
    /// The password does not open this keyfile (nothing was changed). Authenticated encryption
    /// cannot tell a wrong password from damaged bytes, so both are named.
    #[error("wrong password for coldkey {} (or the file is damaged: it does not decrypt with this password)", .0.display())]
    WrongPasswordFor(PathBuf),
    /// Decryption was asked of a plaintext file.
    #[error("the keyfile is not encrypted")]
    NotEncrypted,
    /// A keyfile in a format we cannot open.
    #[error("{path} uses the {format} format, which agora cannot open; re-create it with `agora wallet regen-coldkey`", path = .0.display(), format = .1)]
    UnsupportedFormat(PathBuf, &'static str),
    /// The file is damaged.
    #[error("corrupt keyfile: {0}")]
    Corrupt(String),
    /// The file exists and overwriting was not asked for.
    #[error("{} already exists; pass --overwrite to replace it", .0.display())]
    Exists(PathBuf),
    /// The file does not exist.
    #[error("{} does not exist; create it with `agora wallet create`", .0.display())]
    Missing(PathBuf),
    /// A message or signature given on the command line is malformed.
    #[error("{0}")]
    BadInput(String),
    /// The keyfile is encrypted and no password was given.
    #[error("{} is encrypted: give the password (prompt, or AGORA_COLDKEY_PASSWORD)", .0.display())]
    PasswordNeeded(PathBuf),
}
