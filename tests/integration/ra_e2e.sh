#!/usr/bin/env bash
# ra_e2e.sh - both services and both tokens, end to end (SPEC §3, §4; CPS §3.1, §4.4,
# App. E II, §2.1.3 n): the CA (`gcert ca init`, `gcert ca serve` with its interface) and
# the RA (`gcert ra serve`), a real SMTP server on loopback. A requester applies, a
# business manager approves, the RA makes the key pair in its token and the CSR, the CA
# issues, the RA binds and mails everyone (mail sent after the SMTP server, down while it
# happened, comes back), the certificate is in the CA repository, key custody exports a
# PKCS#12 after two approvals, a renewal notice goes once, the revocation is approved and
# sent, the CA revokes, its CRL schedule publishes a supplementary CRL that lists it (no
# command run), and the use-time check says revoked.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ra_lib.sh"

CA=$T/ca
D=$T/ra
MAILDIR=$T/maildir
SMTP_PORT=$(free_port)
SMTP_PID=
start_smtp() {
  "$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR" >>"$T/smtp.log" 2>&1 &
  SMTP_PID=$!
  at_exit "kill $SMTP_PID"
  wait_for 10 "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$SMTP_PORT" ||
    { cat "$T/smtp.log" >&2; exit 1; }
}
stop_smtp() { kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null || true; }
# mails_to ADDRESS SUBJECT-PART: how many messages arrived for ADDRESS with that subject
mails_to() {
  "$PY" - "$MAILDIR" "$1" "$2" <<'PY'
import mailbox, os, sys
from email.header import decode_header, make_header
n = 0
if os.path.isdir(sys.argv[1]):
    for m in mailbox.Maildir(sys.argv[1], create=False):
        if sys.argv[2] in (m["X-RcptTo"] or "") and sys.argv[3] in str(make_header(decode_header(m["Subject"]))):
            n += 1
print(n)
PY
}

# ---- the CA: ceremony, a first CRL, the service with its interface ----
new_ca "$CA"
"$GCERT" ca service-cert --dir "$CA" --out "$T/ca-service.pem"
"$GCERT" ca service-cert --dir "$CA" --tls --out "$T/ca-tls.pem"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust" >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null
# the CRL schedule runs, with a supplementary CRL 2 s after a revocation (default 300 s):
# a revocation approved in the RA reaches a published CRL with nobody running a command
$PY - "$CA/gcert.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.setdefault("crl", {})["supplementary_delay_seconds"] = 2
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
"$GCERT" ca serve --dir "$CA" --listen 127.0.0.1:0 --ldap none --interface-listen 127.0.0.1:0 --crl-schedule \
  >"$T/ca.out" 2>&1 &
CA_PID=$!
at_exit "kill $CA_PID"
wait_for 15 grep -q "interface at" "$T/ca.out" || { cat "$T/ca.out" >&2; exit 1; }
REPO=$(sed -n 's/.*repository at \(http[^ ]*\) .*/\1/p' "$T/ca.out")
IFACE=$(sed -n 's/.*interface at \(https[^ ]*\) .*/\1/p' "$T/ca.out")

# ---- the RA: linked to the CA, pinned at the CA ----
new_ra "$D" --ca-url "$IFACE" --ca-tls-cert "$T/ca-tls.pem" --ca-service-cert "$T/ca-service.pem" \
  --ca-repo "$REPO" --ca-cert "$T/trust/issuing-ca.pem"
"$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$D/ra-service.pem" >/dev/null
if [[ -n $(db_url "$CA") ]]; then # PostgreSQL: the RA's database is its own, never the CA's
  set +e; out=$("$GCERT" ra init --dir "$T/ra-on-ca" --name cmmp --postgresql "$(db_url "$CA")" 2>&1); rc=$?; set -e
  check_eq "ra init on the CA's database: refused, exit 5" 5 "$rc"
  check_contains "... as holding a CA" "the database holds a CA" "$out"
  check_eq "... the CA's database untouched" 0 "$(sql "$CA" "SELECT count(*) FROM gc_schema_version WHERE name = 'ra'")"
fi
ra_config "$D" "c['mail'] = {'smtp_url': 'smtp://127.0.0.1:$SMTP_PORT', 'from': 'cmmp@ogcio.example.gov.hk'}; c['mail_retry_max_seconds'] = 2; c['reminder_days'] = [800, 7]"
start_smtp
start_ra "$D"
login admin1
req1=$(add_user admin1 req1 requester)
bm1=$(add_user admin1 bm1 business_manager)
bm2=$(add_user admin1 bm2 business_manager)
login req1; login bm1; login bm2

# ---- apply, approve (the SMTP server is down meanwhile), issue, bind ----
api req1 POST /api/applications "$APP_JSON"
check_eq "application: 201" 201 "$CODE"
app=$(jq_get id <<<"$BODY")
stop_smtp
api bm1 POST "/api/applications/$app/approve" "$APPROVE_JSON"
check_eq "approve: 200" 200 "$CODE"
check_eq "issued and bound" issued "$(jq_get status <<<"$BODY")"
SERIAL=$(jq_get serial <<<"$BODY")
check_eq "serial: 40 hex digits" 40 "${#SERIAL}"
check_eq "only the last four of the proof kept" 123A "$(rasql "$D" "SELECT proof_last4 FROM applications WHERE id = $app")"
check_eq "the CA issued it to the RA's request" "1 cmmp/app-$app" \
  "$(sql "$CA" "SELECT count(*) || ' ' || max(request_id) FROM certificates WHERE serial = '$SERIAL' AND status = 'issued'")"
label=$(rasql "$D" "SELECT key_label FROM certificates WHERE serial = '$SERIAL'")
check "the key pair is in the RA's token" bash -c "SOFTHSM2_CONF='$D/token/softhsm2.conf' pkcs11-tool \
  --module /usr/lib/softhsm/libsofthsm2.so --token-label gcert-ra --list-objects --type pubkey 2>/dev/null | grep -q 'sub:$label'"
api bm1 GET "/api/certificates/$SERIAL"
"$PY" -c 'import json,sys; open(sys.argv[1], "w").write(json.load(sys.stdin)["pem"])' "$T/ra-cert.pem" <<<"$BODY"
check "the certificate's key is the token's (pubkey in the token = pubkey in the certificate)" bash -c "
  SOFTHSM2_CONF='$D/token/softhsm2.conf' pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label gcert-ra \
    --read-object --type pubkey --label 'sub:$label' -o '$T/tok.der' 2>/dev/null &&
  cmp <(openssl pkey -pubin -inform DER -in '$T/tok.der' -outform DER 2>/dev/null || openssl rsa -RSAPublicKey_in -inform DER -in '$T/tok.der' -pubout -outform DER) \
      <(openssl x509 -in '$T/ra-cert.pem' -noout -pubkey | openssl pkey -pubin -outform DER)"
check_eq "the CA's repository serves it" 200 "$(curl -s -o "$T/repo.pem" -w '%{http_code}' "${REPO}cert/$SERIAL.pem")"
check "the repository's certificate is the bound one" cmp <(openssl x509 -in "$T/repo.pem" -outform DER) \
  <(openssl x509 -in "$T/ra-cert.pem" -outform DER)
check "it verifies under the CA" openssl verify -CAfile "$T/trust/root.pem" -untrusted "$T/trust/issuing-ca.pem" "$T/ra-cert.pem"
check_eq "mail waits while the SMTP server is down" 0 "$(rasql "$D" "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND subject LIKE '%issued%'")"
start_smtp
for who in req1@example.gov.hk bm1@example.gov.hk tmchan@example.gov.hk; do
  wait_for 30 test "$(mails_to "$who" "certificate issued")" = 1 || true
  check_eq "mail to $who after the server came back" 1 "$(mails_to "$who" "certificate issued")"
done
wait_for 15 test "$(mails_to tmchan@example.gov.hk "renewal notice")" = 1 || true
check_eq "renewal notice at 800 days: once" 1 "$(mails_to tmchan@example.gov.hk "renewal notice")"
check_eq "each lead time once" 1 "$(rasql "$D" "SELECT count(*) FROM reminders WHERE serial = '$SERIAL' AND days = 800")"

apptok=$("$GCERT" ra app-token --dir "$D" --name e-filing)
usable() { racurl -s -H "Authorization: Bearer $apptok" "${RA}api/usable/$SERIAL"; }
out=$(usable)
check_eq "use-time check: ok" "True ok" "$(jq_get usable <<<"$out" | sed 's/true/True/') $(jq_get reason <<<"$out")"

# ---- key custody (App. E II) ----
api bm1 POST /api/key-requests "{\"serial\": \"$SERIAL\", \"reason\": \"officer left; records must be read\"}"
check_eq "key request: 201" 201 "$CODE"
kr=$(jq_get id <<<"$BODY")
api bm1 POST "/api/key-requests/$kr/approve"
check_eq "the asker never approves: 403" 403 "$CODE"
api admin1 POST "/api/key-requests/$kr/approve"
check_eq "first officer: 200" 200 "$CODE"
api admin1 POST "/api/key-requests/$kr/approve"
check_eq "the same officer twice: 409" 409 "$CODE"
api bm1 POST "/api/key-requests/$kr/export" '{"passphrase": "correct horse battery"}'
check_eq "export before two approvals: 409" 409 "$CODE"
set +e
rasql "$D" "INSERT INTO key_approvals (request, officer, asked_by, org_id, at) VALUES ($kr, $bm1, $bm1, 1, 0)" 2>/dev/null
check "the database refuses the asker's approval" test $? -ne 0
set -e
api bm2 POST "/api/key-requests/$kr/approve"
check_eq "second officer: approved" approved "$(jq_get status <<<"$BODY")"
api admin1 POST "/api/key-requests/$kr/export" '{"passphrase": "correct horse battery"}'
check_eq "only the asker exports: 403" 403 "$CODE"
CODE=$(racurl -s -o "$T/key.p12" -w '%{http_code}' -b "$T/jar.bm1" -H "X-CSRF-Token: $(cat "$T/csrf.bm1")" \
  -H 'Content-Type: application/json' --data-binary '{"passphrase": "correct horse battery"}' "${RA}api/key-requests/$kr/export")
check_eq "export: 200" 200 "$CODE"
check "the PKCS#12 opens with the passphrase" openssl pkcs12 -in "$T/key.p12" -passin "pass:correct horse battery" -nodes -out "$T/p12.pem"
check "its key is the certificate's" cmp <(openssl pkey -in "$T/p12.pem" -pubout -outform DER) \
  <(openssl x509 -in "$T/ra-cert.pem" -noout -pubkey | openssl pkey -pubin -outform DER)
api bm1 POST "/api/key-requests/$kr/export" '{"passphrase": "correct horse battery"}'
check_eq "exported once: 409" 409 "$CODE"
check_eq "each custody step audited" "1 2 1" "$(rasql "$D" "SELECT (SELECT count(*) FROM audit_log WHERE event = 'ra.key_requested') || ' ' || (SELECT count(*) FROM audit_log WHERE event = 'ra.key_approved') || ' ' || (SELECT count(*) FROM audit_log WHERE event = 'ra.key_exported')")"

# ---- renewal (§3.2): a new application naming the certificate, identity checked again,
# a new key pair; the same applicant ----
renew_json() { "$PY" -c 'import json,sys; a=json.loads(sys.argv[1]); a["renews"]=sys.argv[2]; a["validity_years"]=1; print(json.dumps(a))' "$APP_JSON" "$1"; }
api req1 POST /api/applications "$(renew_json "$SERIAL")"
check_eq "renewal application: 201" 201 "$CODE"
rapp=$(jq_get id <<<"$BODY")
check_eq "renewal: the same applicant number" "$(rasql "$D" "SELECT applicant_id FROM applications WHERE id = $app")" \
  "$(rasql "$D" "SELECT applicant_id FROM applications WHERE id = $rapp")"
api bm1 POST "/api/applications/$rapp/approve" "$APPROVE_JSON"
check_eq "renewal issued" issued "$(jq_get status <<<"$BODY")"
SERIAL2=$(jq_get serial <<<"$BODY")
check_eq "the CA recorded it as the renewal of the first" "$SERIAL" "$(sql "$CA" "SELECT renews FROM certificates WHERE serial = '$SERIAL2'")"
api bm1 GET "/api/certificates/$SERIAL2"
"$PY" -c 'import json,sys; open(sys.argv[1], "w").write(json.load(sys.stdin)["pem"])' "$T/ra-cert2.pem" <<<"$BODY"
check "a new key pair" test "$(openssl x509 -in "$T/ra-cert.pem" -noout -pubkey)" != "$(openssl x509 -in "$T/ra-cert2.pem" -noout -pubkey)"
api req1 POST /api/applications "$(renew_json "$SERIAL")"
rapp2=$(jq_get id <<<"$BODY")
api bm1 POST "/api/applications/$rapp2/approve" "$APPROVE_JSON"
check_eq "renewing the same certificate twice: the CA refuses" failed "$(jq_get status <<<"$BODY")"
check_contains "with its code" GC_E_DUPLICATE_REQUEST "$(jq_get error <<<"$BODY")"
# a refusal is corrected by the requester and sent again: a new application naming it
fix_json() { "$PY" -c 'import json,sys; a=json.loads(sys.argv[1]); a["corrects"]=int(sys.argv[2]); print(json.dumps(a))' "$APP_JSON" "$1"; }
api req1 POST /api/applications "$(fix_json "$app")"
check_eq "correcting an issued application: 409" "409 corrects" "$CODE $(jq_get "['error'].get('field')" <<<"$BODY")"
api req1 POST /api/applications "$(fix_json "$rapp2")"
check_eq "the refused application corrected: 201" "201 pending" "$CODE $(jq_get status <<<"$BODY")"
fixed=$(jq_get id <<<"$BODY")
check_eq "it names the one it corrects" "$rapp2" "$(jq_get corrects <<<"$BODY")"
api req1 GET "/api/applications/$rapp2"
check_eq "the refused one names its correction" "failed $fixed" "$(jq_get status <<<"$BODY") $(jq_get corrected_by <<<"$BODY")"
api req1 POST /api/applications "$(fix_json "$rapp2")"
check_eq "corrected once only: 409" 409 "$CODE"
set +e
rasql "$D" "UPDATE applications SET corrects = $rapp2 WHERE id = $app" 2>/dev/null
check "the database holds one correction per refusal" test $? -ne 0
set -e
api bm1 POST "/api/applications/$fixed/approve" "$APPROVE_JSON"
check_eq "the correction is issued" issued "$(jq_get status <<<"$BODY")"

# ---- a revocation left too long is flagged overdue; a rejected one changes nothing ----
api req1 POST /api/revocations "{\"serial\": \"$SERIAL2\"}"
rev2=$(jq_get id <<<"$BODY")
check_eq "reason defaults to 0 (§4.4.1)" 0 "$(jq_get reason <<<"$BODY")"
rasql "$D" "UPDATE revocations SET due = 1000 WHERE id = $rev2"
api bm1 GET "/api/revocations?status=pending"
check_eq "overdue past the B/D's working days" true "$(jq_get "['items'][0]['overdue']" <<<"$BODY")"
api bm1 GET "/api/revocations?overdue=1"
check_eq "the overdue filter finds it" "1 $rev2" "$(jq_get total <<<"$BODY") $(jq_get "['items'][0]['id']" <<<"$BODY")"
check_eq "a revocation names its subscriber and type" "CHAN Tai Man David individual" "$(jq_get "['items'][0]['subject_cn']" <<<"$BODY") $(jq_get "['items'][0]['cert_type']" <<<"$BODY")"
api bm1 POST "/api/revocations/$rev2/reject" '{}'
check_eq "rejecting needs a reason: 400" 400 "$CODE"
api bm1 POST "/api/revocations/$rev2/reject" '{"reason": "asked by mistake"}'
check_eq "rejected" rejected "$(jq_get status <<<"$BODY")"
api bm1 GET "/api/certificates/$SERIAL2"
check_eq "the certificate is active again" active "$(jq_get status <<<"$BODY")"

# ---- revocation (§4.4.2) ----
api req1 POST /api/revocations "{\"serial\": \"$SERIAL\", \"reason\": 1, \"note\": \"laptop stolen\"}"
check_eq "revocation request: 201" 201 "$CODE"
rev=$(jq_get id <<<"$BODY")
check_eq "not overdue" false "$(jq_get overdue <<<"$BODY")"
check_contains "due: a time" "T" "$(jq_get due <<<"$BODY")"
out=$(usable)
check_eq "pending revocation: not usable" revocation_pending "$(jq_get reason <<<"$out")"
api req1 POST "/api/revocations/$rev/approve"
check_eq "requester cannot approve a revocation: 403" 403 "$CODE"
api bm1 POST "/api/revocations/$rev/approve"
check_eq "revocation approved and done: 200" 200 "$CODE"
check_eq "revoked by the CA" revoked "$(jq_get status <<<"$BODY")"
check_eq "the CA revoked it with the reason" "1" "$(sql "$CA" "SELECT reason FROM revocations WHERE serial = '$SERIAL'" 2>/dev/null || sql "$CA" "SELECT count(*) FROM revoked WHERE serial = '$SERIAL'")"
api bm1 POST "/api/revocations/$rev/approve"
check_eq "approving twice: 409" 409 "$CODE"
api bm1 POST /api/key-requests "{\"serial\": \"$SERIAL\", \"reason\": \"again\"}"
check_eq "a revoked certificate's key is never used again: 409" 409 "$CODE"
wait_for 30 test "$(mails_to tmchan@example.gov.hk "revoked")" = 1 || true
check_eq "the subscriber is told" 1 "$(mails_to tmchan@example.gov.hk "revoked")"
api req1 POST /api/applications "$(renew_json "$SERIAL")"
check_eq "a revoked certificate is never renewed: 409" 409 "$CODE"

crl=$(ls "$CA"/repo/crl/*CRL2.crl)
crl_lists_it() { openssl crl -inform DER -in "$crl" -noout -text | tr -d ' :\n' | grep -q "$(tr a-f A-F <<<"$SERIAL")"; }
check "the CRL lists it, published by the CA's schedule alone (no crl issue)" wait_for 120 crl_lists_it
out=$(usable)
check_eq "use-time check: revoked" "revoked false" "$(jq_get reason <<<"$out") $(jq_get usable <<<"$out")"
# the CRL alone decides it: a fresh RA process that forgets its own record still says revoked
stop_ra
rasql "$D" "UPDATE certificates SET status = 'active' WHERE serial = '$SERIAL'"
start_ra "$D"
out=$(usable)
check_eq "revoked per the latest CRL" revoked "$(jq_get reason <<<"$out")"
crlnum=$(openssl crl -inform DER -in "$crl" -noout -crlnumber | sed 's/.*=//')
check_eq "the CRL's number" "$((crlnum))" "$(jq_get crl_number <<<"$out")"
check "the RA's audit trail verifies as a chain" test "$(rasql "$D" "SELECT count(*) FROM audit_log")" -gt 10
stop_ra
finish
