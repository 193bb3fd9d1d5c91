#!/usr/bin/env bash
# key_scan.sh - issue 15, no private key outside a token: every file under a fresh CA
# directory and RA directory, after `ca init`, `ra init`, the first use of every key, a
# short run of scripts/demo.sh and a backup, is read by key_scan.py, which reports anything
# that parses as a private key (PEM "PRIVATE KEY" of any kind, DER PKCS#8 or PKCS#1 at any
# offset); there must be none. pkcs11-tool then shows every private key of the CA's and
# the RA's tokens sensitive and never extractable. The scanner is first shown to find
# planted keys, so that "none" means something.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ra_lib.sh"
SCAN=("$PY" "$GCERT_SRC/tests/integration/key_scan.py")

# ---- the scanner finds what it must ----
mkdir -p "$T/planted"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/planted/k.pem" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$T/planted/k.pem" -outform DER -out "$T/planted/k8.der"
openssl rsa -in "$T/planted/k.pem" -traditional -outform DER -out "$T/planted/k1.der" 2>/dev/null
openssl pkcs8 -topk8 -in "$T/planted/k.pem" -passout pass:x -out "$T/planted/enc.pem"
{ head -c 3000 /dev/urandom; cat "$T/planted/k1.der"; head -c 3000 /dev/urandom; } >"$T/planted/inside.bin"
set +e
out=$("${SCAN[@]}" "$T/planted" 2>&1); rc=$?
set -e
check_eq "planted keys: exit 1" 1 "$rc"
check_contains "PEM PKCS#8" "k.pem: PEM PRIVATE KEY" "$out"
check_contains "encrypted PKCS#8" "enc.pem: PEM ENCRYPTED PRIVATE KEY" "$out"
check_contains "DER PKCS#8" "k8.der: DER PKCS#8 PrivateKeyInfo at offset 0" "$out"
check_contains "DER PKCS#1" "k1.der: DER PKCS#1 RSAPrivateKey at offset 0" "$out"
check_contains "DER inside another file" "inside.bin: DER PKCS#1 RSAPrivateKey at offset 3000" "$out"
openssl req -x509 -key "$T/planted/k.pem" -subj /CN=x -days 1 -outform DER -out "$T/cert.der"
mkdir -p "$T/clean" && cp "$T/cert.der" "$T/clean/" && openssl pkey -in "$T/planted/k.pem" -pubout -out "$T/clean/pub.pem"
check "certificates and public keys are not private keys" "${SCAN[@]}" "$T/clean"

# ---- a CA and an RA, every key used once ----
CA=$T/ca RAD=$T/ra
new_ca "$CA"
"$GCERT" ca service-cert --dir "$CA" --out "$T/ca-service.pem"
"$GCERT" ca service-cert --dir "$CA" --tls --out "$T/ca-tls.pem"
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust" >/dev/null
"$GCERT" audit checkpoint --dir "$CA" >/dev/null
"$GCERT" crl issue --dir "$CA" >/dev/null
"$GCERT" ra init --dir "$RAD" --name cmmp --ca-url "https://127.0.0.1:1/interface" --ca-tls-cert "$T/ca-tls.pem" \
  --ca-service-cert "$T/ca-service.pem" --ca-repo "http://127.0.0.1:1/" --ca-cert "$T/trust/issuing-ca.pem" >/dev/null
"$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$RAD/ra-service.pem" >/dev/null
"$GCERT" ra tls-cert --dir "$RAD" --csr --out "$T/ra-web.csr"
ra_bootstrap "$RAD" OGCIO admin1
start_ra "$RAD"
login admin1
check_eq "the RA serves over HTTPS" 200 "$CODE"
stop_ra

# ---- a short demo run: until its URLs answer, then stopped ----
DEMO=$T/demo
mkdir -p "$DEMO"
HP=$(free_port) IP=$(free_port) RP=$(free_port)
DEMO_GCERT=$GCERT DEMO_DIR=$DEMO HTTP_PORT=$HP IFACE_PORT=$IP RA_PORT=$RP \
  bash "$GCERT_SRC/scripts/demo.sh" >"$T/demo.out" 2>&1 &
DEMO_PID=$!
at_exit "kill $DEMO_PID"
if wait_for 240 grep -q "^open https://127.0.0.1:$RP/" "$T/demo.out"; then pass; else fail "the demo did not come up"; tail -30 "$T/demo.out" >&2; fi
check "demo: the RA answers over HTTPS, its certificate trusted" curl -sf -o /dev/null --cacert "$DEMO/demo-ra/web-tls.pem" \
  "https://127.0.0.1:$RP/api/orgs"
check "demo: the repository answers" curl -sf -o /dev/null "http://127.0.0.1:$HP/"
check "demo: the interface endpoint shakes hands with its certificate" bash -c "openssl s_client -connect 127.0.0.1:$IP \
  -CAfile '$DEMO/demo-ca/token/tls.pem' </dev/null 2>/dev/null | grep -q 'Verify return code: 0'"
check_contains "demo: prints the certificate to trust" "trusts the RA's certificate $DEMO/demo-ra/web-tls.pem" "$(cat "$T/demo.out")"
kill -TERM "$DEMO_PID"
wait "$DEMO_PID" 2>/dev/null || true
if wait_for 20 bash -c "! pgrep -f '$DEMO/[d]emo-' >/dev/null"; then pass; else fail "the demo left servers running"; fi

# ---- a backup ----
export PA="alice's long passphrase 1" PB="bob's long passphrase 22"
mkdir -p "$T/backup"
"$GCERT" backup --dir "$CA" --out "$T/backup/ca.bak" --custodians 2 --threshold 2 --share-dir "$T/backup" \
  --passphrases env:PA,env:PB >/dev/null
check "the backup was made" test -s "$T/backup/ca.bak"

# ---- the scan ----
check "no private key in any file of the CA, the RA, the demo's CA and RA, or the backup" \
  "${SCAN[@]}" "$CA" "$RAD" "$DEMO" "$T/backup"
check "the scan read the token object stores too" test "$(find "$CA/token/tokens" -type f | wc -l)" -gt 3
check "no tls.key anywhere" test -z "$(find "$CA" "$RAD" "$DEMO" -name tls.key)"

# ---- every private key in each token: sensitive, never extractable ----
sealed() { # "what" DIR TOKEN EXPECTED-LABELS...
  local what=$1 d=$2 tok=$3 objs n; shift 3
  objs=$(token_objects "$d" "$tok")
  n=$(grep -c '^Private Key Object' <<<"$objs")
  check_eq "$what: $# private keys" "$#" "$n"
  check_eq "$what: each sensitive and never extractable" "$n" \
    "$(grep -c 'sensitive, always sensitive, never extractable' <<<"$objs")"
  for l in "$@"; do check_token_key "$what" "$d" "$tok" "$l"; done
}
sealed "CA token" "$CA" gcert-ca root-ca-2 ecert-ca-2-17 ca-service audit-key ca-tls
sealed "RA token" "$RAD" gcert-ra ra-service ra-web-tls audit-key
sealed "demo CA token" "$DEMO/demo-ca" gcert-ca root-ca-2 ecert-ca-2-17 ca-service audit-key ca-tls
sealed "demo RA token" "$DEMO/demo-ra" gcert-ra ra-service ra-web-tls audit-key
finish
