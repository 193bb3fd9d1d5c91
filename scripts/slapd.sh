#!/usr/bin/env bash
# slapd.sh - a private OpenLDAP slapd for the g-Cert repository, on loopback.
#
#   scripts/slapd.sh start DIR PORT [CA_DIR]   start slapd with its data, config and pid in DIR
#   scripts/slapd.sh stop DIR                  stop it (SIGTERM, wait)
#   scripts/slapd.sh status DIR                exit 0 when it runs
#   scripts/slapd.sh start-consumer DIR PORT PROVIDER_URI PWFILE
#                    a second slapd, a read-only copy that follows the one at PROVIDER_URI
#                    (syncrepl refreshAndPersist, bound as the publisher with the password in
#                    PWFILE, retried every second while the provider is away): the
#                    repository's directory at the recovery site (CPS §4.8.1). Nobody binds
#                    to it as the publisher (no rootpw); it answers anonymous reads as the
#                    provider does. The password is in DIR/slapd.conf (mode 0600).
#
# Uses Debian's slapd binary with a configuration of its own (ldap/slapd.conf.in): no
# system service, no /etc/ldap/slapd.d, no global state is touched. The publisher's
# password is CA_DIR/ldap/publisher.pw (mode 0600; made here if absent; DIR/publisher.pw
# without CA_DIR); slapd gets only its salted hash, read through a file, never argv.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SLAPD=${SLAPD:-/usr/sbin/slapd}
cmd=${1:-}; dir=${2:-}

die() { echo "slapd.sh: $*" >&2; exit 1; }
[[ -n "$cmd" && -n "$dir" ]] || die "usage: slapd.sh start DIR PORT [CA_DIR] | start-consumer DIR PORT PROVIDER_URI PWFILE | stop DIR | status DIR"

running() { [[ -f "$dir/slapd.pid" ]] && kill -0 "$(cat "$dir/slapd.pid")" 2>/dev/null; }

start() {
  local port=$1 ca_dir=${2:-} pwfile
  [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number"
  running && die "already running in $dir (pid $(cat "$dir/slapd.pid"))"
  [[ -x "$SLAPD" ]] || die "$SLAPD not found; install Debian's slapd (scripts/deps.sh --test)"
  mkdir -p "$dir/data"
  chmod 700 "$dir"
  if [[ -n "$ca_dir" ]]; then pwfile=$ca_dir/ldap/publisher.pw; else pwfile=$dir/publisher.pw; fi
  if [[ ! -s "$pwfile" ]]; then
    mkdir -p "$(dirname "$pwfile")"
    (umask 077; openssl rand -hex 24 | tr -d '\n' > "$pwfile")
  fi
  chmod 600 "$pwfile"
  local hash
  # the hash of the password as gcert reads it (trailing newline dropped)
  (umask 077; tr -d '\r\n' < "$pwfile" > "$dir/.pw")
  hash=$(slappasswd -T "$dir/.pw" -h '{SSHA}')
  rm -f "$dir/.pw"
  (umask 077; sed -e "s|@DIR@|$dir|g" -e "s|@ROOTPW@|$hash|" "$here/../ldap/slapd.conf.in" > "$dir/slapd.conf")
  launch "$port"
}

# start_consumer PORT PROVIDER_URI PWFILE
start_consumer() {
  local port=$1 provider=$2 pwfile=$3 pw
  [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number"
  [[ "$provider" =~ ^ldap://[^\ \"]+$ ]] || die "PROVIDER_URI must be ldap://HOST:PORT"
  [[ -s "$pwfile" ]] || die "$pwfile: the publisher's password file is missing"
  running && die "already running in $dir (pid $(cat "$dir/slapd.pid"))"
  [[ -x "$SLAPD" ]] || die "$SLAPD not found; install Debian's slapd (scripts/deps.sh --test)"
  mkdir -p "$dir/data"
  chmod 700 "$dir"
  pw=$(tr -d '\r\n' < "$pwfile")
  [[ "$pw" =~ ^[A-Za-z0-9._-]+$ ]] || die "$pwfile: the password must be letters, digits, . _ - (it goes in slapd.conf)"
  # the provider's configuration, without rootpw (no one writes here but replication)
  (umask 077; {
   sed -e "s|@DIR@|$dir|g" -e '/^rootpw/d' "$here/../ldap/slapd.conf.in"
   cat <<CONF

# --- consumer of $provider (scripts/slapd.sh start-consumer) ---
syncrepl        rid=001 provider=$provider type=refreshAndPersist retry="1 +"
                searchbase="o=Hongkong Post,c=HK" scope=sub schemachecking=off
                bindmethod=simple binddn="cn=publisher,o=Hongkong Post,c=HK" credentials=$pw
CONF
  } > "$dir/slapd.conf")
  launch "$port"
}

launch() { # PORT
  local port=$1
  "$SLAPD" -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/" 2>>"$dir/slapd.log" \
    || die "slapd failed to start; see $dir/slapd.log"
  # ready when it answers a root DSE read
  for _ in $(seq 1 100); do
    if ldapsearch -x -LLL -H "ldap://127.0.0.1:$port" -s base -b "" namingContexts >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.05
  done
  die "slapd did not answer on port $port; see $dir/slapd.log"
}

stop() {
  running || return 0
  local pid; pid=$(cat "$dir/slapd.pid")
  kill -TERM "$pid"
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
  die "slapd (pid $pid) did not stop"
}

case "$cmd" in
  start) [[ $# -ge 3 ]] || die "usage: slapd.sh start DIR PORT [CA_DIR]"; dir=$(mkdir -p "$dir" && cd "$dir" && pwd); start "$3" "${4:-}" ;;
  start-consumer) [[ $# -ge 5 ]] || die "usage: slapd.sh start-consumer DIR PORT PROVIDER_URI PWFILE"
    dir=$(mkdir -p "$dir" && cd "$dir" && pwd); start_consumer "$3" "$4" "$5" ;;
  stop) stop ;;
  status) running ;;
  *) die "unknown command $cmd" ;;
esac
