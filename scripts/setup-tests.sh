#!/usr/bin/env bash
# Installs what the tests need: the locked Python packages, Debian's Chromium for the browser tests (Playwright
# drives the system browser; no test ever downloads one), LibreOffice Impress, which proves the deck opens, and a
# headless Java runtime for the Spark test.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
updated=""
apt_install() {
  [ -n "$updated" ] || { $SUDO apt-get update -qq; updated=1; }
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
command -v chromium >/dev/null 2>&1 || apt_install chromium
# The Spark test needs a Java runtime ≥ 17 (PySpark 4): a headless one when there is none, or an older one.
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
[ "${java_major:-0}" -ge 17 ] 2>/dev/null || apt_install --no-install-recommends openjdk-17-jre-headless
command -v soffice >/dev/null 2>&1 || apt_install --no-install-recommends libreoffice-impress-nogui
# Exact, hash-checked versions (requirements-dev.lock, made from requirements-dev.txt: see the README).
python -m pip install -q --require-hashes -r requirements-dev.lock
