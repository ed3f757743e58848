//! The subnet-level figures several answers share (owner keys, name, symbol, pool, emission,
//! epoch clock), read once per subnet. On a dynamic chain the pool and emission figures are the
//! subnet's own (spec `dtao.md` §7); in the TAO era alpha is TAO and the pool prices it at 1.0.

use std::collections::BTreeMap;

use agora_primitives::{AccountId, NetUid};
use agora_runtime::pools;
use agora_runtime::query::{self, SubnetView};
use agora_runtime::state::{BLOCK_NUMBER, LAST_MECHANISM_STEP_BLOCK, TOTAL_HOTKEY_STAKE};
use agora_runtime::storage::StorageRead;
use parity_scale_codec::Compact;

use crate::info::{I96F32, SubnetIdentityV3};
use crate::types::AccountId32;

/// One subnet's shared figures.
pub(super) struct SubnetFacts {
    /// The runtime's view of it.
    pub view: SubnetView,
    /// Block of the state.
    pub block: u64,
    /// All stake on the subnet (rao), registered hotkeys or not.
    pub stake: u64,
    /// The subnet's pool on a dynamic chain (`None` in the TAO era).
    pub pool: Option<query::PoolInfo>,
    /// Its price EMA as stored (`I96F32` bits; 1.0 in the TAO era).
    pub moving_price_bits: i128,
}

impl SubnetFacts {
    /// The facts of `netuid`; `None` if it does not exist.
    pub fn load(s: &dyn StorageRead, netuid: NetUid) -> Option<SubnetFacts> {
        let view = query::subnet(s, netuid)?;
        Some(SubnetFacts::new(s, view, BLOCK_NUMBER.get(s), subnet_stake(s, netuid)))
    }

    /// Every subnet's facts, ascending netuid (one pass over the stake pools).
    pub fn all(s: &dyn StorageRead) -> Vec<SubnetFacts> {
        let block = BLOCK_NUMBER.get(s);
        let mut stakes: BTreeMap<NetUid, u64> = BTreeMap::new();
        for ((_, netuid), value) in TOTAL_HOTKEY_STAKE.iter(s) {
            let total = stakes.entry(netuid).or_default();
            *total = total.saturating_add(value);
        }
        query::subnets(s)
            .into_iter()
            .map(|view| {
                let stake = stakes.get(&view.netuid).copied().unwrap_or(0);
                SubnetFacts::new(s, view, block, stake)
            })
            .collect()
    }

    fn new(s: &dyn StorageRead, view: SubnetView, block: u64, stake: u64) -> SubnetFacts {
        let pool = query::pool(s, view.netuid);
        let moving_price_bits = pools::pool_state(s, view.netuid).map_or(ONE_BITS, |p| p.moving_price);
        SubnetFacts { view, block, stake, pool, moving_price_bits }
    }

    /// The netuid as served.
    pub fn netuid(&self) -> u16 {
        self.view.netuid.0
    }

    /// Owner hotkey (zero for the root network).
    pub fn owner_hotkey(&self) -> AccountId32 {
        account(self.view.owner_hotkey)
    }

    /// Owner coldkey (zero for the root network).
    pub fn owner_coldkey(&self) -> AccountId32 {
        account(self.view.owner)
    }

    /// The identity's name, else the reference's `root` for netuid 0, else empty.
    pub fn name(&self) -> Vec<Compact<u8>> {
        let name = match &self.view.identity {
            Some(i) if !i.subnet_name.is_empty() => i.subnet_name.as_bytes(),
            _ if self.view.netuid.is_root() => b"root",
            _ => b"",
        };
        compact_bytes(name)
    }

    /// `τ` for the root network, `α` for the others.
    pub fn symbol(&self) -> Vec<Compact<u8>> {
        compact_bytes(if self.view.netuid.is_root() { "τ" } else { "α" }.as_bytes())
    }

    /// The identity, if set.
    pub fn identity(&self) -> Option<SubnetIdentityV3> {
        self.view.identity.clone().map(SubnetIdentityV3::from)
    }

    /// Block of the last epoch that ran.
    pub fn last_step(&self, s: &dyn StorageRead) -> u64 {
        LAST_MECHANISM_STEP_BLOCK.get(s, &self.view.netuid)
    }

    /// `(alpha_in, alpha_out, tao_in)`: the subnet's reserves on a dynamic chain; in the TAO era
    /// (stake ≥ 1, stake, stake ≥ 1), which prices alpha at 1.0.
    pub fn pool(&self) -> (u64, u64, u64) {
        if let Some(p) = &self.pool {
            return (p.alpha_in, p.alpha_out, p.tao_in.rao());
        }
        let reserve = self.stake.max(1);
        (reserve, self.stake, reserve)
    }

    /// The block's `(alpha_out, alpha_in, tao_in)` emission: the last block's injection on a
    /// dynamic chain; in the TAO era the subnet's TAO emission per block (0 until it has started)
    /// as both alpha out and TAO in.
    pub fn emissions(&self) -> (u64, u64, u64) {
        if let Some(p) = &self.pool {
            return (p.alpha_out_emission, p.alpha_in_emission, p.tao_in_emission);
        }
        let emission = if self.view.started() { self.view.emission_per_block.rao() } else { 0 };
        (emission, 0, emission)
    }

    /// Alpha pending for the subnet's miners and validators (excludes root's and the owner's).
    pub fn pending_alpha_emission(&self) -> u64 {
        self.pool.as_ref().map_or(self.view.pending_emission.rao(), |p| p.pending_alpha_emission)
    }

    /// TAO volume through the pool (0 in the TAO era).
    pub fn volume(&self) -> u128 {
        self.pool.as_ref().map_or(0, |p| p.volume)
    }

    /// The price EMA.
    pub fn moving_price(&self) -> I96F32 {
        I96F32 { bits: self.moving_price_bits }
    }
}

/// 1.0 as `I96F32` bits.
const ONE_BITS: i128 = 1 << 32;

/// All stake on `netuid` (rao).
fn subnet_stake(s: &dyn StorageRead, netuid: NetUid) -> u64 {
    TOTAL_HOTKEY_STAKE.iter(s).into_iter().filter(|((_, n), _)| *n == netuid).fold(0, |t, (_, v)| t.saturating_add(v))
}

fn account(a: Option<AccountId>) -> AccountId32 {
    a.map(AccountId32::from).unwrap_or_default()
}

/// Bytes as the reference's `Vec<Compact<u8>>`.
pub(super) fn compact_bytes(bytes: &[u8]) -> Vec<Compact<u8>> {
    bytes.iter().copied().map(Compact).collect()
}
