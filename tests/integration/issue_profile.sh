#!/usr/bin/env bash
# issue_profile.sh - both g-Cert types reproduce SPEC §2.1 (CPS App. B) field by field,
# read from the DER by asn1crypto, and their chains verify in OpenSSL, GnuTLS and NSS.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust"
ROOT=$T/trust/root.pem
SUB=$T/trust/issuing-ca.pem

issue_case() { # NAME CERT_TYPE YEARS [request overrides...]
  local name=$1 type=$2 years=$3; shift 3
  make_csr "$T/$name.key" "$T/$name.csr"
  make_request "$T/$name.json" "req-$name" "$type" "$years" "$T/$name.csr" "$@"
  "$GCERT" issue --dir "$CA" --request "$T/$name.json" --out "$T/$name.pem" --json >"$T/$name.out"
  local ref serial
  ref=$(json_field subscriber_ref <"$T/$name.out")
  serial=$(json_field serial <"$T/$name.out")
  check "$name: profile (SPEC §2.1)" "$PY" "$GCERT_SRC/tests/integration/check_profile.py" \
    "$T/$name.pem" "$SUB" "$ROOT" "$T/$name.json" "$ref"
  check_eq "$name: serial reported = serial in the certificate" \
    "$(openssl x509 -in "$T/$name.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)" "$serial"
  check_eq "$name: certificate's key is the CSR's key" \
    "$(openssl req -in "$T/$name.csr" -noout -pubkey)" "$(openssl x509 -in "$T/$name.pem" -noout -pubkey)"
  # OpenSSL
  check "$name: openssl verify (strict, S/MIME sign, policy)" openssl verify -x509_strict \
    -CAfile "$ROOT" -untrusted "$SUB" -purpose smimesign -policy 1.3.6.1.4.1.16030.1.8.2 \
    -explicit_policy "$T/$name.pem"
  check "$name: openssl verify (client auth)" openssl verify -CAfile "$ROOT" -untrusted "$SUB" \
    -purpose sslclient "$T/$name.pem"
  # GnuTLS
  check "$name: certtool -i parses it" certtool -i --infile "$T/$name.pem"
  check "$name: certtool --verify-chain" bash -c \
    "cat '$T/$name.pem' '$SUB' '$ROOT' | certtool --verify-chain --verify-profile=medium" 
  check "$name: certtool --verify against the root" certtool --verify \
    --load-ca-certificate "$ROOT" --infile <(cat "$T/$name.pem" "$SUB")
  # NSS
  certutil -A -d "sql:$T/nss" -n "$name" -t ",," -i "$T/$name.pem"
  check "$name: NSS vfychain (email signer)" vfychain -d "sql:$T/nss" -p -u 4 \
    -a "$T/$name.pem" -a "$SUB"
  check "$name: NSS certutil -V (email recipient)" certutil -V -d "sql:$T/nss" -u R -n "$name"
  # Database and audit trail
  check_eq "$name: recorded as issued" "issued|$type|$ref" \
    "$(sql "$CA" "SELECT status, cert_type, subscriber_ref FROM certificates WHERE serial='$serial'")"
  sqlhex "$CA" "SELECT der FROM certificates WHERE serial='$serial'" | xxd -r -p >"$T/$name.stored.der"
  openssl x509 -in "$T/$name.pem" -outform DER -out "$T/$name.der"
  check "$name: stored DER = handed-out DER" cmp "$T/$name.stored.der" "$T/$name.der"
  check_eq "$name: audited" 1 \
    "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='cert.issued' AND object='$serial' AND outcome='success'")"
}

# NSS database with the root as a trusted CA (vfychain/certutil need the leaf imported by name).
mkdir "$T/nss"
certutil -N -d "sql:$T/nss" --empty-password
certutil -A -d "sql:$T/nss" -n root -t "C,C,C" -i "$ROOT"
certutil -A -d "sql:$T/nss" -n issuing -t ",," -i "$SUB"

issue_case individual individual 2
issue_case functional_unit functional_unit 3 \
  'r["subject"]["name"] = "Registry Unit"' 'del r["subject"]["email"]' \
  'r["subject"]["category"] = "Records Functional Unit"'
issue_case individual_3y individual 1 'r["subject"]["name"] = "WONG Siu Ming"' \
  'r["subject"]["email"] = "smwong@example.gov.hk"'

# Both types are S/MIME signers in NSS's view too.
for n in functional_unit individual_3y; do
  check "$n: NSS certutil -V (email signer)" certutil -V -d "sql:$T/nss" -u S -n "$n"
done

# Distinct serials and subscriber numbers across the three.
check_eq "three distinct serials" 3 "$(sql "$CA" "SELECT count(DISTINCT serial) FROM certificates")"
check_eq "three distinct subscriber numbers" 3 "$(sql "$CA" "SELECT count(DISTINCT subscriber_ref) FROM certificates")"
finish
