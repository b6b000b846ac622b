#!/usr/bin/env bash
# Sets up a fresh machine: the Debian packages the build (and, with "test", the tests) need, then
# .venv from the hash-locked requirements.txt. Safe to run again: it installs only what is missing.
set -euo pipefail
profile="${1:-build}"
cd "$(dirname "$0")/.."

# Debian packages: Pango for WeasyPrint, fonts that PDFs embed; for tests a browser and PDF/QR tools.
packages=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-core)
if [ "$profile" = "test" ]; then
  packages+=(chromium poppler-utils zbar-tools)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python packages, hash-locked.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages from requirements.txt"
  .venv/bin/python -m pip install -q --upgrade "pip>=24"
  .venv/bin/python -m pip install -q --require-hashes -r requirements.txt
  echo "$want" > "$stamp"
fi
