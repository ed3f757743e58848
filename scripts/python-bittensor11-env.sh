#!/usr/bin/env bash
# Creates (once) a Python virtual environment with the current SDK (`bittensor` 11.3.0 from the package
# registry: a rewrite with namespaces and intents over a Rust codec) for the Substrate-compat endpoint tests,
# and prints the path of its python. Its own environment: 11.x installs a `btcli` command, as bittensor-cli does.
# Usage: scripts/python-bittensor11-env.sh [DIR]   (default: target/pybt11)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/python-env.sh "${1:-target/pybt11}" bittensor "bittensor==11.3.0"
