#!/usr/bin/env bash
# Every test, on a fresh machine as on a developer's: installs the real components the tests run
# against when they are missing (Debian's `prometheus` for promtool and the Prometheus server,
# `chromium` for the GraphiQL browser test), then the npm packages, then lint, typecheck and the
# whole suite. CI (.ci/run) runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "scripts/test.sh: ${missing[*]} missing; install them (apt-get install -y ${missing[*]}) or run this as root" >&2
    exit 1
  fi
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund
npm test
