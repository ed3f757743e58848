//! Integration tests of `agora-yuma`: the reference's own unit tests ported onto the pure
//! function (`epoch_reference`, `math_reference`) and property tests (`properties`).

mod epoch_reference;
mod harness;
mod math_reference;
mod properties;
