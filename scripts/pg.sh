#!/usr/bin/env bash
# A private PostgreSQL 15 server for tests and benchmarks: its own data directory, loopback only,
# trust authentication for the superuser "xn". Nothing of the machine's own clusters is touched.
#
#   scripts/pg.sh start DIR [PORT]   initialise DIR if new, start, print the server's URL
#   scripts/pg.sh stop DIR           stop (fast shutdown)
#   scripts/pg.sh createdb URL NAME  create database NAME, print its URL
#
# As root, the server runs as the "postgres" user (PostgreSQL refuses to run as root).
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$bindir" ]]; then
  echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cmd=${1:-}
case "$cmd" in
  start)
    dir=$2
    port=${3:-55432}
    if [[ ! -f "$dir/PG_VERSION" ]]; then
      mkdir -p "$dir"
      [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
      as_owner "$bindir/initdb" -D "$dir" -U xn --auth=trust --encoding=UTF8 --locale=C \
        >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    as_owner "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' \
          -c max_connections=300 -c fsync=on -c synchronous_commit=on" start >/dev/null
    echo "postgresql://xn@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir=$2
    as_owner "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    ;;
  createdb)
    url=$2
    name=$3
    psql "$url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$name\"" >/dev/null
    echo "${url%/*}/$name"
    ;;
  *)
    echo "usage: scripts/pg.sh start DIR [PORT] | stop DIR | createdb URL NAME" >&2
    exit 2
    ;;
esac
