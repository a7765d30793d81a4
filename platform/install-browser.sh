#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright's own download cannot reach its CDN here).
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium is missing: install Debian's chromium package (sudo apt-get install chromium)." >&2
  exit 1
fi
