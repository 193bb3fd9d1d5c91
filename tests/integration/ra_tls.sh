#!/usr/bin/env bash
# ra_tls.sh - HTTPS for the RA's people (issue 15): `gcert ra serve` speaks HTTPS by
# default with the key "ra-web-tls" of the RA's token (sensitive, never extractable) and
# RADIR/web-tls.pem; HSTS on every response, the session cookie Secure, the CSP of the web
# UI kept; plain HTTP only with --insecure-http on a loopback address; the operator's
# certificate (`gcert ra tls-cert --csr`, signed by a CA, `--import`) replaces the
# self-signed one only when it certifies the token key, and is then what the server shows.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ra_lib.sh"

D=$T/ra
new_ra "$D"
check "ra init made the web TLS certificate" openssl x509 -in "$D/web-tls.pem" -noout
check_token_key "RA web TLS" "$D" gcert-ra ra-web-tls
check_token_key "RA service" "$D" gcert-ra ra-service
ra_config "$D" "c['web_root'] = '$GCERT_SRC/web/ra'"
start_ra "$D"
check_contains "https URL" "https://127.0.0.1:" "$RA"
check_eq "the certificate to trust is printed" "$(cd "$D" && pwd)/web-tls.pem" "$RA_CERT"
HOSTPORT=${RA#https://}; HOSTPORT=${HOSTPORT%/}

# the handshake is signed by the token's key, which web-tls.pem certifies (openssl, pkcs11-tool)
token_pubkey "$D" gcert-ra ra-web-tls "$T/token.pub"
served_pubkey "$HOSTPORT" "$T/served.pub"
check "served key = the token's key" cmp "$T/served.pub" "$T/token.pub"
check "web-tls.pem certifies it" cmp "$T/token.pub" <(openssl x509 -in "$D/web-tls.pem" -pubkey -noout)
check "TLS 1.3 verifies against web-tls.pem with the name 127.0.0.1" bash -c "openssl s_client -connect $HOSTPORT \
  -tls1_3 -CAfile '$D/web-tls.pem' -verify_ip 127.0.0.1 -verify_return_error </dev/null 2>&1 | grep -q 'Verify return code: 0'"
set +e
curl -s -o /dev/null "$RA"
check_eq "without the RA's certificate curl refuses (60: not trusted)" 60 $?
curl -s -o /dev/null "http://$HOSTPORT/"
check "plain HTTP to the HTTPS port gets nothing" test $? -ne 0
set -e

# headers: HSTS on the UI and the API, the page's CSP kept, the session cookie Secure
racurl -s -D "$T/h.index" -o "$T/index.html" "$RA"
check_contains "index: HSTS" "Strict-Transport-Security: max-age=31536000" "$(cat "$T/h.index")"
check_contains "index: the CSP" "Content-Security-Policy" "$(cat "$T/index.html")"
racurl -s -D "$T/h.api" -o /dev/null "${RA}api/orgs"
check_contains "API: HSTS" "Strict-Transport-Security: max-age=31536000" "$(cat "$T/h.api")"
login admin1
check_eq "login over HTTPS" 200 "$CODE"
cookie=$(grep -i '^set-cookie:' "$T/headers.admin1" | tr -d '\r')
check_contains "cookie Secure" "; Secure" "$cookie"
check_contains "cookie HttpOnly" "HttpOnly" "$cookie"
api admin1 GET /api/me
check_eq "session over HTTPS" 200 "$CODE"
stop_ra

# ---- the operator's certificate ----
rec() { rasql "$D" "SELECT count(*) FROM audit_log WHERE event='ra.tls_cert' AND outcome='$1'"; }
cp "$D/web-tls.pem" "$T/self.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -out "$T/other.pem" -days 30 \
  -subj "/CN=another key" 2>/dev/null
set +e
out=$("$GCERT" ra tls-cert --dir "$D" --import "$T/other.pem" 2>&1); rc=$?
check_eq "another key's certificate: exit 6" 6 "$rc"
check_contains "says why" "does not certify the RA's web TLS key \"ra-web-tls\" in the token" "$out"
printf 'not a certificate\n' >"$T/junk.pem"
out=$("$GCERT" ra tls-cert --dir "$D" --import "$T/junk.pem" 2>&1); rc=$?
check_eq "junk: exit 3" 3 "$rc"
check_contains "junk: says so" "no PEM certificate" "$out"
out=$("$GCERT" ra tls-cert --dir "$D" --import "$T/other.pem" --csr 2>&1); rc=$?
check_eq "--import with --csr: usage, exit 2" 2 "$rc"
set -e
check "refusals changed nothing" cmp "$D/web-tls.pem" "$T/self.pem"
check_eq "both refusals audited" 2 "$(rec failure)"
# a CA of the operator's certifies the token key from a CSR the token signed
"$GCERT" ra tls-cert --dir "$D" --csr --out "$T/web.csr"
check "the CSR verifies (signed in the token)" openssl req -in "$T/web.csr" -verify -noout
check "the CSR's key is the token's" cmp <(openssl req -in "$T/web.csr" -pubkey -noout) "$T/token.pub"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/opca.key" -out "$T/opca.pem" -days 30 \
  -subj "/CN=Operator Test CA" -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$T/ext"
openssl x509 -req -in "$T/web.csr" -CA "$T/opca.pem" -CAkey "$T/opca.key" -CAcreateserial -days 30 \
  -extfile "$T/ext" -out "$T/web.pem" 2>/dev/null
cat "$T/web.pem" "$T/opca.pem" >"$T/web-chain.pem"
out=$("$GCERT" ra tls-cert --dir "$D" --import "$T/web-chain.pem")
check_contains "installed" "restart gcert ra serve" "$out"
check_eq "installed: audited" 1 "$(rec success)"
check "the file holds the certificate and its chain" cmp "$D/web-tls.pem" <(cat "$T/web.pem" "$T/opca.pem" | openssl crl2pkcs7 -nocrl -certfile /dev/stdin | openssl pkcs7 -print_certs | grep -v '^subject=\|^issuer=\|^$')
check_eq "tls-cert prints it" "$(cat "$D/web-tls.pem")" "$("$GCERT" ra tls-cert --dir "$D")"
start_ra "$D"
check "served: the operator's CA is the trust anchor now" curl -sf -o /dev/null --cacert "$T/opca.pem" "${RA}api/orgs"
set +e
curl -s -o /dev/null --cacert "$T/self.pem" "${RA}api/orgs"
check "the old self-signed certificate no longer verifies" test $? -ne 0
set -e
HOSTPORT=${RA#https://}; HOSTPORT=${HOSTPORT%/}
check_eq "the server sends the certificate and its chain" 2 \
  "$(openssl s_client -connect "$HOSTPORT" -showcerts </dev/null 2>/dev/null | grep -c 'BEGIN CERTIFICATE')"
served_pubkey "$HOSTPORT" "$T/served2.pub"
check "still the token's key" cmp "$T/served2.pub" "$T/token.pub"
stop_ra

# ---- plain HTTP: only with --insecure-http, only on loopback ----
set +e
out=$("$GCERT" ra serve --dir "$D" --listen 0.0.0.0:0 --insecure-http 2>&1); rc=$?
check_eq "--insecure-http on 0.0.0.0: exit 2" 2 "$rc"
check_contains "says why" "--insecure-http: only on a loopback address" "$out"
out=$("$GCERT" ra serve --dir "$D" --listen 192.0.2.1:0 --insecure-http 2>&1); rc=$?
check_eq "--insecure-http on another address: exit 2" 2 "$rc"
set -e
RA_CERT=
start_ra "$D" --insecure-http
check_contains "http URL" "http://127.0.0.1:" "$RA"
check_contains "says it is for development" "loopback development only" "$(cat "$T/ra.out")"
login admin1
check_eq "login over loopback HTTP" 200 "$CODE"
cookie=$(grep -i '^set-cookie:' "$T/headers.admin1" | tr -d '\r')
[[ $cookie != *Secure* ]] && pass || fail "cookie: Secure over plain HTTP"
check "no HSTS over plain HTTP" bash -c "! curl -s -D - -o /dev/null '${RA}api/orgs' | grep -qi strict-transport"
stop_ra
finish
