#!/usr/bin/env bash
# audit_trail.sh - the audit trail (CPS §4.5): signed checkpoints by the audit key, and
# `gcert audit verify` catching every kind of tampering an attacker with the database
# file can do (the append-only triggers dropped first, as they would); the daily review
# (§4.5.2) and the 7-year retention (§4.5.3).
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
for i in 1 2 3; do
  make_csr "$T/$i.key" "$T/$i.csr"
  make_request "$T/$i.json" "req-$i" individual 1 "$T/$i.csr" "r['subject']['name'] = 'CHAN Number$i'"
  "$GCERT" issue --dir "$CA" --request "$T/$i.json" --out "$T/$i.pem" >/dev/null
done
# a refused request: a failure in the review
make_request "$T/bad.json" "req-bad" individual 1 "$T/1.csr"
"$GCERT" issue --dir "$CA" --request "$T/bad.json" >/dev/null 2>&1 || true

# the audit key is in the token, is not a CA key, and checkpoints are signed with it
check_eq "one audit key" 1 "$(sql "$CA" "SELECT count(*) FROM audit_keys")"
check_eq "its key generation is audited" 1 \
  "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='ca.key_generated' AND object='audit-key'")"
labels=$(SOFTHSM2_CONF=$CA/token/softhsm2.conf pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so \
  --login --pin "$(cat "$CA/token/user.pin")" --list-objects --type privkey 2>/dev/null | grep label)
check_contains "audit key in the token" "audit-key" "$labels"
sql "$CA" "SELECT hex(der) FROM audit_keys" | xxd -r -p >"$T/auditkey.der"
for role in root issuing; do
  sql "$CA" "SELECT hex(der) FROM ca_certs WHERE role='$role'" | xxd -r -p >"$T/$role.der"
  check "audit key differs from the $role CA key" bash -c \
    "[[ \$(openssl x509 -inform DER -in $T/auditkey.der -noout -pubkey) != \$(openssl x509 -inform DER -in $T/$role.der -noout -pubkey) ]]"
done
ncp=$(sql "$CA" "SELECT count(*) FROM audit_checkpoints")
check "every token command left a checkpoint (>= 4)" test "$ncp" -ge 4
last=$(sql "$CA" "SELECT max(id) FROM audit_log")
check_eq "the last checkpoint seals the last record" "$last" \
  "$(sql "$CA" "SELECT last_id FROM audit_checkpoints ORDER BY id DESC LIMIT 1")"
# a checkpoint's signature verifies with OpenSSL over the documented message
row=$(sql "$CA" "SELECT id||'|'||last_id||'|'||last_hash||'|'||at||'|'||prev_sig_hash FROM audit_checkpoints WHERE id=2")
IFS='|' read -r cid clast chash cat cprev <<<"$row"
printf 'gcert-audit-checkpoint/1\ncheckpoint %s\nlast record %s\nlast hash %s\ntime %s\nprevious %s\n' \
  "$cid" "$clast" "$chash" "$cat" "$cprev" >"$T/cp.msg"
sql "$CA" "SELECT hex(signature) FROM audit_checkpoints WHERE id=2" | xxd -r -p >"$T/cp.sig"
openssl x509 -inform DER -in "$T/auditkey.der" -pubkey -noout >"$T/auditkey.pub"
check "checkpoint 2 verifies with openssl" openssl dgst -sha256 -verify "$T/auditkey.pub" \
  -signature "$T/cp.sig" "$T/cp.msg"

out=$("$GCERT" audit verify --dir "$CA" --json)
check_eq "intact trail verifies" ok "$(json_field status <<<"$out")"
check_eq "all records counted" "$last" "$(json_field records <<<"$out")"
check_eq "all checkpoints counted" "$ncp" "$(json_field checkpoints <<<"$out")"

# an auditor who holds the audit key certificate pins it
openssl x509 -inform DER -in "$T/auditkey.der" -out "$T/auditkey.pem"
check "verify with the audit key pinned" "$GCERT" audit verify --dir "$CA" --cert "$T/auditkey.pem"
openssl x509 -inform DER -in "$T/root.der" -out "$T/root.pem"
set +e
msg=$("$GCERT" audit verify --dir "$CA" --cert "$T/root.pem" 2>&1); rc=$?
set -e
check_eq "another certificate pinned: exit 7" 7 "$rc"
check_contains "names the audit key" "audit key 1 in the database is not the given certificate" "$msg"

# ---- tampering: each case on a copy of the intact database ----
db_save "$CA" intact
tamper() { # tamper WHAT SQL EXPECTED-MESSAGE
  db_restore "$CA" intact
  sql_unguarded "$CA" "$2"
  set +e
  msg=$("$GCERT" audit verify --dir "$CA" 2>&1 >/dev/null); rc=$?
  set -e
  check_eq "$1: exit status 7" 7 "$rc"
  check_contains "$1: names the fault" "$3" "$msg"
}
tamper "record changed" "UPDATE audit_log SET detail = detail || ' (edited)' WHERE id = 6" \
  "audit record 6: hash chain broken (record changed)"
tamper "actor changed" "UPDATE audit_log SET actor = 'cli:nobody' WHERE id = 2" \
  "audit record 2: hash chain broken (record changed)"
tamper "record deleted" "DELETE FROM audit_log WHERE id = 4" \
  "audit record 4: deleted or reordered (found record 5 in its place)"
tamper "records reordered" "UPDATE audit_log SET id = -1 WHERE id = 3; UPDATE audit_log SET id = 3 WHERE id = 4;
  UPDATE audit_log SET id = 4 WHERE id = -1" "audit record 3: deleted or reordered"
IFS='|' read -r tcp tlast <<<"$(sql "$CA" "SELECT id||'|'||last_id FROM audit_checkpoints WHERE last_id > $((last - 2)) ORDER BY id LIMIT 1")"
tamper "tail truncated" "DELETE FROM audit_log WHERE id > $((last - 2))" \
  "audit records after $((last - 2)) were truncated (checkpoint $tcp proves records up to $tlast existed)"
tamper "checkpoint signature altered" \
  "UPDATE audit_checkpoints SET signature = zeroblob(256) WHERE id = 2" "checkpoint 2: signature does not verify"
tamper "checkpoint moved" "UPDATE audit_checkpoints SET last_id = last_id - 1 WHERE id = 2" \
  "checkpoint 2: signature does not verify"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/evil.key" -subj "/CN=gcert audit key" \
  -out "$T/evil.pem" -outform DER 2>/dev/null
tamper "audit key replaced" "UPDATE audit_keys SET der = $(blob_literal "$(xxd -p "$T/evil.pem" | tr -d '\n')")" \
  "checkpoint 1: signature does not verify"
tamper "checkpoint deleted" "DELETE FROM audit_checkpoints WHERE id = 2" \
  "checkpoint 2: deleted or reordered (found checkpoint 3 in its place)"

# the whole tail rewritten with every hash recomputed: the chain is consistent again,
# but the signed checkpoints still hold the old hashes
db_restore "$CA" intact
# the rows as JSON lines (both databases), the UPDATEs back through sql_unguarded
if [[ $GCERT_TEST_DB == pg ]]; then
  sql "$CA" "SELECT json_build_array(id, at, actor, event, object, outcome, detail) FROM audit_log ORDER BY id"
else
  sql "$CA" "SELECT json_array(id, at, actor, event, object, outcome, detail) FROM audit_log ORDER BY id"
fi >"$T/rows.jsonl"
"$PY" - "$T/rows.jsonl" >"$T/rewrite.sql" <<'PY'
import hashlib, json, sys
def q(s):
    return "'" + s.replace("'", "''") + "'"
def h(prev, r):
    m = hashlib.sha256()
    for f in [prev, str(r[0]), str(r[1])] + list(r[2:7]):
        b = f.encode()
        m.update(len(b).to_bytes(4, "big") + b)
    return m.hexdigest()
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
prev = "0" * 64
for r in rows:
    if r[0] == 8:
        r[6] = "nothing to see here"
    hh = h(prev, r)
    print("UPDATE audit_log SET detail=%s, prev_hash=%s, hash=%s WHERE id=%d;" % (q(r[6]), q(prev), q(hh), r[0]))
    prev = hh
PY
sql_unguarded "$CA" "$(cat "$T/rewrite.sql")"
set +e
msg=$("$GCERT" audit verify --dir "$CA" 2>&1 >/dev/null); rc=$?
set -e
check_eq "rewritten chain: exit 7" 7 "$rc"
check_contains "rewritten chain: caught by the checkpoint" "changed since checkpoint" "$msg"
# a token command refuses to seal a tampered trail
db_restore "$CA" intact
sql_unguarded "$CA" "UPDATE audit_log SET detail = 'x' WHERE id = $last"
set +e
"$GCERT" audit checkpoint --dir "$CA" >/dev/null 2>"$T/cp.err"; rc=$?
set -e
check_eq "checkpoint of a tampered trail refused" 7 "$rc"
check_contains "checkpoint refusal names the record" "audit record $last" "$(cat "$T/cp.err")"
check_eq "no checkpoint added" "$ncp" "$(sql "$CA" "SELECT count(*) FROM audit_checkpoints")"
db_restore "$CA" intact
check "restored database verifies again" "$GCERT" audit verify --dir "$CA"

# ---- daily review (§4.5.2), in Hong Kong days ----
today=$(TZ=Asia/Hong_Kong date +%F)
rep=$("$GCERT" audit report --dir "$CA" --day "$today" --json)
counts=$("$PY" -c '
import json,sys; r=json.load(sys.stdin)
print(r["by_event"]["cert.issued"]["success"], r["by_event"]["cert.request_rejected"]["failure"],
      len(r["failures"]), r["records"], " ".join(sorted({p["event"] for p in r["privileged"]})))' <<<"$rep")
check_eq "report: counts per event, failures, privileged actions" \
  "3 1 1 $last arl.issued audit.key_made ca.cert_issued ca.init ca.key_generated" "$counts"
text=$("$GCERT" audit report --dir "$CA" --day "$today")
check_contains "text report: failures listed" "cert.request_rejected" "$text"
check_contains "text report: Hong Kong day" "UTC $(TZ=UTC date -d "$today -1 day" +%F)T16:00:00Z" "$text"
check_eq "report of an empty day" 0 \
  "$("$GCERT" audit report --dir "$CA" --day 2001-01-01 --json | json_field records)"
set +e
"$GCERT" audit report --dir "$CA" --day 2026-02-30 >/dev/null 2>&1; check_eq "impossible day: usage" 2 $?
"$GCERT" audit report --dir "$CA" >/dev/null 2>&1; check_eq "no day: usage" 2 $?
set -e

# ---- retention (§4.5.3) ----
before=$(sql "$CA" "SELECT count(*) FROM audit_log")
set +e
msg=$("$GCERT" audit purge --dir "$CA" --before "$today" 2>&1); rc=$?
set -e
check_eq "purge of young records refused: exit 4" 4 "$rc"
check_contains "purge refusal cites the rule" "CPS §4.5.3: audit records are kept 7 years" "$msg"
check_contains "purge refusal: stable code" "GC_E_RETENTION" "$msg"
check_eq "no record removed; the refusal itself recorded" "$((before + 1))" "$(sql "$CA" "SELECT count(*) FROM audit_log")"
check_eq "refusal audited as a failure" "failure" \
  "$(sql "$CA" "SELECT outcome FROM audit_log WHERE event='audit.purge_refused'")"
six=$(date -u -d "6 years ago" +%F)
set +e
"$GCERT" audit purge --dir "$CA" --before "$six" >/dev/null 2>&1; check_eq "6 years is too young" 4 $?
set -e
check_contains "nothing older than 7 years: nothing purged" "nothing purged" \
  "$("$GCERT" audit purge --dir "$CA" --before 2015-01-01)"
check "trail still verifies" "$GCERT" audit verify --dir "$CA"
finish
