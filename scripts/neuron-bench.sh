#!/usr/bin/env bash
# The neuron protocol under load, Agora against the reference on the same machine and synapse:
# `agora dendrite load` sends signed `Dummy` requests (full signature and nonce verification on the
# server) to `agora miner dummy` and then to a Python axon (bittensor 10.2.0, the template's Dummy),
# then times one dendrite `forward` to 256 local Agora axons.
#
#   scripts/neuron-bench.sh [REQUESTS] [CONCURRENCY]     (defaults 5000 and 32; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-5000}
CONCURRENCY=${2:-32}
cargo build --release -p agora-cli >&2
AGORA=target/release/agora
PYTHON=$(bash scripts/python-bittensor-env.sh)
WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
export BT_WALLET_PATH="$WORK/wallets"
"$AGORA" wallet create --wallet.name miner --no-password --json > /dev/null
"$AGORA" wallet create --wallet.name validator --no-password --json > /dev/null
MINER_HOTKEY=$("$AGORA" wallet list --json | "$PYTHON" -c 'import json,sys; print([w for w in json.load(sys.stdin)["wallets"] if w["name"]=="miner"][0]["hotkeys"][0]["ss58"])')

wait_port() { for _ in $(seq 1 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

"$AGORA" miner dummy --wallet.name miner --ip 127.0.0.1 --port 23010 --no-chain > /dev/null 2>&1 &
pids+=($!)
wait_port 23010
echo "== Agora axon (agora miner dummy), $REQUESTS requests, concurrency $CONCURRENCY"
"$AGORA" dendrite load --wallet.name validator --axon 127.0.0.1:23010 --axon-hotkey "$MINER_HOTKEY" \
  --requests "$REQUESTS" --concurrency "$CONCURRENCY" --json | tee "$WORK/agora.json"
kill "${pids[0]}"

READ_ONLY=1 "$PYTHON" crates/cli/tests/it/py/neuron_interop.py serve "$WORK/py" 23011 > "$WORK/py.out" 2> /dev/null &
pids+=($!)
wait_port 23011
PY_HOTKEY=$("$PYTHON" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["hotkey"])' "$WORK/py.out")
echo "== Python axon (bittensor 10.2.0), same requests"
"$AGORA" dendrite load --wallet.name validator --axon 127.0.0.1:23011 --axon-hotkey "$PY_HOTKEY" \
  --requests "$REQUESTS" --concurrency "$CONCURRENCY" --timeout 30 --json | tee "$WORK/python.json"

echo "== ratio (Agora / Python)"
"$PYTHON" - "$WORK/agora.json" "$WORK/python.json" << 'PY'
import json, sys
a, p = (json.load(open(f)) for f in sys.argv[1:3])
print(f"requests/s {a['requests_per_second']:.0f} vs {p['requests_per_second']:.0f}: x{a['requests_per_second'] / p['requests_per_second']:.1f}")
print(f"p50 {a['p50_ms']:.2f} ms vs {p['p50_ms']:.2f} ms; p99 {a['p99_ms']:.2f} ms vs {p['p99_ms']:.2f} ms")
PY

echo "== dendrite fan-out to 256 local Agora axons: the Agora dendrite"
"$AGORA" dendrite fanout --axons 256 --rounds 30 --json | tee "$WORK/fan-agora.json"
echo "== the same kind of 256 axons, the Python dendrite (bittensor 10.2.0)"
"$AGORA" dendrite fanout --axons 256 --export "$WORK/targets.json" --serve-for 600 > /dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do [ -f "$WORK/targets.json" ] && break; sleep 0.1; done
READ_ONLY=1 "$PYTHON" crates/cli/tests/it/py/neuron_interop.py fanout "$WORK/targets.json" 30 2> /dev/null | tail -1 | tee "$WORK/fan-python.json"
"$PYTHON" - "$WORK/fan-agora.json" "$WORK/fan-python.json" << 'PY'
import json, sys
a, p = (json.load(open(f)) for f in sys.argv[1:3])
print(f"fan-out p50 {a['p50_ms']:.1f} ms vs {p['p50_ms']:.1f} ms (x{p['p50_ms'] / a['p50_ms']:.1f}); p99 {a['p99_ms']:.1f} vs {p['p99_ms']:.1f} ms")
PY
