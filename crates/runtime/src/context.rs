//! [`Ctx`]: what a call or block hook runs with: writable state, the block number and an event sink.

use crate::event::Event;
use crate::hyperparams::GlobalParams;
use crate::state::GLOBAL_PARAMS;
use crate::storage::Storage;

/// Execution context of a call or a block hook.
pub(crate) struct Ctx<'a> {
    /// State (an overlay: writes are kept only if the call succeeds).
    pub s: &'a mut dyn Storage,
    /// Height of the block being executed.
    pub block: u64,
    /// Events emitted so far.
    pub events: &'a mut Vec<Event>,
}

impl Ctx<'_> {
    /// Records an event.
    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    /// The chain-wide parameters.
    pub fn params(&self) -> GlobalParams {
        GLOBAL_PARAMS.get(self.s)
    }
}
