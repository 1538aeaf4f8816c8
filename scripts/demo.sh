#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: installs what is missing, builds, and serves the
# demo city at http://localhost:8080 on an embedded SQLite file, printing the demo logins.
# Environment: XN_DB (default ./xiaoneng-demo.db), XN_BIND (127.0.0.1), XN_PORT (8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/xiaoneng serve --db "${XN_DB:-xiaoneng-demo.db}" --bind "${XN_BIND:-127.0.0.1}" \
  --port "${XN_PORT:-8080}" --demo
