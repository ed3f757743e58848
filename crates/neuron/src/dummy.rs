//! The reference subnet template's example protocol: `Dummy { dummy_input: int, dummy_output:
//! Optional[int] }`; a miner answers `2 * dummy_input`.

use serde::{Deserialize, Serialize};

use crate::synapse::Synapse;

/// The template's `Dummy` synapse (same name, fields and types, so Python neurons talk to it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dummy {
    /// The query.
    pub dummy_input: i64,
    /// The miner's answer.
    #[serde(default)]
    pub dummy_output: Option<i64>,
}

impl Synapse for Dummy {
    const NAME: &'static str = "Dummy";
    // The template declares no hashed fields: its body hash is that of the empty string.
    const REQUIRED_FIELDS: &'static [(&'static str, &'static str)] = &[("dummy_input", "0")];
}

/// The honest miner's answer.
pub fn answer(mut q: Dummy) -> Dummy {
    q.dummy_output = q.dummy_input.checked_mul(2);
    q
}
