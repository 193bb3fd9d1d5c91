#!/usr/bin/env bash
# changeover.sh - issuing CA key changeover (CPS §4.7): `gcert ca changeover` makes a new
# issuing CA under the root; new certificates come from it and point to its own CRLs;
# the old key goes on signing the old CA's CRLs, so both are published; every key stays
# in the token. Checked with OpenSSL, GnuTLS certtool and gcert lint; `gcert ca status`
# shows every CA certificate's remaining life and warns for each within 3 months.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/common.sh"

CA=$T/ca
new_ca "$CA" --root-years 9 --issuing-years 6
issue_cert "$CA" alice; A=$SERIAL
"$GCERT" revoke --dir "$CA" --serial "$A" >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null
"$GCERT" ca certs --dir "$CA" --out-dir "$T/old" >/dev/null

# refusals change nothing
conf=$(sha256sum <"$CA/gcert.json")
expect_status "the current name again: exit 4" 4 "$GCERT" ca changeover --dir "$CA" \
  --issuing-name "Hongkong Post e-Cert CA 2 - 17" --key-label other --crl-dp http://x/a.crl --full-crl-url http://x/b.crl
check_contains "says it is in use" "already used by a CA certificate" "$(cat "$T/err")"
expect_status "another CA's CRL URL: exit 4" 4 "$GCERT" ca changeover --dir "$CA" \
  --issuing-name "Hongkong Post e-Cert CA 2 - 23" --crl-dp http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL2.crl
check_contains "names the URL" "eCertCA2-17CRL2.crl is already a CRL of another CA" "$(cat "$T/err")"
expect_status "outliving the root (two years on): exit 4" 4 env \
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 FAKETIME=+730d \
  "$GCERT" ca changeover --dir "$CA" --issuing-name "Hongkong Post e-Cert CA 2 - 23" --years 8
check_contains "points to the root changeover" "a root key changeover is due" "$(cat "$T/err")"
check_eq "refusals leave gcert.json alone" "$conf" "$(sha256sum <"$CA/gcert.json")"
check_eq "refusals leave the CA certificates alone" 2 "$(sql "$CA" "SELECT count(*) FROM ca_certs")"
edits=$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='config.changed'")
check_eq "refusals record no configuration change" 0 "$edits"
check_eq "refusals generate no key" 0 "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='ca.key_generated' AND object LIKE 'ecert-ca-2-23%'")"

out=$("$GCERT" ca changeover --dir "$CA" --issuing-name "Hongkong Post e-Cert CA 2 - 23" --years 7 --json)
check_eq "derived key label" ecert-ca-2-23 "$(json_field key_label <<<"$out")"
check_eq "derived partition URL" http://crl1.eCert.gov.hk/crl/eCertCA2-23CRL2.crl "$(json_field crl_dp <<<"$out")"
check_eq "changeover audited" 1 "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='ca.changeover'")"
check_eq "gcert.json names the new CA" 1 "$(grep -c '"cn": "Hongkong Post e-Cert CA 2 - 23"' "$CA/gcert.json")"
check_eq "the edit is audited" $((edits + 1)) "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='config.changed'")"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/new" >/dev/null
check_contains "the new issuing CA under the same root" "issuer=C = HK, ST = Hong Kong, L = Hong Kong, O = Hongkong Post, CN = Hongkong Post Root CA 2" \
  "$(openssl x509 -in "$T/new/issuing-ca.pem" -noout -issuer)"

issue_cert "$CA" bob; B=$SERIAL
issue_cert "$CA" carol; C=$SERIAL
check_contains "new certificates come from the new CA" "CN = Hongkong Post e-Cert CA 2 - 23" \
  "$(openssl x509 -in "$T/bob.pem" -noout -issuer)"
check_contains "and point to its CRL" "eCertCA2-23CRL2.crl" "$(openssl x509 -in "$T/bob.pem" -noout -ext crlDistributionPoints)"
"$GCERT" revoke --dir "$CA" --serial "$B" >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null
"$GCERT" arl issue --dir "$CA" >/dev/null
R=$CA/repo/crl
check_eq "both CAs' CRLs published" "eCertCA2-17CRL1.crl eCertCA2-17CRL2.crl eCertCA2-23CRL1.crl eCertCA2-23CRL2.crl" \
  "$(ls "$R" | grep -v ARL | xargs)"
for f in 17CRL1 17CRL2 23CRL1 23CRL2; do to_pem "$R/eCertCA2-$f.crl" "$T/$f.pem"; done
check "the old CA's CRL is signed by the old key" openssl crl -in "$T/17CRL1.pem" -CAfile "$T/old/issuing-ca.pem" -noout
check "the new CA's CRL is signed by the new key" openssl crl -in "$T/23CRL1.pem" -CAfile "$T/new/issuing-ca.pem" -noout
check_contains "old CRL lists alice" "$(tr a-f A-F <<<"$A")" "$(openssl crl -in "$T/17CRL1.pem" -noout -text)"
check_contains "new CRL lists bob" "$(tr a-f A-F <<<"$B")" "$(openssl crl -in "$T/23CRL1.pem" -noout -text)"

# relying parties: OpenSSL and GnuTLS, with both CAs and all CRLs
cat "$T/old/issuing-ca.pem" "$T/new/issuing-ca.pem" >"$T/both.pem"
cat "$T"/17CRL1.pem "$T"/23CRL1.pem >"$T/crls.pem"
check "openssl: carol verifies with CRL checking" openssl verify -crl_check -CAfile "$T/new/root.pem" \
  -untrusted "$T/both.pem" -CRLfile "$T/crls.pem" "$T/carol.pem"
set +e
o=$(openssl verify -crl_check -CAfile "$T/new/root.pem" -untrusted "$T/both.pem" -CRLfile "$T/crls.pem" "$T/bob.pem" 2>&1)
check_contains "openssl: bob (new CA) revoked" "certificate revoked" "$o"
o=$(openssl verify -crl_check -CAfile "$T/new/root.pem" -untrusted "$T/both.pem" -CRLfile "$T/crls.pem" "$T/alice.pem" 2>&1)
check_contains "openssl: alice (old CA) revoked" "certificate revoked" "$o"
set -e
cat "$T/carol.pem" "$T/new/issuing-ca.pem" "$T/new/root.pem" >"$T/chain.pem"
check "certtool --verify-chain: carol, new CA, root" certtool --verify-chain --infile "$T/chain.pem"
check "certtool --verify-crl: the new CRL" certtool --verify-crl --load-ca-certificate "$T/new/issuing-ca.pem" --infile "$T/23CRL2.pem"
check "certtool --verify-crl: the old CRL" certtool --verify-crl --load-ca-certificate "$T/old/issuing-ca.pem" --infile "$T/17CRL2.pem"
check "gcert verify: carol" "$GCERT" verify --dir "$CA" "$T/carol.pem"
check "gcert lint: the new issuing CA certificate, carol, the new CRLs" "$GCERT" lint --dir "$CA" \
  "$T/new/issuing-ca.pem" "$T/carol.pem" "$R/eCertCA2-23CRL1.crl" "$R/eCertCA2-23CRL2.crl"
check "gcert lint: the old CA's CRLs" "$GCERT" lint "$R/eCertCA2-17CRL1.crl" "$R/eCertCA2-17CRL2.crl"

# CPS §4.7: every old key is still in the token
keys=$(SOFTHSM2_CONF=$CA/token/softhsm2.conf pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so \
  --token-label gcert-ca --login --pin "$(cat "$CA/token/user.pin")" --list-objects --type privkey 2>/dev/null |
  sed -n 's/^ *label: *//p' | sort | xargs)
check_eq "the token still holds every CA key" "audit-key ecert-ca-2-17 ecert-ca-2-23 root-ca-2" "$keys"

# ca status: remaining life of each; a warning for each CA within 3 months of its end
st=$("$GCERT" ca status --dir "$CA" --json || true) # exit 4: no CRL schedule runs here
check_eq "status: three CA certificates with days left" 3 \
  "$("$PY" -c 'import json,sys; print(sum(1 for i in json.load(sys.stdin)["items"] if "days_left" in i))' <<<"$st")"
FT() { LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 FAKETIME="$1" "$GCERT" ca status --dir "$CA" || true; }
late=$(FT "+$((7 * 365 - 20))d")
check_contains "the new issuing CA warns 3 months before its end" \
  "Hongkong Post e-Cert CA 2 - 23                       (current)" "$(grep WARNING <<<"$late")"
check_contains "the replaced one is only history" "expired (replaced; key kept" "$late"
later=$(FT "+$((9 * 365 - 20))d")
check_eq "near the root's end: root and issuing CA both warn" 2 "$(grep -E '^(root|issuing) ' <<<"$later" | grep -c WARNING)"
check "audit trail verifies" "$GCERT" audit verify --dir "$CA"
finish
