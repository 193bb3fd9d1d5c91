#!/usr/bin/python3
"""key_scan.py - issue 15, no private key outside a token: walks every file under the
directories given and reports anything that parses as a private key: a PEM block of any
"... PRIVATE KEY" kind (PKCS#8, encrypted PKCS#8, PKCS#1 RSA, EC), or DER PKCS#8
PrivateKeyInfo or PKCS#1 RSAPrivateKey found at any offset of the file (so a key stored in
a database page, a tar or any other container is found as well). Exit status 1 and one
line per find; 0 when there is none. Parsing is asn1crypto's, strict, fully decoded.
    key_scan.py DIR...
"""
import os
import re
import sys

from asn1crypto import keys

PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----")
# a DER SEQUENCE with a 1-, 2- or 3-octet long form length, then INTEGER 0 (the version of
# both PKCS#8 and PKCS#1), then for PKCS#8 the AlgorithmIdentifier SEQUENCE, for PKCS#1 the
# modulus INTEGER
DER_START = re.compile(rb"\x30(?:\x81.|\x82..|\x83...)\x02\x01\x00[\x30\x02]", re.S)


def der_key(data, at):
    """The kind of private key whose DER starts at offset at, or None."""
    head = data[at + 1]
    n = head & 0x7F
    length = int.from_bytes(data[at + 2:at + 2 + n], "big")
    blob = data[at:at + 2 + n + length]
    if len(blob) < 2 + n + length:
        return None
    for kind, cls in (("PKCS#8 PrivateKeyInfo", keys.PrivateKeyInfo), ("PKCS#1 RSAPrivateKey", keys.RSAPrivateKey)):
        try:
            k = cls.load(blob, strict=True)
            k.native  # decodes every field: a structure that only looks like one fails here
            if cls is keys.PrivateKeyInfo:
                k["private_key"].parsed.native
            return kind
        except Exception:
            continue
    return None


def scan_file(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return ["%s: unreadable (%s)" % (path, e.strerror)]
    found = ["%s: PEM %s at offset %d" % (path, m.group(1).decode(), m.start()) for m in PEM.finditer(data)]
    for m in DER_START.finditer(data):
        kind = der_key(data, m.start())
        if kind:
            found.append("%s: DER %s at offset %d" % (path, kind, m.start()))
    return found


def main(dirs):
    found, files = [], 0
    for d in dirs:
        if not os.path.isdir(d):
            print("key_scan: %s: not a directory" % d, file=sys.stderr)
            return 2
        for root, _, names in os.walk(d):
            for name in names:
                p = os.path.join(root, name)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                files += 1
                found += scan_file(p)
    for f in found:
        print(f)
    print("key_scan: %d files, %d private keys" % (files, len(found)), file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) if len(sys.argv) > 1 else 2)
