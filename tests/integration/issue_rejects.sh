#!/usr/bin/env bash
# issue_rejects.sh - every bad input to `gcert issue` gets its precise error code and exit
# status, and changes nothing: no certificate, no subscriber number, no serial; only the
# refusal is recorded in the audit trail.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
make_csr "$T/good.key" "$T/good.csr"

state() { sql "$CA" "SELECT (SELECT count(*) FROM certificates) || '/' || (SELECT count(*) FROM subscribers)"; }

# expect_reject NAME EXIT CODE REQUEST_FILE
expect_reject() {
  local name=$1 want_exit=$2 want_code=$3 file=$4 before out code
  before=$(state)
  issue_json "$CA" "$file" >"$T/out.json" 2>"$T/err" || true
  check_eq "$name: exit status" "$want_exit" "$RC"
  code=$(json_field code <"$T/out.json" 2>/dev/null || echo "unparsable: $(cat "$T/out.json")")
  check_eq "$name: error code" "$want_code" "$code"
  check_eq "$name: nothing stored" "$before" "$(state)"
}

req() { # NAME [overrides...] -> $T/NAME.json using the good CSR
  local name=$1; shift
  make_request "$T/$name.json" "req-$name" individual 2 "$T/good.csr" "$@"
}

# --- request fields
printf '{"id": "req-x", ' >"$T/truncated.json"
expect_reject "malformed JSON" 3 GC_E_JSON "$T/truncated.json"
printf '{"id":"req-latin1","subject":{"name":"CH\xc9N"}}' >"$T/latin1.json"
expect_reject "non-UTF-8 text" 3 GC_E_NOT_UTF8 "$T/latin1.json"
req ctrl 'r["subject"]["branch"] = "Infra\u0007structure"'
expect_reject "control character in a name" 3 GC_E_NOT_UTF8 "$T/ctrl.json"
req type 'r["cert_type"] = "server"'
expect_reject "unknown cert_type" 3 GC_E_BAD_CERT_TYPE "$T/type.json"
req y0 'r["validity_years"] = 0'
expect_reject "validity 0 years" 3 GC_E_BAD_VALIDITY "$T/y0.json"
req y4 'r["validity_years"] = 4'
expect_reject "validity 4 years" 3 GC_E_BAD_VALIDITY "$T/y4.json"
req noorg 'del r["subject"]["organisation"]'
expect_reject "missing organisation" 3 GC_E_REQUEST_FIELD "$T/noorg.json"
req nozh 'del r["subject"]["branch_zh"]'
expect_reject "missing Chinese branch name" 3 GC_E_REQUEST_FIELD "$T/nozh.json"
req longcn 'r["subject"]["name"] = "CHAN " + "x" * 60'
expect_reject "CN over 64 characters" 3 GC_E_FIELD_TOO_LONG "$T/longcn.json"
req longou 'r["subject"]["organisation_zh"] = "政" * 65'
expect_reject "Chinese OU over 64 characters" 3 GC_E_FIELD_TOO_LONG "$T/longou.json"
req email 'r["subject"]["email"] = "tmchan at example"'
expect_reject "malformed email" 3 GC_E_BAD_EMAIL "$T/email.json"
req unknown 'r["subject"]["hkid"] = "A123456(7)"'
expect_reject "unknown field" 3 GC_E_REQUEST_FIELD "$T/unknown.json"
"$PY" -c 'import sys; open(sys.argv[1], "w").write("{\"id\":\"" + "a" * 70000 + "\"}")' "$T/big.json"
expect_reject "oversized request file" 3 GC_E_TOO_LARGE "$T/big.json"

# --- the CSR
csr_case() { # NAME EXIT CODE genpkey-args...
  local name=$1 ex=$2 code=$3 f; shift 3
  f=${name// /_}
  make_csr "$T/$f.key" "$T/$f.csr" "$@"
  make_request "$T/$f.json" "req-$f" individual 2 "$T/$f.csr"
  expect_reject "$name" "$ex" "$code" "$T/$f.json"
}
csr_case "RSA 1024" 3 GC_E_KEY_SIZE -algorithm RSA -pkeyopt rsa_keygen_bits:1024
csr_case "RSA 4096" 3 GC_E_KEY_SIZE -algorithm RSA -pkeyopt rsa_keygen_bits:4096
csr_case "exponent 3" 3 GC_E_KEY_EXPONENT -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3
csr_case "EC P-256" 3 GC_E_KEY_TYPE -algorithm EC -pkeyopt ec_paramgen_curve:P-256
csr_case "Ed25519" 3 GC_E_KEY_TYPE -algorithm ED25519
# bad signature: flip one bit of the signature value
openssl req -in "$T/good.csr" -outform DER -out "$T/good.der"
"$PY" - "$T/good.der" "$T/badsig.der" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[-5] ^= 1; open(sys.argv[2], "wb").write(d)
PY
openssl req -inform DER -in "$T/badsig.der" -out "$T/badsig.csr" 2>/dev/null || \
  { printf -- '-----BEGIN CERTIFICATE REQUEST-----\n%s\n-----END CERTIFICATE REQUEST-----\n' "$(base64 -w64 "$T/badsig.der")" >"$T/badsig.csr"; }
make_request "$T/badsig.json" req-badsig individual 2 "$T/badsig.csr"
expect_reject "bad CSR signature (no proof of possession)" 3 GC_E_CSR_SIGNATURE "$T/badsig.json"
# malformed encodings
printf -- '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' >"$T/garbage.csr"
make_request "$T/garbage.json" req-garbage individual 2 "$T/garbage.csr"
expect_reject "malformed DER" 3 GC_E_BAD_ENCODING "$T/garbage.json"
printf 'not a PEM block' >"$T/nopem.csr"
make_request "$T/nopem.json" req-nopem individual 2 "$T/nopem.csr"
expect_reject "malformed PEM" 3 GC_E_BAD_ENCODING "$T/nopem.json"
{ cat "$T/good.csr"; echo trailing; } >"$T/trail.csr"
make_request "$T/trail.json" req-trail individual 2 "$T/trail.csr"
expect_reject "data after the PEM block" 3 GC_E_BAD_ENCODING "$T/trail.json"
openssl x509 -req -in "$T/good.csr" -key "$T/good.key" -days 1 -out "$T/selfsigned.pem" 2>/dev/null
make_request "$T/cert.json" req-cert individual 2 "$T/selfsigned.pem"
expect_reject "a certificate instead of a CSR" 3 GC_E_BAD_ENCODING "$T/cert.json"

# --- state: replay, key reuse, CA lifetime, output file
req ok
issue_json "$CA" "$T/ok.json" >"$T/ok.out"
check_eq "the good request is issued" 0 "$RC"
serial=$(json_field serial <"$T/ok.out")
expect_reject "replayed request id" 4 GC_E_DUPLICATE_REQUEST "$T/ok.json"
check_contains "replay names the certificate" "$serial" "$(json_field message <"$T/out.json")"
make_request "$T/reuse.json" req-reuse individual 2 "$T/good.csr" 'r["subject"]["name"] = "LEE Ka Yan"'
expect_reject "public key certified to another subscriber" 4 GC_E_KEY_REUSED "$T/reuse.json"
check_contains "reuse names the subscriber" "$(sql "$CA" "SELECT subscriber_ref FROM certificates")" \
  "$(json_field message <"$T/out.json")"

new_ca "$T/short" --issuing-years 1
make_csr "$T/s.key" "$T/s.csr"
make_request "$T/s.json" req-s individual 2 "$T/s.csr"
before=$(sql "$T/short" "SELECT count(*) FROM certificates")
issue_json "$T/short" "$T/s.json" >"$T/out.json" || true
check_eq "outliving the issuing CA: exit" 4 "$RC"
check_eq "outliving the issuing CA: code" GC_E_OUTLIVES_CA "$(json_field code <"$T/out.json")"
check_contains "points to key changeover" "§4.7" "$(json_field message <"$T/out.json")"
check_eq "outliving: nothing stored" "$before" "$(sql "$T/short" "SELECT count(*) FROM certificates")"

make_csr "$T/o.key" "$T/o.csr"
make_request "$T/o.json" req-o individual 1 "$T/o.csr"
echo keep >"$T/exists.pem"
before=$(state)
set +e; "$GCERT" issue --dir "$CA" --request "$T/o.json" --out "$T/exists.pem" 2>/dev/null; rc=$?; set -e
check_eq "existing --out file: refused" 5 "$rc"
check_eq "existing --out file: untouched" keep "$(cat "$T/exists.pem")"
check_eq "existing --out file: nothing issued" "$before" "$(state)"

# --- the refusals are in the audit trail, with their codes
check_eq "every refusal audited" "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='cert.request_rejected' AND outcome='failure'")" \
  "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='cert.request_rejected' AND detail LIKE 'GC_E_%'")"
check_contains "key-size refusal audited" "GC_E_KEY_SIZE" "$(sql "$CA" "SELECT group_concat(detail) FROM audit_log WHERE event='cert.request_rejected'")"
check_eq "one certificate in all" 1 "$(sql "$CA" "SELECT count(*) FROM certificates")"
finish
