#!/usr/bin/env bash
# audit_purge.sh - CPS §4.5.3: audit records are kept 7 years and may then be purged.
# Under libfaketime the CA lives on for 8 years; `gcert audit purge` refuses anything
# younger than 7 years, removes the records sealed by the newest checkpoint signed before
# the date asked (the record that checkpoint sealed stays and anchors the chain), records
# the purge, and `gcert audit verify` (and an archive bundle's verify) still pass. A trail
# whose head was cut without a purge, or cut off a checkpoint, is reported as tampered.
source "$(dirname "$0")/lib.sh"

FT=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
at() { local off=$1; shift; LD_PRELOAD=$FT FAKETIME="$off" "$GCERT" "$@"; }
CA=$T/ca
new_ca "$CA"
make_csr "$T/k1.key" "$T/k1.csr"; make_request "$T/r1.json" r-1 individual 1 "$T/k1.csr"
"$GCERT" issue --dir "$CA" --request "$T/r1.json" --out "$T/c1.pem" >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null
young=$(sql "$CA" "SELECT max(id) FROM audit_log")
make_csr "$T/k2.key" "$T/k2.csr"; make_request "$T/r2.json" r-2 individual 1 "$T/k2.csr"
at +1095d issue --dir "$CA" --request "$T/r2.json" --out "$T/c2.pem" >/dev/null   # three years on
total=$(sql "$CA" "SELECT count(*) FROM audit_log")
db_save "$CA" beforepurge
checkpoints=$(sql "$CA" "SELECT count(*) FROM audit_checkpoints")

# eight years on: six-year-old records are still kept
six=$(date -u -d "+2 years" +%F)
set +e
msg=$(at +2922d audit purge --dir "$CA" --before "$six" 2>&1); rc=$?
set -e
check_eq "younger than 7 years: exit 4" 4 "$rc"
check_contains "names the rule" "CPS §4.5.3: audit records are kept 7 years" "$msg"
check_eq "nothing removed (the refusal is recorded)" $((total + 1)) "$(sql "$CA" "SELECT count(*) FROM audit_log")"
set +e
sql "$CA" "DELETE FROM audit_log WHERE id = 1" >/dev/null 2>&1
check "the database refuses a delete no purge covers" test $? -ne 0
set -e

# records from the first year (older than 7 years at +8y) go
day=$(date -u -d "+300 days" +%F)
out=$(at +2922d audit purge --dir "$CA" --before "$day" --json)
purged=$(json_field purged <<<"$out"); first=$(json_field first_kept <<<"$out")
check "some records purged" test "$purged" -gt 0
check "only records of the first year: the three-year-old ones stay" test "$first" -le "$((young + 1))"
check_eq "the first record kept is the one a checkpoint sealed" 1 \
  "$(sql "$CA" "SELECT count(*) FROM audit_checkpoints WHERE last_id = $first")"
check_eq "records before it are gone" "$first" "$(sql "$CA" "SELECT min(id) FROM audit_log")"
check_eq "every checkpoint stays" "$checkpoints" "$(sql "$CA" "SELECT count(*) FROM audit_checkpoints")"
check_contains "the purge is audited with its anchor" "records 1..$((first - 1)), all older than 7 years" \
  "$(sql "$CA" "SELECT detail FROM audit_log WHERE event='audit.purged'")"
v=$(at +2922d audit verify --dir "$CA")
check_contains "audit verify passes after the purge" "older ones purged after 7 years" "$v"
check "and with today's clock" "$GCERT" audit verify --dir "$CA"
at +2922d audit checkpoint --dir "$CA" >/dev/null
check "a new checkpoint seals the purge record" "$GCERT" audit verify --dir "$CA"
at +2922d archive export --dir "$CA" --out "$T/archive.tar" >/dev/null
check "an archive exported after the purge verifies" env LD_PRELOAD=$FT FAKETIME=+2922d "$GCERT" archive verify "$T/archive.tar"

# tampering is still caught (on the CA itself, saved first and put back after)
db_save "$CA" purged
# the first record kept removed too: the next one is sealed by no checkpoint (or, if it is,
# no purge accounts for the cut)
cut=$(sql "$CA" "SELECT min(id) FROM audit_log WHERE id > $first AND id NOT IN (SELECT last_id FROM audit_checkpoints)")
sql_unguarded "$CA" "DELETE FROM audit_log WHERE id < $cut"
set +e
msg=$("$GCERT" audit verify --dir "$CA" 2>&1); rc=$?
set -e
check_eq "head cut off a checkpoint: exit 7" 7 "$rc"
check_contains "names it" "no signed checkpoint anchors record $cut" "$msg"
db_restore "$CA" beforepurge
sql_unguarded "$CA" "DELETE FROM audit_log WHERE id < $first"
set +e
msg=$("$GCERT" audit verify --dir "$CA" 2>&1); rc=$?
set -e
check_eq "head cut at a checkpoint without a purge: exit 7" 7 "$rc"
check_contains "names it" "no audit.purged record accounts for them" "$msg"
finish
