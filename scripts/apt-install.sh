#!/usr/bin/env bash
# Installs Debian packages the test suite or the benchmark needs (chromium, postgresql, wrk):
# non-interactive, as root, or through sudo when it needs no password.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "Installing $* needs root. Run: sudo apt-get install $*" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "No apt-get here: install $* with this system's package manager." >&2
  exit 1
fi

echo "Installing Debian packages: $*" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq "$@" >/dev/null
