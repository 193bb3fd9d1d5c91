#!/usr/bin/env bash
# revoke.sh - `gcert revoke` and `gcert revocations` (CPS §4.4): precise refusals that
# change nothing but the audit trail, permanence, receipt and first-publication times,
# and the two-working-day service level (§4.4.3).
source "$GCERT_SRC/tests/integration/lib.sh"
source "$GCERT_SRC/tests/integration/common.sh"

CA=$T/ca
new_ca "$CA"
issue_cert "$CA" alice; A=$SERIAL
issue_cert "$CA" bob; B=$SERIAL
issue_cert "$CA" carol; C=$SERIAL
ISSUING=$(sql "$CA" "SELECT serial FROM ca_certs WHERE role = 'issuing'")

# ---- refusals: precise code and exit status, nothing changed but one audit record ----
before=$(db_snapshot "$CA")
audit_before=$(sql "$CA" "SELECT count(*) FROM audit_log")
expect_status "unknown serial" 4 "$GCERT" revoke --dir "$CA" --serial "$(printf '7%.0s' {1..40})"
check_contains "unknown serial: code" "GC_E_NOT_FOUND" "$(cat "$T/err")"
expect_status "CA certificate" 4 "$GCERT" revoke --dir "$CA" --serial "$ISSUING"
check_contains "CA certificate: code" "GC_E_NOT_REVOCABLE" "$(cat "$T/err")"
check_contains "CA certificate: points to ca compromise" "gcert ca compromise" "$(cat "$T/err")"
expect_status "reason 7" 3 "$GCERT" revoke --dir "$CA" --serial "$A" --reason 7
check_contains "reason 7: code" "GC_E_BAD_REASON" "$(cat "$T/err")"
expect_status "reason name unknown" 3 "$GCERT" revoke --dir "$CA" --serial "$A" --reason removeFromCRL
expect_status "short serial" 3 "$GCERT" revoke --dir "$CA" --serial abcd
check_contains "short serial: code" "GC_E_REQUEST_FIELD" "$(cat "$T/err")"
expect_status "future receipt" 3 "$GCERT" revoke --dir "$CA" --serial "$A" --requested-at 2099-01-01T00:00:00Z
check_contains "future receipt: code" "GC_E_BAD_TIME" "$(cat "$T/err")"
expect_status "malformed receipt" 3 "$GCERT" revoke --dir "$CA" --serial "$A" --requested-at yesterday
expect_status "no serial" 2 "$GCERT" revoke --dir "$CA"
check_eq "refusals change no revocation, CRL or certificate" "$before" "$(db_snapshot "$CA")"
check_eq "refusals that reached the CA are audited (unknown, CA cert, future)" \
  "$((audit_before + 3))" "$(sql "$CA" "SELECT count(*) FROM audit_log")"
check_eq "refusal audit records" "3" \
  "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event = 'cert.revoke_rejected' AND outcome = 'failure'")"

# ---- a revocation: default reason 0, receipt time recorded, audited ----
check "revoke alice" "$GCERT" revoke --dir "$CA" --serial "$A"
check_eq "alice: reason 0 by default (CPS App. C I)" "0|ee" "$(sql "$CA" "SELECT reason, scope FROM revocations WHERE serial = '$A'")"
check_eq "alice: partition recorded from the certificate" "http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL2.crl" \
  "$(sql "$CA" "SELECT dp FROM revocations WHERE serial = '$A'")"
check_eq "alice: not yet published" "" "$(sql "$CA" "SELECT published_at FROM revocation_status WHERE serial = '$A'")"
check_eq "alice: audited" "1" "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event = 'cert.revoked' AND object = '$A'")"
out=$("$GCERT" revoke --dir "$CA" --json --serial "${B^^}" --reason keyCompromise --requested-at 2026-11-02T02:00:00Z)
check_contains "upper-case serial accepted, reason by name" '"reason": 1' "$out"
check_contains "bob: due two working days after receipt (Mon 2 Nov -> end of Wed 4 Nov HKT)" \
  '"due_by": "2026-11-04T16:00:00Z"' "$out"
check_eq "bob: receipt time as given" "$(date -u -d 2026-11-02T02:00:00Z +%s)" \
  "$(sql "$CA" "SELECT requested_at FROM revocations WHERE serial = '$B'")"

# ---- permanence ----
before=$(db_snapshot "$CA")
expect_status "revoked twice" 4 "$GCERT" revoke --dir "$CA" --serial "$A" --reason 1
check_contains "revoked twice: code" "GC_E_ALREADY_REVOKED" "$(cat "$T/err")"
check_eq "second revocation changes nothing" "$before" "$(db_snapshot "$CA")"
if sql "$CA" "DELETE FROM revocations WHERE serial = '$A'" 2>/dev/null; then fail "a revocation could be deleted"; else pass; fi
if sql "$CA" "UPDATE revocations SET reason = 4 WHERE serial = '$A'" 2>/dev/null; then fail "a revocation could be changed"; else pass; fi

# ---- first publication is recorded once ----
check "crl issue" "$GCERT" crl issue --dir "$CA"
first=$(sql "$CA" "SELECT published_at FROM revocation_status WHERE serial = '$A'")
[[ -n "$first" ]] && pass || fail "alice: published_at not set by the CRL"
check_eq "published by the first CRL after it (full, number 3: the key ceremony's took 1 and 2)" "3" \
  "$(sql "$CA" "SELECT c.crl_number FROM revocation_status r JOIN crls c ON c.id = r.published_crl WHERE r.serial = '$A'")"
sleep 1
check "crl issue again" "$GCERT" crl issue --dir "$CA"
check_eq "first publication time kept" "$first" "$(sql "$CA" "SELECT published_at FROM revocation_status WHERE serial = '$A'")"
sql "$CA" "VACUUM"
check_eq "first publication survives VACUUM" "$first" "$(sql "$CA" "SELECT published_at FROM revocation_status WHERE serial = '$A'")"

# ---- §4.4.3 overdue: bob was received on 2 November and first published now ----
check "revoke carol (received now)" "$GCERT" revoke --dir "$CA" --serial "$C" --reason 4
out=$("$GCERT" revocations --dir "$CA" --overdue)
check_contains "bob is overdue" "$B" "$out"
check_contains "marked OVERDUE" "OVERDUE" "$out"
[[ "$out" != *"$A"* ]] && pass || fail "alice (published at once) listed as overdue"
[[ "$out" != *"$C"* ]] && pass || fail "carol (received now, not yet due) listed as overdue"
n=$("$GCERT" revocations --dir "$CA" --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
check_eq "all three listed without --overdue" "3" "$n"
# a warning day (typhoon signal 8, black rainstorm) moves the deadline: Tue 3 Nov 2026
check "add a warning day" "$GCERT" calendar add-warning-day --dir "$CA" 2026-11-03 --note "T8 signal"
due=$("$GCERT" revocations --dir "$CA" --json | $PY -c "import json,sys; print([r['due_by'] for r in json.load(sys.stdin) if r['serial'] == '$B'][0])")
check_eq "bob now due by the end of Thursday 5 Nov HKT" "2026-11-05T16:00:00Z" "$due"
check_contains "the warning day is in the operator's file" "2026-11-03  T8 signal" "$(cat "$CA/calendar/warning-days.txt")"
check_eq "audited" "1" "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event = 'calendar.changed'")"
expect_status "the same day twice" 5 "$GCERT" calendar add-warning-day --dir "$CA" 2026-11-03
check_contains "twice: code" "GC_E_CALENDAR" "$(cat "$T/err")"
expect_status "an impossible day" 3 "$GCERT" calendar add-warning-day --dir "$CA" 2026-02-30
check_eq "refusals leave the file as it was" "1" "$(grep -c '^2026' "$CA/calendar/warning-days.txt")"
# a holiday list that does not cover this year is pointed out
cp "$CA/calendar/hk-public-holidays.txt" "$T/holidays.keep"
grep -v "^$(date -u -d '+8 hours' +%Y)" "$T/holidays.keep" > "$CA/calendar/hk-public-holidays.txt"
"$GCERT" revocations --dir "$CA" >/dev/null 2>"$T/err"
check_contains "warns of a year without holidays" "lists no public holiday in $(date -u -d '+8 hours' +%Y)" "$(cat "$T/err")"
cp "$T/holidays.keep" "$CA/calendar/hk-public-holidays.txt"
"$GCERT" revocations --dir "$CA" >/dev/null 2>"$T/err"
check_eq "no warning when covered" "" "$(cat "$T/err")"

# the calendar is the operator's: a missing holiday file is an error, not a guess
mv "$CA/calendar/hk-public-holidays.txt" "$T/holidays.bak"
expect_status "no holiday calendar" 5 "$GCERT" revocations --dir "$CA" --overdue
check_contains "no holiday calendar: code" "GC_E_CALENDAR" "$(cat "$T/err")"
mv "$T/holidays.bak" "$CA/calendar/hk-public-holidays.txt"
echo "2026-13-01 typo" >> "$CA/calendar/warning-days.txt"
expect_status "malformed warning day" 5 "$GCERT" revocations --dir "$CA"
check_contains "names the file and line" "warning-days.txt line 5" "$(cat "$T/err")"
finish
