//! `D/localnet.json`: what runs where, for people and scripts (`agora localnet run --json` prints
//! the same document).

use std::path::{Path, PathBuf};
use std::time::Duration;

use agora_primitives::{AccountId, NetUid};
use agora_runtime::pools::Economy;
use serde::{Deserialize, Serialize};

use crate::error::{Result, io};
use crate::network::Network;
use crate::process::Process;

/// One process of the network.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProcessEntry {
    /// `node`, `miner`, `validator` or `gateway`.
    pub role: String,
    /// A miner's backend.
    pub backend: Option<String>,
    /// Its wallet under `wallets`.
    pub wallet: Option<String>,
    /// Its hotkey's name in the wallet.
    pub hotkey: Option<String>,
    /// Its hotkey.
    pub hotkey_ss58: Option<AccountId>,
    /// Its subnet.
    pub netuid: Option<NetUid>,
    /// Its uid.
    pub uid: Option<u16>,
    /// The port it serves on.
    pub port: Option<u16>,
    /// Its process id.
    pub pid: u32,
}

/// One subnet the network runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetEntry {
    /// Its netuid.
    pub netuid: NetUid,
    /// `text` or `ocr`.
    pub kind: String,
    /// Its model name at the gateway (`agora/text`, `agora/ocr`).
    pub model: String,
}

/// The document.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Description {
    /// The first node's JSON-RPC URL.
    pub rpc_url: String,
    /// Every node's JSON-RPC URL.
    pub rpc_urls: Vec<String>,
    /// The first node's Substrate-compatible endpoint (for the Python SDK and btcli), if any.
    #[serde(default)]
    pub substrate_url: Option<String>,
    /// Every node's Substrate-compatible endpoint.
    #[serde(default)]
    pub substrate_urls: Vec<String>,
    /// The gateway.
    pub gateway_url: Option<String>,
    /// Its API key.
    pub gateway_api_key: Option<String>,
    /// `gateway_url/v1`.
    pub openai_base_url: Option<String>,
    /// The explorer page.
    pub explorer_url: Option<String>,
    /// The chat page, with the key in its fragment.
    pub chat_url: Option<String>,
    /// The chain's economy: `dynamic` (dynamic TAO) or `tao` (the TAO era).
    #[serde(default)]
    pub economy: Economy,
    /// The dev wallets' root.
    pub wallets: PathBuf,
    /// The subnets and their gateway models (empty with `--no-subnet`).
    #[serde(default)]
    pub subnets: Vec<SubnetEntry>,
    /// Every process.
    pub processes: Vec<ProcessEntry>,
    /// Seconds from the start of the run to ready.
    pub ready_after_s: f64,
}

impl Description {
    pub(crate) fn new(
        network: &Network,
        neurons: &[Process],
        gateway: Option<(String, String)>,
        dir: &Path,
        economy: Economy,
        ready_after: Duration,
    ) -> Description {
        let urls = network.rpc_urls();
        let mut processes: Vec<ProcessEntry> = urls
            .iter()
            .zip(network.pids())
            .map(|(url, pid)| ProcessEntry {
                role: "node".into(),
                port: url.rsplit(':').next().and_then(|p| p.parse().ok()),
                pid,
                ..ProcessEntry::default()
            })
            .collect();
        processes.extend(neurons.iter().map(|p| {
            let mut entry = p.entry.clone();
            entry.pid = p.pid();
            entry
        }));
        let (gateway_url, key) = gateway.clone().unzip();
        Description {
            rpc_url: urls[0].clone(),
            rpc_urls: urls,
            substrate_url: network.substrate_url(0).map(str::to_string),
            substrate_urls: network.substrate_urls(),
            openai_base_url: gateway_url.as_ref().map(|u| format!("{u}/v1")),
            explorer_url: gateway_url.as_ref().map(|u| format!("{u}/explorer")),
            chat_url: gateway.as_ref().map(|(u, k)| format!("{u}/chat#key={k}")),
            gateway_url,
            gateway_api_key: key,
            economy,
            wallets: dir.join("wallets"),
            subnets: Vec::new(),
            processes,
            ready_after_s: ready_after.as_secs_f64(),
        }
    }

    /// Writes it to `path` (mode 0600: it holds the gateway's API key).
    pub fn save(&self, path: &Path) -> Result<()> {
        agora_wallet::write_private(path, &serde_json::to_vec_pretty(self).expect("serialisable")).map_err(io(path))
    }
}

impl Description {
    /// What a person reads once the network is ready.
    pub fn summary(&self, dir: &Path) -> String {
        let d = self;
        let economy = match d.economy {
            Economy::Dynamic => "dynamic TAO",
            Economy::Tao => "the TAO-era economy",
        };
        let mut out = vec![format!(
            "agora localnet ready in {:.0} s: {} validator nodes finalising, {economy}",
            d.ready_after_s,
            d.rpc_urls.len()
        )];
        for (i, url) in d.rpc_urls.iter().enumerate() {
            out.push(format!("  node-{i}  JSON-RPC (HTTP + WebSocket) {url}"));
        }
        if let Some(url) = &d.substrate_url {
            out.push(format!("  Substrate endpoint (Python SDK, btcli) {url}   e.g. bt.Subtensor(network=\"{url}\")"));
        }
        if let (Some(url), Some(key)) = (&d.gateway_url, &d.gateway_api_key) {
            out.push(format!("  explorer         {url}/explorer"));
            out.push(format!("  chat             {url}/chat#key={key}"));
            out.push(format!("  OpenAI base URL  {url}/v1   (API key {key})"));
            out.push(format!(
                "  try: curl {url}/v1/chat/completions -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\"
            ));
            out.push(
                "         -d '{\"model\": \"agora/text\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}'"
                    .into(),
            );
            for sub in &d.subnets {
                out.push(format!("  subnet {:<3} {:<5} model {}", sub.netuid, sub.kind, sub.model));
            }
            for p in d.processes.iter().filter(|p| p.role != "node") {
                out.push(format!(
                    "  {:<9} {:<13} uid {:<3} {}",
                    p.role,
                    p.wallet.as_deref().unwrap_or(""),
                    p.uid.map_or("-".into(), |u| u.to_string()),
                    p.backend.as_deref().unwrap_or("")
                ));
            }
            let wallets = d.wallets.display();
            out.push(format!("  wallets  {wallets} (BT_WALLET_PATH={wallets} agora wallet list)"));
            out.push(format!("  logs     {}", dir.join("logs").display()));
        }
        out.push(format!("  genesis      {}", dir.join("genesis.json").display()));
        out.push(format!("  dev accounts {} (test money; dev-0 is sudo)", dir.join("dev-accounts.json").display()));
        out.push(format!("  described in {}", dir.join("localnet.json").display()));
        out.push("Ctrl-C stops everything; running this again resumes the same chain (--fresh starts over).".into());
        out.join("\n")
    }
}
