#!/usr/bin/env bash
# ca_init.sh - the key ceremony: directory, token, keys that never leave it, CA certificates.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
out=$("$GCERT" ca init --dir "$CA" 2>&1)
check_contains "init reports the CA" "Hongkong Post e-Cert CA 2 - 17" "$out"
# the root's fingerprint, as openssl computes it, and the next steps (issue 17 item 13)
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust0" >/dev/null
fp=$(openssl x509 -in "$T/trust0/root.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
check_contains "init prints the root SHA-256 fingerprint (openssl's)" "$fp" "$out"
check_contains "init names the next step" "gcert crl issue --dir $CA" "$out"
for f in gcert.json gcert.db token/softhsm2.conf token/user.pin; do
  check "$f exists" test -e "$CA/$f"
done
check_eq "CA directory is private" 700 "$(stat -c %a "$CA")"
check_eq "PIN file is owner-only" 600 "$(stat -c %a "$CA/token/user.pin")"
# (but the repository: the key ceremony publishes the first ARL and CRLs there, mode 0644)
check_eq "nothing in the CA directory is world-readable" "" "$(find "$CA" -path "$CA/repo" -prune -o -perm -o+r -print)"
check_eq "the ceremony's ARL and CRLs published" "RootCA2ARL.crl eCertCA2-17CRL1.crl eCertCA2-17CRL2.crl" \
  "$(ls "$CA/repo/crl" | xargs)"
pin=$(cat "$CA/token/user.pin")
check_eq "PIN is 32 hex digits" 32 "${#pin}"
if grep -rq "$pin" <(printf '%s' "$out") "$CA/gcert.json"; then fail "PIN printed or in config"; else pass; fi
if sql "$CA" .dump | grep -q "$pin"; then fail "PIN in the database"; else pass; fi

# The keys: in the token, RSA 2048, sensitive, never extractable (CPS §6.1, §6.2).
objs=$(SOFTHSM2_CONF=$CA/token/softhsm2.conf pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so \
       --token-label gcert-ca --login --pin "$pin" --list-objects 2>/dev/null)
for label in root-ca-2 ecert-ca-2-17; do
  block=$(awk -v l="$label" '/^Private Key Object/{p=1; b=""} p{b=b"\n"$0} /Access:/{if (p && b ~ "label: +"l"\n") print b; p=0}' <<<"$objs")
  check_contains "$label: private key present" "label:      $label" "$block"
  check_contains "$label: sensitive, never extractable" "sensitive, always sensitive, never extractable, local" "$block"
done
# root, issuing CA, and the audit key made when the ceremony opens the token for the first CRLs
check_eq "three private keys, no more" 3 "$(grep -c '^Private Key Object' <<<"$objs")"
check_contains "public key is RSA 2048" "RSA 2048 bits" "$objs"
# a sensitive key cannot be read out of the token
if SOFTHSM2_CONF=$CA/token/softhsm2.conf pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so \
     --token-label gcert-ca --login --pin "$pin" --read-object --type privkey --label root-ca-2 \
     -o "$T/leak" >/dev/null 2>&1 && [[ -s $T/leak ]]; then fail "private key could be read out"; else pass; fi

# The CA certificates (App. G), checked from the DER with asn1crypto.
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust"
check "root.pem written" test -s "$T/trust/root.pem"
check "issuing-ca.pem written" test -s "$T/trust/issuing-ca.pem"
set +e
"$GCERT" ca certs --dir "$CA" --out-dir "$T/trust" 2>/dev/null; check_eq "ca certs never overwrites" 5 $?
set -e
check "root is self-signed and verifies" openssl verify -x509_strict -CAfile "$T/trust/root.pem" "$T/trust/root.pem"
check "issuing CA chains to the root" openssl verify -x509_strict -CAfile "$T/trust/root.pem" "$T/trust/issuing-ca.pem"
check "CA certificate profiles" "$PY" - "$T/trust/root.pem" "$T/trust/issuing-ca.pem" <<'PY'
import sys
from asn1crypto import pem, x509
def load(p):
    return x509.Certificate.load(pem.unarmor(open(p, "rb").read())[2])
root, ca = load(sys.argv[1]), load(sys.argv[2])
def dn(c, which):
    return [(r[0]["type"].dotted, r[0]["value"].chosen.tag, r[0]["value"].native) for r in c["tbs_certificate"][which].chosen]
base = [("2.5.4.6", 19, "HK"), ("2.5.4.8", 19, "Hong Kong"), ("2.5.4.7", 19, "Hong Kong"), ("2.5.4.10", 19, "Hongkong Post")]
assert dn(root, "subject") == base + [("2.5.4.3", 19, "Hongkong Post Root CA 2")], dn(root, "subject")
assert dn(root, "issuer") == dn(root, "subject")
assert dn(ca, "subject") == base + [("2.5.4.3", 19, "Hongkong Post e-Cert CA 2 - 17")], dn(ca, "subject")
assert ca["tbs_certificate"]["issuer"].dump() == root["tbs_certificate"]["subject"].dump()
for c in (root, ca):
    t = c["tbs_certificate"]
    assert t["version"].native == "v3"
    assert len(t["serial_number"].contents) == 20 and t["serial_number"].contents[0] < 0x80
    assert t["signature"]["algorithm"].dotted == "1.2.840.113549.1.1.11"
    assert t["subject_public_key_info"]["public_key"].parsed["modulus"].native.bit_length() == 2048
    ext = {e["extn_id"].dotted: (e["critical"].native, e["extn_value"].parsed) for e in t["extensions"]}
    assert ext["2.5.29.19"][0] is True and ext["2.5.29.19"][1]["ca"].native is True
    assert ext["2.5.29.15"][0] is True and set(ext["2.5.29.15"][1].native) == {"key_cert_sign", "crl_sign"}
    assert "2.5.29.14" in ext and ext["2.5.29.14"][0] is False
r_ext = {e["extn_id"].dotted: e["extn_value"].parsed for e in root["tbs_certificate"]["extensions"]}
c_ext = {e["extn_id"].dotted: e["extn_value"].parsed for e in ca["tbs_certificate"]["extensions"]}
assert r_ext["2.5.29.19"]["path_len_constraint"].native is None
assert c_ext["2.5.29.19"]["path_len_constraint"].native == 0
assert c_ext["2.5.29.35"]["key_identifier"].native == r_ext["2.5.29.14"].native
assert [p["policy_identifier"].dotted for p in c_ext["2.5.29.32"]] == ["1.3.6.1.4.1.16030.1.8.2"]
assert "2.5.29.32" not in r_ext and "2.5.29.35" not in r_ext
v = root["tbs_certificate"]["validity"]
years = v["not_after"].native.year - v["not_before"].native.year
assert years <= 25, years
# RFC 5280 §4.1.2.5: GeneralizedTime from 2050 on
assert (v["not_after"].name == "general_time") == (v["not_after"].native.year >= 2050)
print("CA profiles ok")
PY

# Audit trail of the ceremony.
check_eq "ceremony audit events" "ca.init key_generated key_generated cert_issued cert_issued key_generated audit.key_made arl.issued crl.issued crl.issued" \
  "$(sql "$CA" "SELECT group_concat(replace(replace(event,'ca.key_','key_'),'ca.cert_','cert_'),' ') FROM audit_log")"

# Refusals change nothing.
set +e
"$GCERT" ca init --dir "$CA" >/dev/null 2>&1; check_eq "init over an existing directory: exit 5" 5 $?
check_eq "existing CA untouched" "$pin" "$(cat "$CA/token/user.pin")"
# ca status on an empty directory suggests ca init, and ca init then works there (issue 17 item 11)
mkdir -m 750 "$T/empty"
out=$("$GCERT" ca status --dir "$T/empty" 2>&1); check_eq "status of an empty directory: exit 5" 5 $?
check_contains "suggests ca init" "gcert ca init --dir $T/empty" "$out"
"$GCERT" ca init --dir "$T/empty" --module /nonexistent.so --pin-file "$CA/token/user.pin" >/dev/null 2>&1
check_eq "a ceremony that fails midway: refused" 1 $(( $? != 0 ))
check_eq "leaves the empty directory as it was" "750 0" "$(stat -c %a "$T/empty") $(ls -A "$T/empty" | wc -l)"
check "the suggested ca init works in the empty directory" "$GCERT" ca init --dir "$T/empty"
out=$("$GCERT" ca status --dir "$T/empty" 2>&1)
check_contains "and makes a CA there" "Hongkong Post Root CA 2" "$out"
check_contains "whose only warning is the CRL schedule not running yet" "1 warning(s)" "$out"
mkdir "$T/full" && touch "$T/full/x"
"$GCERT" ca init --dir "$T/full" >/dev/null 2>&1; check_eq "a directory with files: refused" 5 $?
check_eq "its files untouched" "x" "$(ls "$T/full")"
"$GCERT" ca init --dir "$T/bad" --module /nonexistent.so --pin-file "$CA/token/user.pin" >/dev/null 2>&1
check_eq "unloadable module: token error" 6 $?
check "a failed ceremony leaves no directory" test ! -e "$T/bad"
"$GCERT" ca init --dir "$T/bad2" --root-years 26 >/dev/null 2>&1; check_eq "root over 25 years refused" 2 $?
check "refused before anything was made" test ! -e "$T/bad2"
set -e

# Names and validity come from the config: a changeover CA name.
"$GCERT" ca init --dir "$T/ca23" --issuing-cn "Hongkong Post e-Cert CA 2 - 23" --issuing-years 5 >/dev/null
"$GCERT" ca certs --dir "$T/ca23" --out-dir "$T/trust23"
check_contains "issuing CN from options" "CN = Hongkong Post e-Cert CA 2 - 23" \
  "$(openssl x509 -in "$T/trust23/issuing-ca.pem" -noout -subject)"

# Any PKCS#11 module: an existing token made outside gcert.
export SOFTHSM2_CONF=$T/ext.conf
mkdir -p "$T/ext-tokens"
printf 'directories.tokendir = %s/ext-tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label ext-token --so-pin 87654321 --pin 12345678 >/dev/null
printf '12345678\n' >"$T/ext.pin"; chmod 600 "$T/ext.pin"
"$GCERT" ca init --dir "$T/ext" --module /usr/lib/softhsm/libsofthsm2.so --token-label ext-token \
  --pin-file "$T/ext.pin" >/dev/null
check "CA on an existing token issues its certificates" "$GCERT" ca certs --dir "$T/ext"
chmod 644 "$T/ext.pin"
set +e
"$GCERT" ca init --dir "$T/ext2" --module /usr/lib/softhsm/libsofthsm2.so --token-label ext-token \
  --pin-file "$T/ext.pin" >/dev/null 2>&1
check_eq "a world-readable PIN file is refused" 5 $?
set -e
unset SOFTHSM2_CONF
finish
