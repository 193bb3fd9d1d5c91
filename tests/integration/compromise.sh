#!/usr/bin/env bash
# compromise.sh - CPS §4.8.2-§4.8.3 end to end: the issuing CA's key is compromised;
# every certificate it issued and the CA certificate are revoked at once, CRLs and ARL
# published, the announcement lists the serials; a new issuing CA certifies the same
# subscriber keys again and relying parties accept the replacements.
source "$GCERT_SRC/tests/integration/lib.sh"
source "$GCERT_SRC/tests/integration/common.sh"
CF="$PY $GCERT_SRC/tests/integration/crl_fields.py"

CA=$T/ca
new_ca "$CA"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/old" >/dev/null
issue_cert "$CA" alice; A=$SERIAL
issue_cert "$CA" bob functional_unit; B=$SERIAL
issue_cert "$CA" carol; C=$SERIAL
check "carol revoked earlier (keyCompromise)" "$GCERT" revoke --dir "$CA" --serial "$C" --reason 1
OLD=$(sql "$CA" "SELECT serial FROM ca_certs WHERE role = 'issuing'")

# reissue before any compromise is refused, and changes nothing
before=$(sql "$CA" "SELECT count(*) FROM ca_certs; SELECT count(*) FROM certificates")
expect_status "reissue without a compromise" 4 "$GCERT" ca reissue --dir "$CA"
check_contains "reissue without a compromise: code" "GC_E_CA_STATE" "$(cat "$T/err")"
check_eq "refused reissue changed nothing" "$before" "$(sql "$CA" "SELECT count(*) FROM ca_certs; SELECT count(*) FROM certificates")"
expect_status "compromise needs --confirm" 2 "$GCERT" ca compromise --dir "$CA"
check_eq "no revocation without --confirm" "1" "$(sql "$CA" "SELECT count(*) FROM revocations")"

# ---- §4.8.2 ----
out=$("$GCERT" ca compromise --dir "$CA" --confirm --json)
check_contains "two certificates revoked now" '"certificates_revoked": 2' "$out"
check_eq "alice, bob revoked cACompromise; carol keeps keyCompromise" "$A|2 $B|2 $C|1" \
  "$(sql "$CA" "SELECT serial || '|' || reason FROM revocations WHERE scope = 'ee' ORDER BY serial = '$C', serial = '$B'" | xargs)"
check_eq "the CA certificate is on the root's list" "ca|2" "$(sql "$CA" "SELECT scope || '|' || reason FROM revocations WHERE serial = '$OLD'")"
check_eq "everything published at once" "0" "$(sql "$CA" "SELECT count(*) FROM revocation_status WHERE published_at IS NULL")"
check_eq "CRLs and ARL archived with cause compromise" "3" "$(sql "$CA" "SELECT count(*) FROM crls WHERE cause = 'compromise'")"
check_eq "audited" "1 1" "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event = 'ca.compromise'; SELECT count(*) FROM audit_log WHERE event = 'ca.cert_revoked'" | xargs)"
ann=$(ls "$CA"/announcements/ca-compromise-*.txt)
for s in "$A" "$B" "$C"; do check_contains "announcement lists $s" "$s" "$(cat "$ann")"; done
check_contains "announcement says where the new key is" "new" "$(cat "$ann")"
n=$($CF "$CA/repo/crl/RootCA2ARL.crl" "$T/old/root.pem" arl - "$OLD:2" 2>"$T/err") && pass || fail "ARL after compromise: $(cat "$T/err")"
$CF "$CA/repo/crl/eCertCA2-17CRL2.crl" "$T/old/issuing-ca.pem" partition http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL2.crl \
  "$A:2,$B:2,$C:1" >/dev/null 2>"$T/err" && pass || fail "partition after compromise: $(cat "$T/err")"
expect_status "compromise twice" 4 "$GCERT" ca compromise --dir "$CA" --confirm
check_contains "compromise twice: code" "GC_E_ALREADY_REVOKED" "$(cat "$T/err")"
# OpenSSL with the ARL: even a certificate that is not itself listed fails through its CA
openssl crl -inform DER -in "$CA/repo/crl/RootCA2ARL.crl" -out "$T/arl.pem"
openssl crl -inform DER -in "$CA/repo/crl/eCertCA2-17CRL2.crl" -out "$T/part.pem"
out=$(openssl verify -crl_check_all -CAfile "$T/old/root.pem" -untrusted "$T/old/issuing-ca.pem" \
      -CRLfile "$T/part.pem" -CRLfile "$T/arl.pem" "$T/alice.pem" 2>&1 || true)
check_contains "openssl: alice revoked" "certificate revoked" "$out"
cat "$T/alice.pem" "$T/old/issuing-ca.pem" > "$T/alice-chain.pem"
out=$(certtool --verify --load-ca-certificate "$T/old/root.pem" --load-crl "$T/arl.pem" \
      --infile "$T/alice-chain.pem" 2>&1 || true)
check_contains "certtool with the ARL only: the issuing CA is revoked" "revoked" "$out"
expect_status "gcert verify: alice" 8 "$GCERT" verify --dir "$CA" "$T/alice.pem"
check_contains "gcert verify says why" "revoked on $(date -u +%Y-%m-%d) (cACompromise)" "$(cat "$T/out")"

# ---- §4.8.3: the new CA is named in the configuration first ----
expect_status "reissue with the old names" 4 "$GCERT" ca reissue --dir "$CA"
$PY - "$CA/gcert.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["issuing"].update(cn="Hongkong Post e-Cert CA 2 - 26", key_label="ecert-ca-2-26")
c["profile"]["crl_dp"] = "http://crl1.eCert.gov.hk/crl/eCertCA2-26CRL2.crl"
c["profile"]["full_crl_url"] = "http://crl1.eCert.gov.hk/crl/eCertCA2-26CRL1.crl"
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
out=$("$GCERT" ca reissue --dir "$CA" --json)
check_contains "two certified again (carol, revoked for her own key, is not)" '"reissued": 2' "$out"
NEW=$(sql "$CA" "SELECT serial FROM ca_certs WHERE role = 'issuing' AND is_current = 1")
[[ "$NEW" != "$OLD" ]] && pass || fail "no new issuing CA"
check_eq "one new issuing CA" "2" "$(sql "$CA" "SELECT count(*) FROM ca_certs WHERE role = 'issuing'")"
map=$(ls "$CA"/announcements/reissue-*.txt)
pemfile=$(ls "$CA"/announcements/reissue-*.pem)
check_eq "mapping lists alice and bob" "2" "$(grep -cE "^($A|$B)  [0-9a-f]{40}$" "$map")"
csplit -s -z -f "$T/new" "$pemfile" '/-----BEGIN CERTIFICATE-----/' '{*}'
"$GCERT" ca certs --dir "$CA" --out-dir "$T/new-ca" >/dev/null
check "crl issue for both CAs" "$GCERT" crl issue --dir "$CA"
check "old CA still publishes its CRLs" test -s "$CA/repo/crl/eCertCA2-17CRL2.crl"
check "new CA publishes its own" test -s "$CA/repo/crl/eCertCA2-26CRL2.crl"
newa=$(awk -v a="$A" '$1 == a {print $2}' "$map")
for f in "$T"/new0*; do
  s=$(openssl x509 -in "$f" -noout -serial | cut -d= -f2 | tr A-F a-f)
  [[ "$s" == "$newa" ]] && NEWA=$f
done
check_eq "same subscriber public key" "$(openssl x509 -in "$T/alice.pem" -noout -pubkey)" "$(openssl x509 -in "$NEWA" -noout -pubkey)"
check_eq "same subject" "$(openssl x509 -in "$T/alice.pem" -noout -subject)" "$(openssl x509 -in "$NEWA" -noout -subject)"
check_eq "same notAfter" "$(openssl x509 -in "$T/alice.pem" -noout -enddate)" "$(openssl x509 -in "$NEWA" -noout -enddate)"
check_contains "issued by the new CA" "CN = Hongkong Post e-Cert CA 2 - 26" "$(openssl x509 -in "$NEWA" -noout -issuer)"
check_contains "points to the new CA's partition" "eCertCA2-26CRL2.crl" "$(openssl x509 -in "$NEWA" -noout -ext crlDistributionPoints)"
check "gcert verify: the replacement is valid for signing" "$GCERT" verify --dir "$CA" --purpose sign "$NEWA"
openssl crl -inform DER -in "$CA/repo/crl/eCertCA2-26CRL2.crl" -out "$T/newpart.pem"
openssl crl -inform DER -in "$CA/repo/crl/RootCA2ARL.crl" -out "$T/arl.pem"
check "openssl: the replacement verifies with CRL and ARL" openssl verify -crl_check_all -CAfile "$T/new-ca/root.pem" \
  -untrusted "$T/new-ca/issuing-ca.pem" -CRLfile "$T/newpart.pem" -CRLfile "$T/arl.pem" "$NEWA"
cat "$NEWA" "$T/new-ca/issuing-ca.pem" > "$T/chain.pem"
check "certtool: the replacement verifies with the CRL" certtool --verify --load-ca-certificate "$T/new-ca/root.pem" \
  --load-crl "$T/newpart.pem" --infile "$T/chain.pem"
# rerunning issues nothing twice
before=$(sql "$CA" "SELECT count(*) FROM certificates")
out=$("$GCERT" ca reissue --dir "$CA")
check_contains "rerun: nothing left" "nothing left" "$out"
check_eq "rerun issued nothing" "$before" "$(sql "$CA" "SELECT count(*) FROM certificates")"
check_eq "reissues audited" "2" "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event = 'cert.reissued'")"
# issuance resumes under the new CA
issue_cert "$CA" erin
check_contains "new certificates come from the new CA" "2 - 26" "$(openssl x509 -in "$T/erin.pem" -noout -issuer)"
finish
