//! The validator loop: each round it reads the metagraph, sends one task to a sample of miners,
//! judges the answers, updates the moving averages, and every `weights_every` blocks sets weights
//! on chain (directly, or commit then reveal when the subnet requires it) with the reference's
//! weight processing. State is saved after every round.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use agora_client::{Client, ClientError, PrepareError, Scores, SubmitError, WeightsMode, prepare_weights};
use agora_models::sampling::SplitMix64;
use agora_neuron::{AxonTarget, Dendrite};
use agora_primitives::{BlockCount, BlockNumber, NetUid, Pair};
use agora_runtime::{Call, DispatchError};
use tracing::{info, warn};

use crate::judge::Judge;
use crate::scoring::Observed;
use crate::state::ValidatorState;
use crate::synapse::TextGeneration;
use crate::tasks::TaskMaker;

/// What can stop a validator.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorError {
    /// The node failed.
    #[error("node: {0}")]
    Client(#[from] ClientError),
    /// A model failed.
    #[error(transparent)]
    Model(#[from] agora_models::ModelError),
    /// This hotkey has no uid.
    #[error(
        "hotkey {hotkey} is not registered on subnet {netuid}; register it with `agora subnets register --netuid {netuid}`"
    )]
    NotRegistered {
        /// The hotkey.
        hotkey: String,
        /// The subnet.
        netuid: NetUid,
    },
    /// The state file could not be read or written.
    #[error("validator state {path}: {source}")]
    State {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// An option is out of range.
    #[error("{0}")]
    BadOption(String),
}

/// Settings.
#[derive(Clone, Debug)]
pub struct ValidatorConfig {
    /// Subnet.
    pub netuid: NetUid,
    /// Miners queried per round.
    pub sample_size: usize,
    /// Per-query timeout.
    pub timeout: Duration,
    /// Tokens per task.
    pub max_tokens: u32,
    /// Moving-average factor.
    pub alpha: f64,
    /// Blocks between weight updates (at least the subnet's rate limit is waited anyway).
    pub weights_every: BlockCount,
    /// Pause between rounds.
    pub round_pause: Duration,
    /// Where the state lives.
    pub state_path: PathBuf,
    /// Stop after this many rounds (None: until stopped).
    pub rounds: Option<u64>,
    /// Organic requests sampled by a gateway: one round in [`crate::organic::ORGANIC_ROUND_EVERY`]
    /// asks the newest usable one, when there is one (see [`crate::organic`]).
    pub organic: Option<PathBuf>,
}

/// What happened to a transaction.
enum Sent {
    /// Final in this block.
    Final(BlockNumber),
    /// Final, but the call failed.
    Failed(DispatchError),
    /// Not final within the wait; it may still land.
    Pending,
}

/// A running validator.
pub struct Validator {
    client: Client,
    pair: Pair,
    dendrite: Dendrite,
    judge: Judge,
    tasks: TaskMaker,
    rng: SplitMix64,
    state: ValidatorState,
    config: ValidatorConfig,
    rt: tokio::runtime::Runtime,
    organic: Option<crate::organic::OrganicReader>,
}

impl Validator {
    /// Loads the state and prepares the dendrite.
    pub fn new(client: Client, pair: Pair, judge: Judge, config: ValidatorConfig) -> Result<Validator, ValidatorError> {
        let state = ValidatorState::load(&config.state_path, config.netuid, &pair.public())
            .map_err(|source| ValidatorError::State { path: config.state_path.clone(), source })?;
        let seed = crate::tasks::entropy();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(ValidatorError::Runtime)?;
        Ok(Validator {
            client,
            // No admissible answer is larger than this; a bigger body is cut off (422), not parsed.
            dendrite: Dendrite::new(pair.clone())
                .with_max_response_bytes(crate::scoring::max_completion_bytes(config.max_tokens) + 64 * 1024),
            pair,
            judge,
            tasks: TaskMaker::new(seed, config.max_tokens),
            rng: SplitMix64::new(seed ^ 0x5eed),
            state,
            organic: config.organic.clone().map(crate::organic::OrganicReader::new),
            config,
            rt,
        })
    }

    /// Blocks between weight updates.
    pub fn weights_every(&self) -> BlockCount {
        self.config.weights_every
    }

    /// The state so far.
    pub fn state(&self) -> &ValidatorState {
        &self.state
    }

    /// Runs rounds until `stop` is set (or `rounds` are done).
    pub fn run(&mut self, stop: &AtomicBool) -> Result<(), ValidatorError> {
        let mut done = 0u64;
        while !stop.load(Ordering::Relaxed) && self.config.rounds.is_none_or(|r| done < r) {
            match self.round() {
                Ok(()) => {}
                // A node that is briefly unreachable (restart) is not fatal; anything else is.
                Err(ValidatorError::Client(e)) => warn!("round skipped: {e}"),
                Err(e) => return Err(e),
            }
            done += 1;
            let mut waited = Duration::ZERO;
            while waited < self.config.round_pause && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                waited += Duration::from_millis(50);
            }
        }
        Ok(())
    }

    /// One round: query, judge, remember, and maybe set weights.
    pub fn round(&mut self) -> Result<(), ValidatorError> {
        let netuid = self.config.netuid;
        let m = self.client.metagraph(netuid, false)?;
        let me = self.pair.public();
        let Some(my_uid) = m.hotkeys.iter().position(|h| *h == me) else {
            return Err(ValidatorError::NotRegistered { hotkey: me.to_string(), netuid });
        };
        self.state.sync(&m.hotkeys);
        // A state written against another (reset) chain must not hold weights back.
        if self.state.last_weights_block > m.block {
            warn!(
                "saved state is from block {} but the chain is at {}; starting its weights clock over",
                self.state.last_weights_block, m.block
            );
            self.state.last_weights_block = BlockNumber::GENESIS;
            self.state.pending_commit = None;
        }
        let mut miners: Vec<(u16, AxonTarget)> = (0..m.hotkeys.len())
            .filter(|&uid| uid != my_uid)
            .filter_map(|uid| {
                agora_client::metagraph::axon_address(&m.axons[uid])
                    .map(|addr| (uid as u16, AxonTarget { addr, hotkey: m.hotkeys[uid] }))
            })
            .collect();
        // A random sample (Fisher–Yates prefix).
        for i in 0..miners.len().min(self.config.sample_size) {
            let j = i + (self.rng.next_u64() % (miners.len() - i) as u64) as usize;
            miners.swap(i, j);
        }
        miners.truncate(self.config.sample_size);
        if miners.is_empty() {
            info!("no miner serves an axon on subnet {netuid} yet");
            return Ok(());
        }
        let organic = match &mut self.organic {
            Some(reader) if crate::organic::is_organic_round(self.state.rounds) => {
                let judge = &self.judge;
                reader.next_task(self.config.max_tokens, self.rng.next_u64(), |t| judge.fits(t))
            }
            _ => None,
        };
        let task = organic.unwrap_or_else(|| self.tasks.next_task());
        let targets: Vec<AxonTarget> = miners.iter().map(|(_, t)| t.clone()).collect();
        let q = TextGeneration::ask(&task.request);
        let answers = self.rt.block_on(self.dendrite.forward(&targets, &q, self.config.timeout));
        let observed: Vec<Observed> = answers
            .into_iter()
            .map(|a| {
                let s = a.synapse;
                Observed {
                    status: a.status_code,
                    latency: a.process_time,
                    completion: s.as_ref().and_then(|s| s.completion.clone()),
                    completion_tokens: s.as_ref().and_then(|s| s.completion_tokens),
                    finish_reason: s.and_then(|s| s.finish_reason),
                }
            })
            .collect();
        let judged = self.judge.judge(&task, &observed, self.config.timeout.as_secs_f64())?;
        let mut rewards = Vec::with_capacity(miners.len());
        for ((uid, target), j) in miners.iter().zip(&judged) {
            info!(uid, score = j.score, "{}: {}", target.hotkey, j.reason);
            rewards.push((*uid, target.hotkey, j.score));
        }
        self.state.update(&rewards, self.config.alpha);
        self.save()?;
        if m.block >= self.state.last_weights_block.after(self.config.weights_every)
            || self.state.pending_commit.is_some()
        {
            self.set_weights(netuid, m.hotkeys.len() as u16, m.block)?;
        }
        Ok(())
    }

    fn save(&self) -> Result<(), ValidatorError> {
        self.state
            .save(&self.config.state_path)
            .map_err(|source| ValidatorError::State { path: self.config.state_path.clone(), source })
    }

    fn send(&self, call: Call, what: &str) -> Result<Sent, ValidatorError> {
        match self.client.submit_and_watch(&self.pair, call, Duration::from_secs(30)) {
            Ok(done) => {
                info!(block = done.height.get(), "{what}: done");
                Ok(Sent::Final(done.height))
            }
            Err(SubmitError::Rpc(e)) => Err(e.into()),
            Err(SubmitError::Failed { error, .. }) => {
                warn!("{what}: failed: {}", agora_client::advice::name(&error));
                Ok(Sent::Failed(error))
            }
            Err(e) => {
                warn!("{what}: {e}");
                Ok(Sent::Pending)
            }
        }
    }

    fn set_weights(&mut self, netuid: NetUid, n: u16, block: BlockNumber) -> Result<(), ValidatorError> {
        if let Some(p) = self.state.pending_commit.clone() {
            // Revealing before the reveal epoch only costs fees: wait at least the period.
            if block < p.reveal_from {
                return Ok(());
            }
            match self.send(p.reveal_call(), &format!("weights revealed: uids {:?} values {:?}", p.uids, p.values))? {
                Sent::Final(height) => {
                    self.state.pending_commit = None;
                    self.state.last_weights_block = height;
                }
                Sent::Failed(DispatchError::RevealTooEarly) => {
                    if let Some(c) = self.state.pending_commit.as_mut() {
                        c.reveal_from = block.after(BlockCount(p.period_blocks.get().div_ceil(4).max(1)));
                    }
                }
                // Still in flight: it may land; try again next time (a second reveal of a used
                // commit fails harmlessly).
                Sent::Pending => {}
                Sent::Failed(_) => self.state.pending_commit = None,
            }
            return self.save();
        }
        let dense = self.state.dense(n);
        if dense.iter().all(|w| *w <= 0.0) {
            return Ok(());
        }
        let scores = Scores { netuid, scores: (0..n).zip(dense).collect(), version_key: None };
        let mode =
            if self.client.hyperparameters(netuid)?.commit_reveal { WeightsMode::Commit } else { WeightsMode::Set };
        let prepared = match prepare_weights(&self.client, &self.pair.public(), &scores, mode) {
            Ok(p) => p,
            Err(PrepareError::Client(e)) => return Err(e.into()),
            // Rate limited or nothing to set: next time.
            Err(e) => {
                info!("weights not sent: {e}");
                return Ok(());
            }
        };
        match mode {
            WeightsMode::Commit => {
                let salt: Vec<u16> = (0..8).map(|_| self.rng.next_u64() as u16).collect();
                let record = prepared.commit(salt);
                let call = record.commit_call();
                // Saved first: a commit that lands after a timeout must still be revealable.
                self.state.pending_commit = Some(record);
                self.save()?;
                match self.send(call, "weights committed")? {
                    Sent::Final(height) => self.state.last_weights_block = height,
                    // Not final yet: it may still land, so the reveal data stays.
                    Sent::Pending => self.state.last_weights_block = block,
                    Sent::Failed(_) => self.state.pending_commit = None,
                }
            }
            WeightsMode::Set => {
                let what = format!("weights set: uids {:?} values {:?}", prepared.uids, prepared.values);
                match self.send(prepared.set_call(), &what)? {
                    Sent::Final(height) => self.state.last_weights_block = height,
                    Sent::Pending => self.state.last_weights_block = block,
                    Sent::Failed(_) => {}
                }
            }
        }
        self.save()
    }
}
