//! `agora miner dummy` and `agora dendrite dummy`: the template's example protocol, served and
//! queried over the neuron protocol.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use agora_neuron::dummy::{Dummy, answer};
use agora_neuron::{Axon, AxonConfig, AxonTarget, Dendrite, Guard, OpenGuard, StakeGuard};
use agora_primitives::NetUid;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::Failure;
use crate::out::Global;
use crate::tx::parse_account;

/// `agora miner`.
#[derive(Debug, Subcommand)]
pub enum MinerCommand {
    /// Serve the template's `Dummy` synapse (answers 2 × dummy_input) with the wallet's hotkey.
    Dummy(MinerArgs),
}

/// Options of a miner's axon.
#[derive(Debug, Args)]
pub struct MinerArgs {
    /// Port to listen on.
    #[arg(long, default_value_t = 8091, env = "BT_AXON_PORT")]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0", env = "BT_AXON_IP")]
    ip: IpAddr,
    /// Serve without a node: signatures and nonces are still checked, the stake blacklist is off.
    #[arg(long)]
    no_chain: bool,
    /// The subnet whose metagraph decides who may call.
    #[arg(long, short = 'n', default_value_t = 1)]
    netuid: u16,
    /// Callers need at least this stake (TAO).
    #[arg(long, default_value_t = 0.0)]
    min_stake: f64,
    /// Also accept registered callers without a validator permit.
    #[arg(long)]
    allow_no_permit: bool,
    /// Requests handled at once.
    #[arg(long, default_value_t = 64, env = "BT_AXON_MAX_WORKERS")]
    workers: usize,
}

/// `agora dendrite`.
#[derive(Debug, Subcommand)]
pub enum DendriteCommand {
    /// Query an axon's `Dummy` synapse.
    Dummy {
        /// The axon's address (IP:PORT).
        #[arg(long)]
        axon: SocketAddr,
        /// The axon's hotkey (SS58): the request is signed for it.
        #[arg(long)]
        axon_hotkey: String,
        /// The query.
        #[arg(long, allow_negative_numbers = true)]
        input: i64,
        /// Seconds to wait.
        #[arg(long, default_value_t = 12.0)]
        timeout: f64,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::msg(format!("cannot start the async runtime: {e}")))
}

pub fn run_miner(cmd: MinerCommand, g: &Global) -> Result<(), Failure> {
    let MinerCommand::Dummy(args) = cmd;
    crate::init_logging();
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let hotkey = pair.public();
    runtime()?.block_on(async move {
        let guard: Arc<dyn Guard> = if args.no_chain {
            Arc::new(OpenGuard)
        } else {
            StakeGuard::start(
                g.endpoint(),
                NetUid(args.netuid),
                args.min_stake,
                !args.allow_no_permit,
                Duration::from_secs(12),
            )?
        };
        let config = AxonConfig { workers: args.workers, ..AxonConfig::default() };
        let mut axon = Axon::new(pair, config).guard(guard);
        axon.attach(|q: Dummy, _| async move { Ok(answer(q)) });
        let running = axon
            .serve(SocketAddr::new(args.ip, args.port))
            .await
            .map_err(|e| Failure::msg(format!("cannot listen on {}:{}: {e}", args.ip, args.port)))?;
        let doc = json!({"hotkey": hotkey, "addr": running.local_addr.to_string(), "synapses": ["Dummy", "Synapse"], "chain": !args.no_chain});
        g.print(&doc, || {
            format!(
                "axon of {hotkey} serving Dummy on {}{}; Ctrl-C stops",
                running.local_addr,
                if args.no_chain { " (no chain: any signed caller)".to_string() } else { format!(" (callers checked against subnet {})", args.netuid) }
            )
        });
        shutdown_signal().await;
        running.stop().await?;
        Ok(())
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub fn run_dendrite(cmd: DendriteCommand, g: &Global) -> Result<(), Failure> {
    let DendriteCommand::Dummy { axon, axon_hotkey, input, timeout } = cmd;
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(Failure::msg("--timeout must be a positive number of seconds"));
    }
    let target = AxonTarget { addr: axon, hotkey: parse_account(&axon_hotkey)? };
    let pair = g.wallet.hotkey_pair()?.pair().clone();
    let answer = runtime()?.block_on(async move {
        Dendrite::new(pair)
            .call(&target, &Dummy { dummy_input: input, dummy_output: None }, Duration::from_secs_f64(timeout))
            .await
    });
    let doc = if answer.is_success() {
        json!({"status_code": answer.status_code, "dummy_output": answer.synapse.as_ref().and_then(|s| s.dummy_output), "process_time": answer.process_time})
    } else {
        json!({"status_code": answer.status_code, "status_message": answer.status_message, "process_time": answer.process_time})
    };
    g.print(&doc, || match &answer.synapse {
        Some(s) => format!(
            "{} → {} ({:.3} s)",
            input,
            s.dummy_output.map_or("None".into(), |v| v.to_string()),
            answer.process_time
        ),
        None => format!("{} {}", answer.status_code, answer.status_message),
    });
    if answer.is_success() {
        Ok(())
    } else {
        Err(Failure(format!("the axon answered {}: {}", answer.status_code, answer.status_message), 1))
    }
}
