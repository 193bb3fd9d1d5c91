#!/usr/bin/env bash
# interface_revoke.sh - revocation through the system interface (CPS §4.4.2: CMMP sends
# the approved request in an interface file, the CA revokes and answers): a CMS-signed
# file from the pinned RA (made with `openssl cms`), results verified with `openssl cms`.
source "$GCERT_SRC/tests/integration/lib.sh"
source "$GCERT_SRC/tests/integration/common.sh"

CA=$T/ca
new_ca "$CA"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ra.key" -out "$T/ra.pem" -days 365 \
  -subj "/O=OGCIO/CN=CMMP RA service" 2>/dev/null
check "pin the RA" "$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$T/ra.pem"
"$GCERT" ca service-cert --dir "$CA" --out "$T/svc.pem"
issue_cert "$CA" alice; A=$SERIAL
issue_cert "$CA" bob; B=$SERIAL

$PY - "$T/rev.json" "$A" "$B" <<'PY'
import json, sys
out, a, b = sys.argv[1:4]
reqs = [{"id": "v-1", "type": "revoke", "serial": a.upper(), "reason": 1,
         "requested_at": "2026-11-24T02:00:00Z"},
        {"id": "v-2", "type": "revoke", "serial": b},
        {"id": "v-3", "type": "revoke", "serial": "7" * 40},
        {"id": "v-4", "type": "revoke", "serial": a}]
json.dump({"format": "gcert-interface/1", "batch_id": "rev-1", "created": "2026-11-25T09:00:00Z",
           "requests": reqs}, open(out, "w"))
PY
openssl cms -sign -binary -nodetach -outform DER -in "$T/rev.json" -out "$T/rev.req" \
  -signer "$T/ra.pem" -inkey "$T/ra.key"
check "process the revocation file" "$GCERT" interface process --dir "$CA" --in "$T/rev.req" --out "$T/rev.res"
check "result signed by the CA service" openssl cms -verify -binary -inform DER -in "$T/rev.res" \
  -CAfile "$T/svc.pem" -purpose any -out "$T/rev.res.json"
st() { $PY -c 'import json,sys; r={x["id"]: x for x in json.load(open(sys.argv[1]))["results"]}; x=r[sys.argv[2]]; print(x["status"], x.get("code", x.get("reason_name", "")))' "$T/rev.res.json" "$1"; }
check_eq "v-1 revoked (keyCompromise)" "revoked keyCompromise" "$(st v-1)"
check_eq "v-2 revoked (reason 0 by default)" "revoked unspecified" "$(st v-2)"
check_eq "v-3 unknown serial" "rejected GC_E_NOT_FOUND" "$(st v-3)"
check_eq "v-4 the same certificate again in the file" "rejected GC_E_ALREADY_REVOKED" "$(st v-4)"
check_eq "receipt time from the RA recorded" "$(date -u -d 2026-11-24T02:00:00Z +%s)" \
  "$(sql "$CA" "SELECT requested_at FROM revocations WHERE serial = '$A'")"
check_eq "two revocations stored" "2" "$(sql "$CA" "SELECT count(*) FROM revocations")"
check "crl issue" "$GCERT" crl issue --dir "$CA"
$PY "$GCERT_SRC/tests/integration/crl_fields.py" "$CA/repo/crl/eCertCA2-17CRL2.crl" \
  <("$GCERT" ca certs --dir "$CA" | awk '/BEGIN/{n++} n==2') partition \
  http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL2.crl "$A:1,$B:0" >/dev/null 2>"$T/err" && pass \
  || fail "the CRL lists both: $(cat "$T/err")"
finish
