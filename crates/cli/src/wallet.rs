//! `agora wallet …`: create, regenerate, list, sign and verify with Bittensor-format wallets.
//!
//! Passwords: `AGORA_COLDKEY_PASSWORD` if set, else a prompt without echo on the terminal;
//! `--no-password` writes an unencrypted coldkey (development only).

use std::path::PathBuf;

use agora_primitives::{AccountId, Signature};
use agora_wallet::{KdfCost, Keypair, Wallet, WalletError, default_root, list};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::Failure;
use crate::out::Global;

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
    fn wallet(&self) -> Result<Wallet, Failure> {
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
    if !w.coldkey_encrypted()? {
        return Ok(w.coldkey(None, KdfCost::SENSITIVE)?);
    }
    let password = existing_password(w)?;
    w.coldkey(Some(&password), KdfCost::SENSITIVE).map_err(wrong_password)
}

/// Options shared by the commands that write keys.
#[derive(Debug, Args, Clone)]
pub struct WriteFlags {
    /// Write the coldkey unencrypted (development only).
    #[arg(long)]
    no_password: bool,
    /// Replace existing key files.
    #[arg(long)]
    overwrite: bool,
}

/// `agora wallet`.
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// A new coldkey and hotkey.
    Create(NewKey),
    /// A new coldkey.
    NewColdkey(NewKey),
    /// A new hotkey.
    NewHotkey(NewKey),
    /// Recreate a coldkey from its mnemonic, seed or secret URI.
    RegenColdkey {
        #[command(flatten)]
        write: WriteFlags,
        #[command(flatten)]
        source: KeySource,
    },
    /// Recreate a hotkey from its mnemonic, seed or secret URI.
    RegenHotkey {
        #[command(flatten)]
        write: WriteFlags,
        #[command(flatten)]
        source: KeySource,
    },
    /// Write only `coldkeypub.txt` (a watch-only wallet) from an SS58 address.
    RegenColdkeypub {
        #[command(flatten)]
        write: WriteFlags,
        /// The coldkey's SS58 address.
        #[arg(long = "ss58", visible_alias = "ss58-address")]
        ss58: String,
    },
    /// Free and staked TAO of the coldkey (`--all`: of every wallet).
    Balance {
        /// Every wallet under the wallets root.
        #[arg(long)]
        all: bool,
        /// Any address instead of a wallet (SS58).
        #[arg(long, conflicts_with = "all")]
        ss58: Option<String>,
    },
    /// The coldkey's neurons on every subnet: uid, stake, incentive, dividends, emission, axon.
    Overview,
    /// Send TAO from the coldkey.
    Transfer {
        /// Recipient (SS58).
        #[arg(long, alias = "destination")]
        dest: String,
        /// TAO to send.
        #[arg(long, required_unless_present = "all")]
        amount: Option<String>,
        /// Send the whole free balance, less the fee.
        #[arg(long, conflicts_with = "amount")]
        all: bool,
    },
    /// Every wallet with its coldkey and hotkeys.
    List,
    /// Sign a message with the coldkey (or the hotkey).
    Sign {
        /// The message (UTF-8; `0x…` is signed as the bytes it encodes, as the reference does).
        #[arg(long)]
        message: String,
        /// Sign with the hotkey instead of the coldkey.
        #[arg(long)]
        use_hotkey: bool,
    },
    /// Verify a signature.
    Verify {
        /// The message.
        #[arg(long)]
        message: String,
        /// The signature (`0x` + 128 hex digits).
        #[arg(long)]
        signature: String,
        /// The signer's SS58 address.
        #[arg(long)]
        ss58: String,
    },
}

/// Options of the commands that make new keys.
#[derive(Debug, Args, Clone)]
pub struct NewKey {
    #[command(flatten)]
    write: WriteFlags,
    /// Words of the new mnemonics.
    #[arg(long, default_value_t = 12)]
    n_words: usize,
    /// Print the mnemonics (they are the keys: keep them secret).
    #[arg(long)]
    show_mnemonic: bool,
}

/// Where a regenerated key comes from.
#[derive(Debug, Args, Clone)]
#[group(required = true, multiple = false)]
pub struct KeySource {
    /// The BIP39 mnemonic.
    #[arg(long)]
    mnemonic: Option<String>,
    /// The 32-byte seed (or 64-byte secret) in hex.
    #[arg(long)]
    seed: Option<String>,
    /// A secret URI such as `//Alice`.
    #[arg(long)]
    uri: Option<String>,
}

impl KeySource {
    fn keypair(&self) -> Result<Keypair, WalletError> {
        match (&self.mnemonic, &self.seed, &self.uri) {
            (Some(m), _, _) => Keypair::from_mnemonic(m),
            (_, Some(s), _) => Keypair::from_seed_hex(s),
            (_, _, Some(u)) => Keypair::from_uri(u),
            _ => Err(WalletError::BadKey("give --mnemonic, --seed or --uri".into())),
        }
    }
}

/// The coldkey password for writing: env, or a prompt typed twice.
fn new_password(write: &WriteFlags) -> Result<Option<String>, Failure> {
    if write.no_password {
        return Ok(None);
    }
    if let Ok(password) = std::env::var("AGORA_COLDKEY_PASSWORD") {
        return Ok(Some(password));
    }
    let first = rpassword::prompt_password("Choose a coldkey password: ").map_err(|e| {
        Failure::msg(format!("cannot read a password ({e}); set AGORA_COLDKEY_PASSWORD or pass --no-password"))
    })?;
    if first.chars().count() < 6 {
        return Err(Failure::msg("the password must have at least 6 characters"));
    }
    let again = rpassword::prompt_password("Retype it: ").map_err(|e| Failure::msg(e.to_string()))?;
    if again != first {
        return Err(Failure::msg("the passwords differ; nothing was written"));
    }
    Ok(Some(first))
}

/// A new mnemonic and its key.
fn fresh_key(words: usize) -> Result<(String, Keypair), Failure> {
    let phrase = Keypair::generate_mnemonic(words)?;
    let key = Keypair::from_mnemonic(&phrase)?;
    Ok((phrase, key))
}

/// Prints a new key, with its mnemonic when asked.
fn report_new_key(g: &Global, mut doc: serde_json::Value, mut text: String, mnemonic: Option<&String>) {
    if let Some(phrase) = mnemonic {
        doc["mnemonic"] = json!(phrase);
        text.push_str(&format!("\nmnemonic: {phrase}"));
    }
    g.print(&doc, || text);
}

/// Writes a coldkey (asking for its password only once the target is known to be free).
fn store_coldkey(w: &Wallet, key: &Keypair, write: &WriteFlags) -> Result<(), Failure> {
    if !write.overwrite && (w.coldkey_path().exists() || w.coldkeypub_path().exists()) {
        return Err(WalletError::Exists(w.coldkey_path()).into());
    }
    let password = new_password(write)?;
    w.set_coldkey(key, password.as_deref(), write.overwrite, KdfCost::SENSITIVE)?;
    Ok(())
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
        WalletError::WrongPasswordFor(_) => Failure(e.to_string(), 1),
        other => other.into(),
    }
}

pub fn run(cmd: WalletCommand, g: &Global) -> Result<(), Failure> {
    let wallet = &g.wallet;
    let cost = KdfCost::SENSITIVE;
    match cmd {
        WalletCommand::Create(NewKey { write, n_words, show_mnemonic }) => {
            let w = wallet.wallet()?;
            let (cold_phrase, cold) = fresh_key(n_words)?;
            let (hot_phrase, hot) = fresh_key(n_words)?;
            // Check both targets before writing either, so a refusal writes nothing.
            for path in
                [w.coldkey_path(), w.coldkeypub_path(), w.hotkey_path(&wallet.hotkey), w.hotkeypub_path(&wallet.hotkey)]
            {
                if path.exists() && !write.overwrite {
                    return Err(WalletError::Exists(path).into());
                }
            }
            let password = new_password(&write)?;
            w.set_coldkey(&cold, password.as_deref(), write.overwrite, cost)?;
            w.set_hotkey(&wallet.hotkey, &hot, None, write.overwrite, cost)?;
            let mut doc = json!({"name": w.name(), "path": w.dir(), "coldkey": cold.ss58(), "hotkey": hot.ss58(), "hotkey_name": wallet.hotkey, "encrypted": password.is_some()});
            if show_mnemonic {
                doc["coldkey_mnemonic"] = json!(cold_phrase);
                doc["hotkey_mnemonic"] = json!(hot_phrase);
            }
            let mut text = format!(
                "wallet {} created in {}\n  coldkey {}\n  hotkey  {} ({})",
                w.name(),
                w.dir().display(),
                cold.ss58(),
                hot.ss58(),
                wallet.hotkey
            );
            if show_mnemonic {
                text.push_str(&format!("\n  coldkey mnemonic: {cold_phrase}\n  hotkey mnemonic:  {hot_phrase}\n  anyone with these words controls the keys"));
            }
            g.print(&doc, || text);
            Ok(())
        }
        WalletCommand::NewColdkey(NewKey { write, n_words, show_mnemonic }) => {
            let w = wallet.wallet()?;
            let (phrase, key) = fresh_key(n_words)?;
            store_coldkey(&w, &key, &write)?;
            let doc = json!({"name": w.name(), "coldkey": key.ss58()});
            report_new_key(g, doc, format!("coldkey {}", key.ss58()), show_mnemonic.then_some(&phrase));
            Ok(())
        }
        WalletCommand::NewHotkey(NewKey { write, n_words, show_mnemonic }) => {
            let w = wallet.wallet()?;
            let (phrase, key) = fresh_key(n_words)?;
            w.set_hotkey(&wallet.hotkey, &key, None, write.overwrite, cost)?;
            let doc = json!({"name": w.name(), "hotkey_name": wallet.hotkey, "hotkey": key.ss58()});
            report_new_key(
                g,
                doc,
                format!("hotkey {} ({})", key.ss58(), wallet.hotkey),
                show_mnemonic.then_some(&phrase),
            );
            Ok(())
        }
        WalletCommand::RegenColdkey { write, source } => {
            let w = wallet.wallet()?;
            let key = source.keypair()?;
            store_coldkey(&w, &key, &write)?;
            g.print(&json!({"name": w.name(), "ss58": key.ss58(), "coldkey": key.ss58()}), || {
                format!("coldkey {}", key.ss58())
            });
            Ok(())
        }
        WalletCommand::RegenHotkey { write, source } => {
            let w = wallet.wallet()?;
            let key = source.keypair()?;
            w.set_hotkey(&wallet.hotkey, &key, None, write.overwrite, cost)?;
            g.print(
                &json!({"name": w.name(), "hotkey_name": wallet.hotkey, "ss58": key.ss58(), "hotkey": key.ss58()}),
                || format!("hotkey {} ({})", key.ss58(), wallet.hotkey),
            );
            Ok(())
        }
        WalletCommand::RegenColdkeypub { write, ss58 } => {
            let w = wallet.wallet()?;
            let account: AccountId =
                ss58.parse().map_err(|_| Failure::msg(format!("{ss58} is not an SS58 address")))?;
            w.set_coldkeypub(&account, write.overwrite)?;
            g.print(&json!({"name": w.name(), "ss58": account.to_string()}), || format!("coldkeypub {account}"));
            Ok(())
        }
        WalletCommand::Balance { all, ss58 } => crate::wallet_chain::balance(g, wallet, all, ss58),
        WalletCommand::Overview => crate::wallet_chain::overview(g, wallet),
        WalletCommand::Transfer { dest, amount, all } => crate::wallet_chain::transfer(g, wallet, &dest, amount, all),
        WalletCommand::List => {
            let root = wallet.root();
            let wallets = list(&root);
            if g.json {
                println!("{}", json!({"path": root, "wallets": wallets}));
            } else if g.quiet {
            } else if wallets.is_empty() {
                println!("no wallets in {} (create one with `agora wallet create`)", root.display());
            } else {
                for w in &wallets {
                    println!("{}  coldkey {}", w.name, w.coldkey.as_deref().unwrap_or("?"));
                    for h in &w.hotkeys {
                        println!("  └ {}  {}", h.name, h.ss58.as_deref().unwrap_or("?"));
                    }
                }
            }
            Ok(())
        }
        WalletCommand::Sign { message, use_hotkey } => {
            let w = wallet.wallet()?;
            let key = if use_hotkey { w.hotkey(&wallet.hotkey, None, cost)? } else { unlock_coldkey(&w)? };
            let bytes = message_bytes(&message)?;
            let signature = key.sign(&bytes);
            let hex = format!("0x{}", signature.0.iter().map(|b| format!("{b:02x}")).collect::<String>());
            g.print(&json!({"ss58": key.ss58(), "signature": hex}), || format!("{hex}\nsigned by {}", key.ss58()));
            Ok(())
        }
        WalletCommand::Verify { message, signature, ss58 } => {
            let account: AccountId =
                ss58.parse().map_err(|_| Failure::msg(format!("{ss58} is not an SS58 address")))?;
            let raw = signature.strip_prefix("0x").unwrap_or(&signature);
            let bytes: Vec<u8> = (0..raw.len())
                .step_by(2)
                .map(|i| raw.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                .collect::<Option<_>>()
                .filter(|b: &Vec<u8>| b.len() == 64)
                .ok_or_else(|| Failure::msg("the signature must be 0x + 128 hex digits"))?;
            let signature = Signature(bytes.try_into().expect("64 bytes"));
            let message = message_bytes(&message)?;
            // As the reference: the raw message, or polkadot.js's <Bytes>-wrapped form.
            let wrapped = [b"<Bytes>".as_slice(), &message, b"</Bytes>"].concat();
            let valid = agora_primitives::verify(&account, &message, &signature)
                || agora_primitives::verify(&account, &wrapped, &signature);
            g.print(&json!({"ss58": account.to_string(), "valid": valid}), || {
                if valid { "valid".into() } else { "INVALID".into() }
            });
            if valid { Ok(()) } else { Err(Failure("the signature does not match".into(), 1)) }
        }
    }
}

/// The bytes a message stands for: `0x…` is hex-decoded, anything else is UTF-8.
fn message_bytes(message: &str) -> Result<Vec<u8>, Failure> {
    match message.strip_prefix("0x") {
        Some(hex) => (0..hex.len())
            .step_by(2)
            .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| Failure::msg("the message starts with 0x but is not hex")),
        None => Ok(message.as_bytes().to_vec()),
    }
}
