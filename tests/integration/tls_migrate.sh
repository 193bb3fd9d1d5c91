#!/usr/bin/env bash
# tls_migrate.sh - issue 15, no private key outside a token: a CA directory of an older
# gcert kept the interface endpoint's TLS key in DIR/token/tls.key. On the first use of the
# endpoint (`gcert ca serve --interface-listen`, `interface serve`, `ca service-cert --tls`)
# the key is made in the token, a new certificate replaces tls.pem, an audit record says so
# and the old file is overwritten with zeros and removed. Under M-of-N activation nothing
# moves until the keys are activated: the file stays and the refusal says why.
source "$(dirname "$0")/lib.sh"

# old_layout DIR: what gcert before issue 15 wrote: an RSA key in a PEM file (0600) and a
# self-signed certificate of it beside it
old_layout() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/token/tls.key" -out "$1/token/tls.pem" \
    -days 1095 -subj "/CN=gcert CA interface (TLS)" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
  chmod 600 "$1/token/tls.key"
}

CA=$T/ca
new_ca "$CA"
old_layout "$CA"
cp "$CA/token/tls.pem" "$T/old-tls.pem"
ln "$CA/token/tls.key" "$T/old-key.link" # the same inode: shows whether the bytes were wiped
check "the old layout: a PEM private key in the CA directory" grep -q "BEGIN PRIVATE KEY" "$CA/token/tls.key"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ra.key" -out "$T/ra.pem" -days 365 \
  -subj "/O=OGCIO/CN=CMMP RA service" 2>/dev/null
"$GCERT" ca pin --dir "$CA" --ra cmmp --cert "$T/ra.pem" >/dev/null

start_serve "$CA" --ldap none --interface-listen 127.0.0.1:0
wait_for 60 grep -q "interface at https" "$T/serve.out" || { cat "$T/serve.out" >&2; fail "no interface"; finish; }
IPORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\)/interface.*|\1|p' "$T/serve.out")

check "tls.key is gone" test ! -e "$CA/token/tls.key"
check_eq "its bytes were overwritten with zeros before it went" 0 "$(tr -d '\0' <"$T/old-key.link" | wc -c)"
check_token_key "migrated" "$CA" gcert-ca ca-tls
rec=$(sql "$CA" "SELECT detail FROM audit_log WHERE event='ca.tls_key_migrated'")
check_contains "the migration is audited" 'interface TLS key moved into the token (key "ca-tls"' "$rec"
check_contains "naming the old certificate" "replaces $(openssl x509 -in "$T/old-tls.pem" -outform DER | sha256sum | cut -c1-64)" "$rec"
check_contains "and the wipe" "token/tls.key wiped and removed" "$rec"
check_eq "one migration record" 1 "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='ca.tls_key_migrated'")"
check "gcert audit verify after the migration" "$GCERT" audit verify --dir "$CA"

# the endpoint now shakes hands with the token's key, which tls.pem certifies
token_pubkey "$CA" gcert-ca ca-tls "$T/token.pub"
served_pubkey "127.0.0.1:$IPORT" "$T/served.pub" -cert "$T/ra.pem" -key "$T/ra.key"
check "served key = the token's key (openssl s_client)" cmp "$T/served.pub" "$T/token.pub"
check "tls.pem certifies the token's key" cmp "$T/token.pub" <(openssl x509 -in "$CA/token/tls.pem" -pubkey -noout)
if cmp -s "$T/served.pub" <(openssl x509 -in "$T/old-tls.pem" -pubkey -noout); then fail "still the old file key"; else pass; fi
check "the new certificate verifies the handshake" bash -c "openssl s_client -connect 127.0.0.1:$IPORT \
  -CAfile '$CA/token/tls.pem' -verify_return_error -cert '$T/ra.pem' -key '$T/ra.key' </dev/null 2>&1 | grep -q 'Verify return code: 0'"
set +e
openssl s_client -connect "127.0.0.1:$IPORT" -CAfile "$T/old-tls.pem" -verify_return_error \
  -cert "$T/ra.pem" -key "$T/ra.key" </dev/null >/dev/null 2>&1
check "the old certificate no longer does (the RA must be given the new tls.pem)" test $? -ne 0
set -e
stop_serve
# a second start migrates nothing again
"$GCERT" ca service-cert --dir "$CA" --tls --out "$T/tls2.pem"
check "service-cert --tls: the migrated certificate" cmp "$T/tls2.pem" "$CA/token/tls.pem"
check_eq "still one migration record" 1 "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='ca.tls_key_migrated'")"

# M-of-N: the TLS key cannot be made in a token that is not activated; nothing changes
export PA="alice's long passphrase 1" PB="bob's long passphrase 22"
M=$T/mca
new_ca "$M" --custodians 2 --threshold 2 --custodian-names alice,bob --share-dir "$T/s" --passphrases env:PA,env:PB
old_layout "$M"
cp "$M/token/tls.pem" "$T/m-old.pem"
set +e
out=$("$GCERT" ca service-cert --dir "$M" --tls 2>&1); rc=$?
set -e
check_eq "not activated: exit 4" 4 "$rc"
check_contains "says why" "CA keys are not activated" "$out"
check "the key file stays" test -s "$M/token/tls.key"
check "tls.pem unchanged" cmp "$M/token/tls.pem" "$T/m-old.pem"
check_eq "no migration record" 0 "$(sql "$M" "SELECT count(*) FROM audit_log WHERE event='ca.tls_key_migrated'")"
"$GCERT" ca service-cert --dir "$M" --tls --out "$T/m-new.pem" --activation-shares "$(ls "$T"/s/*alice.share),$(ls "$T"/s/*bob.share)" \
  --activation-passphrases env:PA,env:PB
check "activated: migrated" test ! -e "$M/token/tls.key"
check_eq "activated: the new certificate is printed" "$(cat "$M/token/tls.pem")" "$(cat "$T/m-new.pem")"
check_eq "activated: audited" 1 "$(sql "$M" "SELECT count(*) FROM audit_log WHERE event='ca.tls_key_migrated'")"
finish
