#!/usr/bin/env bash
# Regenerate the Python client (clients/python) from the gateway's OpenAPI document.
# `bash scripts/generate-client.sh [OUTPUT]` writes elsewhere (the up-to-date test does).
# Formatting is done by the pinned ruff, so the same schema always gives the same files.
set -euo pipefail
cd "$(dirname "$0")/.."
output=${1:-clients/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The schema depends on the code only; these just let the settings load.
SECRET_KEY=${SECRET_KEY:-client-generation} \
EMAIL_BACKEND=${EMAIL_BACKEND:-django.core.mail.backends.dummy.EmailBackend} \
  .venv/bin/python manage.py spectacular \
  --validate --fail-on-warn --format openapi-json --file "$work/openapi.json"
PATH="$PWD/.venv/bin:$PATH" .venv/bin/openapi-python-client generate --path "$work/openapi.json" \
  --config clients/openapi-python-client.yaml --meta setup --output-path "$work/client" \
  --custom-template-path clients/templates --fail-on-warning >/dev/null
# The one hand-written module, kept from the committed client: the callback signature check,
# exported by the package's __init__ (clients/templates/package_init.py.jinja).
cp clients/python/cryptogate_client/signature.py "$work/client/cryptogate_client/"
rm -rf "$work/client/.ruff_cache"
rm -rf "$output" && mkdir -p "$(dirname "$output")" && mv "$work/client" "$output"
cp "$work/openapi.json" "$output/openapi.json"
