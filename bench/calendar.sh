#!/bin/sh
# Compares AddWorkingDays (bench/calendar_bench.cc) with chinese-days' findWorkday
# (bench/calendar_peer/run.mjs) on the same inputs. Prints one line each and the ratio.
#
#   bench/calendar.sh [BUILD_DIR]     (default: build; needs the calendar_bench target built)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
bench="$build/calendar_bench"
if [ ! -x "$bench" ]; then
  echo "calendar.sh: $bench not found; build it: cmake --build $build --target calendar_bench" >&2
  exit 2
fi
if [ ! -d "$here/calendar_peer/node_modules/chinese-days" ]; then
  (cd "$here/calendar_peer" && npm ci --no-audit --no-fund >/dev/null)
fi

ours=$("$bench" --benchmark_filter='^BM_AddWorkingDays$' --benchmark_min_time=1 \
         --benchmark_format=json 2>/dev/null |
       node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
         const b=JSON.parse(s).benchmarks.find(x=>x.name==="BM_AddWorkingDays");
         console.log(Math.round(b.items_per_second));})')
peer_line=$(cd "$here/calendar_peer" && TZ=Asia/Shanghai node run.mjs 2)
peer=$(echo "$peer_line" | sed 's/.*: \([0-9]*\)\/s/\1/')

echo "xiaoneng add-workdays: ${ours}/s"
echo "$peer_line"
node -e "console.log('ratio: ' + Math.round($ours / $peer) + 'x (target: at least 1000x)')"
