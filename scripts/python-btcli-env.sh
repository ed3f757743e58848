#!/usr/bin/env bash
# Creates (once) a Python virtual environment with btcli (`bittensor-cli` 9.23.2 from the package registry) for
# the Substrate-compat endpoint tests, and prints the path of its python (btcli is `bin/btcli` beside it). Its
# own environment: the 11.x SDK installs a `btcli` command of the same name.
# Usage: scripts/python-btcli-env.sh [DIR]   (default: target/btcli)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/python-env.sh "${1:-target/btcli}" bittensor_cli "bittensor-cli==9.23.2"
