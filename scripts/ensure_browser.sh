#!/usr/bin/env bash
# The end-to-end tests drive Debian's Chromium (Playwright cannot download browsers here) and inject
# axe-core into it to measure accessibility: install Chromium when missing and possible (root with
# apt-get), and axe-core at the version pinned in tests/e2e/axe/package-lock.json from the npm registry
# into E2E_AXE_DIR (default ~/.cache/credit-e2e-axe), where tests/e2e/conftest.py reads it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

install_debian() {  # install Debian packages when root, else say what to install
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "$1: installing Debian's package(s) $*"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "$1: not found; install Debian's package(s) $* for the end-to-end tests" >&2
    exit 1
  fi
}

if command -v chromium >/dev/null; then
  echo "chromium: $(chromium --version 2>/dev/null | head -n1)"
else
  install_debian chromium
fi

command -v npm >/dev/null || install_debian npm
axe_dir="${E2E_AXE_DIR:-$HOME/.cache/credit-e2e-axe}"
lock="$root/tests/e2e/axe/package-lock.json"
if cmp -s "$lock" "$axe_dir/package-lock.json" && [ -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
  echo "axe-core: $(node -p "require('$axe_dir/node_modules/axe-core/package.json').version") in $axe_dir"
else
  echo "axe-core: installing the pinned version into $axe_dir"
  mkdir -p "$axe_dir"
  cp "$root/tests/e2e/axe/package.json" "$lock" "$axe_dir/"
  npm ci --prefix "$axe_dir" --no-audit --no-fund --silent
fi
