//! `agora wallet …`: create, regenerate, list, sign and verify Bittensor-format wallets, and on
//! the chain: balance, overview, transfer.
//!
//! Passwords: `AGORA_COLDKEY_PASSWORD` if set, else a prompt without echo on the terminal;
//! `--no-password` writes an unencrypted coldkey (development only).

use agora_client::Holdings;
use agora_client::preflight::{self, Amount, Planned};
use agora_primitives::AccountId;
use agora_wallet::message::{message_bytes, parse_signature, verify_message};
use agora_wallet::{KdfCost, Keypair, WalletError, list};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::args::{Global, WalletFlags};
use crate::failure::Failure;
use crate::out::{Hotkeys, Table, neuron_table};
use crate::session::{Session, parse_account, parse_tao, receipt_doc, short, tao};

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

pub fn run(cmd: WalletCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        WalletCommand::Create(NewKey { write, n_words, show_mnemonic }) => create(g, write, n_words, show_mnemonic),
        WalletCommand::NewColdkey(new) => new_coldkey(g, &new),
        WalletCommand::NewHotkey(new) => new_hotkey(g, &new),
        WalletCommand::RegenColdkey { write, source } => regen_coldkey(g, &write, &source),
        WalletCommand::RegenHotkey { write, source } => regen_hotkey(g, &write, &source),
        WalletCommand::RegenColdkeypub { write, ss58 } => regen_coldkeypub(g, &write, &ss58),
        WalletCommand::Balance { all, ss58 } => balance(g, &g.wallet, all, ss58),
        WalletCommand::Overview => overview(g, &g.wallet),
        WalletCommand::Transfer { dest, amount, all } => transfer(g, &g.wallet, &dest, amount, all),
        WalletCommand::List => list_wallets(g),
        WalletCommand::Sign { message, use_hotkey } => sign(g, message, use_hotkey),
        WalletCommand::Verify { message, signature, ss58 } => verify(g, message, signature, ss58),
    }
}

fn new_coldkey(g: &Global, new: &NewKey) -> Result<(), Failure> {
    let w = g.wallet.wallet()?;
    let (phrase, key) = fresh_key(new.n_words)?;
    w.create_coldkey(&key, new.write.overwrite, KdfCost::SENSITIVE, || new_password(&new.write))?;
    let doc = json!({"name": w.name(), "coldkey": key.ss58()});
    report_new_key(g, doc, format!("coldkey {}", key.ss58()), new.show_mnemonic.then_some(&phrase));
    Ok(())
}

fn new_hotkey(g: &Global, new: &NewKey) -> Result<(), Failure> {
    let wallet = &g.wallet;
    let w = wallet.wallet()?;
    let (phrase, key) = fresh_key(new.n_words)?;
    w.set_hotkey(&wallet.hotkey, &key, None, new.write.overwrite, KdfCost::SENSITIVE)?;
    let doc = json!({"name": w.name(), "hotkey_name": wallet.hotkey, "hotkey": key.ss58()});
    let text = format!("hotkey {} ({})", key.ss58(), wallet.hotkey);
    report_new_key(g, doc, text, new.show_mnemonic.then_some(&phrase));
    Ok(())
}

fn regen_coldkey(g: &Global, write: &WriteFlags, source: &KeySource) -> Result<(), Failure> {
    let w = g.wallet.wallet()?;
    let key = source.keypair()?;
    w.create_coldkey(&key, write.overwrite, KdfCost::SENSITIVE, || new_password(write))?;
    g.print(&json!({"name": w.name(), "ss58": key.ss58(), "coldkey": key.ss58()}), || {
        format!("coldkey {}", key.ss58())
    });
    Ok(())
}

fn regen_hotkey(g: &Global, write: &WriteFlags, source: &KeySource) -> Result<(), Failure> {
    let wallet = &g.wallet;
    let w = wallet.wallet()?;
    let key = source.keypair()?;
    w.set_hotkey(&wallet.hotkey, &key, None, write.overwrite, KdfCost::SENSITIVE)?;
    g.print(&json!({"name": w.name(), "hotkey_name": wallet.hotkey, "ss58": key.ss58(), "hotkey": key.ss58()}), || {
        format!("hotkey {} ({})", key.ss58(), wallet.hotkey)
    });
    Ok(())
}

fn regen_coldkeypub(g: &Global, write: &WriteFlags, ss58: &str) -> Result<(), Failure> {
    let w = g.wallet.wallet()?;
    let account: AccountId = ss58.parse().map_err(|_| Failure::msg(format!("{ss58} is not an SS58 address")))?;
    w.set_coldkeypub(&account, write.overwrite)?;
    g.print(&json!({"name": w.name(), "ss58": account.to_string()}), || format!("coldkeypub {account}"));
    Ok(())
}

fn create(g: &Global, write: WriteFlags, n_words: usize, show_mnemonic: bool) -> Result<(), Failure> {
    let wallet = &g.wallet;
    let cost = KdfCost::SENSITIVE;
    let w = wallet.wallet()?;
    let (cold_phrase, cold) = fresh_key(n_words)?;
    let (hot_phrase, hot) = fresh_key(n_words)?;
    let encrypted = w.create((&wallet.hotkey, &hot), &cold, write.overwrite, cost, || new_password(&write))?;
    let mut doc = json!({"name": w.name(), "path": w.dir(), "coldkey": cold.ss58(), "hotkey": hot.ss58(), "hotkey_name": wallet.hotkey, "encrypted": encrypted});
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

fn sign(g: &Global, message: String, use_hotkey: bool) -> Result<(), Failure> {
    let wallet = &g.wallet;
    let w = wallet.wallet()?;
    let key = if use_hotkey { w.hotkey(&wallet.hotkey, None, KdfCost::SENSITIVE)? } else { wallet.coldkey_pair()? };
    let signature = key.sign(&message_bytes(&message)?);
    let hex = format!("{signature:?}");
    g.print(&json!({"ss58": key.ss58(), "signature": hex}), || format!("{hex}\nsigned by {}", key.ss58()));
    Ok(())
}

fn verify(g: &Global, message: String, signature: String, ss58: String) -> Result<(), Failure> {
    let account = parse_account(&ss58)?;
    let valid = verify_message(&account, &message_bytes(&message)?, &parse_signature(&signature)?);
    g.print(&json!({"ss58": account.to_string(), "valid": valid}), || {
        if valid { "valid".into() } else { "INVALID".into() }
    });
    if valid { Ok(()) } else { Err(Failure::msg("the signature does not match").with_code(1)) }
}

fn list_wallets(g: &Global) -> Result<(), Failure> {
    let wallet = &g.wallet;
    let root = wallet.root();
    let wallets = list(&root);
    g.print(&json!({"path": root, "wallets": wallets}), || {
        if wallets.is_empty() {
            return format!("no wallets in {} (create one with `agora wallet create`)", root.display());
        }
        let mut text = Vec::new();
        for w in &wallets {
            text.push(format!("{}  coldkey {}", w.name, w.coldkey.as_deref().unwrap_or("?")));
            for h in &w.hotkeys {
                text.push(format!("  └ {}  {}", h.name, h.ss58.as_deref().unwrap_or("?")));
            }
        }
        text.join("\n")
    });
    Ok(())
}

/// `agora wallet balance`.
pub fn balance(g: &Global, wallet: &WalletFlags, all: bool, ss58: Option<String>) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let targets: Vec<(String, AccountId)> = match (ss58, all) {
        (Some(text), _) => vec![(text.clone(), parse_account(&text)?)],
        (None, true) => agora_wallet::list(&wallet.root())
            .into_iter()
            .filter_map(|w| Some((w.name, w.coldkey?.parse().ok()?)))
            .collect(),
        (None, false) => vec![(wallet.name().to_string(), wallet.coldkey_account()?)],
    };
    if targets.is_empty() {
        return Err(Failure::msg(format!("no wallets in {}", wallet.root().display())));
    }
    let mut rows = Vec::new();
    let mut sum = Holdings::default();
    for (name, coldkey) in targets {
        let held = session.client.holdings(&coldkey)?;
        sum = Holdings { free: sum.free.saturating_add(held.free), staked: sum.staked.saturating_add(held.staked) };
        rows.push((name, coldkey, held));
    }
    let doc = json!({
        "wallets": rows.iter().map(|(name, coldkey, h)| json!({
            "name": name, "coldkey": coldkey, "free": tao(h.free), "staked": tao(h.staked),
            "total": tao(h.total()), "free_rao": h.free.rao(), "staked_rao": h.staked.rao(),
        })).collect::<Vec<_>>(),
        "total": {"free": tao(sum.free), "staked": tao(sum.staked), "total": tao(sum.total())},
    });
    g.print(&doc, || {
        let mut t = Table::new(&["wallet", "coldkey", "free", "staked", "total"]);
        let cells = |h: &Holdings| [h.free, h.staked, h.total()].map(|b| b.to_string());
        for (name, coldkey, h) in &rows {
            t.row([name.clone(), coldkey.to_ss58()].into_iter().chain(cells(h)).collect());
        }
        if rows.len() > 1 {
            t.row(["total".into(), String::new()].into_iter().chain(cells(&sum)).collect());
        }
        t.to_string().trim_end().to_string()
    });
    Ok(())
}

/// `agora wallet overview`: every subnet where one of the coldkey's hotkeys holds a uid.
pub fn overview(g: &Global, wallet: &WalletFlags) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let coldkey = wallet.coldkey_account()?;
    let free = session.client.account(&coldkey)?.free;
    let entries = g.waiting("reading the metagraphs", || session.client.neurons_of_coldkey(&coldkey))?;
    let doc = json!({
        "name": wallet.name(), "coldkey": coldkey, "free": tao(free),
        "neurons": entries.iter().map(|(netuid, r)| {
            let mut v = serde_json::to_value(r).expect("serialisable");
            v["netuid"] = json!(netuid);
            v
        }).collect::<Vec<_>>(),
    });
    g.print(&doc, || {
        let head = format!("wallet {}  coldkey {}  free {}\n", wallet.name(), coldkey, free);
        if entries.is_empty() {
            return head + "no registered hotkeys (register with `agora subnets register --netuid N`)";
        }
        let rows: Vec<_> = entries.iter().map(|(n, r)| (Some(n.get()), r)).collect();
        let table = neuron_table(&rows, Hotkeys::Full);
        head + table.to_string().trim_end()
    });
    Ok(())
}

/// `agora wallet transfer`.
pub fn transfer(
    g: &Global,
    wallet: &WalletFlags,
    dest: &str,
    amount: Option<String>,
    all: bool,
) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let dest = parse_account(dest)?;
    let coldkey = wallet.coldkey_account()?;
    let amount = match (amount, all) {
        (Some(text), false) => Amount::Exact(parse_tao(&text)?),
        (None, true) => Amount::All,
        _ => return Err(Failure::msg("give either --amount TAO or --all")),
    };
    let Planned { call, value: amount } = preflight::transfer(&session.client, &coldkey, &dest, amount)?;
    let signer = wallet.coldkey_pair()?;
    let done = session.send(&signer, call, &format!("transfer {amount} to {dest}"))?;
    let mut doc = receipt_doc(&done);
    doc["from"] = json!(coldkey);
    doc["to"] = json!(dest);
    doc["amount"] = json!(tao(amount));
    g.print(&doc, || format!("sent {amount} to {} in block {} (fee {})", short(&dest), done.height, done.receipt.fee));
    Ok(())
}
