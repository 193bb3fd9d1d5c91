#!/usr/bin/env bash
# pg_nodes.sh - two CA service nodes on one PostgreSQL database (docs/design.md "Scale-out";
# issue 8), each with a directory of its own, sharing one SoftHSM2 token:
#   1. both take interface files at once: no serial, subscriber number or cRLNumber twice;
#   2. CRLs are made by one node at a time (session advisory lock); when that node is
#      killed the other takes over;
#   3. a node killed mid-batch (after its reservations, or after its kept signatures):
#      the client sends the file again to the other node, which recovers the dead
#      node's rows; every request is issued, exactly once: anew, or the certificate the
#      dead node had signed; the CRL schedule still has a leader;
#   4. PostgreSQL restarted mid-batch: the node names the cause, stays up, reconnects;
#      the file sent again issues nothing twice; both nodes take their session locks
#      back, neither is taken for dead, each still issues;
#   5. a node whose lock another session took while it was cut off stops, naming why;
#   6. a batch that fails on a live node (its keep step refused): the node resolves its
#      own orphaned reservations by itself (node watch, no restart), and the file sent
#      again to it issues every request exactly once, no GC_E_DUPLICATE_REQUEST;
#   7. three nodes: A killed mid-batch, B recovers A's rows on the retry while C keeps
#      issuing; C is not taken for dead; every request issued exactly once.
# Steps wait for a condition with a generous deadline (a loaded machine, ASan), never
# for a fixed time.
# It runs its own private server (scripts/pg.sh), as it restarts it; in the suite's
# PostgreSQL pass it is skipped (it ran in the normal pass).
source "$GCERT_SRC/tests/integration/lib.sh"
[[ $GCERT_TEST_DB == pg ]] && { echo "runs in the normal pass, with a server of its own"; exit 77; }
set -E # a command that fails outside a check says where, before set -e ends the test
trap '(( BASH_SUBSHELL > 0 )) || echo "pg_nodes: stopped at line $LINENO: $BASH_COMMAND (status $?)" >&2' ERR

PGD=$(mktemp -d "${TMPDIR:-/tmp}/gcert-pgnodes.XXXXXX") # outside $T: the server's user reads it
at_exit "bash '$GCERT_SRC/scripts/pg.sh' stop '$PGD'; rm -rf '$PGD'"
SERVER=$(bash "$GCERT_SRC/scripts/pg.sh" start "$PGD")
psql "$SERVER" -qAt -c "CREATE DATABASE ca"
DB=${SERVER%/*}/ca
export PGOPTIONS="-c client_min_messages=warning"

A=$T/a B=$T/b
"$GCERT" ca init --dir "$A" --postgresql "$DB" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ra.key" -out "$T/ra.pem" -days 30 \
  -subj "/CN=CMMP RA service" 2>/dev/null
"$GCERT" ca pin --dir "$A" --ra cmmp --cert "$T/ra.pem" >/dev/null
"$GCERT" ca service-cert --dir "$A" --tls --out "$T/tls.pem"
"$GCERT" ca service-cert --dir "$A" --out "$T/svc.pem"
# node B: the same configuration and TLS key, the same token (A's object store)
cp -a "$A" "$B"
rm -rf "$B/token/tokens"
check "B uses A's token" grep -q "tokendir = $A/token/tokens" "$B/token/softhsm2.conf"

q() { psql "$DB" -qAt -v ON_ERROR_STOP=1 -c "$1"; }

# subscriber keys from bench_issue's pool, made once per build directory (each run has
# a CA of its own, so they are new to it); the tool is a fixture here, not under test
POOL=$GCERT_BUILD/test-pg-nodes-pool.pem
ASAN_OPTIONS=detect_leaks=0 "$GCERT_BUILD/bench_issue" -n 520 -k "$POOL" -p >/dev/null
NEXT_CSR=0
make_file() { # OUT BATCH N: a signed request file of N fresh requests "BATCH-i"
  "$PY" - "$POOL" "$NEXT_CSR" "$3" "$2" "$T/$2.json" <<'PY'
import json, sys
pool, first, n, batch, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
csrs = open(pool).read().split("-----END CERTIFICATE REQUEST-----\n")[first:first + n]
assert len(csrs) == n, "CSR pool too small"
reqs = [{"id": f"{batch}-{i}", "type": "issue", "cert_type": "individual", "validity_years": 2,
         "subject": {"name": f"CHAN Node {batch} {i}", "email": f"{batch}-{i}@example.gov.hk",
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
PIDS=()
node() { # node DIR NAME [serve options]: `gcert ca serve` with the interface; sets PORT_NAME PID_NAME
  local d=$1 name=$2; shift 2
  "$GCERT" ca serve --dir "$d" --listen 127.0.0.1:0 --ldap none --interface-listen 127.0.0.1:0 "$@" \
    >"$T/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid"); at_exit "kill -9 $pid"
  wait_for 120 grep -q 'interface.* https' "$T/$name.log" || { cat "$T/$name.log" >&2; fail "$name did not start"; finish; }
  printf -v "PORT_$name" '%s' "$(sed -n 's|.*127.0.0.1:\([0-9]*\)/interface.*|\1|p' "$T/$name.log")"
  printf -v "PID_$name" '%s' "$pid"
}
post() { # PORT FILE OUT: prints the HTTP status (000: no answer)
  curl -s -o "$3" -w '%{http_code}' --max-time 600 --cacert "$T/tls.pem" --cert "$T/ra.pem" \
    --key "$T/ra.key" -H 'Content-Type: application/cms' --data-binary "@$2" \
    "https://127.0.0.1:$1/interface" || true
  echo
}
results() { # RES: "issued rejected" counts of a result file, checked against the CA service key
  openssl cms -verify -binary -inform DER -in "$1" -CAfile "$T/svc.pem" -purpose any -out "$1.json" 2>/dev/null
  "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(sum(x["status"]=="issued" for x in r), sum(x["status"]!="issued" for x in r))' "$1.json"
}
no_duplicates() { # every count that must be 0 when nothing was issued twice
  q "SELECT (SELECT count(*) - count(DISTINCT serial) FROM certificates)
          + (SELECT count(*) FROM (SELECT request_id FROM certificates WHERE status <> 'abandoned'
                                   GROUP BY request_id HAVING count(*) > 1) AS t)
          + (SELECT count(*) FROM (SELECT subscriber_ref FROM certificates WHERE status <> 'abandoned'
                                   GROUP BY subscriber_ref HAVING count(*) > 1) AS t)
          + (SELECT count(*) - count(DISTINCT (ca_id, crl_number)) FROM crls)"
}

# ---- 1: two nodes, four files at once, and CRLs from both CLIs at once ----
node "$A" A; node "$B" B
for i in 1 2 3 4; do make_file "$T/c$i.req" "c$i" 40; done
for i in 1 2 3 4; do
  port=$PORT_A; (( i % 2 )) || port=$PORT_B
  (post "$port" "$T/c$i.req" "$T/c$i.res" >"$T/c$i.code") &
done
check "four files answered in time" wait_for 600 bash -c "[[ \$(cat $T/c1.code $T/c2.code $T/c3.code $T/c4.code 2>/dev/null | wc -w) == 4 ]]"
check_eq "four files answered" "200 200 200 200" "$(cat "$T"/c{1,2,3,4}.code | xargs)"
for i in 1 2 3 4; do check_eq "file c$i: all issued" "40 0" "$(results "$T/c$i.res")"; done
check_eq "160 certificates issued" 160 "$(q "SELECT count(*) FROM certificates WHERE status = 'issued'")"
check_eq "160 subscriber numbers" 160 "$(q "SELECT count(DISTINCT subscriber_ref) FROM certificates")"
for i in 1 2 3; do
  "$GCERT" crl issue --dir "$A" >"$T/crla$i.out" 2>&1 & pa=$!
  "$GCERT" crl issue --dir "$B" >"$T/crlb$i.out" 2>&1 & pb=$!
  wait $pa && wait $pb && pass || { fail "crl issue on both nodes at once (round $i)"; cat "$T/crla$i.out" "$T/crlb$i.out" >&2; }
done
check_eq "6 runs of 2 CRLs each and the key ceremony's 2, every cRLNumber once" "14|14" \
  "$(q "SELECT count(*), count(DISTINCT crl_number) FROM crls WHERE kind <> 'arl'")"
check_eq "cRLNumbers strictly increase in time" 0 \
  "$(q "SELECT count(*) FROM crls a JOIN crls b ON a.ca_id = b.ca_id AND a.id < b.id
        WHERE a.crl_number >= b.crl_number")"
check_eq "nothing twice" 0 "$(no_duplicates)"
check "audit trail verifies (both nodes wrote it)" "$GCERT" audit verify --dir "$A"
kill -TERM "$PID_A" "$PID_B"; wait "$PID_A" "$PID_B" 2>/dev/null || true

# ---- 2: CRLs by one node at a time; the other takes over when it is killed ----
crls() { q "SELECT count(*) FROM crls"; }
before=$(crls)
node "$A" A --crl-schedule
check "leader A makes the CRLs due" wait_for 90 bash -c "(( \$(psql '$DB' -qAt -c 'SELECT count(*) FROM crls') > $before ))"
# B's clock a day ahead: a run is due for it at once, were it leading, and its CRLs are
# told from A's by their thisUpdate (counting all CRLs raced A's round still writing)
by_b="SELECT count(*) FROM crls WHERE this_update > CAST(extract(epoch FROM now()) AS INTEGER) + 43200"
LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 FAKETIME="+1d" node "$B" B --crl-schedule
sleep 3 # a negative check: B's schedule has had its first rounds (it polls every second)
check_eq "B makes no CRL while A leads" 0 "$(q "$by_b")"
kill -9 "$PID_A"; wait "$PID_A" 2>/dev/null || true
check "B takes over when A is killed" wait_for 90 bash -c "(( \$(psql '$DB' -qAt -c \"$by_b\") > 0 ))"
check_eq "nothing twice" 0 "$(no_duplicates)"
kill -TERM "$PID_B"; wait "$PID_B" 2>/dev/null || true

# ---- 3: a node killed mid-batch; the client sends the file again to the other ----
# A test trigger holds the batch at a chosen step (NEW.status = 'signed': after its
# reservations are committed; 'issued': after its signatures are kept), so the kill lands
# there every time. The killed node's sleeping server session is ended as a server ends
# the session of a client that is gone; the survivor then recovers the dead node's rows
# (its node lock is free): reserved ones are abandoned (issued anew on the retry),
# signed ones completed (answered on the retry from the database).
stall() { # STEP NODE: the node's first move of a row to STEP sleeps (other nodes never do)
  q "CREATE FUNCTION test_stall() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
       PERFORM pg_sleep(300); RETURN NEW; END \$\$;
     CREATE TRIGGER test_stall BEFORE UPDATE OF status ON certificates FOR EACH ROW
       WHEN (NEW.status = '$1' AND NEW.node_id = $2) EXECUTE FUNCTION test_stall();"; }
node_of() { q "SELECT id FROM nodes WHERE pid = $1 ORDER BY id DESC LIMIT 1"; }
# the stall made harmless before its sleeper is ended: a survivor recovering the stalled
# node's rows moves them through the same trigger (and DROP would wait for its lock)
defuse() { q "CREATE OR REPLACE FUNCTION test_stall() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RETURN NEW; END \$\$"; }
unstall() { q "DROP FUNCTION test_stall() CASCADE"; }
end_sleeper() { q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE wait_event = 'PgSleep'" >/dev/null; }
stalled() { # PATTERN: the batch's reservations are committed and it waits in the trigger
  wait_for 150 bash -c "(( \$(psql '$DB' -qAt -c \"SELECT count(*) FROM certificates WHERE request_id LIKE '$1'\") > 0 )) &&
    psql '$DB' -qAt -c \"SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'\" | grep -qx 1"
}
where_is() { # NAME: what a node and the server were doing, when a wait ran out
  echo "--- the last lines of $1's log; the server's sessions:" >&2
  tail -20 "$T/$1.log" >&2
  q "SELECT pid, state, wait_event_type, wait_event, now() - query_start, left(query, 90)
     FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" >&2 || true
}
one_each() { # PATTERN N: exactly one issued certificate for each of the N request ids, none else
  q "SELECT count(*) FILTER (WHERE n = 1), count(*) FROM (SELECT request_id, count(*) AS n FROM certificates
     WHERE request_id LIKE '$1' AND status = 'issued' GROUP BY request_id) AS t" | grep -qx "$2|$2"
}
answer_is_db() { # RES PATTERN: every issued answer is the request's one issued certificate in the database
  q "SELECT substr(request_id, 6) || ' ' || serial FROM certificates WHERE request_id LIKE '$2' AND status = 'issued' ORDER BY 1" >"$1.db"
  "$PY" -c 'import json,sys; [print(x["id"], x["serial"]) for x in json.load(open(sys.argv[1]))["results"] if x["status"] == "issued"]' \
    "$1.json" | LC_ALL=C sort >"$1.ans"
  LC_ALL=C sort -o "$1.db" "$1.db"
  cmp -s "$1.db" "$1.ans"
}
killed_mid_batch() { # NAME STEP: A takes file NAME, is killed at STEP, B takes it again
  local f=$1 step=$2
  make_file "$T/$f.req" "$f" 60
  a_node=$(node_of "$PID_A")
  stall "$step" "$a_node"
  (post "$PORT_A" "$T/$f.req" "$T/$f-a.res" >"$T/$f-a.code") &
  if stalled "cmmp/$f-%"; then pass; else fail "A is mid-batch ($f: stopped before '$step')"; where_is A; fi
  kill -9 "$PID_A"; wait "$PID_A" 2>/dev/null || true
  # A's sleeping session still holds A's node lock: nothing of A is recovered yet
  open_a=$(q "SELECT count(*) FROM certificates WHERE request_id LIKE 'cmmp/$f-%'")
  kept=$(q "SELECT count(*) FROM certificates WHERE request_id LIKE 'cmmp/$f-%' AND status = 'signed'")
  check_eq "$f: A's rows carry A's node" "$open_a" "$(q "SELECT count(*) FROM certificates WHERE request_id LIKE 'cmmp/$f-%' AND node_id = $a_node")"
  check_eq "$f: A issued nothing" 0 "$(q "SELECT count(*) FROM certificates WHERE request_id LIKE 'cmmp/$f-%' AND status = 'issued'")"
  defuse; end_sleeper; unstall
  check "$f: A's client saw the end" wait_for 60 test -s "$T/$f-a.code"
  check_eq "$f: A answered nothing (killed)" 000 "$(cat "$T/$f-a.code")"
  # a survivor takes no node for dead while the server is younger than the grace in
  # which live nodes reconnect (GC_NODE_GRACE_SECONDS)
  check "$f: the server is past the grace" wait_for 60 bash -c "psql '$DB' -qAt -c \"SELECT now() - pg_postmaster_start_time() > interval '16 s'\" | grep -qx t"
  check_eq "$f: retry on B: answered" 200 "$(post "$PORT_B" "$T/$f.req" "$T/$f-b.res")"
  [[ -s "$T/$f-b.res" ]] || tail -30 "$T/B.log" >&2 # B answered nothing: say why
  check_eq "$f: every request issued" "60 0" "$(results "$T/$f-b.res")"
  check "$f: exactly one issued certificate per request id" one_each "cmmp/$f-%" 60
  check "$f: the answer is what the database holds" answer_is_db "$T/$f-b.res" "cmmp/$f-%"
  check_eq "$f: A's rows resolved, none open" 0 "$(q "SELECT count(*) FROM certificates WHERE node_id = $a_node AND status IN ('reserved', 'signed')")"
  check_eq "$f: A's node marked recovered by B" 1 "$(q "SELECT count(*) FROM nodes WHERE id = $a_node AND recovered_at IS NOT NULL AND recovered_by IS NOT NULL")"
  check_eq "$f: the recovery is audited, naming A's node" "$open_a" "$(q "SELECT count(*) FROM audit_log WHERE detail LIKE '%node $a_node, whose process is gone%'")"
  check_eq "$f: A's kept signatures completed (answered, not issued again), the rest issued anew" \
    "$kept|$((open_a - kept))|60" \
    "$(q "SELECT count(*) FILTER (WHERE status = 'issued' AND node_id = $a_node), count(*) FILTER (WHERE status = 'abandoned'),
                 count(*) FILTER (WHERE status = 'issued') FROM certificates WHERE request_id LIKE 'cmmp/$f-%'")"
  echo "info: $f: A had reserved $open_a and kept $kept signatures when it was killed"
  check_eq "nothing twice" 0 "$(no_duplicates)"
  check_eq "$f: sent once more: answered" 200 "$(post "$PORT_B" "$T/$f.req" "$T/$f-b2.res")"
  check "$f: the replay is the stored result" cmp "$T/$f-b.res" "$T/$f-b2.res"
}
# B schedules CRLs (and leads: A is killed twice); the last A schedules too (follows)
node "$A" A; node "$B" B --crl-schedule
killed_mid_batch k signed
check "k: A was killed before it kept any signature" test "$kept" = 0
node "$A" A
killed_mid_batch s issued
check "s: A had kept signatures when it was killed" test "$kept" -gt 0
node "$A" A --crl-schedule

# ---- 4: PostgreSQL restarted mid-batch ----
make_file "$T/p.req" p 60
stall signed "$(node_of "$PID_B")"
(post "$PORT_B" "$T/p.req" "$T/p-1.res" >"$T/p-1.code") &
check "B is mid-batch" stalled 'cmmp/p-%'
restart_at=$(date +%s)
defuse
bash "$GCERT_SRC/scripts/pg.sh" restart "$PGD" >/dev/null
unstall
check "the interrupted file got an answer" wait_for 120 test -s "$T/p-1.code"
check "the interrupted file was not acknowledged as done" test "$(cat "$T/p-1.code")" != 200
check_contains "the node names the cause (HTTP $(cat "$T/p-1.code"))" "database connection lost" "$(head -c 400 "$T/p-1.res")"
check "the node is still up" kill -0 "$PID_B"
p_node=$(node_of "$PID_B")
check_eq "retry after the restart: answered" 200 "$(post "$PORT_B" "$T/p.req" "$T/p-2.res")"
# B resolved its own reservations that the failed batch left (on this retry, or its
# node watch before it): every request issued, none refused as a duplicate
check_eq "p: every request issued after the restart (no duplicate refused)" "60 0" "$(results "$T/p-2.res")"
check "p: exactly one issued certificate per request id" one_each "cmmp/p-%" 60
check "p: the answer is what the database holds" answer_is_db "$T/p-2.res" "cmmp/p-%"
check_eq "p: B's interrupted reservations abandoned by B itself, audited" \
  "$(q "SELECT count(*) FROM certificates WHERE request_id LIKE 'cmmp/p-%' AND status = 'abandoned'")" \
  "$(q "SELECT count(*) FROM audit_log WHERE detail LIKE 'request cmmp/p-%reserved by this node, $p_node, in a batch that failed%'")"
check "p: some were interrupted" test "$(q "SELECT count(*) FROM certificates WHERE request_id LIKE 'cmmp/p-%' AND status = 'abandoned'")" -gt 0
check_eq "nothing twice" 0 "$(no_duplicates)"
# both nodes take their session locks back: past the grace after the restart, neither
# is taken for dead by the other, and each still issues
held() { q "SELECT count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 26467 AND objid = $1"; }
while (( $(date +%s) < restart_at + 20 )); do sleep 1; done
for n in A B; do
  pid_var=PID_$n; id=$(node_of "${!pid_var}")
  check "node $n is up after the restart" kill -0 "${!pid_var}"
  check "node $n holds its node lock again" test "$(held "$id")" -ge 1
  check_eq "node $n was not taken for dead" "" "$(q "SELECT recovered_at FROM nodes WHERE id = $id")"
  check "node $n holds the issuance lock shared again" test "$(q "SELECT count(*) FROM pg_locks i JOIN pg_locks n
    ON n.pid = i.pid WHERE i.locktype = 'advisory' AND i.granted AND i.classid = 0 AND i.objid = $((0x67630001))
    AND i.mode = 'ShareLock' AND n.locktype = 'advisory' AND n.granted AND n.classid = 26467 AND n.objid = $id")" -ge 1
  port_var=PORT_$n; make_file "$T/r$n.req" "r$n" 20
  check_eq "a batch on node $n after the restart: answered" 200 "$(post "${!port_var}" "$T/r$n.req" "$T/r$n.res")"
  check_eq "a batch on node $n after the restart: all issued" "20 0" "$(results "$T/r$n.res")"
done
check_eq "nothing twice" 0 "$(no_duplicates)"
check "CRL leadership contested again after the restart: one leader" wait_for 90 bash -c \
  "psql '$DB' -qAt -c \"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $((0x67630002))\" | grep -qx 1"

# ---- 5: a node taken for dead while only cut off stops, naming the cause ----
# A's sessions are ended and its node lock taken by another session before A reconnects:
# A cannot take its lock back and must stop rather than sign as a node others recovered.
a_id=$(node_of "$PID_A")
q "SELECT 1" >/dev/null
psql "$DB" -qAt -c "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = 26467 AND objid = $a_id;
  SELECT pg_advisory_lock($(( (0x6763 << 32) | a_id ))); SELECT pg_sleep(120)" >/dev/null 2>&1 &
holder=$!; at_exit "kill $holder 2>/dev/null"
check "A stops by itself" wait_for 100 bash -c "! kill -0 $PID_A 2>/dev/null"
a_rc=0; wait "$PID_A" || a_rc=$?
check "A exits with an error" test "$a_rc" -ne 0
check_contains "A names the cause" "could not be taken back" "$(cat "$T/A.log")"
kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true
end_sleeper # the holder's session (its sleep would be taken for a stalled batch in 7)
check "node B is still up" kill -0 "$PID_B"
kill -TERM "$PID_B"; wait "$PID_B" 2>/dev/null || true
check "audit trail verifies" "$GCERT" audit verify --dir "$B"

# ---- 6: a batch that fails on a live node; the node resolves its own rows ----
# A test trigger refuses B's keep step (a database error, not a lost connection): the
# batch fails after its reservations were committed, and the node lives on.
node "$B" B
b_node=$(node_of "$PID_B")
make_file "$T/f.req" f 40
q "CREATE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
     RAISE EXCEPTION 'test: this batch fails'; END \$\$;
   CREATE TRIGGER test_fail BEFORE UPDATE OF status ON certificates FOR EACH ROW
     WHEN (NEW.status = 'signed' AND NEW.node_id = $b_node) EXECUTE FUNCTION test_fail();"
code=$(post "$PORT_B" "$T/f.req" "$T/f-1.res")
q "DROP FUNCTION test_fail() CASCADE"
check "f: the failed file was not acknowledged as done (HTTP $code)" test "$code" != 200
check_contains "f: the answer names the cause" "this batch fails" "$(head -c 600 "$T/f-1.res")"
check "f: the batch had reserved" test "$(q "SELECT count(*) FROM certificates WHERE request_id LIKE 'cmmp/f-%'")" -gt 0
check "f: B resolves its own orphaned reservations by itself (node watch)" wait_for 60 bash -c \
  "psql '$DB' -qAt -c \"SELECT count(*) FROM certificates WHERE request_id LIKE 'cmmp/f-%' AND status IN ('reserved', 'signed')\" | grep -qx 0"
f_open=$(q "SELECT count(*) FROM certificates WHERE request_id LIKE 'cmmp/f-%'")
check_eq "f: each abandoned by B itself, audited" "$f_open" \
  "$(q "SELECT count(*) FROM audit_log WHERE detail LIKE 'request cmmp/f-%reserved by this node, $b_node, in a batch that failed%'")"
check_eq "f: B is not marked as taken for dead" "" "$(q "SELECT recovered_at FROM nodes WHERE id = $b_node")"
check "f: B is still up" kill -0 "$PID_B"
check_eq "f: sent again to B: answered" 200 "$(post "$PORT_B" "$T/f.req" "$T/f-2.res")"
check_eq "f: every request issued (no duplicate refused)" "40 0" "$(results "$T/f-2.res")"
check "f: exactly one issued certificate per request id" one_each "cmmp/f-%" 40
check "f: the answer is what the database holds" answer_is_db "$T/f-2.res" "cmmp/f-%"
check_eq "nothing twice" 0 "$(no_duplicates)"

# ---- 7: three nodes: B recovers the killed A while C keeps issuing ----
C=$T/c
cp -a "$A" "$C"
rm -rf "$C/token/tokens"
sed -i "s|tokendir = .*|tokendir = $A/token/tokens|" "$C/token/softhsm2.conf"
node "$A" A; node "$C" C
for i in 1 2 3; do make_file "$T/cc$i.req" "cc$i" 20; done
make_file "$T/t.req" t 40
a_node=$(node_of "$PID_A"); c_node=$(node_of "$PID_C")
stall signed "$a_node"
(post "$PORT_A" "$T/t.req" "$T/t-a.res" >"$T/t-a.code") &
check "t: A is mid-batch" stalled "cmmp/t-%"
kill -9 "$PID_A"; wait "$PID_A" 2>/dev/null || true
defuse; end_sleeper; unstall
# C issues three files, one after another, while B recovers A on the retry
(for i in 1 2 3; do post "$PORT_C" "$T/cc$i.req" "$T/cc$i.res" >"$T/cc$i.code"; done) & c_posts=$!
check_eq "t: retry on B: answered" 200 "$(post "$PORT_B" "$T/t.req" "$T/t-b.res")"
check "t: C's files answered" wait_for 240 bash -c "[[ -s $T/cc3.code ]]"
wait "$c_posts" 2>/dev/null || true
check_eq "t: every request of A's file issued" "40 0" "$(results "$T/t-b.res")"
check "t: exactly one issued certificate per request id" one_each "cmmp/t-%" 40
check "t: the answer is what the database holds" answer_is_db "$T/t-b.res" "cmmp/t-%"
check_eq "t: A's rows resolved, none open" 0 "$(q "SELECT count(*) FROM certificates WHERE node_id = $a_node AND status IN ('reserved', 'signed')")"
check "t: A's node marked recovered" test "$(q "SELECT count(*) FROM nodes WHERE id = $a_node AND recovered_at IS NOT NULL")" = 1
for i in 1 2 3; do
  check_eq "t: C's file cc$i answered" 200 "$(cat "$T/cc$i.code")"
  check_eq "t: C's file cc$i: all issued" "20 0" "$(results "$T/cc$i.res")"
done
check_eq "t: C was not taken for dead" "" "$(q "SELECT recovered_at FROM nodes WHERE id = $c_node")"
check "t: C is still up" kill -0 "$PID_C"
check_eq "nothing twice" 0 "$(no_duplicates)"
kill -TERM "$PID_B" "$PID_C"; wait "$PID_B" "$PID_C" 2>/dev/null || true
check "audit trail verifies after it all" "$GCERT" audit verify --dir "$B"
finish
