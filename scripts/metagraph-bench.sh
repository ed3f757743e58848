#!/usr/bin/env bash
# Benchmark: the metagraph of a full subnet (256 uids) read through the reference Python SDK
# (`bittensor` 10.5.0, `sub.metagraph(1)`: the runtime-API calls of the spec's §15.2 over the
# Substrate-compatible endpoint) and through Agora's own one-call `state_metagraph`, side by side
# against the same in-process chain (crates/node/examples/metagraph_bench.rs, release build).
# Prints one JSON line: medians over RUNS (default 20) and their ratio.
# Usage: scripts/metagraph-bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
python="$(bash scripts/python-bittensor10-env.sh)"
cargo build --release -q -p agora-node --example metagraph_bench
fifo="$(mktemp -u)"
mkfifo "$fifo"
# The chain serves until its stdin (the fifo) closes.
target/release/examples/metagraph_bench < "$fifo" > "$fifo.out" &
chain=$!
exec 3> "$fifo"
trap 'exec 3>&-; wait "$chain" 2>/dev/null; rm -f "$fifo" "$fifo.out"' EXIT
for _ in $(seq 100); do [ -s "$fifo.out" ] && break; sleep 0.1; done
urls="$(head -1 "$fifo.out")"
substrate="$(printf '%s' "$urls" | sed 's/.*"substrate": "\([^"]*\)".*/\1/')"
rpc="$(printf '%s' "$urls" | sed 's/.*"rpc": "\([^"]*\)".*/\1/')"
"$python" scripts/bench/metagraph_bench.py "$substrate" "$rpc" "$runs"
