#!/usr/bin/env bash
# One command to set up and pass the whole suite: the Python environment, the real chain
# nodes and the browser the tests drive, then the static checks (scripts/check.sh) and pytest. DATABASE_URL picks the
# database (SQLite by default; CI points it at PostgreSQL). pytest runs on every core
# (pytest-xdist; `-n 0` among the arguments runs it in one process); the wall time is the
# last line.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
trap 'echo "suite wall time: $((SECONDS - started)) s"' EXIT
bash scripts/setup.sh
for installer in scripts/install-nodes.sh scripts/install-browser.sh; do
  [ -f "$installer" ] && bash "$installer"
done
# Python caches compiled modules and pytest its rewritten test modules in __pycache__: the
# suite starts some fifty Python processes, each of which would otherwise compile them again
# where PYTHONDONTWRITEBYTECODE is set (as on these machines).
export PYTHONDONTWRITEBYTECODE=
bash scripts/check.sh  # lint, formatting, types, migrations, the import contract
.venv/bin/pytest -n auto --dist loadgroup "$@"
