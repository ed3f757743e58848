//! The first run's subnet setup, through `agora-client` and `agora-wallet` directly: dev wallets,
//! the subnet (created by the sudo dev account, started, with dev-friendly hyperparameters),
//! funds, registrations and the validators' stake. What it made is saved in `D/subnet.json`, so
//! later runs resume the same subnet instead of making another.

use std::path::Path;
use std::time::Duration;

use agora_client::Client;
use agora_primitives::{AccountId, Balance, NetUid, Pair};
use agora_runtime::{Call, GlobalUpdate, HyperparameterUpdate};
use agora_text::Backend;
use agora_wallet::{KdfCost, Keypair, Wallet};
use serde::{Deserialize, Serialize};

use crate::error::{LocalnetError, Result, io};

/// How long a setup transaction may take to finalise.
const FINALITY: Duration = Duration::from_secs(60);

/// A dev wallet registered on the subnet.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Member {
    /// Wallet name under `D/wallets`.
    pub wallet: String,
    /// Its `default` hotkey.
    pub hotkey: AccountId,
    /// Its uid.
    pub uid: Option<u16>,
    /// The miner's backend (miners only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
}

/// What the first run set up (`D/subnet.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubnetSetup {
    /// The subnet.
    pub netuid: NetUid,
    /// Its validators, with 1000 TAO stake each.
    pub validators: Vec<Member>,
    /// Its miners.
    pub miners: Vec<Member>,
    /// The gateway's API key.
    pub gateway_api_key: String,
    /// The document-OCR subnet, when one was asked for (`--subnets text,ocr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr: Option<OcrSetup>,
}

/// The OCR subnet: the same validators (registered and staked there too), its own miners.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OcrSetup {
    /// The subnet.
    pub netuid: NetUid,
    /// The validators' uids on it (same wallets as the text subnet's).
    pub validators: Vec<Member>,
    /// Its miners (`ocr-miner-<i>`).
    pub miners: Vec<Member>,
}

impl SubnetSetup {
    /// Reads `D/subnet.json`, if an earlier run wrote it.
    pub fn load(dir: &Path) -> Result<Option<SubnetSetup>> {
        let path = dir.join("subnet.json");
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| LocalnetError::Corrupt { path, message: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(path)(e)),
        }
    }

    pub(crate) fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join("subnet.json");
        // It holds the gateway's API key.
        agora_wallet::write_private(&path, &serde_json::to_vec_pretty(self).expect("serialisable")).map_err(io(path))
    }
}

/// What the subnet gets.
pub struct SetupPlan<'a> {
    /// Tempo of the subnet.
    pub tempo: u16,
    /// One miner per backend.
    pub miners: &'a [Backend],
    /// Number of validators.
    pub validators: usize,
    /// The gateway's API key.
    pub gateway_api_key: String,
    /// One OCR miner per backend, on a second subnet (None: the text subnet only).
    pub ocr_miners: Option<&'a [agora_ocr::Backend]>,
}

struct Setup<'a> {
    client: &'a Client,
    wallets: &'a Path,
    owner: Pair,
}

impl Setup<'_> {
    fn send(&self, signer: &Pair, call: Call, step: &str) -> Result<agora_client::Finalized> {
        self.client
            .submit_and_watch(signer, call, FINALITY)
            .map_err(|e| LocalnetError::Setup { step: step.to_string(), source: Box::new(e) })
    }

    /// A wallet with an unencrypted coldkey and a `default` hotkey (dev only).
    fn wallet(&self, name: &str, coldkey: &Keypair) -> Result<Keypair> {
        let wallet = Wallet::new(self.wallets, name)?;
        wallet.set_coldkey(coldkey, None, true, KdfCost::SENSITIVE)?;
        let hotkey = Keypair::from_mnemonic(&Keypair::generate_mnemonic(12)?)?;
        wallet.set_hotkey("default", &hotkey, None, true, KdfCost::SENSITIVE)?;
        Ok(hotkey)
    }

    fn sudo(&self, netuid: NetUid, update: HyperparameterUpdate) -> Result<()> {
        let step = format!("setting {} of subnet {netuid}", update.setter_name());
        self.send(&self.owner, Call::SudoSetHyperparameter { netuid, update }, &step).map(drop)
    }

    /// Creates and starts a subnet owned by `owner_hotkey`, with dev-friendly hyperparameters.
    fn subnet(&self, owner_hotkey: &AccountId, tempo: u16, what: &str) -> Result<NetUid> {
        let created =
            self.send(&self.owner, Call::RegisterNetwork { hotkey: *owner_hotkey }, &format!("creating the {what}"))?;
        let netuid = created.new_netuid().ok_or(LocalnetError::NoNewSubnet)?;
        self.send(&self.owner, Call::StartCall { netuid }, &format!("starting the {what}"))?;
        // Dynamic TAO: a new subnet gets no TAO emission until root enables it; a dev network does.
        if self.client.economy()? == agora_runtime::pools::Economy::Dynamic {
            self.sudo(netuid, HyperparameterUpdate::SubnetEmissionEnabled(true))?;
        }
        self.sudo(netuid, HyperparameterUpdate::Tempo(tempo))?;
        self.sudo(netuid, HyperparameterUpdate::WeightsSetRateLimit(0))?;
        self.sudo(netuid, HyperparameterUpdate::CommitRevealWeightsEnabled(false))?;
        Ok(netuid)
    }

    /// A funded wallet registered on `netuid`, its hotkey holding a little TAO for fees.
    fn member(&self, netuid: NetUid, name: &str, funds_tao: u64) -> Result<Member> {
        let coldkey = Keypair::from_mnemonic(&Keypair::generate_mnemonic(12)?)?;
        let hotkey = self.wallet(name, &coldkey)?;
        let tao = |n: u64| Balance::from_tao(n).expect("in range");
        let fund = Call::Transfer { dest: coldkey.public(), amount: tao(funds_tao) };
        self.send(&self.owner, fund, &format!("funding {name}"))?;
        let register = Call::BurnedRegister { netuid, hotkey: hotkey.public() };
        self.send(coldkey.pair(), register, &format!("registering {name}"))?;
        let fees = Call::Transfer { dest: hotkey.public(), amount: tao(1) };
        self.send(&self.owner, fees, &format!("funding {name}'s hotkey"))?;
        let uid = self.client.uid_of(netuid, &hotkey.public())?.map(|u| u.get());
        Ok(Member { wallet: name.to_string(), hotkey: hotkey.public(), uid, backend: None })
    }
}

/// Sets up the subnet on a fresh network whose sudo key is `owner` (the first dev account);
/// saves and returns what it made. A setup cut short leaves `D/subnet.partial`, and the next run
/// refuses to make a second subnet.
pub fn first_setup(client: &Client, dir: &Path, owner: Keypair, plan: &SetupPlan) -> Result<SubnetSetup> {
    let partial = dir.join("subnet.partial");
    if partial.exists() {
        return Err(LocalnetError::PartialSetup(dir.to_path_buf()));
    }
    std::fs::write(&partial, b"setting up\n").map_err(io(&partial))?;
    let wallets = dir.join("wallets");
    let s = Setup { client, wallets: &wallets, owner: owner.pair().clone() };
    let owner_hotkey = s.wallet("owner", &owner)?;
    // Hyperparameters are frozen for a few blocks before each epoch; a dev network needs none.
    let unfreeze = Call::SudoSetGlobal { update: GlobalUpdate::AdminFreezeWindow(0) };
    s.send(&s.owner, unfreeze, "setting admin_freeze_window")?;
    let netuid = s.subnet(&owner_hotkey.public(), plan.tempo, "subnet")?;
    let mut validators = Vec::new();
    for i in 0..plan.validators {
        let name = format!("validator-{i}");
        let v = s.member(netuid, &name, 1100)?;
        let coldkey = Wallet::new(&wallets, &name)?.coldkey(None, KdfCost::SENSITIVE)?;
        let stake = Call::AddStake { hotkey: v.hotkey, netuid, amount: Balance::from_tao(1000).expect("in range") };
        s.send(coldkey.pair(), stake, &format!("staking on {name}"))?;
        validators.push(v);
    }
    let mut miners = Vec::new();
    for (i, backend) in plan.miners.iter().enumerate() {
        let mut m = s.member(netuid, &format!("miner-{i}"), 10)?;
        m.backend = Some(backend.to_string());
        miners.push(m);
    }
    let mut setup =
        SubnetSetup { netuid, validators, miners, gateway_api_key: plan.gateway_api_key.clone(), ocr: None };
    setup.save(dir)?;
    if let Some(ocr_miners) = plan.ocr_miners {
        setup.ocr = Some(ocr_setup_with(&s, &setup, ocr_miners, plan.tempo)?);
        setup.save(dir)?;
    }
    let _ = std::fs::remove_file(&partial);
    Ok(setup)
}

/// Adds the OCR subnet to a network set up without it (a resumed network run with
/// `--subnets text,ocr`); saves and returns the setup.
pub fn add_ocr(
    client: &Client,
    dir: &Path,
    owner: Keypair,
    mut setup: SubnetSetup,
    miners: &[agora_ocr::Backend],
    tempo: u16,
) -> Result<SubnetSetup> {
    let wallets = dir.join("wallets");
    let s = Setup { client, wallets: &wallets, owner: owner.pair().clone() };
    setup.ocr = Some(ocr_setup_with(&s, &setup, miners, tempo)?);
    setup.save(dir)?;
    Ok(setup)
}

/// The OCR subnet: created by the owner, the text subnet's validators registered and staked on
/// it (1000 TAO each), one `ocr-miner-<i>` per backend.
fn ocr_setup_with(s: &Setup, text: &SubnetSetup, backends: &[agora_ocr::Backend], tempo: u16) -> Result<OcrSetup> {
    let owner_hotkey = Wallet::new(s.wallets, "owner")?.hotkey_address("default")?;
    // A second subnet right after the first: a dev network needs no pause between them.
    let unlimit = Call::SudoSetGlobal { update: GlobalUpdate::NetworkRateLimit(0) };
    s.send(&s.owner, unlimit, "setting network_rate_limit")?;
    let netuid = s.subnet(&owner_hotkey, tempo, "OCR subnet")?;
    let tao = |n: u64| Balance::from_tao(n).expect("in range");
    let mut validators = Vec::new();
    for v in &text.validators {
        let coldkey = Wallet::new(s.wallets, &v.wallet)?.coldkey(None, KdfCost::SENSITIVE)?;
        let fund = Call::Transfer { dest: coldkey.public(), amount: tao(1100) };
        s.send(&s.owner, fund, &format!("funding {} for the OCR subnet", v.wallet))?;
        let register = Call::BurnedRegister { netuid, hotkey: v.hotkey };
        s.send(coldkey.pair(), register, &format!("registering {} on the OCR subnet", v.wallet))?;
        let stake = Call::AddStake { hotkey: v.hotkey, netuid, amount: tao(1000) };
        s.send(coldkey.pair(), stake, &format!("staking on {} in the OCR subnet", v.wallet))?;
        let uid = s.client.uid_of(netuid, &v.hotkey)?.map(|u| u.get());
        validators.push(Member { uid, ..v.clone() });
    }
    let mut miners = Vec::new();
    for (i, backend) in backends.iter().enumerate() {
        let mut m = s.member(netuid, &format!("ocr-miner-{i}"), 10)?;
        m.backend = Some(backend.to_string());
        miners.push(m);
    }
    Ok(OcrSetup { netuid, validators, miners })
}
