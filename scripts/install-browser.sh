#!/usr/bin/env bash
# Install what the checkout's browser tests need from Debian: Chromium's headless shell
# (Playwright drives the system browser; `playwright install` cannot download one here) and
# zbar (pyzbar decodes the QR codes), and poppler's pdftoppm (a receipt printed to PDF is
# turned into a PNG to be read). The headless shell is the build Playwright itself runs
# headless tests on: the same Blink and V8 without the desktop browser's UI, a third of the
# CPU per page here. Idempotent: installs only what is missing, so repeated runs are fast.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium-headless-shell ] || missing+=(chromium-headless-shell)
# Not `ldconfig -p | grep -q`: grep stops at the first match, ldconfig then dies of SIGPIPE,
# and pipefail would report zbar missing.
[[ $(ldconfig -p) == *libzbar.so.0* ]] || missing+=(libzbar0)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
