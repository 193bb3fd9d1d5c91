#!/usr/bin/env bash
# archive.sh - the archive bundle (CPS §4.6, §4.9): what it holds, that OpenSSL agrees
# with its signature, that `gcert archive verify` works with no CA (directory gone), and
# that every change to the bundle is caught and named.
source "$(dirname "$0")/lib.sh"

CA=$T/ca
new_ca "$CA"
for i in 1 2; do
  make_csr "$T/$i.key" "$T/$i.csr"
  make_request "$T/$i.json" "req-$i" individual 1 "$T/$i.csr"
  "$GCERT" issue --dir "$CA" --request "$T/$i.json" --out "$T/$i.pem" >/dev/null
done
# real CRLs (archived rows and published files), and a local CPS version
"$GCERT" crl issue --dir "$CA" >/dev/null
mkdir -p "$CA/data/cps"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/x.key" -subj "/CN=x" -out "$T/x.pem" 2>/dev/null
printf 'CPS 2020-01-01 text\n' >"$CA/data/cps/cps-2020-01-01.txt"

out=$("$GCERT" archive export --dir "$CA" --out "$T/a.tar" --json)
# (4 more than before issue 16: the key ceremony's ARL and CRLs, archived and published)
check_eq "export: items (manifest and signature apart)" 18 "$(json_field items <<<"$out")"
list=$(tar tf "$T/a.tar" | sort)
for s in $(sql "$CA" "SELECT serial FROM certificates WHERE status='issued'"); do
  check_contains "certificate $s archived" "certs/issued/$s.der" "$list"
done
for f in certs/ca/1-root- certs/ca/2-issuing- crls/issued/1-arl-1.crl crls/issued/2-full-1.crl crls/issued/3-partition-2.crl \
         crls/published/eCertCA2-17CRL1.crl crls/published/eCertCA2-17CRL2.crl \
         cps/local/cps-2020-01-01.txt config/gcert.json \
         cps/gcert-cps-2020-01-01.zh-Hant.txt \
         audit/records.jsonl audit/checkpoints.jsonl audit/keys/1.der manifest.json manifest.p7; do
  check_contains "archived: $f" "$f" "$list"
done
check "the CPS built into the program is archived byte for byte" bash -c \
  "tar xOf $T/a.tar cps/gcert-cps-2020-01-01.zh-Hant.txt | cmp - $GCERT_SRC/data/cps/gcert-cps-2020-01-01.zh-Hant.txt"
check "never the PIN or the token" bash -c "! tar tf $T/a.tar | grep -E 'pin|token|gcert.db'"
mkdir "$T/x"; tar xf "$T/a.tar" -C "$T/x"
check "archived certificate is the one issued" cmp <(openssl x509 -in "$T/1.pem" -outform DER) \
  "$T/x/certs/issued/$(openssl x509 -in "$T/1.pem" -noout -serial | cut -d= -f2 | tr A-F a-f).der"
check_eq "archive export audited" 1 "$(sql "$CA" "SELECT count(*) FROM audit_log WHERE event='archive.exported'")"
check_eq "the bundle's trail includes its own export" archive.exported \
  "$(tail -1 "$T/x/audit/records.jsonl" | json_field event)"
# OpenSSL checks the signature, with signingTime, by the audit key (not a CA key)
sql "$CA" "SELECT hex(der) FROM audit_keys WHERE id=1" | xxd -r -p | openssl x509 -inform DER -out "$T/audit.pem"
check "openssl verifies the manifest signature" openssl cms -verify -binary -inform DER \
  -in "$T/x/manifest.p7" -CAfile "$T/audit.pem" -purpose any -out "$T/signed.json"
check "signed content is manifest.json" cmp "$T/signed.json" "$T/x/manifest.json"
check_contains "signingTime present" "signingTime" "$(openssl cms -cmsout -print -inform DER -in "$T/x/manifest.p7")"
check_contains "signer is the audit key" "CN=gcert audit key" \
  "$(openssl cms -cmsout -print -inform DER -in "$T/x/manifest.p7" | grep -m1 'subject:' ) $(openssl x509 -in "$T/audit.pem" -noout -subject)"
check "each item has a time" bash -c "$PY -c 'import json,sys; m=json.load(open(\"$T/x/manifest.json\")); sys.exit(0 if all(i[\"time\"].endswith(\"Z\") for i in m[\"items\"]) else 1)'"

# verification with no CA around
mv "$CA" "$T/ca.away"
check "verify on its own" "$GCERT" archive verify "$T/a.tar"
check "verify with the audit key pinned" "$GCERT" archive verify "$T/a.tar" --cert "$T/audit.pem"
check_eq "verify --json: audit records" "$(wc -l <"$T/x/audit/records.jsonl")" \
  "$("$GCERT" archive verify "$T/a.tar" --json | json_field audit_records)"
set +e
msg=$("$GCERT" archive verify "$T/a.tar" --cert "$T/x.pem" 2>&1); rc=$?
set -e
check_eq "another certificate pinned: exit 3" 3 "$rc"
check_contains "signature refused" "manifest signature does not verify with the given certificate" "$msg"
mv "$T/ca.away" "$CA"
set +e
"$GCERT" archive export --dir "$CA" --out "$T/a.tar" >/dev/null 2>&1; check_eq "never overwrites" 5 $?
set -e

# ---- tampering: rebuild the tar with one change ----
# edit BUNDLE OUT NAME PYTHON-EXPR-ON-DATA ("None" removes; NAME new adds)
edit() {
  "$PY" - "$@" <<'PY'
import io, sys, tarfile
src, dst, name, expr = sys.argv[1:5]
tin = tarfile.open(src); tout = tarfile.open(dst, "w", format=tarfile.USTAR_FORMAT)
seen = False
for m in tin.getmembers():
    data = tin.extractfile(m).read()
    if m.name == name:
        seen = True
        data = eval(expr)
        if data is None:
            continue
    m.size = len(data); tout.addfile(m, io.BytesIO(data))
if not seen:
    m = tarfile.TarInfo(name); data = eval(expr); m.size = len(data); tout.addfile(m, io.BytesIO(data))
tout.close()
PY
}
caught() { # caught WHAT FILE EXPECTED [--cert F]
  local what=$1 file=$2 needle=$3; shift 3
  set +e
  msg=$("$GCERT" archive verify "$file" "$@" 2>&1); rc=$?
  set -e
  check_eq "$what: exit 3" 3 "$rc"
  check_contains "$what: named" "$needle" "$msg"
}
cert1=$(tar tf "$T/a.tar" | grep certs/issued | head -1)
edit "$T/a.tar" "$T/t1.tar" "$cert1" "data[:-1] + bytes([data[-1] ^ 1])"
caught "certificate altered" "$T/t1.tar" "$cert1: SHA-256 does not match the manifest (altered)"
edit "$T/a.tar" "$T/t2.tar" "$cert1" "None"
caught "certificate removed" "$T/t2.tar" "$cert1: listed in the manifest but missing (removed)"
edit "$T/a.tar" "$T/t3.tar" "certs/issued/evil.der" "b'not a certificate'"
caught "item added" "$T/t3.tar" "certs/issued/evil.der: not in the signed manifest (added)"
edit "$T/a.tar" "$T/t4.tar" "manifest.json" "data.replace(b'gcert-archive/1', b'gcert-archive/2')"
caught "manifest edited" "$T/t4.tar" "manifest.json differs from the signed manifest (altered)"
edit "$T/a.tar" "$T/t5.tar" "manifest.p7" "data[:-3] + bytes([data[-3] ^ 0x40]) + data[-2:]"
caught "signature altered" "$T/t5.tar" "manifest signature does not verify"
edit "$T/a.tar" "$T/t6.tar" "audit/records.jsonl" "data.replace(b'req-1', b'req-X', 1)"
caught "audit record altered" "$T/t6.tar" "audit/records.jsonl: SHA-256 does not match the manifest"

# a forger swaps a certificate, fixes the manifest and signs it with a key of his own
openssl x509 -in "$T/x.pem" -outform DER -out "$T/x.der"
edit "$T/a.tar" "$T/t7.tar" "$cert1" "open('$T/x.der', 'rb').read()"
mkdir "$T/f"; tar xf "$T/t7.tar" -C "$T/f"
"$PY" - "$T/f" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
for it in m["items"]:
    data = open(d + "/" + it["name"], "rb").read()
    it["sha256"] = hashlib.sha256(data).hexdigest(); it["size"] = len(data)
open(d + "/manifest.json", "w").write(json.dumps(m, indent=2))
PY
openssl cms -sign -binary -nodetach -outform DER -in "$T/f/manifest.json" -signer "$T/x.pem" \
  -inkey "$T/x.key" -out "$T/f/manifest.p7"
(cd "$T/f" && tar cf "$T/t8.tar" --format=ustar $(tar tf "$T/t7.tar"))
caught "forged manifest, forger's key" "$T/t8.tar" "the manifest signer is not the audit key that signed the checkpoints"
caught "forged manifest, audit key pinned" "$T/t8.tar" "does not verify with the given certificate" --cert "$T/audit.pem"
# ... and also puts his certificate in place of the audit key's: the checkpoints betray him
openssl x509 -in "$T/x.pem" -outform DER -out "$T/f/audit/keys/1.der"
"$PY" - "$T/f" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
for it in m["items"]:
    data = open(d + "/" + it["name"], "rb").read()
    it["sha256"] = hashlib.sha256(data).hexdigest(); it["size"] = len(data)
open(d + "/manifest.json", "w").write(json.dumps(m, indent=2))
PY
openssl cms -sign -binary -nodetach -outform DER -in "$T/f/manifest.json" -signer "$T/x.pem" \
  -inkey "$T/x.key" -out "$T/f/manifest.p7"
(cd "$T/f" && tar cf "$T/t9.tar" --format=ustar $(tar tf "$T/t7.tar"))
caught "forged manifest and audit key" "$T/t9.tar" "archive: audit trail: checkpoint 1: signature does not verify"
head -c 5000 "$T/a.tar" >"$T/short.tar"
caught "truncated bundle" "$T/short.tar" "archive:"
finish
