#!/usr/bin/env bash
# ra_link.sh - the RA's token and link to the CA (src/ra/link.h, docs/ra-link.md), through
# tests/ra/ra_link_test.c, against a real CA (`gcert ca serve` with the interface endpoint),
# a real SoftHSM2 token, and tools we did not write (openssl, p11tool, PyKCS11):
# subscriber key + CSR -> issue over mutual TLS -> the certificate certifies the token key;
# replay; bad CA pin; CA down; unpinned RA; revocation seen in the CRL; tampered CRL;
# App. E II PKCS#12 export; the key is sensitive; a disabled key is refused; batch mode.
source "$(dirname "$0")/lib.sh"

RL=${GCERT_BUILD:?GCERT_BUILD must name the build directory}/tests/ra_link_test
MODULE=/usr/lib/softhsm/libsofthsm2.so
CA=$T/ca
RA=$T/ra

# rl ARGS...: runs the driver; stdout in $OUT, "CODE: detail" in $ERR, exit status in $RC
rl() {
  set +e
  OUT=$("$RL" "$@" 2>"$T/rl.err"); RC=$?
  set -e
  ERR=$(cat "$T/rl.err")
}
# link_json [python statements on `d`]: writes $RA/link.json from the running CA's ports
link_json() {
  "$PY" - "$RA/link.json" "$IFACE_URL" "$URL" "$@" <<'PY'
import json, sys
out, iface, repo = sys.argv[1:4]
d = {"format": "gcert-ra-link/1", "ra_name": "cmmp", "mode": "online",
     "ca": {"interface_url": iface, "service_cert": "ca-service.pem", "tls_cert": "ca-tls.pem"},
     "crl": {"urls": [repo + "crl/eCertCA2-17CRL2.crl"], "ca_certs": ["ca-certs/issuing-ca.pem"]},
     "timeouts": {"connect_seconds": 5, "request_seconds": 60, "crl_seconds": 10}}
for stmt in sys.argv[4:]:
    exec(stmt)
open(out, "w").write(json.dumps(d, indent=1))
PY
}
# batch_doc OUT BATCH_ID REQUEST_JSON_FILE...: a request document around request objects
batch_doc() {
  "$PY" - "$@" <<'PY'
import json, sys
out, bid = sys.argv[1:3]
reqs = [json.load(open(f)) for f in sys.argv[3:]]
json.dump({"format": "gcert-interface/1", "batch_id": bid, "created": "2026-11-25T09:00:00Z",
           "requests": reqs}, open(out, "w"), ensure_ascii=False)
PY
}
field() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
pubkey() { openssl "$1" -in "$2" -noout -pubkey; }
# p11 LABEL: what the token itself lets a PIN holder do with a private key (PyKCS11):
# "sign=OK|CKR_... wrap=OK|CKR_..."
p11() {
  SOFTHSM2_CONF=$RA/token/softhsm2.conf "$PY" - "$MODULE" "$(cat "$RA/token/user.pin")" "$1" <<'PY'
import sys, os, PyKCS11
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
slot = [s for s in lib.getSlotList(tokenPresent=True) if lib.getTokenInfo(s).label.strip(" \0") == "gcert-ra"][0]
s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION); s.login(sys.argv[2])
k = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_LABEL, sys.argv[3])])[0]
def attempt(f):
    try:
        f(); return "OK"
    except PyKCS11.PyKCS11Error as e:
        return PyKCS11.CKR[e.value]
def wrap():
    w = s.createObject([(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
                        (PyKCS11.CKA_TOKEN, False), (PyKCS11.CKA_WRAP, True), (PyKCS11.CKA_VALUE, os.urandom(32))])
    s.wrapKey(w, k, PyKCS11.Mechanism(PyKCS11.CKM_AES_KEY_WRAP_PAD))
print("sign=%s wrap=%s" % (attempt(lambda: s.sign(k, b"x" * 32, PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS))),
                           attempt(wrap)))
PY
}

# --- the RA directory and the CA that pins it
rl init "$RA"
check_eq "init: exit 0" 0 "$RC"
check "the RA service certificate is a certificate" openssl x509 -in "$RA/ra-service.pem" -noout
check_eq "the user PIN is the owner's alone" 600 "$(stat -c %a "$RA/token/user.pin")"
rl init "$RA"
check_contains "init twice: refused" GC_E_DIR_EXISTS "$ERR"

new_ca "$CA"
"$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$RA/ra-service.pem" >/dev/null
"$GCERT" ca service-cert --dir "$CA" --out "$RA/ca-service.pem"
"$GCERT" ca service-cert --dir "$CA" --tls --out "$RA/ca-tls.pem"
"$GCERT" ca certs --dir "$CA" --out-dir "$RA/ca-certs" >/dev/null
start_serve "$CA" --ldap none --interface-listen 127.0.0.1:0
wait_for 10 grep -q "interface at" "$T/serve.out"
IFACE_URL=$(sed -n 's/.*interface at \(https[^ ]*\) .*/\1/p' "$T/serve.out")
link_json

rl open "$RA"
check_eq "open: exit 0" 0 "$RC"
cp "$RA/link.json" "$T/link.good"
link_json 'd["ca"]["colour"] = "blue"'
rl open "$RA"
check_contains "link.json: an unknown key is an error naming it" "ca.colour: unknown key" "$ERR"
link_json 'd["mode"] = "sometimes"'
rl open "$RA"
check_contains "link.json: mode is online or batch" "mode" "$ERR"
link_json 'del d["ca"]["service_cert"]'
rl open "$RA"
check_contains "link.json: the CA pin is required" "ca.service_cert: missing" "$ERR"
cp "$T/link.good" "$RA/link.json"

# --- subscriber key and CSR in the token
rl new-key "$RA" alice-1
check_eq "new-key: exit 0" 0 "$RC"
printf '%s\n' "$OUT" >"$T/alice.csr"
check "the CSR's signature verifies (proof of possession)" openssl req -in "$T/alice.csr" -verify -noout
check_contains "RSA 2048" "Public-Key: (2048 bit)" "$(openssl req -in "$T/alice.csr" -noout -text)"
rl new-key "$RA" alice-1
check_contains "a reused label: refused" GC_E_RA_KEY_EXISTS "$ERR"
check_eq "a reused label: exit 4" 4 "$RC"
rl new-key "$RA" 'alice 1/../x'
check_contains "a malformed label: refused" GC_E_RA_LABEL "$ERR"

# --- issue online, over mutual TLS with the token's service key
make_request "$T/req1.json" req-1 individual 2 "$T/alice.csr"
batch_doc "$T/b1.json" b-1 "$T/req1.json"
rl send "$RA" "$T/b1.json"
check_eq "send: exit 0" 0 "$RC"
printf '%s' "$OUT" >"$T/r1.json"
check_eq "issued" issued "$(field "$T/r1.json" 'd["results"][0]["status"]')"
check_eq "answers the batch" b-1 "$(field "$T/r1.json" 'd["in_reply_to"]')"
field "$T/r1.json" 'd["results"][0]["certificate"]' >"$T/alice.pem"
SERIAL=$(field "$T/r1.json" 'd["results"][0]["serial"]')
check_eq "the certificate certifies the token's key" "$(pubkey req "$T/alice.csr")" "$(pubkey x509 "$T/alice.pem")"
check_eq "one certificate at the CA" 1 "$(sql "$CA" "SELECT count(*) FROM certificates")"

rl send "$RA" "$T/b1.json"
check_eq "replay: exit 0" 0 "$RC"
printf '%s' "$OUT" >"$T/r1b.json"
check_eq "replay: the same result" "$(field "$T/r1.json" 'd["results"]')" "$(field "$T/r1b.json" 'd["results"]')"
check_eq "replay: nothing issued again" 1 "$(sql "$CA" "SELECT count(*) FROM certificates")"

# --- what must fail, and how
make_csr "$T/k2.key" "$T/k2.csr"
make_request "$T/req2.json" req-2 functional_unit 1 "$T/k2.csr" 'r["subject"]["name"] = "Registry Unit"' \
  'del r["subject"]["email"]' 'r["subject"]["category"] = "Functional Unit"'
batch_doc "$T/b2.json" b-2 "$T/req2.json"
link_json 'd["ca"]["service_cert"] = "ca-certs/root.pem"'
rl send "$RA" "$T/b2.json"
check_contains "a bad CA pin: the result is refused" GC_E_RA_SIGNATURE "$ERR"
check_contains "a bad CA pin: names the pin" "root.pem" "$ERR"
cp "$T/link.good" "$RA/link.json"
rl send "$RA" "$T/b2.json"
check_eq "the same bytes with the right pin: issued (from the CA's records)" issued \
  "$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["results"][0]["status"])' "$OUT")"

link_json 'd["ca"]["tls_cert"] = "ca-service.pem"'
rl send "$RA" "$T/b2.json"
check_contains "the CA's TLS certificate is not the pinned one: TLS error" GC_E_RA_TLS "$ERR"
cp "$T/link.good" "$RA/link.json"

rl init "$T/ra2"
cp "$RA/link.json" "$RA/ca-service.pem" "$RA/ca-tls.pem" "$T/ra2/"
cp -r "$RA/ca-certs" "$T/ra2/"
rl send "$T/ra2" "$T/b2.json"
check_contains "an RA the CA has not pinned: refused in TLS" GC_E_RA_TLS "$ERR"
check_contains "... with a hint at pinning" "pin" "$ERR"

DOWN=https://127.0.0.1:$(free_port)/interface
link_json "d['ca']['interface_url'] = '$DOWN'"
rl send "$RA" "$T/b2.json"
check_contains "CA not running: connection error" GC_E_RA_CONNECT "$ERR"
check_contains "... naming the URL" "$DOWN" "$ERR"
check_eq "... exit 5" 5 "$RC"
cp "$T/link.good" "$RA/link.json"

printf '{"format":"gcert-interface/1","batch_id":"x"' >"$T/bad.json"
rl send "$RA" "$T/bad.json"
check_contains "a malformed document is never signed or sent" GC_E_JSON "$ERR"

# --- revocation through the interface, seen by the use-time CRL check
"$GCERT" crl issue --dir "$CA" >/dev/null
rl crl-check "$RA" "$SERIAL"
check_eq "before revocation: good" "good" "${OUT%% *}"
cat >"$T/rev.json" <<EOF
{"id": "rev-1", "type": "revoke", "serial": "$SERIAL", "reason": 1}
EOF
batch_doc "$T/b3.json" b-3 "$T/rev.json"
rl send "$RA" "$T/b3.json"
check_eq "revoked through send" revoked \
  "$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["results"][0]["status"])' "$OUT")"
"$GCERT" crl issue --dir "$CA" >/dev/null
NUMBER=$(openssl crl -inform DER -in "$CA/repo/crl/eCertCA2-17CRL2.crl" -noout -crlnumber | sed 's/.*=\(0x\)\{0,1\}//')
rl crl-check "$RA" "$SERIAL"
check_eq "after revocation and a CRL: revoked, with that CRL's number" "revoked $((16#$NUMBER))" "$OUT"
rl crl-check "$RA" "0000000000000000000000000000000000000001"
check_eq "another serial: good" "good $((16#$NUMBER))" "$OUT"
rl crl-check "$RA" "12345"
check_contains "a malformed serial: refused" GC_E_REQUEST_FIELD "$ERR"

# the cached CRL is used until its nextUpdate: a file changed meanwhile is not fetched
"$RL" crl-check "$RA" "$SERIAL" "$T/go" >"$T/cached.out" 2>&1 &
CACHED_PID=$!
wait_for 10 grep -q revoked "$T/cached.out"
cp "$CA/repo/crl/eCertCA2-17CRL2.crl" "$T/crl.orig"
"$PY" - "$T/crl.orig" "$T/crl.bad" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[-5] ^= 0x01  # inside the signature
open(sys.argv[2], "wb").write(d)
PY
publish_file "$T/crl.bad" "$CA" eCertCA2-17CRL2.crl
touch "$T/go"
wait "$CACHED_PID" || true
check_eq "the cached CRL answers again" 2 "$(grep -c "revoked $((16#$NUMBER))" "$T/cached.out")"
rl crl-check "$RA" "$SERIAL"
check_contains "a tampered CRL: refused" GC_E_RA_CRL "$ERR"
check_contains "... its signature" "signature does not verify" "$ERR"
check_eq "... the relying party must not rely (exit 8)" 8 "$RC"
publish_file "$T/crl.orig" "$CA" eCertCA2-17CRL2.crl

# --- App. E II export
printf 'correct horse battery staple\n' >"$T/pass"
rl export "$RA" alice-1 "$T/alice.pem" "$T/pass" "$T/alice.p12"
check_eq "export: exit 0" 0 "$RC"
check "openssl reads the PKCS#12" openssl pkcs12 -in "$T/alice.p12" -info -noout -passin "pass:correct horse battery staple"
check_contains "AES-256-CBC under PBKDF2" "PBES2, PBKDF2, AES-256-CBC" \
  "$(openssl pkcs12 -in "$T/alice.p12" -info -noout -passin "pass:correct horse battery staple" 2>&1)"
openssl pkcs12 -in "$T/alice.p12" -nocerts -nodes -passin "pass:correct horse battery staple" 2>/dev/null \
  | openssl pkey -pubout >"$T/p12.pub"
check_eq "its key is the certified key" "$(pubkey x509 "$T/alice.pem")" "$(cat "$T/p12.pub")"
set +e; openssl pkcs12 -in "$T/alice.p12" -info -noout -passin pass:wrong-passphrase >/dev/null 2>&1; WRONG=$?; set -e
check "a wrong passphrase fails" test "$WRONG" -ne 0
rl export "$RA" alice-1 "$RA/ca-service.pem" "$T/pass" "$T/other.p12"
check_contains "export with a certificate of another key: refused" "does not certify this key" "$ERR"
printf 'short\n' >"$T/short"
rl export "$RA" alice-1 "$T/alice.pem" "$T/short" "$T/short.p12"
check_contains "export with a short passphrase: refused" GC_E_REQUEST_FIELD "$ERR"

# --- the key in the token is sensitive: tools we did not write cannot read it
export SOFTHSM2_CONF=$RA/token/softhsm2.conf
PIN=$(cat "$RA/token/user.pin")
TOKEN_URL=$(p11tool --provider "$MODULE" --list-tokens 2>/dev/null | sed -n 's/.*URL: \(.*token=gcert-ra.*\)/\1/p')
FLAGS=$(GNUTLS_PIN=$PIN p11tool --provider "$MODULE" --login --list-privkeys "$TOKEN_URL" 2>/dev/null)
check_contains "p11tool: sub:alice-1 is CKA_SENSITIVE" "Label: sub:alice-1
	Flags: CKA_PRIVATE; CKA_EXTRACTABLE; CKA_SENSITIVE;" "$FLAGS"
check_eq "PyKCS11: sensitive, the private exponent withheld, the modulus readable" \
  "sensitive=True exponent=withheld modulus=readable" "$("$PY" - "$MODULE" "$PIN" sub:alice-1 <<'PY'
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
slot = [s for s in lib.getSlotList(tokenPresent=True) if lib.getTokenInfo(s).label.strip(" \0") == "gcert-ra"][0]
s = lib.openSession(slot); s.login(sys.argv[2])
k = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_LABEL, sys.argv[3])])[0]
# PyKCS11 answers None for an attribute the token refuses with CKR_ATTRIBUTE_SENSITIVE
sens, d, n = s.getAttributeValue(k, [PyKCS11.CKA_SENSITIVE, PyKCS11.CKA_PRIVATE_EXPONENT, PyKCS11.CKA_MODULUS],
                                 allAsBinary=True)
print("sensitive=%s exponent=%s modulus=%s" % (bool(sens and sens[0]), "readable" if d else "withheld",
                                               "readable" if n else "withheld"))
PY
)"
unset SOFTHSM2_CONF

# --- disabling
check_eq "before disabling, the token signs with the key and lets it be wrapped" "sign=OK wrap=OK" "$(p11 sub:alice-1)"
rl disable "$RA" alice-1
check_eq "disable: exit 0" 0 "$RC"
rl export "$RA" alice-1 "$T/alice.pem" "$T/pass" "$T/again.p12"
check_contains "export of a disabled key: refused" GC_E_RA_KEY_DISABLED "$ERR"
check "... and nothing written" test ! -e "$T/again.p12"
rl new-key "$RA" alice-1
check_contains "its label is never reused" GC_E_RA_KEY_EXISTS "$ERR"
rl disable "$RA" alice-1
check_eq "disabling again: no change, exit 0" 0 "$RC"
check_eq "a PIN holder can set CKA_SIGN back but never CKA_EXTRACTABLE" "sign=OK extractable=CKR_ATTRIBUTE_READ_ONLY" \
  "$(SOFTHSM2_CONF=$RA/token/softhsm2.conf "$PY" - "$MODULE" "$(cat "$RA/token/user.pin")" sub:alice-1 <<'PY'
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
slot = [s for s in lib.getSlotList(tokenPresent=True) if lib.getTokenInfo(s).label.strip(" \0") == "gcert-ra"][0]
s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION); s.login(sys.argv[2])
k = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_LABEL, sys.argv[3])])[0]
def attempt(attr):
    try:
        s.setAttributeValue(k, [(attr, True)]); return "OK"
    except PyKCS11.PyKCS11Error as e:
        return PyKCS11.CKR[e.value]
print("sign=%s extractable=%s" % (attempt(PyKCS11.CKA_SIGN), attempt(PyKCS11.CKA_EXTRACTABLE)))
PY
)"
rl export "$RA" alice-1 "$T/alice.pem" "$T/pass" "$T/again.p12"
check_contains "... and the key stays disabled" GC_E_RA_KEY_DISABLED "$ERR"
rl disable "$RA" alice-1
check_eq "disabling again: exit 0" 0 "$RC"
check_eq "disabling again withdraws CKA_SIGN again" "sign=CKR_KEY_FUNCTION_NOT_PERMITTED wrap=CKR_KEY_UNEXTRACTABLE" \
  "$(p11 sub:alice-1)"
rl disable "$RA" nobody
check_contains "disabling an unknown label: not found" GC_E_HSM_KEY_NOT_FOUND "$ERR"
export SOFTHSM2_CONF=$RA/token/softhsm2.conf
FLAGS=$(GNUTLS_PIN=$PIN p11tool --provider "$MODULE" --login --list-privkeys "$TOKEN_URL" 2>/dev/null)
unset SOFTHSM2_CONF
check_contains "the token itself withdrew its uses and its extractability (the object is kept)" "Label: sub:alice-1
	Flags: CKA_PRIVATE; CKA_SENSITIVE;" "$FLAGS"
check_eq "a PIN holder can neither sign with it nor wrap it any more" \
  "sign=CKR_KEY_FUNCTION_NOT_PERMITTED wrap=CKR_KEY_UNEXTRACTABLE" "$(p11 sub:alice-1)"

# --- the CA's own refusals, as the CA words them
link_json "d['ca']['interface_url'] = '${IFACE_URL%/interface}/nowhere'"
rl send "$RA" "$T/b2.json"
check_contains "a wrong path at the CA: the HTTP status" "GC_E_RA_HTTP" "$ERR"
check_contains "... and its number" "HTTP 404" "$ERR"
stop_serve
"$PY" - "$CA/gcert.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["interface"]["max_requests"] = 1
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
start_serve "$CA" --ldap none --interface-listen 127.0.0.1:0
wait_for 10 grep -q "interface at" "$T/serve.out"
IFACE_URL=$(sed -n 's/.*interface at \(https[^ ]*\) .*/\1/p' "$T/serve.out")
link_json
batch_doc "$T/b9.json" b-9 "$T/req1.json" "$T/req2.json"
rl send "$RA" "$T/b9.json"
check_contains "a file the CA refuses whole (signed 422): refused" GC_E_RA_REFUSED "$ERR"
check_contains "... with the CA's code" GC_E_TOO_LARGE "$ERR"

# --- batch mode: the outbox, `gcert interface process` at the CA, the inbox
link_json 'd["mode"] = "batch"'
rl new-key "$RA" carol-1
printf '%s\n' "$OUT" >"$T/carol.csr"
make_request "$T/req4.json" req-4 individual 1 "$T/carol.csr" 'r["subject"]["name"] = "WONG Carol"'
batch_doc "$T/b4.json" b-4 "$T/req4.json"
rl send "$RA" "$T/b4.json"
check_contains "batch: pending" GC_E_RA_PENDING "$ERR"
check "batch: the signed file is in the outbox" test -f "$RA/outbox/cmmp-b-4.req"
rl collect "$RA"
check_eq "batch: nothing to collect yet" "0:" "$RC:$OUT"
"$GCERT" interface process --dir "$CA" --in "$RA/outbox/cmmp-b-4.req" --out "$RA/inbox/cmmp-b-4.res" >/dev/null
cp "$RA/inbox/cmmp-b-4.res" "$T/b4.res"
rl collect "$RA"
check_eq "batch: collected" issued "$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["results"][0]["status"])' "$OUT")"
check "batch: the result is filed under inbox/done" test -f "$RA/inbox/done/cmmp-b-4.res"
"$PY" - "$T/b4.res" "$RA/inbox/cmmp-b-5.res" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read()); i = d.find(b"issued"); d[i] ^= 1
open(sys.argv[2], "wb").write(d)
PY
rl collect "$RA"
check_contains "batch: a tampered result is refused" GC_E_RA_SIGNATURE "$ERR"
check "batch: ... and set aside" test -f "$RA/inbox/rejected/cmmp-b-5.res"
rl collect "$RA"
check_eq "batch: then nothing" "0:" "$RC:$OUT"

finish
