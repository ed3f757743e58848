#!/usr/bin/env bash
# Creates (once) a Python virtual environment with the reference wallet library
# (`bittensor-wallet` from the package registry) for the interoperability tests, and prints the
# path of its python. Usage: scripts/python-wallet-env.sh [DIR]   (default: target/pyenv)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-target/pyenv}
if ! command -v python3 > /dev/null; then
  echo "python3 is needed for the wallet interoperability tests (install Python 3.9+)" >&2
  exit 1
fi
if [ ! -x "$DIR/bin/python" ] || ! "$DIR/bin/python" -c "import bittensor_wallet" 2> /dev/null; then
  rm -rf "$DIR"
  python3 -m venv "$DIR" >&2
  "$DIR/bin/pip" install --quiet --disable-pip-version-check "bittensor-wallet==4.1.1" >&2
fi
echo "$(cd "$DIR" && pwd)/bin/python"
