#!/usr/bin/env bash
# bench/crl.sh - the CRL path with N revoked certificates (default 1,000,000), against
# `openssl ca -gencrl` over the same entries. Time and peak RSS by GNU time for both.
#
#   bench/crl.sh [BUILD_DIR] [N]
#   BENCH_DB=pg bench/crl.sh [BUILD_DIR] [N]
# BENCH_DB=pg: the same N revocations also in a CA on a private PostgreSQL server
# (scripts/pg.sh), and `bench_crl issue` run alternately on SQLite and on PostgreSQL,
# three times each, in the same run (no openssl part).
# CA=DIR (SQLite): the CA of the runs is DIR, populated only when DIR/gcert.db is not there
# yet, and kept, so that a later run at the same N reuses it (1M rows take minutes to
# populate on a loaded machine; each run adds its two archived CRLs to DIR).
set -euo pipefail
B=${1:-build}; N=${2:-1000000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/gcert-bench-crl.XXXXXX")
PGD=
cleanup() {
  [[ -n $PGD ]] && { bash "$SRC/scripts/pg.sh" stop "$PGD" || true; rm -rf "$PGD"; }
  [[ -n "${KEEP:-}" ]] || rm -rf "$W"
}
trap cleanup EXIT
t() { /usr/bin/time -f "%e s, peak RSS %M KiB" "$@"; }

if [[ ${BENCH_DB:-sqlite} == pg ]]; then
  echo "== populate: a CA whose SQLite database holds $N revoked g-Certs"
  /usr/bin/time -f "%e s" "$B/bench_crl" populate "$W/ca" "$N"
  echo "== populate: a CA whose PostgreSQL database holds $N revoked g-Certs"
  PGD=$(mktemp -d "${TMPDIR:-/tmp}/gcert-bench-crl-pg.XXXXXX")
  url=$(bash "$SRC/scripts/pg.sh" start "$PGD")
  psql "$url" -qAt -c "CREATE DATABASE benchcrl"
  db=${url%/*}/benchcrl
  "$B/gcert" ca init --dir "$W/pg" --postgresql "$db" >/dev/null
  dp=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"]["crl_dp"])' "$W/pg/gcert.json")
  now=$(date +%s)
  # rows as bench_crl populate writes them on SQLite: random 20-octet serials, first octet 01..7f
  /usr/bin/time -f "%e s" psql "$db" -qAt -v ON_ERROR_STOP=1 <<SQL
INSERT INTO subscribers (ref, created_at) VALUES ('1000000000', 0);
INSERT INTO certificates (serial, ca_id, request_id, subscriber_ref, cert_type, subject_cn,
  organisation, validity_years, spki_sha256, not_before, not_after, status, tbs, der, created_at, issued_at)
SELECT lpad(to_hex(1 + (random() * 126)::int), 2, '0') || substr(md5(random()::text) || md5(random()::text), 1, 38),
  (SELECT id FROM ca_certs WHERE role = 'issuing' AND is_current = 1), 'bench-' || i, '1000000000',
  'individual', 'BENCH User ' || i, 'Bench Bureau', 2, md5(i::text) || md5(random()::text),
  $((now - 86400)), $((now + 2 * 365 * 86400)), 'issued', '\x00', '\x00', $((now - 86400)), $((now - 86400))
  FROM generate_series(1, $N) AS i;
INSERT INTO revocations (serial, scope, ca_id, dp, reason, requested_at, revoked_at, not_after, actor)
SELECT serial, 'ee', ca_id, '$dp', (random() * 6)::int, $((now - 3600)), $((now - 3600)), not_after, 'bench'
  FROM certificates WHERE request_id LIKE 'bench-%';
VACUUM ANALYZE;
SQL
  for i in 1 2 3; do
    echo "== gcert on SQLite: run $i (load $(cut -d' ' -f1-3 /proc/loadavg))"
    t "$B/bench_crl" issue "$W/ca"
    echo "== gcert on PostgreSQL: run $i (load $(cut -d' ' -f1-3 /proc/loadavg))"
    t "$B/bench_crl" issue "$W/pg"
  done
  exit 0
fi

C=${CA:-$W/ca}
if [[ -e $C/gcert.db ]]; then
  echo "== reusing $C: $(sqlite3 "$C/gcert.db" "SELECT count(*) FROM revocations") revocations"
else
  echo "== populate: a CA whose database holds $N revoked g-Certs"
  /usr/bin/time -f "%e s" "$B/bench_crl" populate "$C" "$N"
fi
echo "== gcert: first run (cold page cache)"
t "$B/bench_crl" issue "$C"
for i in 1 2 3; do
  echo "== gcert: steady state, run $i"
  t "$B/bench_crl" issue "$C"
done
"$B/gcert" ca certs --dir "$C" --out-dir "$W/trust" >/dev/null
echo "== independent check: openssl crl -verify of the full CRL"
t openssl crl -inform DER -in "$C/repo/crl/eCertCA2-17CRL1.crl" -CAfile "$W/trust/issuing-ca.pem" -noout

echo "== openssl ca -gencrl over the same $N entries (software RSA-2048 key)"
O=$W/ossl; mkdir "$O"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$O/key.pem" 2>/dev/null
openssl req -x509 -new -key "$O/key.pem" -subj "/C=HK/O=Hongkong Post/CN=bench" -days 30 -out "$O/ca.pem" \
  -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
sqlite3 "$C/gcert.db" "SELECT 'R' || char(9) || substr(strftime('%Y%m%d%H%M%SZ', not_after, 'unixepoch'), 3) || char(9)
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
