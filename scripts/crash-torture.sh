#!/usr/bin/env bash
# Crash torture of a 4-validator localnet on this machine: under an open-loop load, `kill -9` a
# random validator ROUNDS times, restarting it each time; then check that every accepted transfer
# is final exactly once (the load test's own check: none lost, the destination received one rao per
# final transfer) and that all four nodes agree on the chain.
#
#   scripts/crash-torture.sh [ROUNDS] [RATE] [BLOCK_TIME_MS]    (defaults: 100 rounds, 100 tx/s, 250 ms)
set -euo pipefail
ROUNDS=${1:-100}
RATE=${2:-100}
BLOCK_TIME=${3:-250}
BASE_PORT=${BASE_PORT:-43500}
cd "$(dirname "$0")/.."
cargo build --release -q -p agora-cli
AGORA=target/release/agora
DIR=$(mktemp -d)
declare -a PIDS=()
LOAD_PID=""
cleanup() {
  for p in "${PIDS[@]:-}" $LOAD_PID; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
"$AGORA" localnet init --validators 4 --dir "$DIR" --base-port "$BASE_PORT" --block-time "$BLOCK_TIME" > /dev/null
start() { RUST_LOG=warn "$AGORA" node --config "$DIR/node-$1/config.toml" 2>> "$DIR/node-$1.log" & PIDS[$1]=$!; }
for i in 0 1 2 3; do start "$i"; done
rpc() { printf 'http://127.0.0.1:%d' $((BASE_PORT + 10 * $1 + 1)); }
RPCS=$(for i in 0 1 2 3; do printf '%s,' "$(rpc "$i")"; done)
RPCS=${RPCS%,}
for _ in $(seq 1 150); do
  if "$AGORA" chain status --rpc "$(rpc 0)" --json 2>/dev/null | grep -q '"finalized_height":[1-9]'; then break; fi
  sleep 0.2
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); block time ${BLOCK_TIME} ms"

# The load runs for as long as the rounds take (about 3.5 s each), then waits for finality.
DURATION=$((ROUNDS * 7 / 2 + 5))
"$AGORA" chain load --rpc "$RPCS" --rate "$RATE" --duration "$DURATION" --accounts 64 --timeout 180 --json \
  > "$DIR/load.json" 2> "$DIR/load.err" &
LOAD_PID=$!
sleep 3
started=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1 + r / 32768 * 2 }')"
  victim=$((RANDOM % 4))
  kill -9 "${PIDS[$victim]}" 2>/dev/null || true
  wait "${PIDS[$victim]}" 2>/dev/null || true
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.5 + r / 32768 * 1.5 }')"
  start "$victim"
  printf '\rround %d/%d: killed and restarted node-%d' "$round" "$ROUNDS" "$victim"
done
echo
echo "rounds took $(( $(date +%s) - started )) s; waiting for the load test"
status=0
wait "$LOAD_PID" || status=$?
LOAD_PID=""
cat "$DIR/load.json"
if [ "$status" -ne 0 ]; then
  echo "load test failed ($status):"; cat "$DIR/load.err"; exit 1
fi

# All four nodes agree at the lowest head, and on the destination's balance there.
sleep 3
python3 - "$AGORA" "$RPCS" "$DIR/load.json" <<'EOF'
import json, subprocess, sys, time
agora, rpcs, report = sys.argv[1], sys.argv[2].split(","), json.load(open(sys.argv[3]))
def call(url, *args):
    out = subprocess.run([agora, *args, "--rpc", url, "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)
for _ in range(60):
    heights = [call(u, "chain", "status")["finalized_height"] for u in rpcs]
    if max(heights) - min(heights) <= 2:
        break
    time.sleep(1)
h = min(heights)
blocks = [call(u, "chain", "block", "--height", str(h)) for u in rpcs]
hashes = {b["hash"] for b in blocks}
roots = {b["state_root"] for b in blocks}
print(f"heights {heights}; at {h}: {len(hashes)} distinct hash(es), {len(roots)} distinct state root(s)")
assert len(hashes) == 1 and len(roots) == 1, "the nodes disagree"
assert report["lost"] == 0 and report["received_rao"] == report["finalized"], report
print(f"ok: {report['finalized']} of {report['submitted']} accepted transfers final exactly once, "
      f"{report['dropped']} reported dropped, {report['refused']} refused while a node was down, "
      f"{report['resubmitted']} sent again after a killed node lost them; "
      f"p50 {report['latency_ms_p50']:.0f} ms, p99 {report['latency_ms_p99']:.0f} ms")
EOF
