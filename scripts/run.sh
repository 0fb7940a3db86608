#!/usr/bin/env bash
# `make run`: set up, load the demo, and start web + worker + beat together (Ctrl-C stops all).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

export DEBUG=${DEBUG:-true}
export PORT=${PORT:-8000}
export SITE_URL=${SITE_URL:-http://localhost:$PORT}
export PATH="$PWD/.venv/bin:$PATH"
py=.venv/bin/python

$py manage.py compilemessages --ignore=.venv -v0
$py manage.py migrate --no-input -v0
$py manage.py collectstatic --no-input -v0
$py manage.py load_demo

echo
echo "==> DSR Desk at $SITE_URL/  (web, worker and beat; Ctrl-C stops all three)"
echo "    Mail the product sends is written to var/mail/"
echo
exec .venv/bin/honcho start -f Procfile -p "$PORT"
