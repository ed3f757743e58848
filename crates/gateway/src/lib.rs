//! The OpenAI-compatible gateway: keys, routing by incentive, retries, hedging, best-of-k, the explorer and chat
//! pages.
//!
//! Users' front door to a subnet: an OpenAI-compatible API (`/v1/chat/completions`
//! with and without streaming, `/v1/models`, OpenAI's error shape) over the neuron protocol:
//! requests are signed with a validator's hotkey and routed to miners by on-chain incentive,
//! with retries, optional hedging and best-of-k ranked by the subnet's validator scorer.
//!
//! [`start`] runs a whole gateway from [`GatewayOptions`] and returns a [`RunningGateway`];
//! [`Gateway`] and [`router`] are the pieces, for embedding the routes in another server;
//! [`load::load`] is the load test of a running gateway.
//!
//! # Token counts
//!
//! `usage` is counted by the gateway with the subnet's pinned model's tokenizer (SmolLM2's,
//! [`TokenCounter`]), never taken from a miner: `prompt_tokens` are the tokens of the prompt a
//! miner's model sees (the chat template rendered: the default system prompt when the request
//! has none, each message in ChatML, the assistant's header), `completion_tokens` the tokens of
//! the answer's text as the user received it. A non-streamed miner's own `completion_tokens`
//! is only compared with ours (logged at debug level when they differ: decoded text
//! re-tokenizes slightly differently at times).
//!
//! What is loaded follows [`ModelFiles`]: with the judge's models ([`ModelFiles::Judge`]) or
//! just the GGUF file ([`ModelFiles::Tokenizer`]: its metadata only, no weights), usage is
//! counted; with no model file at all ([`ModelFiles::None`]) the gateway cannot count and
//! `usage` is `null` (in the usage chunk of a stream too). `agora gateway --no-models` loads the
//! tokenizer when the GGUF file is already in the models directory and nothing otherwise.
//!
//! With a tokenizer, a prompt of [`agora_models::local::MAX_PROMPT_TOKENS`] tokens or more is
//! refused up front (`400`, code `context_length_exceeded`) instead of failing at every miner.
//!
//! # `finish_reason`
//!
//! `length` when the miner says so (non-streamed answers), when the answer has at least
//! `max_tokens` tokens by the tokenizer's count (a streamed answer carries nothing else), or
//! when the stream was cut off (it broke, or passed [`server::STREAM_LIMIT`] bytes); `stop`
//! otherwise. Without a tokenizer a streamed answer that ends normally is `stop`.
//!
//! # Errors
//!
//! Every error body has OpenAI's shape with `error.code` set (see [`api::code`]):
//! `invalid_api_key` (401), `rate_limit_exceeded` (429), `model_not_found` (404),
//! `invalid_value`, `invalid_type`, `missing_required_parameter`, `unsupported_value`,
//! `invalid_json` and `context_length_exceeded` (400), `no_miner_available` (503) and
//! `upstream_error` (502: every miner tried failed).
//!
//! # Guarantees
//!
//! - Every API key has its own token bucket; requests beyond it get 429 with `Retry-After`.
//! - A miner that fails is cooled down for 30 s; a request is tried on other miners before it fails.
//! - Streams are capped in size and never stall on invalid UTF-8.
//! - Organic sampling (`organic_file`) is bounded: only requests that are possible tasks (at most
//!   8 KiB of text in 16 messages), one in `organic_every` per key and at most 6 per key a minute,
//!   named by the key's id (never the key), in a file rotated at 4 MiB (see
//!   [`agora_text::organic`]).
//!
//! # Status
//!
//! Two subnets behind one front door: text generation (`agora/text`) and, when
//! [`GatewayOptions::ocr_netuid`] is set, document OCR (`agora/ocr`): a chat request whose user
//! message holds an `image_url` part (a `data:` URL of a PNG or JPEG) is read by the OCR
//! subnet's miners, and the reading is the assistant's message; best-of-k there picks the
//! reading the others agree with most. `usage` is `null` for readings.
//!
//! # Example
//!
//! ```no_run
//! use agora_gateway::{Access, GatewayOptions, ModelFiles};
//! use agora_models::ModelPaths;
//! use agora_primitives::{NetUid, Pair};
//!
//! # #[tokio::main]
//! # async fn main() -> agora_gateway::Result<()> {
//! // Requests to miners are signed with a validator's hotkey (from its wallet in practice).
//! let hotkey = Pair::from_seed(&[7; 32]);
//! let options = GatewayOptions {
//!     // The judge's models (fetched when missing): best-of-k and `usage`.
//!     models: ModelFiles::from_paths(ModelPaths::resolve(None), true),
//!     ..GatewayOptions::new("http://127.0.0.1:30301", NetUid(1), Access::KeyFile("keys.toml".into()))
//! };
//! let gateway = agora_gateway::start(options, hotkey).await?;
//! println!("OpenAI base URL: http://{}/v1, {} miners", gateway.local_addr, gateway.miners());
//! gateway
//!     .wait_until(async {
//!         let _ = tokio::signal::ctrl_c().await;
//!     })
//!     .await
//! # }
//! ```

pub mod api;
pub mod body;
pub mod error;
pub mod keys;
pub mod lifecycle;
pub mod load;
pub mod pool;
pub mod server;
pub mod tokens;

pub use body::BodyLimits;
pub use error::{GatewayError, Result};
pub use keys::{ApiKey, KeyError, Keys};
pub use lifecycle::{Access, GatewayOptions, ModelFiles, OCR_BODY_BYTES, RunningGateway, start};
pub use pool::MinerPool;
pub use server::{Gateway, GatewayConfig, OcrRoute, router, router_with};
pub use tokens::TokenCounter;
