#!/usr/bin/python3
"""check_profile.py CERT ISSUING_CA ROOT REQUEST.json SUBSCRIBER_REF

Checks a g-Cert against SPEC §2.1 (CPS App. B) field by field, reading the DER with
asn1crypto (not with gcert's own code). Prints one line per failed check and exits 1 on
any; prints the number of checks on success.
"""
import hashlib
import json
import sys

from asn1crypto import pem, x509

failures = []
checks = 0


def check(what, cond, detail=""):
    global checks
    checks += 1
    if not cond:
        failures.append(f"{what} {detail}".strip())


def load(path):
    data = open(path, "rb").read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data), data


TAGS = {12: "UTF8String", 19: "PrintableString", 22: "IA5String", 20: "T61String", 30: "BMPString"}


def der_canonical(data, depth=0):
    """Walks DER: definite, minimal lengths; single-byte tags; nothing left over."""
    i = 0
    while i < len(data):
        tag = data[i]
        if tag & 0x1F == 0x1F or i + 1 >= len(data):
            return False
        first = data[i + 1]
        if first < 0x80:
            length, hdr = first, 2
        else:
            n = first & 0x7F
            if n == 0 or n > 4 or i + 2 + n > len(data) or data[i + 2] == 0:
                return False
            length = int.from_bytes(data[i + 2:i + 2 + n], "big")
            if length < 0x80:
                return False
            hdr = 2 + n
        body = data[i + hdr:i + hdr + length]
        if len(body) != length:
            return False
        if tag & 0x20 and not der_canonical(body, depth + 1):
            return False
        if tag == 0x01 and body not in (b"\x00", b"\xff"):
            return False
        i += hdr + length
    return True


def rdns(name):
    """[(oid, string tag name, value)] per RDN, in DER order; one attribute per RDN."""
    out = []
    for rdn in name.chosen:
        check("name: one attribute per RDN", len(rdn) == 1)
        atv = rdn[0]
        val = atv["value"]
        inner = val.chosen if hasattr(val, "chosen") else val
        out.append((atv["type"].dotted, TAGS.get(inner.tag, str(inner.tag)), inner.native))
    return out


cert, cert_der = load(sys.argv[1])
ca, _ = load(sys.argv[2])
root, _ = load(sys.argv[3])
req = json.load(open(sys.argv[4], encoding="utf-8"))
ref = sys.argv[5]
subj = req["subject"]
individual = req["cert_type"] == "individual"
email = subj.get("email") or None
tbs = cert["tbs_certificate"]

# version, serial, signature
check("version is v3", tbs["version"].native == "v3")
serial_content = tbs["serial_number"].contents
check("serial: 20 octets", len(serial_content) == 20, f"(got {len(serial_content)})")
check("serial: positive", serial_content[0] < 0x80)
check("serial: no leading zero", serial_content[0] != 0)
for where, alg in (("tbs", tbs["signature"]), ("outer", cert["signature_algorithm"])):
    check(f"{where} signature: sha256WithRSAEncryption", alg["algorithm"].dotted == "1.2.840.113549.1.1.11")
    check(f"{where} signature: NULL parameters", alg["parameters"].dump() == b"\x05\x00")

# issuer = issuing CA subject, byte for byte
check("issuer equals the issuing CA subject byte for byte", tbs["issuer"].dump() == ca["tbs_certificate"]["subject"].dump())
check("issuer RDNs", [(o, t, v) for o, t, v in rdns(tbs["issuer"])] == [
    ("2.5.4.6", "PrintableString", "HK"), ("2.5.4.8", "PrintableString", "Hong Kong"),
    ("2.5.4.7", "PrintableString", "Hong Kong"), ("2.5.4.10", "PrintableString", "Hongkong Post"),
    ("2.5.4.3", "PrintableString", "Hongkong Post e-Cert CA 2 - 17")], str(rdns(tbs["issuer"])))

# validity: UTCTime, N calendar years
nb, na = tbs["validity"]["not_before"], tbs["validity"]["not_after"]
check("notBefore is UTCTime", nb.name == "utc_time")
check("notAfter is UTCTime", na.name == "utc_time")
years = req["validity_years"]
a, b = nb.native, na.native
exp_year = a.year + years
check("validity: years", b.year == exp_year and b.month == a.month and
      (b.day == a.day or (a.month == 2 and a.day == 29 and b.day == 28)) and b.time() == a.time(),
      f"{a} .. {b}")
check("validity inside the issuing CA's", b <= ca["tbs_certificate"]["validity"]["not_after"].native)

# subject, DER order (App. B lists it most specific first)
o_value = "Hongkong Post g-Cert (Individual)" if individual else "Hongkong Post g-Cert (Functional Unit)"
expect = [("2.5.4.6", "PrintableString", "HK"), ("2.5.4.10", "PrintableString", o_value),
          ("2.5.4.11", "PrintableString", ref), ("2.5.4.11", "UTF8String", subj["branch_abbr"]),
          ("2.5.4.11", "UTF8String", subj["organisation"]), ("2.5.4.11", "UTF8String", subj["branch"])]
if email:
    expect.append(("1.2.840.113549.1.9.1", "IA5String", email))
expect.append(("2.5.4.3", "UTF8String", subj["name"]))
got = rdns(tbs["subject"])
check("subject RDNs in order with string types", got == expect, f"\n  got    {got}\n  expect {expect}")
check("subscriber reference: 10 digits", len(ref) == 10 and ref.isdigit())

# key
spki = tbs["subject_public_key_info"]
check("key: rsaEncryption", spki["algorithm"]["algorithm"].native == "rsa")
check("key: 2048 bits", spki["public_key"].parsed["modulus"].native.bit_length() == 2048)
check("key: e = 65537", spki["public_key"].parsed["public_exponent"].native == 65537)
check("no issuerUniqueID", not tbs["issuer_unique_id"].contents)
check("no subjectUniqueID", not tbs["subject_unique_id"].contents)

# extensions, in App. B order, with criticality
exts = [(e["extn_id"].dotted, e["critical"].native) for e in tbs["extensions"]]
check("extensions in App. B order with criticality", exts == [
    ("2.5.29.35", False), ("2.5.29.15", True), ("2.5.29.32", False), ("2.5.29.17", False),
    ("2.5.29.19", False), ("2.5.29.37", False), ("2.5.29.31", False), ("2.5.29.14", False)], str(exts))
ext = {e["extn_id"].dotted: e["extn_value"].parsed for e in tbs["extensions"]}

aki = ext["2.5.29.35"]
ca_ski = [e for e in ca["tbs_certificate"]["extensions"] if e["extn_id"].dotted == "2.5.29.14"][0]["extn_value"].parsed.native
check("AKI keyIdentifier = issuing CA SKI", aki["key_identifier"].native == ca_ski)
issuers = aki["authority_cert_issuer"]
check("AKI authorityCertIssuer: one directoryName", len(issuers) == 1 and issuers[0].name == "directory_name")
check("AKI authorityCertIssuer = root DN", issuers[0].chosen.untag().dump() == root["tbs_certificate"]["subject"].dump())
check("AKI authorityCertSerialNumber = issuing CA serial",
      aki["authority_cert_serial_number"].native == ca["tbs_certificate"]["serial_number"].native)

ku = set(ext["2.5.29.15"].native)
want_ku = {"digital_signature", "key_encipherment"} | ({"non_repudiation"} if individual else set())
check("keyUsage bits", ku == want_ku, f"{ku} != {want_ku}")

pols = ext["2.5.29.32"]
check("one policy", len(pols) == 1)
check("policy OID 1.3.6.1.4.1.16030.1.8.2", pols[0]["policy_identifier"].dotted == "1.3.6.1.4.1.16030.1.8.2")
quals = pols[0]["policy_qualifiers"]
check("one qualifier: CPS URI", len(quals) == 1 and quals[0]["policy_qualifier_id"].native == "certification_practice_statement")
check("CPS URI", quals[0]["qualifier"].native == "http://www.eCert.gov.hk")

san = ext["2.5.29.17"]
check("SAN: directoryName first", san[0].name == "directory_name")
check("SAN directoryName RDNs (DER order)", rdns(san[0].chosen) == [
    ("2.5.4.11", "UTF8String", subj["organisation_zh"]), ("2.5.4.11", "UTF8String", subj["branch_zh"]),
    ("2.5.4.11", "UTF8String", subj["category"])], str(rdns(san[0].chosen)))
if email:
    check("SAN: rfc822Name = email, nothing else", len(san) == 2 and san[1].name == "rfc822_name" and san[1].native == email)
else:
    check("SAN: no rfc822Name without an email", len(san) == 1)

bc_der = [e for e in tbs["extensions"] if e["extn_id"].dotted == "2.5.29.19"][0]["extn_value"].contents
check("basicConstraints: end entity, no pathLen (30 00)", bc_der == b"\x30\x00", bc_der.hex())
check("extKeyUsage: clientAuth, emailProtection", [o.dotted for o in ext["2.5.29.37"]] == ["1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4"])
dps = ext["2.5.29.31"]
check("one CRL distribution point", len(dps) == 1)
check("CRL DP fullName URI", dps[0]["distribution_point"].name == "full_name" and
      [g.contents for g in dps[0]["distribution_point"].chosen] == [b"http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL2.crl"])
check("CRL DP: no reasons, no cRLIssuer", not dps[0]["reasons"].contents and not dps[0]["crl_issuer"].contents)
ski = ext["2.5.29.14"].native
check("SKI = SHA-1 of subjectPublicKey", ski == hashlib.sha1(spki["public_key"].contents[1:]).digest())

# re-encoding the whole certificate gives the same bytes (canonical DER)
check("canonical DER (definite minimal lengths, DER booleans)", der_canonical(cert_der))

for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print(f"profile: {checks} checks passed")
