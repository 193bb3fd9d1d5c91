#!/usr/bin/env bash
# ra_audit.sh - the RA's audit trail as strong as the CA's (CPS §4.5.2, §4.5.4; issue 15):
# the RA audit key in the RA token signs chained checkpoints with the CA's code; the RA
# database refuses UPDATE and DELETE of audit rows (triggers, SQLite and PostgreSQL);
# someone who gets past them (drops or disables the triggers with the file or as the
# database owner, sqlite3 / psql) is named by `gcert ra audit verify`: the first edited,
# deleted or reordered record, a forged checkpoint, a truncated tail, a rewritten chain;
# `gcert ra audit report --day` is the B/D's daily review.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ra_lib.sh"

D=$T/ra
# a batch-mode link: the audit key needs the RA token, not the CA (pins made here)
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=test CA service" -keyout "$T/ca.key" -out "$T/ca.pem" \
  -days 30 2>/dev/null
new_ra "$D" --batch --ca-service-cert "$T/ca.pem" --ca-repo http://127.0.0.1:9/ --ca-cert "$T/ca.pem"
printf 'pw-second-secret\n' >"$T/pw.second"
"$GCERT" ra user add --dir "$D" --org OGCIO --username second --name "SECOND Admin" --email second@example.gov.hk \
  --password-file "$T/pw.second" >/dev/null
"$GCERT" ra app-token --dir "$D" --name e-filing >/dev/null

# ---- before any checkpoint: the chain alone ----
out=$("$GCERT" ra audit verify --dir "$D" --json)
check_eq "verify before a checkpoint: no checkpoint yet" 0 "$(json_field checkpoints <<<"$out")"
check_eq "... the four records (ra.init, two users, a token)" 4 "$(json_field records <<<"$out")"

# ---- the first checkpoint makes the audit key in the RA token and registers it ----
out=$("$GCERT" ra audit checkpoint --dir "$D" --json)
check_eq "checkpoint made" True "$(json_field made <<<"$out")"
check_eq "the RA audit key registered" "1|audit-key" "$(rasql "$D" "SELECT id || '|' || key_label FROM audit_keys")"
check_eq "... with its audit records" "ra.key_generated,audit.key_made" \
  "$(rasql "$D" "SELECT event FROM audit_log WHERE id IN (5, 6) ORDER BY id" | paste -sd,)"
check_eq "a second checkpoint: nothing new" False "$("$GCERT" ra audit checkpoint --dir "$D" --json | json_field made)"
"$GCERT" ra app-token --dir "$D" --name e-payment >/dev/null
check_eq "a new record (7): sealed by checkpoint 2" True "$("$GCERT" ra audit checkpoint --dir "$D" --json | json_field made)"
"$GCERT" ra app-token --dir "$D" --name e-tender >/dev/null # record 8, after the last checkpoint
out=$("$GCERT" ra audit verify --dir "$D" --json)
check_eq "verify: 8 records" 8 "$(json_field records <<<"$out")"
check_eq "... 2 checkpoints" 2 "$(json_field checkpoints <<<"$out")"
check_eq "... sealed up to record 7" 7 "$(json_field sealed_up_to <<<"$out")"
check_eq "the checkpoints are the CA's format (one audit key, chained)" "1|0000000000000000000000000000000000000000000000000000000000000000" \
  "$(rasql "$D" "SELECT key_id || '|' || prev_sig_hash FROM audit_checkpoints WHERE id = 1")"

# ---- the auditor's pinned certificate ----
if [[ -n $(ra_db_url "$D") ]]; then
  rasql "$D" "SELECT encode(der, 'hex') FROM audit_keys WHERE id = 1" | xxd -r -p >"$T/audit.der"
else
  sqlite3 "$D/ra.db" "SELECT hex(der) FROM audit_keys WHERE id = 1" | xxd -r -p >"$T/audit.der"
fi
openssl x509 -inform DER -in "$T/audit.der" -out "$T/audit.pem"
check_contains "the audit key certificate: CN=gcert audit key" "gcert audit key" \
  "$(openssl x509 -in "$T/audit.pem" -noout -subject)"
# checkpoint 1 checked by openssl alone: the documented message, signed by that key
IFS='|' read -r cid clast chash cat cprev <<<"$(rasql "$D" "SELECT id || '|' || last_id || '|' || last_hash || '|' || at || '|' || prev_sig_hash FROM audit_checkpoints WHERE id = 1")"
if [[ -n $(ra_db_url "$D") ]]; then
  rasql "$D" "SELECT encode(signature, 'hex') FROM audit_checkpoints WHERE id = 1" | xxd -r -p >"$T/cp1.sig"
else
  sqlite3 "$D/ra.db" "SELECT hex(signature) FROM audit_checkpoints WHERE id = 1" | xxd -r -p >"$T/cp1.sig"
fi
openssl x509 -in "$T/audit.pem" -noout -pubkey >"$T/audit.pub"
check "openssl verifies checkpoint 1 with the RA audit key" bash -c "printf 'gcert-audit-checkpoint/1\ncheckpoint %s\nlast record %s\nlast hash %s\ntime %s\nprevious %s\n' \
  '$cid' '$clast' '$chash' '$cat' '$cprev' | openssl dgst -sha256 -verify '$T/audit.pub' -signature '$T/cp1.sig' | grep -q 'Verified OK'"
check "verify --cert with the RA audit key's certificate" "$GCERT" ra audit verify --dir "$D" --cert "$T/audit.pem"
set +e
msg=$("$GCERT" ra audit verify --dir "$D" --cert "$T/ca.pem" 2>&1); rc=$?
set -e
check_eq "another certificate pinned: exit 7" 7 "$rc"
check_contains "... names the audit key" "audit key 1 in the database is not the given certificate" "$msg"
set +e
msg=$("$GCERT" ra audit verify --dir "$D" --bogus 2>&1); rc=$?
set -e
check_eq "verify with an unknown option: usage error" 2 "$rc"

# ---- the database refuses UPDATE and DELETE of audit rows ----
before=$(rasql "$D" "SELECT count(*) || '|' || max(hash) FROM audit_log")
for q in "UPDATE audit_log SET detail = 'edited' WHERE id = 2" "DELETE FROM audit_log WHERE id = 8" \
  "UPDATE audit_checkpoints SET at = 0" "DELETE FROM audit_checkpoints WHERE id = 2" \
  "UPDATE audit_keys SET key_label = 'x'" "DELETE FROM audit_keys"; do
  set +e; msg=$(rasql "$D" "$q" 2>&1); rc=$?; set -e
  check_eq "refused by the database: $q" 1 "$((rc != 0))"
  check_contains "... by the trigger: $q" "never" "${msg/append-only/never}"
done
if [[ -n $(ra_db_url "$D") ]]; then
  set +e; msg=$(rasql "$D" "TRUNCATE audit_log CASCADE" 2>&1); rc=$?; set -e
  check_eq "TRUNCATE refused (PostgreSQL)" 1 "$((rc != 0))"
fi
check_eq "... nothing changed" "$before" "$(rasql "$D" "SELECT count(*) || '|' || max(hash) FROM audit_log")"
check "... and the trail verifies" "$GCERT" ra audit verify --dir "$D"

# ---- tampering past the triggers, each on a copy of the intact database ----
PGDB=$(ra_db_url "$D")
ra_save() {
  if [[ -z $PGDB ]]; then cp "$D/ra.db" "$T/intact.db"; return; fi
  psql "$GCERT_TEST_PG" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE ${PGDB##*/}_intact TEMPLATE ${PGDB##*/}"
  at_exit "psql '$GCERT_TEST_PG' -qAt -c 'DROP DATABASE IF EXISTS ${PGDB##*/}_intact WITH (FORCE)'"
}
ra_restore() {
  if [[ -z $PGDB ]]; then cp "$T/intact.db" "$D/ra.db"; return; fi
  psql "$GCERT_TEST_PG" -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE ${PGDB##*/} WITH (FORCE)" \
    -c "CREATE DATABASE ${PGDB##*/} TEMPLATE ${PGDB##*/}_intact"
}
# past the triggers as the file's owner (sqlite3: drops them) or the database owner
# (psql: disables them for the statement's transaction)
ra_unguarded() {
  if [[ -n $PGDB ]]; then
    psql "$PGDB" -qAt -v ON_ERROR_STOP=1 -c "BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER;
      ALTER TABLE audit_checkpoints DISABLE TRIGGER USER; ALTER TABLE audit_keys DISABLE TRIGGER USER; $1;
      ALTER TABLE audit_log ENABLE TRIGGER USER; ALTER TABLE audit_checkpoints ENABLE TRIGGER USER;
      ALTER TABLE audit_keys ENABLE TRIGGER USER; COMMIT"
  else
    sqlite3 "$D/ra.db" "$(sqlite3 "$D/ra.db" "SELECT group_concat('DROP TRIGGER ' || name || ';', ' ') FROM
      sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit%'") $1"
  fi
}
ra_save
tamper() { # tamper WHAT SQL EXPECTED-MESSAGE
  ra_restore
  ra_unguarded "$2"
  set +e
  msg=$("$GCERT" ra audit verify --dir "$D" 2>&1 >/dev/null); rc=$?
  set -e
  check_eq "$1: exit status 7" 7 "$rc"
  check_contains "$1: names the fault" "$3" "$msg"
}
tamper "record edited" "UPDATE audit_log SET detail = detail || ' (edited)' WHERE id = 3" \
  "audit record 3: hash chain broken (record changed)"
tamper "actor edited after the last checkpoint" "UPDATE audit_log SET actor = 'cli:nobody' WHERE id = 8" \
  "audit record 8: hash chain broken (record changed)"
tamper "record deleted" "DELETE FROM audit_log WHERE id = 2" \
  "audit record 2: deleted or reordered (found record 3 in its place)"
tamper "records reordered" "UPDATE audit_log SET id = -1 WHERE id = 4; UPDATE audit_log SET id = 4 WHERE id = 5;
  UPDATE audit_log SET id = 5 WHERE id = -1" "audit record 4: deleted or reordered"
tamper "tail truncated past a checkpoint" "DELETE FROM audit_log WHERE id > 5" \
  "audit records after 5 were truncated (checkpoint 1 proves records up to 6 existed)"
tamper "checkpoint signature forged" \
  "UPDATE audit_checkpoints SET signature = $( [[ -n $PGDB ]] && echo "decode(repeat('00', 256), 'hex')" || echo "zeroblob(256)") WHERE id = 1" \
  "checkpoint 1: signature does not verify"
tamper "checkpoint moved" "UPDATE audit_checkpoints SET last_id = 8 WHERE id = 2" \
  "checkpoint 2: signature does not verify"
tamper "checkpoint deleted" "DELETE FROM audit_checkpoints WHERE id = 1" \
  "checkpoint 1: deleted or reordered (found checkpoint 2 in its place)"
# a checkpoint added by someone without the audit key: INSERT is allowed, the signature is not his
ra_restore
lastsig=$(rasql "$D" "SELECT last_hash FROM audit_checkpoints WHERE id = 2")
prev=$(if [[ -n $PGDB ]]; then rasql "$D" "SELECT encode(sha256(signature), 'hex') FROM audit_checkpoints WHERE id = 2"
  else sqlite3 "$D/ra.db" "SELECT hex(signature) FROM audit_checkpoints WHERE id = 2" | xxd -r -p | sha256sum | cut -c1-64; fi)
hash8=$(rasql "$D" "SELECT hash FROM audit_log WHERE id = 8")
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/evil.key" 2>/dev/null
printf 'gcert-audit-checkpoint/1\ncheckpoint 3\nlast record 8\nlast hash %s\ntime 1\nprevious %s\n' "$hash8" "$prev" |
  openssl dgst -sha256 -sign "$T/evil.key" -out "$T/evil.sig"
sighex=$(xxd -p "$T/evil.sig" | tr -d '\n')
rasql "$D" "INSERT INTO audit_checkpoints (id, last_id, last_hash, at, key_id, prev_sig_hash, signature) VALUES
  (3, 8, '$hash8', 1, 1, '$prev', $( [[ -n $PGDB ]] && echo "decode('$sighex', 'hex')" || echo "x'$sighex'"))"
set +e; msg=$("$GCERT" ra audit verify --dir "$D" 2>&1 >/dev/null); rc=$?; set -e
check_eq "forged checkpoint appended (no bypass needed): exit 7" 7 "$rc"
check_contains "... named" "checkpoint 3: signature does not verify" "$msg"
check_eq "... (it was chained correctly: only the signature gives it away)" "$lastsig" \
  "$(rasql "$D" "SELECT last_hash FROM audit_checkpoints WHERE id = 2")"

# the whole chain rewritten with every hash recomputed: consistent again, but the signed
# checkpoints hold the old hashes
ra_restore
"$PY" - "$T/rewrite.sql" <<PY
import hashlib, json, subprocess, sys
def q(sql):
    if "$PGDB":
        return subprocess.run(["psql", "$PGDB", "-qAt", "-c", sql], capture_output=True, text=True, check=True).stdout
    return subprocess.run(["sqlite3", "$D/ra.db", sql], capture_output=True, text=True, check=True).stdout
rows = [json.loads(l) for l in q("SELECT json_array(id, at, actor, event, object, outcome, detail) FROM audit_log ORDER BY id"
        if not "$PGDB" else "SELECT json_build_array(id, at, actor, event, object, outcome, detail) FROM audit_log ORDER BY id").splitlines()]
prev = "0" * 64
out = []
for r in rows:
    if r[0] == 3:
        r[6] = r[6] + " (rewritten)"
    h = hashlib.sha256()
    for f in [prev, str(r[0]), str(r[1])] + r[2:]:
        b = f.encode()
        h.update(len(b).to_bytes(4, "big") + b)
    hx = h.hexdigest()
    out.append("UPDATE audit_log SET detail = '%s', prev_hash = '%s', hash = '%s' WHERE id = %d;" % (r[6].replace("'", "''"), prev, hx, r[0]))
    prev = hx
open(sys.argv[1], "w").write("\n".join(out))
PY
ra_unguarded "$(cat "$T/rewrite.sql")"
set +e; msg=$("$GCERT" ra audit verify --dir "$D" 2>&1 >/dev/null); rc=$?; set -e
check_eq "chain rewritten, hashes recomputed: exit 7" 7 "$rc"
check_contains "... the checkpoint gives it away" "audit record 6: changed since checkpoint 1 signed it (the chain was rewritten)" "$msg"
ra_restore

# ---- the daily review (CPS §4.5.2) ----
day=$(TZ=Asia/Hong_Kong date +%F)
out=$("$GCERT" ra audit report --dir "$D" --day "$day" --json)
check_eq "report: the day's records" 8 "$(json_field records <<<"$out")"
check_eq "... by event: three application tokens" 3 \
  "$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["by_event"]["ra.app_token_made"]["success"])' <<<"$out")"
check_eq "... the two users added" 2 \
  "$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["by_event"]["ra.user_added"]["success"])' <<<"$out")"
check_eq "... privileged actions: init, users, tokens, the audit key (all but none)" \
  "ra.init ra.user_added ra.user_added ra.app_token_made ra.key_generated audit.key_made ra.app_token_made ra.app_token_made" \
  "$("$PY" -c 'import json,sys; print(" ".join(r["event"] for r in json.load(sys.stdin)["privileged"]))' <<<"$out")"
check_contains "text report names the day" "daily audit review for $day" "$("$GCERT" ra audit report --dir "$D" --day "$day")"
check_eq "a day with nothing: no records" 0 "$("$GCERT" ra audit report --dir "$D" --day 2001-01-01 --json | json_field records)"
set +e
msg=$("$GCERT" ra audit report --dir "$D" --day 2026-13-40 2>&1); rc=$?
set -e
check_eq "report --day not a date: usage error" 2 "$rc"
check_contains "... says so" "is not a date" "$msg"
set +e; "$GCERT" ra audit report --dir "$D" >/dev/null 2>&1; rc=$?; set -e
check_eq "report without --day: usage error" 2 "$rc"
set +e; msg=$("$GCERT" ra audit verify --dir "$T/nowhere" 2>&1); rc=$?; set -e
check_eq "verify of no RA directory: fails" 1 "$((rc != 0))"
finish
