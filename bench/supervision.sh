#!/usr/bin/env bash
# The supervision engine over XN_CASES open cases (bench/supervision_bench.cc, issue 4): memory of
# the time index per open case, and the delay from a moment to its alert (p50, p99, max) while
# 1,000 case events per second are appended. Target: p99 under one second.
#
#   bench/supervision.sh [--quick] [BUILD_DIR]   (default build; needs supervision_bench built)
#     --quick   XN_CASES=100000 unless set
# Other settings pass through the environment: XN_CASES (1000000), XN_SECONDS (30),
# XN_ALERT_RATE (100), XN_EVENT_RATE (1000), XN_WRITERS (16).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ ${1:-} == --quick ]]; then
  export XN_CASES=${XN_CASES:-100000}
  shift
fi
build=${1:-$here/../build}
bench="$build/supervision_bench"
if [[ ! -x $bench ]]; then
  echo "supervision.sh: $bench not found; build it: cmake --build $build --target supervision_bench" >&2
  exit 2
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bench" "$dir/supervision.db"
