#!/usr/bin/env bash
# Debian's Chromium for the browser tests (never a browser download: this
# machine reaches only the npm registry and Debian's packages).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing: run 'sudo apt-get install chromium' (the browser tests need /usr/bin/chromium)." >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
