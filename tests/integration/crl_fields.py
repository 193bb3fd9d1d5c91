#!/usr/bin/python3
"""crl_fields.py - checks a CRL or ARL field by field with asn1crypto (not our code).

usage: crl_fields.py CRL.der ISSUER.pem KIND URL EXPECTED
  KIND      full | partition | arl
  URL       the partition URL its IDP must name (partition), or "-"
  EXPECTED  comma-separated serial:reason pairs (lower-case hex), or "-" for none
Prints the cRLNumber on success; exits 1 naming the first field that is wrong.
"""
import sys
from asn1crypto import crl as acrl, pem, x509
from datetime import timedelta

def fail(msg):
    print("crl_fields: " + msg, file=sys.stderr)
    sys.exit(1)

def check_der(b, depth=0):
    """DER rules for every TLV: minimal lengths, BOOLEAN TRUE is 0xff, minimal INTEGERs.
    (asn1crypto's re-encoding is no test: it normalises URI hosts to lower case.)"""
    i = 0
    while i < len(b):
        tag = b[i]; i += 1
        if tag & 0x1f == 0x1f:
            fail("high tag numbers are not used")
        n = b[i]; i += 1
        if n & 0x80:
            k = n & 0x7f
            if k == 0 or k > 4:
                fail("indefinite or oversized length")
            n = int.from_bytes(b[i:i + k], "big"); i += k
            if n < 0x80 or n >> (8 * (k - 1)) == 0:
                fail("length not in its shortest form")
        v = b[i:i + n]
        if len(v) != n:
            fail("truncated TLV")
        if tag == 0x01 and v not in (b"\xff", b"\x00"):
            fail("BOOLEAN not 00 or ff")
        if tag in (0x02, 0x0a) and len(v) > 1 and (v[0] == 0 and v[1] < 0x80 or v[0] == 0xff and v[1] >= 0x80):
            fail("INTEGER not minimal")
        if tag & 0x20:
            check_der(v, depth + 1)
        i += n

def main():
    path, issuer_path, kind, url, expected = sys.argv[1:6]
    der = open(path, "rb").read()
    if der[:1] != b"\x30":
        fail("not DER")
    check_der(der)
    cl = acrl.CertificateList.load(der, strict=True)
    raw = open(issuer_path, "rb").read()
    if pem.detect(raw):
        raw = pem.unarmor(raw)[2]
    issuer = x509.Certificate.load(raw)
    tbs = cl["tbs_cert_list"]
    if tbs["version"].native != "v2":
        fail("version is %s, App. C: X.509 v2" % tbs["version"].native)
    for alg in (tbs["signature"], cl["signature_algorithm"]):
        if alg["algorithm"].native != "sha256_rsa":
            fail("signature algorithm %s, App. C: sha256WithRSAEncryption" % alg["algorithm"].native)
        if alg["parameters"].native is not None:
            fail("sha256WithRSAEncryption parameters must be NULL")
    if tbs["issuer"].dump() != issuer.subject.dump():
        fail("issuer is not the issuer certificate's subject byte for byte")
    this, nxt = tbs["this_update"].native, tbs["next_update"].native
    if nxt is None or nxt <= this:
        fail("nextUpdate must follow thisUpdate")
    if kind != "arl" and nxt - this != timedelta(days=1):
        fail("nextUpdate - thisUpdate = %s, expected 1 day (App. C I daily)" % (nxt - this))
    if kind == "arl" and not (timedelta(days=365) <= nxt - this <= timedelta(days=366)):
        fail("ARL nextUpdate - thisUpdate = %s, expected a year (App. C II)" % (nxt - this))
    # extensions: AKI, cRLNumber, IDP (critical) in this order; nothing else
    for e in tbs["crl_extensions"]:
        check_der(e["extn_value"].contents)  # extension values are DER too
    for rc in tbs["revoked_certificates"]:
        for e in rc["crl_entry_extensions"]:
            check_der(e["extn_value"].contents)
    exts = [(e["extn_id"].native, e["critical"].native, e["extn_value"].parsed) for e in tbs["crl_extensions"]]
    names = [e[0] for e in exts]
    want = ["authority_key_identifier", "crl_number"] + (["issuing_distribution_point"] if kind != "full" else [])
    if names != want:
        fail("extensions %s, expected %s" % (names, want))
    aki = exts[0][2]
    if exts[0][1]:
        fail("AKI must not be critical")
    if aki["key_identifier"].native != issuer.key_identifier:
        fail("AKI keyIdentifier is not the issuer's subjectKeyIdentifier")
    dirs = [g.chosen for g in aki["authority_cert_issuer"]] if aki["authority_cert_issuer"].native else []
    if len(dirs) != 1 or dirs[0].untag().dump() != issuer.issuer.dump():
        fail("AKI authorityCertIssuer is not the DirName of the issuer certificate's issuer")
    if aki["authority_cert_serial_number"].native != issuer.serial_number:
        fail("AKI authorityCertSerialNumber is not the issuer certificate's serial")
    if exts[1][1]:
        fail("cRLNumber must not be critical")
    number = exts[1][2].native
    if not (0 < number < 2 ** 159):
        fail("cRLNumber %d outside 1..2^159-1" % number)
    if kind != "full":
        crit, idp = exts[2][1], exts[2][2]
        if not crit:
            fail("issuingDistributionPoint must be critical")
        if kind == "partition":
            # raw IA5 bytes: asn1crypto's .native lower-cases the host
            names = [g.chosen.contents.decode("ascii") for g in idp["distribution_point"].chosen] \
                if idp["distribution_point"].native else None
            if names != [url]:
                fail("IDP names %s, expected [%s]" % (names, url))
            if idp["only_contains_ca_certs"].native or idp["only_contains_user_certs"].native:
                fail("partition IDP must not restrict to CA or user certificates")
        else:
            if idp["distribution_point"].native is not None:
                fail("ARL IDP names a distribution point")
            if idp["only_contains_ca_certs"].native is not True:
                fail("ARL IDP onlyContainsCACerts must be TRUE")
            if idp["only_contains_user_certs"].native or idp["indirect_crl"].native:
                fail("ARL IDP onlyContainsUserCerts and indirectCRL must be FALSE")
            if idp.dump() != bytes.fromhex("30038201ff"):
                fail("ARL IDP DER is %s, expected 30038201ff (DEFAULT FALSE fields absent)" % idp.dump().hex())
    got = {}
    for rc in tbs["revoked_certificates"]:
        serial = "%040x" % rc["user_certificate"].native
        ext = [(e["extn_id"].native, e["critical"].native, e["extn_value"].parsed.native)
               for e in rc["crl_entry_extensions"]]
        if len(ext) != 1 or ext[0][0] != "crl_reason" or ext[0][1]:
            fail("entry %s: extensions %s, expected one non-critical reasonCode" % (serial, ext))
        if serial in got:
            fail("entry %s listed twice" % serial)
        got[serial] = ext[0][2]
    names = ["unspecified", "key_compromise", "ca_compromise", "affiliation_changed", "superseded",
             "cessation_of_operation", "certificate_hold"]
    want_entries = {} if expected == "-" else {
        s.split(":")[0]: names[int(s.split(":")[1])] for s in expected.split(",")}
    if got != want_entries:
        fail("entries %s, expected %s" % (got, want_entries))
    print(number)

main()
