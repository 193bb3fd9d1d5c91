#!/usr/bin/env bash
# bench/ra_load.sh - the RA under load with the CA up and with the CA's interface endpoint
# down (issue 15, "no global lock"): 20 concurrent sessions browse and apply (bench/
# ra_load.py) while a business manager approves their applications one after another.
# With the CA down each approval waits on the CA (a gate in front of the interface
# endpoint holds the connection, tests/integration/ca_gate.py) for link.json's connect
# timeout; the sessions' calls must not wait with it. Prints the p50/p99 of the sessions'
# calls in both runs, beside each other, and the machine's load.
#   bench/ra_load.sh [SECONDS] [SESSIONS] [BUILD_DIR]
set -euo pipefail
SECS=${1:-30}
N=${2:-20}
B=$(cd "${3:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
GCERT=$B/gcert
T=$(mktemp -d /tmp/gcert-bench-ra.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
wait_for() { local i; for ((i = 0; i < $1 * 10; i++)); do grep -q "$2" "$3" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
port() { python3 "$SRC/scripts/free-port.py"; }

"$GCERT" ca init --dir "$T/ca" >/dev/null
"$GCERT" ca service-cert --dir "$T/ca" --out "$T/ca-service.pem"
"$GCERT" ca service-cert --dir "$T/ca" --tls --out "$T/ca-tls.pem"
"$GCERT" ca certs --dir "$T/ca" --out-dir "$T/trust" >/dev/null
"$GCERT" crl issue --dir "$T/ca" >/dev/null
"$GCERT" ca serve --dir "$T/ca" --listen 127.0.0.1:0 --ldap none --interface-listen 127.0.0.1:0 >"$T/ca.out" 2>&1 &
PIDS+=($!)
wait_for 120 "interface at" "$T/ca.out" || { cat "$T/ca.out" >&2; exit 1; }
REPO=$(sed -n 's/.*repository at \(http[^ ]*\) .*/\1/p' "$T/ca.out")
IPORT=$(sed -n 's|.*interface at https://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/ca.out")
GPORT=$(port)
echo up >"$T/gate.state"
python3 "$SRC/tests/integration/ca_gate.py" "$GPORT" "$IPORT" "$T/gate.state" "$T/gate.log" &
PIDS+=($!)
wait_for 30 listening "$T/gate.log"

"$GCERT" ra init --dir "$T/ra" --name cmmp --ca-url "https://127.0.0.1:$GPORT/interface" --ca-tls-cert "$T/ca-tls.pem" \
  --ca-service-cert "$T/ca-service.pem" --ca-repo "$REPO" --ca-cert "$T/trust/issuing-ca.pem" >/dev/null
"$GCERT" ca pin --dir "$T/ca" --ra cmmp --cert "$T/ra/ra-service.pem" >/dev/null
# each run has a B/D of its own (its own users and applications), so both start from the
# same state: the lists a session browses are its B/D's
for org in OGCIO CSB; do
  for ((i = 1; i <= N; i++)); do
    printf 'pw-%s-req%d-secret\n' "$org" "$i" >"$T/pw"
    "$GCERT" ra user add --dir "$T/ra" --org "$org" --username "$org-req$i" --name "REQ $i" \
      --email "req$i@example.gov.hk" --password-file "$T/pw" --roles requester >/dev/null
    echo "$org-req$i" >>"$T/users.$org"
  done
  printf 'pw-%s-bm-secret\n' "$org" >"$T/pw"
  "$GCERT" ra user add --dir "$T/ra" --org "$org" --username "$org-bm" --name BM --email bm@example.gov.hk \
    --password-file "$T/pw" --roles business_manager >/dev/null
done
"$GCERT" ra serve --dir "$T/ra" --listen 127.0.0.1:0 >"$T/ra.out" 2>&1 &
PIDS+=($!)
wait_for 60 "RA service at" "$T/ra.out"
RA=$(sed -n 's/.*RA service at \(http[^ ]*\) .*/\1/p' "$T/ra.out")

run() { # run LABEL ORG: one load run; prints its JSON with the label and the load average
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  python3 "$SRC/bench/ra_load.py" "$RA" "$SECS" "$N" "$T/users.$2" "$2-bm" pw- |
    python3 -c 'import json,sys; d=json.load(sys.stdin); d["ca"]=sys.argv[1]; d["load_before"]=sys.argv[2]; d["load_after"]=open("/proc/loadavg").read().split()[:3]; print(json.dumps(d))' "$1" "$load"
}
run up OGCIO | tee "$T/up.json"
echo down >"$T/gate.state"
run down CSB | tee "$T/down.json"
python3 - "$T/up.json" "$T/down.json" <<'PY'
import json, sys
print("\n| CA interface | sessions | calls | failed | p50 | p99 | max | logins p50 / max | approvals (issued) | approval p50 | load before/after |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for f in sys.argv[1:]:
    d = json.load(open(f))
    print("| %s | %d | %d | %d | %.1f ms | %.1f ms | %.1f ms | %.0f / %.0f ms | %d (%d) | %.0f ms | %s / %s |" % (
        d["ca"], d["sessions"], d["calls"], d["failed"], d["p50_ms"], d["p99_ms"], d["max_ms"], d["login_p50_ms"],
        d["login_max_ms"], d["approvals"],
        d["approvals_issued"], d["approval_p50_ms"] or 0, d["load_before"], " ".join(d["load_after"])))
PY
