#!/usr/bin/env bash
# Creates (once) a Python virtual environment with the reference wallet library
# (`bittensor-wallet` from the package registry) for the interoperability tests, and prints the
# path of its python. Usage: scripts/python-wallet-env.sh [DIR]   (default: target/pyenv)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/python-env.sh "${1:-target/pyenv}" bittensor_wallet "bittensor-wallet==4.1.1"
