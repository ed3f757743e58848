//! The gateway: users' front door to a subnet. An OpenAI-compatible API (`/v1/chat/completions`
//! with and without streaming, `/v1/models`, OpenAI's error shape) over the neuron protocol:
//! requests are signed with a validator's hotkey and routed to miners by on-chain incentive,
//! with retries, optional hedging and best-of-k ranked by the subnet's validator scorer.

pub mod api;
pub mod keys;
pub mod pool;
pub mod server;

pub use keys::{ApiKey, Keys};
pub use pool::MinerPool;
pub use server::{Gateway, GatewayConfig, router};
