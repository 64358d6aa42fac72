#!/usr/bin/env bash
# One command to set up and pass the whole suite: the Python environment, the real chain
# nodes and the browser the tests drive, then ruff and pytest. DATABASE_URL picks the
# database (SQLite by default; CI points it at PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for installer in scripts/install-nodes.sh scripts/install-browser.sh; do
  [ -f "$installer" ] && bash "$installer"
done
.venv/bin/ruff check .
.venv/bin/lint-imports
exec .venv/bin/pytest "$@"
