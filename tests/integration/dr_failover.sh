#!/usr/bin/env bash
# dr_failover.sh - the recovery site of CPS §4.8.1 (issue 14): a CA whose database is the
# primary of a PostgreSQL pair with a synchronous hot standby (scripts/pg.sh start-standby),
# and an RA (CMMP) whose database is on the same primary,
#   1. `gcert dr drill` passes against the standby, with a report signed by the audit key
#      and an audit record; bad inputs are refused and change nothing;
#   2. a standby whose replay is paused is behind: the drill names each difference and
#      exits non-zero (GC_E_DR_DIFFERS), its failed report and record still written;
#   3. the primary is killed with SIGKILL in the middle of an interface batch (a test
#      trigger holds the batch on one row, so the kill lands mid-batch every time);
#      `gcert dr promote` is refused while the primary answers, then promotes the standby
#      and points the CA directory (and a second node's) at it;
#   4. on the promoted server: every certificate, revocation, CRL, audit record and
#      interface result acknowledged before the kill is there byte for byte (also one
#      issued while the standby's replay was paused), `gcert audit verify` passes, the
#      cRLNumber goes on upward, a replay of an answered file gives its stored result,
#      and the interrupted file sent again issues each request exactly once;
#   5. the RA pointed at the promoted server (`gcert dr promote` on its directory): its
#      bound certificates are there byte for byte, and it goes on binding, one per application.
# It runs its own pair of servers (it kills one); in the suite's PostgreSQL pass it is
# skipped (it ran in the normal pass).
source "$GCERT_SRC/tests/integration/lib.sh"
source "$GCERT_SRC/tests/integration/common.sh"
source "$GCERT_SRC/tests/integration/ra_lib.sh"
[[ $GCERT_TEST_DB == pg ]] && { echo "runs in the normal pass, with servers of its own"; exit 77; }

PGD=$(mktemp -d "${TMPDIR:-/tmp}/gcert-dr.XXXXXX") # outside $T: the server's user reads it
at_exit "bash '$GCERT_SRC/scripts/pg.sh' stop '$PGD'; rm -rf '$PGD'"
{ read -r PRIMARY; read -r STANDBY; } < <(bash "$GCERT_SRC/scripts/pg.sh" start-standby "$PGD")
check "pg.sh start-standby printed two URLs" test -n "$PRIMARY" -a -n "$STANDBY" -a "$PRIMARY" != "$STANDBY"
export PGOPTIONS="-c client_min_messages=warning"
psql "$PRIMARY" -qAt -c "CREATE DATABASE ca"
DB=${PRIMARY%/*}/ca SDB=${STANDBY%/*}/ca
q() { psql "$DB" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
qs() { psql "$SDB" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
check_eq "the standby streams synchronously" "gcert_standby|streaming|sync" \
  "$(psql "$PRIMARY" -qAt -c "SELECT application_name, state, sync_state FROM pg_stat_replication")"
# a synchronous commit is flushed on the standby, not yet replayed: wait for the database
check "the standby replays the new database" wait_for 60 psql "$SDB" -qAt -c "SELECT 1"
check_eq "the standby is in recovery (a hot standby)" t "$(qs "SELECT pg_is_in_recovery()")"

A=$T/a B=$T/b
"$GCERT" ca init --dir "$A" --postgresql "$DB" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ra.key" -out "$T/ra.pem" -days 30 \
  -subj "/CN=CMMP RA service" 2>/dev/null
"$GCERT" ca pin --dir "$A" --ra cmmp --cert "$T/ra.pem" >/dev/null
"$GCERT" ca service-cert --dir "$A" --out "$T/svc.pem"
cp -a "$A" "$B"            # a second node: same configuration, A's token
rm -rf "$B/token/tokens"

POOL=$GCERT_BUILD/test-dr-pool.pem
ASAN_OPTIONS=detect_leaks=0 "$GCERT_BUILD/bench_issue" -n 100 -k "$POOL" -p >/dev/null
NEXT_CSR=0
make_file() { # OUT BATCH N: a signed request file of N fresh requests "BATCH-i"
  "$PY" - "$POOL" "$NEXT_CSR" "$3" "$2" "$T/$2.json" <<'PY'
import json, sys
pool, first, n, batch, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
csrs = open(pool).read().split("-----END CERTIFICATE REQUEST-----\n")[first:first + n]
assert len(csrs) == n, "CSR pool too small"
reqs = [{"id": f"{batch}-{i}", "type": "issue", "cert_type": "individual", "validity_years": 2,
         "subject": {"name": f"CHAN Site {batch} {i}", "email": f"{batch}-{i}@example.gov.hk",
                     "branch": "Infrastructure Division",
                     "organisation": "Office of the Government Chief Information Officer",
                     "branch_abbr": "INFRA", "branch_zh": "基礎設施科",
                     "organisation_zh": "政府資訊科技總監辦公室", "category": "Civil Servant"},
         "csr": c + "-----END CERTIFICATE REQUEST-----\n"} for i, c in enumerate(csrs)]
json.dump({"format": "gcert-interface/1", "batch_id": batch, "created": "2026-11-25T09:00:00Z",
           "requests": reqs}, open(out, "w"), ensure_ascii=False)
PY
  NEXT_CSR=$((NEXT_CSR + $3))
  openssl cms -sign -binary -nodetach -outform DER -in "$T/$2.json" -out "$1" \
    -signer "$T/ra.pem" -inkey "$T/ra.key"
}
results() { # RES: "issued rejected" counts of a result file, checked against the CA service key
  openssl cms -verify -binary -inform DER -in "$1" -CAfile "$T/svc.pem" -purpose any -out "$1.json" 2>/dev/null
  "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(sum(x["status"]=="issued" for x in r), sum(x["status"]!="issued" for x in r))' "$1.json"
}
report() { # REPORT.p7m EXPR: a field of a drill report, its signature checked against the audit key
  q "SELECT encode(der, 'base64') FROM audit_keys ORDER BY id DESC LIMIT 1" 2>/dev/null |
    { echo "-----BEGIN CERTIFICATE-----"; tr -d '\n' | fold -w 64; echo; echo "-----END CERTIFICATE-----"; } >"$T/audit-key.pem"
  openssl cms -verify -binary -inform DER -in "$1" -CAfile "$T/audit-key.pem" -purpose any -out "$1.json" 2>/dev/null &&
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1.json" "$2"
}

# ---- 1: what the CA acknowledges, and a drill that passes ----
for n in c1 c2 c3; do issue_cert "$A" "$n"; printf -v "SERIAL_$n" '%s' "$SERIAL"; done
"$GCERT" revoke --dir "$A" --serial "$SERIAL_c2" --reason keyCompromise >/dev/null
"$GCERT" crl issue --dir "$A" >/dev/null
make_file "$T/f1.req" f1 20
check "interface file f1 processed (exit 0)" "$GCERT" interface process --dir "$A" --in "$T/f1.req" --out "$T/f1.res"
check_eq "f1: all issued" "20 0" "$(results "$T/f1.res")"

# the RA on the primary too (a database of its own), linked to A's service
psql "$PRIMARY" -qAt -c "CREATE DATABASE ra"
RADB=${PRIMARY%/*}/ra SRADB=${STANDBY%/*}/ra
"$GCERT" ca service-cert --dir "$A" --tls --out "$T/tls.pem"
"$GCERT" ca certs --dir "$A" --out-dir "$T/trust" >/dev/null
RPORT=$(free_port) IPORT=$(free_port)
serve_a() { # A's service on fixed ports (the RA's link names them)
  "$GCERT" ca serve --dir "$A" --listen "127.0.0.1:$RPORT" --ldap none --interface-listen "127.0.0.1:$IPORT" \
    >"$T/serve.log" 2>&1 &
  SERVE_PID=$!
  at_exit "kill -9 $SERVE_PID"
  wait_for 60 grep -q 'interface at' "$T/serve.log" || { cat "$T/serve.log" >&2; fail "A's service did not start"; }
}
serve_a
D=$T/ra
"$GCERT" ra init --dir "$D" --name cmmp2 --postgresql "$RADB" --ca-url "https://127.0.0.1:$IPORT/interface" \
  --ca-tls-cert "$T/tls.pem" --ca-service-cert "$T/svc.pem" --ca-repo "http://127.0.0.1:$RPORT/" \
  --ca-cert "$T/trust/issuing-ca.pem" >/dev/null
ra_bootstrap "$D" OGCIO admin1
"$GCERT" ca pin --dir "$A" --ra cmmp2 --cert "$D/ra-service.pem" >/dev/null
start_ra "$D"
ra_users() { login admin1; login req1; login bm1; }
login admin1
add_user admin1 req1 requester >/dev/null
add_user admin1 bm1 business_manager >/dev/null
ra_users
ra_issue() { # NAME: an application made and approved: issued and bound (RA_SERIAL, $T/NAME.pem)
  local app
  api req1 POST /api/applications "$APP_JSON"
  app=$(jq_get id <<<"$BODY")
  api bm1 POST "/api/applications/$app/approve" "$APPROVE_JSON"
  [[ $(jq_get status <<<"$BODY") == issued ]] || { echo "approve: $CODE $BODY" >&2; return 1; }
  RA_SERIAL=$(jq_get serial <<<"$BODY")
  api bm1 GET "/api/certificates/$RA_SERIAL"
  "$PY" -c 'import json,sys; open(sys.argv[1], "w").write(json.load(sys.stdin)["pem"])' "$T/$1.pem" <<<"$BODY"
}
check "the RA: an application issued and bound" ra_issue ra1
RA1=$RA_SERIAL
check_eq "the RA's bound certificate is the CA's" "$(q "SELECT encode(sha256(der), 'hex') FROM certificates WHERE serial = '$RA1'")" \
  "$(openssl x509 -in "$T/ra1.pem" -outform DER | sha256sum | cut -c1-64)"

check "drill against the standby passes" "$GCERT" dr drill --dir "$A" --standby "$SDB" --out "$T/drill1.p7m"
cp "$T/check.out" "$T/drill1.out"
check_contains "drill prints the figures" "rows compared" "$(cat "$T/drill1.out")"
check_eq "the report verifies with the audit key and says pass" "pass: no difference" "$(report "$T/drill1.p7m" "d['result']")"
check_eq "the report counts the certificates" "$(q "SELECT count(*) FROM certificates")" \
  "$(report "$T/drill1.p7m" "d['standby_figures']['tables']['certificates']['rows']")"
check "the report says how many rows it compared" test "$(report "$T/drill1.p7m" "d['rows_compared']")" -gt 30
check_eq "the report names the replication synchronous" True "$(report "$T/drill1.p7m" "d['replication']['synchronous']")"
check_eq "the drill is in the audit trail, with the report's hash" 1 \
  "$(q "SELECT count(*) FROM audit_log WHERE event = 'dr.drill' AND outcome = 'success'
        AND detail LIKE '%report sha256 $(sha256sum "$T/drill1.p7m" | cut -c1-64)'")"

# bad inputs: precise errors, nothing changed
cfg_before=$(sha256sum "$A/gcert.json")
expect_status "drill: --standby not a connection string" 2 "$GCERT" dr drill --dir "$A" --standby nonsense --out "$T/x.p7m"
expect_status "drill: the primary itself as the standby" 4 "$GCERT" dr drill --dir "$A" --standby "$DB" --out "$T/x.p7m"
check_contains "drill names why" "is not a standby (not in recovery)" "$(cat "$T/err")"
check "no report written for a refused drill" test ! -e "$T/x.p7m"
expect_status "drill: never over an existing report" 5 "$GCERT" dr drill --dir "$A" --standby "$SDB" --out "$T/drill1.p7m"
expect_status "drill: --wait out of range" 2 "$GCERT" dr drill --dir "$A" --standby "$SDB" --out "$T/x.p7m" --wait 99999
expect_status "promote: --to not a connection string" 2 "$GCERT" dr promote --dir "$A" --to nonsense
expect_status "promote: refused while the primary answers" 4 "$GCERT" dr promote --dir "$A" --to "$SDB"
check_contains "promote names the split brain it avoids" "still answers and is not a standby" "$(cat "$T/err")"
expect_status "promote: a database that is not this CA's" 4 "$GCERT" dr promote --dir "$A" --to "${STANDBY%/*}/postgres"
check_eq "gcert.json unchanged by the refusals" "$cfg_before" "$(sha256sum "$A/gcert.json")"
check_eq "the standby still in recovery" t "$(qs "SELECT pg_is_in_recovery()")"
"$GCERT" ca init --dir "$T/lite" >/dev/null
expect_status "promote: a CA on SQLite has no standby" 5 "$GCERT" dr promote --dir "$T/lite" --to "$SDB"

# ---- 2: a standby that is behind: the drill names it and fails ----
qs "SELECT pg_wal_replay_pause()" >/dev/null
wait_for 30 bash -c "[[ \$(psql '$SDB' -qAt -c 'SELECT pg_get_wal_replay_pause_state()') == paused ]]"
issue_cert "$A" p1; SERIAL_p1=$SERIAL # acknowledged: flushed on the standby, not yet replayed
expect_status "drill against a paused standby fails" 7 "$GCERT" dr drill --dir "$A" --standby "$SDB" --out "$T/drill2.p7m" --wait 2
check_contains "it names the certificates that differ" "certificates: $(q "SELECT count(*) FROM certificates") rows live, $(qs "SELECT count(*) FROM certificates") on the standby" "$(cat "$T/err")"
check_contains "it names the paused replay" "its replay is paused" "$(cat "$T/err")"
check_contains "its exit names the code" GC_E_DR_DIFFERS "$(cat "$T/err")"
check "the failed drill's report verifies and names the difference" bash -c "[[ '$(report "$T/drill2.p7m" "d['result']")' == *certificates:* ]]"
check_eq "the failed drill is in the audit trail as a failure" 1 "$(q "SELECT count(*) FROM audit_log WHERE event = 'dr.drill' AND outcome = 'failure'")"
qs "SELECT pg_wal_replay_resume()" >/dev/null
check "after the replay resumes the drill passes again" "$GCERT" dr drill --dir "$A" --standby "$SDB" --out "$T/drill3.p7m"
# paused again and left so: what is acknowledged now must survive the promotion too
qs "SELECT pg_wal_replay_pause()" >/dev/null
issue_cert "$A" p2; SERIAL_p2=$SERIAL

# ---- 3: the primary killed mid-batch; the standby promoted; the nodes pointed at it ----
make_file "$T/k.req" k 60
q "CREATE FUNCTION test_stall() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
     PERFORM pg_sleep(120); RETURN NEW; END \$\$;
   CREATE TRIGGER test_stall BEFORE UPDATE OF status ON certificates FOR EACH ROW
     WHEN (NEW.status = 'issued' AND NEW.request_id = 'cmmp/k-30') EXECUTE FUNCTION test_stall();"
# what was acknowledged before the kill, as the primary holds it
ack() { # the acknowledged rows, one a line (a query for q or qs)
  "$1" "SELECT 'cert ' || serial || ' ' || encode(sha256(der), 'hex') FROM certificates WHERE status = 'issued'
        UNION ALL SELECT 'rev ' || t::text FROM revocations t
        UNION ALL SELECT 'crl ' || ca_id || ' ' || crl_number || ' ' || encode(sha256(der), 'hex') FROM crls
        UNION ALL SELECT 'audit ' || id || ' ' || hash FROM audit_log
        UNION ALL SELECT 'result ' || ra || ' ' || request_id || ' ' || encode(sha256(convert_to(result, 'UTF8')), 'hex') FROM iface_results" |
    LC_ALL=C sort
}
ack q >"$T/ack.txt"
ack_ra() { # the RA's acknowledged rows: its bound certificates and its audit trail
  psql "$1" -qAt -v ON_ERROR_STOP=1 -c "SELECT 'racert ' || t::text FROM certificates t
    UNION ALL SELECT 'raaudit ' || id || ' ' || hash FROM audit_log" | LC_ALL=C sort
}
ack_ra "$RADB" >"$T/ack-ra.txt"
crl_max=$(q "SELECT max(crl_number) FROM crls")
audit_max=$(q "SELECT max(id) FROM audit_log")
(rc=0; "$GCERT" interface process --dir "$A" --in "$T/k.req" --out "$T/k.res" >"$T/k.out" 2>&1 || rc=$?; echo "$rc" >"$T/k.rc") &
check "the batch is held mid-way" wait_for 120 bash -c \
  "psql '$DB' -qAt -c \"SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'\" | grep -qx 1"
ack q >"$T/ack2.txt"
check "nothing acknowledged since the record was taken" cmp -s "$T/ack.txt" "$T/ack2.txt"
bash "$GCERT_SRC/scripts/pg.sh" kill "$PGD"
check "the interrupted batch ends" wait_for 120 test -s "$T/k.rc"
check "the interrupted batch was not acknowledged (exit $(cat "$T/k.rc"))" test "$(cat "$T/k.rc")" != 0
check "no result file for it" test ! -s "$T/k.res"
kill -9 "$SERVE_PID" "$RA_PID"; wait "$SERVE_PID" "$RA_PID" 2>/dev/null || true # the site is lost
check_contains "it names the cause" "database connection lost" "$(cat "$T/k.out")"

t0=$(date +%s%N)
check "gcert dr promote: the standby promoted, A pointed at it" "$GCERT" dr promote --dir "$A" --to "$SDB"
promote_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
cp "$T/check.out" "$T/promote.out"
check_contains "promote says it promoted" "standby promoted" "$(cat "$T/promote.out")"
echo "info: time to promote (gcert dr promote, whole command): $promote_ms ms; $(grep 'promotion took' "$T/promote.out")"
check_eq "A's gcert.json names the promoted server" "$SDB" "$(db_url "$A")"
check_eq "the promoted server is out of recovery" f "$(qs "SELECT pg_is_in_recovery()")"
check "promote again on A: done already, nothing broken" "$GCERT" dr promote --dir "$A" --to "$SDB"
check "promote on node B: pointed at it" "$GCERT" dr promote --dir "$B" --to "$SDB"
check_contains "B finds it promoted" "already promoted" "$(cat "$T/check.out")"
check_eq "B's gcert.json names the promoted server" "$SDB" "$(db_url "$B")"
check_eq "one promotion, three pointings audited" "1|3" \
  "$(qs "SELECT count(*) FILTER (WHERE detail LIKE '% promoted in %'), count(*) FROM audit_log WHERE event = 'dr.promoted'")"
check_eq "the configuration change audited once" 1 "$(qs "SELECT count(*) FROM audit_log WHERE event = 'config.changed' AND id > $audit_max")"
qs "DROP FUNCTION test_stall() CASCADE"

# ---- 4: what was acknowledged is all there ----
ack qs >"$T/after.txt"
check_eq "every acknowledged row is on the promoted server, byte for byte" "" "$(LC_ALL=C comm -23 "$T/ack.txt" "$T/after.txt")"
check_eq "acknowledged rows compared" "$(wc -l <"$T/ack.txt")" "$(LC_ALL=C comm -12 "$T/ack.txt" "$T/after.txt" | wc -l)"
for n in c1 c2 c3 p1 p2; do
  s=SERIAL_$n
  check_eq "certificate $n: the DER handed out is the promoted server's" \
    "$(openssl x509 -in "$T/$n.pem" -outform DER | sha256sum | cut -c1-64)" \
    "$(qs "SELECT encode(sha256(der), 'hex') FROM certificates WHERE serial = '${!s}'")"
done
check_eq "the revocation is there" "1" "$(qs "SELECT count(*) FROM revocations WHERE serial = '$SERIAL_c2'")"
check "audit trail verifies on the promoted server" "$GCERT" audit verify --dir "$A"
check "a CRL on the promoted server" "$GCERT" crl issue --dir "$A"
check "the cRLNumber goes on upward" test "$(qs "SELECT min(crl_number) FROM crls WHERE id > (SELECT max(id) FROM crls WHERE crl_number <= $crl_max)")" -gt "$crl_max"
check "f1 sent again: answered" "$GCERT" interface process --dir "$A" --in "$T/f1.req" --out "$T/f1b.res"
check "f1's replay is the stored result, byte for byte" cmp "$T/f1.res" "$T/f1b.res"
check "the interrupted file sent again (node B): answered" "$GCERT" interface process --dir "$B" --in "$T/k.req" --out "$T/k2.res"
check_eq "every request of it issued" "60 0" "$(results "$T/k2.res")"
check_eq "exactly one issued certificate per request id" "60|60" \
  "$(qs "SELECT count(*) FILTER (WHERE n = 1), count(*) FROM (SELECT request_id, count(*) AS n FROM certificates
         WHERE request_id LIKE 'cmmp/k-%' AND status = 'issued' GROUP BY request_id) AS t")"
check_eq "nothing twice" 0 \
  "$(qs "SELECT (SELECT count(*) - count(DISTINCT serial) FROM certificates)
             + (SELECT count(*) FROM (SELECT subscriber_ref FROM certificates WHERE status <> 'abandoned'
                                      GROUP BY subscriber_ref HAVING count(*) > 1) AS t)
             + (SELECT count(*) - count(DISTINCT (ca_id, crl_number)) FROM crls)")"
check "sent once more: the stored result" bash -c "'$GCERT' interface process --dir '$A' --in '$T/k.req' --out '$T/k3.res' && cmp '$T/k2.res' '$T/k3.res'"
# ---- 5: the RA pointed at the promoted server ----
check "gcert dr promote on the RA's directory" "$GCERT" dr promote --dir "$D" --to "$SRADB"
check_contains "the RA finds the server promoted" "already promoted" "$(cat "$T/check.out")"
check_eq "ra.json names the promoted server" "$SRADB" "$(ra_db_url "$D")"
check_eq "the RA's bound certificates and audit trail are there, byte for byte" "" \
  "$(LC_ALL=C comm -23 "$T/ack-ra.txt" <(ack_ra "$SRADB"))"
check "the RA's bound certificate read back" test "$(wc -l <"$T/ack-ra.txt")" -gt 3
check_eq "the RA's promotion in its own trail" 1 "$(rasql "$D" "SELECT count(*) FROM audit_log WHERE event = 'dr.promoted'")"
serve_a
start_ra "$D"
ra_users
check "the RA binds again, through the promoted server" ra_issue ra2
check_eq "one bound certificate per application, each the CA's once" "2|2|2" \
  "$(rasql "$D" "SELECT count(*), count(DISTINCT application_id), count(DISTINCT serial) FROM certificates")"
check_eq "the CA issued each RA request once" 0 \
  "$(qs "SELECT count(*) FROM (SELECT request_id FROM certificates WHERE request_id LIKE 'cmmp2/%' AND status = 'issued'
         GROUP BY request_id HAVING count(*) > 1) AS t")"
stop_ra
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
expect_status "a drill against the promoted server: it is no standby now" 4 \
  "$GCERT" dr drill --dir "$A" --standby "$SDB" --out "$T/drill4.p7m"
check "audit trail verifies after it all" "$GCERT" audit verify --dir "$B"
finish
