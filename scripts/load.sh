#!/usr/bin/env bash
# Load test of a 4-validator localnet on this machine: finalised transfers per second and
# submit-to-finality latency (p50/p99). Builds the release binary, starts 4 `agora node`
# processes on loopback, runs `agora chain load`, stops them.
#
#   scripts/load.sh [TXS] [BLOCK_TIME_MS] [agora chain load options…]   (defaults: 4000 transfers, 500 ms blocks)
#   scripts/load.sh 1 100 --rate 2000 --duration 60 --accounts 256      (open loop: a fixed rate; see scripts/load-curve.sh)
set -euo pipefail
TXS=${1:-4000}
BLOCK_TIME=${2:-500}
BASE_PORT=${BASE_PORT:-43000}
cd "$(dirname "$0")/.."
cargo build --release -q -p agora-cli
AGORA=target/release/agora
DIR=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
"$AGORA" localnet init --validators 4 --dir "$DIR" --base-port "$BASE_PORT" --block-time "$BLOCK_TIME" > /dev/null
for i in 0 1 2 3; do
  RUST_LOG=warn "$AGORA" node --config "$DIR/node-$i/config.toml" 2> "$DIR/node-$i.log" &
  PIDS+=($!)
done
RPCS=$(for i in 0 1 2 3; do printf 'http://127.0.0.1:%d,' $((BASE_PORT + 10 * i + 1)); done)
RPCS=${RPCS%,}
# Every node answers and the chain finalises before the load starts.
for i in 0 1 2 3; do
  for _ in $(seq 1 150); do
    if "$AGORA" chain status --rpc "http://127.0.0.1:$((BASE_PORT + 10 * i + 1))" --json 2>/dev/null | grep -q '"finalized_height":[1-9]'; then break; fi
    sleep 0.2
  done
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); block time ${BLOCK_TIME} ms"
status=0
"$AGORA" chain load --rpc "$RPCS" --txs "$TXS" "${@:3}" || status=$?
if [ "$status" -ne 0 ]; then
  for i in 0 1 2 3; do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then echo "node-$i is not running; its log ends:" >&2; tail -5 "$DIR/node-$i.log" >&2; fi
  done
fi
exit "$status"
