#!/usr/bin/env bash
# ra_ca_down.sh - no global lock in the RA (issue 15): an approval that waits on the CA
# (its interface endpoint down: a gate in front of it holds every connection without a
# byte) blocks nobody else: while it waits, other sessions log in, browse, apply and
# reject, and those calls answer before it does. When the CA comes back the waiting
# approval completes exactly once: one interface request reaches the CA, one certificate
# is issued there and bound at the RA, none is lost or sent twice.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ra_lib.sh"

CA=$T/ca
D=$T/ra
# how long the RA waits for the CA's TLS handshake: the window of this test, in which the
# other sessions' ten calls must all answer. 30 s was too short on a loaded machine (the
# PostgreSQL suite beside a debootstrap, 6 December: the calls took 30.5 s in all).
CONNECT_S=75

# ---- the CA and its interface ----
new_ca "$CA"
"$GCERT" ca service-cert --dir "$CA" --out "$T/ca-service.pem"
"$GCERT" ca service-cert --dir "$CA" --tls --out "$T/ca-tls.pem"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust" >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null
"$GCERT" ca serve --dir "$CA" --listen 127.0.0.1:0 --ldap none --interface-listen 127.0.0.1:0 >"$T/ca.out" 2>&1 &
CA_PID=$!
at_exit "kill $CA_PID"
wait_for 60 grep -q "interface at" "$T/ca.out" || { cat "$T/ca.out" >&2; exit 1; }
REPO=$(sed -n 's/.*repository at \(http[^ ]*\) .*/\1/p' "$T/ca.out")
IFACE=$(sed -n 's/.*interface at \(https[^ ]*\) .*/\1/p' "$T/ca.out")
IPORT=$(sed -n 's|https://127.0.0.1:\([0-9]*\)/.*|\1|p' <<<"$IFACE")

# ---- the gate in front of it, down to start with ----
GPORT=$(free_port)
echo down >"$T/gate.state"
"$PY" "$GCERT_SRC/tests/integration/ca_gate.py" "$GPORT" "$IPORT" "$T/gate.state" "$T/gate.log" 2>>"$T/gate.err" &
at_exit "kill $!"
wait_for 30 grep -q listening "$T/gate.log" || { cat "$T/gate.err" >&2; exit 1; }

# ---- the RA, whose link goes through the gate ----
new_ra "$D" --ca-url "https://127.0.0.1:$GPORT/interface" --ca-tls-cert "$T/ca-tls.pem" \
  --ca-service-cert "$T/ca-service.pem" --ca-repo "$REPO" --ca-cert "$T/trust/issuing-ca.pem"
"$PY" - "$D/link.json" "$CONNECT_S" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["timeouts"] = {"connect_seconds": int(sys.argv[2]), "request_seconds": 60}
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
"$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$D/ra-service.pem" >/dev/null
start_ra "$D"
login admin1
add_user admin1 req1 requester >/dev/null
add_user admin1 req2 requester >/dev/null
add_user admin1 bm1 business_manager >/dev/null
add_user admin1 bm2 business_manager >/dev/null
login req1; login bm1; login bm2
api req1 POST /api/applications "$APP_JSON"; app=$(jq_get id <<<"$BODY")
api req1 POST /api/applications "$APP_JSON"; other=$(jq_get id <<<"$BODY")
check_eq "two applications pending" "201" "$CODE"

# ---- the approval waits on the CA ----
racurl -s -o "$T/approve.body" -w '%{http_code}' -b "$T/jar.bm1" -H "X-CSRF-Token: $(cat "$T/csrf.bm1")" \
  -H 'Content-Type: application/json' --data-binary "$APPROVE_JSON" \
  "${RA}api/applications/$app/approve" >"$T/approve.code" &
APPROVE=$!
check "the approval's request reaches the gate and is held there" wait_for 120 grep -q "^held" "$T/gate.log"

# meanwhile every other session's call answers (each within a generous 20 s; the
# approval itself cannot answer before the RA gives up on the handshake, $CONNECT_S s)
started=$(date +%s%N)
other_call() { # other_call WHAT EXPECTED-CODE USER METHOD PATH [JSON]
  local what=$1 want=$2; shift 2
  api "$@"
  check_eq "while the approval waits: $what" "$want" "$CODE"
}
login req2
check_eq "while the approval waits: another user logs in" 200 "$CODE"
other_call "GET /api/me" 200 req1 GET /api/me
other_call "the applications list" 200 bm2 GET /api/applications
other_call "the waiting application" 200 bm2 GET "/api/applications/$app"
check_eq "... is submitted (its request stored before sending)" submitted "$(jq_get status <<<"$BODY")"
other_call "apply" 201 req2 POST /api/applications "$APP_JSON"
other_call "reject another application" 200 bm2 POST "/api/applications/$other/reject" '{"reason": "duplicate"}'
other_call "one application" 200 bm2 GET "/api/applications/$other"
other_call "the certificates list" 200 bm2 GET /api/certificates
other_call "the revocations list" 200 bm2 GET /api/revocations
other_call "a bad request still gets its precise error" 400 bm2 POST "/api/applications/$other/reject" '{"bogus": 1}'
elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
echo "other sessions' calls while the approval waited: ${elapsed} ms in all" >&2
check "... and all of them answered while the approval was still waiting" kill -0 "$APPROVE"
check_eq "... nothing reached the CA meanwhile" 0 "$(grep -c '^forwarded' "$T/gate.log" || true)"
check_eq "... and nothing was sent twice meanwhile (one held connection)" 1 "$(grep -c '^held' "$T/gate.log")"

# ---- the CA comes back: the waiting approval fails cleanly, the worker completes it once ----
echo up >"$T/gate.state"
wait "$APPROVE" || true
check_eq "the waiting approval answers when the handshake times out" 200 "$(cat "$T/approve.code")"
check_eq "... the application submitted, its error noted for a retry" "submitted yes" \
  "$("$PY" -c 'import json,sys; a=json.load(sys.stdin); print(a["status"], "yes" if a.get("error") else "no")' <"$T/approve.body")"
issued() { [[ $(rasql "$D" "SELECT status FROM applications WHERE id = $app") == issued ]]; }
check "the worker sends it again once the CA is back, and it is issued" wait_for 180 issued
SERIAL=$(rasql "$D" "SELECT serial FROM applications WHERE id = $app")
check_eq "one interface request reached the CA" 1 "$(grep -c '^forwarded' "$T/gate.log")"
check_eq "the CA issued one certificate for it" "1 $SERIAL" \
  "$(sql "$CA" "SELECT count(*) || ' ' || max(serial) FROM certificates WHERE request_id = 'cmmp/app-$app' AND status = 'issued'")"
check_eq "... and holds one result for it" 1 \
  "$(sql "$CA" "SELECT count(*) FROM iface_results WHERE ra = 'cmmp' AND request_id = 'app-$app'")"
check_eq "the RA bound one certificate" 1 "$(rasql "$D" "SELECT count(*) FROM certificates WHERE application_id = $app")"
check_eq "... one request built, one bound, in the RA's audit trail" "1 1" \
  "$(rasql "$D" "SELECT (SELECT count(*) FROM audit_log WHERE event = 'ra.request_sent' AND object = 'application $app')
    || ' ' || (SELECT count(*) FROM audit_log WHERE event = 'ra.cert_bound' AND object = 'application $app')")"
check_eq "... its sending mark cleared" "" "$(rasql "$D" "SELECT sending_at FROM applications WHERE id = $app")"
check_eq "the rejected application stayed rejected, never sent" "rejected " \
  "$(rasql "$D" "SELECT status || ' ' || coalesce(request_json, '') FROM applications WHERE id = $other")"

# ---- a service stopped dead while its approval waited: the mark it left lapses, the
# worker of the next service sends the stored request, once ----
echo down >"$T/gate.state"
api req1 POST /api/applications "$APP_JSON"; third=$(jq_get id <<<"$BODY")
racurl -s -o /dev/null -b "$T/jar.bm1" -H "X-CSRF-Token: $(cat "$T/csrf.bm1")" -H 'Content-Type: application/json' \
  --data-binary "$APPROVE_JSON" "${RA}api/applications/$third/approve" &
APPROVE=$!
check "a third approval is held at the gate" wait_for 120 bash -c "[[ \$(grep -c '^held' '$T/gate.log') == 2 ]]"
kill -KILL "$RA_PID"; wait "$RA_PID" 2>/dev/null || true; wait "$APPROVE" 2>/dev/null || true
check_eq "... the service killed mid-send: submitted, marked as being sent, no error noted" "submitted|1|" \
  "$(rasql "$D" "SELECT status || '|' || CASE WHEN sending_at IS NULL THEN 0 ELSE 1 END || '|' || coalesce(error, '') FROM applications WHERE id = $third")"
echo up >"$T/gate.state"
start_ra "$D"
# the mark is as old as link.json's timeouts + 60 s would make it: the dead service's
rasql "$D" "UPDATE applications SET sending_at = sending_at - $((CONNECT_S + 60 + 61)) WHERE id = $third"
third_issued() { [[ $(rasql "$D" "SELECT status FROM applications WHERE id = $third") == issued ]]; }
check "the next service's worker takes the lapsed mark over and the application is issued" wait_for 180 third_issued
check_eq "... one more interface request reached the CA" 2 "$(grep -c '^forwarded' "$T/gate.log")"
check_eq "... one certificate at the CA for it" 1 \
  "$(sql "$CA" "SELECT count(*) FROM certificates WHERE request_id = 'cmmp/app-$third' AND status = 'issued'")"
check_eq "... one key pair made for it (one request built)" 1 \
  "$(rasql "$D" "SELECT count(*) FROM audit_log WHERE event = 'ra.request_sent' AND object = 'application $third'")"

# ---- the RA's audit trail, sealed by the service and verified ----
stop_ra
check "the RA's audit trail verifies after it all" "$GCERT" ra audit verify --dir "$D"
check_eq "... sealed by the service when it stopped (every record under a checkpoint)" \
  "$(rasql "$D" "SELECT max(id) FROM audit_log")" "$("$GCERT" ra audit verify --dir "$D" --json | json_field sealed_up_to)"
finish
