#!/usr/bin/env bash
# Installs what the tests need: the Python packages, Debian's Chromium for the browser tests (Playwright drives
# the system browser; no test ever downloads one) and LibreOffice Impress, which proves the deck opens.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
updated=""
apt_install() {
  [ -n "$updated" ] || { $SUDO apt-get update -qq; updated=1; }
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
command -v chromium >/dev/null 2>&1 || apt_install chromium
command -v soffice >/dev/null 2>&1 || apt_install --no-install-recommends libreoffice-impress-nogui
python -m pip install -q -r requirements-dev.txt
