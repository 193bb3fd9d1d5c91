#!/usr/bin/env bash
# crl.sh - CRLs and the ARL (CPS App. C): DER checked field by field by asn1crypto,
# accepted by OpenSSL, GnuTLS and NSS, which see the revocations; cRLNumber strictly
# increasing; archived byte for byte for seven years; written atomically; the schedule
# catches up a run missed while down.
source "$GCERT_SRC/tests/integration/lib.sh"
source "$GCERT_SRC/tests/integration/common.sh"

CA=$T/ca
new_ca "$CA"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust" >/dev/null
ROOT=$T/trust/root.pem ISS=$T/trust/issuing-ca.pem
FULL=$CA/repo/crl/eCertCA2-17CRL1.crl PART=$CA/repo/crl/eCertCA2-17CRL2.crl ARL=$CA/repo/crl/RootCA2ARL.crl
PART_URL=http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL2.crl

# ---- the key ceremony's CRLs: a new CA is verifiable from its first certificate ----
check_eq "the key ceremony published the ARL and both CRLs" "RootCA2ARL.crl eCertCA2-17CRL1.crl eCertCA2-17CRL2.crl" \
  "$(ls "$CA/repo/crl" | xargs)"
n1=$($PY "$GCERT_SRC/tests/integration/crl_fields.py" "$FULL" "$ISS" full - - 2>"$T/err") && pass || fail "ceremony's full CRL: $(cat "$T/err")"
n2=$($PY "$GCERT_SRC/tests/integration/crl_fields.py" "$PART" "$ISS" partition "$PART_URL" - 2>"$T/err") && pass || fail "ceremony's partitioned CRL: $(cat "$T/err")"
a1=$($PY "$GCERT_SRC/tests/integration/crl_fields.py" "$ARL" "$ROOT" arl - - 2>"$T/err") && pass || fail "ceremony's ARL: $(cat "$T/err")"
check_eq "cRLNumbers of the ceremony's CRLs" "1 2 1" "$n1 $n2 $a1"

# ---- empty CRLs again ----
check "crl issue (none revoked)" "$GCERT" crl issue --dir "$CA"
check "arl issue" "$GCERT" arl issue --dir "$CA"
n1=$($PY "$GCERT_SRC/tests/integration/crl_fields.py" "$FULL" "$ISS" full - - 2>"$T/err") && pass || fail "empty full CRL: $(cat "$T/err")"
n2=$($PY "$GCERT_SRC/tests/integration/crl_fields.py" "$PART" "$ISS" partition "$PART_URL" - 2>"$T/err") && pass || fail "empty partitioned CRL: $(cat "$T/err")"
a1=$($PY "$GCERT_SRC/tests/integration/crl_fields.py" "$ARL" "$ROOT" arl - - 2>"$T/err") && pass || fail "empty ARL: $(cat "$T/err")"
check_eq "cRLNumbers of the first run" "3 4 2" "$n1 $n2 $a1"

# ---- revocations with several reasons, one functional unit ----
issue_cert "$CA" alice; A=$SERIAL
issue_cert "$CA" bob functional_unit; B=$SERIAL
issue_cert "$CA" carol; C=$SERIAL
issue_cert "$CA" dave; D=$SERIAL
check "revoke alice (default reason)" "$GCERT" revoke --dir "$CA" --serial "$A"
check "revoke bob keyCompromise" "$GCERT" revoke --dir "$CA" --serial "$B" --reason 1
check "revoke carol certificateHold" "$GCERT" revoke --dir "$CA" --serial "$C" --reason 6
check "crl issue" "$GCERT" crl issue --dir "$CA"
want="$A:0,$B:1,$C:6"
n3=$($PY "$GCERT_SRC/tests/integration/crl_fields.py" "$FULL" "$ISS" full - "$want" 2>"$T/err") && pass || fail "full CRL: $(cat "$T/err")"
n4=$($PY "$GCERT_SRC/tests/integration/crl_fields.py" "$PART" "$ISS" partition "$PART_URL" "$want" 2>"$T/err") && pass || fail "partitioned CRL: $(cat "$T/err")"
check_eq "cRLNumber strictly increases across the issuer's CRLs" "5 6" "$n3 $n4"
# the checker itself can fail: wrong reason, wrong issuer, wrong partition, broken DER
CF="$PY $GCERT_SRC/tests/integration/crl_fields.py"
if $CF "$FULL" "$ISS" full - "$A:1,$B:1,$C:6" 2>/dev/null; then fail "checker accepted a wrong reason"; else pass; fi
if $CF "$FULL" "$ROOT" full - "$want" 2>/dev/null; then fail "checker accepted a wrong issuer"; else pass; fi
if $CF "$PART" "$ISS" partition http://crl1.eCert.gov.hk/crl/other.crl "$want" 2>/dev/null; then fail "checker accepted a wrong IDP"; else pass; fi
if $CF "$FULL" "$ISS" partition "$PART_URL" "$want" 2>/dev/null; then fail "checker accepted a CRL without IDP as partition"; else pass; fi
$PY -c "import sys; d = open(sys.argv[1], 'rb').read(); open(sys.argv[2], 'wb').write(d[:-1])" "$FULL" "$T/trunc.crl"
if $CF "$T/trunc.crl" "$ISS" full - "$want" 2>/dev/null; then fail "checker accepted a truncated CRL"; else pass; fi
check_eq "no temporary file left beside the CRLs" "3" "$(ls -A "$CA/repo/crl" | wc -l)"
check_eq "published CRLs are world-readable" "644 644 644" "$(stat -c %a "$FULL" "$PART" "$ARL" | xargs)"

# ---- the archive (§4.4.3): every CRL, byte for byte, never changed or deleted early ----
check_eq "archived: 8 CRLs (3 of them the ceremony's)" "8" "$(sql "$CA" "SELECT count(*) FROM crls")"
check_eq "archive holds the published full CRL" "$(sha256sum < "$FULL" | cut -c1-64)" \
  "$(sql "$CA" "SELECT hex(der) FROM crls WHERE kind = 'full' ORDER BY crl_number DESC LIMIT 1" |
     $PY -c 'import hashlib, sys; print(hashlib.sha256(bytes.fromhex(sys.stdin.read().strip())).hexdigest())')"
check_eq "archive sha256 column matches the file" "$(sha256sum < "$PART" | cut -c1-64)" \
  "$(sql "$CA" "SELECT sha256 FROM crls WHERE kind = 'partition' ORDER BY crl_number DESC LIMIT 1")"
check_eq "archive cause of a manual run" "supplementary" "$(sql "$CA" "SELECT DISTINCT cause FROM crls")"
if sql "$CA" "DELETE FROM crls" 2>/dev/null; then fail "an archived CRL younger than 7 years was deleted"; else pass; fi
if sql "$CA" "UPDATE crls SET entries = 0" 2>/dev/null; then fail "an archived CRL was changed"; else pass; fi
if sql "$CA" "INSERT INTO crls (ca_id, kind, url, crl_number, this_update, next_update, entries,
      revocations_upto, cause, sha256, der, created_at) SELECT ca_id, kind, url, 2, 1, 2, 0, 0,
      'supplementary', '', x'00', 0 FROM crls WHERE kind = 'full' LIMIT 1" 2>/dev/null; then
  fail "the database took a cRLNumber that does not increase"; else pass; fi
check_eq "CRL publications audited" "6" "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event = 'crl.issued'")"

# ---- OpenSSL ----
to_pem "$PART" "$T/part.pem"; to_pem "$FULL" "$T/full.pem"; to_pem "$ARL" "$T/arl.pem"
check "openssl crl -verify (partition)" openssl crl -inform DER -in "$PART" -CAfile "$ISS" -noout
check "openssl crl -verify (full)" openssl crl -inform DER -in "$FULL" -CAfile "$ISS" -noout
check "openssl crl -verify (ARL with the root)" openssl crl -inform DER -in "$ARL" -CAfile "$ROOT" -noout
if openssl crl -inform DER -in "$ARL" -CAfile "$ISS" -noout >/dev/null 2>&1; then fail "ARL verified with the wrong key"; else pass; fi
out=$(openssl verify -crl_check -CAfile "$ROOT" -untrusted "$ISS" -CRLfile "$T/part.pem" "$T/alice.pem" 2>&1 || true)
check_contains "openssl sees alice revoked (partitioned CRL)" "certificate revoked" "$out"
check "openssl: dave valid (partitioned CRL)" openssl verify -crl_check -CAfile "$ROOT" -untrusted "$ISS" -CRLfile "$T/part.pem" "$T/dave.pem"
check "openssl: dave valid (-crl_check_all with the ARL)" openssl verify -crl_check_all -CAfile "$ROOT" \
  -untrusted "$ISS" -CRLfile "$T/part.pem" -CRLfile "$T/arl.pem" "$T/dave.pem"
out=$(openssl verify -crl_check -CAfile "$ROOT" -untrusted "$ISS" -CRLfile "$T/full.pem" "$T/bob.pem" 2>&1 || true)
check_contains "openssl sees bob revoked (full CRL)" "certificate revoked" "$out"

# ---- GnuTLS ----
check "certtool --verify-crl (partition)" certtool --verify-crl --load-ca-certificate "$ISS" --infile "$T/part.pem"
check "certtool --verify-crl (ARL)" certtool --verify-crl --load-ca-certificate "$ROOT" --infile "$T/arl.pem"
cat "$T/alice.pem" "$ISS" > "$T/chain-alice.pem"; cat "$T/dave.pem" "$ISS" > "$T/chain-dave.pem"
out=$(certtool --verify --load-ca-certificate "$ROOT" --load-crl "$T/part.pem" --infile "$T/chain-alice.pem" 2>&1 || true)
check_contains "certtool sees alice revoked" "revoked" "$out"
check "certtool: dave valid with the CRL" certtool --verify --load-ca-certificate "$ROOT" --load-crl "$T/part.pem" --infile "$T/chain-dave.pem"

# ---- NSS: it rejects any CRL with a critical issuingDistributionPoint (which App. C
# requires of the partition and the ARL), so relying parties on NSS use the full CRL ----
mkdir "$T/nss"
certutil -N -d "sql:$T/nss" --empty-password
certutil -A -d "sql:$T/nss" -n root -t "C,C,C" -i "$ROOT"
certutil -A -d "sql:$T/nss" -n issuing -t ",," -i "$ISS"
check "crlutil imports and verifies the full CRL" crlutil -I -d "sql:$T/nss" -i "$FULL"
vfy() { vfychain -d "sql:$T/nss" -pp -g leaf -m crl -s requireFreshInfo -u 4 -a "$1" 2>&1; }
out=$(vfy "$T/alice.pem" || true)
check_contains "NSS vfychain sees alice revoked" "ERROR -8180" "$out"
out=$(vfy "$T/dave.pem" || true)
check_contains "NSS vfychain: dave valid" "Chain is good!" "$out"

# ---- publication fails after the commit: archived, reported, published by the next run ----
n_before=$(sql "$CA" "SELECT max(crl_number) FROM crls WHERE kind <> 'arl'")
mv "$PART" "$T/part.keep"; mkdir "$PART" # the target is a directory: rename() must fail
expect_status "rename onto a directory" 5 "$GCERT" crl issue --dir "$CA"
check_contains "says the CRL is archived and the next run publishes" "the next run publishes again" "$(cat "$T/err")"
check_eq "no temporary file left" "" "$(ls -A "$CA/repo/crl" | grep tmp || true)"
check_eq "the full CRL went out before it" "$((n_before + 1))" "$(sql "$CA" "SELECT max(crl_number) FROM crls WHERE kind = 'full'")"
rmdir "$PART"
check "next run publishes" "$GCERT" crl issue --dir "$CA"
n=$($PY "$GCERT_SRC/tests/integration/crl_fields.py" "$PART" "$ISS" partition "$PART_URL" "$want") && pass || fail "republished partition"
check_eq "its number is higher than the archived one that was not published" "$((n_before + 4))" "$n"

# ---- ARL: revoked CA certificates; issued at once on compromise (compromise.sh) ----
check_eq "ARL has no entry while no CA certificate is revoked" "1" \
  "$(openssl crl -inform DER -in "$ARL" -noout -text | grep -c 'No Revoked Certificates')"

# ---- the schedule: a missed run is caught up at once, then nothing until the next slot ----
out=$("$GCERT" crl schedule --dir "$CA" --once)
check_contains "first scheduled run issues CRLs" "partition" "$out"
before=$(sql "$CA" "SELECT count(*) FROM crls")
out=$("$GCERT" crl schedule --dir "$CA" --once)
check_contains "second run: up to date" "up to date" "$out"
check_eq "second run issued nothing" "$before" "$(sql "$CA" "SELECT count(*) FROM crls")"
tomorrow=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
out=$("$GCERT" crl schedule --dir "$CA" --once --now "$tomorrow")
check_contains "a slot missed while down is caught up" "partition" "$out"
check_eq "caught up: full and partition" "$((before + 2))" "$(sql "$CA" "SELECT count(*) FROM crls")"
nextyear=$(date -u -d '+13 months' +%Y-%m-%dT%H:%M:%SZ)
out=$("$GCERT" crl schedule --dir "$CA" --once --now "$nextyear" --json)
check_contains "the ARL is due yearly" '"kind": "arl"' "$out"
check_eq "scheduled CRLs archived as such (first, missed, next year)" "6" "$(sql "$CA" "SELECT count(*) FROM crls WHERE cause = 'scheduled' AND kind <> 'arl'")" 
check_eq "every cRLNumber of the issuing CA distinct and increasing" \
  "$(sql "$CA" "SELECT group_concat(crl_number, ' ') FROM (SELECT crl_number FROM crls WHERE kind <> 'arl' ORDER BY id) AS t")" \
  "$(seq -s ' ' 1 "$(sql "$CA" "SELECT count(*) FROM crls WHERE kind <> 'arl'")")"

# the long-running schedule: catches up at start, waits for the next slot, stops cleanly
before=$(sql "$CA" "SELECT count(*) FROM crls")
"$GCERT" crl schedule --dir "$CA" >"$T/sched.out" 2>&1 &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 50); do grep -q "next CRLs at" "$T/sched.out" && break; sleep 0.1; done
kill -TERM "$pid"; rc=0; wait "$pid" || rc=$?
check_eq "schedule loop stops on SIGTERM with status 0" "0" "$rc"
check_contains "schedule loop names its next slot" "next CRLs at" "$(cat "$T/sched.out")"
check_eq "schedule loop had nothing due (already caught up)" "$before" "$(sql "$CA" "SELECT count(*) FROM crls")"

# ---- a CRL of several MiB: archived in pieces (the re-read's 1 MiB writes), byte for
# byte the published file on both databases (PostgreSQL: COPY of the pieces, db_pg.c);
# larger than two of the linter's steps (4 MiB), whose pages the lint and the proof give
# back as they pass (issue 18) ----
BIG=$T/big
new_ca "$BIG"
dp=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"]["crl_dp"])' "$BIG/gcert.json")
now=$(date +%s)
if [[ $GCERT_TEST_DB == pg ]]; then
  serials="SELECT '7f' || lpad(to_hex(i), 38, '0') AS serial, i FROM generate_series(1, 170000) AS i"
else
  serials="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 170000)
    SELECT printf('7f%038x', i) AS serial, i FROM n"
fi
sql "$BIG" "INSERT INTO subscribers (ref, created_at) VALUES ('1000000000', 0);
INSERT INTO certificates (serial, ca_id, request_id, subscriber_ref, cert_type, subject_cn, organisation,
  validity_years, spki_sha256, not_before, not_after, status, tbs, der, created_at, issued_at)
  SELECT serial, (SELECT id FROM ca_certs WHERE role = 'issuing' AND is_current = 1), 'big-' || i,
  '1000000000', 'individual', 'BIG ' || i, 'Big Bureau', 2, serial || serial, $((now - 86400)),
  $((now + 86400 * 700)), 'issued', $(blob_literal 00), $(blob_literal 00), $((now - 86400)), $((now - 86400))
  FROM ($serials) AS s;
INSERT INTO revocations (serial, scope, ca_id, dp, reason, requested_at, revoked_at, not_after, actor)
  SELECT serial, 'ee', ca_id, '$dp', 1, $((now - 60)), $((now - 60)), not_after, 'test' FROM certificates
  WHERE request_id LIKE 'big-%';" >/dev/null
check "crl issue with 170,000 revocations" "$GCERT" crl issue --dir "$BIG"
BIGFULL=$BIG/repo/crl/eCertCA2-17CRL1.crl
check_eq "the full CRL of 170,000 entries is over 8 MiB (more than two lint steps)" "1" \
  "$(( $(stat -c %s "$BIGFULL") > 8 * 1048576 ))"
check_eq "it lists all 170,000" "170000" "$(openssl crl -inform DER -in "$BIGFULL" -noout -text | grep -c 'Serial Number')"
check_eq "its archive is the published file, byte for byte" "$(sha256sum < "$BIGFULL" | cut -c1-64)" \
  "$(sqlhex "$BIG" "SELECT der FROM crls WHERE kind = 'full' ORDER BY crl_number DESC LIMIT 1" |
     $PY -c 'import hashlib, sys; print(hashlib.sha256(bytes.fromhex(sys.stdin.read().strip())).hexdigest())')"
check_eq "and its sha256 column" "$(sha256sum < "$BIGFULL" | cut -c1-64)" \
  "$(sql "$BIG" "SELECT sha256 FROM crls WHERE kind = 'full' ORDER BY crl_number DESC LIMIT 1")"

# ---- schema 14 (issue 18): der is the last column of crls on SQLite (a zeroblob is then
# written without being allocated); a database of schema 13 keeps its archived CRLs byte
# for byte, its triggers and its view when it is opened ----
if [[ $GCERT_TEST_DB != pg ]]; then
  check_eq "der is the last column of crls" "der" \
    "$(sql "$CA" "SELECT name FROM pragma_table_info('crls') ORDER BY cid DESC LIMIT 1")"
  digest() { sql "$CA" "SELECT id || ' ' || kind || ' ' || crl_number || ' ' || sha256 || ' ' || hex(der) FROM crls ORDER BY id" |
    sha256sum | cut -c1-64; }
  was=$(digest)
  # schema 13's table: der before created_at
  sqlite3 "$CA/gcert.db" "PRAGMA foreign_keys=OFF; BEGIN; DROP VIEW revocation_status;
CREATE TABLE crls13 (id INTEGER PRIMARY KEY, ca_id INTEGER NOT NULL REFERENCES ca_certs(id),
  kind TEXT NOT NULL, url TEXT NOT NULL, crl_number INTEGER NOT NULL, this_update INTEGER NOT NULL,
  next_update INTEGER NOT NULL, entries INTEGER NOT NULL, revocations_upto INTEGER NOT NULL,
  cause TEXT NOT NULL, sha256 TEXT NOT NULL, der BLOB NOT NULL, created_at INTEGER NOT NULL,
  UNIQUE (ca_id, crl_number));
INSERT INTO crls13 SELECT id, ca_id, kind, url, crl_number, this_update, next_update, entries,
  revocations_upto, cause, sha256, der, created_at FROM crls;
DROP TABLE crls; ALTER TABLE crls13 RENAME TO crls;
CREATE VIEW revocation_status AS SELECT r.*, NULL AS published_crl, NULL AS published_at FROM revocations r;
PRAGMA user_version = 13; COMMIT;"
  check_eq "schema 13: der before created_at" "created_at" \
    "$(sql "$CA" "SELECT name FROM pragma_table_info('crls') ORDER BY cid DESC LIMIT 1")"
  "$GCERT" ca status --dir "$CA" >/dev/null 2>&1 || true # opened by this gcert: migration 14 (status may warn)
  check_eq "migrated: der last" "der" "$(sql "$CA" "SELECT name FROM pragma_table_info('crls') ORDER BY cid DESC LIMIT 1")"
  check "migrated: schema 14 or later" test "$(sql "$CA" "PRAGMA user_version")" -ge 14
  check_eq "migrated: every archived CRL byte for byte" "$was" "$(digest)"
  if sql "$CA" "UPDATE crls SET entries = 0" 2>/dev/null; then fail "migrated: an archived CRL was changed"; else pass; fi
  check_eq "migrated: the view says which CRL first published a revocation" "0" \
    "$(sql "$CA" "SELECT count(*) FROM revocation_status WHERE published_crl IS NULL")"
  check "and the next CRLs are issued into it" "$GCERT" crl issue --dir "$CA"
fi

# the schedule comes from the configuration; a bad one is refused by name
$PY - "$CA/gcert.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c.setdefault("crl", {})["schedule"] = "11:00,01:15"
json.dump(c, open(sys.argv[1], "w"))
PY
expect_status "schedule out of order" 5 "$GCERT" crl schedule --dir "$CA" --once
check_contains "names the key" "crl.schedule" "$(cat "$T/err")"
finish
