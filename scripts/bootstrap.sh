#!/usr/bin/env bash
# Set up a fresh clone: the system packages the product needs, a virtualenv in .venv,
# and the pinned Python packages. Safe to run again: it only does what is missing.
#   scripts/bootstrap.sh        runtime only
#   scripts/bootstrap.sh dev    also the test and lint tools
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-runtime}

# Debian packages: gettext compiles the NL/FR catalogues; Chromium runs the browser tests
# (driven by Playwright with executable_path, never a browser downloaded by a test tool).
# Pango, HarfBuzz (with its subsetter) and Fontconfig are what WeasyPrint renders letters
# with; DejaVu is the fallback font for names outside the letter font's Latin subsets.
system_packages=(gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1
  fonts-dejavu-core)
if [ "$mode" = dev ]; then
  # Dovecot is the real IMAP server the e-mail channel's tests read (tests/dsr/mail).
  system_packages+=(chromium dovecot-imapd)
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${system_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them first, then run this again:" >&2
    echo "    sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# Python 3.11, as the stack requires.
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      python=$candidate
      break
    fi
  done
fi
if [ -z "$python" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3.11 python3.11-venv >/dev/null
    python=python3.11
  else
    echo "Python 3.11 is required: sudo apt-get install -y python3.11 python3.11-venv" >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtualenv in .venv"
  "$python" -m venv .venv
fi

requirements=requirements.txt
[ "$mode" = dev ] && requirements=requirements-dev.txt
stamp=.venv/.installed-$(basename "$requirements" .txt)
wanted=$(cat requirements.txt "$requirements" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "==> Installing Python packages from $requirements"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$wanted" >"$stamp"
fi
