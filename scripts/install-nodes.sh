#!/usr/bin/env bash
# Installs the real chain nodes the backend tests run against, only when missing:
# litecoind (Debian package; Bitcoin Core JSON-RPC), monerod and monero-wallet-rpc (Debian
# package `monero`) and anvil (npm, into the ignored var/).
# Prints the binary paths. Safe to run again: a second run does nothing.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
litecoind=/usr/lib/litecoin/litecoind
monerod=/usr/bin/monerod
monero_wallet_rpc=/usr/bin/monero-wallet-rpc
anvil="$repo/var/node/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

apt_install() {  # $1: the package
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine has no package lists: refresh them once, only when needed.
    if ! apt-cache show "$1" >/dev/null 2>&1; then
        apt-get update -qq
    fi
    # Lists that know the package but are stale give 404s: refresh and retry once.
    apt-get install -y -qq "$1" >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq "$1" >/dev/null; }
}

[ -x "$litecoind" ] || apt_install litecoind
[ -x "$monerod" ] && [ -x "$monero_wallet_rpc" ] || apt_install monero

if [ ! -x "$anvil" ]; then
    mkdir -p "$repo/var/node"
    npm install --silent --no-audit --no-fund --prefix "$repo/var/node" @foundry-rs/anvil@1.7.1 >/dev/null
fi

echo "litecoind: $litecoind"
echo "monerod: $monerod"
echo "monero-wallet-rpc: $monero_wallet_rpc"
echo "anvil: $anvil"
