#!/usr/bin/env bash
# The end-to-end tests drive Debian's Chromium (Playwright cannot download browsers here): install it
# when missing and possible (root with apt-get), otherwise say what to install.
set -euo pipefail
if command -v chromium >/dev/null; then
  echo "chromium: $(chromium --version 2>/dev/null | head -n1)"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "chromium: installing Debian's package"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "chromium: not found; install Debian's 'chromium' package for the end-to-end tests" >&2
  exit 1
fi
