#!/usr/bin/env bash
# `make test`: set up with the test tools, lint, and run the whole suite.
# Extra arguments go to pytest (e.g. `make test ARGS="-k deadlines"`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev

.venv/bin/ruff check .
.venv/bin/ruff format --check .
# DESIGN.md's layers (pyproject.toml): nothing imports upward, no service imports dsr.tasks.
.venv/bin/lint-imports --no-cache
DEBUG=true .venv/bin/python manage.py compilemessages --ignore=.venv -v0
.venv/bin/python -m pytest "$@"
