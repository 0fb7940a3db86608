#!/usr/bin/env bash
# `make run`: set up, load the demo, and start web + worker + beat together (Ctrl-C stops all).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

export DEBUG=${DEBUG:-true}
export PORT=${PORT:-8000}
export SITE_URL=${SITE_URL:-http://localhost:$PORT}
# The demo's systems (the HTTP receiver, local databases) run on this machine: let the
# egress policy (dsr/egress.py) reach loopback, which production refuses.
export DSR_EGRESS_ALLOW=${DSR_EGRESS_ALLOW:-127.0.0.1/32,::1/128}
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
