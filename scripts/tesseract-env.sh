#!/usr/bin/env bash
# Makes sure the OCR subnet's `tesseract` miner can run: Debian's `tesseract-ocr` with English data
# (`tesseract-ocr-eng`), installed with apt-get when missing and we are root, as in CI. Prints the
# program's version line. Nothing in the Rust build needs it; the OCR tests and `agora localnet
# run --subnets text,ocr` with tesseract miners do.
set -euo pipefail
have_english() { command -v tesseract > /dev/null && tesseract --list-langs 2> /dev/null | grep -qx eng; }
if ! have_english; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    lock="${TMPDIR:-/tmp}/agora-tesseract-install.lock"
    while ! mkdir "$lock" 2> /dev/null; do sleep 1; done
    trap 'rmdir "$lock"' EXIT
    if ! have_english; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng > /dev/null 2>&1 \
        || { apt-get update > /dev/null 2>&1 \
          && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng > /dev/null; }
    fi
  fi
  if ! have_english; then
    echo "the OCR subnet's tesseract miner needs Debian's tesseract-ocr with English data: apt-get install tesseract-ocr tesseract-ocr-eng (as root)" >&2
    exit 1
  fi
fi
tesseract --version 2>&1 | head -1
