#!/usr/bin/env bash
# backup_restore.sh - disaster recovery (CPS §4.8.1) with multi-person restore (§6.2.4):
# an online backup taken while certificates are being issued, 2 of 3 custodians needed;
# every refusal (too few shares, wrong passphrase, altered file, another backup's share,
# a non-empty target) leaves nothing behind; the CA is destroyed and brought back, its
# audit trail and every certificate verify, and it issues again reusing no serial,
# subscriber number or audit record id.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
LIVE_DB=$(db_url "$CA") # PostgreSQL: the live database, never a restore target
issue_one() { # issue_one N
  make_csr "$T/k$1.key" "$T/k$1.csr"
  make_request "$T/r$1.json" "req-$1" individual 1 "$T/k$1.csr" "r['subject']['name'] = 'CHAN Number$1'"
  "$GCERT" issue --dir "$CA" --request "$T/r$1.json" --out "$T/c$1.pem" >/dev/null
}
for i in 1 2 3; do issue_one "$i"; done
pre_serials=$(sql "$CA" "SELECT serial FROM certificates ORDER BY serial")
pre_refs=$(sql "$CA" "SELECT ref FROM subscribers ORDER BY ref")
pre_audit=$(sql "$CA" "SELECT max(id) FROM audit_log")

export GC_PASS_ALICE="alice's long passphrase 1" GC_PASS_BOB="bob's long passphrase 22"
printf '%s\n' "carol's long passphrase 333" >"$T/carol.pass"
chmod 644 "$T/carol.pass"
SHARES=$T/shares
backup() { "$GCERT" backup --dir "$CA" --custodians 3 --threshold 2 --share-dir "$SHARES" \
  --passphrases "env:GC_PASS_ALICE,env:GC_PASS_BOB,file:$T/carol.pass" "$@"; }

# refusals before anything is written
set +e
msg=$(backup --out "$T/ca.bak" 2>&1); rc=$?
check_eq "passphrase file readable by others: exit 3" 3 "$rc"
check_contains "names the file and the fix" "carol.pass: passphrase file is readable by others (mode 644); chmod 600 it" "$msg"
chmod 600 "$T/carol.pass"
"$GCERT" backup --dir "$CA" --out "$T/x.bak" --custodians 3 --threshold 1 --share-dir "$SHARES" \
  --passphrases env:GC_PASS_ALICE,env:GC_PASS_BOB,file:"$T/carol.pass" >/dev/null 2>&1
check_eq "threshold 1 refused (one person alone must not restore)" 2 $?
"$GCERT" backup --dir "$CA" --out "$T/x.bak" --custodians 3 --threshold 2 --share-dir "$SHARES" \
  --passphrases "correct horse battery,env:GC_PASS_BOB,env:GC_PASS_BOB" >/dev/null 2>&1
check_eq "a passphrase on the command line is refused" 2 $?
set -e
check_eq "nothing written by refusals" "" "$(ls "$T"/*.bak "$SHARES" 2>/dev/null || true)"

# the backup runs while certificates are being issued in parallel
( for i in 4 5 6 7 8; do issue_one "$i"; done ) &
ISSUER=$!
sleep 0.3
out=$(backup --out "$T/ca.bak" --json)
wait "$ISSUER"
ID=$(json_field backup_id <<<"$out")
check_eq "backup id" 32 "${#ID}"
check_eq "three share files, owner-only" "600 600 600" \
  "$(stat -c %a "$SHARES"/backup-"$ID"-custodian-{1,2,3}.share | tr '\n' ' ' | sed 's/ $//')"
check_eq "backup file owner-only" 600 "$(stat -c %a "$T/ca.bak")"
check_eq "backup audited" 1 "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='backup.made' AND object='$ID'")"
check "issuance during the backup all succeeded" test -s "$T/c8.pem"
for secret in "$GC_PASS_ALICE" "$GC_PASS_BOB" "carol's long" "$(cat "$CA/token/user.pin")"; do
  check "no secret in the clear in the backup or the shares" bash -c \
    "! grep -rqaF -- \"\$1\" \"$T/ca.bak\" \"$SHARES\"" _ "$secret"
done
check "backup refuses to overwrite" bash -c "! $GCERT backup --dir $CA --out $T/ca.bak --custodians 3 \
  --threshold 2 --share-dir $T/s2 --passphrases env:GC_PASS_ALICE,env:GC_PASS_BOB,env:GC_PASS_BOB 2>/dev/null"

# what the CA looked like; then it is destroyed
all_serials=$(sql "$CA" "SELECT serial FROM certificates ORDER BY serial")
rm -rf "$CA"
S1=$SHARES/backup-$ID-custodian-1.share S2=$SHARES/backup-$ID-custodian-2.share
S3=$SHARES/backup-$ID-custodian-3.share
NEW=$T/restored
restore_fail() { # restore_fail WHAT EXIT MESSAGE ARGS...
  local what=$1 want=$2 needle=$3; shift 3
  set +e
  msg=$("$GCERT" restore "$@" 2>&1); rc=$?
  set -e
  check_eq "$what: exit $want" "$want" "$rc"
  check_contains "$what: message" "$needle" "$msg"
  check "$what: nothing created" test ! -e "$NEW"
}
restore_fail "one share of two" 3 "1 custodian share(s) given; this backup needs 2 (CPS §6.2.4" \
  --from "$T/ca.bak" --shares "$S1" --passphrases env:GC_PASS_ALICE --dir "$NEW"
restore_fail "wrong passphrase" 3 "share of custodian 2: wrong passphrase, or the share file was altered" \
  --from "$T/ca.bak" --shares "$S1,$S2" --passphrases env:GC_PASS_ALICE,env:GC_PASS_ALICE --dir "$NEW"
restore_fail "the same share twice" 3 "the same custodian's share was given twice" \
  --from "$T/ca.bak" --shares "$S1,$S1" --passphrases env:GC_PASS_ALICE,env:GC_PASS_ALICE --dir "$NEW"
"$PY" - "$S3" "$T/s3-moved.share" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s["custodian"] = 1   # relabel: the seal binds it
json.dump(s, open(sys.argv[2], "w"))
PY
restore_fail "share relabelled" 3 "wrong passphrase, or the share file was altered" \
  --from "$T/ca.bak" --shares "$S1,$T/s3-moved.share" --passphrases "env:GC_PASS_ALICE,file:$T/carol.pass" --dir "$NEW"
cp "$T/ca.bak" "$T/altered.bak"
size=$(stat -c %s "$T/altered.bak")
"$PY" -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2] ^= 0x55; open(p,"wb").write(b)' "$T/altered.bak"
restore_fail "altered backup" 3 "does not authenticate" \
  --from "$T/altered.bak" --shares "$S1,$S2" --passphrases env:GC_PASS_ALICE,env:GC_PASS_BOB --dir "$NEW"
head -c $((size - 100)) "$T/ca.bak" >"$T/short.bak"
restore_fail "truncated backup" 3 "GC_E_BACKUP" \
  --from "$T/short.bak" --shares "$S1,$S2" --passphrases env:GC_PASS_ALICE,env:GC_PASS_BOB --dir "$NEW"
mkdir "$NEW"; touch "$NEW/something"
set +e
"$GCERT" restore --from "$T/ca.bak" --shares "$S1,$S2" --passphrases env:GC_PASS_ALICE,env:GC_PASS_BOB \
  --dir "$NEW" >/dev/null 2>&1; rc=$?
set -e
check_eq "non-empty target refused: exit 5" 5 "$rc"
check_eq "non-empty target untouched" something "$(ls "$NEW")"
rm -rf "$NEW"

# 2 of 3 custodians (Bob and Carol) bring the CA back (on PostgreSQL: into a database
# of its own, empty)
INTO=()
if [[ $GCERT_TEST_DB == pg ]]; then
  new_pg_db; INTO=(--postgresql "$PG_URL")
  set +e; msg=$("$GCERT" restore --from "$T/ca.bak" --shares "$S2,$S3" \
    --passphrases "env:GC_PASS_BOB,file:$T/carol.pass" --dir "$NEW" 2>&1); rc=$?; set -e
  check_eq "a PostgreSQL backup needs its new database named: exit 2" 2 "$rc"
  check_contains "says so" "name an empty database for it with --postgresql" "$msg"
  rm -rf "$NEW"
  set +e; "$GCERT" restore --from "$T/ca.bak" --shares "$S2,$S3" --passphrases "env:GC_PASS_BOB,file:$T/carol.pass" \
    --dir "$NEW" --postgresql "$LIVE_DB" >/dev/null 2>&1; rc=$?; set -e
  check_eq "never onto the live database: exit 5" 5 "$rc"
  rm -rf "$NEW"
fi
check "restore" "$GCERT" restore --from "$T/ca.bak" --shares "$S2,$S3" \
  --passphrases "env:GC_PASS_BOB,file:$T/carol.pass" --dir "$NEW" "${INTO[@]}"
if [[ $GCERT_TEST_DB == pg ]]; then
  check_eq "the restored CA uses its new database" "$PG_URL" "$(db_url "$NEW")"
fi
check "restored audit trail verifies" "$GCERT" audit verify --dir "$NEW"
check_eq "restore audited" 1 "$(sql "$NEW" "SELECT count(*) FROM audit_log WHERE event='backup.restored' AND object='$ID'")"
check_eq "restored files are owner-only" "600 700" "$(stat -c %a "$NEW/token/user.pin") $(stat -c %a "$NEW/token")"
# the snapshot is consistent: every issued certificate has its audit record and fee
check_eq "snapshot consistent: certificates = audit records = fees" \
  "$(sql "$NEW" "SELECT count(*) FROM certificates WHERE status='issued'")" \
  "$(sql "$NEW" "SELECT count(*) FROM audit_log WHERE event='cert.issued'")"
check_eq "snapshot consistent: fees" "$(sql "$NEW" "SELECT count(*) FROM certificates WHERE status='issued'")" \
  "$(sql "$NEW" "SELECT count(*) FROM fees")"
for s in $pre_serials; do
  check "pre-backup certificate $s restored" test "$(sql "$NEW" "SELECT count(*) FROM certificates WHERE serial='$s'")" = 1
done
"$GCERT" ca certs --dir "$NEW" --out-dir "$T/trust" >/dev/null
n=0
for s in $(sql "$NEW" "SELECT serial FROM certificates WHERE status='issued'"); do
  sql "$NEW" "SELECT hex(der) FROM certificates WHERE serial='$s'" | xxd -r -p |
    openssl x509 -inform DER -out "$T/v.pem"
  check "certificate $s verifies against the restored CA" openssl verify -CAfile "$T/trust/root.pem" \
    -untrusted "$T/trust/issuing-ca.pem" "$T/v.pem"
  n=$((n + 1))
done
check "at least the pre-backup certificates checked" test "$n" -ge 3

# it issues again; nothing from before the backup is reused
make_csr "$T/k9.key" "$T/k9.csr"
make_request "$T/r9.json" req-9 individual 1 "$T/k9.csr"
out=$("$GCERT" issue --dir "$NEW" --request "$T/r9.json" --json)
serial=$(json_field serial <<<"$out"); ref=$(json_field subscriber_ref <<<"$out")
check_eq "issued after restore" 40 "${#serial}"
check "new serial not reused" bash -c "! grep -qix '$serial' <<<\"$all_serials\""
check "new subscriber number not reused" bash -c "! grep -qx '$ref' <<<\"$pre_refs\""
new_audit=$(sql "$NEW" "SELECT id FROM audit_log WHERE event='cert.issued' AND object='$serial'")
check "new audit record id after every pre-backup id" test "$new_audit" -gt "$pre_audit"
check "trail still verifies" "$GCERT" audit verify --dir "$NEW"
finish
