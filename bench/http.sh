#!/usr/bin/env bash
# HTTP benchmark: wrk (2 threads, 64 connections, loopback, 10 s each) against
#   - xiaoneng GET /healthz and the authenticated GET /api/v1/me (bearer token: session lookup,
#     principal, JSON), and
#   - the peer: a minimal Node.js http server answering a fixed body (bench/http_peer).
# Prints requests per second and latency of each, and the ratio of /api/v1/me to the peer.
# Target (issue 2): the authenticated route at least 2x the Node.js trivial server.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${XN_BENCH_SECONDS:-10}
bin=${XN_BIN:-build/xiaoneng}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

dir=$(mktemp -d)
cleanup() { kill "${srv:-}" "${peer:-}" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

"$bin" serve --db "$dir/bench.db" --port 0 --demo ${XN_SERVE_ARGS:-} >"$dir/server.log" 2>&1 &
srv=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/server.log" && break; sleep 0.1; done
url=$(grep -oE "http://[0-9.]+:[0-9]+" "$dir/server.log" | tail -1)
token=$(curl -s -X POST "$url/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"clerk.scjg","password":"Xiaoneng@2026demo"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')

node bench/http_peer/server.mjs 0 >"$dir/peer.log" 2>&1 &
peer=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/peer.log" && break; sleep 0.1; done
peer_url=$(grep -oE "http://[0-9.]+:[0-9]+" "$dir/peer.log" | tail -1)

run() {  # label url [header]
  local out
  if [[ -n "${3:-}" ]]; then
    out=$(wrk -t2 -c64 -d"${duration}s" --latency -H "$3" "$2")
  else
    out=$(wrk -t2 -c64 -d"${duration}s" --latency "$2")
  fi
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
  printf "%-40s %12s req/s   p99 %s %s\n" "$1" "$rps" "$p99" "$errors" >&2
  echo "$rps"
}

echo "wrk -t2 -c64 -d${duration}s on loopback, $(nproc) cores" >&2
health=$(run "xiaoneng GET /healthz" "$url/healthz")
me=$(run "xiaoneng GET /api/v1/me (authenticated)" "$url/api/v1/me" "Authorization: Bearer $token")
peer_rps=$(run "peer: Node.js http trivial server" "$peer_url/")
printf "ratio /api/v1/me : Node.js trivial = %.2fx (target >= 2x)\n" \
  "$(echo "$me / $peer_rps" | bc -l)"
printf "ratio /healthz   : Node.js trivial = %.2fx\n" "$(echo "$health / $peer_rps" | bc -l)"
