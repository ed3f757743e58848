#!/usr/bin/env bash
# Load through the gateway: starts a release localnet in a temporary directory (4 nodes, subnet 1
# with the given miners, 2 validators, the gateway), then sends chat completions with
# `agora gateway-load` and prints requests/s and latency percentiles.
#   scripts/gateway-load.sh [REQUESTS] [CONCURRENCY] [MINERS] [MAX_TOKENS]
# MINERS: comma-separated backends (default echo,echo,echo: measures the gateway and the neuron
# protocol, not the model); `local,local,local` measures the model end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-500}
CONCURRENCY=${2:-16}
MINERS=${3:-echo,echo,echo}
MAX_TOKENS=${4:-16}
cargo build --release -p agora-cli
BIN=$(pwd)/target/release/agora
DIR=$(mktemp -d)
setsid "$BIN" localnet run --data-dir "$DIR" --base-port 23100 --gateway-port 23195 --miners "$MINERS" \
  --block-time 250 --tempo 10 --json > "$DIR/ready.json" 2> "$DIR/localnet.log" &
PID=$!
trap 'kill -INT -- -$PID 2> /dev/null || true; wait $PID 2> /dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 600); do
  [ -s "$DIR/ready.json" ] && break
  kill -0 $PID 2> /dev/null || { cat "$DIR/localnet.log" >&2; exit 1; }
  sleep 0.5
done
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["gateway_url"])' "$DIR/ready.json")
KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["gateway_api_key"])' "$DIR/ready.json")
echo "localnet ready: gateway $URL, miners $MINERS" >&2
"$BIN" gateway-load --url "$URL" --key "$KEY" --requests 20 --concurrency 4 --max-tokens "$MAX_TOKENS" --quiet
"$BIN" gateway-load --url "$URL" --key "$KEY" --requests "$REQUESTS" --concurrency "$CONCURRENCY" --max-tokens "$MAX_TOKENS"
"$BIN" gateway-load --url "$URL" --key "$KEY" --requests "$REQUESTS" --concurrency "$CONCURRENCY" --max-tokens "$MAX_TOKENS" --stream
