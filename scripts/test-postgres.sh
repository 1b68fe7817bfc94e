#!/usr/bin/env bash
# The suite's second pass: the same tests against a real PostgreSQL server on loopback, through
# DATABASE_URL. The browser tests ran in the first pass (they test pages, not the database), and
# so did the deployment test (it serves its own SQLite file).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=$(mktemp -d "${TMPDIR:-/tmp}/facetcoder-pg.XXXXXX")
trap 'scripts/postgres.sh stop "$dir"' EXIT
url=$(scripts/postgres.sh start "$dir")
echo "PostgreSQL pass: $(PGCONNECT_TIMEOUT=5 psql "$url" -Atc 'show server_version' 2>/dev/null || echo server) on ${url%/*}"
# One worker per core (pytest-xdist), each with its own test database on the server.
DATABASE_URL=$url .venv/bin/python -m pytest -m "not e2e" -p no:playwright -n auto \
  --ignore=tests/test_deploy.py "$@"
