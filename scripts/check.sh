#!/usr/bin/env bash
# The static checks, the same as CI and the pre-commit hooks run: lint, formatting, types,
# migrations in step with the models, and the import contract. Runs every check and fails
# at the end if any failed, so one run shows all that is wrong.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
failed=()

check() {  # check NAME COMMAND...: run it, remember a failure
  local name=$1
  shift
  echo "== $name"
  "$@" || failed+=("$name")
}

check "ruff check" "$BIN/ruff" check .
check "ruff format" "$BIN/ruff" format --check .
# mypy over the whole tree, at or below its ratchet (mypy-ratchet.txt).
check "mypy" "$BIN/python" scripts/mypy_ratchet.py
# The test suite's settings; an in-memory database, so nothing is written to disk.
check "migrations" env DJANGO_SETTINGS_MODULE=config.settings_test \
  DATABASE_URL="${CHECK_DATABASE_URL:-sqlite://:memory:}" \
  "$BIN/python" manage.py makemigrations --check --dry-run
check "import contract" "$BIN/lint-imports"

if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "all checks passed"
