#!/usr/bin/env bash
# lint_crl.sh - `gcert lint` on CRLs and an ARL made with `openssl ca -gencrl` by a
# throwaway hierarchy with Hongkong Post's names (CPS App. C I and II, SPEC §4.1, §4.2).
# The baseline of each kind passes; each variant breaks exactly one field, and the
# linter must name exactly that field.
source "$GCERT_SRC/tests/integration/lib.sh"
PY=/usr/bin/python3
cd "$T"

lint_fields() {
  local f=$1; shift
  "$GCERT" lint --json "$@" "$f" >"$T/lint.json" || true
  $PY -c "import json,sys; r=json.load(open(sys.argv[1])); print(','.join(sorted({x['field'] for o in r for x in o['findings']})))" "$T/lint.json"
}

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

S1=4111111111111111111111111111111111111111
S2=4222222222222222222222222222222222222222
# index.txt of `openssl ca`: status, expiry, revocation[,reason], serial, file, subject
index() { # index FILE LINE...
  local f=$1; shift
  : >"$f"
  for l in "$@"; do printf '%s\n' "$l" | tr '|' '\t' >>"$f"; done
}
GOOD=("R|301231000000Z|261101000000Z,keyCompromise|$S1|unknown|/CN=a"
      "R|301231000000Z|261102000000Z,unspecified|$S2|unknown|/CN=b")

# crl NAME KIND(partition|full|arl) SED_ON_CONFIG [openssl ca options...]
n=0
crl() {
  local name=$1 kind=$2 edit=$3; shift 3
  n=$((n + 1))
  local cert=ica.pem key=ica.key
  [[ $kind == arl ]] && cert=root.pem key=root.key
  cat >c$n.cnf <<CNF
[ ca ]
default_ca = this
[ this ]
database = idx$n.txt
crlnumber = num$n
certificate = $cert
private_key = $key
default_md = sha256
default_crl_days = 1
crl_extensions = crl_$kind
[ crl_partition ]
authorityKeyIdentifier = keyid:always, issuer:always
issuingDistributionPoint = critical, @idp_partition
[ crl_full ]
authorityKeyIdentifier = keyid:always, issuer:always
[ crl_arl ]
authorityKeyIdentifier = keyid:always, issuer:always
issuingDistributionPoint = critical, @idp_arl
[ idp_partition ]
fullname = URI:http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL2.crl
[ idp_arl ]
onlyCA = TRUE
CNF
  sed -i "$edit" c$n.cnf
  [[ -f idx$n.txt ]] || index idx$n.txt "${ENTRIES[@]}"
  echo "${NUM:-1000}" >num$n
  if ! openssl ca -gencrl -config c$n.cnf -out c$n.pem "$@" 2>c$n.err; then
    fail "$name: openssl could not make the CRL"; cat c$n.err >&2; return
  fi
}
variant() { # variant NAME EXPECTED KIND SED [options]
  local name=$1 want=$2; shift 2
  crl "$name" "$@"
  check_eq "$name" "$want" "$(lint_fields c$n.pem)"
}

ENTRIES=("${GOOD[@]}")
variant "partitioned CRL (App. C I)" "" partition ""
check_contains "partitioned CRL read as a CRL" '"object": "crl"' "$(cat lint.json)"
check "exit status 0" "$GCERT" lint c$n.pem
openssl crl -in c$n.pem -outform DER -out c.der
check_eq "DER CRL" "" "$(lint_fields c.der)"
variant "full CRL (App. C I)" "" full ""
ENTRIES=("R|301231000000Z|261101000000Z,keyCompromise|$S1|unknown|/CN=Hongkong Post e-Cert CA 2 - 16")
variant "ARL by the root (App. C II)" "" arl ""
ENTRIES=()
variant "empty partitioned CRL" "" partition ""

# openssl writes no reasonCode for an entry revoked without a reason: rebuild the index
ENTRIES=("R|301231000000Z|261101000000Z|$S1|unknown|/CN=a")
variant "entry without a reasonCode" "crl.revokedCertificates" partition ""
ENTRIES=("R|301231000000Z|261101000000Z,keyCompromise|0102|unknown|/CN=a")
variant "entry serial of 2 octets" "crl.revokedCertificates" partition ""
ENTRIES=("R|301231000000Z|491231000000Z,keyCompromise|$S1|unknown|/CN=a")
variant "revocationDate after thisUpdate" "crl.revokedCertificates" partition ""
ENTRIES=("${GOOD[@]}")
variant "issuingDistributionPoint not critical" "crl.issuingDistributionPoint" partition \
  "s/issuingDistributionPoint = critical, /issuingDistributionPoint = /"
variant "partition names the full CRL" "crl.issuingDistributionPoint" partition "s/CRL2.crl/CRL1.crl/"
variant "partition IDP with onlyContainsUserCerts" "crl.issuingDistributionPoint" partition \
  "s|^fullname = .*|&\nonlyuser = TRUE|"
variant "no authorityKeyIdentifier" "crl.authorityKeyIdentifier" partition \
  "/^\[ crl_partition \]/,/^\[/{/^authorityKeyIdentifier/d}"
variant "AKI without issuer and serial" "crl.authorityKeyIdentifier" partition \
  "/^\[ crl_partition \]/,/^\[/{s/keyid:always, issuer:always/keyid:always/}"
variant "sha384 signature" "crl.signature,signatureAlgorithm" partition "s/sha256/sha384/"
NUM=0123456789012345678901234567890123456789ff variant "cRLNumber of 21 octets" "crl.cRLNumber" partition ""
ENTRIES=("R|301231000000Z|261101000000Z,keyCompromise|$S1|unknown|/CN=a")
variant "ARL with onlyContainsUserCerts" "crl.issuingDistributionPoint" arl "s/^onlyCA = TRUE/onlyuser = TRUE/"
# the CPS typo "e-Cert CA2 - 17" as the issuing CA's name
openssl req -new -key ica.key -out ica2.csr -config ca.cnf -subj "$DN/CN=Hongkong Post e-Cert CA2 - 17" 2>/dev/null
openssl x509 -req -in ica2.csr -CA root.pem -CAkey root.key -out ica2.pem -extfile ca.cnf \
  -extensions v3_issuing -days 3000 -set_serial 0x2122334455667788990011223344556677889900 2>/dev/null
ENTRIES=("${GOOD[@]}")
variant "issuer CN with the CPS typo" "crl.issuer" full "s/^certificate = ica.pem/certificate = ica2.pem/"

# nextUpdate before thisUpdate (openssl takes both as given)
ENTRIES=("${GOOD[@]}")
variant "nextUpdate before thisUpdate" "crl.nextUpdate" partition "" \
  -crl_lastupdate 261201000000Z -crl_nextupdate 261130000000Z
finish
