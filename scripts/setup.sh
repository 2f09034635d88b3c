#!/usr/bin/env bash
# Create .venv, install webbench with its test tools, and make sure a Chromium and a
# matching chromedriver exist. Used by `make demo` and `make test`; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

say() { printf 'setup: %s\n' "$*"; }

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
      say "python venv support is missing; installing Debian's python3-venv"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$PY" -m venv .venv
    else
      say "python venv support is missing; trying virtualenv from PyPI (user install)"
      "$PY" -m pip install --user -q virtualenv && "$PY" -m virtualenv -q .venv
    fi
  fi
fi
stamp=.venv/.webbench-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing webbench into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -e '.[test]'
  touch "$stamp"
fi

# docker-compose validates docker/*.yml without a Docker daemon (tests/test_sites_docker.py skip without it).
if ! command -v docker-compose >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  say "installing Debian's docker-compose (checks the compose files in docker/)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; } \
    || say "docker-compose could not be installed: the compose-file tests will be skipped"
fi

have_browser() { .venv/bin/python -c 'from webbench.browser.chromium import find_chromium; find_chromium()' 2>/dev/null; }
if have_browser; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  say "installing Debian's chromium and chromium-driver"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
  say "not root: installing Playwright's Chromium into ~/.cache/ms-playwright"
  .venv/bin/python -m pip install -q playwright
  .venv/bin/python -m playwright install chromium
fi
if ! have_browser; then
  .venv/bin/webbench doctor || true
  say "MiniWoB++ drives Chromium through chromedriver: install Debian's 'chromium-driver' (as root)"
  say "or put a chromedriver matching your Chromium on PATH / in WEBBENCH_CHROMEDRIVER"
  exit 1
fi
