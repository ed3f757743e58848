//! A minimal stand-in for the reference's test mock: the subnet storage the epoch reads and
//! writes, plus the few extrinsic effects the ported tests rely on (registration, replacement,
//! `set_weights` max-upscaling, commits). Everything else (balances, swaps, coinbase) is out of
//! scope: stake is set directly, as the reference tests do with
//! `increase_stake_for_hotkey_and_coldkey_on_subnet`.

use agora_yuma::math::vec_u16_max_upscale_to_u16;
use agora_yuma::{EpochInput, EpochOutput, EpochParams, I32F32, epoch, epoch_dense};

/// The reference's `ActivityCutoffFactorMilli` default.
pub const ACTIVITY_CUTOFF_FACTOR_MILLI: u64 = 13_889;

/// Which epoch variant a test runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Sparse,
    Dense,
}

/// The subnet state a mock test sees.
#[derive(Clone, Debug)]
pub struct Subnet {
    pub block: u64,
    pub tempo: u16,
    pub activity_cutoff_factor_milli: u64,
    pub last_mechanism_step_block: u64,
    pub stake_threshold: u64,
    pub max_allowed_validators: u16,
    pub kappa: u16,
    pub bonds_penalty: u16,
    pub bonds_moving_average: u64,
    pub yuma3: bool,
    pub liquid_alpha: bool,
    pub alpha_low: u16,
    pub alpha_high: u16,
    pub alpha_sigmoid_steepness: i16,
    pub owner_uid: Option<u16>,
    pub commit_reveal: bool,
    pub reveal_period: u64,
    /// `SubnetEpochIndex` (advanced by [`Subnet::auto_epoch`]).
    pub epoch_index: u64,
    pub stake: Vec<u64>,
    pub last_update: Vec<u64>,
    pub block_at_registration: Vec<u64>,
    pub validator_permit: Vec<bool>,
    pub weights: Vec<Vec<(u16, u16)>>,
    pub bonds: Vec<Vec<(u16, u16)>>,
    /// Pending v2 commits per uid: `(commit_epoch, commit_block)`, oldest first.
    pub commits: Vec<Vec<(u64, u64)>>,
    /// The stored `Emission` vector (used by pruning).
    pub emission: Vec<u64>,
    /// The last epoch's output.
    pub last: Option<EpochOutput>,
}

impl Subnet {
    /// `new_test_ext(1)` + `add_network_disable_commit_reveal(netuid, tempo, 0)`: init values
    /// (64 validators) with Yuma3 and commit-reveal switched off.
    pub fn new(tempo: u16) -> Self {
        Self {
            block: 1,
            tempo,
            activity_cutoff_factor_milli: ACTIVITY_CUTOFF_FACTOR_MILLI,
            last_mechanism_step_block: 0,
            stake_threshold: 0,
            max_allowed_validators: 64,
            kappa: 32_767,
            bonds_penalty: u16::MAX,
            bonds_moving_average: 900_000,
            yuma3: false,
            liquid_alpha: false,
            alpha_low: 45_875,
            alpha_high: 58_982,
            alpha_sigmoid_steepness: 1000,
            owner_uid: None,
            commit_reveal: false,
            reveal_period: 1,
            epoch_index: 0,
            stake: Vec::new(),
            last_update: Vec::new(),
            block_at_registration: Vec::new(),
            validator_permit: Vec::new(),
            weights: Vec::new(),
            bonds: Vec::new(),
            commits: Vec::new(),
            emission: Vec::new(),
            last: None,
        }
    }

    /// `add_network(netuid, tempo, 0)`: as [`Subnet::new`] but with the init values Yuma3 on and
    /// commit-reveal on (the storage default).
    pub fn new_with_init_defaults(tempo: u16) -> Self {
        Self { yuma3: true, commit_reveal: true, ..Self::new(tempo) }
    }

    pub fn n(&self) -> usize {
        self.stake.len()
    }

    /// `append_neuron` at the current block (registration stores no stake; add it with
    /// `stake`).
    pub fn register(&mut self, stake: u64) -> u16 {
        let uid = u16::try_from(self.n()).expect("uid fits u16");
        self.stake.push(stake);
        self.last_update.push(self.block);
        self.block_at_registration.push(self.block);
        self.validator_permit.push(false);
        self.weights.push(Vec::new());
        self.bonds.push(Vec::new());
        self.commits.push(Vec::new());
        self.emission.push(0);
        uid
    }

    /// `replace_neuron` + `clear_neuron`: a new hotkey (with `stake`) takes over `uid`.
    pub fn replace(&mut self, uid: u16, stake: u64) {
        let u = usize::from(uid);
        self.stake[u] = stake;
        self.block_at_registration[u] = self.block;
        self.last_update[u] = self.block;
        self.validator_permit[u] = false;
        self.emission[u] = 0;
        self.bonds[u].clear();
        self.weights[u].clear();
        self.commits[u].clear();
        for row in &mut self.weights {
            for (j, w) in row.iter_mut() {
                if *j == uid {
                    *w = 0;
                }
            }
        }
    }

    /// `get_neuron_to_prune` when every uid is still immune (the ported tests register within
    /// the immunity period): lowest `Emission`, ties to the earliest registration, then the
    /// lowest uid.
    pub fn neuron_to_prune(&self) -> u16 {
        let best = (0..self.n())
            .min_by_key(|&i| (self.emission[i], self.block_at_registration[i], i))
            .expect("non-empty subnet");
        u16::try_from(best).expect("uid fits u16")
    }

    /// `register` on a full subnet: replaces the pruning candidate, returns its uid.
    pub fn register_replacing(&mut self, stake: u64) -> u16 {
        let uid = self.neuron_to_prune();
        self.replace(uid, stake);
        uid
    }

    /// `set_weights` (validation is the runtime's job): max-upscale, store in the given order,
    /// and mark activity unless commit-reveal is on.
    pub fn set_weights(&mut self, uid: u16, uids: &[u16], values: &[u16]) {
        let up = vec_u16_max_upscale_to_u16(values);
        self.weights[usize::from(uid)] = uids.iter().copied().zip(up).collect();
        if !self.commit_reveal {
            self.last_update[usize::from(uid)] = self.block;
        }
    }

    /// `do_commit_weights`: a commit is activity and is tagged with the look-ahead epoch.
    pub fn commit(&mut self, uid: u16) {
        let epoch = self.epoch_index;
        self.commits[usize::from(uid)].push((epoch, self.block));
        self.last_update[usize::from(uid)] = self.block;
    }

    fn commit_reveal_earliest(&self) -> Option<Vec<Option<u64>>> {
        self.commit_reveal.then(|| {
            self.commits
                .iter()
                .map(|q| q.iter().find(|(e, _)| self.epoch_index <= e + self.reveal_period).map(|(_, b)| *b))
                .collect()
        })
    }

    pub fn activity_cutoff(&self) -> u64 {
        (self.activity_cutoff_factor_milli * u64::from(self.tempo) / 1000).max(1)
    }

    pub fn params(&self, emission: u64) -> EpochParams {
        EpochParams {
            current_block: self.block,
            tempo: self.tempo,
            activity_cutoff: self.activity_cutoff(),
            last_mechanism_step_block: self.last_mechanism_step_block,
            stake_threshold: self.stake_threshold,
            tao_weight: 0,
            max_allowed_validators: self.max_allowed_validators,
            kappa: self.kappa,
            bonds_penalty: self.bonds_penalty,
            bonds_moving_average: self.bonds_moving_average,
            yuma3: self.yuma3,
            liquid_alpha: self.liquid_alpha,
            alpha_low: self.alpha_low,
            alpha_high: self.alpha_high,
            alpha_sigmoid_steepness: self.alpha_sigmoid_steepness,
            owner_uid: self.owner_uid,
            emission,
        }
    }

    pub fn input(&self) -> EpochInput {
        EpochInput {
            stake: self.stake.clone(),
            root_stake: Vec::new(),
            last_update: self.last_update.clone(),
            block_at_registration: self.block_at_registration.clone(),
            validator_permit: self.validator_permit.clone(),
            weights: self.weights.clone(),
            bonds: self.bonds.clone(),
            commit_reveal_earliest: self.commit_reveal_earliest(),
        }
    }

    /// `SubtensorModule::epoch` / `epoch_dense` (tests): run and persist.
    pub fn run(&mut self, variant: Variant, emission: u64) -> &EpochOutput {
        let (params, input) = (self.params(emission), self.input());
        let out = match variant {
            Variant::Sparse => epoch(&params, &input),
            Variant::Dense => epoch_dense(&params, &input),
        };
        self.validator_permit.clone_from(&out.validator_permit);
        self.bonds.clone_from(&out.bonds);
        self.emission.clone_from(&out.emission);
        self.last.insert(out)
    }

    pub fn epoch(&mut self, emission: u64) -> &EpochOutput {
        self.run(Variant::Sparse, emission)
    }

    /// An epoch fired by the block hook: as [`Subnet::epoch`], then the scheduler's
    /// bookkeeping (`LastMechansimStepBlock`, `SubnetEpochIndex`).
    pub fn auto_epoch(&mut self, emission: u64) {
        self.epoch(emission);
        self.last_mechanism_step_block = self.block;
        self.epoch_index += 1;
    }

    pub fn out(&self) -> &EpochOutput {
        self.last.as_ref().expect("an epoch has run")
    }

    /// `get_bonds(netuid)[i][j]`: the raw stored u16 (0 when absent; a repeated column reads its
    /// last entry, as densifying storage does).
    pub fn bond(&self, i: usize, j: u16) -> u16 {
        self.bonds[i].iter().rev().find(|(c, _)| *c == j).map_or(0, |(_, v)| *v)
    }

    /// `get_bonds_fixed_proportion(netuid)[i][j]`.
    pub fn bond_proportion(&self, i: usize, j: u16) -> I32F32 {
        agora_yuma::math::u16_proportion_to_fixed(self.bond(i, j))
    }
}

/// The reference's `fixed(val: f32)`: an `f32` test-vector literal as I32F32 (test code only).
pub fn fixed(x: f32) -> I32F32 {
    I32F32::from_num(x)
}

/// `|a − b| ≤ eps` (the reference's `assert_approx_eq`).
pub fn assert_approx_eq(left: I32F32, right: I32F32, eps: I32F32, what: &str) {
    let diff = if left > right { left - right } else { right - left };
    assert!(diff <= eps, "{what}: left {left}, right {right}, eps {eps}");
}

/// `distribute_nodes`: validators and servers with block-wise (0), regular (1) or shuffled (2)
/// interleaving. The reference shuffles with an unseeded RNG; we use a fixed seed.
pub fn distribute_nodes(validators_n: usize, network_n: usize, interleave: usize) -> (Vec<u16>, Vec<u16>) {
    let uids: Vec<u16> = (0..u16::try_from(network_n).expect("fits")).collect();
    match interleave {
        0 => (uids[..validators_n].to_vec(), uids[validators_n..].to_vec()),
        1 => uids.iter().partition(|&&i| usize::from(i) % (network_n / validators_n) == 0),
        _ => {
            let mut permuted = uids;
            let mut rng = SplitMix64(0x5eed_0000 + network_n as u64);
            for i in (1..permuted.len()).rev() {
                let j = (rng.next() % (i as u64 + 1)) as usize;
                permuted.swap(i, j);
            }
            (permuted[..validators_n].to_vec(), permuted[validators_n..].to_vec())
        }
    }
}

/// A small deterministic PRNG for test data.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, bound)` (bound > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}
