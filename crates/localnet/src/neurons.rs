//! The subnets' long-running processes: `agora miner text|ocr`, `agora validator text|ocr` and
//! `agora gateway`, each with its dev wallet, its log under `D/logs/`, and its entry in
//! `localnet.json`.

use std::time::Duration;

use crate::description::ProcessEntry;
use crate::error::{Result, io};
use crate::localnet::{LocalnetOptions, SubnetOptions};
use crate::process::Process;
use crate::setup::{Member, OcrSetup, SubnetSetup};
use agora_primitives::NetUid;

pub(crate) struct Neurons<'a> {
    pub options: &'a LocalnetOptions,
    pub subnet: &'a SubnetOptions,
    pub setup: &'a SubnetSetup,
    /// The OCR subnet, when it runs.
    pub ocr: Option<&'a OcrSetup>,
    pub rpc: &'a str,
}

impl Neurons<'_> {
    fn spawn(&self, role: &str, args: Vec<String>, with_models: bool, entry: ProcessEntry) -> Result<Process> {
        let dir = &self.options.dir;
        let mut args = args;
        args.extend(["--network".into(), self.rpc.into(), "--yes".into()]);
        if with_models && let Some(models) = &self.subnet.models_dir {
            args.extend(["--models-dir".into(), models.display().to_string()]);
        }
        let env = [
            ("BT_WALLET_PATH", dir.join("wallets").display().to_string()),
            ("RUST_LOG", self.options.log_filter.clone()),
        ];
        let mut process =
            Process::spawn(role, &self.options.binary, &args, &env, &dir.join("logs").join(format!("{role}.log")))?;
        process.entry = entry;
        Ok(process)
    }

    fn entry(&self, role: &str, member: Option<&Member>, port: Option<u16>) -> ProcessEntry {
        self.entry_on(self.setup.netuid, role, member, port)
    }

    fn entry_on(&self, netuid: NetUid, role: &str, member: Option<&Member>, port: Option<u16>) -> ProcessEntry {
        ProcessEntry {
            role: role.into(),
            backend: member.and_then(|m| m.backend.clone()),
            wallet: member.map(|m| m.wallet.clone()),
            hotkey: Some("default".into()),
            hotkey_ss58: member.map(|m| m.hotkey),
            netuid: Some(netuid),
            uid: member.and_then(|m| m.uid),
            port,
            pid: 0,
        }
    }

    fn organic(&self) -> String {
        self.options.dir.join("organic.jsonl").display().to_string()
    }

    /// One `agora miner text` per miner, on consecutive ports.
    pub fn miners(&self) -> Result<Vec<Process>> {
        let mut out = Vec::new();
        for (i, m) in self.setup.miners.iter().enumerate() {
            let backend = m.backend.clone().unwrap_or_else(|| "local".into());
            let port = self.subnet.miner_port + i as u16;
            let args = [
                "miner",
                "text",
                "--backend",
                &backend,
                "--wallet.name",
                &m.wallet,
                "--netuid",
                &self.setup.netuid.to_string(),
                "--ip",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ];
            let entry = self.entry("miner", Some(m), Some(port));
            out.push(self.spawn(&format!("miner-{i}"), strings(&args), backend == "local", entry)?);
        }
        Ok(out)
    }

    /// One `agora validator text` per validator, setting weights twice a tempo.
    pub fn validators(&self) -> Result<Vec<Process>> {
        let every = (self.subnet.tempo / 2).max(1).to_string();
        let mut out = Vec::new();
        for (i, v) in self.setup.validators.iter().enumerate() {
            let args = [
                "validator",
                "text",
                "--wallet.name",
                &v.wallet,
                "--netuid",
                &self.setup.netuid.to_string(),
                "--weights-every",
                &every,
                "--round-pause",
                "1",
                "--organic-file",
                &self.organic(),
            ];
            let entry = self.entry("validator", Some(v), None);
            out.push(self.spawn(&format!("validator-{i}"), strings(&args), true, entry)?);
        }
        Ok(out)
    }

    /// One `agora miner ocr` per OCR miner, on the ports after the text miners'.
    pub fn ocr_miners(&self) -> Result<Vec<Process>> {
        let Some(ocr) = self.ocr else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for (i, m) in ocr.miners.iter().enumerate() {
            let backend = m.backend.clone().unwrap_or_else(|| "tesseract".into());
            let port = self.subnet.miner_port + (self.setup.miners.len() + i) as u16;
            let args = [
                "miner",
                "ocr",
                "--backend",
                &backend,
                "--wallet.name",
                &m.wallet,
                "--netuid",
                &ocr.netuid.to_string(),
                "--ip",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ];
            let entry = self.entry_on(ocr.netuid, "miner", Some(m), Some(port));
            out.push(self.spawn(&format!("ocr-miner-{i}"), strings(&args), false, entry)?);
        }
        Ok(out)
    }

    /// One `agora validator ocr` per validator (the text subnet's wallets), setting weights twice
    /// a tempo.
    pub fn ocr_validators(&self) -> Result<Vec<Process>> {
        let Some(ocr) = self.ocr else { return Ok(Vec::new()) };
        let every = (self.subnet.tempo / 2).max(1).to_string();
        let mut out = Vec::new();
        for (i, v) in ocr.validators.iter().enumerate() {
            let args = [
                "validator",
                "ocr",
                "--wallet.name",
                &v.wallet,
                "--netuid",
                &ocr.netuid.to_string(),
                "--weights-every",
                &every,
                "--round-pause",
                "1",
            ];
            let entry = self.entry_on(ocr.netuid, "validator", Some(v), None);
            out.push(self.spawn(&format!("ocr-validator-{i}"), strings(&args), false, entry)?);
        }
        Ok(out)
    }

    /// `agora gateway`, signing as the first validator, with the setup's API key; returns the
    /// process and its URL.
    pub fn gateway(&self) -> Result<(Process, String)> {
        let keys = self.options.dir.join("gateway-keys.toml");
        let text = format!(
            "[[keys]]\nkey = \"{}\"\nname = \"localnet\"\nrequests_per_minute = 6000\n",
            self.setup.gateway_api_key
        );
        agora_wallet::write_private(&keys, text.as_bytes()).map_err(io(&keys))?;
        let first = self.setup.validators.first();
        let wallet = first.map_or("validator-0".to_string(), |v| v.wallet.clone());
        let port = self.subnet.gateway_port;
        let args = [
            "gateway",
            "--wallet.name",
            &wallet,
            "--netuid",
            &self.setup.netuid.to_string(),
            "--port",
            &port.to_string(),
            "--keys",
            &keys.display().to_string(),
            "--organic-file",
            &self.organic(),
        ];
        let mut args = strings(&args);
        if let Some(ocr) = self.ocr {
            args.extend(["--ocr-netuid".into(), ocr.netuid.to_string()]);
        }
        let mut entry = self.entry("gateway", first, Some(port));
        (entry.backend, entry.uid) = (None, None);
        let process = self.spawn("gateway", args, true, entry)?;
        Ok((process, format!("http://127.0.0.1:{port}")))
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Whether the gateway at `url` answers `/healthz` and sees at least one miner.
pub(crate) fn gateway_ready(url: &str) -> bool {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return false };
    rt.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().ok()?;
        let body = client.get(format!("{url}/healthz")).send().await.ok()?.bytes().await.ok()?;
        let health: serde_json::Value = serde_json::from_slice(&body).ok()?;
        Some(health["miners"].as_u64().unwrap_or(0) > 0)
    })
    .unwrap_or(false)
}
