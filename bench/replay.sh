#!/bin/sh
# Replay benchmark (bench/replay_bench.cc): generates XN_REPLAY_EVENTS case events (default
# 10,000,000) in a SQLite file in a temporary directory, replays one event rule over them with
# the full replay semantics, counts the same thing with SQLite's own GROUP BY, prints both times,
# both counts and the ratio (target: within 3x), and deletes the file.
#
#   bench/replay.sh [BUILD_DIR]     (default: build; needs the replay_bench target built)
#   XN_REPLAY_EVENTS=1000000 bench/replay.sh     a quick run
#
# The 10M-event file takes about 3 GB of disk and a couple of minutes to write.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
bench="$build/replay_bench"
if [ ! -x "$bench" ]; then
  echo "replay.sh: $bench not found; build it: cmake --build $build --target replay_bench" >&2
  exit 2
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
echo "$(nproc) cores; events: ${XN_REPLAY_EVENTS:-10000000}"
"$bench" "$dir/replay.db"
