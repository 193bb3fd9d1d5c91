#!/usr/bin/env bash
# make_seeds.sh - regenerates the committed seed corpora of the fuzz harnesses
# (tests/fuzz/corpus/{csr,request,lint}): good objects and hostile ones - wrong key
# types and sizes, bad signatures, trailing bytes, non-canonical DER, huge lengths,
# malformed JSON. Needs a built gcert (GCERT=path) for the certificate seeds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
GCERT=${GCERT:?GCERT must name a gcert binary}
PY=/usr/bin/python3
out=$here/corpus
rm -rf "$out"; mkdir -p "$out/csr" "$out/request" "$out/lint"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T"

csr() { # csr NAME KEYOPTS...: a CSR DER for a new key
  local name=$1; shift
  openssl genpkey "$@" -out $name.key 2>/dev/null
  openssl req -new -key $name.key -subj "/CN=ignored" -outform DER -out $name.der 2>/dev/null
}
seed() { # seed DIR NAME MODEBYTE FILE
  { printf "\\x$3"; cat "$4"; } >"$out/$1/$2"
}
csr rsa2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
csr rsa1024 -algorithm RSA -pkeyopt rsa_keygen_bits:1024
csr rsa4096 -algorithm RSA -pkeyopt rsa_keygen_bits:4096
csr rsa2048e3 -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3
csr ecp256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
csr ed25519 -algorithm ED25519
csr rsapss -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048
for k in rsa2048 rsa1024 rsa4096 rsa2048e3 ecp256 ed25519 rsapss; do seed csr $k.der 00 $k.der; done
openssl req -in rsa2048.der -inform DER -out rsa2048.pem
seed csr good.pem 01 rsa2048.pem
$PY - rsa2048.der <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
def w(name, b): open(name, 'wb').write(bytes(b))
bad = bytearray(d); bad[-1] ^= 1; w('badsig.der', bad)
w('trailing.der', d + b'\x00')
assert d[1] == 0x82
w('longlen.der', b'\x30\x83\x00' + d[2:])                     # non-minimal length
w('indef.der', b'\x30\x80' + d[4:] + b'\x00\x00')             # indefinite length
w('huge.der', b'\x30\x84\xff\xff\xff\xff' + d[4:])            # length past the end
w('hugeinner.der', d[:4] + b'\x30\x84\x7f\xff\xff\xff' + d[8:])
w('truncated.der', d[:len(d) // 2])
w('empty.der', b'')
PY
for f in badsig trailing longlen indef huge hugeinner truncated empty; do seed csr $f.der 00 $f.der; done
{ echo "-----BEGIN CERTIFICATE REQUEST-----"; echo "Proc-Type: 4,ENCRYPTED"; echo; sed '1d;$d' rsa2048.pem; echo "-----END CERTIFICATE REQUEST-----"; } >hdr.pem
cat rsa2048.pem rsa2048.pem >two.pem
sed 's/CERTIFICATE REQUEST/CERTIFICATE/' rsa2048.pem >label.pem
{ cat rsa2048.pem; echo "junk"; } >after.pem
for f in hdr two label after; do seed csr $f.pem 01 $f.pem; done

# requests
$PY - "$out/request" rsa2048.pem <<'PY'
import json, os, sys
d, csr = sys.argv[1], open(sys.argv[2]).read()
base = {"id": "req-0001", "type": "issue", "cert_type": "individual", "validity_years": 2,
        "subject": {"name": "CHAN Tai Man David", "email": "tmchan@example.gov.hk",
                    "branch": "Infrastructure Division",
                    "organisation": "Office of the Government Chief Information Officer",
                    "branch_abbr": "INFRA", "branch_zh": "基礎設施科",
                    "organisation_zh": "政府資訊科技總監辦公室", "category": "Civil Servant"},
        "csr": csr}
def put(name, obj=None, raw=None):
    data = raw if raw is not None else json.dumps(obj, ensure_ascii=False).encode()
    open(os.path.join(d, name), 'wb').write(data)
def variant(name, f):
    r = json.loads(json.dumps(base)); f(r); put(name, r)
put('good.json', base)
variant('fu_no_email.json', lambda r: (r.update(cert_type='functional_unit'), r['subject'].pop('email')))
variant('no_csr.json', lambda r: r.pop('csr'))
variant('type_revoke.json', lambda r: r.update(type='revoke'))
variant('validity0.json', lambda r: r.update(validity_years=0))
variant('validity4.json', lambda r: r.update(validity_years=4))
variant('validity_str.json', lambda r: r.update(validity_years="2"))
variant('validity_big.json', lambda r: r.update(validity_years=2**62))
variant('unknown_key.json', lambda r: r.update(extra=1))
variant('cn_65.json', lambda r: r['subject'].update(name='CHAN ' + 'a' * 60))
variant('bad_email.json', lambda r: r['subject'].update(email='a@@b'))
variant('bad_id.json', lambda r: r.update(id='req/0001'))
variant('nul_name.json', lambda r: r['subject'].update(name='CHAN Tai\u0000Man'))
variant('lower_surname.json', lambda r: r['subject'].update(name='Chan Tai Man'))
variant('subject_array.json', lambda r: r.update(subject=[]))
put('dup_key.json', raw=b'{"id":"a","id":"b"}')
put('deep.json', raw=b'[' * 5000 + b']' * 5000)
put('bad_utf8.json', raw=json.dumps(base).encode().replace(b'CHAN Tai', b'CHAN \xff\xfe'))
put('array.json', raw=b'[]')
put('empty.json', raw=b'')
put('truncated.json', raw=json.dumps(base).encode()[:200])
PY

# lint: certificates, TBS, CRLs, issuers
"$GCERT" ca init --dir ca >/dev/null
cp rsa2048.pem sub.csr
$PY - sub.csr <<'PY'
import json
r = {"id": "s1", "type": "issue", "cert_type": "individual", "validity_years": 2,
     "subject": {"name": "CHAN Tai Man David", "email": "tmchan@example.gov.hk",
                 "branch": "Infrastructure Division", "organisation": "OGCIO",
                 "branch_abbr": "INFRA", "branch_zh": "基礎設施科",
                 "organisation_zh": "政府資訊科技總監辦公室", "category": "Civil Servant"},
     "csr": open("sub.csr").read()}
open("req.json", "w").write(json.dumps(r, ensure_ascii=False))
PY
"$GCERT" issue --dir ca --request req.json --out ee.pem >/dev/null
"$GCERT" ca certs --dir ca --out-dir trust >/dev/null
openssl x509 -in ee.pem -outform DER -out ee.der
openssl x509 -in trust/issuing-ca.pem -outform DER -out ica.der
openssl x509 -in trust/root.pem -outform DER -out root.der
$PY - <<'PY'
from asn1crypto import x509
c = x509.Certificate.load(open('ee.der', 'rb').read())
open('tbs.der', 'wb').write(c['tbs_certificate'].dump())
PY
seed lint ee 00 ee.der; seed lint ica 00 ica.der; seed lint root 00 root.der
seed lint tbs 01 tbs.der; seed lint issuer 03 ica.der
openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ck.key -out ck.pem -days 30 \
  -subj "/C=HK/ST=Hong Kong/L=Hong Kong/O=Hongkong Post/CN=Hongkong Post e-Cert CA 2 - 17" 2>/dev/null
printf 'R\t301231000000Z\t261101000000Z,keyCompromise\t4111111111111111111111111111111111111111\tunknown\t/CN=a\n' >idx
echo 1000 >num
cat >crl.cnf <<'CNF'
[ ca ]
default_ca = this
[ this ]
database = idx
crlnumber = num
certificate = ck.pem
private_key = ck.key
default_md = sha256
default_crl_days = 1
crl_extensions = ext
[ ext ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical, @idp
[ idp ]
fullname = URI:http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL2.crl
CNF
openssl ca -gencrl -config crl.cnf -out crl.pem 2>/dev/null
openssl crl -in crl.pem -outform DER -out crl.der
seed lint crl 02 crl.der
$PY - ee.der <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
open('ee_trail.der', 'wb').write(d + b'\x00')
open('ee_huge.der', 'wb').write(b'\x30\x84\xff\xff\xff\xff' + d[4:])
PY
seed lint ee_trail 00 ee_trail.der; seed lint ee_huge 00 ee_huge.der
echo "seeds: $(ls "$out/csr" | wc -l) csr, $(ls "$out/request" | wc -l) request, $(ls "$out/lint" | wc -l) lint"
