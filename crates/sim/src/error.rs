//! [`SimError`]: why a scenario cannot run.

use thiserror::Error;

/// Why a scenario failed. Each renders as one line naming the problem.
#[derive(Debug, Error)]
pub enum SimError {
    /// Not JSON, or an unknown / missing key.
    #[error("invalid scenario: {0}")]
    Parse(String),
    /// Well-formed but inconsistent.
    #[error("invalid scenario: {0}")]
    Invalid(String),
    /// A step failed (a call's error is given by its reference name).
    #[error("step {step} ({what}): {message}")]
    Step {
        /// 1-based step number.
        step: usize,
        /// Step kind.
        what: String,
        /// What went wrong.
        message: String,
    },
    /// The genesis built from the scenario was refused.
    #[error("cannot build the scenario's chain: {0}")]
    Genesis(String),
    /// Writing output failed.
    #[error("cannot write {path}: {message}")]
    Io {
        /// File.
        path: String,
        /// OS error.
        message: String,
    },
}
