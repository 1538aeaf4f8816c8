#!/usr/bin/env bash
# Cases benchmark: whole case lives over HTTP, every action durably committed, beside the npm
# bpmn-engine driving the same flow in memory.
#   - xiaoneng: serve --demo --threads 64 on a fresh database (SQLite WAL, synchronous=FULL,
#     group commit); bench/cases_http.mjs runs 64 keep-alive connections for XN_BENCH_SECONDS
#     (15 s), each looping submit, accept, complete review, complete approve, conclude (grant),
#     deliver of matter 350582-SCJG-001 as the users who may act (6 durable actions a case).
#   - the peer: bench/cases_peer/run.mjs, bpmn-engine in one Node.js process, 64 instances in
#     flight, each user task signalled the moment it waits, nothing durable.
# Prints actions/s, completed cases/s, p50/p99 action latency and errors, then the peer's
# completed instances/s and the ratio. Target (issue 3): at least 20x the peer's completed
# cases per second, with every action durable and no errors.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${XN_BENCH_SECONDS:-15}
bin=${XN_BIN:-build/xiaoneng}
command -v node >/dev/null || { echo "node is missing (Node.js 20)" >&2; exit 1; }
[[ -d bench/cases_peer/node_modules ]] || (cd bench/cases_peer && npm ci --no-audit --no-fund >/dev/null)

dir=$(mktemp -d)
cleanup() { kill "${srv:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

"$bin" serve --db "$dir/bench.db" --port 0 --demo --threads 64 ${XN_SERVE_ARGS:-} \
  >"$dir/server.log" 2>&1 &
srv=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/server.log" && break; sleep 0.1; done
url=$(grep -oE "http://[0-9.]+:[0-9]+" "$dir/server.log" | tail -1)
[[ -n $url ]] || { echo "server did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }

echo "64 connections, ${duration} s, loopback, $(nproc) cores"
node bench/cases_http.mjs "$url" "$duration" 64 >"$dir/ours.txt"
grep -v '^completed_per_second' "$dir/ours.txt"
kill "$srv"; wait "$srv" 2>/dev/null || true; srv=
(cd bench/cases_peer && node run.mjs "$duration" 64) >"$dir/peer.txt"
grep -v '^completed_per_second' "$dir/peer.txt"

ours=$(awk '/^completed_per_second/ {print $2}' "$dir/ours.txt")
errors=$(awk '/^completed_per_second/ {print $4}' "$dir/ours.txt")
peer=$(awk '/^completed_per_second/ {print $2}' "$dir/peer.txt")
printf "%-52s %10s cases/s\n" "xiaoneng (6 durable actions over HTTP)" "$ours"
printf "%-52s %10s instances/s\n" "peer: bpmn-engine in memory, nothing durable" "$peer"
printf "ratio completed cases/s : bpmn-engine = %.1fx (target >= 20x), errors %s (must be 0)\n" \
  "$(echo "$ours / $peer" | bc -l)" "$errors"
[[ $errors == 0 ]]
