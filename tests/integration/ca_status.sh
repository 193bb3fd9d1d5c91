#!/usr/bin/env bash
# ca_status.sh - `gcert ca status`: CA certificate lifetimes (CPS §4.7: changeover at least
# three months before expiry) and CRL freshness; a CRL that would lapse before the next
# scheduled run is issued again by the schedule (issue 10).
source "$(dirname "$0")/lib.sh"

FT=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
at() { local off=$1; shift; LD_PRELOAD=$FT FAKETIME="$off" "$GCERT" "$@"; }
CA=$T/ca
new_ca "$CA" --issuing-years 1
"$GCERT" crl issue --dir "$CA" >/dev/null
"$GCERT" arl issue --dir "$CA" >/dev/null
set +e
out=$("$GCERT" ca status --dir "$CA"); rc=$?
set -e
check_eq "no CRL schedule has run: exit 4" 4 "$rc"
check_eq "the one warning: the schedule" "schedule" "$(grep WARNING <<<"$out" | cut -d' ' -f1 | xargs)"
# the schedule runs (`gcert crl schedule`; `ca serve --crl-schedule` beats the same way)
"$GCERT" crl schedule --dir "$CA" >"$T/sched.out" 2>&1 &
SP=$!
at_exit "kill $SP"
beating() { [[ $(sql "$CA" "SELECT count(*) FROM service_beats WHERE name = 'crl-schedule' AND stopped_at = 0") == 1 ]]; }
check "the schedule says it runs" wait_for 30 beating
out=$("$GCERT" ca status --dir "$CA")
check_eq "all well: exit 0" 0 $?
check_eq "two CA certificates, two CRLs, the ARL, files, revocations, schedule" 8 "$(grep -vc '^keys ' <<<"$out")"
check_contains "single-person activation reported" "keys     activation: single-person (PIN file)" "$out"
check_contains "the full CRL's nextUpdate is shown" "eCertCA2-17CRL1.crl" "$out"

set +e
out=$(at +300d ca status --dir "$CA"); rc=$?
set -e
check_eq "warnings: exit 4" 4 "$rc"
check_contains "the issuing CA's changeover is due" "key changeover due" "$out"
check_contains "lapsed CRLs are named" "nextUpdate has passed" "$out"
check_eq "four warnings in JSON (the schedule's beat is 300 days old too)" 4 \
  "$(at +300d ca status --dir "$CA" --json | json_field warnings || true)"
kill -TERM "$SP"
wait "$SP" && pass || fail "crl schedule did not stop cleanly"
set +e
out=$("$GCERT" ca status --dir "$CA"); rc=$?
set -e
check_eq "the schedule stopped: exit 4" 4 "$rc"
check_contains "says when" "WARNING: stopped at" "$out"

# A CRL that lapses before the next scheduled run: CRLs valid 2 h, one run a day.
S=$(date -u -d '+30 min' +%H:%M)
"$PY" - "$CA/gcert.json" "$S" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c.setdefault("crl", {})
c["crl"]["schedule"] = sys.argv[2]; c["crl"]["next_update_hours"] = 2
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
n0=$(sql "$CA" "SELECT max(crl_number) FROM crls WHERE kind = 'full'")
at +31m crl schedule --dir "$CA" --once >/dev/null
n1=$(sql "$CA" "SELECT max(crl_number) FROM crls WHERE kind = 'full'")
check "the scheduled run issued" test "$n1" -gt "$n0"
at +50m crl schedule --dir "$CA" --once >/dev/null
check_eq "nothing due 20 minutes later" "$n1" "$(sql "$CA" "SELECT max(crl_number) FROM crls WHERE kind = 'full'")"
set +e
out=$(at +121m ca status --dir "$CA"); rc=$?
set -e
check_contains "status warns before it lapses" "lapses before the next scheduled run" "$out"
at +121m crl schedule --dir "$CA" --once >/dev/null
n2=$(sql "$CA" "SELECT max(crl_number) FROM crls WHERE kind = 'full'")
check "issued again within the hour before it lapses" test "$n2" -gt "$n1"
finish
