//! Wallet directories in the Bittensor layout:
//! `<root>/<name>/{coldkey, coldkeypub.txt, hotkeys/<hotkey>, hotkeys/<hotkey>pub.txt}`.
//!
//! Every write goes to a temporary file created with mode 0600 in the same directory, is synced,
//! then renamed over the target, so a crash leaves the old file or the new one, never half of
//! one. Nothing is overwritten unless asked.

use std::io::Write;
use std::path::{Path, PathBuf};

use agora_primitives::AccountId;

use crate::WalletError;
use crate::keyfile::{self, KdfCost, KeyData};
use crate::keypair::Keypair;

/// The default wallets root: `$BT_WALLET_PATH`, else `~/.bittensor/wallets`.
pub fn default_root() -> PathBuf {
    if let Some(path) = std::env::var_os("BT_WALLET_PATH") {
        return expand(Path::new(&path));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".bittensor").join("wallets")
}

/// Expands a leading `~`.
pub fn expand(path: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(rest),
        Err(_) => path.to_path_buf(),
    }
}

/// One wallet: a coldkey and its hotkeys.
#[derive(Clone, Debug)]
pub struct Wallet {
    root: PathBuf,
    name: String,
}

/// A wallet as `wallet list` shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WalletSummary {
    /// Wallet name.
    pub name: String,
    /// Coldkey address, if its public file or plaintext key is readable.
    pub coldkey: Option<String>,
    /// Hotkeys: (name, address).
    pub hotkeys: Vec<HotkeySummary>,
}

/// A hotkey as `wallet list` shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HotkeySummary {
    /// Hotkey name.
    pub name: String,
    /// Address.
    pub ss58: Option<String>,
}

impl Wallet {
    /// The wallet `name` under `root`.
    pub fn new(root: impl AsRef<Path>, name: &str) -> Result<Wallet, WalletError> {
        check_name(name)?;
        Ok(Wallet { root: expand(root.as_ref()), name: name.to_string() })
    }

    /// Its directory.
    pub fn dir(&self) -> PathBuf {
        self.root.join(&self.name)
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `coldkey`.
    pub fn coldkey_path(&self) -> PathBuf {
        self.dir().join("coldkey")
    }

    /// `coldkeypub.txt`.
    pub fn coldkeypub_path(&self) -> PathBuf {
        self.dir().join("coldkeypub.txt")
    }

    /// `hotkeys/<name>`.
    pub fn hotkey_path(&self, hotkey: &str) -> PathBuf {
        self.dir().join("hotkeys").join(hotkey)
    }

    /// `hotkeys/<name>pub.txt`.
    pub fn hotkeypub_path(&self, hotkey: &str) -> PathBuf {
        self.dir().join("hotkeys").join(format!("{hotkey}pub.txt"))
    }

    /// Writes the coldkey (encrypted unless `password` is `None`) and `coldkeypub.txt`.
    pub fn set_coldkey(
        &self,
        key: &Keypair,
        password: Option<&str>,
        overwrite: bool,
        cost: KdfCost,
    ) -> Result<(), WalletError> {
        self.check_free(&[self.coldkey_path(), self.coldkeypub_path()], overwrite)?;
        let json = keyfile::to_json(key);
        let data = match password {
            Some(password) => keyfile::encrypt(json.as_bytes(), password, cost)?,
            None => json.as_bytes().to_vec(),
        };
        write_atomic(&self.coldkey_path(), &data)?;
        write_atomic(&self.coldkeypub_path(), keyfile::to_public_json(&key.public()).as_bytes())
    }

    /// Writes a new coldkey, asking `password` (`None`: unencrypted) only once its files are known
    /// to be free (or `overwrite`), so a refusal asks nothing and writes nothing. Returns whether
    /// it was encrypted.
    pub fn create_coldkey<E: From<WalletError>>(
        &self,
        key: &Keypair,
        overwrite: bool,
        cost: KdfCost,
        password: impl FnOnce() -> Result<Option<String>, E>,
    ) -> Result<bool, E> {
        self.check_free(&[self.coldkey_path(), self.coldkeypub_path()], overwrite)?;
        let password = password()?;
        self.set_coldkey(key, password.as_deref(), overwrite, cost)?;
        Ok(password.is_some())
    }

    /// Writes a new coldkey and hotkey `hotkey` together, as [`Wallet::create_coldkey`]: both
    /// targets are checked before the password is asked and before either is written.
    pub fn create<E: From<WalletError>>(
        &self,
        hotkey: (&str, &Keypair),
        coldkey: &Keypair,
        overwrite: bool,
        cost: KdfCost,
        password: impl FnOnce() -> Result<Option<String>, E>,
    ) -> Result<bool, E> {
        let (name, hot) = hotkey;
        check_name(name)?;
        self.check_free(&[self.hotkey_path(name), self.hotkeypub_path(name)], overwrite)?;
        let encrypted = self.create_coldkey(coldkey, overwrite, cost, password)?;
        self.set_hotkey(name, hot, None, overwrite, cost)?;
        Ok(encrypted)
    }

    /// Writes only `coldkeypub.txt` (a watch-only wallet).
    pub fn set_coldkeypub(&self, account: &AccountId, overwrite: bool) -> Result<(), WalletError> {
        self.check_free(&[self.coldkeypub_path()], overwrite)?;
        write_atomic(&self.coldkeypub_path(), keyfile::to_public_json(account).as_bytes())
    }

    /// Writes hotkey `hotkey` (plaintext unless `password` is given) and its public file.
    pub fn set_hotkey(
        &self,
        hotkey: &str,
        key: &Keypair,
        password: Option<&str>,
        overwrite: bool,
        cost: KdfCost,
    ) -> Result<(), WalletError> {
        check_name(hotkey)?;
        self.check_free(&[self.hotkey_path(hotkey), self.hotkeypub_path(hotkey)], overwrite)?;
        let json = keyfile::to_json(key);
        let data = match password {
            Some(password) => keyfile::encrypt(json.as_bytes(), password, cost)?,
            None => json.as_bytes().to_vec(),
        };
        write_atomic(&self.hotkey_path(hotkey), &data)?;
        write_atomic(&self.hotkeypub_path(hotkey), keyfile::to_public_json(&key.public()).as_bytes())
    }

    fn check_free(&self, paths: &[PathBuf], overwrite: bool) -> Result<(), WalletError> {
        if !overwrite && let Some(existing) = paths.iter().find(|p| p.exists()) {
            return Err(WalletError::Exists(existing.clone()));
        }
        Ok(())
    }

    /// The coldkey's address, from `coldkeypub.txt` (or a plaintext coldkey).
    pub fn coldkey_address(&self) -> Result<AccountId, WalletError> {
        public_of(&self.coldkeypub_path()).or_else(|_| public_of(&self.coldkey_path()))
    }

    /// The address of hotkey `hotkey`.
    pub fn hotkey_address(&self, hotkey: &str) -> Result<AccountId, WalletError> {
        public_of(&self.hotkeypub_path(hotkey)).or_else(|_| public_of(&self.hotkey_path(hotkey)))
    }

    /// The coldkey, decrypted with `password` if it is encrypted.
    pub fn coldkey(&self, password: Option<&str>, cost: KdfCost) -> Result<Keypair, WalletError> {
        private_of(&self.coldkey_path(), password, cost)
    }

    /// Hotkey `hotkey`, decrypted with `password` if it is encrypted.
    pub fn hotkey(&self, hotkey: &str, password: Option<&str>, cost: KdfCost) -> Result<Keypair, WalletError> {
        private_of(&self.hotkey_path(hotkey), password, cost)
    }

    /// Whether the coldkey file is encrypted.
    pub fn coldkey_encrypted(&self) -> Result<bool, WalletError> {
        Ok(keyfile::is_encrypted(&read(&self.coldkey_path())?))
    }

    /// Names of its hotkeys, sorted.
    pub fn hotkey_names(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir().join("hotkeys")) else { return Vec::new() };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.ends_with("pub.txt") && !n.starts_with('.'))
            .collect();
        names.sort();
        names
    }

    /// What `wallet list` shows for it.
    pub fn summary(&self) -> WalletSummary {
        WalletSummary {
            name: self.name.clone(),
            coldkey: self.coldkey_address().ok().map(|a| a.to_string()),
            hotkeys: self
                .hotkey_names()
                .into_iter()
                .map(|name| HotkeySummary { ss58: self.hotkey_address(&name).ok().map(|a| a.to_string()), name })
                .collect(),
        }
    }
}

/// Every wallet under `root`, sorted by name.
pub fn list(root: &Path) -> Vec<WalletSummary> {
    let root = expand(root);
    let Ok(entries) = std::fs::read_dir(&root) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names.into_iter().filter_map(|n| Wallet::new(&root, &n).ok()).map(|w| w.summary()).collect()
}

fn check_name(name: &str) -> Result<(), WalletError> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
        return Err(WalletError::BadKey(format!("{name:?} is not a usable wallet or hotkey name")));
    }
    Ok(())
}

/// The largest keyfile read (a real one is well under a kilobyte); a larger file is damaged or
/// not a keyfile, and is not read into memory.
pub const MAX_KEYFILE_BYTES: u64 = 64 * 1024;

fn read(path: &Path) -> Result<Vec<u8>, WalletError> {
    use std::io::Read;
    let io = |error: std::io::Error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            WalletError::Missing(path.into())
        } else {
            WalletError::Io { path: path.into(), error }
        }
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut data = Vec::new();
    file.take(MAX_KEYFILE_BYTES + 1).read_to_end(&mut data).map_err(io)?;
    if data.len() as u64 > MAX_KEYFILE_BYTES {
        return Err(WalletError::Corrupt(format!(
            "{} is larger than {MAX_KEYFILE_BYTES} bytes: not a keyfile",
            path.display()
        )));
    }
    Ok(data)
}

/// The permission bits of a keyfile that lets others than its owner read or write it (`None`
/// when only the owner can, or off Unix), so a caller can warn as ssh does.
pub fn loose_permissions(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn public_of(path: &Path) -> Result<AccountId, WalletError> {
    let data = read(path)?;
    if keyfile::is_encrypted(&data) {
        return Err(WalletError::PasswordNeeded(path.into()));
    }
    match keyfile::from_json(&data)? {
        KeyData::Private(key) => Ok(key.public()),
        KeyData::Public(account) => Ok(account),
    }
}

fn private_of(path: &Path, password: Option<&str>, cost: KdfCost) -> Result<Keypair, WalletError> {
    let data = read(path)?;
    let plain = if data.starts_with(keyfile::NACL_PREFIX) {
        let password = password.ok_or_else(|| WalletError::PasswordNeeded(path.into()))?;
        keyfile::decrypt(&data, password, cost).map_err(|e| match e {
            WalletError::WrongPassword => WalletError::WrongPasswordFor(path.into()),
            other => other,
        })?
    } else if data.starts_with(keyfile::ANSIBLE_PREFIX) {
        let password = password.ok_or_else(|| WalletError::PasswordNeeded(path.into()))?;
        crate::ansible::decrypt(&data, password).map_err(|e| match e {
            WalletError::WrongPassword => WalletError::WrongPasswordFor(path.into()),
            other => other,
        })?
    } else if data.starts_with(b"gAAAAA") {
        return Err(WalletError::UnsupportedFormat(path.into(), "legacy Fernet"));
    } else {
        zeroize::Zeroizing::new(data)
    };
    match keyfile::from_json(&plain)? {
        KeyData::Private(key) => Ok(*key),
        KeyData::Public(_) => Err(WalletError::Corrupt(format!("{} holds no private key", path.display()))),
    }
}

/// Writes `data` to `path` atomically with mode 0600.
fn write_atomic(path: &Path, data: &[u8]) -> Result<(), WalletError> {
    write_private(path, data).map_err(|error| WalletError::Io { path: path.into(), error })
}

/// Writes `data` to `path` atomically (a temporary file beside it, fsync, rename) with mode 0600,
/// creating the directory: how every secret file is written (keyfiles, weight commits, API keys).
pub fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_loose_and_damaged_keyfiles_are_named() {
        let root = std::env::temp_dir().join(format!("agora-wallet-damaged-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let w = Wallet::new(&root, "w").unwrap();
        let cold = Keypair::from_uri("//Alice").unwrap();
        w.set_coldkey(&cold, Some("pw"), false, KdfCost::TEST_ONLY).unwrap();
        assert_eq!(loose_permissions(&w.coldkey_path()), None, "written 0600");
        // Damaged: a flipped byte does not decrypt; the message says it may be damage.
        let mut data = std::fs::read(w.coldkey_path()).unwrap();
        let last = data.len() - 1;
        data[last] ^= 1;
        std::fs::write(w.coldkey_path(), &data).unwrap();
        let err = w.coldkey(Some("pw"), KdfCost::TEST_ONLY).unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(w.coldkey_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
            assert_eq!(loose_permissions(&w.coldkey_path()), Some(0o644));
        }
        // Oversized: refused without reading it whole.
        std::fs::write(w.coldkey_path(), vec![b'x'; MAX_KEYFILE_BYTES as usize + 1]).unwrap();
        let err = w.coldkey(None, KdfCost::TEST_ONLY).unwrap_err();
        assert!(matches!(err, WalletError::Corrupt(ref m) if m.contains("not a keyfile")), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn create_refuses_before_asking_and_writes_nothing_when_a_key_exists() {
        let root = std::env::temp_dir().join(format!("agora-wallet-create-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let w = Wallet::new(&root, "w").unwrap();
        let (cold, hot) = (Keypair::from_uri("//Alice").unwrap(), Keypair::from_uri("//Bob").unwrap());
        w.set_hotkey("h", &hot, None, false, KdfCost::TEST_ONLY).unwrap();
        let mut asked = false;
        let refused = w.create(("h", &hot), &cold, false, KdfCost::TEST_ONLY, || {
            asked = true;
            Ok::<_, WalletError>(None)
        });
        assert!(matches!(refused, Err(WalletError::Exists(_))));
        assert!(!asked && !w.coldkey_path().exists() && !w.coldkeypub_path().exists());
        let encrypted = w.create(("h", &hot), &cold, true, KdfCost::TEST_ONLY, || Ok::<_, WalletError>(None));
        assert!(!encrypted.unwrap());
        assert_eq!(w.coldkey_address().unwrap(), cold.public());
        let _ = std::fs::remove_dir_all(&root);
    }
}
