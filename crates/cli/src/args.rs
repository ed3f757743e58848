//! The options every command takes: the node (`--network`), output (`--json`, `--quiet`),
//! confirmations (`--yes`) and the wallet (btcli's `--wallet.name/--wallet.hotkey/--wallet.path`),
//! and how a wallet's keys are opened (passwords from the environment or a prompt).

use std::path::PathBuf;
use std::time::Duration;

use agora_primitives::{AccountId, NetUid};
use agora_wallet::{KdfCost, Keypair, Wallet, WalletError, default_root};
use clap::Args;

use crate::failure::Failure;

/// The node the chain commands talk to when none is given: the localnet's first validator.
pub const DEFAULT_NETWORK: &str = "http://127.0.0.1:30301";

/// Options every command takes (btcli's names accepted as aliases).
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The node's JSON-RPC endpoint (`http://HOST:PORT`, `ws://HOST:PORT`, or `local`).
    #[arg(
        long,
        global = true,
        visible_alias = "chain-endpoint",
        aliases = ["subtensor.network", "subtensor.chain_endpoint", "chain"],
        env = "AGORA_NETWORK",
        default_value = "local"
    )]
    pub network: String,
    /// Print one JSON document on stdout (errors still go to stderr).
    #[arg(long, global = true, aliases = ["json-output", "json-out"])]
    pub json: bool,
    /// Answer yes to every confirmation.
    #[arg(long, short = 'y', global = true, visible_alias = "no-prompt", alias = "no_prompt")]
    pub yes: bool,
    /// Print nothing but errors (and the JSON document with --json).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Which wallet and hotkey.
    #[command(flatten)]
    pub wallet: WalletFlags,
}

impl Global {
    /// The endpoint URL, with `local` spelled out.
    pub fn endpoint(&self) -> &str {
        if self.network == "local" { DEFAULT_NETWORK } else { &self.network }
    }
}

/// Where the wallet is (btcli's flag names and aliases).
#[derive(Debug, Args, Clone)]
pub struct WalletFlags {
    /// Wallet name.
    #[arg(
        long = "wallet.name",
        global = true,
        visible_alias = "wallet-name",
        alias = "name",
        default_value = "default",
        env = "BT_WALLET_NAME"
    )]
    name: String,
    /// Hotkey name.
    #[arg(
        long = "wallet.hotkey",
        global = true,
        visible_alias = "wallet-hotkey",
        alias = "hotkey",
        default_value = "default",
        env = "BT_WALLET_HOTKEY"
    )]
    pub hotkey: String,
    /// Wallets root (default ~/.bittensor/wallets).
    #[arg(long = "wallet.path", global = true, visible_alias = "wallet-path", alias = "path", env = "BT_WALLET_PATH")]
    path: Option<PathBuf>,
}

impl WalletFlags {
    /// The wallet.
    pub fn wallet(&self) -> Result<Wallet, Failure> {
        Ok(Wallet::new(self.path.clone().unwrap_or_else(default_root), &self.name)?)
    }

    /// The wallets root.
    pub fn root(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(default_root)
    }

    /// The wallet's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The coldkey's address (from `coldkeypub.txt`; no password needed).
    pub fn coldkey_account(&self) -> Result<AccountId, Failure> {
        Ok(self.wallet()?.coldkey_address()?)
    }

    /// The hotkey's address.
    pub fn hotkey_account(&self) -> Result<AccountId, Failure> {
        Ok(self.wallet()?.hotkey_address(&self.hotkey)?)
    }

    /// The coldkey, unlocked (asking for its password if it is encrypted).
    pub fn coldkey_pair(&self) -> Result<Keypair, Failure> {
        unlock_coldkey(&self.wallet()?)
    }

    /// The hotkey.
    pub fn hotkey_pair(&self) -> Result<Keypair, Failure> {
        Ok(self.wallet()?.hotkey(&self.hotkey, None, KdfCost::SENSITIVE)?)
    }
}

/// Opens a coldkey: unencrypted as is, else with the password from `AGORA_COLDKEY_PASSWORD`, the
/// reference's `BT_PW_<PATH>` variable, or a prompt.
fn unlock_coldkey(w: &Wallet) -> Result<Keypair, Failure> {
    if let Some(mode) = agora_wallet::loose_permissions(&w.coldkey_path()) {
        eprintln!(
            "agora: warning: {} is readable or writable by others (mode {mode:o}); `chmod 600` it",
            w.coldkey_path().display()
        );
    }
    if !w.coldkey_encrypted()? {
        return Ok(w.coldkey(None, KdfCost::SENSITIVE)?);
    }
    let password = existing_password(w)?;
    w.coldkey(Some(&password), KdfCost::SENSITIVE).map_err(wrong_password)
}

/// The password to open an encrypted coldkey.
fn existing_password(w: &Wallet) -> Result<String, Failure> {
    if let Ok(password) = std::env::var("AGORA_COLDKEY_PASSWORD") {
        return Ok(password);
    }
    if let Some(password) = agora_wallet::password_from_env(&w.coldkey_path()) {
        return Ok(password);
    }
    rpassword::prompt_password("Coldkey password: ")
        .map_err(|e| Failure::msg(format!("cannot read a password ({e}); set AGORA_COLDKEY_PASSWORD")))
}

fn wrong_password(e: WalletError) -> Failure {
    match e {
        WalletError::WrongPasswordFor(_) => Failure::from(e).with_code(1),
        other => other.into(),
    }
}

/// Parses a subnet id for clap.
pub fn netuid(text: &str) -> Result<NetUid, String> {
    text.trim().parse::<u16>().map(NetUid).map_err(|_| format!("{text:?} is not a netuid (0 to 65535)"))
}

/// Seconds from a flag, refusing what `Duration` cannot hold.
pub fn seconds(flag: &str, value: f64) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value).map_err(|_| Failure::msg(format!("{flag} must be a number of seconds ≥ 0")))
}
