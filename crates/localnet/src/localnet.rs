//! A whole local network, one call: [`Localnet::start`] brings up the chain ([`Network`]) and,
//! unless only the chain is wanted, the text subnet: models, the first run's setup
//! ([`crate::setup`]), the validators' permits, miners, validators and the gateway, each a
//! long-running `agora` process; then writes `D/localnet.json` ([`Description`]).
//!
//! ```text
//! D/wallets/                   owner (dev-0, sudo), validator-0/1, miner-<i>
//! D/subnet.json                what the first run set up (the next run resumes it)
//! D/gateway-keys.toml          the gateway's API key (mode 0600)
//! D/organic.jsonl              requests the gateway samples for the validators' scoring
//! D/logs/<role>-<i>.log        each neuron's log
//! D/localnet.json              URLs and processes
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use agora_client::ChainStatus;
use agora_models::fetch::ModelPaths;
use agora_primitives::BlockNumber;
use agora_text::Backend;
use agora_wallet::Keypair;

use crate::description::{Description, SubnetEntry};
use crate::error::{LocalnetError, Result, io};
use crate::network::{Network, NetworkOptions};
use crate::process::{Process, stop_all};
use crate::setup::{SetupPlan, SubnetSetup, first_setup};

/// What a local network runs.
#[derive(Clone, Debug)]
pub struct LocalnetOptions {
    /// Its directory (created on first use).
    pub dir: PathBuf,
    /// Delete the directory first and start a new chain.
    pub fresh: bool,
    /// The shape of a new network (ignored when resuming).
    pub network: NetworkOptions,
    /// The subnet, unless only the chain is wanted.
    pub subnet: Option<SubnetOptions>,
    /// The `agora` executable the processes run as.
    pub binary: PathBuf,
    /// `RUST_LOG` of the processes.
    pub log_filter: String,
}

/// The text subnet of a local network.
#[derive(Clone, Debug)]
pub struct SubnetOptions {
    /// One miner per backend.
    pub miners: Vec<Backend>,
    /// Tempo of the subnet (at least 1), set when it is created.
    pub tempo: u16,
    /// Port of the gateway.
    pub gateway_port: u16,
    /// First miner port.
    pub miner_port: u16,
    /// Models directory (None: the default).
    pub models_dir: Option<PathBuf>,
    /// Also a document-OCR subnet with one miner per backend (its miners listen after the text
    /// miners' ports); the validators validate both and the gateway serves both.
    pub ocr_miners: Option<Vec<agora_ocr::Backend>>,
}

impl SubnetOptions {
    fn check(&self) -> Result<()> {
        if self.tempo == 0 {
            return Err(LocalnetError::BadOption("the tempo must be at least 1".into()));
        }
        Ok(())
    }
}

/// A step of [`Localnet::start`], for progress reports.
#[derive(Clone, Debug)]
pub enum Step {
    /// A new network is written.
    Creating {
        /// Its validators.
        validators: usize,
        /// Its directory.
        dir: PathBuf,
    },
    /// The network in the directory is resumed.
    Resuming {
        /// Its directory.
        dir: PathBuf,
    },
    /// The nodes are started; waiting for the first finalised block.
    WaitingForBlocks,
    /// The chain finalises.
    ChainReady {
        /// Validator nodes.
        nodes: usize,
        /// Finalised height.
        height: BlockNumber,
    },
    /// Subnet step `n` of [`SUBNET_STEPS`].
    Subnet(usize, &'static str),
}

/// The number of subnet steps.
pub const SUBNET_STEPS: usize = 6;

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Creating { validators, dir } => {
                write!(f, "creating a {validators}-validator network in {}", dir.display())
            }
            Step::Resuming { dir } => write!(f, "resuming the network in {} (--fresh starts over)", dir.display()),
            Step::WaitingForBlocks => write!(f, "waiting for the first finalised block"),
            Step::ChainReady { nodes, height } => write!(f, "chain: {nodes} validators, finalising (height {height})"),
            Step::Subnet(n, what) => write!(f, "[{n}/{SUBNET_STEPS}] {what}"),
        }
    }
}

/// A running local network; dropping it stops every process (neurons first, then nodes).
pub struct Localnet {
    // Neurons before the nodes they talk to: fields drop in order.
    neurons: Vec<Process>,
    network: Network,
    description: Description,
    subnets: Vec<SubnetEntry>,
}

impl Localnet {
    /// Brings the network up, reporting each step to `progress`; `stop` (set by Ctrl-C) ends
    /// the start early with [`LocalnetError::Interrupted`], stopping what was started. Blocking:
    /// call it outside an async runtime (it waits on processes and polls the gateway with its own).
    pub fn start(options: &LocalnetOptions, progress: &mut dyn FnMut(Step), stop: &AtomicBool) -> Result<Localnet> {
        let started = Instant::now();
        if let Some(subnet) = &options.subnet {
            subnet.check()?;
        }
        let dir = options.dir.as_path();
        if options.fresh && dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io(dir))?;
        }
        let mut network = if dir.join("genesis.json").exists() {
            progress(Step::Resuming { dir: dir.to_path_buf() });
            Network::open(dir, &options.binary, &options.log_filter)?
        } else {
            progress(Step::Creating { validators: options.network.validators, dir: dir.to_path_buf() });
            Network::create(dir, &options.network, &options.binary, &options.log_filter)?
        };
        network.start_first(network.len())?;
        progress(Step::WaitingForBlocks);
        let status = network.wait_finalized(BlockNumber(1), Duration::from_secs(60), stop)?;
        progress(Step::ChainReady { nodes: network.len(), height: status.height });
        let mut localnet =
            Localnet { neurons: Vec::new(), network, description: Description::default(), subnets: Vec::new() };
        let gateway = match &options.subnet {
            Some(subnet) => Some(localnet.bring_up_subnet(options, subnet, progress, stop)?),
            None => None,
        };
        let economy = localnet.network.client(0)?.economy()?;
        localnet.description =
            Description::new(&localnet.network, &localnet.neurons, gateway, dir, economy, started.elapsed());
        localnet.description.subnets = localnet.subnets.clone();
        localnet.description.save(&dir.join("localnet.json"))?;
        Ok(localnet)
    }

    /// What runs where (also in `D/localnet.json`).
    pub fn description(&self) -> &Description {
        &self.description
    }

    /// The nodes.
    pub fn network(&mut self) -> &mut Network {
        &mut self.network
    }

    /// Fails if any process has exited.
    pub fn check(&mut self) -> Result<()> {
        self.neurons.iter_mut().try_for_each(Process::check)?;
        self.network.check()
    }

    /// Runs until `stop` is set or a process exits, reporting the chain's status to `status`
    /// whenever the finalised height changes (checked every 5 s).
    pub fn run(&mut self, stop: &AtomicBool, mut status: impl FnMut(&ChainStatus)) -> Result<()> {
        let client = self.network.client(0)?;
        let mut last = BlockNumber::GENESIS;
        loop {
            for _ in 0..50 {
                if stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            self.check()?;
            if let Ok(s) = client.status()
                && s.height != last
            {
                last = s.height;
                status(&s);
            }
        }
    }

    fn bring_up_subnet(
        &mut self,
        options: &LocalnetOptions,
        subnet: &SubnetOptions,
        progress: &mut dyn FnMut(Step),
        stop: &AtomicBool,
    ) -> Result<(String, String)> {
        let dir = options.dir.as_path();
        let client = self.network.client(0)?.with_timeout(Duration::from_secs(10));
        progress(Step::Subnet(1, "models (SmolLM2, MiniLM): fetching if absent"));
        agora_models::fetch::fetch(&ModelPaths::resolve(subnet.models_dir.clone()), |p| {
            if let agora_models::Progress::Step(s) = p {
                tracing::info!("models: {s}");
            }
        })?;
        let setup = match SubnetSetup::load(dir)? {
            Some(setup) => {
                progress(Step::Subnet(2, "subnet: resuming (set up by an earlier run)"));
                setup
            }
            None => {
                progress(Step::Subnet(2, "subnet: dev wallets, funds, registration, stake"));
                let plan = SetupPlan {
                    tempo: subnet.tempo,
                    miners: &subnet.miners,
                    validators: 2,
                    gateway_api_key: crate::random::api_key()?,
                    ocr_miners: subnet.ocr_miners.as_deref(),
                };
                first_setup(&client, dir, sudo_key(dir)?, &plan)?
            }
        };
        // A network first run with the text subnet alone gets the OCR subnet when asked for it.
        let setup = match (&subnet.ocr_miners, &setup.ocr) {
            (Some(miners), None) => {
                progress(Step::Subnet(2, "OCR subnet: creating it, registering and staking the validators"));
                crate::setup::add_ocr(&client, dir, sudo_key(dir)?, setup, miners, subnet.tempo)?
            }
            _ => setup,
        };
        // Asked without it: the OCR subnet stays on chain but runs no neurons.
        let ocr = setup.ocr.as_ref().filter(|_| subnet.ocr_miners.is_some());
        progress(Step::Subnet(3, "waiting for the validators' permits (first epoch)"));
        self.wait("validator permits", Duration::from_secs(180), stop, || {
            let permitted = |netuid, validators: &[crate::setup::Member]| -> Result<bool> {
                let m = client.metagraph(netuid, false)?;
                Ok(validators
                    .iter()
                    .all(|v| m.hotkeys.iter().position(|h| *h == v.hotkey).is_some_and(|uid| m.validator_permit[uid])))
            };
            Ok(permitted(setup.netuid, &setup.validators)?
                && ocr.is_none_or(|o| permitted(o.netuid, &o.validators).unwrap_or(false)))
        })?;
        let rpc = self.network.rpc_url(0).to_string();
        let neurons = crate::neurons::Neurons { options, subnet, setup: &setup, ocr, rpc: &rpc };
        progress(Step::Subnet(4, "starting the miners"));
        self.neurons.extend(neurons.miners()?);
        self.neurons.extend(neurons.ocr_miners()?);
        let ocr_miners = ocr.map_or(0, |o| o.miners.len());
        let ports: Vec<u16> = (0..setup.miners.len() + ocr_miners).map(|i| subnet.miner_port + i as u16).collect();
        self.wait("the miners' axons", Duration::from_secs(180), stop, || {
            // Listening (on a resumed network the chain still has their old axons) and published.
            let listening = ports.iter().all(|p| {
                std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], *p).into(), Duration::from_millis(200)).is_ok()
            });
            let published = |netuid, miners: &[crate::setup::Member]| -> Result<bool> {
                let m = client.metagraph(netuid, false)?;
                Ok(miners.iter().all(|x| {
                    m.hotkeys
                        .iter()
                        .position(|h| *h == x.hotkey)
                        .is_some_and(|uid| agora_client::axon::axon_address(&m.axons[uid]).is_some())
                }))
            };
            Ok(listening
                && published(setup.netuid, &setup.miners)?
                && ocr.is_none_or(|o| published(o.netuid, &o.miners).unwrap_or(false)))
        })?;
        progress(Step::Subnet(5, "starting the validators"));
        self.neurons.extend(neurons.validators()?);
        self.neurons.extend(neurons.ocr_validators()?);
        progress(Step::Subnet(6, "starting the gateway"));
        let (gateway, url) = neurons.gateway()?;
        self.neurons.push(gateway);
        self.wait("the gateway", Duration::from_secs(120), stop, || Ok(crate::neurons::gateway_ready(&url)))?;
        self.subnets =
            vec![SubnetEntry { netuid: setup.netuid, kind: "text".into(), model: agora_text::MECHANISM.into() }];
        if let Some(o) = ocr {
            self.subnets.push(SubnetEntry { netuid: o.netuid, kind: "ocr".into(), model: agora_ocr::MECHANISM.into() });
        }
        Ok((url, setup.gateway_api_key.clone()))
    }

    /// Polls `ready` every 0.5 s until it holds, a process exits, `stop` is set or `limit` passes.
    fn wait(
        &mut self,
        what: &str,
        limit: Duration,
        stop: &AtomicBool,
        mut ready: impl FnMut() -> Result<bool>,
    ) -> Result<()> {
        let start = Instant::now();
        loop {
            self.check()?;
            if ready()? {
                return Ok(());
            }
            if stop.load(Ordering::Relaxed) {
                return Err(LocalnetError::Interrupted);
            }
            if start.elapsed() > limit {
                let dir = self.network.dir().to_path_buf();
                return Err(LocalnetError::Timeout { what: what.into(), limit, dir });
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Stops every process: neurons first, then the nodes (as dropping it does).
    pub fn stop(self) {}
}

impl Drop for Localnet {
    fn drop(&mut self) {
        stop_all(&mut self.neurons);
        self.network.stop();
    }
}

/// The sudo dev account (`dev-0`) from `D/dev-accounts.json`.
fn sudo_key(dir: &Path) -> Result<Keypair> {
    let path = dir.join("dev-accounts.json");
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    let corrupt = |message: String| LocalnetError::Corrupt { path: path.clone(), message };
    let accounts: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let seed = accounts[0]["seed"].as_str().ok_or_else(|| corrupt("no seed for dev-0".into()))?;
    Keypair::from_seed_hex(seed).map_err(|e| corrupt(e.to_string()))
}
