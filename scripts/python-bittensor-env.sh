#!/usr/bin/env bash
# Creates (once) a Python virtual environment with the reference SDK (`bittensor` 10.2.0 from the
# package registry) for the interoperability tests, and prints the path of its python.
# `async-substrate-interface<2`: 2.x refuses to import next to scalecodec (spec: reference-clients §6.15).
# Usage: scripts/python-bittensor-env.sh [DIR]   (default: target/pybt)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-target/pybt}
if ! command -v python3 > /dev/null; then
  echo "python3 is needed for the SDK interoperability tests (install Python 3.10+)" >&2
  exit 1
fi
if [ ! -x "$DIR/bin/python" ] || ! READ_ONLY=1 "$DIR/bin/python" -c "import bittensor.utils.weight_utils" 2> /dev/null; then
  rm -rf "$DIR"
  python3 -m venv "$DIR" >&2
  "$DIR/bin/pip" install --quiet --disable-pip-version-check "bittensor==10.2.0" "async-substrate-interface<2" >&2
fi
echo "$(cd "$DIR" && pwd)/bin/python"
