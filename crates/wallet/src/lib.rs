//! Coldkey/hotkey wallets in the Bittensor file format: mnemonics, dev URIs, `$NACL`-encrypted keyfiles.
//!
//! Wallets compatible with the Bittensor wallet files: a user's btcli wallets open here, and wallets made
//! here open in btcli.
//!
//! - [`Keypair`]: sr25519 keys from BIP39 mnemonics (Substrate's mini-secret derivation), seeds,
//!   64-byte secrets, and secret URIs (`//Alice`, `phrase//hard/soft///password`).
//! - [`keyfile`]: the keyfile JSON and `$NACL` encryption (Argon2i with libsodium's "sensitive"
//!   limits and the reference's fixed salt, XSalsa20-Poly1305), byte-compatible with the
//!   reference. Ansible-vault files are read, never written ([`ansible`]); legacy Fernet files
//!   are recognised and refused with a clear message.
//! - [`Wallet`]: the `<root>/<name>/{coldkey, coldkeypub.txt, hotkeys/…}` layout, atomic 0600
//!   writes, no overwrite unless asked.
//! - [`message`]: signing and verifying messages as the reference does (`0x…` hex, `<Bytes>`).
//! - [`password_from_env`]: the reference's `BT_PW_<PATH>` password variables.
//!
//! # Guarantees
//!
//! - Files are byte-compatible with btwallet (tested against the reference package in the CLI's
//!   interoperability test); writes are atomic with mode 0600 and never overwrite unless asked.
//! - A wrong password is reported as such and leaves the file untouched.
//!
//! # Status
//!
//! sr25519 keys only (no ed25519 or ECDSA wallets).
//!
//! # Example
//!
//! ```no_run
//! use agora_wallet::message::verify_message;
//! use agora_wallet::{KdfCost, Wallet, default_root};
//!
//! // `~/.bittensor/wallets/alice` (or under `$BT_WALLET_PATH`), as btcli lays it out.
//! let wallet = Wallet::new(default_root(), "alice")?;
//! println!("coldkey {}", wallet.coldkey_address()?);
//! // An unencrypted hotkey needs no password.
//! let hotkey = wallet.hotkey("default", None, KdfCost::SENSITIVE)?;
//! let signature = hotkey.sign(b"hello");
//! assert!(verify_message(&hotkey.public(), b"hello", &signature));
//! # Ok::<(), agora_wallet::WalletError>(())
//! ```

pub mod ansible;
mod env_password;
mod error;
pub mod keyfile;
mod keypair;
pub mod message;
mod wallet;

pub use env_password::{env_value, env_var_name, password_from_env};
pub use error::WalletError;
pub use keyfile::KdfCost;
pub use keypair::{DEV_PHRASE, Keypair};
pub use wallet::{
    HotkeySummary, MAX_KEYFILE_BYTES, Wallet, WalletSummary, default_root, expand, list, loose_permissions,
    write_private,
};
