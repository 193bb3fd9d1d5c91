#!/usr/bin/env bash
# commit_fail.sh - issuance when the database refuses a step (issue 10: "a second test
# makes the final insert fail through a database trigger"). Triggers installed in the
# CA's own database make (1) the final UPDATE to 'issued', (2) the final INSERT of the
# cert.issued audit record and (3) the keeping of the signed certificate fail. Each
# time: nothing is handed out, the row is there with its serial, recovery resolves it
# on the next start (completed when the signature was kept, otherwise retired), no
# serial is reused, and every step is audited.
source "$GCERT_SRC/tests/integration/lib.sh"
PY=/usr/bin/python3
cd "$T"
new_ca ca
"$GCERT" ca certs --dir ca --out-dir trust >/dev/null
cat trust/root.pem trust/issuing-ca.pem >chain.pem

request() { # request ID: a fresh key and request file ID.json
  make_csr "$1.key" "$1.csr"
  make_request "$1.json" "$1" individual 2 "$1.csr"
}
issue() { # issue ID: runs gcert issue, prints its exit status
  local st=0
  "$GCERT" issue --dir ca --request "$1.json" --out "$1.pem" >"$1.out" 2>"$1.err" || st=$?
  echo $st
}
# the newest row of a request (a retired row and its successor may share a second)
row() { sql ca "SELECT $2 FROM certificates WHERE request_id = '$1'
                ORDER BY created_at DESC, CASE status WHEN 'abandoned' THEN 1 ELSE 0 END LIMIT 1"; }
# inject_failure WHEN TABLE CONDITION MESSAGE: the CA's database refuses that change
# (a test trigger, in each database's own dialect); repair takes it away
inject_failure() {
  if [[ $GCERT_TEST_DB == pg ]]; then
    sql ca "CREATE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql
              AS \$\$ BEGIN RAISE EXCEPTION '$4'; END \$\$;
            CREATE TRIGGER test_fail $1 ON $2 FOR EACH ROW WHEN ($3) EXECUTE FUNCTION test_fail();"
  else
    sql ca "CREATE TRIGGER test_fail $1 ON $2 WHEN $3 BEGIN SELECT RAISE(ABORT, '$4'); END;"
  fi
}
repair() {
  if [[ $GCERT_TEST_DB == pg ]]; then sql ca "DROP FUNCTION test_fail() CASCADE"; else sql ca "DROP TRIGGER test_fail"; fi
}
audits() { sql ca "SELECT count(*) FROM audit_log WHERE event = '$1' AND object = '$2'"; }
verifies() { # verifies SERIAL: the stored certificate verifies and lints clean
  sql ca "SELECT hex(der) FROM certificates WHERE serial = '$1'" | xxd -r -p >"$1.der"
  openssl verify -CAfile chain.pem <(openssl x509 -inform DER -in "$1.der") >/dev/null 2>&1 &&
    "$GCERT" lint --dir ca "$1.der" >/dev/null
}

request r1
check_eq "baseline issue" 0 "$(issue r1)"

# ---- 1: the final UPDATE to 'issued' fails ----
inject_failure "BEFORE UPDATE OF status" certificates "NEW.status = 'issued'" "injected: final update refused"
request r2
check_eq "final update refused: exit status (store)" 7 "$(issue r2)"
check "final update refused: nothing handed out" test ! -e r2.pem
check_contains "final update refused: the error says why" "injected: final update refused" "$(cat r2.err)"
S2=$(row r2 serial)
check_eq "final update refused: row kept as signed" "signed|1" "$(row r2 "status, CAST(der IS NOT NULL AS INTEGER)")"
check_eq "final update refused: no cert.issued record" 0 "$(audits cert.issued "$S2")"
# the next start cannot resolve it while the database still refuses: it issues nothing
request r3
check_eq "unresolvable recovery blocks issuance" 7 "$(issue r3)"
check_contains "unresolvable recovery names itself" "GC_E_RECOVERY" "$(cat r3.err)"
check_eq "nothing of r3 recorded" 0 "$(sql ca "SELECT count(*) FROM certificates WHERE request_id = 'r3'")"
repair
check_eq "after repair: r3 issued" 0 "$(issue r3)"
check_eq "after repair: r2 completed by recovery" "issued" "$(row r2 status)"
check_eq "after repair: r2 recovery audited" 1 "$(audits cert.recovered "$S2")"
check "r2's kept certificate verifies and lints" verifies "$S2"
check_eq "r2 sent again is a duplicate (it was issued)" 4 "$(issue r2)"

# ---- 2: the final INSERT (the cert.issued audit record) fails ----
inject_failure "BEFORE INSERT" audit_log "NEW.event = 'cert.issued'" "injected: audit insert refused"
request r4
check_eq "final insert refused: exit status" 7 "$(issue r4)"
check "final insert refused: nothing handed out" test ! -e r4.pem
S4=$(row r4 serial)
check_eq "final insert refused: row kept as signed" "signed" "$(row r4 status)"
repair
request r5
check_eq "after repair: r5 issued" 0 "$(issue r5)"
check_eq "r4 completed by recovery" "issued|1" "$(row r4 "status, CAST(issued_at IS NOT NULL AS INTEGER)")"
check "r4 verifies and lints" verifies "$S4"

# ---- 3: keeping the signed certificate fails: no signature is known ----
inject_failure "BEFORE UPDATE OF status" certificates "NEW.status = 'signed'" "injected: keep refused"
request r6
check_eq "keep refused: exit status" 7 "$(issue r6)"
check "keep refused: nothing handed out" test ! -e r6.pem
S6=$(row r6 serial)
check_eq "keep refused: row stays reserved, no DER" "reserved|1" "$(row r6 "status, CAST(der IS NULL AS INTEGER)")"
repair
request r7
check_eq "after repair: r7 issued" 0 "$(issue r7)"
check_eq "r6 retired by recovery" "abandoned" "$(sql ca "SELECT status FROM certificates WHERE serial = '$S6'")"
check_eq "r6 retirement audited" 1 "$(audits cert.abandoned "$S6")"
# the retired row is what revocation needs: serial, issuing CA, TBS whose serial matches
tbs_serial=$(sql ca "SELECT hex(tbs) FROM certificates WHERE serial = '$S6'" | $PY -c "
import sys
from asn1crypto import x509
t = x509.TbsCertificate.load(bytes.fromhex(sys.stdin.read().strip()))
print('%040x' % t['serial_number'].native)")
check_eq "retired row's TBS carries its serial" "$S6" "$tbs_serial"
check_eq "retired row names the issuing CA" 1 \
  "$(sql ca "SELECT count(*) FROM certificates c JOIN ca_certs a ON a.id = c.ca_id WHERE c.serial = '$S6' AND a.role = 'issuing'")"
# the RA may send the interrupted request again: a new serial, never the retired one
check_eq "r6 sent again is issued" 0 "$(issue r6)"
N6=$(openssl x509 -in r6.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
check_eq "r6 again has the newest row's serial" "$N6" "$(row r6 serial)"
[[ "$N6" != "$S6" ]] && pass || fail "retired serial $S6 reused"
check_eq "r6: one abandoned row and one issued row" "abandoned,issued" \
  "$(sql ca "SELECT group_concat(status) FROM (SELECT status FROM certificates WHERE request_id = 'r6' ORDER BY status) AS t")"

# ---- the whole story holds ----
check_eq "nothing left unresolved" 0 "$(sql ca "SELECT count(*) FROM certificates WHERE status IN ('reserved','signed')")"
check_eq "every issued row has its audit record" 0 "$(sql ca "SELECT count(*) FROM certificates c WHERE status = 'issued'
  AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.object = c.serial AND a.event IN ('cert.issued','cert.recovered'))")"
check_eq "every handed-out file is an issued row" "" "$(for f in r*.pem; do
  s=$(openssl x509 -in $f -noout -serial | cut -d= -f2 | tr A-F a-f)
  [[ $(sql ca "SELECT status FROM certificates WHERE serial = '$s'") == issued ]] || echo "$f"; done)"
check_eq "records cannot be deleted" "1" "$(sql ca "DELETE FROM certificates WHERE serial = '$S6'" 2>&1 | grep -c 'never deleted')"
check_eq "a retired row cannot come back" "1" "$(sql ca "UPDATE certificates SET status = 'reserved' WHERE serial = '$S6'" 2>&1 | grep -cE 'never changed|only move forward')"

# ---- the retired serial can be revoked, and then stands on the CRLs ----
check "the retired serial is revoked" "$GCERT" revoke --dir ca --serial "$S6" --reason superseded
check_eq "its revocation is recorded" 1 "$(sql ca "SELECT count(*) FROM revocations WHERE serial = '$S6'")"
"$GCERT" crl issue --dir ca >/dev/null
for crl in ca/repo/crl/eCertCA2-17CRL1.crl ca/repo/crl/eCertCA2-17CRL2.crl; do
  check_contains "retired serial listed on $(basename "$crl")" "$(tr a-f A-F <<<"$S6")" \
    "$(openssl crl -inform DER -in "$crl" -noout -text | tr -d ' \n:')"
done
finish
