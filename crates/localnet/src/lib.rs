//! A whole local network as a library: genesis, node processes, dev wallets, subnets, neurons and
//! the gateway.
//!
//! [`Localnet::start`] is `agora localnet run` in one call: it writes a new chain (or resumes the
//! one in its directory), starts one `agora node` process per validator, waits for finality, and
//! then sets up and runs the text subnet — models, dev wallets, subnet creation, registration and
//! stake through [`agora_client`] and [`agora_wallet`] directly, the validators' permits, miners,
//! validators and the gateway — and describes it all in `D/localnet.json`. [`Network`] is the
//! chain half alone, with per-node start and `kill -9`, for tests of consensus and recovery.
//! [`chain_load`] is the chain's load test against running nodes (`agora chain load`).
//!
//! # Guarantees
//!
//! - Only long-running processes are spawned (nodes, miners, validators, the gateway); every
//!   setup step is a typed call, and a failed one says which step and why ([`LocalnetError`]).
//! - Everything started is stopped when the [`Localnet`] or [`Network`] is dropped (SIGTERM, then
//!   SIGKILL after 5 s; neurons before nodes), also when the start fails half-way or is
//!   interrupted through the stop flag.
//! - A second run resumes the same chain and subnet (`D/subnet.json`); a first setup cut short is
//!   refused instead of creating a second subnet.
//! - Loopback only; secrets (the gateway's API key) are written with mode 0600.
//!
//! # Status
//!
//! One subnet (text generation) with two validators; the processes run the `agora` binary given
//! in [`LocalnetOptions::binary`].
//!
//! # Example
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use agora_localnet::{Localnet, LocalnetOptions, NetworkOptions};
//!
//! let options = LocalnetOptions {
//!     dir: ".agora/localnet".into(),
//!     fresh: false,
//!     network: NetworkOptions {
//!         validators: 4,
//!         followers: 0,
//!         base_port: 30300,
//!         block_time_ms: 500,
//!         substrate_port: Some(9944),
//!         economy: Default::default(),
//!     },
//!     subnet: None,
//!     binary: "target/release/agora".into(),
//!     log_filter: "info".into(),
//! };
//! let stop = AtomicBool::new(false);
//! let net = Localnet::start(&options, &mut |step| eprintln!("{step}"), &stop)?;
//! println!("{}", net.description().rpc_url);
//! # Ok::<(), agora_localnet::LocalnetError>(())
//! ```

mod description;
mod error;
mod load;
mod localnet;
mod network;
mod neurons;
mod open_load;
mod process;
mod random;
mod setup;

pub use description::{Description, ProcessEntry, SubnetEntry};
pub use error::{LocalnetError, Result};
pub use load::{ChainLoadError, ChainLoadOptions, ChainLoadReport, OpenLoop, chain_load};
pub use localnet::{Localnet, LocalnetOptions, SUBNET_STEPS, Step, SubnetOptions};
pub use network::{Network, NetworkOptions};
pub use process::Process;
pub use setup::{Member, OcrSetup, SubnetSetup};
