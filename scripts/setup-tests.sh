#!/usr/bin/env bash
# Installs what the tests need: the Python packages, and Debian's Chromium for the browser tests
# (Playwright drives the system browser; no test ever downloads one).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
python -m pip install -q -r requirements-dev.txt
