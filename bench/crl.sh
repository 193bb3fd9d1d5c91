#!/usr/bin/env bash
# bench/crl.sh - the CRL path with N revoked certificates (default 1,000,000), against
# `openssl ca -gencrl` over the same entries. Time and peak RSS by GNU time for both.
#
#   bench/crl.sh [BUILD_DIR] [N]
set -euo pipefail
B=${1:-build}; N=${2:-1000000}
W=$(mktemp -d "${TMPDIR:-/tmp}/gcert-bench-crl.XXXXXX")
[[ -n "${KEEP:-}" ]] || trap 'rm -rf "$W"' EXIT
t() { /usr/bin/time -f "%e s, peak RSS %M KiB" "$@"; }

echo "== populate: a CA whose database holds $N revoked g-Certs"
/usr/bin/time -f "%e s" "$B/bench_crl" populate "$W/ca" "$N"
echo "== gcert: first run (cold page cache)"
t "$B/bench_crl" issue "$W/ca"
for i in 1 2 3; do
  echo "== gcert: steady state, run $i"
  t "$B/bench_crl" issue "$W/ca"
done
"$B/gcert" ca certs --dir "$W/ca" --out-dir "$W/trust" >/dev/null
echo "== independent check: openssl crl -verify of the full CRL"
t openssl crl -inform DER -in "$W/ca/repo/crl/eCertCA2-17CRL1.crl" -CAfile "$W/trust/issuing-ca.pem" -noout

echo "== openssl ca -gencrl over the same $N entries (software RSA-2048 key)"
O=$W/ossl; mkdir "$O"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$O/key.pem" 2>/dev/null
openssl req -x509 -new -key "$O/key.pem" -subj "/C=HK/O=Hongkong Post/CN=bench" -days 30 -out "$O/ca.pem" \
  -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
sqlite3 "$W/ca/gcert.db" "SELECT 'R' || char(9) || substr(strftime('%Y%m%d%H%M%SZ', not_after, 'unixepoch'), 3) || char(9)
  || substr(strftime('%Y%m%d%H%M%SZ', revoked_at, 'unixepoch'), 3) || ',' ||
  CASE reason WHEN 0 THEN 'unspecified' WHEN 1 THEN 'keyCompromise' WHEN 2 THEN 'CACompromise'
   WHEN 3 THEN 'affiliationChanged' WHEN 4 THEN 'superseded' WHEN 5 THEN 'cessationOfOperation'
   ELSE 'certificateHold' END || char(9) || upper(serial) || char(9) || 'unknown' || char(9) || '/CN=x'
  FROM revocations ORDER BY serial" > "$O/index.txt"
echo 01 > "$O/crlnumber"
echo 'unique_subject = no' > "$O/index.txt.attr"
cat > "$O/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $O/index.txt
crlnumber = $O/crlnumber
default_md = sha256
default_crl_days = 1
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
CNF
t openssl ca -config "$O/ca.cnf" -gencrl -keyfile "$O/key.pem" -cert "$O/ca.pem" -out "$O/crl.pem" 2>&1 | grep -v "^Using"
echo "openssl CRL: $(openssl crl -in "$O/crl.pem" -outform DER | wc -c) octets, $(grep -c . "$O/index.txt") index lines"
