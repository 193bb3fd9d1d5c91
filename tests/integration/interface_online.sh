#!/usr/bin/env bash
# interface_online.sh - online mode (SPEC §3): request files by HTTPS POST over mutual TLS,
# driven with curl. A pinned client succeeds; an unpinned, absent or expired client
# certificate is refused in the TLS handshake and audited; a tampered file is refused
# whole; a replay issues nothing.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ra.key" -out "$T/ra.pem" -days 365 \
  -subj "/O=OGCIO/CN=CMMP RA service" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -out "$T/other.pem" -days 365 \
  -subj "/O=OGCIO/CN=CMMP RA service" 2>/dev/null
"$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$T/ra.pem" >/dev/null
"$GCERT" ca service-cert --dir "$CA" --out "$T/svc.pem"
"$GCERT" ca service-cert --dir "$CA" --tls --out "$T/tls.pem"
# issue 15: the endpoint's TLS key is made in the token, never in a file
check "no TLS key file" test ! -e "$CA/token/tls.key"
check_token_key "interface TLS" "$CA" gcert-ca ca-tls
check_contains "its making is audited" 'interface TLS key made in the token (key "ca-tls"' \
  "$(sql "$CA" "SELECT detail FROM audit_log WHERE event='ca.key_generated' AND object='ca-tls'")"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
serve() { # [faketime offset] -> $PORT; the first as part of the CA service, the second alone
  local log=$T/serve.$RANDOM.log
  # libfaketime preloaded into gcert itself, so the PID killed at the end is the server's
  if [[ -n ${1:-} ]]; then LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 FAKETIME="$1" \
    "$GCERT" interface serve --dir "$CA" --listen 127.0.0.1:0 >"$log" 2>&1 &
  else "$GCERT" ca serve --dir "$CA" --listen 127.0.0.1:0 --ldap none --interface-listen 127.0.0.1:0 >"$log" 2>&1 & fi
  PIDS+=($!)
  for _ in $(seq 50); do grep -q 'interface.* https' "$log" && break; sleep 0.1; done
  PORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\)/interface.*|\1|p' "$log")
  [[ -n $PORT ]] || { cat "$log" >&2; fail "server did not start"; finish; }
}
post() { # FILE KEY CERT -> $CODE (HTTP status, 000 when refused), body in $T/resp
  set +e
  CODE=$(curl -s -o "$T/resp" -w '%{http_code}' --cacert "$T/tls.pem" --cert "$3" --key "$2" \
    -H 'Content-Type: application/cms' --data-binary "@$1" "https://127.0.0.1:$PORT/interface")
  CURL_RC=$?
  set -e
}
count() { sql "$CA" "SELECT count(*) FROM certificates"; }
refusals() { sql "$CA" "SELECT count(*) FROM audit_log WHERE event='interface.tls_refused'"; }

make_csr "$T/k1.key" "$T/k1.csr"
make_request "$T/r1.json" r-1 individual 2 "$T/k1.csr"
"$PY" - "$T/r1.json" "$T/batch.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
json.dump({"format": "gcert-interface/1", "batch_id": "online-1", "created": "2026-11-25T09:00:00Z",
           "requests": [r]}, open(sys.argv[2], "w"), ensure_ascii=False)
PY
openssl cms -sign -binary -nodetach -outform DER -in "$T/batch.json" -out "$T/batch.req" \
  -signer "$T/ra.pem" -inkey "$T/ra.key"

serve
post "$T/batch.req" "$T/ra.key" "$T/ra.pem"
check_eq "pinned client: 200" 200 "$CODE"
# the handshake is signed by the token's key: the certificate served is tls.pem, whose key
# is the token's "ca-tls" (openssl s_client, pkcs11-tool)
token_pubkey "$CA" gcert-ca ca-tls "$T/token-tls.pub"
served_pubkey "127.0.0.1:$PORT" "$T/served.pub" -cert "$T/ra.pem" -key "$T/ra.key"
check "served key = the token's key" cmp "$T/served.pub" "$T/token-tls.pub"
check "served key = tls.pem's key" cmp "$T/served.pub" <(openssl x509 -in "$T/tls.pem" -pubkey -noout)
check "TLS 1.3 with the token key verifies against tls.pem" bash -c "openssl s_client -connect 127.0.0.1:$PORT \
  -tls1_3 -CAfile '$T/tls.pem' -verify_return_error -cert '$T/ra.pem' -key '$T/ra.key' </dev/null 2>&1 | grep -q 'Verify return code: 0'"
check "TLS 1.2 too" bash -c "openssl s_client -connect 127.0.0.1:$PORT -tls1_2 -CAfile '$T/tls.pem' \
  -verify_return_error -cert '$T/ra.pem' -key '$T/ra.key' </dev/null 2>&1 | grep -q 'Verify return code: 0'"
check "result verifies with the pinned CA service certificate" openssl cms -verify -binary -inform DER \
  -in "$T/resp" -CAfile "$T/svc.pem" -purpose any -out "$T/result.json"
check_eq "issued" issued "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["status"])' "$T/result.json")"
check_eq "one certificate" 1 "$(count)"
cp "$T/resp" "$T/first.res"
post "$T/batch.req" "$T/ra.key" "$T/ra.pem"
check_eq "replay: 200" 200 "$CODE"
check "replay: the stored result" cmp "$T/resp" "$T/first.res"
check_eq "replay: nothing issued" 1 "$(count)"

before=$(refusals)
post "$T/batch.req" "$T/other.key" "$T/other.pem"
check_eq "unpinned client certificate: refused in the handshake (no HTTP status)" 000 "$CODE"
set +e
curl -s -o /dev/null --cacert "$T/tls.pem" -H 'Content-Type: application/cms' --data-binary "@$T/batch.req" \
  "https://127.0.0.1:$PORT/interface"
check "no client certificate: refused" test $? -ne 0
set -e
sleep 0.3
check_eq "both refusals audited" $((before + 2)) "$(refusals)"
check_contains "the audit names the reason" "not pinned" \
  "$(sql "$CA" "SELECT group_concat(detail, ' | ') FROM audit_log WHERE event='interface.tls_refused'")"
check_eq "refusals issued nothing" 1 "$(count)"

# tampered file: through TLS, refused whole with a signed error
"$PY" - "$T/batch.req" "$T/tampered.req" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read()); i = d.find(b"online-1"); d[i] ^= 1
open(sys.argv[2], "wb").write(d)
PY
post "$T/tampered.req" "$T/ra.key" "$T/ra.pem"
check_eq "tampered file: 422" 422 "$CODE"
check "tampered file: the refusal is signed" openssl cms -verify -binary -inform DER -in "$T/resp" \
  -CAfile "$T/svc.pem" -purpose any -out "$T/err.json"
check_contains "tampered file: code" GC_E_IFACE_SIGNATURE "$(cat "$T/err.json")"
set +e
CODE=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/tls.pem" --cert "$T/ra.pem" --key "$T/ra.key" \
  -H 'Content-Type: text/plain' --data-binary "@$T/batch.req" "https://127.0.0.1:$PORT/interface")
set -e
check_eq "wrong content type: 415" 415 "$CODE"
set +e
CODE=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/tls.pem" --cert "$T/ra.pem" --key "$T/ra.key" \
  "https://127.0.0.1:$PORT/interface")
set -e
check_eq "GET: 405" 405 "$CODE"
check_eq "still one certificate" 1 "$(count)"

# the RA's certificate has expired since it was pinned: refused in the handshake
serve '+400d'
before=$(refusals)
post "$T/batch.req" "$T/ra.key" "$T/ra.pem"
check_eq "expired pinned client certificate: refused" 000 "$CODE"
sleep 0.3
check_contains "expiry audited" "not valid now" \
  "$(sql "$CA" "SELECT detail FROM audit_log WHERE event='interface.tls_refused' ORDER BY id DESC LIMIT 1")"
finish
