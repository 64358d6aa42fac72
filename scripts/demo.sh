#!/usr/bin/env bash
# One command to a running gateway: install, migrate, seed (or reuse) the demo merchant, then
# run the web server, the background worker, the scanner and the callback delivery workers on
# the embedded defaults (SQLite, django-q2's ORM broker, the sandbox network). PORT picks the
# port (8000). Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DEBUG=${DEBUG:-1} SANDBOX=${SANDBOX:-1}
# The demo is for trying things on this machine: callbacks may go to a receiver on 127.0.0.1.
export CALLBACKS_ALLOW_PRIVATE=${CALLBACKS_ALLOW_PRIVATE:-1}
PORT=${PORT:-8000}
export PUBLIC_URL=${PUBLIC_URL:-http://127.0.0.1:$PORT}
mkdir -p var
.venv/bin/python manage.py migrate --noinput >var/migrate.log
.venv/bin/python manage.py demo --key-file var/demo-api-key
.venv/bin/python manage.py qcluster >var/worker.log 2>&1 &
worker=$!
# The scanner watches the sandbox every SCAN_INTERVAL_SECONDS, as the dashboard's lag alert
# expects (the worker's once-a-minute scan is only a safety net).
.venv/bin/python manage.py scan >var/scan.log 2>&1 &
scanner=$!
# Callbacks leave as their changes commit (the worker's once-a-minute pass is the safety net).
.venv/bin/python manage.py deliver >var/deliver.log 2>&1 &
deliverer=$!
trap 'kill $worker $scanner $deliverer 2>/dev/null || true' EXIT INT TERM
echo "Logs: var/worker.log var/scan.log var/deliver.log   Web server: $PUBLIC_URL (Ctrl-C to stop)"
.venv/bin/python manage.py runserver "127.0.0.1:$PORT" --noreload
