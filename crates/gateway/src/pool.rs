//! The miners a gateway routes to: the subnet's metagraph, refreshed in the background; picks
//! with probability proportional to on-chain incentive (uniform while nobody has any), skipping
//! miners that failed recently.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use agora_client::Client;
use agora_models::sampling::SplitMix64;
use agora_neuron::AxonTarget;
use agora_primitives::{AccountId, BlockNumber, NetUid};
use agora_runtime::query::{Metagraph, PoolInfo};

/// A miner that can be asked.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// Its uid.
    pub uid: u16,
    /// Where and who.
    pub target: AxonTarget,
    /// Incentive in [0, 1].
    pub incentive: f64,
}

/// The routing table.
pub struct MinerPool {
    candidates: RwLock<Vec<Candidate>>,
    failures: Mutex<BTreeMap<u16, Instant>>,
    rng: Mutex<SplitMix64>,
    cooldown: Duration,
    me: AccountId,
    block: std::sync::atomic::AtomicU64,
    history: Mutex<VecDeque<Snapshot>>,
}

/// Per-uid incentive, dividends and emission at one block (for the explorer's charts).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Snapshot {
    /// Block.
    pub block: BlockNumber,
    /// Incentive per uid (u16 ratio).
    pub incentive: Vec<u16>,
    /// Dividends per uid (u16 ratio).
    pub dividends: Vec<u16>,
    /// Emission per uid at the last epoch (rao).
    pub emission: Vec<u64>,
    /// Every subnet's pool on a dynamic chain (empty in the TAO era).
    pub pools: Vec<PoolPoint>,
}

/// One subnet's pool at a snapshot (dynamic TAO; amounts in rao).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PoolPoint {
    /// The subnet.
    pub netuid: u16,
    /// Spot price, rao per alpha.
    pub price: u64,
    /// Price EMA, rao per alpha.
    pub moving_price: u64,
    /// TAO in the pool.
    pub tao_in: u64,
    /// Alpha in the pool.
    pub alpha_in: u64,
    /// Alpha outside the pool.
    pub alpha_out: u64,
}

impl From<&PoolInfo> for PoolPoint {
    fn from(p: &PoolInfo) -> PoolPoint {
        PoolPoint {
            netuid: p.netuid.get(),
            price: p.price,
            moving_price: p.moving_price,
            tao_in: p.tao_in.rao(),
            alpha_in: p.alpha_in,
            alpha_out: p.alpha_out,
        }
    }
}

/// Snapshots kept (two hours at one per 12 s refresh).
pub const HISTORY: usize = 600;

impl MinerPool {
    /// An empty pool; `me` (the gateway's own hotkey) is never a candidate.
    pub fn new(me: AccountId, cooldown: Duration, seed: u64) -> MinerPool {
        MinerPool {
            candidates: RwLock::new(Vec::new()),
            failures: Mutex::new(BTreeMap::new()),
            rng: Mutex::new(SplitMix64::new(seed)),
            cooldown,
            me,
            block: Default::default(),
            history: Mutex::new(VecDeque::new()),
        }
    }

    /// Replaces the table with the serving uids of `m`, and records `m` and the chain's `pools`
    /// (empty in the TAO era) for the explorer's history.
    pub fn update(&self, m: &Metagraph, pools: &[PoolInfo]) {
        let n = m.hotkeys.len().min(m.axons.len()).min(m.incentive.len());
        let list: Vec<Candidate> = (0..n)
            .filter(|&uid| m.hotkeys[uid] != self.me)
            .filter_map(|uid| {
                agora_client::metagraph::axon_address(&m.axons[uid]).map(|addr| Candidate {
                    uid: uid as u16,
                    target: AxonTarget { addr, hotkey: m.hotkeys[uid] },
                    incentive: agora_client::metagraph::ratio(m.incentive[uid]),
                })
            })
            .collect();
        *self.candidates.write().unwrap_or_else(|e| e.into_inner()) = list;
        self.block.store(m.block.get(), std::sync::atomic::Ordering::Relaxed);
        let mut history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        if history.back().is_none_or(|s| s.block < m.block) {
            history.push_back(Snapshot {
                block: m.block,
                incentive: m.incentive.clone(),
                dividends: m.dividends.clone(),
                emission: m.emission.clone(),
                pools: pools.iter().map(PoolPoint::from).collect(),
            });
            while history.len() > HISTORY {
                history.pop_front();
            }
        }
    }

    /// The snapshots kept, oldest first.
    pub fn history(&self) -> Vec<Snapshot> {
        self.history.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
    }

    /// Replaces the table with a fixed list (a static deployment, or tests).
    pub fn set_candidates(&self, list: Vec<Candidate>) {
        *self.candidates.write().unwrap_or_else(|e| e.into_inner()) = list;
    }

    /// Serving miners known now.
    pub fn candidates(&self) -> Vec<Candidate> {
        self.candidates.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Block of the metagraph in use.
    pub fn block(&self) -> BlockNumber {
        BlockNumber(self.block.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Marks `uid` as failed: it is skipped for the cooldown.
    pub fn failed(&self, uid: u16) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).insert(uid, Instant::now());
    }

    /// Clears `uid`'s failure.
    pub fn succeeded(&self, uid: u16) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(&uid);
    }

    /// Up to `k` distinct miners, none in `exclude`, drawn by incentive without replacement.
    /// Recently failed miners are used only when nobody else is left.
    pub fn pick(&self, k: usize, exclude: &[u16]) -> Vec<Candidate> {
        let now = Instant::now();
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let all: Vec<Candidate> = self.candidates().into_iter().filter(|c| !exclude.contains(&c.uid)).collect();
        let (healthy, failed): (Vec<Candidate>, Vec<Candidate>) =
            all.into_iter().partition(|c| failures.get(&c.uid).is_none_or(|t| now.duration_since(*t) >= self.cooldown));
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = draw(healthy, k, &mut rng);
        if out.len() < k {
            out.extend(draw(failed, k - out.len(), &mut rng));
        }
        out
    }

    /// Keeps the pool fresh from `endpoint` every `every` (first load before returning).
    pub async fn start_refresh(
        self: &Arc<Self>,
        endpoint: &str,
        netuid: NetUid,
        every: Duration,
    ) -> Result<(), agora_client::ClientError> {
        let client = Client::new(endpoint)?.with_timeout(Duration::from_secs(10));
        let first = {
            let client = client.clone();
            tokio::task::spawn_blocking(move || fetch(&client, netuid)).await.map_err(|e| {
                agora_client::ClientError::BadResponse { url: endpoint.to_string(), message: e.to_string() }
            })??
        };
        self.update(&first.0, &first.1);
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(pool) = weak.upgrade() else { return };
                let client = client.clone();
                match tokio::task::spawn_blocking(move || fetch(&client, netuid)).await {
                    Ok(Ok((m, pools))) => pool.update(&m, &pools),
                    Ok(Err(e)) => tracing::warn!("metagraph refresh failed (keeping the last one): {e}"),
                    Err(e) => tracing::warn!("metagraph refresh panicked: {e}"),
                }
            }
        });
        Ok(())
    }
}

/// The metagraph of `netuid` and the chain's pools. A node that cannot tell its pools (one older
/// than dynamic TAO) gives none: routing needs only the metagraph.
fn fetch(client: &Client, netuid: NetUid) -> Result<(Metagraph, Vec<PoolInfo>), agora_client::ClientError> {
    let m = client.metagraph(netuid, false)?;
    let pools = client.pools().unwrap_or_else(|e| {
        tracing::debug!("no pools from the node: {e}");
        Vec::new()
    });
    Ok((m, pools))
}

/// Weighted sampling without replacement (uniform when every weight is 0).
fn draw(mut pool: Vec<Candidate>, k: usize, rng: &mut SplitMix64) -> Vec<Candidate> {
    let mut out = Vec::new();
    while out.len() < k && !pool.is_empty() {
        let total: f64 = pool.iter().map(|c| c.incentive.max(0.0)).sum();
        let i = if total > 0.0 {
            let mut x = rng.next_f64() * total;
            let mut chosen = pool.len() - 1;
            for (i, c) in pool.iter().enumerate() {
                let w = c.incentive.max(0.0);
                if x < w {
                    chosen = i;
                    break;
                }
                x -= w;
            }
            chosen
        } else {
            (rng.next_u64() % pool.len() as u64) as usize
        };
        out.push(pool.swap_remove(i));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(uid: u16, incentive: f64) -> Candidate {
        let hotkey = agora_primitives::Pair::from_seed(&[uid as u8 + 1; 32]).public();
        Candidate { uid, target: AxonTarget { addr: ([127, 0, 0, 1], 9000 + uid).into(), hotkey }, incentive }
    }

    fn pool(list: Vec<Candidate>) -> MinerPool {
        let p = MinerPool::new(agora_primitives::Pair::from_seed(&[99; 32]).public(), Duration::from_secs(30), 7);
        *p.candidates.write().unwrap() = list;
        p
    }

    #[test]
    fn history_keeps_one_snapshot_per_block_with_the_pools() {
        let p = pool(Vec::new());
        let pool_info = |netuid: u16, price: u64| PoolInfo {
            netuid: NetUid(netuid),
            price,
            moving_price: price / 2,
            tao_in: agora_primitives::Balance(5),
            alpha_in: 6,
            alpha_out: 7,
            quote_weight: 0,
            fee_rate: 33,
            volume: 0,
            emission_enabled: true,
            tao_in_emission: 0,
            alpha_in_emission: 0,
            alpha_out_emission: 0,
            pending_alpha_emission: 0,
            pending_server: 0,
            pending_validator: 0,
            pending_root_emission: 0,
            pending_owner_cut: 0,
            protocol_alpha: 0,
            alpha_burned: 0,
            initialized: true,
            stable: false,
            minimum_reserve: 0,
        };
        let m = |block: u64| Metagraph { block: BlockNumber(block), ..Metagraph::default() };
        p.update(&m(10), &[pool_info(1, 2_000)]);
        p.update(&m(10), &[pool_info(1, 3_000)]);
        p.update(&m(11), &[]);
        let h = p.history();
        assert_eq!(h.len(), 2, "one snapshot per block");
        assert_eq!(
            h[0].pools,
            vec![PoolPoint { netuid: 1, price: 2_000, moving_price: 1_000, tao_in: 5, alpha_in: 6, alpha_out: 7 }]
        );
        assert!(h[1].pools.is_empty(), "a TAO-era chain has none");
    }

    #[test]
    fn picks_follow_incentive_and_skip_failures() {
        let p = pool(vec![cand(0, 0.75), cand(1, 0.25), cand(2, 0.0)]);
        let mut counts = [0usize; 3];
        for _ in 0..4000 {
            counts[usize::from(p.pick(1, &[])[0].uid)] += 1;
        }
        assert_eq!(counts[2], 0, "no incentive, no traffic while others have some");
        let share = counts[0] as f64 / 4000.0;
        assert!((share - 0.75).abs() < 0.04, "{counts:?}");
        // Three distinct miners when three are asked for; the zero-incentive one comes last.
        let three = p.pick(3, &[]);
        assert_eq!(three.len(), 3);
        assert_eq!(three[2].uid, 2);
        // A failed miner is skipped while others remain, and used when nobody else is left.
        p.failed(0);
        assert!((0..200).all(|_| p.pick(1, &[]).iter().all(|c| c.uid != 0)));
        assert_eq!(p.pick(1, &[1, 2])[0].uid, 0);
        p.succeeded(0);
        assert!(p.pick(3, &[]).iter().any(|c| c.uid == 0));
    }

    #[test]
    fn without_incentive_traffic_is_uniform() {
        let p = pool(vec![cand(0, 0.0), cand(1, 0.0)]);
        let zeros = (0..2000).filter(|_| p.pick(1, &[])[0].uid == 0).count();
        assert!((800..1200).contains(&zeros), "{zeros}");
        assert!(pool(Vec::new()).pick(2, &[]).is_empty());
    }
}
