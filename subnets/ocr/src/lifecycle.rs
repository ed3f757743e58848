//! The OCR subnet's neurons from start to stop, one library call each: [`start_miner`] (the
//! kit's registration check, then the reader, the guarded axon and the published address) and
//! [`start_validator`] (registration check, saved state; then [`Validator::run`]). The
//! `agora miner ocr` and `agora validator ocr` commands are these calls.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use agora_client::Client;
use agora_neuron::{AxonTarget, Dendrite};
use agora_primitives::{AccountId, BlockCount, NetUid, Pair, Uid};
use agora_subnet::ServeOptions;

use crate::backends::{Blank, Copycat, OpenAiVision, RandomWords, Reader, Tesseract};
use crate::validator::{LoopConfig, OcrRounds, Validator, ValidatorError};

pub use agora_subnet::{MinerError, RunningMiner};

/// What reads a miner's images.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Debian's `tesseract` on this machine.
    Tesseract,
    /// An OpenAI-compatible vision model at this base URL.
    OpenAi(String),
    /// Adversary: reads nothing.
    Blank,
    /// Adversary: random words.
    Random,
    /// Adversary: asks another miner (its address and hotkey) and returns its reading.
    Copycat(SocketAddr, AccountId),
}

/// A backend name that is not one of [`Backend`]'s forms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown OCR backend {0:?}: use tesseract, openai:<URL>, blank, random or copycat:<IP:PORT>/<HOTKEY>")]
pub struct BadBackend(pub String);

impl FromStr for Backend {
    type Err = BadBackend;

    fn from_str(s: &str) -> Result<Backend, BadBackend> {
        Ok(match s {
            "tesseract" => Backend::Tesseract,
            "blank" => Backend::Blank,
            "random" => Backend::Random,
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
            Backend::Tesseract => write!(f, "tesseract"),
            Backend::OpenAi(url) => write!(f, "openai:{url}"),
            Backend::Blank => write!(f, "blank"),
            Backend::Random => write!(f, "random"),
            Backend::Copycat(addr, hotkey) => write!(f, "copycat:{addr}/{hotkey}"),
        }
    }
}

/// Settings of an OCR miner.
#[derive(Clone, Debug)]
pub struct MinerOptions {
    /// Where and for whom it serves (endpoint, subnet, address, callers, workers: tesseract runs
    /// at most this many processes).
    pub serve: ServeOptions,
    /// What reads.
    pub backend: Backend,
    /// Model name sent to an `openai:` backend.
    pub openai_model: String,
    /// Environment variable holding the `openai:` backend's API key.
    pub openai_key_env: Option<String>,
}

/// Time one image may take to read.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds the reader of `backend` (checks that `tesseract` is installed).
pub fn build_reader(options: &MinerOptions, pair: &Pair) -> Result<Arc<dyn Reader>, MinerError> {
    Ok(match &options.backend {
        Backend::Tesseract => {
            Arc::new(Tesseract::locate(options.serve.workers, READ_TIMEOUT).map_err(MinerError::backend)?)
        }
        Backend::OpenAi(url) => {
            let key = match &options.openai_key_env {
                Some(var) => Some(std::env::var(var).map_err(|_| MinerError::MissingKey(var.clone()))?),
                None => None,
            };
            Arc::new(OpenAiVision::new(url, &options.openai_model, key, READ_TIMEOUT).map_err(MinerError::backend)?)
        }
        Backend::Blank => Arc::new(Blank),
        Backend::Random => Arc::new(RandomWords::new(agora_subnet::entropy())),
        Backend::Copycat(addr, hotkey) => {
            let target = AxonTarget { addr: *addr, hotkey: *hotkey };
            Arc::new(Copycat::new(Arc::new(Dendrite::new(pair.clone())), target, READ_TIMEOUT))
        }
    })
}

/// Starts an OCR miner: checks the registration, builds the reader, serves the axon with the
/// caller guard and publishes its address on chain when it differs from the chain's. Call inside
/// a tokio runtime.
pub async fn start_miner(options: MinerOptions, pair: Pair) -> Result<RunningMiner, MinerError> {
    let serve = options.serve.clone();
    agora_subnet::start_miner(&serve, pair, |pair, config, guard| async move {
        let reader = build_reader(&options, &pair)?;
        let model = reader.model_id();
        Ok((crate::miner::axon(pair, config, guard, reader), model))
    })
    .await
}

/// Settings of an OCR validator.
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
}

impl ValidatorOptions {
    /// Where a validator keeps its state unless told otherwise: under its wallet, one file per
    /// hotkey and subnet (`<wallet dir>/validator-ocr/<hotkey>-netuid<N>.json`).
    pub fn default_state_path(wallet_dir: &Path, hotkey: &AccountId, netuid: NetUid) -> PathBuf {
        wallet_dir.join("validator-ocr").join(format!("{hotkey}-netuid{netuid}.json"))
    }

    /// Checks the ranges of the options (done again by [`start_validator`]).
    pub fn check(&self) -> Result<(), ValidatorError> {
        agora_subnet::check_ranges(self.timeout, self.alpha, self.round_pause, self.sample_size)
    }
}

/// Prepares an OCR validator: checks the options and the registration, reads the tempo, loads the
/// saved state. Then [`Validator::run`] runs it.
pub fn start_validator(options: ValidatorOptions, pair: Pair) -> Result<(Validator, Uid), ValidatorError> {
    options.check()?;
    let hotkey = pair.public();
    let client = Client::new(&options.endpoint)?.with_timeout(Duration::from_secs(10));
    let uid = client
        .uid_of(options.netuid, &hotkey)?
        .ok_or(ValidatorError::NotRegistered { hotkey: hotkey.to_string(), netuid: options.netuid })?;
    let weights_every = agora_subnet::weights_every(&client, options.netuid, options.weights_every)?;
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
    Ok((Validator::new(client, pair, OcrRounds, config)?, uid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_parse_from_their_names() {
        for name in ["tesseract", "blank", "random", "openai:http://127.0.0.1:1/v1"] {
            assert_eq!(name.parse::<Backend>().unwrap().to_string(), name);
        }
        let hotkey = Pair::from_seed(&[1; 32]).public();
        let copycat = format!("copycat:127.0.0.1:9/{hotkey}");
        assert_eq!(copycat.parse::<Backend>().unwrap().to_string(), copycat);
        assert!("copycat:127.0.0.1:9".parse::<Backend>().is_err());
        assert_eq!("local".parse::<Backend>(), Err(BadBackend("local".into())));
    }
}
