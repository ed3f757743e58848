#!/usr/bin/env bash
# Creates (once) a Python virtual environment with the reference SDK (`bittensor` 10.2.0 from the
# package registry) for the interoperability tests, and prints the path of its python.
# `async-substrate-interface<2`: 2.x refuses to import next to scalecodec (spec: reference-clients §6.15).
# Usage: scripts/python-bittensor-env.sh [DIR]   (default: target/pybt)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/python-env.sh "${1:-target/pybt}" bittensor.utils.weight_utils \
  "bittensor==10.2.0" "async-substrate-interface<2"
