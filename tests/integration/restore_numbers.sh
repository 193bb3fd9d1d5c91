#!/usr/bin/env bash
# restore_numbers.sh - no number is given twice across a disaster (CPS §4.8.1; RFC 5280
# §4.1.2.2 serials, §5.2.3 cRLNumber; App. D subscriber numbers): a backup is taken, then
# certificates are issued and revoked and CRLs and the ARL published; the CA is destroyed
# and restored from the backup (which knows nothing of that work), issues, revokes and
# publishes again. No serial, subscriber reference number or cRLNumber of any issuer may
# repeat one handed out before the destruction, and each issuer's cRLNumber still grows.
source "$(dirname "$0")/lib.sh"

CA=$T/ca NEW=$T/restored
new_ca "$CA"
n=0
issue_one() { # -> $SERIAL, $REF
  n=$((n + 1))
  make_csr "$T/k$n.key" "$T/k$n.csr"
  make_request "$T/r$n.json" "req-$n" individual 1 "$T/k$n.csr" "r['subject']['name'] = 'CHAN Number$n'"
  out=$("$GCERT" issue --dir "$1" --request "$T/r$n.json" --json)
  SERIAL=$(json_field serial <<<"$out"); REF=$(json_field subscriber_ref <<<"$out")
}
issue_one "$CA"
"$GCERT" crl issue --dir "$CA" >/dev/null
"$GCERT" arl issue --dir "$CA" >/dev/null
pre_serials=$(sql "$CA" "SELECT serial FROM certificates" | sort)
pre_refs=$(sql "$CA" "SELECT ref FROM subscribers" | sort)
export PA="alice's long passphrase 1" PB="bob's long passphrase 22"
"$GCERT" backup --dir "$CA" --out "$T/ca.bak" --custodians 2 --threshold 2 --share-dir "$T/sh" \
  --passphrases env:PA,env:PB --json >"$T/bk.json"
ID=$(json_field backup_id <"$T/bk.json")

# work the backup does not hold: published to relying parties, then lost with the CA
for i in 1 2; do issue_one "$CA"; "$GCERT" revoke --dir "$CA" --serial "$SERIAL" >/dev/null; done
"$GCERT" crl issue --dir "$CA" >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null
"$GCERT" arl issue --dir "$CA" >/dev/null
# what relying parties have seen: every cRLNumber of every issuer, serials, references
seen_crl=$(sql "$CA" "SELECT ca_id || ':' || crl_number FROM crls ORDER BY 1")
max_by_ca=$(sql "$CA" "SELECT ca_id || ':' || max(crl_number) FROM crls GROUP BY ca_id ORDER BY 1")
seen_serials=$(sql "$CA" "SELECT serial FROM certificates")
seen_refs=$(sql "$CA" "SELECT ref FROM subscribers")
check_eq "the issuing CA and the root both published after the backup" 2 \
  "$(sql "$CA" "SELECT count(DISTINCT ca_id) FROM crls")"
rm -rf "$CA"

INTO=() # PostgreSQL: the restore goes into an empty database of its own
if [[ $GCERT_TEST_DB == pg ]]; then new_pg_db; INTO=(--postgresql "$PG_URL"); fi
"$GCERT" restore --from "$T/ca.bak" --shares "$T/sh/backup-$ID-custodian-1.share,$T/sh/backup-$ID-custodian-2.share" \
  --passphrases env:PA,env:PB --dir "$NEW" "${INTO[@]}" >/dev/null
check_contains "the restore records the cRLNumber floor" "cRLNumbers continue from" \
  "$(sql "$NEW" "SELECT detail FROM audit_log WHERE event='backup.restored'")"
for i in 1 2 3; do issue_one "$NEW"; "$GCERT" revoke --dir "$NEW" --serial "$SERIAL" >/dev/null; done
"$GCERT" crl issue --dir "$NEW" >/dev/null
"$GCERT" arl issue --dir "$NEW" >/dev/null

new_crl=$(sql "$NEW" "SELECT ca_id || ':' || crl_number FROM crls WHERE this_update >= (SELECT at FROM audit_log WHERE event='backup.restored') ORDER BY 1")
check "CRLs and the ARL made after the restore" test "$(wc -l <<<"$new_crl")" -ge 3
check_eq "no cRLNumber of an issuer given twice" "" "$(comm -12 <(sort <<<"$seen_crl") <(sort <<<"$new_crl"))"
while IFS=: read -r ca max; do
  low=$(sql "$NEW" "SELECT min(crl_number) FROM crls WHERE ca_id = $ca AND this_update >= (SELECT at FROM audit_log WHERE event='backup.restored')")
  check "issuer $ca: every new cRLNumber ($low...) above the last published before the loss ($max)" \
    test "$low" -gt "$max"
done <<<"$max_by_ca"
# lost: handed out after the backup; new: handed out after the restore
lost_serials=$(comm -13 <(echo "$pre_serials") <(sort <<<"$seen_serials"))
new_serials=$(comm -13 <(echo "$pre_serials") <(sql "$NEW" "SELECT serial FROM certificates" | sort))
check_eq "two serials lost, three new" "2 3" "$(wc -l <<<"$lost_serials") $(wc -l <<<"$new_serials")"
check_eq "no serial given twice" "" "$(comm -12 <(echo "$lost_serials") <(echo "$new_serials"))"
lost_refs=$(comm -13 <(echo "$pre_refs") <(sort <<<"$seen_refs"))
new_refs=$(comm -13 <(echo "$pre_refs") <(sql "$NEW" "SELECT ref FROM subscribers" | sort))
check_eq "two subscriber numbers lost, three new" "2 3" "$(wc -l <<<"$lost_refs") $(wc -l <<<"$new_refs")"
check_eq "no subscriber reference given twice" "" "$(comm -12 <(echo "$lost_refs") <(echo "$new_refs"))"

# the new CRL is still a good CRL for relying parties
"$GCERT" ca certs --dir "$NEW" --out-dir "$T/trust" >/dev/null
openssl crl -inform DER -in "$NEW/repo/crl/eCertCA2-17CRL1.crl" -out "$T/full.pem"
check "openssl accepts the new full CRL" openssl crl -in "$T/full.pem" -CAfile "$T/trust/issuing-ca.pem" -noout
check "gcert lint accepts it" "$GCERT" lint --dir "$NEW" "$NEW/repo/crl/eCertCA2-17CRL1.crl"
check "audit trail verifies" "$GCERT" audit verify --dir "$NEW"
finish
