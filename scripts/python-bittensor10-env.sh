#!/usr/bin/env bash
# Creates (once) a Python virtual environment with the SDK existing subnets run (`bittensor` 10.5.0 from the
# package registry) on the stack btcli uses, `async-substrate-interface` 2.2.1 + `cyscale` 0.5.0 (module name
# `scalecodec`; spec: substrate-compat §15), for the Substrate-compat endpoint tests, and prints the path of its python.
# Kept apart from target/pybt (10.2.0 + ASI 1.x + scalecodec), which the older interoperability tests use.
# Usage: scripts/python-bittensor10-env.sh [DIR]   (default: target/pybt10)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/python-env.sh "${1:-target/pybt10}" bittensor \
  "bittensor==10.5.0" "async-substrate-interface==2.2.1" "cyscale==0.5.0"
