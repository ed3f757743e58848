#!/usr/bin/env bash
# Side by side on this machine: llama.cpp, built from the source the `llama-cpp-sys-2` crate ships
# (pinned below), and `agora models bench`, on the same SmolLM2 Q8_0 file, with 1 and 2 threads.
# Prints both sets of figures and Agora's as ratios of llama.cpp's.
#
#   scripts/llama-bench.sh            # builds what is missing under target/llama-bench (minutes)
#
# Outside the workspace build and outside CI: it needs cmake and a C++ compiler (installed with
# apt-get when missing and this runs as root). ggml's AMX / repacked "extra buffer types" crashed
# on this VM's CPU for this model, so the driver turns them off (`use_extra_bufts = false`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${LLAMA_BENCH_DIR:-$ROOT/target/llama-bench}
CRATE_VERSION=0.1.161
THREADS=${THREADS:-"1 2"}
mkdir -p "$WORK"

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "llama-bench: installing $2 with apt-get" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    fi
    command -v "$1" >/dev/null 2>&1 || { echo "llama-bench: $1 is missing: install $2 (apt-get install $2)" >&2; exit 1; }
}
need cmake cmake
need g++ g++

# 1. The crate's llama.cpp source, through cargo (a throwaway package that depends on it).
SRC_FILE="$WORK/source-dir"
if [ ! -s "$SRC_FILE" ] || [ ! -d "$(cat "$SRC_FILE")" ]; then
    mkdir -p "$WORK/fetch/src"
    cat > "$WORK/fetch/Cargo.toml" <<TOML
[package]
name = "llama-bench-fetch"
version = "0.0.0"
edition = "2021"
publish = false
[dependencies]
llama-cpp-sys-2 = "=$CRATE_VERSION"
[workspace]
TOML
    echo 'fn main() {}' > "$WORK/fetch/src/main.rs"
    (cd "$WORK/fetch" && cargo fetch -q)
    (cd "$WORK/fetch" && cargo metadata --format-version 1 -q) | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
pkg = next(p for p in meta["packages"] if p["name"] == "llama-cpp-sys-2")
print(os.path.join(os.path.dirname(pkg["manifest_path"]), "llama.cpp"))' > "$SRC_FILE"
fi
SRC=$(cat "$SRC_FILE")

# 2. libllama and ggml, static, for this CPU; no tools, no OpenMP (threads as the driver asks).
if [ ! -f "$WORK/build/src/libllama.a" ]; then
    cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON \
        -DGGML_OPENMP=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_COMMON=OFF -DLLAMA_OPENSSL=OFF >/dev/null
    cmake --build "$WORK/build" --target llama -j "$(nproc)" >/dev/null
fi
if [ ! -x "$WORK/driver" ] || [ "$ROOT/scripts/llama-bench/driver.cpp" -nt "$WORK/driver" ]; then
    libs=$(find "$WORK/build" -name 'libllama.a' -o -name 'libggml*.a' | sort -r | tr '\n' ' ')
    g++ -O2 -std=c++17 -I"$SRC/include" -I"$SRC/ggml/include" "$ROOT/scripts/llama-bench/driver.cpp" \
        -Wl,--start-group $libs -Wl,--end-group -lpthread -ldl -o "$WORK/driver"
fi

# 3. Agora's side: the CLI (its model crates build optimised in every profile) and the model file.
(cd "$ROOT" && cargo build -q -p agora-cli)
AGORA="$ROOT/target/debug/agora"
MODEL=$("$AGORA" models fetch --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["llm"])')

# 4. Both, thread count by thread count, and the table.
echo "model: $MODEL" >&2
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores" >&2
for t in $THREADS; do
    llama=$("$WORK/driver" "$MODEL" "$t" 2>/dev/null | tail -1)
    agora=$(CANDLE_NUM_THREADS=$t RAYON_NUM_THREADS=$t "$AGORA" models bench --threads "$t" --json | tail -1)
    LLAMA="$llama" AGORA_JSON="$agora" THREADS_NOW="$t" python3 - <<'PY'
import json, os
l, a, t = json.loads(os.environ["LLAMA"]), json.loads(os.environ["AGORA_JSON"]), os.environ["THREADS_NOW"]
rows = [
    ("prefill, 64 tokens (tok/s)", "prefill_tok_s", True),
    ("decode (tok/s)", "decode_tok_s", True),
    ("8 requests decoding together (tok/s)", "batch_decode_tok_s", True),
    ("teacher-forced check, 60 tokens (ms)", "check_ms", False),
    ("chat prompt + 24 tokens (ms)", "generate_one_ms", False),
    ("peak RSS (MB)", "rss_mb", False),
]
print(f"\n{t} thread(s)")
print("| | Agora | llama.cpp | Agora / llama.cpp |")
print("|---|---|---|---|")
for name, key, _ in rows:
    print(f"| {name} | {a[key]:.1f} | {l[key]:.1f} | {a[key] / l[key]:.2f} |")
print(f"| validator: a round of 16 answers (ms) | {a['score_round_ms']:.0f} | | {a['score_round_ms'] / a['generate_one_ms']:.2f} x Agora's chat answer |")
print(f"(chat prompt: Agora {a['generate_one_prompt_tokens']} tokens, llama.cpp {l['generate_one_prompt_tokens']})")
PY
done
