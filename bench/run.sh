#!/usr/bin/env bash
# Builds the benchmarks and runs each, printing every figure beside its peer's.
#   bench/run.sh            all
#   bench/run.sh calendar   one of: calendar, http, cases, memory, store
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DXN_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target xiaoneng calendar_bench store_bench >/dev/null
what=${1:-all}
if [[ $what == all || $what == calendar ]]; then
  echo "== calendar: add-workdays per second, beside chinese-days findWorkday =="
  bench/calendar.sh build
fi
if [[ $what == all || $what == http ]]; then
  echo "== http: wrk against /healthz and /api/v1/me, beside a trivial Node.js server =="
  bench/http.sh
fi
if [[ $what == all || $what == cases ]]; then echo "== cases: case lives over HTTP, durable, beside bpmn-engine =="; bench/cases.sh; fi
if [[ $what == all || $what == memory ]]; then echo "== memory: bytes per open case, beside bpmn-engine =="; bench/case_memory.sh; fi
if [[ $what == all || $what == supervision ]]; then echo "== supervision: time index per open case, delay from a moment to its alert at 1,000 case events/s =="; cmake --build build -j"$(nproc)" --target supervision_bench >/dev/null; bench/supervision.sh build; fi
if [[ $what == all || $what == store ]]; then
  echo "== store: durable writes per second with group commit =="
  build/store_bench --benchmark_min_time=2
fi
