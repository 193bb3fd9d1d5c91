#!/usr/bin/env bash
# crl_service.sh - the CRL scheduler as a worker of `gcert ca serve --crl-schedule`
# (CPS App. C): catches up at start, publishes into the repository the HTTP server serves,
# does nothing more until the next slot, catches up a slot missed while it was down, and
# stops cleanly.
source "$GCERT_SRC/tests/integration/lib.sh"
source "$GCERT_SRC/tests/integration/common.sh"

PID=
# a failing check must not leave the service running
trap '{ [[ -z "$PID" ]] || kill -TERM "$PID" 2>/dev/null; } || true; rm -rf "$T"' EXIT
CA=$T/ca
new_ca "$CA"
issue_cert "$CA" alice; A=$SERIAL
check "revoke alice" "$GCERT" revoke --dir "$CA" --serial "$A" --reason 3

serve() { # [faketime offset]: starts the service, waits for its port; sets PID PORT
  rm -f "$T/serve.out"
  if [[ -n "${1:-}" ]]; then
    # libfaketime preloaded into gcert itself (not the faketime wrapper, which would take
    # the SIGTERM meant for the service); the multi-threaded variant, as the service is
    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 FAKETIME="$1" \
      "$GCERT" ca serve --dir "$CA" --listen 127.0.0.1:0 --ldap none --crl-schedule >"$T/serve.out" 2>&1 &
  else
    "$GCERT" ca serve --dir "$CA" --listen 127.0.0.1:0 --ldap none --crl-schedule >"$T/serve.out" 2>&1 &
  fi
  PID=$!
  for _ in $(seq 100); do grep -q "serving" "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
  PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve.out" | head -1)
}
stop() { kill -TERM "$PID"; local rc=0; wait "$PID" || rc=$?; PID=; check_eq "service stops cleanly" 0 "$rc"; }
wait_crls() { # N: until the archive holds N CRLs (the worker runs beside the HTTP server)
  for _ in $(seq 100); do (( $(sql "$CA" "SELECT count(*) FROM crls") >= $1 )) && return 0; sleep 0.1; done
  return 1
}

serve
check_contains "announces the schedule" "CRLs at 01:15,06:15,11:00 UTC" "$(cat "$T/serve.out")"
wait_crls 5 && pass || fail "no CRLs issued at start (none scheduled before: due at once)"
check_eq "full and partition scheduled (the key ceremony's ARL is not a year old)" "full partition" \
  "$(sql "$CA" "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM crls WHERE cause = 'scheduled' ORDER BY kind) AS t")"
curl -sf "http://127.0.0.1:$PORT/crl/eCertCA2-17CRL2.crl" -o "$T/served.crl" && pass || fail "repository does not serve the CRL"
cmp -s "$T/served.crl" "$CA/repo/crl/eCertCA2-17CRL2.crl" && pass || fail "served CRL differs from the published one"
out=$(openssl crl -inform DER -in "$T/served.crl" -noout -text)
check_contains "the served CRL lists alice" "$(tr a-f A-F <<<"$A")" "$out"
sleep 1
check_eq "nothing more before the next slot" "5" "$(sql "$CA" "SELECT count(*) FROM crls")"
stop
check_eq "start and stop audited" "1 1" "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event = 'ca.service_started'; SELECT count(*) FROM audit_log WHERE event = 'ca.service_stopped'" | xargs)"

# down over a slot: a day later the slot missed is caught up at once on start
serve "+1d"
wait_crls 7 && pass || fail "the missed slot was not caught up on start"
check_eq "caught up: full and partition again, not the ARL (yearly)" "3 1" \
  "$(sql "$CA" "SELECT count(*) FROM crls WHERE kind = 'full'; SELECT count(*) FROM crls WHERE kind = 'arl'" | xargs)"
stop
finish
