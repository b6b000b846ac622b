#!/usr/bin/env bash
# Sets up a fresh machine: the Debian packages the build (and, with "test", the tests) need, then
# .venv from the hash-locked requirements.txt. Safe to run again: it installs only what is missing.
set -euo pipefail
profile="${1:-build}"
cd "$(dirname "$0")/../.."

# Profiles: build (make site/serve), preview (+ nginx), test (+ a browser, PDF/QR tools, nginx, Java and
# the Nu HTML Checker, wrk), bench (the same as test).
case "$profile" in
  build|preview|test|bench) ;;
  *) echo "setup: unknown profile '$profile'. Fix: bash scripts/tools/setup.sh build|preview|test|bench" >&2; exit 2 ;;
esac

# Debian packages: Pango for WeasyPrint, fonts that PDFs embed; for tests a browser and PDF/QR tools.
packages=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-core)
if [ "$profile" != "build" ]; then
  packages+=(nginx)                             # make preview, tests/test_hosting.py
fi
if [ "$profile" = "test" ] || [ "$profile" = "bench" ]; then
  packages+=(chromium poppler-utils zbar-tools openssl wrk)   # openssl: a throw-away certificate for nginx -t;
                                                                # wrk: the smoke bench (tests/test_bench.py)
  command -v java >/dev/null || packages+=(default-jre-headless)   # runs the Nu HTML Checker
  command -v npm >/dev/null || packages+=(npm)                      # installs it (vnu-jar)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Any installed nginx will do (nginx, nginx-light, a build of its own).
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
  missing=("${missing[@]/#nginx}")
  read -r -a missing <<< "${missing[*]:-}"
fi
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

# The Nu HTML Checker (tests/test_hosting.py), pinned, into the git-ignored .cache/vnu.
VNU_VERSION=26.9.27
if [ "$profile" = "test" ] || [ "$profile" = "bench" ]; then
  vnu=.cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar
  if [ ! -f "$vnu" ] || [ "$(cat .cache/vnu/.version 2>/dev/null)" != "$VNU_VERSION" ]; then
    echo "setup: installing vnu-jar@$VNU_VERSION into .cache/vnu"
    mkdir -p .cache/vnu
    npm install --prefix .cache/vnu --no-audit --no-fund --loglevel=error "vnu-jar@$VNU_VERSION" >/dev/null
    echo "$VNU_VERSION" > .cache/vnu/.version
  fi
fi
