#!/usr/bin/env bash
# crl_supplementary.sh - issue 17 item 2: a revocation reaches a published CRL without
# anyone running a command. `gcert ca serve --crl-schedule` issues a supplementary CRL
# crl.supplementary_delay_seconds after a revocation (not before); `gcert ca status`
# warns (exit 4) about a schedule that never ran or stopped, revocations not yet
# published, and a published CRL file gone from the repository.
source "$GCERT_SRC/tests/integration/lib.sh"
source "$GCERT_SRC/tests/integration/common.sh"

CA=$T/ca
new_ca "$CA"
set_delay() {
  $PY - "$CA/gcert.json" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.setdefault("crl", {})["supplementary_delay_seconds"] = int(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
}
status() { set +e; "$GCERT" ca status --dir "$CA" >"$T/status" 2>&1; SRC=$?; set -e; }

# a bad delay is refused, naming the key, and changes nothing
set_delay 0
status
check_eq "delay 0: config error, exit 5" 5 "$SRC"
check_contains "names the key" "crl.supplementary_delay_seconds" "$(cat "$T/status")"
set_delay 4

status
check_eq "status before any schedule ran: exit 4" 4 "$SRC"
check_contains "warns: the schedule never ran" "WARNING: never ran" "$(cat "$T/status")"
check_contains "the ceremony's CRLs and ARL are there" "ok: 3 CRL and ARL files present" "$(cat "$T/status")"

start_serve "$CA" --ldap none --crl-schedule
scheduled() { [[ $(sql "$CA" "SELECT count(*) FROM crls WHERE cause = 'scheduled'") -ge 2 ]]; }
check "the first scheduled round" wait_for 60 scheduled
beating() { [[ $(sql "$CA" "SELECT count(*) FROM service_beats WHERE name = 'crl-schedule' AND stopped_at = 0") == 1 ]]; }
check "the schedule says it runs" wait_for 30 beating
status
check_eq "status with the schedule running, nothing pending: exit 0" 0 "$SRC"
check_contains "schedule running" "ok: running on" "$(cat "$T/status")"

# a revocation: pending at first, on the served CRL after the delay, nobody running a command
issue_cert "$CA" bob; B=$SERIAL
before=$(sql "$CA" "SELECT count(*) FROM crls"); last=$(sql "$CA" "SELECT max(id) FROM crls")
"$GCERT" revoke --dir "$CA" --serial "$B" --reason 1 >/dev/null
status
check_eq "a revocation not yet published: status exit 4" 4 "$SRC"
check_contains "warns about it" "1 revocation(s) not yet on a published CRL" "$(cat "$T/status")"
served_lists_bob() {
  curl -sf "${URL}crl/eCertCA2-17CRL2.crl" -o "$T/served.crl" &&
    openssl crl -inform DER -in "$T/served.crl" -noout -text | grep -qi "$B"
}
check "the served partitioned CRL lists bob (supplementary, by the schedule)" wait_for 90 served_lists_bob
check_eq "a supplementary full and partitioned CRL, nothing else" "full partition" \
  "$(sql "$CA" "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM crls WHERE id > $last AND cause = 'supplementary' ORDER BY kind) AS t")"
check_eq "two CRLs more" "$((before + 2))" "$(sql "$CA" "SELECT count(*) FROM crls")"
waited=$(sql "$CA" "SELECT published_at - revoked_at FROM revocation_status WHERE serial = '$B'")
(( waited >= 4 )) && pass || fail "published $waited s after the revocation: the delay (4 s) was not honoured"
to_pem "$T/served.crl" "$T/served.pem"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust" >/dev/null
set +e
o=$(openssl verify -crl_check -CAfile "$T/trust/root.pem" -untrusted "$T/trust/issuing-ca.pem" \
  -CRLfile "$T/served.pem" "$T/bob.pem" 2>&1)
set -e
check_contains "openssl verify -crl_check with the served CRL: revoked" "certificate revoked" "$o"
status
check_eq "everything published: status exit 0" 0 "$SRC"
check_contains "no revocation waits" "every revocation is on a published CRL" "$(cat "$T/status")"

# a published file gone: the repository would answer 404
mv "$CA/repo/crl/RootCA2ARL.crl" "$T/arl.away"
status
check_eq "an ARL file missing: status exit 4" 4 "$SRC"
check_contains "names the missing file" "missing, e.g. RootCA2ARL.crl" "$(cat "$T/status")"
mv "$T/arl.away" "$CA/repo/crl/RootCA2ARL.crl"

# the schedule stops
check "SIGTERM stops the service" stop_serve
status
check_eq "the schedule stopped: status exit 4" 4 "$SRC"
check_contains "warns: stopped" "stopped at" "$(cat "$T/status")"
"$GCERT" ca status --dir "$CA" --json >"$T/status.json" || true
check_eq "JSON: the schedule item warns" "True" \
  "$($PY -c 'import json,sys; print([i for i in json.load(open(sys.argv[1]))["items"] if i["kind"] == "schedule"][0]["warning"])' "$T/status.json")"
finish
