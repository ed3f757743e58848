//! The subnet's neurons from start to stop, one library call each: [`start_miner`] (models,
//! registration check, the caller guard, the axon, publishing it on chain; [`RunningMiner::stop`])
//! and [`start_validator`] (registration check, models, judge, saved state; then
//! [`Validator::run`]). The `agora miner text` and `agora validator text` commands are these calls.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use agora_client::Client;
use agora_models::fetch::{ModelPaths, Progress};
use agora_models::{Embedder, LlamaEngine, LocalLlm, ModelError, OpenAiBackend, TextGenerator};
use agora_neuron::{AxonTarget, Dendrite};
use agora_primitives::{AccountId, BlockCount, NetUid, Pair, Uid};
use agora_subnet::ServeOptions;
use tracing::info;

use crate::backends::{Copycat, Echo, Huge, RandomText, Sleep};
use crate::judge::Judge;
use crate::validator::{LoopConfig, TextRounds, Validator, ValidatorError};

pub use agora_subnet::{MinerError, RunningMiner};

/// What answers a miner's requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SmolLM2 on this machine.
    Local,
    /// An OpenAI-compatible server at this base URL.
    OpenAi(String),
    /// Adversary: repeats the prompt.
    Echo,
    /// Adversary: random words.
    Random,
    /// Adversary: asks another miner (its address and hotkey) and returns its answer.
    Copycat(SocketAddr, AccountId),
    /// Adversary: never answers.
    Sleep,
    /// Adversary: 50 MB answers.
    Huge,
}

/// A backend name that is not one of [`Backend`]'s forms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend {0:?}: use local, openai:<URL>, echo, random, copycat:<IP:PORT>/<HOTKEY>, sleep or huge")]
pub struct BadBackend(pub String);

impl FromStr for Backend {
    type Err = BadBackend;

    fn from_str(s: &str) -> Result<Backend, BadBackend> {
        Ok(match s {
            "local" => Backend::Local,
            "echo" => Backend::Echo,
            "random" => Backend::Random,
            "sleep" => Backend::Sleep,
            "huge" => Backend::Huge,
            _ => {
                if let Some(url) = s.strip_prefix("openai:") {
                    Backend::OpenAi(url.to_string())
                } else if let Some(rest) = s.strip_prefix("copycat:") {
                    let target = agora_subnet::copycat_target(rest).ok_or_else(|| BadBackend(s.to_string()))?;
                    Backend::Copycat(target.addr, target.hotkey)
                } else {
                    return Err(BadBackend(s.to_string()));
                }
            }
        })
    }
}

impl std::fmt::Display for Backend {
    /// The name [`Backend::from_str`] reads.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Local => write!(f, "local"),
            Backend::OpenAi(url) => write!(f, "openai:{url}"),
            Backend::Echo => write!(f, "echo"),
            Backend::Random => write!(f, "random"),
            Backend::Copycat(addr, hotkey) => write!(f, "copycat:{addr}/{hotkey}"),
            Backend::Sleep => write!(f, "sleep"),
            Backend::Huge => write!(f, "huge"),
        }
    }
}

/// Settings of a text miner.
#[derive(Clone, Debug)]
pub struct MinerOptions {
    /// Where and for whom it serves (endpoint, subnet, address, callers, workers).
    pub serve: ServeOptions,
    /// What answers.
    pub backend: Backend,
    /// Model name sent to an `openai:` backend.
    pub openai_model: String,
    /// Environment variable holding the `openai:` backend's API key.
    pub openai_key_env: Option<String>,
    /// The model files (fetched when missing, for the `local` backend).
    pub models: ModelPaths,
}

/// Fetches the models if missing, logging progress.
pub fn fetch_models(paths: &ModelPaths) -> Result<(), ModelError> {
    agora_models::fetch::fetch(paths, |p| match p {
        Progress::Step(s) => info!("models: {s}"),
        Progress::Converting(done, total) if done == total => info!("models: converted {total} tensors"),
        _ => {}
    })
}

/// Starts a text miner: checks the registration, builds the backend, serves the axon with the
/// caller guard and publishes its address on chain when it differs from the chain's (the kit's
/// [`agora_subnet::start_miner`]). Call inside a tokio runtime.
pub async fn start_miner(options: MinerOptions, pair: Pair) -> Result<RunningMiner, MinerError> {
    let serve = options.serve.clone();
    agora_subnet::start_miner(&serve, pair, |pair, config, guard| async move {
        let generator = build_backend(&options, &pair).await?;
        let model = generator.model_id();
        Ok((crate::miner::axon(pair, config, guard, generator), model))
    })
    .await
}

async fn build_backend(options: &MinerOptions, pair: &Pair) -> Result<Arc<dyn TextGenerator>, MinerError> {
    Ok(match &options.backend {
        Backend::Local => {
            let paths = options.models.clone();
            let llm = tokio::task::spawn_blocking(move || {
                fetch_models(&paths)?;
                LocalLlm::start(&paths.llm())
            })
            .await
            .expect("loading the model")
            .map_err(MinerError::backend)?;
            Arc::new(llm)
        }
        Backend::OpenAi(url) => {
            let key = match &options.openai_key_env {
                Some(var) => Some(std::env::var(var).map_err(|_| MinerError::MissingKey(var.clone()))?),
                None => None,
            };
            Arc::new(
                OpenAiBackend::new(url, &options.openai_model, key, Duration::from_secs(120))
                    .map_err(MinerError::backend)?,
            )
        }
        Backend::Echo => Arc::new(Echo),
        Backend::Random => Arc::new(RandomText::new(agora_subnet::entropy())),
        Backend::Copycat(addr, hotkey) => {
            let target = AxonTarget { addr: *addr, hotkey: *hotkey };
            Arc::new(Copycat::new(Arc::new(Dendrite::new(pair.clone())), target, Duration::from_secs(30)))
        }
        Backend::Sleep => Arc::new(Sleep(Duration::from_secs(3600))),
        Backend::Huge => Arc::new(Huge(50 * 1024 * 1024)),
    })
}

/// Settings of a text validator.
#[derive(Clone, Debug)]
pub struct ValidatorOptions {
    /// The node's JSON-RPC endpoint.
    pub endpoint: String,
    /// The subnet.
    pub netuid: NetUid,
    /// Miners queried per round (at least 1).
    pub sample_size: usize,
    /// Time a miner has to answer, in (0, 3600] s.
    pub timeout: Duration,
    /// Tokens per task (at least 1).
    pub max_tokens: u32,
    /// Moving-average factor, in (0, 1].
    pub alpha: f64,
    /// Blocks between weight updates (default: the subnet's tempo).
    pub weights_every: Option<BlockCount>,
    /// Pause between rounds (at most a day).
    pub round_pause: Duration,
    /// The state file.
    pub state_path: PathBuf,
    /// Stop after this many rounds.
    pub rounds: Option<u64>,
    /// Organic requests a gateway samples (one round in four may ask one; see [`crate::organic`]).
    pub organic_file: Option<PathBuf>,
    /// The model files (fetched when missing).
    pub models: ModelPaths,
}

impl ValidatorOptions {
    /// Where a validator keeps its state unless told otherwise: under its wallet, one file per
    /// hotkey and subnet (`<wallet dir>/validator-text/<hotkey>-netuid<N>.json`).
    pub fn default_state_path(wallet_dir: &Path, hotkey: &AccountId, netuid: NetUid) -> PathBuf {
        wallet_dir.join("validator-text").join(format!("{hotkey}-netuid{netuid}.json"))
    }

    /// Checks the ranges of the options (done again by [`start_validator`]).
    pub fn check(&self) -> Result<(), ValidatorError> {
        agora_subnet::check_ranges(self.timeout, self.alpha, self.round_pause, self.sample_size)?;
        if self.max_tokens == 0 {
            return Err(ValidatorError::BadOption("max tokens must be at least 1".into()));
        }
        Ok(())
    }
}

/// Prepares a text validator: checks the options and the registration, reads the tempo, fetches
/// and loads the models, loads the saved state. Then [`Validator::run`] runs it.
pub fn start_validator(options: ValidatorOptions, pair: Pair) -> Result<(Validator, Uid), ValidatorError> {
    options.check()?;
    let hotkey = pair.public();
    let client = Client::new(&options.endpoint)?.with_timeout(Duration::from_secs(10));
    let uid = client
        .uid_of(options.netuid, &hotkey)?
        .ok_or(ValidatorError::NotRegistered { hotkey: hotkey.to_string(), netuid: options.netuid })?;
    let weights_every = agora_subnet::weights_every(&client, options.netuid, options.weights_every)?;
    fetch_models(&options.models).map_err(ValidatorError::subnet)?;
    let engine = LlamaEngine::load(&options.models.llm()).map_err(ValidatorError::subnet)?;
    let embedder = Embedder::load(&options.models.embedder()).map_err(ValidatorError::subnet)?;
    let rounds = TextRounds::new(
        Judge::new(engine, embedder),
        agora_subnet::entropy(),
        options.max_tokens,
        options.organic_file,
    );
    let config = LoopConfig {
        netuid: options.netuid,
        sample_size: options.sample_size,
        timeout: options.timeout,
        alpha: options.alpha,
        weights_every,
        round_pause: options.round_pause,
        state_path: options.state_path,
        rounds: options.rounds,
    };
    Ok((Validator::new(client, pair, rounds, config)?, uid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_parse_from_their_names() {
        assert_eq!("local".parse(), Ok(Backend::Local));
        assert_eq!("openai:http://127.0.0.1:1/v1".parse(), Ok(Backend::OpenAi("http://127.0.0.1:1/v1".into())));
        let hotkey = Pair::from_seed(&[1; 32]).public();
        assert_eq!(
            format!("copycat:127.0.0.1:9/{hotkey}").parse(),
            Ok(Backend::Copycat("127.0.0.1:9".parse().unwrap(), hotkey))
        );
        assert_eq!(
            Backend::Copycat("127.0.0.1:9".parse().unwrap(), hotkey).to_string(),
            format!("copycat:127.0.0.1:9/{hotkey}")
        );
        assert!("copycat:127.0.0.1:9".parse::<Backend>().is_err());
        assert!("copycat:nowhere/x".parse::<Backend>().is_err());
        assert_eq!("gpt".parse::<Backend>(), Err(BadBackend("gpt".into())));
    }
}
