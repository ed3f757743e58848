#!/usr/bin/env bash
# Makes sure the browser test can run: Debian's `chromium` (installed with apt-get when missing and
# we are root, as in CI) and `playwright-core` (from the npm registry, into DIR, once; it drives the
# system chromium, no browser download). Prints the path of the node_modules directory.
# Usage: scripts/ui-env.sh [DIR]   (default: target/uinode)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-target/uinode}
if ! command -v chromium > /dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium > /dev/null 2>&1 \
      || { apt-get update > /dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium > /dev/null; }
  else
    echo "the browser test needs chromium: apt-get install chromium (as root)" >&2
    exit 1
  fi
fi
command -v node > /dev/null || { echo "the browser test needs node and npm (apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -f "$DIR/node_modules/playwright-core/package.json" ]; then
  mkdir -p "$(dirname "$DIR")"
  lock="$DIR.lock"
  while ! mkdir "$lock" 2> /dev/null; do sleep 1; done
  trap 'rm -rf "$lock" "$DIR.tmp.$$"' EXIT
  if [ ! -f "$DIR/node_modules/playwright-core/package.json" ]; then
    rm -rf "$DIR.tmp.$$" && mkdir -p "$DIR.tmp.$$"
    (cd "$DIR.tmp.$$" && npm init -y > /dev/null && npm install --no-audit --no-fund --silent playwright-core@1 > /dev/null)
    rm -rf "$DIR" && mv "$DIR.tmp.$$" "$DIR"
  fi
fi
echo "$(pwd)/$DIR/node_modules"
