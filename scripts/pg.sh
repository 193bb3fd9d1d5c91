#!/usr/bin/env bash
# pg.sh - a private PostgreSQL 15 server on loopback for tests and benchmarks: Debian's
# binaries (/usr/lib/postgresql/15/bin), a data directory of its own made with initdb,
# a free port chosen now; no system service is touched.
#   scripts/pg.sh start DIR     starts it (made on first use); prints a connection string
#   scripts/pg.sh stop DIR      stops it (fast shutdown)
#   scripts/pg.sh restart DIR   stops and starts it on the same port
#   scripts/pg.sh url DIR       prints the connection string of a running server
#   scripts/pg.sh start-standby DIR
#                               the CPS §4.8.1 recovery site on loopback: a primary (DIR/data)
#                               and a hot standby (DIR/standby, a data directory and port of its
#                               own) fed by physical streaming replication through a replication
#                               slot, the standby named in synchronous_standby_names, so that a
#                               commit the primary acknowledges is flushed on the standby too
#                               (synchronous_commit = on). Prints the primary's URL on line 1 and
#                               the standby's on line 2. Made on first use; later calls start
#                               both again (the standby as a standby while DIR/standby has
#                               standby.signal, i.e. until it is promoted).
#   scripts/pg.sh standby-url DIR   prints the standby's connection string
#   scripts/pg.sh kill DIR      SIGKILL to the primary's postmaster and its processes (a crash
#                               of the primary's machine, for the failover test); the standby stays
#   scripts/pg.sh promote DIR   promotes the standby (pg_ctl promote, waited for); the operator's
#                               one command is `gcert dr promote`, which does it through SQL
# stop and restart act on the primary and, when there is one, the standby (stop: both;
# restart: the primary only, the standby reconnects by itself).
# Authentication is "trust" on 127.0.0.1 only: a throwaway server for one user's tests;
# its superuser is "gcert". PostgreSQL refuses to run as root: as root, the server runs
# as Debian's "postgres" user (made by the package), which then owns DIR (DIR's parent
# must let it in, as /tmp does).
set -euo pipefail
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}; dir=${2:-}
[[ -n $cmd && -n $dir ]] || { echo "usage: pg.sh start|start-standby|stop|restart|url|standby-url|kill|promote DIR" >&2; exit 2; }
[[ -x $BIN/initdb ]] || { echo "pg.sh: $BIN/initdb missing (apt-get install postgresql-15)" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data=$dir/data
sdata=$dir/standby
SLOT=gcert_standby # the standby's application_name and replication slot
AS=()
if (( EUID == 0 )); then
  AS=(runuser -u postgres --)
  chown postgres: "$dir"
  chmod 700 "$dir"
fi

FREE_PORT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/free-port.py
free_port() { python3 "$FREE_PORT"; }

url() { echo "postgresql://gcert@127.0.0.1:$(cat "$dir/port")/postgres"; }
standby_url() { echo "postgresql://gcert@127.0.0.1:$(cat "$dir/standby.port")/postgres"; }

# pg_start DATA PORTFILE LOG: one server, sockets in DIR, not /var/run/postgresql; fsync
# stays on: the fault tests count on it
pg_start() {
  [[ -f $2 ]] || free_port | "${AS[@]}" tee "$2" >/dev/null
  "${AS[@]}" "$BIN/pg_ctl" -D "$1" -l "$3" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $(cat "$2") -c unix_socket_directories='$dir' -c max_connections=300 -c shared_buffers=64MB" \
    start >/dev/null ||
    { tail -20 "$3" >&2; exit 1; }
}

init_primary() {
  if [[ ! -f $data/PG_VERSION ]]; then
    "${AS[@]}" "$BIN/initdb" -D "$data" -U gcert --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null 2>"$dir/initdb.err" ||
      { cat "$dir/initdb.err" >&2; exit 1; }
  fi
}

start() {
  init_primary
  pg_start "$data" "$dir/port" "$dir/server.log"
  url
}

start_standby() {
  local fresh=0
  if [[ ! -f $data/PG_VERSION ]]; then
    init_primary
    fresh=1
  elif [[ ! -f $sdata/PG_VERSION ]]; then
    echo "pg.sh: $data is a server without a standby; start-standby makes both anew in an empty DIR" >&2
    exit 2
  fi
  if (( fresh )); then
    # initdb's pg_hba.conf already lets "replication" in from 127.0.0.1 (trust); the
    # standby is synchronous: the primary's commit waits until the standby has flushed it
    "${AS[@]}" tee -a "$data/postgresql.conf" >/dev/null <<CONF
# pg.sh start-standby: the primary of the CPS §4.8.1 recovery site
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
synchronous_standby_names = '$SLOT'
synchronous_commit = on
CONF
  fi
  pg_start "$data" "$dir/port" "$dir/server.log"
  if (( fresh )); then
    [[ -f $dir/standby.port ]] || free_port | "${AS[@]}" tee "$dir/standby.port" >/dev/null
    "${AS[@]}" "$BIN/pg_basebackup" -h 127.0.0.1 -p "$(cat "$dir/port")" -U gcert -D "$sdata" \
      -X stream -C -S "$SLOT" -R >/dev/null 2>"$dir/basebackup.err" ||
      { cat "$dir/basebackup.err" >&2; exit 1; }
    "${AS[@]}" tee -a "$sdata/postgresql.auto.conf" >/dev/null <<CONF
primary_conninfo = 'host=127.0.0.1 port=$(cat "$dir/port") user=gcert application_name=$SLOT'
primary_slot_name = '$SLOT'
hot_standby_feedback = on
# promoted, it has no standby of its own: its commits must not wait for one
synchronous_standby_names = ''
CONF
  fi
  pg_start "$sdata" "$dir/standby.port" "$dir/standby.log"
  if [[ -f $sdata/standby.signal ]]; then
    # ready when the primary sees its synchronous standby streaming (deadline, no fixed sleep)
    local i
    for ((i = 0; i < 600; i++)); do
      [[ $(psql "$(url)" -qAtX -c "SELECT count(*) FROM pg_stat_replication
            WHERE application_name = '$SLOT' AND state = 'streaming' AND sync_state = 'sync'" 2>/dev/null) == 1 ]] && break
      sleep 0.1
    done
    ((i < 600)) || { echo "pg.sh: the standby did not start streaming" >&2; tail -20 "$dir/standby.log" >&2; exit 1; }
  fi
  url
  standby_url
}

stop_one() { # DATA
  [[ -f $1/postmaster.pid ]] || return 0
  "${AS[@]}" "$BIN/pg_ctl" -D "$1" -m fast -w -t 60 stop >/dev/null
}
stop() {
  stop_one "$data"
  [[ ! -d $sdata ]] || stop_one "$sdata"
}

kill_primary() {
  [[ -f $data/postmaster.pid ]] || { echo "pg.sh: the primary is not running" >&2; exit 1; }
  local pid; pid=$(head -1 "$data/postmaster.pid")
  # the postmaster and every backend (its children): a machine lost at once
  kill -9 "$pid" $(pgrep -P "$pid") 2>/dev/null || true
  local i
  for ((i = 0; i < 600; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  "${AS[@]}" rm -f "$data/postmaster.pid"
}

case $cmd in
  start) start ;;
  start-standby) start_standby ;;
  stop) stop ;;
  restart) stop_one "$data"; init_primary; pg_start "$data" "$dir/port" "$dir/server.log"; url ;;
  url) url ;;
  standby-url) standby_url ;;
  kill) kill_primary ;;
  promote) "${AS[@]}" "$BIN/pg_ctl" -D "$sdata" -w -t 60 promote >/dev/null ;;
  *) echo "pg.sh: unknown command $cmd" >&2; exit 2 ;;
esac
