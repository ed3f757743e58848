//! The metagraph as users read it (ratios in [0, 1], amounts in TAO, axons as `ip:port`), and a
//! portable file format for saving and loading a synced metagraph.
//!
//! The reference pickles (or `torch.save`s) its metagraph, which only Python can read; ours is a
//! JSON document with a format tag, holding the chain's exact integers.

use std::path::Path;

use agora_primitives::{BlockNumber, RAO_PER_TAO};
use agora_runtime::query::Metagraph;

use serde::{Deserialize, Serialize};

/// Format tag of a saved metagraph.
pub const FORMAT: &str = "agora-metagraph/1";

/// One neuron as `agora subnets show --json` prints it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NeuronRow {
    /// Uid.
    pub uid: u16,
    /// Hotkey (SS58).
    pub hotkey: String,
    /// Owning coldkey (SS58).
    pub coldkey: String,
    /// Stake as the epoch weighs it: the stake on this subnet in the TAO era; on a dynamic chain
    /// alpha stake plus TaoWeight × root stake.
    pub stake: f64,
    /// Alpha staked on the hotkey on this subnet (its TAO stake in the TAO era).
    #[serde(default)]
    pub alpha_stake: f64,
    /// TAO the hotkey holds on root (0 in the TAO era, where it does not count).
    #[serde(default)]
    pub root_stake: f64,
    /// Consensus in [0, 1].
    pub consensus: f64,
    /// Incentive in [0, 1].
    pub incentive: f64,
    /// Dividends in [0, 1].
    pub dividends: f64,
    /// Emission at the last epoch (TAO).
    pub emission: f64,
    /// Validator trust in [0, 1].
    pub validator_trust: f64,
    /// Validator permit.
    pub validator_permit: bool,
    /// Active within the activity cutoff.
    pub active: bool,
    /// Block of the last weights update.
    pub last_update: BlockNumber,
    /// Published axon (`ip:port`), if any.
    pub axon: Option<String>,
}

/// A chain u16 ratio as the Python metagraph shows it (`x / 65535`).
pub fn ratio(x: u16) -> f64 {
    f64::from(x) / f64::from(u16::MAX)
}

/// Rao as TAO.
pub fn tao(rao: u64) -> f64 {
    rao as f64 / RAO_PER_TAO as f64
}

pub use crate::axon::axon_address;

/// Why a metagraph does not hang together (see [`check`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MetagraphError {
    /// A per-uid vector does not have `n` entries.
    #[error("n is {n} but the per-uid vector {vector} has {len} entries")]
    VectorLength {
        /// The vector's field name (`stake`, `hotkeys`, …).
        vector: &'static str,
        /// Its length.
        len: usize,
        /// The metagraph's `n`.
        n: u16,
    },
    /// The weights or bonds do not have one row per uid.
    #[error("n is {n} but {matrix} has {rows} rows")]
    RowCount {
        /// `weights` or `bonds`.
        matrix: &'static str,
        /// Its number of rows.
        rows: usize,
        /// The metagraph's `n`.
        n: u16,
    },
    /// A weights or bonds row names a uid that does not exist.
    #[error("{matrix} row {row} names uid {uid} but n is {n}")]
    UidOutOfRange {
        /// `weights` or `bonds`.
        matrix: &'static str,
        /// The row (the uid that set it).
        row: u16,
        /// The uid named.
        uid: u16,
        /// The metagraph's `n`.
        n: u16,
    },
}

/// Every per-uid vector's field name and length.
fn vector_lengths(m: &Metagraph) -> [(&'static str, usize); 14] {
    [
        ("hotkeys", m.hotkeys.len()),
        ("coldkeys", m.coldkeys.len()),
        ("stake", m.stake.len()),
        ("consensus", m.consensus.len()),
        ("incentive", m.incentive.len()),
        ("dividends", m.dividends.len()),
        ("emission", m.emission.len()),
        ("validator_trust", m.validator_trust.len()),
        ("validator_permit", m.validator_permit.len()),
        ("active", m.active.len()),
        ("last_update", m.last_update.len()),
        ("block_at_registration", m.block_at_registration.len()),
        ("stake_weight", m.stake_weight.len()),
        ("axons", m.axons.len()),
    ]
}

/// Whether every per-uid vector has `n` entries and every weights/bonds row fits `n`; the first
/// disagreement found otherwise.
pub fn check(m: &Metagraph) -> Result<(), MetagraphError> {
    let n = m.n;
    if let Some((vector, len)) = vector_lengths(m).into_iter().find(|&(_, len)| len != usize::from(n)) {
        return Err(MetagraphError::VectorLength { vector, len, n });
    }
    // Empty when the node predates them (alpha stake) or the chain is TAO-era (root stake).
    for (vector, v) in [("alpha_stake", &m.alpha_stake), ("root_stake", &m.root_stake)] {
        if !v.is_empty() && v.len() != usize::from(n) {
            return Err(MetagraphError::VectorLength { vector, len: v.len(), n });
        }
    }
    for (matrix, rows) in [("weights", &m.weights), ("bonds", &m.bonds)] {
        let Some(rows) = rows else { continue };
        if rows.len() != usize::from(n) {
            return Err(MetagraphError::RowCount { matrix, rows: rows.len(), n });
        }
        // `rows.len() == n`, so every row index fits a u16.
        for (row, entries) in (0..n).zip(rows) {
            if let Some(&(uid, _)) = entries.iter().find(|&&(uid, _)| uid >= n) {
                return Err(MetagraphError::UidOutOfRange { matrix, row, uid, n });
            }
        }
    }
    Ok(())
}

/// One row per uid (as many as every vector has, if a metagraph failed [`check`]).
pub fn neurons(m: &Metagraph) -> Vec<NeuronRow> {
    let len = vector_lengths(m).into_iter().map(|(_, len)| len).chain([usize::from(m.n)]).min().unwrap_or(0);
    (0..len)
        .map(|i| NeuronRow {
            uid: i as u16,
            hotkey: m.hotkeys[i].to_ss58(),
            coldkey: m.coldkeys[i].to_ss58(),
            stake: tao(m.stake[i]),
            alpha_stake: tao(m.alpha_stake.get(i).copied().unwrap_or(m.stake[i])),
            root_stake: tao(m.root_stake.get(i).copied().unwrap_or(0)),
            consensus: ratio(m.consensus[i]),
            incentive: ratio(m.incentive[i]),
            dividends: ratio(m.dividends[i]),
            emission: tao(m.emission[i]),
            validator_trust: ratio(m.validator_trust[i]),
            validator_permit: m.validator_permit[i],
            active: m.active[i],
            last_update: m.last_update[i],
            axon: axon_address(&m.axons[i]).map(|a| a.to_string()),
        })
        .collect()
}

/// Errors of saving or loading a metagraph file.
#[derive(Debug, thiserror::Error)]
pub enum MetagraphFileError {
    /// Reading or writing failed.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        error: std::io::Error,
    },
    /// Not a metagraph file, or a damaged one.
    #[error("{path} is not an {FORMAT} file: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A metagraph file whose vectors disagree with its `n`.
    #[error("{path} is not an {FORMAT} file: {error}")]
    Inconsistent {
        /// The file.
        path: String,
        /// What disagrees.
        error: MetagraphError,
    },
}

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    metagraph: Metagraph,
}

/// Writes `m` to `path` (a temporary file renamed into place, so a reader never sees half a file).
pub fn save(m: &Metagraph, path: &Path) -> Result<(), MetagraphFileError> {
    let io = |error| MetagraphFileError::Io { path: path.display().to_string(), error };
    let text = serde_json::to_string(&File { format: FORMAT.into(), metagraph: m.clone() }).expect("serialisable");
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Reads a metagraph written by [`save`], checking that its vectors agree with `n`.
pub fn load(path: &Path) -> Result<Metagraph, MetagraphFileError> {
    let shown = path.display().to_string();
    let text = std::fs::read(path).map_err(|error| MetagraphFileError::Io { path: shown.clone(), error })?;
    let bad = |message: String| MetagraphFileError::Format { path: shown.clone(), message };
    let file: File = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
    if file.format != FORMAT {
        return Err(bad(format!("format {:?}", file.format)));
    }
    let m = file.metagraph;
    check(&m).map_err(|error| MetagraphFileError::Inconsistent { path: shown.clone(), error })?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use agora_primitives::AccountId;
    use agora_runtime::state::AxonInfo;
    use std::net::Ipv4Addr;

    fn sample(n: u16) -> Metagraph {
        let k = usize::from(n);
        Metagraph {
            netuid: agora_primitives::NetUid(1),
            block: BlockNumber(42),
            n,
            hotkeys: (0..n).map(|i| AccountId([i as u8; 32])).collect(),
            coldkeys: (0..n).map(|i| AccountId([200 - i as u8; 32])).collect(),
            stake: vec![1_500_000_000; k],
            alpha_stake: Vec::new(),
            root_stake: Vec::new(),
            consensus: vec![65535; k],
            incentive: vec![32768; k],
            dividends: vec![0; k],
            emission: vec![123; k],
            validator_trust: vec![1; k],
            validator_permit: vec![true; k],
            active: vec![false; k],
            last_update: vec![BlockNumber(7); k],
            block_at_registration: vec![BlockNumber(3); k],
            stake_weight: vec![0; k],
            axons: vec![
                AxonInfo {
                    ip: u128::from(u32::from(Ipv4Addr::new(10, 0, 0, 1))),
                    port: 8091,
                    ip_type: 4,
                    ..AxonInfo::default()
                };
                k
            ],
            weights: Some(vec![vec![(0, 65535)]; k]),
            bonds: None,
        }
    }

    #[test]
    fn rows_show_ratios_tao_and_axons() {
        let rows = neurons(&sample(2));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].consensus, 1.0);
        assert!((rows[0].incentive - 0.500007629).abs() < 1e-9);
        assert_eq!(rows[0].stake, 1.5);
        assert_eq!(rows[1].axon.as_deref(), Some("10.0.0.1:8091"));
        assert_eq!(axon_address(&AxonInfo::default()), None);
        let v6 = AxonInfo { ip: 1, port: 9, ip_type: 6, ..AxonInfo::default() };
        assert_eq!(axon_address(&v6).unwrap().to_string(), "[::1]:9");
    }

    #[test]
    fn check_names_what_disagrees_with_n() {
        assert_eq!(check(&sample(3)), Ok(()));
        let mut short = sample(3);
        short.hotkeys.pop();
        assert_eq!(check(&short), Err(MetagraphError::VectorLength { vector: "hotkeys", len: 2, n: 3 }));
        let mut rows = sample(3);
        rows.weights.as_mut().unwrap().pop();
        assert_eq!(check(&rows), Err(MetagraphError::RowCount { matrix: "weights", rows: 2, n: 3 }));
        let mut uid = sample(3);
        uid.bonds = Some(vec![vec![], vec![(0, 1), (3, 1)], vec![]]);
        let error = check(&uid).unwrap_err();
        assert_eq!(error, MetagraphError::UidOutOfRange { matrix: "bonds", row: 1, uid: 3, n: 3 });
        assert_eq!(error.to_string(), "bonds row 1 names uid 3 but n is 3");
    }

    #[test]
    fn save_then_load_is_identity_and_damage_is_refused() {
        let dir = std::env::temp_dir().join(format!("agora-mg-{}", std::process::id()));
        let path = dir.join("netuid-1.json");
        let m = sample(3);
        save(&m, &path).unwrap();
        assert_eq!(load(&path).unwrap(), m);
        let mut short = m.clone();
        short.stake.pop();
        save(&short, &path).unwrap();
        let inconsistent = load(&path).unwrap_err();
        assert!(
            matches!(
                &inconsistent,
                MetagraphFileError::Inconsistent {
                    error: MetagraphError::VectorLength { vector: "stake", len: 2, n: 3 },
                    ..
                }
            ),
            "{inconsistent}"
        );
        std::fs::write(&path, "{\"format\": \"other\"}").unwrap();
        assert!(matches!(load(&path), Err(MetagraphFileError::Format { .. })));
        assert!(matches!(load(&dir.join("missing.json")), Err(MetagraphFileError::Io { .. })));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
