#!/usr/bin/env bash
# Create the virtualenv and install the gateway with its pinned dependencies (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/pip install --quiet -e ".[dev]" 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import django, rest_framework, django_q, bip_utils" # fail loudly
  rm -f .venv/.installed-* && touch "$stamp"
fi
