#!/usr/bin/env bash
# crash.sh - SIGKILL at each fault point of the issuance path (issue 10), restart, and
# show: no serial reused, nothing handed out without a record, the interrupted serial
# present and revocable; and a builder bug stopped by the lint before the token signs.
# Needs a build with -DGCERT_FAULT_POINTS=ON (src/sys/fault.h); skipped (77) otherwise.
source "$GCERT_SRC/tests/integration/lib.sh"
if [[ "${GCERT_FAULT_POINTS:-0}" != 1 ]]; then
  echo "skipped: gcert built without -DGCERT_FAULT_POINTS=ON"; exit 77
fi
PY=/usr/bin/python3
cd "$T"
new_ca ca
"$GCERT" ca certs --dir ca --out-dir trust >/dev/null
cat trust/root.pem trust/issuing-ca.pem >chain.pem

request() { make_csr "$1.key" "$1.csr"; make_request "$1.json" "$1" individual 2 "$1.csr"; }
issue() { # issue ID [FAULT]: prints the exit status
  local st=0
  GCERT_FAULT=${2:-} "$GCERT" issue --dir ca --request "$1.json" --out "$1.pem" >"$1.out" 2>"$1.err" || st=$?
  echo $st
}
row() { sql ca "SELECT $2 FROM certificates WHERE request_id = '$1' ORDER BY created_at, rowid LIMIT 1"; }
audits() { sql ca "SELECT count(*) FROM audit_log WHERE event = '$1' AND object = '$2'"; }
tbs_serial() {
  sql ca "SELECT hex(tbs) FROM certificates WHERE serial = '$1'" | $PY -c "
import sys
from asn1crypto import x509
print('%040x' % x509.TbsCertificate.load(bytes.fromhex(sys.stdin.read().strip()))['serial_number'].native)"
}

# point  state-after-kill  state-after-restart  audit-event
cases=("after_reserve reserved abandoned cert.abandoned"
       "after_sign reserved abandoned cert.abandoned"
       "before_commit signed issued cert.recovered")
i=0
for c in "${cases[@]}"; do
  read -r point killed resolved event <<<"$c"
  i=$((i + 1)); id=k$i; next=n$i
  request $id
  check_eq "$point: killed by SIGKILL" 137 "$(issue $id $point)"
  check "$point: nothing handed out" test ! -s $id.pem
  S=$(row $id serial)
  check_eq "$point: the row is recorded as $killed" "$killed" "$(row $id status)"
  check_eq "$point: no cert.issued record" 0 "$(audits cert.issued "$S")"
  check_eq "$point: recorded TBS carries the serial" "$S" "$(tbs_serial "$S")"
  # restart: the next command that opens the token resolves it
  request $next
  check_eq "$point: restart issues the next request" 0 "$(issue $next)"
  check_eq "$point: resolved as $resolved" "$resolved" "$(sql ca "SELECT status FROM certificates WHERE serial = '$S'")"
  check_eq "$point: resolution audited ($event)" 1 "$(audits $event "$S")"
  N=$(openssl x509 -in $next.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
  [[ "$N" != "$S" ]] && pass || fail "$point: serial $S reused"
  if [[ $resolved == issued ]]; then
    sql ca "SELECT hex(der) FROM certificates WHERE serial = '$S'" | xxd -r -p >$id.der
    check "$point: completed certificate verifies" openssl verify -CAfile chain.pem \
      <(openssl x509 -inform DER -in $id.der)
    check "$point: completed certificate lints clean" "$GCERT" lint --dir ca $id.der
    check_eq "$point: sending it again is a duplicate" 4 "$(issue $id)"
  else
    # what revocation will rely on: the retired row keeps serial, issuing CA, TBS, expiry
    check_eq "$point: retired row is complete for revocation" "1|1|1" "$(sql ca "SELECT tbs IS NOT NULL,
      ca_id = (SELECT id FROM ca_certs WHERE role = 'issuing'), not_after > strftime('%s','now')
      FROM certificates WHERE serial = '$S'")"
    check_eq "$point: the RA can send it again" 0 "$(issue $id)"
    N=$(openssl x509 -in $id.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
    [[ "$N" != "$S" ]] && pass || fail "$point: retired serial reused on retry"
  fi
done

# a second crash while another process holds the issuance lock is not recovered by a
# third process: it must not retire a reservation that a live process may still sign
request l1
check_eq "after_reserve again" 137 "$(issue l1 after_reserve)"
L=$(row l1 serial)
exec 9>ca/issuance.lock; flock -s 9   # a live issuing process holds the lock shared
request l2
check_eq "issuance beside a live process" 0 "$(issue l2)"
check_eq "no recovery while another process may be signing" reserved \
  "$(sql ca "SELECT status FROM certificates WHERE serial = '$L'")"
exec 9>&-
request l3
check_eq "issuance after it ended" 0 "$(issue l3)"
check_eq "now recovered" abandoned "$(sql ca "SELECT status FROM certificates WHERE serial = '$L'")"

# ---- a builder bug is stopped by the lint before the token signs ----
before=$(sql ca "SELECT (SELECT count(*) FROM certificates) || '/' || (SELECT count(*) FROM subscribers)")
request b1
check_eq "builder bug: refused (internal error)" 1 "$(issue b1 builder_bug)"
check "builder bug: nothing handed out" test ! -s b1.pem
check_contains "builder bug: the finding names the field" "extensions.subjectKeyIdentifier" "$(cat b1.err)"
check_contains "builder bug: error code" "GC_E_LINT" "$(cat b1.err)"
check_eq "builder bug: nothing recorded" "$before" \
  "$(sql ca "SELECT (SELECT count(*) FROM certificates) || '/' || (SELECT count(*) FROM subscribers)")"
check_eq "builder bug: audited as cert.lint_failed" 1 "$(audits cert.lint_failed b1)"
check_eq "builder bug: the same request is fine without the bug" 0 "$(issue b1)"

check_eq "serials are unique" "$(sql ca "SELECT count(*) FROM certificates")" \
  "$(sql ca "SELECT count(DISTINCT serial) FROM certificates")"
check_eq "nothing left unresolved" 0 "$(sql ca "SELECT count(*) FROM certificates WHERE status IN ('reserved','signed')")"

# ---- a CRL that is not complete is never published (CRL completeness) ----
request crl1
check_eq "crl1 issued" 0 "$(issue crl1)"
S=$(openssl x509 -in crl1.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
"$GCERT" revoke --dir ca --serial "$S" --reason keyCompromise >/dev/null
"$GCERT" crl issue --dir ca >/dev/null
cp ca/repo/crl/eCertCA2-17CRL1.crl before.crl
crls_before=$(sql ca "SELECT count(*) FROM crls")
"$GCERT" revoke --dir ca --serial "$(row r6 serial)" >/dev/null 2>&1 || true
st=0; GCERT_FAULT=crl_wrong_reason "$GCERT" crl issue --dir ca >crlbad.out 2>crlbad.err || st=$?
check_eq "a CRL with a wrong reason is refused" 1 "$st"
check_contains "the refusal names the entry" "differs from the revocation recorded" "$(cat crlbad.err)"
check "the previous CRL stays published" cmp before.crl ca/repo/crl/eCertCA2-17CRL1.crl
check_eq "nothing archived" "$crls_before" "$(sql ca "SELECT count(*) FROM crls")"
check_eq "the block is audited" 1 "$(sql ca "SELECT count(*) FROM audit_log WHERE event = 'crl.blocked' AND outcome = 'failure'")"
st=0; GCERT_FAULT=crl_bad_reason "$GCERT" crl issue --dir ca >crllint.out 2>crllint.err || st=$?
check_eq "a CRL that breaks App. C is refused before signing" 1 "$st"
check_contains "the lint names the field" "GC_E_LINT" "$(cat crllint.err)"
check "the previous CRL still stands" cmp before.crl ca/repo/crl/eCertCA2-17CRL1.crl
check_eq "still nothing archived" "$crls_before" "$(sql ca "SELECT count(*) FROM crls")"
check_eq "both blocks audited" 2 "$(sql ca "SELECT count(*) FROM audit_log WHERE event = 'crl.blocked'")"
check "without the fault, the next run publishes" "$GCERT" crl issue --dir ca
check_contains "and lists the revocation" "$(tr a-f A-F <<<"$S")" \
  "$(openssl crl -inform DER -in ca/repo/crl/eCertCA2-17CRL1.crl -noout -text | tr -d ' \n:')"
finish
