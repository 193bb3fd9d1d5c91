#!/usr/bin/env bash
# repo_http.sh - the public repository over HTTP (CPS §2.5, §2.7, §8; issue 4): the real
# `gcert ca serve` on a loopback port, fetched with curl, bytes compared with the database.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
# generous lookup limits for the functional part; the rate limit has its own run below
python3 - "$CA/gcert.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["repository"]["lookup_burst"] = 1000
open(p, "w").write(json.dumps(c, indent=2))
PY
start_serve "$CA"
check_contains "startup line names the URL" "http://127.0.0.1:" "$URL"

get() { curl -s -o "$T/body" -D "$T/headers" -w '%{http_code} %{content_type}' "$@"; }
hdr() { sed -n "s/^$1: *//Ip" "$T/headers" | tr -d '\r' | head -1; }

# -- index page for people, no listing of subscribers
check_eq "index" "200 text/html; charset=utf-8" "$(get "$URL")"
check_contains "index links the full CRL" 'href="/crl/eCertCA2-17CRL1.crl"' "$(cat "$T/body")"
check_contains "index links the CPS" 'href="/cps/current.txt"' "$(cat "$T/body")"

# -- CA certificates, DER and PEM, from ca_certs
for role in root issuing; do
  name=$([[ $role == root ]] && echo root || echo issuing-ca)
  check_eq "$name.crt" "200 application/pkix-cert" "$(get "${URL}certs/$name.crt")"
  check_eq "$name.crt bytes = ca_certs.der" \
    "$(sqlhex "$CA" "SELECT der FROM ca_certs WHERE role='$role' AND is_current=1")" "$(hexof "$T/body")"
  check_eq "$name.pem" "200 application/x-pem-file" "$(get "${URL}certs/$name.pem")"
  openssl x509 -in "$T/body" -outform DER -out "$T/pem.der" 2>/dev/null
  check_eq "$name.pem is the same certificate" \
    "$(sqlhex "$CA" "SELECT der FROM ca_certs WHERE role='$role' AND is_current=1")" "$(hexof "$T/pem.der")"
done

# -- the CPS and its versions, byte for byte from data/cps
cps=$GCERT_SRC/data/cps/gcert-cps-2020-01-01.zh-Hant.txt
check_eq "current CPS" "200 text/plain; charset=utf-8" "$(get "${URL}cps/current.txt")"
check "current CPS = data/cps text" cmp "$cps" "$T/body"
check_eq "CPS 2020-01-01" "200 text/plain; charset=utf-8" "$(get "${URL}cps/2020-01-01.txt")"
check "CPS 2020-01-01 = data/cps text" cmp "$cps" "$T/body"
check_eq "CPS version index" "200 text/html; charset=utf-8" "$(get "${URL}cps/")"
check_contains "CPS index lists the version" 'href="/cps/2020-01-01.txt"' "$(cat "$T/body")"
check_eq "unknown CPS version" "404" "$(get "${URL}cps/1999-01-01.txt" | cut -d' ' -f1)"

# -- CRLs and ARL straight from repo/crl/, visible as soon as renamed into place
check_eq "the key ceremony's CRL is served" "200" "$(get "${URL}crl/eCertCA2-17CRL1.crl" | cut -d' ' -f1)"
rm "$CA/repo/crl/eCertCA2-17CRL1.crl"
check_eq "a CRL whose file is gone: 404" "404" "$(get "${URL}crl/eCertCA2-17CRL1.crl" | cut -d' ' -f1)"
check_contains "says not published" "not published yet" "$(cat "$T/body")"
for name in eCertCA2-17CRL1.crl eCertCA2-17CRL2.crl RootCA2ARL.crl; do
  make_crl "$T/$name.v1"
  publish_file "$T/$name.v1" "$CA" "$name"
  check_eq "$name served at once" "200 application/pkix-crl" "$(get "${URL}crl/$name")"
  check "$name bytes = the file" cmp "$T/$name.v1" "$T/body"
done
get "${URL}crl/eCertCA2-17CRL1.crl" >/dev/null
etag=$(hdr ETag); lastmod=$(hdr Last-Modified)
check_contains "CRL has a strong ETag" '"' "$etag"
check_contains "CRL has Last-Modified" "GMT" "$lastmod"
check_eq "If-None-Match: 304" "304" "$(get -H "If-None-Match: $etag" "${URL}crl/eCertCA2-17CRL1.crl" | cut -d' ' -f1)"
check_eq "304 carries the ETag" "$etag" "$(hdr ETag)"
check_eq "If-Modified-Since: 304" "304" "$(get -H "If-Modified-Since: $lastmod" "${URL}crl/eCertCA2-17CRL1.crl" | cut -d' ' -f1)"
check_eq "other ETag: 200" "200" "$(get -H 'If-None-Match: "0000"' "${URL}crl/eCertCA2-17CRL1.crl" | cut -d' ' -f1)"
check_eq "HEAD" "200" "$(curl -s -o /dev/null -w '%{http_code}' -I "${URL}crl/eCertCA2-17CRL1.crl")"
# a new CRL replaces the old at once: the old ETag no longer matches
make_crl "$T/crl1.v2"
publish_file "$T/crl1.v2" "$CA" eCertCA2-17CRL1.crl
check_eq "new CRL: old ETag gives 200" "200" "$(get -H "If-None-Match: $etag" "${URL}crl/eCertCA2-17CRL1.crl" | cut -d' ' -f1)"
check "new CRL bytes served" cmp "$T/crl1.v2" "$T/body"
check_eq "unknown CRL name" "404" "$(get "${URL}crl/other.crl" | cut -d' ' -f1)"
check_eq "no path traversal" "404" "$(get --path-as-is "${URL}crl/../gcert.db" | cut -d' ' -f1)"
check_eq "no path traversal (encoded)" "404" "$(get "${URL}crl/..%2Fgcert.db" | cut -d' ' -f1)"

# -- certificate lookups: a certificate issued while serving is visible at once
make_csr "$T/k1.pem" "$T/c1.csr"
make_request "$T/r1.json" req-http-1 individual 2 "$T/c1.csr"
"$GCERT" issue --dir "$CA" --request "$T/r1.json" --out "$T/c1.pem" >/dev/null
t0=$(date +%s%N)
serial=$(sql "$CA" "SELECT serial FROM certificates WHERE request_id='req-http-1'")
code=$(get "${URL}cert/$serial.crt")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "new certificate served (DER)" "200 application/pkix-cert" "$code"
if (( ms < 1000 )); then pass; else fail "new certificate took ${ms} ms (limit 1000)"; fi
check_eq "DER = certificates.der" "$(sqlhex "$CA" "SELECT der FROM certificates WHERE serial='$serial'")" "$(hexof "$T/body")"
check_eq "PEM lookup" "200 application/x-pem-file" "$(get "${URL}cert/$serial.pem")"
check "PEM = the issued certificate" cmp "$T/c1.pem" "$T/body"
check_eq "upper-case serial works" "200" "$(get "${URL}cert/${serial^^}.crt" | cut -d' ' -f1)"
check_eq "page" "200 text/html; charset=utf-8" "$(get "${URL}cert/$serial")"
check_contains "page names the holder" "CHAN Tai Man David" "$(cat "$T/body")"
check_contains "page names the serial" "$serial" "$(cat "$T/body")"
check_eq "certificate ETag + 304" "304" \
  "$(get "${URL}cert/$serial.crt" >/dev/null; get -H "If-None-Match: $(hdr ETag)" "${URL}cert/$serial.crt" | cut -d' ' -f1)"
# by exact email: the newest issued certificate for the address
make_csr "$T/k2.pem" "$T/c2.csr"
make_request "$T/r2.json" req-http-2 individual 1 "$T/c2.csr"
"$GCERT" issue --dir "$CA" --request "$T/r2.json" --out "$T/c2.pem" >/dev/null
serial2=$(sql "$CA" "SELECT serial FROM certificates WHERE request_id='req-http-2'")
check_eq "email lookup (DER)" "200 application/pkix-cert" "$(get "${URL}lookup?email=tmchan@example.gov.hk&format=der")"
check_eq "email lookup gives the newest" "$(sqlhex "$CA" "SELECT der FROM certificates WHERE serial='$serial2'")" "$(hexof "$T/body")"
check_eq "email lookup (page)" "200" "$(get "${URL}lookup?email=tmchan%40example.gov.hk" | cut -d' ' -f1)"
check_eq "serial lookup by query" "200" "$(get "${URL}lookup?serial=$serial&format=pem" | cut -d' ' -f1)"
check "query PEM = the issued certificate" cmp "$T/c1.pem" "$T/body"
# never a listing or a search (CPS §2.7)
check_eq "unknown serial" "404" "$(get "${URL}cert/$(printf '%040d' 7).crt" | cut -d' ' -f1)"
check_eq "error code of the one table" "GC_E_NOT_FOUND" "$(hdr X-Gcert-Error)"
check_eq "other email" "404" "$(get "${URL}lookup?email=nobody@example.gov.hk" | cut -d' ' -f1)"
check_eq "malformed serial" "400" "$(get "${URL}lookup?serial=abc" | cut -d' ' -f1)"
check_contains "400 names the rule" "GC_E_REQUEST_FIELD: serial: must be 40 hex digits" "$(cat "$T/body")"
# an error in the form the client asked for: a page for a browser, JSON for a program
check_eq "a browser gets an error page" "400 text/html; charset=utf-8" "$(get -H 'Accept: text/html,application/xhtml+xml' "${URL}lookup?serial=abc")"
check_contains "... naming the rule" "serial: must be 40 hex digits" "$(cat "$T/body")"
check_contains "... a page" "<h1>400: not available</h1>" "$(cat "$T/body")"
check_eq "... the code still in X-Gcert-Error" "GC_E_REQUEST_FIELD" "$(hdr X-Gcert-Error)"
check_eq "a program asking for JSON gets JSON" "404 application/json; charset=utf-8" "$(get -H 'Accept: application/json' "${URL}cert/$(printf '%040d' 7).crt")"
check_eq "... with the code" GC_E_NOT_FOUND "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$T/body")"
check_eq "partial serial is not a search" "404" "$(get "${URL}cert/${serial:0:20}" | cut -d' ' -f1)"
check_eq "wildcard email is not a search" "400" "$(get "${URL}lookup?email=*" | cut -d' ' -f1)"
check_eq "SQL wildcard email is not a search" "404" "$(get "${URL}lookup?email=%25@example.gov.hk" | cut -d' ' -f1)"
check_eq "lookup without key" "400" "$(get "${URL}lookup" | cut -d' ' -f1)"
check_eq "no certificate listing" "404" "$(get "${URL}cert/" | cut -d' ' -f1)"
# a reserved (not yet issued) certificate is not published
sql "$CA" "INSERT INTO certificates (serial, ca_id, request_id, subscriber_ref, cert_type, subject_cn,
  email, organisation, validity_years, spki_sha256, not_before, not_after, status, tbs, created_at)
  SELECT '$(printf 'ab%038d' 1)', ca_id, 'req-reserved', subscriber_ref, cert_type, subject_cn, email,
  organisation, validity_years, spki_sha256, not_before, not_after, 'reserved', tbs, created_at
  FROM certificates WHERE serial='$serial'"
check_eq "reserved certificate not served" "404" "$(get "${URL}cert/$(printf 'ab%038d' 1).crt" | cut -d' ' -f1)"

# -- HTTP hygiene: only GET/HEAD, no bodies, bounded URLs
check_eq "POST refused" "405" "$(get -X POST -d x "$URL" | cut -d' ' -f1)"
check_eq "405 says Allow" "GET, HEAD" "$(hdr Allow)"
check_eq "body refused" "413" "$(get -X GET -H 'Content-Type: text/plain' --data-binary hello "$URL" | cut -d' ' -f1)"
check_eq "long URL refused" "414" "$(get "${URL}$(head -c 3000 /dev/zero | tr '\0' a)" | cut -d' ' -f1)"
check_eq "unknown path" "404" "$(get "${URL}admin" | cut -d' ' -f1)"

# -- a second service cannot take the same address
port=${URL#http://127.0.0.1:}; port=${port%/}
out=$("$GCERT" ca serve --dir "$CA" --listen "127.0.0.1:$port" 2>&1) && fail "second listener accepted" || pass
check_contains "address in use is reported" "GC_E_HTTP" "$out"

# -- graceful stop, audited
check "SIGTERM stops the service with status 0" stop_serve
check_eq "start and stop audited" "ca.service_started ca.service_stopped" \
  "$(sql "$CA" "SELECT group_concat(event, ' ') FROM (SELECT event FROM audit_log WHERE event LIKE 'ca.service%' ORDER BY id) AS t")"

# -- rate limit of lookups per client: burst 5, then 429 with Retry-After; CRLs unaffected
python3 - "$CA/gcert.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["repository"]["lookup_burst"] = 5
c["repository"]["lookup_per_minute"] = 60
open(p, "w").write(json.dumps(c, indent=2))
PY
start_serve "$CA"
codes=""
for i in 1 2 3 4 5 6 7; do codes+="$(get "${URL}cert/$serial.crt" | cut -d' ' -f1) "; done
check_eq "burst of 5, then 429" "200 200 200 200 200 429 429 " "$codes"
retry=$(hdr Retry-After)
check_eq "429 names its code" "GC_E_RATE_LIMITED" "$(hdr X-Gcert-Error)"
check_contains "429 says Retry-After" "1" "$retry"
check_eq "bad lookups count too" "429" "$(get "${URL}lookup?serial=zz" | cut -d' ' -f1)"
check_eq "CRLs are not rate limited" "200" "$(get "${URL}crl/eCertCA2-17CRL1.crl" | cut -d' ' -f1)"
check_eq "CA certificates are not rate limited" "200" "$(get "${URL}certs/root.crt" | cut -d' ' -f1)"
sleep "$retry"
check_eq "a token again after Retry-After" "200" "$(get "${URL}cert/$serial.crt" | cut -d' ' -f1)"
check "second stop" stop_serve
# CPS §4.5.1: the refusals are in the audit trail, with the client's address
check_eq "refusals audited" "repo.lookup_rate_limited 127.0.0.1 failure" \
  "$(sql "$CA" "SELECT event, object, outcome FROM audit_log WHERE event = 'repo.lookup_rate_limited' LIMIT 1" | tr '|' ' ')"
check_eq "3 refusals counted" "3" \
  "$(sql "$CA" "SELECT sum(CAST(substr(detail, 1, instr(detail, ' ') - 1) AS INTEGER)) FROM audit_log WHERE event = 'repo.lookup_rate_limited'")"

# -- IPv6 loopback, where the host has one
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
  "$GCERT" ca serve --dir "$CA" --listen '[::1]:0' >"$T/v6.out" 2>&1 &
  V6_PID=$!
  at_exit "kill $V6_PID"
  check "IPv6 service starts" wait_for 10 grep -q "repository at http://\[::1\]:" "$T/v6.out"
  v6url=$(sed -n 's/.*repository at \(http[^ ]*\) .*/\1/p' "$T/v6.out")
  check_eq "served over IPv6" "200" "$(curl -g -s -o /dev/null -w '%{http_code}' "${v6url}certs/root.crt")"
  kill -TERM "$V6_PID"; wait "$V6_PID" && pass || fail "IPv6 service did not stop cleanly"
fi

# -- config: bad values refused with the key named
python3 - "$CA/gcert.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["repository"]["lookup_burst"] = 0
open(p, "w").write(json.dumps(c, indent=2))
PY
out=$("$GCERT" ca serve --dir "$CA" --listen 127.0.0.1:0 2>&1) && fail "burst 0 accepted" || pass
check_contains "bad config names the key" "repository.lookup_burst" "$out"
sed -i 's/"lookup_burst": 0/"lookup_burst": 5/' "$CA/gcert.json"
out=$("$GCERT" ca serve --dir "$CA" --listen localhost:80 2>&1) && fail "host name accepted" || pass
check_contains "--listen wants a numeric address" "numeric" "$out"
finish
