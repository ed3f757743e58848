//! Drives the real runtime through a scenario.
//!
//! The chain is built from the scenario by a normal genesis (subnet 1, the owner's hotkey not
//! registered so uids are exactly the scenario's neurons). The simulation sits at a current block
//! `B` (starting at 1): `block` executes real empty blocks up to the new `B` (block hooks included);
//! `set_weights`, `register`, `reset_bonds` and `epoch` then all happen *within* block `B`, in
//! scenario order, the way the reference's unit tests act after `run_to_block(B)`.
//!
//! With `auto_epochs` off, moving to a block only advances the block number (no block hooks: no
//! emission, no scheduled epoch), and each `epoch` step runs the reference's test entry point with
//! the scenario's emission. With it on, real blocks are executed: the subnet earns block emission
//! and its tempo schedules epochs, each recorded as it runs.

use agora_primitives::{AccountId, BlockNumber, NetUid, Pair, Uid, blake2_256};
use agora_runtime::genesis::{GenesisNeuron, GenesisStake, GenesisSubnet};
use agora_runtime::harness::{self, HarnessOutcome};
use agora_runtime::storage::MemoryStorage;
use agora_runtime::{BlockInput, Call, Event, GenesisConfig, SignedTransaction, execute_block, query};
use serde::Serialize;

use crate::error::SimError;
use crate::scenario::{Scenario, Step, SwapDirection};

/// The subnet every scenario runs on.
pub const NETUID: NetUid = NetUid(1);

/// The state after one epoch, in stored form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EpochRecord {
    /// Block the epoch ran at.
    pub block: BlockNumber,
    /// Consensus per uid (u16).
    pub consensus: Vec<u16>,
    /// Incentive per uid (u16).
    pub incentive: Vec<u16>,
    /// Dividends per uid (u16).
    pub dividends: Vec<u16>,
    /// Validator trust per uid (u16).
    pub validator_trust: Vec<u16>,
    /// Stored `Emission` per uid (rao).
    pub emission: Vec<u64>,
    /// Validator permits.
    pub validator_permit: Vec<bool>,
    /// Active flags.
    pub active: Vec<bool>,
    /// Bonds as a dense `n × n` matrix of stored u16 values.
    pub bonds: Vec<Vec<u16>>,
}

/// Everything a scenario produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SimResult {
    /// One record per epoch, in order.
    pub epochs: Vec<EpochRecord>,
    /// Dynamic TAO: one record per scenario step (absent for TAO-era scenarios).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepRecord>,
}

/// The subnet's pool after a step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PoolRecord {
    /// TAO in the pool.
    pub tao: u64,
    /// Alpha in the pool.
    pub alpha_in: u64,
    /// Alpha outside the pool.
    pub alpha_out: u64,
    /// Spot price, rao per alpha.
    pub price_rao: u64,
    /// Price EMA, rao per alpha.
    pub moving_price: u64,
}

/// Alpha on one uid's hotkey.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StakeRecord {
    /// The uid.
    pub uid: u16,
    /// Alpha staked on its hotkey (all coldkeys).
    pub alpha: u64,
}

/// Alpha waiting for the next epoch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PendingRecord {
    /// For miners.
    pub server: u64,
    /// For validators.
    pub validator: u64,
    /// For root stakers.
    pub root_alpha: u64,
    /// For the owner.
    pub owner_cut: u64,
}

/// What a `swap` step gave.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SwapRecord {
    /// Input that went into the pool (net of the fee).
    pub paid_in: u64,
    /// Output.
    pub paid_out: u64,
    /// Fee, in the input token.
    pub fee: u64,
}

/// The state after one step of a dynamic scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    /// 1-based step number.
    pub index: usize,
    /// Step kind (its key in the scenario).
    pub kind: String,
    /// Current block.
    pub block: u64,
    /// The pool.
    pub pool: PoolRecord,
    /// Alpha per uid.
    pub stakes: Vec<StakeRecord>,
    /// Pending emission.
    pub pending: PendingRecord,
    /// A `swap` step's result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swap: Option<SwapRecord>,
    /// A failed call's or swap's reference error name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn pair(label: &str) -> Pair {
    Pair::from_seed(&blake2_256(label.as_bytes()).0)
}

struct Sim {
    state: MemoryStorage,
    genesis_hash: agora_primitives::Hash,
    auto_epochs: bool,
    /// The scenario runs dynamic TAO.
    dynamic: bool,
    hotkeys: Vec<Pair>,
    coldkeys: Vec<Pair>,
    replacements: u32,
    result: SimResult,
}

impl Sim {
    fn new(scenario: &Scenario) -> Result<Sim, SimError> {
        let hotkeys: Vec<Pair> = (0..scenario.neurons.len()).map(|i| pair(&format!("sim/hotkey/{i}"))).collect();
        let coldkeys: Vec<Pair> = (0..scenario.neurons.len()).map(|i| pair(&format!("sim/coldkey/{i}"))).collect();
        let coldkey = |i: usize| coldkeys[i].public();
        let mut config = GenesisConfig::new("agora-sim");
        config.params.admin_freeze_window = 0;
        config.subnets.push(GenesisSubnet {
            netuid: NETUID.0,
            owner: pair("sim/owner").public(),
            owner_hotkey: pair("sim/owner-hotkey").public(),
            started: true,
            register_owner: false,
            hyperparameters: scenario.hyperparams().clone(),
            neurons: scenario
                .neurons
                .iter()
                .enumerate()
                .map(|(i, n)| GenesisNeuron {
                    hotkey: hotkeys[i].public(),
                    coldkey: coldkey(i),
                    registered_at: n.registered_at,
                })
                .collect(),
            pool: scenario.pool.clone(),
            emission_enabled: true,
        });
        config.economy = scenario.economy;
        if let Some(rate) = scenario.fee_rate {
            config.dynamic.fee_rate = rate;
        }
        if let Some(reserve) = scenario.minimum_reserve {
            config.dynamic.minimum_reserve = reserve;
        }
        if let Some(weight) = scenario.tao_weight {
            config.dynamic.tao_weight = weight;
        }
        for (i, n) in scenario.neurons.iter().enumerate() {
            if n.balance > 0 {
                config.balances.insert(coldkey(i), agora_primitives::Balance(n.balance));
            }
        }
        for (i, n) in scenario.neurons.iter().enumerate() {
            if n.stake > 0 {
                config.stakes.push(GenesisStake {
                    coldkey: coldkey(i),
                    hotkey: hotkeys[i].public(),
                    netuid: NETUID.0,
                    amount: agora_primitives::Balance(n.stake),
                });
            }
        }
        let genesis = config.build().map_err(|e| SimError::Genesis(e.to_string()))?;
        let genesis_hash = genesis.genesis_hash;
        let mut sim = Sim {
            state: genesis.into_memory(),
            genesis_hash,
            auto_epochs: scenario.auto_epochs,
            dynamic: scenario.economy == agora_runtime::pools::Economy::Dynamic,
            hotkeys,
            coldkeys,
            replacements: 0,
            result: SimResult::default(),
        };
        sim.advance_to(1)?;
        Ok(sim)
    }

    fn height(&self) -> u64 {
        query::chain_info(&self.state).block_number.get()
    }

    /// Moves to block `target`: real empty blocks with `auto_epochs` (recording the epochs they
    /// run), otherwise just the block number.
    fn advance_to(&mut self, target: u64) -> Result<(), SimError> {
        if !self.auto_epochs {
            if target > self.height() {
                let outcome = harness::set_block_number(&self.state, target)
                    .map_err(|e| SimError::Invalid(format!("cannot move to block {target}: {e}")))?;
                self.commit(outcome);
            }
            return Ok(());
        }
        while self.height() < target {
            let input =
                BlockInput { height: BlockNumber(self.height() + 1), timestamp_ms: 0, author: None, transactions: &[] };
            let outcome = execute_block(&self.state, &input)
                .map_err(|e| SimError::Invalid(format!("block {} failed: {e}", input.height)))?;
            let epoch_ran = outcome.events.iter().any(|e| {
                matches!(e, Event::EpochPaid { netuid, .. } | Event::AlphaEpochPaid { netuid, .. } if *netuid == NETUID)
            });
            self.state.commit(outcome.changes);
            if epoch_ran {
                self.record();
            }
        }
        Ok(())
    }

    fn commit(&mut self, outcome: HarnessOutcome) {
        self.state.commit(outcome.changes);
    }

    fn record(&mut self) {
        let mg = query::metagraph(&self.state, NETUID, true).expect("the scenario subnet exists");
        let n = usize::from(mg.n);
        let bonds = mg
            .bonds
            .unwrap_or_default()
            .into_iter()
            .map(|row| {
                let mut dense = vec![0u16; n];
                for (j, v) in row {
                    if let Some(slot) = dense.get_mut(usize::from(j)) {
                        *slot = v;
                    }
                }
                dense
            })
            .collect();
        self.result.epochs.push(EpochRecord {
            block: mg.block,
            consensus: mg.consensus,
            incentive: mg.incentive,
            dividends: mg.dividends,
            validator_trust: mg.validator_trust,
            emission: mg.emission,
            validator_permit: mg.validator_permit,
            active: mg.active,
            bonds,
        });
    }

    /// Runs `n` real blocks (block hooks included), recording the epochs they run.
    fn run_blocks(&mut self, n: u64) -> Result<(), SimError> {
        let auto = std::mem::replace(&mut self.auto_epochs, true);
        let result = self.advance_to(self.height() + n);
        self.auto_epochs = auto;
        result
    }

    /// The dynamic state after step `index`.
    fn step_record(&self, index: usize, step: &Step) -> StepRecord {
        let pool = query::pool(&self.state, NETUID);
        StepRecord {
            index,
            kind: step.kind().to_string(),
            block: self.height(),
            pool: pool.as_ref().map_or_else(PoolRecord::default, |p| PoolRecord {
                tao: p.tao_in.rao(),
                alpha_in: p.alpha_in,
                alpha_out: p.alpha_out,
                price_rao: p.price,
                moving_price: p.moving_price,
            }),
            stakes: self
                .hotkeys
                .iter()
                .enumerate()
                .map(|(uid, hk)| StakeRecord {
                    uid: uid as u16,
                    alpha: query::hotkey_stake(&self.state, &hk.public(), NETUID),
                })
                .collect(),
            pending: pool.map_or_else(PendingRecord::default, |p| PendingRecord {
                server: p.pending_server,
                validator: p.pending_validator,
                root_alpha: p.pending_root_emission,
                owner_cut: p.pending_owner_cut,
            }),
            swap: None,
            error: None,
        }
    }

    /// A dynamic step: its effect, then its record (a refused call or swap is recorded, not fatal).
    fn dynamic_step(&mut self, index: usize, step: &Step) -> Result<(), SimError> {
        let mut error = None;
        let mut swap = None;
        match step {
            Step::AddStake { uid, to_uid, amount, limit_price, allow_partial } => {
                let coldkey = self.coldkeys[usize::from(*uid)].clone();
                let hotkey = self.hotkeys[usize::from(to_uid.unwrap_or(*uid))].public();
                let call = Call::AddStakeLimit {
                    hotkey,
                    netuid: NETUID,
                    amount: agora_primitives::Balance(*amount),
                    limit_price: limit_price.unwrap_or(agora_economy::swap::MAX_PRICE_RAO),
                    allow_partial: *allow_partial,
                };
                error = self.submit_recorded(&coldkey, call)?;
            }
            Step::RemoveStake { uid, to_uid, alpha, limit_price, allow_partial } => {
                let coldkey = self.coldkeys[usize::from(*uid)].clone();
                let hotkey = self.hotkeys[usize::from(to_uid.unwrap_or(*uid))].public();
                let call = Call::RemoveStakeLimit {
                    hotkey,
                    netuid: NETUID,
                    amount: *alpha,
                    limit_price: limit_price.unwrap_or(agora_economy::swap::MIN_PRICE_RAO),
                    allow_partial: *allow_partial,
                };
                error = self.submit_recorded(&coldkey, call)?;
            }
            Step::MoveStake { from_uid, to_uid, amount } => {
                let coldkey = self.coldkeys[usize::from(*from_uid)].clone();
                let call = Call::MoveStake {
                    origin_hotkey: self.hotkeys[usize::from(*from_uid)].public(),
                    destination_hotkey: self.hotkeys[usize::from(*to_uid)].public(),
                    origin_netuid: NETUID,
                    destination_netuid: NETUID,
                    amount: *amount,
                };
                error = self.submit_recorded(&coldkey, call)?;
            }
            Step::TransferStake { uid, to_uid, hotkey_uid, alpha, destination_netuid } => {
                let coldkey = self.coldkeys[usize::from(*uid)].clone();
                let call = Call::TransferStake {
                    destination_coldkey: self.coldkeys[usize::from(*to_uid)].public(),
                    hotkey: self.hotkeys[usize::from(hotkey_uid.unwrap_or(*uid))].public(),
                    origin_netuid: NETUID,
                    destination_netuid: destination_netuid.map_or(NETUID, NetUid),
                    amount: *alpha,
                };
                error = self.submit_recorded(&coldkey, call)?;
            }
            Step::SwapStake { uid, hotkey_uid, origin_netuid, destination_netuid, alpha } => {
                let coldkey = self.coldkeys[usize::from(*uid)].clone();
                let call = Call::SwapStake {
                    hotkey: self.hotkeys[usize::from(hotkey_uid.unwrap_or(*uid))].public(),
                    origin_netuid: NetUid(*origin_netuid),
                    destination_netuid: NetUid(*destination_netuid),
                    amount: *alpha,
                };
                error = self.submit_recorded(&coldkey, call)?;
            }
            Step::ClaimRoot { uid } => {
                let coldkey = self.coldkeys[usize::from(*uid)].clone();
                error = self.submit_recorded(&coldkey, Call::ClaimRoot { subnets: vec![NETUID] })?;
            }
            Step::RunBlocks { n } => self.run_blocks(*n)?,
            Step::Swap { direction, amount, drop_fees } => {
                let direction = match direction {
                    SwapDirection::TaoForAlpha => agora_economy::Direction::TaoForAlpha,
                    SwapDirection::AlphaForTao => agora_economy::Direction::AlphaForTao,
                };
                match harness::quote_swap(&self.state, NETUID, direction, *amount, *drop_fees) {
                    Ok(r) => swap = Some(SwapRecord { paid_in: r.paid_in, paid_out: r.paid_out, fee: r.fee }),
                    Err(e) => error = Some(format!("{e:?}")),
                }
            }
            _ => {}
        }
        let mut record = self.step_record(index, step);
        record.swap = swap;
        record.error = error;
        self.result.steps.push(record);
        Ok(())
    }

    /// Submits `call`; a call that fails is returned as its error name (the transaction itself
    /// must be valid).
    fn submit_recorded(&mut self, signer: &Pair, call: Call) -> Result<Option<String>, SimError> {
        let nonce = query::nonce(&self.state, &signer.public());
        let tx = SignedTransaction::sign(signer, &self.genesis_hash, nonce, call);
        let (outcome, receipts) = harness::apply_in_current_block(&self.state, &[tx])
            .map_err(|(_, e)| SimError::Invalid(format!("the transaction was refused: {e}")))?;
        let error = receipts[0].result.err().map(|e| format!("{e:?}"));
        self.commit(outcome);
        Ok(error)
    }

    /// Submits `call` signed by `signer` within the current block; a failed call is an error.
    fn submit(&mut self, signer: &Pair, call: Call) -> Result<(), String> {
        let nonce = query::nonce(&self.state, &signer.public());
        let tx = SignedTransaction::sign(signer, &self.genesis_hash, nonce, call);
        let (outcome, receipts) =
            harness::apply_in_current_block(&self.state, &[tx]).map_err(|(_, e)| e.to_string())?;
        if let Err(e) = receipts[0].result {
            return Err(format!("{e:?}: {e}"));
        }
        self.commit(outcome);
        Ok(())
    }

    fn step(&mut self, index: usize, step: &Step, emission: u64) -> Result<(), SimError> {
        let fail = |what: &str, message: String| SimError::Step { step: index, what: what.to_string(), message };
        match step {
            Step::Block(b) => self.advance_to(*b),
            Step::SetWeights { uid, weights } => {
                let call = Call::SetWeights {
                    netuid: NETUID,
                    dests: weights.iter().map(|w| w.0).collect(),
                    weights: weights.iter().map(|w| w.1).collect(),
                    version_key: 0,
                };
                let hotkey = self.hotkeys[usize::from(*uid)].clone();
                self.submit(&hotkey, call).map_err(|m| fail(&format!("set_weights by uid {uid}"), m))
            }
            Step::MoveStake { .. } if self.dynamic => self.dynamic_step(index, step),
            Step::MoveStake { from_uid, to_uid, amount } => {
                let coldkey = self.coldkeys[usize::from(*from_uid)].clone();
                let from = self.hotkeys[usize::from(*from_uid)].public();
                let to = self.hotkeys[usize::from(*to_uid)].public();
                let amount = agora_primitives::Balance(*amount);
                self.submit(&coldkey, Call::RemoveStake { hotkey: from, netuid: NETUID, amount })
                    .map_err(|m| fail("move_stake (remove_stake)", m))?;
                self.submit(&coldkey, Call::AddStake { hotkey: to, netuid: NETUID, amount })
                    .map_err(|m| fail("move_stake (add_stake)", m))
            }
            Step::Register { replace_uid } => {
                self.replacements += 1;
                let label = format!("sim/hotkey/{replace_uid}/r{}", self.replacements);
                let hotkey = pair(&label);
                let coldkey = pair(&format!("sim/coldkey/{replace_uid}/r{}", self.replacements));
                let outcome = harness::replace_neuron(
                    &self.state,
                    NETUID,
                    Uid(*replace_uid),
                    &hotkey.public(),
                    &coldkey.public(),
                )
                .map_err(|e| fail("register", format!("{e:?}: {e}")))?;
                self.commit(outcome);
                self.hotkeys[usize::from(*replace_uid)] = hotkey;
                self.coldkeys[usize::from(*replace_uid)] = coldkey;
                Ok(())
            }
            Step::ResetBonds { uid } => {
                let outcome = harness::reset_bonds(&self.state, NETUID, Uid(*uid))
                    .map_err(|e| fail("reset_bonds", format!("{e:?}: {e}")))?;
                self.commit(outcome);
                Ok(())
            }
            Step::Epoch { pay } => {
                let outcome = harness::run_epoch(&self.state, NETUID, emission, *pay)
                    .map_err(|e| fail("epoch", format!("{e:?}: {e}")))?;
                self.commit(outcome);
                self.record();
                Ok(())
            }
            Step::AddStake { .. }
            | Step::RemoveStake { .. }
            | Step::RunBlocks { .. }
            | Step::Swap { .. }
            | Step::TransferStake { .. }
            | Step::SwapStake { .. }
            | Step::ClaimRoot { .. } => self.dynamic_step(index, step),
        }
    }
}

/// Runs `scenario` through the runtime and returns the recorded epochs.
pub fn run(scenario: &Scenario) -> Result<SimResult, SimError> {
    let mut sim = Sim::new(scenario)?;
    let dynamic = scenario.economy == agora_runtime::pools::Economy::Dynamic;
    for (i, step) in scenario.steps.iter().enumerate() {
        sim.step(i + 1, step, scenario.emission)?;
        let recorded_by_step = matches!(
            step,
            Step::AddStake { .. }
                | Step::RemoveStake { .. }
                | Step::RunBlocks { .. }
                | Step::Swap { .. }
                | Step::TransferStake { .. }
                | Step::SwapStake { .. }
                | Step::ClaimRoot { .. }
        ) || (dynamic && matches!(step, Step::MoveStake { .. }));
        if dynamic && !recorded_by_step {
            let record = sim.step_record(i + 1, step);
            sim.result.steps.push(record);
        }
    }
    Ok(sim.result)
}

/// The hotkey the simulator gives uid `i` at genesis (for tools that inspect the state).
pub fn genesis_hotkey(i: usize) -> AccountId {
    pair(&format!("sim/hotkey/{i}")).public()
}
