#!/usr/bin/env bash
# Creates .venv with a Python >= 3.12 and installs requirements.txt into it (again only when
# requirements.txt changed). Used by every Makefile target, so a fresh clone needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp=$venv/.requirements.sha

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; }

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.12 python3.13 python3.14 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
      command -v "$candidate"
      return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in $(pyenv root)/versions/3.1[2-9]*/bin/python3; do
      if [ -x "$candidate" ] && python_ok "$candidate"; then
        echo "$candidate"
        return 0
      fi
    done
  fi
  return 1
}

if [ ! -x "$venv/bin/python" ] || ! python_ok "$venv/bin/python"; then
  if ! python=$(find_python); then
    echo "FacetCoder needs Python 3.12 or newer, and none was found." >&2
    echo "Install one (for example 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
    exit 1
  fi
  echo "Creating $venv with $python ($("$python" --version))"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi

wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$wanted" >"$stamp"
fi
