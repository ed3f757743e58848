//! Property tests: the sparse and dense epochs agree where the reference's two variants agree
//! (spec §3.3), and the production epoch keeps its output invariants on arbitrary input.

use agora_yuma::{EpochInput, EpochOutput, EpochParams, epoch, epoch_dense};
use proptest::collection::vec;
use proptest::prelude::*;

/// Parameters shared by all generated cases (owner and commit-reveal are set per property).
/// `wild` lets the bonds moving average exceed 10^6 (a negative EMA alpha: the reference's two
/// variants then differ, sparse dropping negative bonds that dense keeps).
fn params_strategy(wild: bool) -> impl Strategy<Value = EpochParams> {
    let bma_max = if wild { u64::MAX } else { 1_000_000 };
    (
        (0u64..40, 0u16..12, 1u64..30, 0u64..8),
        (0u64..4, 0u16..10, any::<u16>(), any::<u16>()),
        (prop_oneof![0u64..=1_000_000, 0..=bma_max], any::<bool>(), any::<bool>()),
        (1638u16..=65535, 1638u16..=65535, any::<i16>(), prop_oneof![0u64..=2_000_000_000, any::<u64>()]),
    )
        .prop_map(
            |(
                (current_block, tempo, activity_cutoff, lms),
                (stake_threshold, max_allowed_validators, kappa, bonds_penalty),
                (bonds_moving_average, yuma3, liquid_alpha),
                (a, b, alpha_sigmoid_steepness, emission),
            )| EpochParams {
                current_block,
                tempo,
                activity_cutoff,
                last_mechanism_step_block: if lms < 4 { 0 } else { current_block.saturating_sub(lms) },
                stake_threshold,
                tao_weight: 0,
                max_allowed_validators,
                kappa,
                bonds_penalty,
                bonds_moving_average,
                yuma3,
                liquid_alpha,
                alpha_low: a.min(b),
                alpha_high: a.max(b),
                alpha_sigmoid_steepness,
                owner_uid: None,
                emission,
            },
        )
}

/// A stored row over `n` columns: distinct columns, ascending when `sorted`, explicit zeros
/// allowed.
fn row_strategy(n: usize, sorted: bool) -> impl Strategy<Value = Vec<(u16, u16)>> {
    vec((any::<bool>(), prop_oneof![Just(0u16), any::<u16>()]), n).prop_perturb(move |cells, mut rng| {
        let mut row: Vec<(u16, u16)> =
            cells.into_iter().enumerate().filter(|(_, (keep, _))| *keep).map(|(j, (_, v))| (j as u16, v)).collect();
        if !sorted {
            // Fisher–Yates with the case's RNG: stored rows keep the caller's order.
            for i in (1..row.len()).rev() {
                row.swap(i, rng.random_range(0..=i));
            }
        }
        row
    })
}

/// Well-formed input of size `n` (no duplicates, columns `< n`, vectors of length `n`).
fn input_strategy(n: usize, sorted: bool, with_bonds: bool) -> impl Strategy<Value = EpochInput> {
    (
        vec(prop_oneof![Just(0u64), 0u64..1_000, 0u64..1_000_000_000_000], n),
        vec(0u64..40, n),
        // Registrations mostly before the weights were set, so most weights count.
        vec(0u64..12, n),
        vec(any::<bool>(), n),
        vec(row_strategy(n, sorted), n),
        vec(row_strategy(n, sorted), n),
    )
        .prop_map(move |(stake, last_update, block_at_registration, validator_permit, weights, bonds)| {
            EpochInput {
                stake,
                root_stake: Vec::new(),
                last_update,
                block_at_registration,
                validator_permit,
                weights,
                bonds: if with_bonds { bonds } else { vec![Vec::new(); n] },
                commit_reveal_earliest: None,
            }
        })
}

fn bond_at(row: &[(u16, u16)], j: u16) -> u16 {
    row.iter().rev().find(|(c, _)| *c == j).map_or(0, |(_, v)| *v)
}

/// Everything but the bonds rows must match exactly; bonds rows of new permit holders must hold
/// the same value in every column (sparse rows omit zeros that dense rows list).
fn assert_agree(sparse: &EpochOutput, dense: &EpochOutput, n: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(&sparse.active, &dense.active);
    prop_assert_eq!(&sparse.stake_weight, &dense.stake_weight);
    prop_assert_eq!(&sparse.validator_permit, &dense.validator_permit);
    prop_assert_eq!(&sparse.consensus, &dense.consensus);
    prop_assert_eq!(&sparse.validator_trust, &dense.validator_trust);
    prop_assert_eq!(&sparse.incentive, &dense.incentive);
    prop_assert_eq!(&sparse.dividends, &dense.dividends);
    prop_assert_eq!(&sparse.server_emission, &dense.server_emission);
    prop_assert_eq!(&sparse.validator_emission, &dense.validator_emission);
    prop_assert_eq!(&sparse.emission, &dense.emission);
    for i in 0..n {
        if sparse.validator_permit[i] {
            for j in 0..n as u16 {
                prop_assert_eq!(bond_at(&sparse.bonds[i], j), bond_at(&dense.bonds[i], j), "bond[{}][{}]", i, j);
            }
        }
    }
    Ok(())
}

fn sized_case(sorted: bool, with_bonds: bool) -> impl Strategy<Value = (EpochParams, EpochInput, usize)> {
    (0usize..10).prop_flat_map(move |n| (params_strategy(false), input_strategy(n, sorted, with_bonds), Just(n)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Classic path: sparse and dense agree on every output (rows in any stored order).
    #[test]
    fn classic_sparse_matches_dense((mut params, input, n) in sized_case(false, true)) {
        params.yuma3 = false;
        let (s, d) = (epoch(&params, &input), epoch_dense(&params, &input));
        assert_agree(&s, &d, n)?;
    }

    /// Yuma3 without liquid alpha: both variants decay every bond, so they agree entirely.
    #[test]
    fn yuma3_fixed_alpha_sparse_matches_dense((mut params, input, n) in sized_case(false, true)) {
        params.yuma3 = true;
        params.liquid_alpha = false;
        let (s, d) = (epoch(&params, &input), epoch_dense(&params, &input));
        assert_agree(&s, &d, n)?;
    }

    /// Yuma3 with liquid alpha from empty bonds (sorted rows, as `set_weights` callers send):
    /// dividends and every other output agree.
    #[test]
    fn yuma3_liquid_first_epoch_sparse_matches_dense((mut params, input, n) in sized_case(true, false)) {
        params.yuma3 = true;
        params.liquid_alpha = true;
        let (s, d) = (epoch(&params, &input), epoch_dense(&params, &input));
        assert_agree(&s, &d, n)?;
    }
}

/// The reference's Yuma3 scenarios' shape: validators with permits and stake set full rows
/// (explicit zeros included) over the servers, β = 0, and each variant's bonds are fed back.
/// (validators, servers, validator stakes, weight rows per round, params).
type Yuma3Scenario = (usize, usize, Vec<u64>, Vec<Vec<Vec<u16>>>, EpochParams);

fn yuma3_scenario() -> impl Strategy<Value = Yuma3Scenario> {
    (1usize..4, 1usize..4).prop_flat_map(|(validators, servers)| {
        (
            Just(validators),
            Just(servers),
            vec(1u64..1_000, validators),
            vec(vec(vec(prop_oneof![Just(0u16), any::<u16>()], servers), validators), 1..5),
            params_strategy(false),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn yuma3_liquid_dividends_agree_over_epochs((validators, servers, stakes, rounds, mut params) in yuma3_scenario()) {
        let n = validators + servers;
        params.yuma3 = true;
        params.liquid_alpha = true;
        params.bonds_penalty = 0;
        params.max_allowed_validators = validators as u16;
        params.tempo = 1;
        params.activity_cutoff = 1_000;
        params.last_mechanism_step_block = 0;
        let mut stake = stakes.clone();
        stake.resize(n, 0);
        let base = EpochInput {
            stake,
            root_stake: Vec::new(),
            last_update: vec![2; n],
            block_at_registration: vec![0; n],
            validator_permit: (0..n).map(|i| i < validators).collect(),
            weights: vec![Vec::new(); n],
            bonds: vec![Vec::new(); n],
            commit_reveal_earliest: None,
        };
        let (mut sparse_in, mut dense_in) = (base.clone(), base);
        for (round, ws) in rounds.iter().enumerate() {
            params.current_block = 3 + round as u64;
            for (v, w) in ws.iter().enumerate() {
                let row: Vec<(u16, u16)> = w.iter().enumerate().map(|(k, x)| ((validators + k) as u16, *x)).collect();
                sparse_in.weights[v] = row.clone();
                dense_in.weights[v] = row;
            }
            let (s, d) = (epoch(&params, &sparse_in), epoch_dense(&params, &dense_in));
            prop_assert_eq!(&s.dividends, &d.dividends, "round {}", round);
            prop_assert_eq!(&s.incentive, &d.incentive, "round {}", round);
            sparse_in.bonds = s.bonds.clone();
            sparse_in.validator_permit = s.validator_permit.clone();
            dense_in.bonds = d.bonds.clone();
            dense_in.validator_permit = d.validator_permit.clone();
        }
    }
}

/// The TAO supply cap in rao: no stake on chain exceeds it.
const SUPPLY: u64 = 21_000_000_000_000_000;

/// Arbitrary, possibly malformed input: lengths that disagree with `n`, columns beyond `n`,
/// duplicates, an owner uid, commit-reveal data. `max_stake` bounds each stake entry.
fn messy_case(max_stake: u64) -> impl Strategy<Value = (EpochParams, EpochInput)> {
    let row = || vec((0u16..14, any::<u16>()), 0..14);
    (
        params_strategy(true),
        proptest::option::of(0u16..14),
        vec(prop_oneof![Just(0u64), 0..=max_stake, 0u64..1_000], 0..12),
        vec(0..=max_stake, 0..14),
        vec(0u64..60, 0..14),
        vec(0u64..60, 0..14),
        vec(any::<bool>(), 0..14),
        vec(row(), 0..14),
        vec(row(), 0..14),
        proptest::option::of(vec(proptest::option::of(0u64..60), 0..14)),
        any::<u64>(),
    )
        .prop_map(|(mut params, owner, stake, root_stake, last_update, bar, permits, weights, bonds, cr, tw)| {
            params.owner_uid = owner;
            params.tao_weight = tw;
            let input = EpochInput {
                stake,
                root_stake,
                last_update,
                block_at_registration: bar,
                validator_permit: permits,
                weights,
                bonds,
                commit_reveal_earliest: cr,
            };
            (params, input)
        })
}

fn u16_sum(v: &[u16]) -> u64 {
    v.iter().map(|x| u64::from(*x)).sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Output invariants on arbitrary input whose stakes stay within the supply (beyond it the
    /// reference overflows; we saturate, see `never_panics_on_extreme_input`).
    #[test]
    fn invariants_hold_on_arbitrary_input((params, input) in messy_case(SUPPLY)) {
        let out = epoch(&params, &input);
        let n = input.stake.len();
        for len in [
            out.active.len(), out.stake_weight.len(), out.validator_permit.len(), out.consensus.len(),
            out.validator_trust.len(), out.incentive.len(), out.dividends.len(),
            out.server_emission.len(), out.validator_emission.len(), out.emission.len(), out.bonds.len(),
        ] {
            prop_assert_eq!(len, n);
        }
        let e = params.emission;
        let paid: u128 = out.server_emission.iter().chain(&out.validator_emission).map(|x| u128::from(*x)).sum();
        prop_assert!(paid <= u128::from(e), "paid {} > {}", paid, e);
        let stored: u128 = out.emission.iter().map(|x| u128::from(*x)).sum();
        prop_assert!(stored <= u128::from(e));
        // Normalised vectors stored as u16 proportions cannot exceed 1 in total.
        for v in [&out.stake_weight, &out.incentive, &out.dividends] {
            prop_assert!(u16_sum(v) <= 65_535);
        }
        for (i, row) in out.bonds.iter().enumerate() {
            prop_assert!(row.iter().all(|(j, _)| usize::from(*j) < n));
            if !out.validator_permit[i] {
                prop_assert!(row.is_empty());
            }
        }
        if let Some(o) = params.owner_uid.filter(|o| usize::from(*o) < n) {
            prop_assert!(out.validator_permit[usize::from(o)]);
        }
        // Deterministic: the same input gives the same bytes.
        prop_assert_eq!(&epoch(&params, &input), &out);
        // The dense variant never panics either.
        let _ = epoch_dense(&params, &input);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Stakes up to `u64::MAX` (sums saturate instead of overflowing): no panic, right shapes.
    #[test]
    fn never_panics_on_extreme_input((params, input) in messy_case(u64::MAX)) {
        let n = input.stake.len();
        let out = epoch(&params, &input);
        prop_assert_eq!(out.emission.len(), n);
        prop_assert_eq!(out.bonds.len(), n);
        let dense = epoch_dense(&params, &input);
        prop_assert_eq!(dense.emission.len(), n);
    }
}
