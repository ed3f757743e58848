//! `D/localnet.json`: what runs where, for people and scripts (`agora localnet run --json` prints
//! the same document).

use std::path::{Path, PathBuf};
use std::time::Duration;

use agora_primitives::{AccountId, NetUid};
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

/// The document.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Description {
    /// The first node's JSON-RPC URL.
    pub rpc_url: String,
    /// Every node's JSON-RPC URL.
    pub rpc_urls: Vec<String>,
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
    /// The dev wallets' root.
    pub wallets: PathBuf,
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
            openai_base_url: gateway_url.as_ref().map(|u| format!("{u}/v1")),
            explorer_url: gateway_url.as_ref().map(|u| format!("{u}/explorer")),
            chat_url: gateway.as_ref().map(|(u, k)| format!("{u}/chat#key={k}")),
            gateway_url,
            gateway_api_key: key,
            wallets: dir.join("wallets"),
            processes,
            ready_after_s: ready_after.as_secs_f64(),
        }
    }

    /// Writes it to `path` (mode 0600: it holds the gateway's API key).
    pub fn save(&self, path: &Path) -> Result<()> {
        agora_wallet::write_private(path, &serde_json::to_vec_pretty(self).expect("serialisable")).map_err(io(path))
    }
}
