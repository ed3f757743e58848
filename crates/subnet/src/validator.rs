//! The validator loop every subnet shares. Each round it reads the metagraph, forgets uids whose
//! hotkey changed, samples miners that serve an axon, asks the subnet for a task, sends its query
//! to the sample through the dendrite, lets the subnet score the answers, updates the moving
//! averages, saves the state, and every `weights_every` blocks sets weights on chain through the
//! one weight-preparation path (directly, or commit then reveal when the subnet requires it).
//!
//! A subnet supplies a [`SubnetValidator`]: its query type, its tasks and its scorer.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use agora_client::{Client, ClientError, PrepareError, Scores, SubmitError, WeightsMode, prepare_weights};
use agora_neuron::{Answer, AxonTarget, Dendrite, Synapse};
use agora_primitives::{BlockCount, BlockNumber, NetUid, Pair, SplitMix64};
use agora_runtime::{Call, DispatchError};
use tracing::{info, warn};

use crate::state::ValidatorState;

/// An error from a subnet's own parts (its models, its scorer).
pub type SubnetError = Box<dyn std::error::Error + Send + Sync>;

/// What can stop a validator.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorError {
    /// The node failed.
    #[error("node: {0}")]
    Client(#[from] ClientError),
    /// The subnet's task maker or scorer failed (a model, a file).
    #[error("{0}")]
    Subnet(SubnetError),
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

impl ValidatorError {
    /// Wraps a subnet's own error.
    pub fn subnet(e: impl std::error::Error + Send + Sync + 'static) -> ValidatorError {
        ValidatorError::Subnet(Box::new(e))
    }
}

/// One answer's score and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// In [0, 1] (anything else counts as 0).
    pub score: f64,
    /// Said in the validator's log.
    pub reason: String,
}

/// What a subnet's validator supplies to the loop.
pub trait SubnetValidator: Send {
    /// The synapse sent to miners.
    type Query: Synapse;
    /// A task: the query and whatever the scorer needs to know about it.
    type Task;

    /// The next task. `round` counts the rounds done so far (for interleaving organic tasks);
    /// `rng` is the loop's generator.
    fn next_task(&mut self, round: u64, rng: &mut SplitMix64) -> Self::Task;

    /// The query sent for `task`.
    fn query(&self, task: &Self::Task) -> Self::Query;

    /// Scores the answers, one [`Scored`] per answer, in order. `timeout` is the time miners
    /// had.
    fn score(
        &mut self,
        task: &Self::Task,
        answers: Vec<Answer<Self::Query>>,
        timeout: Duration,
    ) -> Result<Vec<Scored>, SubnetError>;

    /// Largest answer body worth reading: a bigger one is cut off (422) by the dendrite, never
    /// parsed.
    fn max_response_bytes(&self) -> usize;
}

/// The loop's settings.
#[derive(Clone, Debug)]
pub struct LoopConfig {
    /// Subnet.
    pub netuid: NetUid,
    /// Miners queried per round.
    pub sample_size: usize,
    /// Per-query timeout.
    pub timeout: Duration,
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
}

impl LoopConfig {
    /// Checks the ranges every subnet shares.
    pub fn check(&self) -> Result<(), ValidatorError> {
        check_ranges(self.timeout, self.alpha, self.round_pause, self.sample_size)
    }
}

/// The ranges of the shared options: timeout in (0, 3600] s, alpha in (0, 1], round pause at most
/// a day, sample size at least 1.
pub fn check_ranges(
    timeout: Duration,
    alpha: f64,
    round_pause: Duration,
    sample_size: usize,
) -> Result<(), ValidatorError> {
    let bad = |what: &str| Err(ValidatorError::BadOption(what.to_string()));
    if timeout.is_zero() || timeout > Duration::from_secs(3600) {
        return bad("the timeout must be in (0, 3600] seconds");
    }
    if !(alpha > 0.0 && alpha <= 1.0) {
        return bad("alpha must be in (0, 1]");
    }
    if round_pause > Duration::from_secs(86_400) {
        return bad("the round pause must be at most 86400 seconds");
    }
    if sample_size == 0 {
        return bad("the sample size must be at least 1");
    }
    Ok(())
}

/// Blocks between weight updates: `every` when given (at least 1), else the subnet's tempo.
pub fn weights_every(client: &Client, netuid: NetUid, every: Option<BlockCount>) -> Result<BlockCount, ClientError> {
    Ok(match every {
        Some(n) => n.max(BlockCount(1)),
        None => BlockCount(u64::from(client.hyperparameters(netuid)?.tempo).max(1)),
    })
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

/// A running validator of subnet `V`.
pub struct Validator<V: SubnetValidator> {
    client: Client,
    pair: Pair,
    dendrite: Dendrite,
    subnet: V,
    rng: SplitMix64,
    state: ValidatorState,
    config: LoopConfig,
    rt: tokio::runtime::Runtime,
}

impl<V: SubnetValidator> Validator<V> {
    /// Loads the state and prepares the dendrite.
    pub fn new(client: Client, pair: Pair, subnet: V, config: LoopConfig) -> Result<Validator<V>, ValidatorError> {
        config.check()?;
        let state = ValidatorState::load(&config.state_path, config.netuid, &pair.public())
            .map_err(|source| ValidatorError::State { path: config.state_path.clone(), source })?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(ValidatorError::Runtime)?;
        Ok(Validator {
            client,
            dendrite: Dendrite::new(pair.clone()).with_max_response_bytes(subnet.max_response_bytes()),
            pair,
            subnet,
            rng: SplitMix64::new(crate::entropy() ^ 0x5eed),
            state,
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

    /// The subnet's part.
    pub fn subnet(&self) -> &V {
        &self.subnet
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

    /// One round: query, score, remember, and maybe set weights.
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
        sample(&mut miners, self.config.sample_size, &mut self.rng);
        if miners.is_empty() {
            info!("no miner serves an axon on subnet {netuid} yet");
            return Ok(());
        }
        let task = self.subnet.next_task(self.state.rounds, &mut self.rng);
        let targets: Vec<AxonTarget> = miners.iter().map(|(_, t)| t.clone()).collect();
        let query = self.subnet.query(&task);
        let answers = self.rt.block_on(self.dendrite.forward(&targets, &query, self.config.timeout));
        let scored = self.subnet.score(&task, answers, self.config.timeout).map_err(ValidatorError::Subnet)?;
        if scored.len() != miners.len() {
            return Err(ValidatorError::Subnet(
                format!("the scorer returned {} scores for {} answers", scored.len(), miners.len()).into(),
            ));
        }
        let mut rewards = Vec::with_capacity(miners.len());
        for ((uid, target), s) in miners.iter().zip(&scored) {
            info!(uid, score = s.score, "{}: {}", target.hotkey, s.reason);
            rewards.push((*uid, target.hotkey, s.score));
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

/// Keeps a uniformly random `size` of `miners` (a Fisher–Yates prefix).
pub fn sample<T>(miners: &mut Vec<T>, size: usize, rng: &mut SplitMix64) {
    for i in 0..miners.len().min(size) {
        let j = i + rng.below((miners.len() - i) as u64) as usize;
        miners.swap(i, j);
    }
    miners.truncate(size);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_is_distinct_and_bounded() {
        let mut rng = SplitMix64::new(3);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let mut v: Vec<u16> = (0..10).collect();
            sample(&mut v, 4, &mut rng);
            assert_eq!(v.len(), 4);
            assert_eq!(v.iter().collect::<std::collections::BTreeSet<_>>().len(), 4);
            seen.extend(v);
        }
        // Every miner gets asked sometimes.
        assert_eq!(seen.len(), 10);
        let mut few = vec![1, 2];
        sample(&mut few, 8, &mut rng);
        assert_eq!(few.len(), 2);
    }

    #[test]
    fn shared_options_are_range_checked() {
        let s = Duration::from_secs(1);
        assert!(check_ranges(s, 0.1, s, 1).is_ok());
        assert!(check_ranges(Duration::ZERO, 0.1, s, 1).is_err());
        assert!(check_ranges(s, 0.0, s, 1).is_err());
        assert!(check_ranges(s, f64::NAN, s, 1).is_err());
        assert!(check_ranges(s, 0.1, Duration::from_secs(86_401), 1).is_err());
        assert!(check_ranges(s, 0.1, s, 0).is_err());
    }
}
