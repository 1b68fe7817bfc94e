#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback, living in a directory of its own: for the test
# suite's PostgreSQL pass and for the benchmark. Debian's postgresql is installed when missing.
#
#   scripts/postgres.sh available        exit 0 when a PostgreSQL server is installed
#   scripts/postgres.sh start DIR [PORT] start one (PORT: a free one), print its DATABASE_URL
#   scripts/postgres.sh stop DIR         stop it and remove DIR
#
# PG_DURABLE=1 keeps fsync on (the benchmark); the tests run without it, for speed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# The server refuses to run as root: root runs it as the "postgres" user of Debian's package.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "${1:-}" in
available)
  [ -n "$(bindir)" ] && [ -x "$(bindir)/initdb" ]
  ;;
start)
  dir=${2:?usage: $0 start DIR [PORT]}
  port=${3:-$(free_port)}
  if ! "$0" available; then "$here/apt-install.sh" postgresql; fi
  bin=$(bindir)
  "$0" stop "$dir" 2>/dev/null || true
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  if ! as_owner test -w "$dir"; then
    echo "The postgres user cannot write to $dir (check the permissions of its parents)." >&2
    exit 1
  fi
  fsync=off
  if [ "${PG_DURABLE:-0}" = 1 ]; then fsync=on; fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=$fsync -c full_page_writes=$fsync -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres facetcoder
  echo "postgres://postgres@127.0.0.1:$port/facetcoder"
  ;;
stop)
  dir=${2:?usage: $0 stop DIR}
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 available | start DIR [PORT] | stop DIR" >&2
  exit 2
  ;;
esac
