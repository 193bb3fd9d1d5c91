#!/usr/bin/env bash
# verify.sh - `gcert verify` (CPS §2.1.6): path to the root, CRLs, policy, purpose and
# time, with an exit status and a one-line reason; from a CA directory or from the
# files a relying party holds.
source "$GCERT_SRC/tests/integration/lib.sh"
source "$GCERT_SRC/tests/integration/common.sh"

CA=$T/ca
new_ca "$CA"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust" >/dev/null
issue_cert "$CA" alice; A=$SERIAL
issue_cert "$CA" bob functional_unit

# a new CA is verifiable from its first certificate: the key ceremony published the ARL
# and the CRLs (issue 16), no `gcert crl issue` or `arl issue` needed
check "a new CA's first certificate verifies at once" "$GCERT" verify --dir "$CA" "$T/alice.pem"
# no CRL: revocation status unknown is not "valid"
mv "$CA/repo/crl" "$T/crl-away"
expect_status "no CRLs published" 8 "$GCERT" verify --dir "$CA" "$T/alice.pem"
check_contains "no CRLs: reason" "no CRLs published yet" "$(cat "$T/out")"
check_contains "no CRLs: names both commands" "gcert crl issue --dir $CA\` and \`gcert arl issue --dir $CA" "$(cat "$T/out")"
mkdir "$CA/repo/crl"
cp "$T"/crl-away/eCertCA2-17CRL*.crl "$CA/repo/crl/"
expect_status "no ARL (the issuing CA is checked too)" 8 "$GCERT" verify --dir "$CA" "$T/alice.pem"
check_contains "no ARL: reason" "revocation status unknown" "$(cat "$T/out")"
check_contains "no ARL: names the file and the command" "RootCA2ARL.crl: the root's ARL is not published yet (CPS App. C II); run \`gcert arl issue --dir $CA\`" "$(cat "$T/out")"
cp "$T/crl-away/RootCA2ARL.crl" "$CA/repo/crl/"
check "crl issue" "$GCERT" crl issue --dir "$CA"
check "arl issue" "$GCERT" arl issue --dir "$CA"

for p in sign encrypt clientauth any; do
  check "alice valid for $p" "$GCERT" verify --dir "$CA" --purpose "$p" "$T/alice.pem"
  check "bob (functional unit) valid for $p" "$GCERT" verify --dir "$CA" --purpose "$p" "$T/bob.pem"
done
out=$("$GCERT" verify --dir "$CA" --json "$T/alice.pem")
check_contains "json: valid" '"status": "valid"' "$out"
expect_status "unknown purpose" 2 "$GCERT" verify --dir "$CA" --purpose fly "$T/alice.pem"
expect_status "no trust given" 2 env -u GCERT_DIR "$GCERT" verify "$T/alice.pem"
expect_status "--root without --crl-dir" 2 "$GCERT" verify --root "$T/trust/root.pem" "$T/alice.pem"

# time: expired, not yet valid, and a CRL past its nextUpdate
expect_status "in 2031: expired" 8 "$GCERT" verify --dir "$CA" --at 2031-01-01T00:00:00Z "$T/alice.pem"
check_contains "expired: reason" "expired on $(openssl x509 -in "$T/alice.pem" -noout -enddate | cut -d= -f2 | xargs -I{} date -u -d {} +%Y-%m-%d)" "$(cat "$T/out")"
expect_status "in 2020: not yet valid" 8 "$GCERT" verify --dir "$CA" --at 2020-01-01T00:00:00Z "$T/alice.pem"
check_contains "not yet valid: reason" "not valid before" "$(cat "$T/out")"
expect_status "in three days: the CRL is stale" 8 "$GCERT" verify --dir "$CA" --at "$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)" "$T/alice.pem"
check_contains "stale CRL: reason" "past its nextUpdate" "$(cat "$T/out")"

# revoked, with date and reason in words
check "revoke alice" "$GCERT" revoke --dir "$CA" --serial "$A" --reason keyCompromise
check "crl issue" "$GCERT" crl issue --dir "$CA"
expect_status "alice revoked" 8 "$GCERT" verify --dir "$CA" "$T/alice.pem"
check_eq "one line a person understands" "$T/alice.pem: NOT VALID: revoked on $(date -u +%Y-%m-%d) (keyCompromise)" "$(cat "$T/out")"
check "bob still valid" "$GCERT" verify --dir "$CA" "$T/bob.pem"

# a relying party's own files: root, issuing CA, a directory of published CRLs
mkdir "$T/rp"; cp "$CA"/repo/crl/*.crl "$T/rp/"
expect_status "files: alice revoked" 8 "$GCERT" verify --root "$T/trust/root.pem" --untrusted "$T/trust/issuing-ca.pem" --crl-dir "$T/rp" "$T/alice.pem"
check_contains "files: reason" "revoked on" "$(cat "$T/out")"
check "files: bob valid" "$GCERT" verify --root "$T/trust/root.pem" --untrusted "$T/trust/issuing-ca.pem" --crl-dir "$T/rp" "$T/bob.pem"
expect_status "files: no issuing CA certificate" 8 "$GCERT" verify --root "$T/trust/root.pem" --crl-dir "$T/rp" "$T/bob.pem"
check_contains "files: not issued by" "not issued by a trusted CA" "$(cat "$T/out")"
openssl x509 -in "$T/bob.pem" -outform DER -out "$T/bob.der"
check "DER input accepted" "$GCERT" verify --root "$T/trust/root.pem" --untrusted "$T/trust/issuing-ca.pem" --crl-dir "$T/rp" "$T/bob.der"

# another CA's certificate, and a tampered CRL
OTHER=$T/other
new_ca "$OTHER"
issue_cert "$OTHER" mallory
expect_status "another CA's certificate" 8 "$GCERT" verify --dir "$CA" "$T/mallory.pem"
check_contains "another CA: code" "GC_E_CERT_UNTRUSTED" "$("$GCERT" verify --dir "$CA" --json "$T/mallory.pem")"
$PY -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[-5] ^= 1; open(sys.argv[1], "wb").write(bytes(d))' "$T/rp/eCertCA2-17CRL2.crl"
rm "$T/rp/eCertCA2-17CRL1.crl"
expect_status "tampered CRL is not trusted" 8 "$GCERT" verify --root "$T/trust/root.pem" --untrusted "$T/trust/issuing-ca.pem" --crl-dir "$T/rp" "$T/bob.pem"
check_contains "tampered CRL: reason" "revocation status unknown" "$(cat "$T/out")"

# a CA certificate is no g-Cert
expect_status "issuing CA certificate as a g-Cert" 8 "$GCERT" verify --dir "$CA" "$T/trust/issuing-ca.pem"
check_contains "CA certificate: reason" "a CA certificate, not a g-Cert" "$(cat "$T/out")"

# policy and purpose, with a small hierarchy made by openssl (not by gcert)
X=$T/x; mkdir -p "$X/crl"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$X/rk.pem" -out "$X/root.pem" -subj "/CN=Test Root" \
  -days 30 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
leaf() { # leaf NAME EXTENSIONS
  openssl req -newkey rsa:2048 -nodes -keyout "$X/$1.key" -out "$X/$1.csr" -subj "/CN=$1" 2>/dev/null
  printf "$2" > "$X/$1.ext"
  openssl x509 -req -in "$X/$1.csr" -CA "$X/root.pem" -CAkey "$X/rk.pem" -set_serial "0x$(openssl rand -hex 8)" \
    -days 10 -extfile "$X/$1.ext" -out "$X/$1.pem" 2>/dev/null
}
leaf encrypt-only 'basicConstraints=CA:FALSE\nkeyUsage=critical,keyEncipherment\nextendedKeyUsage=emailProtection\ncertificatePolicies=1.3.6.1.4.1.16030.1.8.2\n'
leaf no-policy 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth,emailProtection\n'
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\ncrlnumber=%s/crlnumber\ndefault_md=sha256\ndefault_crl_days=1\n' "$X" "$X" > "$X/ca.cnf"
: > "$X/index.txt"; echo 01 > "$X/crlnumber"
openssl ca -config "$X/ca.cnf" -gencrl -keyfile "$X/rk.pem" -cert "$X/root.pem" -out "$X/crl.pem" 2>/dev/null
openssl crl -in "$X/crl.pem" -outform DER -out "$X/crl/test.crl"
XV=("$GCERT" verify --root "$X/root.pem" --crl-dir "$X/crl")
check "openssl-made leaf: valid for encryption" "${XV[@]}" --purpose encrypt "$X/encrypt-only.pem"
expect_status "openssl-made leaf: not for signing" 8 "${XV[@]}" --purpose sign "$X/encrypt-only.pem"
check_contains "purpose: reason" "not valid for signing: keyUsage lacks digitalSignature" "$(cat "$T/out")"
expect_status "openssl-made leaf: not for client auth" 8 "${XV[@]}" --purpose clientauth "$X/encrypt-only.pem"
check_contains "client auth: reason" "not valid for client authentication" "$(cat "$T/out")"
expect_status "no g-Cert policy" 8 "${XV[@]}" "$X/no-policy.pem"
check_contains "policy: reason" "certificatePolicies lacks 1.3.6.1.4.1.16030.1.8.2" "$(cat "$T/out")"
expect_status "missing certificate file" 5 "$GCERT" verify --dir "$CA" "$T/none.pem"
finish
