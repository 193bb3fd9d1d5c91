#!/usr/bin/env bash
# lint.sh - `gcert lint` against certificates and CRLs made with openssl, each differing
# from the CPS profile in exactly one field: the linter must name exactly that field.
# The baseline is a gcert certificate's subject and key re-signed by a throwaway CA
# named as Hongkong Post's, so only what a variant changes differs.
source "$GCERT_SRC/tests/integration/lib.sh"
PY=/usr/bin/python3
cd "$T"

# lint_fields FILE [gcert options]: the sorted set of finding fields, comma-separated
lint_fields() {
  local f=$1; shift
  "$GCERT" lint --json "$@" "$f" >"$T/lint.json" || true
  $PY -c "import json,sys; r=json.load(open(sys.argv[1])); print(','.join(sorted({x['field'] for o in r for x in o['findings']})))" "$T/lint.json"
}

# ---- a real gcert certificate passes, with and without the CA as reference ----
new_ca ca
make_csr sub.key sub.csr
make_request req.json r1 individual 2 sub.csr
"$GCERT" issue --dir ca --request req.json --out g.pem >/dev/null
check "gcert certificate lints clean" "$GCERT" lint g.pem
check "gcert certificate lints clean against its CA" "$GCERT" lint --dir ca g.pem
"$GCERT" ca certs --dir ca >cas.pem
check "CA certificates lint clean against the CA" "$GCERT" lint --dir ca cas.pem
openssl x509 -in g.pem -outform DER -out g.der
check "DER input" "$GCERT" lint g.der
make_csr fu.key fu.csr
make_request fu.json r2 functional_unit 3 fu.csr 'del r["subject"]["email"]' 'r["subject"]["name"]="IT Helpdesk"'
"$GCERT" issue --dir ca --request fu.json --out fu.pem >/dev/null
check "functional unit certificate without email lints clean" "$GCERT" lint --dir ca fu.pem

# ---- a throwaway hierarchy with Hongkong Post's names ----
cat >ca.cnf <<'CNF'
[ req ]
distinguished_name = dn
string_mask = default
prompt = no
[ dn ]
C = HK
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_issuing ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = @ca_pol
[ ca_pol ]
policyIdentifier = 1.3.6.1.4.1.16030.1.8.2
CPS.1 = "http://www.eCert.gov.hk"
CNF
DN="/C=HK/ST=Hong Kong/L=Hong Kong/O=Hongkong Post"
openssl req -x509 -new -newkey rsa:2048 -nodes -keyout root.key -out root.pem -config ca.cnf \
  -extensions v3_root -days 3650 -subj "$DN/CN=Hongkong Post Root CA 2" \
  -set_serial 0x1122334455667788990011223344556677889900 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout ica.key -out ica.csr -config ca.cnf \
  -subj "$DN/CN=Hongkong Post e-Cert CA 2 - 17" 2>/dev/null
openssl x509 -req -in ica.csr -CA root.pem -CAkey root.key -out ica.pem -extfile ca.cnf \
  -extensions v3_issuing -days 3000 -set_serial 0x2122334455667788990011223344556677889900 2>/dev/null
check_eq "openssl-made CA certificates in the App. G profile" "" "$(lint_fields root.pem)$(lint_fields ica.pem)"
# An issuing CA with a path length of 1 breaks App. G in basicConstraints only.
sed 's/pathlen:0/pathlen:1/' ca.cnf >ca1.cnf
openssl x509 -req -in ica.csr -CA root.pem -CAkey root.key -out ica1.pem -extfile ca1.cnf \
  -extensions v3_issuing -days 3000 -set_serial 0x2222334455667788990011223344556677889900 2>/dev/null
check_eq "issuing CA pathLen 1" "extensions.basicConstraints" "$(lint_fields ica1.pem)"

# The subscriber certificate's own subjectAltName, as DER (openssl cannot write
# UTF8String directory names from a config file).
SAN=$($PY -c "
from asn1crypto import pem, x509
_, _, der = pem.unarmor(open('g.pem','rb').read())
for e in x509.Certificate.load(der)['tbs_certificate']['extensions']:
    if e['extn_id'].native == 'subject_alt_name': print(e['extn_value'].contents.hex())")
EMAIL=tmchan@example.gov.hk
cat >ee.cnf <<CNF
[ ee ]
authorityKeyIdentifier = keyid:always, issuer:always
keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment
certificatePolicies = @pol
subjectAltName = DER:$SAN
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth, emailProtection
crlDistributionPoints = URI:http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL2.crl
subjectKeyIdentifier = hash
[ pol ]
policyIdentifier = 1.3.6.1.4.1.16030.1.8.2
CPS.1 = "http://www.eCert.gov.hk"
CNF
# the subject of g.pem, byte for byte, in a request signed by the subscriber key
openssl x509 -x509toreq -in g.pem -signkey sub.key -out g.csr 2>/dev/null

SERIAL=0x3122334455667788990011223344556677889900
n=0
# variant NAME EXPECTED_FIELDS SED_ON_EE_CNF [openssl x509 options...]
variant() {
  local name=$1 want=$2 edit=$3; shift 3
  n=$((n + 1))
  sed "$edit" ee.cnf >v$n.cnf
  if ! openssl x509 -req -in "${CSR:-g.csr}" -CA ica.pem -CAkey ica.key -days 730 \
       -set_serial "${VSERIAL:-$SERIAL}" -extfile v$n.cnf -extensions ee -out v$n.pem "$@" 2>v$n.err; then
    fail "$name: openssl could not make the certificate"; cat v$n.err >&2; return
  fi
  check_eq "$name" "$want" "$(lint_fields v$n.pem)"
}

variant "baseline: openssl reproduces App. B 1)" "" ""
check "baseline exit status 0" "$GCERT" lint v1.pem
VSERIAL=0x0102 variant "serial of 2 octets" "serialNumber" ""
VSERIAL=0x11223344556677889900112233445566778899001122 variant "serial of 21 octets" "serialNumber" ""
VSERIAL=-0x3122334455667788990011223344556677889900 variant "negative serial" "serialNumber" ""
variant "validity of 5 years" "validity" "" -days 1826
variant "sha384WithRSAEncryption" "signature,signatureAlgorithm" "" -sha384
variant "keyUsage not critical" "extensions.keyUsage" "s/^keyUsage = critical, /keyUsage = /"
variant "keyUsage without nonRepudiation" "extensions.keyUsage" "s/nonRepudiation, //"
variant "extKeyUsage with serverAuth" "extensions.extKeyUsage" "s/clientAuth, emailProtection/clientAuth, emailProtection, serverAuth/"
variant "CRL DP names the full CRL" "extensions.cRLDistributionPoints" "s/CRL2.crl/CRL1.crl/"
variant "wrong policy OID" "extensions.certificatePolicies" "s/1.8.2$/1.8.1/"
variant "CPS URI https" "extensions.certificatePolicies" "s|http://www.eCert|https://www.eCert|"
variant "basicConstraints critical" "extensions.basicConstraints" "s/^basicConstraints = /basicConstraints = critical, /"
variant "basicConstraints cA TRUE" "extensions.basicConstraints" "s/CA:FALSE/CA:TRUE/"
variant "extKeyUsage before basicConstraints" "extensions.basicConstraints" \
  "/^basicConstraints/d; s/^extendedKeyUsage = .*/&\nbasicConstraints = CA:FALSE/"
variant "an extension App. B does not have" "extensions" "s|^subjectKeyIdentifier = hash|&\nnsComment = \"hello\"|"
variant "subjectKeyIdentifier missing" "extensions" "s/^subjectKeyIdentifier = hash/subjectKeyIdentifier = none/"
variant "AKI without issuer and serial" "extensions.authorityKeyIdentifier" "s/keyid:always, issuer:always/keyid:always/"
# a SAN with an extra dNSName: rebuild the DER (length grows by 13)
SAN2=$($PY -c "
import sys
from asn1crypto import x509
g = x509.GeneralNames.load(bytes.fromhex('$SAN'))
g.append(x509.GeneralName(name='dns_name', value='example.org'))
print(g.dump(force=True).hex())")
variant "subjectAltName with a dNSName added" "extensions.subjectAltName" "s/^subjectAltName = .*/subjectAltName = DER:$SAN2/"
variant "subjectAltName email differs from subject" "extensions.subjectAltName" \
  "s/^subjectAltName = .*/subjectAltName = DER:$($PY -c "print('$SAN'.replace(b'tmchan'.hex(), b'tmchon'.hex()))")/"
# subject: OU for the reference number replaced by a CN (openssl -subj rewrites the name)
variant "subject RDN 3 is CN" "subject" "" \
  -subj "/C=HK/O=Hongkong Post g-Cert (Individual)/CN=9898846696/OU=INFRA/emailAddress=$EMAIL/CN=CHAN Tai Man David"
grep -q "RDN 3 must be OU (subscriber reference number), got CN" lint.json && pass ||
  fail "subject finding does not name RDN 3 and the CPS row: $(cat lint.json)"
# issuer: the CPS typo "e-Cert CA2 - 17" as the issuing CA's name
openssl req -new -key ica.key -out ica2.csr -config ca.cnf -subj "$DN/CN=Hongkong Post e-Cert CA2 - 17" 2>/dev/null
openssl x509 -req -in ica2.csr -CA root.pem -CAkey root.key -out ica2.pem -extfile ca.cnf \
  -extensions v3_issuing -days 3000 -set_serial 0x2122334455667788990011223344556677889900 2>/dev/null
openssl x509 -req -in g.csr -CA ica2.pem -CAkey ica.key -days 730 -set_serial $SERIAL \
  -extfile ee.cnf -extensions ee -out typo.pem 2>/dev/null
check_eq "issuer CN with the CPS typo" "issuer" "$(lint_fields typo.pem)"
# key: RSA 3072 in place of the subscriber's 2048 (SKI follows the key)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out big.key 2>/dev/null
openssl x509 -req -in g.csr -CA ica.pem -CAkey ica.key -days 730 -set_serial $SERIAL \
  -force_pubkey <(openssl pkey -in big.key -pubout) -extfile ee.cnf -extensions ee -out big.pem 2>/dev/null
check_eq "RSA 3072 subscriber key" "subjectPublicKeyInfo" "$(lint_fields big.pem)"

# ---- against the CA: a certificate it did not sign ----
fields=$(lint_fields v1.pem --dir ca)
check_contains "forged certificate: signature named" "signatureValue" "$fields"
check_contains "forged certificate: AKI named" "extensions.authorityKeyIdentifier" "$fields"

# ---- exit statuses and hostile files ----
set +e; "$GCERT" lint v2.pem >/dev/null; st=$?; set -e
check_eq "findings exit 1" 1 $st
head -c 300 g.der >trunc.der
check_eq "truncated DER" "signed object" "$(lint_fields trunc.der)"
cp g.der trail.der; printf '\0' >>trail.der
check_eq "trailing byte" "signed object" "$(lint_fields trail.der)"
# non-minimal length: re-encode the outer SEQUENCE length with one more octet
$PY - g.der long.der <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
assert d[1] == 0x82
open(sys.argv[2], 'wb').write(bytes([0x30, 0x83, 0x00]) + d[2:])
PY
check_eq "non-minimal length" "signed object" "$(lint_fields long.der)"
set +e; "$GCERT" lint nonexistent.pem 2>/dev/null; st=$?; set -e
check_eq "missing file exit status (configuration/IO)" 5 $st
printf -- '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' >key.pem
set +e; "$GCERT" lint key.pem 2>/dev/null; st=$?; set -e
check_eq "PEM of another kind is an input error" 3 $st
set +e; "$GCERT" lint 2>/dev/null; st=$?; set -e
check_eq "no file is a usage error" 2 $st

finish
