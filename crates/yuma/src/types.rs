//! The epoch's inputs and outputs: plain data, indexed by uid.

use alloc::vec::Vec;

/// One sparse row of a weights or bonds matrix: `(column uid, u16 value)` pairs as stored on chain.
///
/// Explicit zero entries are meaningful (spec §11.2) and must be preserved.
pub type SparseRow = Vec<(u16, u16)>;

/// Hyperparameters of the Yuma step that do not vary per uid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochParams {
    /// Block at which the epoch runs.
    pub current_block: u64,
    /// Subnet tempo in blocks (used for the recently-registered bonds mask when no epoch block is recorded).
    pub tempo: u16,
    /// Activity cutoff in blocks: uid `i` is inactive when `last_update[i] + activity_cutoff < current_block`.
    pub activity_cutoff: u64,
    /// Block of the last recorded epoch of this mechanism (`LastMechansimStepBlock`); 0 when none.
    pub last_mechanism_step_block: u64,
    /// Minimum raw stake (rao) to count as stake at all; the owner uid is exempt (sparse path).
    pub stake_threshold: u64,
    /// Global `TaoWeight` as stored: the share of root stake counted on this subnet, as a
    /// proportion of `u64::MAX` (0 = root stake ignored). Added to the interface because the
    /// reference mixes `alpha + TaoWeight · root` in I64F64 before normalising; passing the sum
    /// pre-truncated to u64 would change the low bits of every output.
    pub tao_weight: u64,
    /// Maximum number of validator permits.
    pub max_allowed_validators: u16,
    /// Consensus majority threshold as a u16 proportion (default 32767 ≈ 0.5).
    pub kappa: u16,
    /// Bonds penalty β as a u16 proportion (65535 = bonds purchased with clipped weights only).
    pub bonds_penalty: u16,
    /// Bonds moving average, parts per million (900_000 ⇒ α = 0.1).
    pub bonds_moving_average: u64,
    /// Use the Yuma3 bonds path instead of the classic one.
    pub yuma3: bool,
    /// Liquid alpha (only effective on the Yuma3 path).
    pub liquid_alpha: bool,
    /// Liquid alpha low bound as a u16 proportion.
    pub alpha_low: u16,
    /// Liquid alpha high bound as a u16 proportion.
    pub alpha_high: u16,
    /// Sigmoid steepness (the chain divides it by 100).
    pub alpha_sigmoid_steepness: i16,
    /// Uid of the subnet owner's hotkey, if registered (exempt from the stake threshold, permit forced, self-weight kept).
    pub owner_uid: Option<u16>,
    /// Emission `E` (rao) to split among uids.
    pub emission: u64,
}

/// Per-uid inputs of one epoch. `stake.len()` defines `n` (at most 65535, the u16 uid space;
/// longer input is truncated); every other vector is padded with zeros/`false`/empty/`None` or
/// truncated to `n`, and columns `>= n` in weights and bonds are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochInput {
    /// Raw stake per uid (rao): the hotkey's inherited alpha stake on the subnet.
    pub stake: Vec<u64>,
    /// Inherited root (TAO) stake per uid (rao), weighted by [`EpochParams::tao_weight`] and added
    /// to `stake`. Empty (all zero) when root stake does not count.
    pub root_stake: Vec<u64>,
    /// Block of each uid's last weights update (`LastUpdate`).
    pub last_update: Vec<u64>,
    /// Block at which each uid (re)registered (`BlockAtRegistration`).
    pub block_at_registration: Vec<u64>,
    /// Validator permits from the previous epoch.
    pub validator_permit: Vec<bool>,
    /// Stored weights rows, one per uid.
    pub weights: Vec<SparseRow>,
    /// Stored bonds rows, one per uid.
    pub bonds: Vec<SparseRow>,
    /// With commit-reveal enabled: per uid, the earliest commit block among its non-expired commits
    /// (`None` = no pending commit). `None` for the whole vector when commit-reveal is off.
    ///
    /// As the reference computes it: the minimum of the commit block of the *first* non-expired
    /// entry of the uid's `WeightCommits` queue and the commit blocks of all its entries in
    /// non-expired `TimelockedWeightCommits` epochs (expired: `current_epoch > commit_epoch +
    /// RevealPeriodEpochs`). Weights from uid `i` to a uid registered after that block are ignored.
    pub commit_reveal_earliest: Option<Vec<Option<u64>>>,
}

/// Everything the epoch writes back, in stored form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochOutput {
    /// `Active` per uid.
    pub active: Vec<bool>,
    /// `StakeWeight`: normalised stake as u16.
    pub stake_weight: Vec<u16>,
    /// New `ValidatorPermit` per uid.
    pub validator_permit: Vec<bool>,
    /// `Consensus` as u16.
    pub consensus: Vec<u16>,
    /// `ValidatorTrust` as u16.
    pub validator_trust: Vec<u16>,
    /// `Incentive` as u16.
    pub incentive: Vec<u16>,
    /// `Dividends` as u16.
    pub dividends: Vec<u16>,
    /// Server (miner) emission per uid, rao.
    pub server_emission: Vec<u64>,
    /// Validator emission per uid, rao.
    pub validator_emission: Vec<u64>,
    /// Stored `Emission` per uid (normalised incentive + dividends × E), rao.
    pub emission: Vec<u64>,
    /// New bonds rows in stored u16 form (empty rows for uids without a new permit).
    ///
    /// [`crate::epoch`] writes every row, as the reference's production path does.
    /// [`crate::epoch_dense`] mirrors the reference's dense variant: a uid that neither had nor
    /// gets a permit keeps its input row unchanged, and new rows list all `n` columns.
    pub bonds: Vec<SparseRow>,
}
