#!/usr/bin/env bash
# pg.sh - a private PostgreSQL 15 server on loopback for tests and benchmarks: Debian's
# binaries (/usr/lib/postgresql/15/bin), a data directory of its own made with initdb,
# a free port chosen now; no system service is touched.
#   scripts/pg.sh start DIR     starts it (made on first use); prints a connection string
#   scripts/pg.sh stop DIR      stops it (fast shutdown)
#   scripts/pg.sh restart DIR   stops and starts it on the same port
#   scripts/pg.sh url DIR       prints the connection string of a running server
# Authentication is "trust" on 127.0.0.1 only: a throwaway server for one user's tests;
# its superuser is "gcert". PostgreSQL refuses to run as root: as root, the server runs
# as Debian's "postgres" user (made by the package), which then owns DIR (DIR's parent
# must let it in, as /tmp does).
set -euo pipefail
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}; dir=${2:-}
[[ -n $cmd && -n $dir ]] || { echo "usage: pg.sh start|stop|restart|url DIR" >&2; exit 2; }
[[ -x $BIN/initdb ]] || { echo "pg.sh: $BIN/initdb missing (apt-get install postgresql-15)" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data=$dir/data
AS=()
if (( EUID == 0 )); then
  AS=(runuser -u postgres --)
  chown postgres: "$dir"
  chmod 700 "$dir"
fi

FREE_PORT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/free-port.py
free_port() { python3 "$FREE_PORT"; }

url() { echo "postgresql://gcert@127.0.0.1:$(cat "$dir/port")/postgres"; }

start() {
  if [[ ! -f $data/PG_VERSION ]]; then
    "${AS[@]}" "$BIN/initdb" -D "$data" -U gcert --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null 2>"$dir/initdb.err" ||
      { cat "$dir/initdb.err" >&2; exit 1; }
  fi
  [[ -f $dir/port ]] || free_port | "${AS[@]}" tee "$dir/port" >/dev/null
  # sockets in DIR, not /var/run/postgresql; fsync stays on: the fault tests count on it
  "${AS[@]}" "$BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $(cat "$dir/port") -c unix_socket_directories='$dir' -c max_connections=300 -c shared_buffers=64MB" \
    start >/dev/null ||
    { tail -20 "$dir/server.log" >&2; exit 1; }
  url
}

stop() {
  [[ -f $data/postmaster.pid ]] || return 0
  "${AS[@]}" "$BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
}

case $cmd in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  url) url ;;
  *) echo "pg.sh: unknown command $cmd" >&2; exit 2 ;;
esac
