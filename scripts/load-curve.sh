#!/usr/bin/env bash
# Sustained load of a 4-validator localnet on this machine: the open-loop load test at several
# rates, each on a fresh network (scripts/load.sh), printed as one table.
#
#   scripts/load-curve.sh [DURATION_S] [BLOCK_TIME_MS] [RATES...]    (defaults: 60 s, 100 ms, 1000 2000 4000)
set -euo pipefail
DURATION=${1:-60}
BLOCK_TIME=${2:-100}
shift 2 2>/dev/null || shift $#
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(1000 2000 4000)
cd "$(dirname "$0")/.."
ROW='
import json, sys
r = json.loads(sys.stdin.read())
keys = ["offered_tps", "finalized", "tps", "latency_ms_p50", "latency_ms_p99", "dropped", "refused", "lost"]
print(" ".join(f"{r[k]:<9.0f}" if isinstance(r[k], float) else f"{r[k]:<9}" for k in keys))'
printf '%-9s %-9s %-9s %-9s %-9s %-9s %-9s %-9s\n' offered finalised tx/s p50_ms p99_ms dropped refused lost
for rate in "${RATES[@]}"; do
  out=$(scripts/load.sh 1 "$BLOCK_TIME" --rate "$rate" --duration "$DURATION" --accounts 256 --json || true)
  echo "$out" | head -1 >&2
  echo "$out" | tail -1 | python3 -c "$ROW" || echo "$out" | tail -3 >&2
  sleep 2
done
