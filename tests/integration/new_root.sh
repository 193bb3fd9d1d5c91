#!/usr/bin/env bash
# new_root.sh - root key changeover (CPS §4.7): `gcert ca new-root` makes "Hongkong Post
# Root CA 3" and an issuing CA under it, and link certificates both ways (old root signs
# the new root's key, new signs old). New certificates chain to the new root; relying
# parties holding only the old root cross over to them through a link, and the other way
# round; the old root's ARL and the old issuing CA's CRLs go on, signed by the old keys,
# which stay in the token. Checked with OpenSSL, GnuTLS certtool and gcert lint/verify.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/common.sh"

CA=$T/ca
new_ca "$CA"
issue_cert "$CA" alice; A=$SERIAL
"$GCERT" crl issue --dir "$CA" >/dev/null
"$GCERT" arl issue --dir "$CA" >/dev/null
"$GCERT" ca certs --dir "$CA" --out-dir "$T/old" >/dev/null

expect_status "the current root's name again: exit 4" 4 "$GCERT" ca new-root --dir "$CA" \
  --root-name "Hongkong Post Root CA 2" --root-key-label other --arl-url http://x/y.crl \
  --issuing-name "Hongkong Post e-Cert CA 3 - 26"
check_contains "says it is in use" "already in use" "$(cat "$T/err")"
check_eq "the refusal makes nothing" 2 "$(sql "$CA" "SELECT count(*) FROM ca_certs")"

out=$("$GCERT" ca new-root --dir "$CA" --root-name "Hongkong Post Root CA 3" \
  --issuing-name "Hongkong Post e-Cert CA 3 - 26" --json)
check_eq "derived ARL URL" http://crl1.eCert.gov.hk/crl/RootCA3ARL.crl "$(json_field arl_url <<<"$out")"
check_eq "two roots, two issuing CAs, two links" "2 2 2" \
  "$(sql "$CA" "SELECT (SELECT count(*) FROM ca_certs WHERE role='root'), (SELECT count(*) FROM ca_certs WHERE role='issuing'), (SELECT count(*) FROM ca_links)" | tr '|' ' ')"
check_eq "root changeover audited" 1 "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='ca.changeover'")"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/new" >/dev/null
N=$T/new O=$T/old
check_contains "the new root is self-signed" "issuer=C = HK, ST = Hong Kong, L = Hong Kong, O = Hongkong Post, CN = Hongkong Post Root CA 3" \
  "$(openssl x509 -in "$N/root.pem" -noout -issuer)"
check_contains "old signs new: subject the new root" "CN = Hongkong Post Root CA 3" \
  "$(openssl x509 -in "$N/link-root-ca-2-signs-root-ca-3.pem" -noout -subject)"
check "old signs new: verifies with the old root" openssl verify -partial_chain -CAfile "$O/root.pem" "$N/link-root-ca-2-signs-root-ca-3.pem"
check "new signs old: verifies with the new root" openssl verify -partial_chain -CAfile "$N/root.pem" "$N/link-root-ca-3-signs-root-ca-2.pem"

issue_cert "$CA" bob; B=$SERIAL
check_contains "new certificates under the new issuing CA" "CN = Hongkong Post e-Cert CA 3 - 26" \
  "$(openssl x509 -in "$T/bob.pem" -noout -issuer)"
"$GCERT" revoke --dir "$CA" --serial "$A" >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null
"$GCERT" arl issue --dir "$CA" >/dev/null
R=$CA/repo/crl
check_eq "both roots' ARLs and both CAs' CRLs published" \
  "RootCA2ARL.crl RootCA3ARL.crl eCertCA2-17CRL1.crl eCertCA2-17CRL2.crl eCertCA3-26CRL1.crl eCertCA3-26CRL2.crl" \
  "$(ls "$R" | xargs)"
for f in "$R"/*.crl; do to_pem "$f" "$T/$(basename "$f" .crl).pem"; done
check "the old ARL is signed by the old root" openssl crl -in "$T/RootCA2ARL.pem" -CAfile "$O/root.pem" -noout
check "the old CA's CRL by the old issuing key" openssl crl -in "$T/eCertCA2-17CRL1.pem" -CAfile "$O/issuing-ca.pem" -noout
cat "$T"/*ARL.pem "$T"/eCertCA*CRL1.pem >"$T/crls.pem"

# straight paths, and crossing over through the links
check "openssl: bob under the new root, CRLs and ARL checked" openssl verify -crl_check_all \
  -CAfile "$N/root.pem" -untrusted "$N/issuing-ca.pem" -CRLfile "$T/crls.pem" "$T/bob.pem"
cat "$N/issuing-ca.pem" "$N/link-root-ca-2-signs-root-ca-3.pem" >"$T/cross1.pem"
# -crl_check_all: the ARLs of a root key with a link name the key alone (docs/revocation.md),
# so OpenSSL takes the link certificate for the ARL's issuer
check "openssl: bob for a relying party holding only the old root" openssl verify -crl_check_all \
  -CAfile "$O/root.pem" -untrusted "$T/cross1.pem" -CRLfile "$T/crls.pem" "$T/bob.pem"
cat "$O/issuing-ca.pem" "$N/link-root-ca-3-signs-root-ca-2.pem" >"$T/cross2.pem"
set +e
o=$(openssl verify -crl_check_all -CAfile "$N/root.pem" -untrusted "$T/cross2.pem" -CRLfile "$T/crls.pem" "$T/alice.pem" 2>&1)
set -e
check_contains "openssl: alice (old CA) found revoked by a party holding only the new root" "certificate revoked" "$o"
check "openssl: alice's path to the new root builds (no CRL check)" openssl verify \
  -CAfile "$N/root.pem" -untrusted "$T/cross2.pem" "$T/alice.pem"
cat "$T/bob.pem" "$N/issuing-ca.pem" "$N/root.pem" >"$T/chain.pem"
check "certtool --verify-chain: bob, new issuing CA, new root" certtool --verify-chain --infile "$T/chain.pem"
cat "$T/bob.pem" "$N/issuing-ca.pem" "$N/link-root-ca-2-signs-root-ca-3.pem" "$O/root.pem" >"$T/xchain.pem"
check "certtool --verify-chain: crossing to the old root" certtool --verify-chain --infile "$T/xchain.pem"
check "certtool --verify-crl: the new ARL" certtool --verify-crl --load-ca-certificate "$N/root.pem" --infile "$T/RootCA3ARL.pem"
check "gcert lint: the new root, issuing CA, bob, new CRLs and ARL" "$GCERT" lint --dir "$CA" "$N/root.pem" \
  "$N/issuing-ca.pem" "$T/bob.pem" "$R/eCertCA3-26CRL1.crl" "$R/eCertCA3-26CRL2.crl" "$R/RootCA3ARL.crl"
check "gcert lint: the old CA's CRLs and the old ARL" "$GCERT" lint "$R/eCertCA2-17CRL1.crl" "$R/eCertCA2-17CRL2.crl" "$R/RootCA2ARL.crl"
check "gcert verify: bob" "$GCERT" verify --dir "$CA" "$T/bob.pem"
set +e
"$GCERT" verify --dir "$CA" "$T/alice.pem" >"$T/v.out" 2>&1; rc=$?
set -e
check_eq "gcert verify: alice (old chain) revoked: exit 8" 8 "$rc"
check_contains "revoked, not unknown" "revoked" "$(cat "$T/v.out")"

keys=$(SOFTHSM2_CONF=$CA/token/softhsm2.conf pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so \
  --token-label gcert-ca --login --pin "$(cat "$CA/token/user.pin")" --list-objects --type privkey 2>/dev/null |
  sed -n 's/^ *label: *//p' | sort | xargs)
check_eq "the token still holds every key, old and new" "audit-key ecert-ca-2-17 ecert-ca-3-26 root-ca-2 root-ca-3" "$keys"
st=$("$GCERT" ca status --dir "$CA" || true) # exit 4: no CRL schedule runs here
check_eq "status: four CA certificates with their days left" 4 "$(grep -cE '^(root|issuing) .*days left' <<<"$st")"
check "audit trail verifies" "$GCERT" audit verify --dir "$CA"
finish
