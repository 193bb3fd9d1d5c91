#!/usr/bin/env bash
# bench/ra_lists.sh - a page of the RA's lists (docs/ra-api.md "Lists") with a B/D
# holding 1,000 waiting applications and 10,000 bound certificates (each certificate is
# bound to an issued application, so 11,000 applications in all): each query is asked
# RUNS times over HTTP by curl against `gcert ra serve`; the median and the slowest
# answer are printed, and the script fails when a median is not under 200 ms.
#
#   bench/ra_lists.sh [BUILD_DIR] [RUNS] [POSTGRESQL_URL]
# With a URL (an empty database, e.g. made on `scripts/pg.sh start DIR`'s server) the RA's
# database is there instead of RADIR/ra.db.
set -euo pipefail
B=$(cd "${1:-build}" && pwd); RUNS=${2:-20}; PGURL=${3:-}
W=$(mktemp -d "${TMPDIR:-/tmp}/gcert-bench-ra.XXXXXX")
PID=
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
G=$B/gcert

"$G" ra init --dir "$W/ra" --name cmmp ${PGURL:+--postgresql "$PGURL"} >/dev/null
printf 'bench-pass-1\n' >"$W/pw"
for u in admin1:bd_admin req1:requester bm1:business_manager; do
  "$G" ra user add --dir "$W/ra" --org OGCIO --username "${u%%:*}" --name "USER ${u%%:*}" \
    --email "${u%%:*}@ogcio.example.gov.hk" --password-file "$W/pw" --roles "${u#*:}" >/dev/null
done

if [[ -n $PGURL ]]; then
echo "== populate: 1,000 pending applications, 10,000 certificates (PostgreSQL, one transaction)"
/usr/bin/time -f "%e s" psql "$PGURL" -qAt -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
INSERT INTO applicants (id, number, org_id, created_at)
  SELECT i, 'A' || lpad(i::text, 9, '0'), (SELECT id FROM orgs WHERE code = 'OGCIO'), 1700000000 + i FROM generate_series(1, 11000) i;
INSERT INTO applications (id, org_id, applicant_id, cert_type, validity_years, terms_accepted, subject,
    status, requested_by, requested_at, decided_by, decided_at, staff_category, proof_type, record_checked,
    proof_last4, key_label, serial)
  SELECT i, (SELECT id FROM orgs WHERE code = 'OGCIO'), i, CASE WHEN i % 7 = 0 THEN 'functional_unit' ELSE 'individual' END,
    1 + i % 3, 1,
    json_build_object('name', (CASE i % 4 WHEN 0 THEN 'CHAN' WHEN 1 THEN 'WONG' WHEN 2 THEN 'LEE' ELSE 'HO' END) || ' Tai Man ' || i,
                      'branch', 'Infrastructure Division', 'branch_abbr', 'INFRA', 'branch_zh', '基礎設施科', 'category', 'Civil Servant')::text,
    CASE WHEN i <= 10000 THEN 'issued' ELSE 'pending' END,
    (SELECT id FROM users WHERE username = 'req1'), extract(epoch FROM now())::bigint - (11000 - i) * 600,
    CASE WHEN i <= 10000 THEN (SELECT id FROM users WHERE username = 'bm1') END,
    CASE WHEN i <= 10000 THEN extract(epoch FROM now())::bigint - (11000 - i) * 600 + 3600 END,
    CASE WHEN i <= 10000 THEN 'civil_servant' END, CASE WHEN i <= 10000 THEN 'hkid' END,
    CASE WHEN i <= 10000 THEN 'government_personnel_records' END, CASE WHEN i <= 10000 THEN '123A' END,
    CASE WHEN i <= 10000 THEN 'app-' || i || '-bench' END, CASE WHEN i <= 10000 THEN lpad(to_hex(i), 40, '0') END
  FROM generate_series(1, 11000) i;
UPDATE applications a SET search = lower(a.subject || ' ' || p.number || ' req1') FROM applicants p WHERE p.id = a.applicant_id;
INSERT INTO certificates (serial, application_id, org_id, key_label, subject_cn, email, cert_type, not_before,
    not_after, der, status, bound_at)
  SELECT a.serial, a.id, a.org_id, a.key_label, a.subject::json->>'name', 'user' || a.id || '@ogcio.example.gov.hk',
    a.cert_type, a.decided_at, a.decided_at + CASE WHEN a.id % 10 = 0 THEN 0 ELSE a.validity_years * 31536000 END, '\x3000'::bytea,
    CASE WHEN a.id % 50 = 0 THEN 'revoked' ELSE 'active' END, a.decided_at + 60
  FROM applications a WHERE a.status = 'issued';
COMMIT;
ANALYZE;
SQL
else
echo "== populate: 1,000 pending applications, 10,000 certificates (SQLite, one transaction)"
/usr/bin/time -f "%e s" sqlite3 "$W/ra/ra.db" <<'SQL'
PRAGMA foreign_keys = ON;
BEGIN;
CREATE TEMP TABLE n(i INTEGER PRIMARY KEY);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 11000) INSERT INTO n SELECT i FROM c;
INSERT INTO applicants (id, number, org_id, created_at)
  SELECT i, printf('A%09d', i), (SELECT id FROM orgs WHERE code = 'OGCIO'), 1700000000 + i FROM n;
INSERT INTO applications (id, org_id, applicant_id, cert_type, validity_years, terms_accepted, subject,
    status, requested_by, requested_at, decided_by, decided_at, staff_category, proof_type, record_checked,
    proof_last4, key_label, serial)
  SELECT i, (SELECT id FROM orgs WHERE code = 'OGCIO'), i, CASE WHEN i % 7 = 0 THEN 'functional_unit' ELSE 'individual' END,
    1 + i % 3, 1,
    json_object('name', printf('%s Tai Man %d', CASE i % 4 WHEN 0 THEN 'CHAN' WHEN 1 THEN 'WONG' WHEN 2 THEN 'LEE' ELSE 'HO' END, i),
                'branch', 'Infrastructure Division', 'branch_abbr', 'INFRA', 'branch_zh', '基礎設施科', 'category', 'Civil Servant'),
    CASE WHEN i <= 10000 THEN 'issued' ELSE 'pending' END,
    (SELECT id FROM users WHERE username = 'req1'), strftime('%s', 'now') - (11000 - i) * 600,
    CASE WHEN i <= 10000 THEN (SELECT id FROM users WHERE username = 'bm1') END,
    CASE WHEN i <= 10000 THEN strftime('%s', 'now') - (11000 - i) * 600 + 3600 END,
    CASE WHEN i <= 10000 THEN 'civil_servant' END, CASE WHEN i <= 10000 THEN 'hkid' END,
    CASE WHEN i <= 10000 THEN 'government_personnel_records' END, CASE WHEN i <= 10000 THEN '123A' END,
    CASE WHEN i <= 10000 THEN printf('app-%d-bench', i) END, CASE WHEN i <= 10000 THEN printf('%040x', i) END
  FROM n;
UPDATE applications SET search = lower(subject || ' ' || printf('A%09d', applicant_id) || ' req1');
INSERT INTO certificates (serial, application_id, org_id, key_label, subject_cn, email, cert_type, not_before,
    not_after, der, status, bound_at)
  SELECT a.serial, a.id, a.org_id, a.key_label, json_extract(a.subject, '$.name'), printf('user%d@ogcio.example.gov.hk', a.id),
    a.cert_type, a.decided_at, a.decided_at + CASE WHEN a.id % 10 = 0 THEN 0 ELSE a.validity_years * 31536000 END, x'3000',
    CASE WHEN a.id % 50 = 0 THEN 'revoked' ELSE 'active' END, a.decided_at + 60
  FROM applications a WHERE a.status = 'issued';
COMMIT;
SQL
fi

"$G" ra serve --dir "$W/ra" --listen 127.0.0.1:0 >"$W/ra.out" 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q "RA service at" "$W/ra.out" && break; sleep 0.1; done
RA=$(sed -n 's/.*RA service at \(http[^ ]*\) .*/\1/p' "$W/ra.out")
[[ -n $RA ]] || { cat "$W/ra.out" >&2; exit 1; }
curl -s -o /dev/null -c "$W/jar" -H 'Content-Type: application/json' \
  --data-binary '{"username": "bm1", "password": "bench-pass-1"}' "${RA}api/login"

echo "== load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores; $RUNS runs per query"
slow=0
bench() { # WHAT PATH
  local t=() i total
  total=$(curl -s -b "$W/jar" "$RA${2#/}" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], len(d["items"]))')
  for i in $(seq "$RUNS"); do
    t+=("$(curl -s -o /dev/null -w '%{time_total}' -b "$W/jar" "$RA${2#/}")")
  done
  python3 - "$1" "$2" "$total" "${t[@]}" <<'PY' || slow=1
import statistics, sys
what, path, total, ts = sys.argv[1], sys.argv[2], sys.argv[3], [float(x) * 1000 for x in sys.argv[4:]]
med, worst = statistics.median(ts), max(ts)
print(f"{what:44s} median {med:6.1f} ms  max {worst:6.1f} ms  (total, rows: {total})  {path}")
sys.exit(0 if med < 200 else 1)
PY
}
bench "pending applications, oldest first, page 1" "/api/applications?status=pending&sort=requested_at&order=asc"
bench "pending applications, page 40 of 50" "/api/applications?status=pending&sort=requested_at&order=asc&page=40"
bench "applications: search 'wong tai man 77'" "/api/applications?q=wong%20tai%20man%2077"
bench "decided by me, newest first, page 100" "/api/applications?decided_by_me=1&sort=decided_at&order=desc&page=100"
bench "certificates, newest first, page 1" "/api/certificates"
bench "certificates, page 400 of 400" "/api/certificates?page=400"
bench "certificates: active, by name" "/api/certificates?status=active&sort=subject_cn&per_page=100"
bench "certificates: search a serial" "/api/certificates?q=0000000000000000000000000000000000001f40"
bench "certificates: search 'lee', expired" "/api/certificates?q=lee&status=expired"
[[ $slow == 0 ]] || { echo "FAIL: a median was not under 200 ms" >&2; exit 1; }
