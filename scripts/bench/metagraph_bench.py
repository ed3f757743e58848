# `metagraph(1)` through the reference SDK (bittensor 10.5.0) against Agora's Substrate-compatible
# endpoint, and Agora's own one-call metagraph (`state_metagraph` over JSON-RPC), side by side on
# the same chain. Driven by scripts/metagraph-bench.sh.
#   metagraph_bench.py SUBSTRATE_WS_URL AGORA_RPC_URL RUNS
import json
import statistics
import sys
import time
import urllib.request

substrate, rpc, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.argv = sys.argv[:1]

import bittensor as bt  # noqa: E402


def timed(f):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - start)
    return out, times


def agora():
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "state_metagraph", "params": [1]}).encode()
    request = urllib.request.Request(rpc, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["result"]


start = time.perf_counter()
sub = bt.Subtensor(network=substrate)
connect = time.perf_counter() - start
sub.metagraph(1)  # warm: the SDK caches the runtime and metadata on first use
mg, sdk_times = timed(lambda: sub.metagraph(1))
ours, agora_times = timed(agora)
sub.close()
assert int(mg.n) == len(ours["hotkeys"]), (int(mg.n), len(ours["hotkeys"]))
assert list(mg.hotkeys) == ours["hotkeys"]


def ms(xs):
    return round(statistics.median(xs) * 1000, 1)


print(
    json.dumps(
        {
            "uids": int(mg.n),
            "runs": runs,
            "sdk_connect_ms": round(connect * 1000, 1),
            "sdk_metagraph_median_ms": ms(sdk_times),
            "agora_metagraph_median_ms": ms(agora_times),
            "ratio": round(statistics.median(sdk_times) / statistics.median(agora_times), 1),
        }
    )
)
