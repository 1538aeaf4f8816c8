#!/usr/bin/env bash
# Builds the server (build/xiaoneng) and the web app (web/dist).
# Usage: scripts/build.sh [--with-tests] [--with-bench]
set -euo pipefail
cd "$(dirname "$0")/.."

tests=OFF
bench=OFF
for a in "$@"; do
  case "$a" in
    --with-tests) tests=ON ;;
    --with-bench) bench=ON ;;
  esac
done

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DXN_BUILD_TESTS=$tests -DXN_BUILD_BENCH=$bench >/dev/null
cmake --build build -j"$(nproc)"

if [[ ! -f web/dist/index.html || web/package-lock.json -nt web/dist/index.html || -n "$(find web/src web/index.html -newer web/dist/index.html 2>/dev/null | head -1)" ]]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build)
fi
