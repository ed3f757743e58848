#!/usr/bin/env bash
# Fuzzing at scale: every decoder target of `agora-fuzz` (crates/fuzz) for INPUTS inputs each
# (default 10,000,000), on THREADS threads per target (default: every core), and prints the
# table the README quotes: inputs, outcome kinds, panics, the peak bytes one decode held against
# the target's bound, and inputs per second. Exits non-zero when a target panicked, exceeded its
# allocation bound or broke a property; the failing inputs are printed in hex.
#
#   scripts/fuzz.sh [INPUTS] [SEED]            (defaults: 10000000, 0)
#   THREADS=1 scripts/fuzz.sh 1000000          one thread per target
#   JSON=1 scripts/fuzz.sh                     one JSON object per target (schema: crates/fuzz/src/runner.rs)
set -euo pipefail
INPUTS=${1:-10000000}
SEED=${2:-0}
THREADS=${THREADS:-$(nproc)}
cd "$(dirname "$0")/.."
cargo build --release -q -p agora-fuzz
echo "agora-fuzz: $INPUTS inputs per target, seed $SEED, $THREADS threads; $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" >&2
exec target/release/agora-fuzz --target all --inputs "$INPUTS" --seed "$SEED" --threads "$THREADS" ${JSON:+--json}
