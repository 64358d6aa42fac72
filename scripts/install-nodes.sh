#!/usr/bin/env bash
# Installs the real chain nodes the backend tests run against, only when missing:
# litecoind (Debian package; Bitcoin Core JSON-RPC) and anvil (npm, into the ignored var/).
# Prints the binary paths. Safe to run again: a second run does nothing.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
litecoind=/usr/lib/litecoin/litecoind
anvil="$repo/var/node/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

if [ ! -x "$litecoind" ]; then
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine has no package lists: refresh them once, only when needed.
    if ! apt-cache show litecoind >/dev/null 2>&1; then
        apt-get update -qq
    fi
    # Lists that know the package but are stale give 404s: refresh and retry once.
    apt-get install -y -qq litecoind >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq litecoind >/dev/null; }
fi

if [ ! -x "$anvil" ]; then
    mkdir -p "$repo/var/node"
    npm install --silent --no-audit --no-fund --prefix "$repo/var/node" @foundry-rs/anvil@1.7.1 >/dev/null
fi

echo "litecoind: $litecoind"
echo "anvil: $anvil"
