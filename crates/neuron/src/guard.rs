//! Who may call an axon, and who goes first: the blacklist, priority and verify hooks.
//!
//! [`StakeGuard`] is the default for a miner on a chain: it keeps the subnet's metagraph fresh in
//! the background (one RPC call per refresh) and refuses unregistered hotkeys, callers without a
//! validator permit and callers below a minimum stake; priority is the caller's stake.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use agora_client::Client;
use agora_primitives::{AccountId, NetUid};

use crate::error::NeuronError;

/// Who may call an axon (the guard a miner's command line chooses).
#[derive(Clone, Debug)]
pub enum Callers {
    /// Anyone with a valid signature (no chain: no registration check, no axon published).
    AnySigned,
    /// The subnet's registered hotkeys with at least `min_stake_tao`, and a validator permit
    /// unless `require_permit` is off; from a metagraph refreshed every 12 s.
    Subnet {
        /// Minimum stake in TAO.
        min_stake_tao: f64,
        /// Whether callers need a validator permit.
        require_permit: bool,
    },
}

impl Callers {
    /// The guard that admits these callers; for [`Callers::Subnet`] a [`StakeGuard`] on
    /// `netuid`'s metagraph from `endpoint` (call inside a tokio runtime).
    pub fn guard(&self, endpoint: &str, netuid: NetUid) -> Result<Arc<dyn Guard>, agora_client::ClientError> {
        Ok(match *self {
            Callers::AnySigned => Arc::new(OpenGuard),
            Callers::Subnet { min_stake_tao, require_permit } => {
                StakeGuard::start(endpoint, netuid, min_stake_tao, require_permit, Duration::from_secs(12))?
            }
        })
    }
}

/// The hooks an axon calls for every request.
pub trait Guard: Send + Sync + 'static {
    /// `Some(reason)` refuses the (claimed) caller with 403, before its signature is checked.
    fn blacklist(&self, caller: &AccountId, route: &str) -> Option<String>;
    /// Higher runs first when the axon is busy.
    fn priority(&self, caller: &AccountId) -> f64;
    /// A last check on the verified caller: an error refuses it with that error's status
    /// ([`NeuronError::not_verified`] is the usual 401).
    fn verify(&self, _caller: &AccountId, _route: &str) -> Result<(), NeuronError> {
        Ok(())
    }
}

/// Every signed caller is welcome, all with the same priority (`--no-chain`).
pub struct OpenGuard;

impl Guard for OpenGuard {
    fn blacklist(&self, _caller: &AccountId, _route: &str) -> Option<String> {
        None
    }
    fn priority(&self, _caller: &AccountId) -> f64 {
        0.0
    }
}

#[derive(Clone, Copy, Debug)]
struct Standing {
    stake_tao: f64,
    permit: bool,
}

/// Blacklist and priority from a subnet's metagraph, refreshed in the background.
pub struct StakeGuard {
    netuid: NetUid,
    min_stake_tao: f64,
    require_permit: bool,
    table: RwLock<Option<HashMap<AccountId, Standing>>>,
}

impl StakeGuard {
    /// Starts refreshing `netuid`'s metagraph from `endpoint` every `every` (on the current tokio
    /// runtime). Until the first refresh succeeds every caller is refused.
    pub fn start(
        endpoint: &str,
        netuid: NetUid,
        min_stake_tao: f64,
        require_permit: bool,
        every: Duration,
    ) -> Result<Arc<StakeGuard>, agora_client::ClientError> {
        let client = Client::new(endpoint)?.with_timeout(Duration::from_secs(10));
        let guard = Arc::new(StakeGuard { netuid, min_stake_tao, require_permit, table: RwLock::new(None) });
        let weak = Arc::downgrade(&guard);
        tokio::spawn(async move {
            loop {
                let Some(guard) = weak.upgrade() else { return };
                let client = client.clone();
                let netuid = guard.netuid;
                match tokio::task::spawn_blocking(move || client.metagraph(netuid, false)).await {
                    Ok(Ok(m)) => guard.update(&m),
                    Ok(Err(e)) => tracing::warn!("metagraph refresh failed (keeping the last one): {e}"),
                    Err(e) => tracing::warn!("metagraph refresh panicked: {e}"),
                }
                drop(guard);
                tokio::time::sleep(every).await;
            }
        });
        Ok(guard)
    }

    /// Replaces the table with `m`'s.
    pub fn update(&self, m: &agora_runtime::query::Metagraph) {
        let rows = agora_client::metagraph::neurons(m);
        let table = m
            .hotkeys
            .iter()
            .zip(rows)
            .map(|(hk, r)| (*hk, Standing { stake_tao: r.stake, permit: r.validator_permit }))
            .collect();
        *self.table.write().expect("guard lock") = Some(table);
    }

    /// A guard with a fixed table (tests, or a metagraph loaded from a file).
    pub fn fixed(
        netuid: NetUid,
        min_stake_tao: f64,
        require_permit: bool,
        m: &agora_runtime::query::Metagraph,
    ) -> StakeGuard {
        let guard = StakeGuard { netuid, min_stake_tao, require_permit, table: RwLock::new(None) };
        guard.update(m);
        guard
    }
}

impl Guard for StakeGuard {
    fn blacklist(&self, caller: &AccountId, _route: &str) -> Option<String> {
        let table = self.table.read().expect("guard lock");
        let Some(table) = table.as_ref() else {
            return Some("the axon has not read the metagraph yet".into());
        };
        let Some(standing) = table.get(caller) else {
            return Some(format!("{caller} is not registered on subnet {}", self.netuid.get()));
        };
        if self.require_permit && !standing.permit {
            return Some(format!("{caller} has no validator permit on subnet {}", self.netuid.get()));
        }
        if standing.stake_tao < self.min_stake_tao {
            return Some(format!("{caller} has stake {} below the minimum {}", standing.stake_tao, self.min_stake_tao));
        }
        None
    }

    fn priority(&self, caller: &AccountId) -> f64 {
        self.table.read().expect("guard lock").as_ref().and_then(|t| t.get(caller)).map_or(0.0, |s| s.stake_tao)
    }
}
