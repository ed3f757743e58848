//! Fuzzing every decoder that reads untrusted bytes: seeded mutations of real encodings, no panic, bounded allocation.
//!
//! Every public entry point that the node, the axon, the dendrite or the wallet calls on bytes
//! from outside is a [target](runner::Target) here:
//!
//! | target        | entry point                                                   | bytes from         |
//! |---------------|---------------------------------------------------------------|--------------------|
//! | `transaction` | `SignedTransaction::decode_checked`                           | RPC, block bodies  |
//! | `gossip`      | `Envelope::from_gossip`                                       | p2p txs channel    |
//! | `block`       | `Block::decode`, `ChainBlock` (commonware `Read`)             | p2p broadcast, backfill |
//! | `consensus`   | simplex `Vote`, `Certificate` with the node's scheme          | p2p votes, certificates |
//! | `extrinsic`   | `Extrinsic::decode` + `Envelope::authenticate`                | `author_submitExtrinsic` |
//! | `bt_headers`  | HTTP head → `parse_request` → `verify_dendrite`               | axon requests      |
//! | `epistula`    | HTTP head → `parse_epistula` → `verify_epistula`              | axon requests      |
//! | `synapse`     | `body_hash_of_json`, `parse_envelope`                         | axon and dendrite bodies |
//! | `keyfile`     | `$NACL` / ansible-vault / JSON → keypair                      | wallet files       |
//!
//! Each target builds a corpus of valid encodings in code (signed transactions of every call,
//! blocks with both transaction envelopes, votes and certificates of a four-validator set,
//! signed Substrate extrinsics, dendrite and Epistula request heads, synapse envelopes, plain
//! and encrypted keyfiles), and the [generator](mutate) makes inputs from it: the entries
//! themselves, stacked mutations of them (bit flips, boundary bytes and integers, inserted,
//! deleted, duplicated and spliced ranges, SCALE compact lengths overwritten with huge or
//! non-canonical values, format tokens), and random bytes. Each input is decoded inside
//! `catch_unwind` and [`alloc::measure`]; the [report](runner::Report) counts inputs, the
//! distinct outcomes (`ok` or each error's name), panics, the peak bytes any one decode held
//! against the target's stated bound, and inputs per second.
//!
//! This is not coverage-guided (libFuzzer and `cargo fuzz` need nightly and a C++ toolchain):
//! mutations start from valid encodings so that every layer of each format is reached, and the
//! outcome counts show that they are. It does not fuzz the transports below the decoders
//! (TCP framing and the noise handshake are commonware's; HTTP parsing is hyper's, which the
//! header targets approximate with `httparse`, the parser hyper uses).
//!
//! # Guarantees
//!
//! - Deterministic: input `i` of a target under seed `s` is a function of `(s, target, i)` only
//!   (no clock, no OS randomness; corpora are signed with seeded nonces, [`sign`]), so a run
//!   repeats its inputs, outcomes and peaks exactly (on any number of threads), and any input
//!   is rebuilt alone with `--replay`.
//! - A run fails on any of: a panic (recorded with its message and the input in hex), a decode
//!   holding more bytes than its bound ([`runner::Bound`]: `k × input length + c`, each
//!   justified from the decoder's limits where the target is defined), a broken property
//!   (where a format is canonical, a decoded value must encode back to the input bytes), or
//!   memory still allocated after results are dropped (over [`runner::MAX_RETAINED`] in all).
//!   The generator itself stays within each target's largest input.
//! - Allocation is measured by [`alloc::Counting`], a global allocator that counts each thread's
//!   live bytes; the binary and the tests install it, so a library user is unaffected.
//!
//! # Status
//!
//! Every decoder listed above, run in CI for 10,000 to 20,000 inputs per target
//! (`tests/short_pass.rs`, a few seconds in a debug build) and at scale with `scripts/fuzz.sh`
//! (10,000,000 inputs per target by default: 11 minutes on two shared Xeon cores). Half of each
//! target's inputs are made aware of its format ([`runner::Target::structured`]: a mutated call
//! under a correct length prefix, a block assembled around mutated transactions with the right
//! root, header lines, JSON trees), so every layer is reached; the outcome counts in a report
//! show how often. Not covered: commonware's own p2p framing and marshal's resolver messages
//! (fuzzed upstream), JSON-RPC request parsing (jsonrpsee's), and the hex text layer of the
//! RPCs (`parse_hex`).
//!
//! # Findings
//!
//! No decoder panicked. Two behaviours the targets measure are worth knowing:
//!
//! - A JSON body costs up to ~98 live bytes per byte while `parse_envelope` parses it (and
//!   ~45 for the body hash): `[{"":0},{"":0},…]` of 64 KiB holds 6.4 MB, because serde_json
//!   gives each object a B-tree node of ~630 bytes. The axon reads bodies up to its 10 MiB
//!   `max_body_bytes`, so one request of a verified caller can hold ~1 GB. The synapse target
//!   states this bound (128 × len); a smaller body limit per route, or parsing into the
//!   synapse's own type without a `Value` tree, would lower it.
//! - An Epistula request timestamped 4 to 8 s ahead of the axon passes `precheck_epistula`
//!   (8 s either way) but is then refused by the replay table, which allows 4 s into the
//!   future, and the refusal reads "replayed" (`EpistulaReplayed`, 401) rather than a clock
//!   error.
//!
//! # Example
//!
//! ```
//! use agora_fuzz::runner::Settings;
//!
//! let target = agora_fuzz::targets::find("transaction").unwrap();
//! let report = (target.run)(Settings { inputs: 200, seed: 1, first: 0 }, 1);
//! assert!(report.passed());
//! assert_eq!(report.inputs, 200);
//! ```
//!
//! From the command line: `cargo run --release -p agora-fuzz -- --target all --inputs 1000000`
//! (`--json` for one JSON object per target, `--replay INDEX` to print one input).
//!
//! # Feature flags
//!
//! None.

pub mod alloc;
pub mod mutate;
pub mod rng;
pub mod runner;
pub mod sign;
pub mod targets;
