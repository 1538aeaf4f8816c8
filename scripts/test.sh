#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: installs what is missing, builds, and runs every
# test: unit (GoogleTest via CTest), API (a real server over HTTP) on SQLite and again on a real
# PostgreSQL 15 server that this script starts on loopback and stops, the tests that need
# PostgreSQL itself (several processes, copy), browser (Playwright on Debian's Chromium), and
# the calendar against an independent source. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh --test || exit 1
scripts/build.sh --with-tests || exit 1
(cd tests && npm ci --no-audit --no-fund --loglevel=error) || exit 1

passed=0
failed=0
status=0
log=$(mktemp -d)

# A private PostgreSQL server for this run, stopped however the script ends.
pgdir=/tmp/xn-test-pg-$$
pgport=$((50000 + RANDOM % 10000))
pgurl=$(scripts/pg.sh start "$pgdir" "$pgport") || { echo "error: cannot start PostgreSQL" >&2; exit 1; }
trap 'scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir" "$pgdir.initdb.log"' EXIT
echo "PostgreSQL for the tests: $pgurl"

echo "== unit tests (the store's on SQLite and on PostgreSQL) =="
XN_TEST_POSTGRES=$pgurl ctest --test-dir build --output-on-failure -j"$(nproc)" 2>&1 | tee "$log/unit.txt"
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
line=$(grep -E "tests passed, [0-9]+ tests failed out of" "$log/unit.txt" | tail -1)
total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
nfail=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
passed=$((passed + ${total:-0} - ${nfail:-0}))
failed=$((failed + ${nfail:-0}))

run_node() {  # name, files...
  local name=$1
  shift
  echo "== $name =="
  node --test --test-concurrency=1 --test-reporter=spec "$@" 2>&1 | tee "$log/$name.txt"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
  local p f
  p=$(grep -E "^(ℹ|#) pass [0-9]+$" "$log/$name.txt" | tail -1 | grep -oE "[0-9]+$")
  f=$(grep -E "^(ℹ|#) fail [0-9]+$" "$log/$name.txt" | tail -1 | grep -oE "[0-9]+$")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
}

export XN_BIN="$root/build/xiaoneng"
run_node api-sqlite tests/api/*.test.mjs
export XN_TEST_POSTGRES=$pgurl
run_node api-postgresql tests/api/*.test.mjs tests/postgres/*.test.mjs
unset XN_TEST_POSTGRES
run_node e2e tests/e2e/*.test.mjs

echo "== calendar against an independent source (chinese-days) =="
if (cd tests/calendar && npm ci --no-audit --no-fund --loglevel=error) &&
   (cd tests/calendar && TZ=Asia/Shanghai node compare_chinese_days.mjs "$XN_BIN"); then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  status=1
fi

rm -rf "$log"
echo
echo "${passed} passed, ${failed} failed"
if [[ $status -ne 0 || $failed -ne 0 ]]; then exit 1; fi
