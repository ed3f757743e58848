//! A gateway's whole life in one call: [`start`] loads the keys, fetches (when missing) and loads
//! the models, loads the
//! subnet's miners from a node (and keeps them fresh), listens, and serves until
//! [`RunningGateway::stop`].

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use agora_models::{Embedder, LlamaEngine, ModelPaths};
use agora_neuron::Dendrite;
use agora_primitives::{NetUid, Pair};
use agora_text::Judge;

use crate::body::BodyLimits;
use crate::error::{GatewayError, Result};
use crate::keys::{ApiKey, Keys};
use crate::pool::MinerPool;
use crate::server::{Gateway, GatewayConfig, OcrRoute, OrganicSink, router_with};

/// Largest request body when the OCR subnet is served: an image of
/// [`agora_ocr::synapse::MAX_IMAGE_BYTES`] as base64, and the rest of the request.
pub const OCR_BODY_BYTES: usize = agora_ocr::synapse::MAX_IMAGE_BYTES / 3 * 4 + 64 * 1024;
use crate::tokens::TokenCounter;

/// Who may call the gateway.
#[derive(Clone)]
pub enum Access {
    /// Anyone who can reach the port.
    Open,
    /// Bearer keys from a TOML file (see [`crate::keys`]).
    KeyFile(PathBuf),
    /// Bearer keys given here.
    Keys(Vec<ApiKey>),
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Access::Open => f.write_str("Open"),
            Access::KeyFile(path) => f.debug_tuple("KeyFile").field(path).finish(),
            // Never the tokens themselves.
            Access::Keys(keys) => {
                f.debug_tuple("Keys").field(&keys.iter().map(|k| &k.name).collect::<Vec<_>>()).finish()
            }
        }
    }
}

/// What the gateway loads from the model files.
#[derive(Clone, Debug)]
pub enum ModelFiles {
    /// Nothing: best-of-k is unavailable and `usage` is `null` (no token counts).
    None,
    /// SmolLM2's tokenizer only, from the GGUF file's metadata (no weights, no MiniLM; a
    /// fraction of a second): `usage` is counted, best-of-k is unavailable.
    Tokenizer(PathBuf),
    /// The judge's models (SmolLM2 and MiniLM, as `agora models fetch` lays them out; [`start`]
    /// fetches them when missing) and the tokenizer: best-of-k and `usage`.
    Judge(ModelPaths),
}

impl ModelFiles {
    /// The judge's models when `load` (best-of-k and `usage`), else the tokenizer alone when
    /// SmolLM2's file is already in `paths` (`usage` only), else nothing.
    pub fn from_paths(paths: ModelPaths, load: bool) -> ModelFiles {
        let llm = paths.llm();
        match load {
            true => ModelFiles::Judge(paths),
            false if llm.is_file() => ModelFiles::Tokenizer(llm),
            false => ModelFiles::None,
        }
    }
}

/// Everything [`start`] needs.
#[derive(Clone, Debug)]
pub struct GatewayOptions {
    /// The node's JSON-RPC URL (`http://127.0.0.1:9944`): the metagraph, and the explorer's
    /// read-only calls.
    pub endpoint: String,
    /// The subnet served.
    pub netuid: NetUid,
    /// The document-OCR subnet also served (`agora/ocr`, and any request with an image), if any.
    pub ocr_netuid: Option<NetUid>,
    /// Where to listen (port 0: any free port; see [`RunningGateway::local_addr`]).
    pub addr: SocketAddr,
    /// Who may call.
    pub access: Access,
    /// Time a miner has per attempt, in (0, 3600] seconds.
    pub timeout: Duration,
    /// Other miners tried after a failure.
    pub retries: usize,
    /// Send each request to two miners and answer with the first good answer.
    pub hedge: bool,
    /// Best-of-k for requests that ask for none (1 to 8; above 1 needs [`ModelFiles::Judge`]).
    pub best_of: u8,
    /// Append sampled requests to this JSON-lines file, for validators' organic traffic. Only
    /// requests that are possible tasks are sampled (at most
    /// [`agora_text::organic::MAX_SAMPLE_MESSAGES`] messages and
    /// [`agora_text::organic::MAX_SAMPLE_TEXT_BYTES`] of text), at most
    /// [`agora_text::organic::SAMPLES_PER_KEY_PER_MINUTE`] per API key a minute; the file is
    /// rotated to `<file>.1` at [`agora_text::organic::ROTATE_BYTES`]. See
    /// [`agora_text::organic`].
    pub organic_file: Option<PathBuf>,
    /// Sample one request in this many of each API key into `organic_file` (at least 1).
    pub organic_every: u64,
    /// What to load from the model files.
    pub models: ModelFiles,
    /// How often the metagraph is reloaded.
    pub refresh: Duration,
    /// How long a miner that failed is skipped.
    pub cooldown: Duration,
}

impl GatewayOptions {
    /// A gateway for `netuid` of the node at `endpoint`, on 127.0.0.1:8000, with the CLI's
    /// defaults: 30 s per attempt, 2 retries, no hedging, best-of-1, no organic sampling, no
    /// models, metagraph every 12 s, 30 s cooldown after a failure.
    pub fn new(endpoint: impl Into<String>, netuid: NetUid, access: Access) -> GatewayOptions {
        GatewayOptions {
            endpoint: endpoint.into(),
            netuid,
            ocr_netuid: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
            access,
            timeout: Duration::from_secs(30),
            retries: 2,
            hedge: false,
            best_of: 1,
            organic_file: None,
            organic_every: 4,
            models: ModelFiles::None,
            refresh: Duration::from_secs(12),
            cooldown: Duration::from_secs(30),
        }
    }

    /// Checks the settings that need no file or network.
    pub fn validate(&self) -> Result<()> {
        if self.timeout.is_zero() || self.timeout > Duration::from_secs(3600) {
            return Err(GatewayError::Timeout { seconds: self.timeout.as_secs_f64() });
        }
        if !(1..=8).contains(&self.best_of) {
            return Err(GatewayError::BestOf { got: self.best_of });
        }
        if self.best_of > 1 && !matches!(self.models, ModelFiles::Judge(_)) {
            return Err(GatewayError::BestOfNeedsModels { best_of: self.best_of });
        }
        if self.organic_file.is_some() && self.organic_every == 0 {
            return Err(GatewayError::OrganicEvery);
        }
        if self.ocr_netuid == Some(self.netuid) {
            return Err(GatewayError::SameSubnet { netuid: self.netuid });
        }
        Ok(())
    }
}

/// A serving gateway. Dropping it stops the server too (gracefully, in the background);
/// [`RunningGateway::stop`] waits for that.
pub struct RunningGateway {
    /// Where it listens.
    pub local_addr: SocketAddr,
    gateway: Arc<Gateway>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl std::fmt::Debug for RunningGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningGateway").field("local_addr", &self.local_addr).finish_non_exhaustive()
    }
}

impl RunningGateway {
    /// Serving miners known now (the metagraph's, refreshed in the background).
    pub fn miners(&self) -> usize {
        self.gateway.pool.candidates().len()
    }

    /// The shared state (the miner pool, whether it counts tokens, ...).
    pub fn gateway(&self) -> &Arc<Gateway> {
        &self.gateway
    }

    /// Stops accepting, lets open responses finish, and waits for the server to end.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        join(&mut self.task).await
    }

    /// Serves until `signal` completes (then stops as [`RunningGateway::stop`] does) or the
    /// server fails.
    pub async fn wait_until(mut self, signal: impl Future<Output = ()>) -> Result<()> {
        tokio::select! {
            ended = join(&mut self.task) => ended,
            () = signal => self.stop().await,
        }
    }
}

async fn join(task: &mut tokio::task::JoinHandle<std::io::Result<()>>) -> Result<()> {
    match task.await {
        Ok(r) => r.map_err(GatewayError::Serve),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Cancelled: the runtime is shutting down.
        Err(_) => Ok(()),
    }
}

/// Runs blocking work (file reads, model loads) off the async threads.
///
/// # Panics
///
/// Resumes a panic of `f`.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// The judge (when asked for) and the token counter (unless no models at all).
fn load_models(models: ModelFiles) -> Result<(Option<Judge>, Option<TokenCounter>)> {
    match models {
        ModelFiles::None => Ok((None, None)),
        ModelFiles::Tokenizer(path) => {
            let counter = TokenCounter::load(&path).map_err(|e| GatewayError::model(&path, e))?;
            Ok((None, Some(counter)))
        }
        ModelFiles::Judge(paths) => {
            agora_text::lifecycle::fetch_models(&paths).map_err(|e| GatewayError::model(&paths.dir, e))?;
            let (llm, embedder) = (paths.llm(), paths.embedder());
            let counter = TokenCounter::load(&llm).map_err(|e| GatewayError::model(&llm, e))?;
            let engine = LlamaEngine::load(&llm).map_err(|e| GatewayError::model(&llm, e))?;
            let embedder = Embedder::load(&embedder).map_err(|e| GatewayError::model(&embedder, e))?;
            Ok((Some(Judge::new(engine, embedder)), Some(counter)))
        }
    }
}

/// Starts a gateway signing its requests to miners as `hotkey`: checks `options`, loads the keys,
/// fetches the judge's models when they are missing (progress is logged) and loads the models,
/// loads the subnet's metagraph from the node (then every `options.refresh`),
/// listens on `options.addr` and serves in the background. Call within a Tokio runtime.
pub async fn start(options: GatewayOptions, hotkey: Pair) -> Result<RunningGateway> {
    options.validate()?;
    let keys = match options.access.clone() {
        Access::Open => None,
        Access::KeyFile(path) => Some(blocking(move || Keys::load(&path)).await?),
        Access::Keys(list) => Some(Keys::new(list)?),
    };
    let models = options.models.clone();
    let (judge, counter) = blocking(move || load_models(models)).await?;
    if counter.is_none() {
        tracing::info!("no tokenizer loaded: responses carry `usage: null`");
    }

    let pool = Arc::new(MinerPool::new(hotkey.public(), options.cooldown, agora_text::tasks::entropy()));
    pool.start_refresh(&options.endpoint, options.netuid, options.refresh).await?;
    let node = agora_client::RpcClient::new(&options.endpoint)?.with_timeout(Duration::from_secs(10));
    let config = GatewayConfig {
        netuid: options.netuid,
        timeout: options.timeout,
        retries: options.retries,
        hedge: options.hedge,
        default_best_of: options.best_of,
    };
    let ocr = match options.ocr_netuid {
        Some(netuid) => {
            // Its metagraph is read now: a subnet that is not on chain fails the start.
            let pool = Arc::new(MinerPool::new(hotkey.public(), options.cooldown, agora_subnet::entropy()));
            pool.start_refresh(&options.endpoint, netuid, options.refresh).await?;
            Some(OcrRoute { netuid, pool })
        }
        None => None,
    };
    let mut gateway = Gateway::new(pool, Dendrite::new(hotkey), keys, judge, Some(node), config);
    // Images come inline: a request body may hold one of up to 6 MiB (8 MiB as base64).
    let body = match ocr {
        Some(route) => {
            gateway = gateway.with_ocr(route);
            BodyLimits { max_bytes: OCR_BODY_BYTES, ..BodyLimits::default() }
        }
        None => BodyLimits::default(),
    };
    if let Some(path) = options.organic_file {
        gateway = gateway.with_organic(OrganicSink::new(path, options.organic_every));
    }
    if let Some(counter) = counter {
        gateway = gateway.with_tokens(counter);
    }

    let addr = options.addr;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| GatewayError::Listen { addr, source })?;
    let local_addr = listener.local_addr().map_err(|source| GatewayError::Listen { addr, source })?;
    let app = router_with(gateway.clone(), body);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // Connections capped overall and per address, request heads within 10 s ([`agora_net`]).
        let limits = agora_net::Limits { max_connections: 2048, max_per_ip: 256, ..agora_net::Limits::default() };
        agora_net::serve(listener, limits, move |_conn| app.clone(), async move {
            let _ = rx.await;
        })
        .await
    });
    Ok(RunningGateway { local_addr, gateway, shutdown: Some(tx), task })
}
