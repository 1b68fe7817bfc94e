#!/usr/bin/env bash
# make serve: FacetCoder with production settings under gunicorn.
#
# DEBUG is off, the secret key comes from DJANGO_SECRET_KEY (required), the database from
# DATABASE_URL (default: the SQLite file). Before serving: migrations, the reference data and
# collectstatic (whitenoise then serves the hashed, compressed files with far-future caching).
# SERVE_MIGRATE=0 skips the migrations and the data: on several app servers, one runs them per
# release and the others only serve.
#
# HOST and PORT (default 127.0.0.1:8000) say where to listen; WEB_CONCURRENCY sets the number of
# worker processes (default: 2 per core + 1). The rest is in scripts/gunicorn.conf.py.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "make serve: $*" >&2; exit 1; }

[ -n "${DJANGO_SECRET_KEY:-}" ] || fail "DJANGO_SECRET_KEY is not set. Production settings take the
secret key from the environment, for example:
  export DJANGO_SECRET_KEY=\"\$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\"
(For development use 'make run' instead.)"
case "${DJANGO_DEBUG:-}" in
"" | 0 | false | no | off) ;;
*) fail "DJANGO_DEBUG=$DJANGO_DEBUG: make serve runs with production settings (DEBUG off). Unset it, or use 'make run'." ;;
esac
unset DJANGO_DEBUG

export HOST=${HOST:-127.0.0.1} PORT=${PORT:-8000}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1}

scripts/setup.sh
py=.venv/bin/python
if [ "${SERVE_MIGRATE:-1}" != 0 ]; then
  $py manage.py migrate --noinput
  $py manage.py load_reference
  if [ -n "${DJANGO_CACHE_LOCATION:-}" ]; then $py manage.py createcachetable; fi
fi
$py manage.py collectstatic --noinput --verbosity 0
echo "Serving FacetCoder (production settings) on http://$HOST:$PORT" >&2
exec .venv/bin/gunicorn --config scripts/gunicorn.conf.py facetsite.wsgi:application
