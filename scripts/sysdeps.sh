#!/usr/bin/env bash
# Install the Debian packages the portal needs, or say exactly which are missing.
#   scripts/sysdeps.sh run    packages for serving the portal (CJK fonts, PDF text shaping, gettext,
#                             pg_dump/pg_restore for `make backup` and `make restore` on PostgreSQL)
#   scripts/sysdeps.sh test   the same plus what the test suite needs (Chromium, poppler-utils,
#                             zbar-tools to read the posters' QR codes back)
set -euo pipefail
want=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext postgresql-client)
if [ "${1:-run}" = "test" ]; then
  want+=(chromium poppler-utils docker-compose zbar-tools)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
