#!/usr/bin/env bash
# One command to a running gateway: install, migrate, seed the demo merchant, then run the
# web server and the background worker on the embedded defaults (SQLite, django-q2's ORM
# broker, the sandbox network). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DEBUG=${DEBUG:-1} SANDBOX=${SANDBOX:-1}
PORT=${PORT:-8000}
export PUBLIC_URL=${PUBLIC_URL:-http://127.0.0.1:$PORT}
mkdir -p var
.venv/bin/python manage.py migrate --noinput >var/migrate.log
.venv/bin/python manage.py demo --key-file var/demo-api-key
.venv/bin/python manage.py qcluster >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Worker log: var/worker.log   Web server: $PUBLIC_URL (Ctrl-C to stop)"
.venv/bin/python manage.py runserver "127.0.0.1:$PORT" --noreload
