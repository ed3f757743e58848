//! Simulator integration tests: shipped scenarios, step semantics, bad input.

mod bad_input;
mod dynamic;
mod scenarios;
mod semantics;

/// The repository's `scenarios/` folder.
pub fn scenarios_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}
