#!/usr/bin/env bash
# Creates (once) a Python virtual environment with the official `openai` client (from the package
# registry) for the gateway tests, and prints the path of its python.
# Usage: scripts/python-openai-env.sh [DIR]   (default: target/pyopenai)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/python-env.sh "${1:-target/pyopenai}" openai "openai>=1.50,<3"
