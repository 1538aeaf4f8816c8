#!/usr/bin/env bash
# The cases benchmark (bench/cases.sh, issue 3) on each backend, side by side: whole case lives
# over HTTP (submit, accept, review, approve, grant, deliver: 6 durable actions a case), 64
# keep-alive connections, for XN_BENCH_SECONDS (15 s) each, on
#   1. SQLite (WAL, synchronous=FULL), one server process;
#   2. PostgreSQL 15 (synchronous_commit on, fsync on), one server process;
#   3. PostgreSQL 15, two server processes on the same database, 32 connections to each.
# A private PostgreSQL server is started on loopback for the run (scripts/pg.sh) and stopped.
# Prints completed cases/s and errors for each, and the bpmn-engine peer's instances/s.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${XN_BENCH_SECONDS:-15}
bin=${XN_BIN:-build/xiaoneng}
[[ -d bench/cases_peer/node_modules ]] || (cd bench/cases_peer && npm ci --no-audit --no-fund >/dev/null)

dir=$(mktemp -d)
chmod 755 "$dir"
pgdir=/tmp/xn-bench-pg-$$
# Server pids go to a file: serve runs in a command substitution (a subshell).
pidfile=$dir/pids
cleanup() {
  [[ -f $pidfile ]] && xargs -r kill <"$pidfile" 2>/dev/null || true
  wait 2>/dev/null || true
  scripts/pg.sh stop "$pgdir" || true
  rm -rf "$dir" "$pgdir" "$pgdir.initdb.log"
}
trap cleanup EXIT
admin=$(scripts/pg.sh start "$pgdir" $((50000 + RANDOM % 10000)))

serve() {  # db, name [extra args]: starts a server, prints its URL
  local db=$1 name=$2
  shift 2
  "$bin" serve --db "$db" --port 0 --threads 64 "$@" >"$dir/$name.log" 2>&1 &
  echo $! >>"$pidfile"
  for _ in $(seq 300); do grep -q "listening on" "$dir/$name.log" && break; sleep 0.1; done
  grep -oE "http://[0-9.]+:[0-9]+" "$dir/$name.log" | tail -1
}
stop_all() {
  if [[ -f $pidfile ]]; then
    while read -r p; do
      kill "$p" 2>/dev/null || true
      while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
    done <"$pidfile"
    rm -f "$pidfile"
  fi
}
rate() { awk '/^completed_per_second/ {print $2}' "$1"; }
errs() { awk '/^completed_per_second/ {print $4}' "$1"; }

echo "64 connections, ${duration} s each, loopback, $(nproc) cores (servers, PostgreSQL and load share them)"

url=$(serve "$dir/bench.db" sqlite --demo)
node bench/cases_http.mjs "$url" "$duration" 64 >"$dir/sqlite.txt"
stop_all

pg1=$(scripts/pg.sh createdb "$admin" bench_one)
url=$(serve "$pg1" pg1 --demo)
node bench/cases_http.mjs "$url" "$duration" 64 >"$dir/pg1.txt"
stop_all

pg2=$(scripts/pg.sh createdb "$admin" bench_two)
url_a=$(serve "$pg2" pg2a --demo)
url_b=$(serve "$pg2" pg2b)
node bench/cases_http.mjs "$url_a" "$duration" 32 >"$dir/pg2a.txt" &
load_a=$!
node bench/cases_http.mjs "$url_b" "$duration" 32 >"$dir/pg2b.txt"
wait "$load_a"
stop_all

(cd bench/cases_peer && node run.mjs "$duration" 64) >"$dir/peer.txt"

two=$(echo "$(rate "$dir/pg2a.txt") + $(rate "$dir/pg2b.txt")" | bc -l)
two_errors=$(($(errs "$dir/pg2a.txt") + $(errs "$dir/pg2b.txt")))
peer=$(rate "$dir/peer.txt")
row() { printf "%-58s %10.1f cases/s  errors %s  (%.1fx the peer)\n" "$1" "$2" "$3" "$(echo "$2 / $peer" | bc -l)"; }
row "xiaoneng on SQLite, one process" "$(rate "$dir/sqlite.txt")" "$(errs "$dir/sqlite.txt")"
row "xiaoneng on PostgreSQL, one process" "$(rate "$dir/pg1.txt")" "$(errs "$dir/pg1.txt")"
row "xiaoneng on PostgreSQL, two processes (32 + 32 conns)" "$two" "$two_errors"
printf "%-58s %10.1f instances/s (in memory, nothing durable)\n" "peer: bpmn-engine" "$peer"
