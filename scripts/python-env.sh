#!/usr/bin/env bash
# Makes (once) a Python virtual environment holding PACKAGES and prints the path of its python.
#   scripts/python-env.sh DIR IMPORT PACKAGE...
# DIR is reused while `python -c "import IMPORT"` works there. Safe to run concurrently (tests do):
# one caller builds the environment in a temporary directory under a lock and renames it into
# place; the others wait for it.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$1
IMPORT=$2
shift 2
ready() { [ -x "$DIR/bin/python" ] && READ_ONLY=1 "$DIR/bin/python" -c "import $IMPORT" 2> /dev/null; }
if ! command -v python3 > /dev/null; then
  echo "python3 (3.10 or newer, with venv) is needed for the interoperability tests" >&2
  exit 1
fi
if ! ready; then
  mkdir -p "$(dirname "$DIR")"
  lock="$DIR.lock"
  waited=0
  # A lock older than 15 minutes belongs to a run that was killed.
  while ! mkdir "$lock" 2> /dev/null; do
    if [ -n "$(find "$lock" -maxdepth 0 -mmin +15 2> /dev/null)" ]; then rm -rf "$lock"; continue; fi
    sleep 1
    waited=$((waited + 1))
    [ "$waited" -lt 900 ] || { echo "timed out waiting for $lock" >&2; exit 1; }
  done
  trap 'rm -rf "$lock" "$DIR.tmp.$$"' EXIT
  if ! ready; then
    rm -rf "$DIR" "$DIR.tmp.$$"
    python3 -m venv "$DIR.tmp.$$" >&2
    "$DIR.tmp.$$/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2
    mv "$DIR.tmp.$$" "$DIR"
  fi
fi
echo "$(cd "$DIR" && pwd)/bin/python"
