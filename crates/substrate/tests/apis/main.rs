//! The runtime APIs of spec substrate-compat §7 and §15.1, called through `apis::call` on a real
//! Agora state and decoded with the served types, against the runtime's own queries.

mod chain;
mod declarations;
mod dynamic;
mod neurons;
mod stakes;
mod subnets;
