//! The targets, one module per family, and the registry the binary and the tests run from.

pub mod block;
pub mod consensus;
pub mod extrinsic;
pub mod headers;
pub mod keyfile;
pub mod samples;
pub mod synapse;
pub mod transaction;

use crate::runner::{Bound, Report, Settings, Target, input, run_parallel};

/// A target as the registry holds it.
pub struct Entry {
    /// Its name.
    pub name: &'static str,
    /// The entry point it drives.
    pub about: &'static str,
    /// Its allocation bound.
    pub bound: Bound,
    /// Runs it: settings and threads.
    pub run: fn(Settings, usize) -> Report,
    /// Rebuilds one input: seed and index.
    pub input: fn(u64, u64) -> Vec<u8>,
}

const fn entry<T: Target + Sync>() -> Entry {
    Entry { name: T::NAME, about: T::ABOUT, bound: T::BOUND, run: run_target::<T>, input: input_of::<T> }
}

fn run_target<T: Target + Sync>(settings: Settings, threads: usize) -> Report {
    run_parallel(&T::new(), settings, threads)
}

fn input_of<T: Target>(seed: u64, index: u64) -> Vec<u8> {
    input(&T::new(), seed, index)
}

/// Every target, in the order reports list them.
pub const ALL: &[Entry] = &[
    entry::<transaction::Transaction>(),
    entry::<transaction::Gossip>(),
    entry::<block::Blocks>(),
    entry::<consensus::Consensus>(),
    entry::<extrinsic::Extrinsics>(),
    entry::<headers::BtHeaders>(),
    entry::<headers::Epistula>(),
    entry::<synapse::Synapses>(),
    entry::<keyfile::Keyfiles>(),
];

/// The target called `name`.
pub fn find(name: &str) -> Option<&'static Entry> {
    ALL.iter().find(|e| e.name == name)
}
