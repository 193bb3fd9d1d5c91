/*
 * certbuild.c - TBSCertificate from profile data (CPS App. B) and for CA certificates
 * (App. G). Extensions appear in App. B order; subjectKeyIdentifier (RFC 5280 §4.2.1.2)
 * is our addition, last.
 */
#include "x509/certbuild.h"

#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "core/cps.h"
#include "x509/der.h"
#include "x509/derbuf.h"
#include "x509/name.h"

bool gc_cert_fast_path = true;

gc_result gc_serial_random(unsigned char *serial)
{
	if (RAND_bytes(serial, CPS_SERIAL_OCTETS) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "serial: CSPRNG failed");
	/* App. B: a positive INTEGER whose content is exactly 20 octets: top bit clear
	 * (positive), first octet non-zero (no leading zero to strip). 159 random bits less
	 * the first-octet rule, well above CA/B Forum's 64. */
	serial[0] &= 0x7f;
	if (serial[0] == 0)
		serial[0] = 0x01 + (serial[1] % 0x7f);
	return GC_OK;
}

static gc_result set_common(X509 *x, const unsigned char *serial, int64_t nb, int64_t na)
{
	ASN1_INTEGER *sn = NULL;
	BIGNUM *bn = NULL;
	ASN1_TIME *t = NULL;
	gc_result rc = GC_OK;

	GC_SSL_OUT(rc, X509_set_version(x, X509_VERSION_3), GC_E_INTERNAL, "tbs: version");
	GC_NOMEM_OUT(rc, bn = BN_bin2bn(serial, CPS_SERIAL_OCTETS, NULL));
	GC_NOMEM_OUT(rc, sn = BN_to_ASN1_INTEGER(bn, NULL));
	GC_SSL_OUT(rc, X509_set_serialNumber(x, sn), GC_E_INTERNAL, "tbs: serialNumber");
	/* RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; OpenSSL picks. */
	GC_NOMEM_OUT(rc, t = ASN1_TIME_set(NULL, (time_t)nb));
	GC_SSL_OUT(rc, X509_set1_notBefore(x, t), GC_E_INTERNAL, "tbs: notBefore");
	GC_NOMEM_OUT(rc, ASN1_TIME_set(t, (time_t)na));
	GC_SSL_OUT(rc, X509_set1_notAfter(x, t), GC_E_INTERNAL, "tbs: notAfter");
out:
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	return rc;
}

static gc_result add_ext(X509 *x, int nid, void *value, int crit, const char *what)
{
	if (X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_APPEND) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "tbs: %s", what);
	return GC_OK;
}

static gc_result add_key_usage(X509 *x, unsigned mask)
{
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	gc_result rc = GC_OK;
	int bit;

	GC_NOMEM_OUT(rc, ku);
	for (bit = 0; bit < 8; bit++)
		if (mask & (0x80u >> bit))
			GC_SSL_OUT(rc, ASN1_BIT_STRING_set_bit(ku, bit, 1), GC_E_INTERNAL, "tbs: keyUsage");
	rc = add_ext(x, NID_key_usage, ku, 1, "keyUsage");
out:
	ASN1_BIT_STRING_free(ku);
	return rc;
}

static gc_result add_octets(X509 *x, int nid, const unsigned char *v, size_t n, const char *what)
{
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, os);
	GC_SSL_OUT(rc, ASN1_OCTET_STRING_set(os, v, (int)n), GC_E_INTERNAL, "tbs: %s", what);
	rc = add_ext(x, nid, os, 0, what);
out:
	ASN1_OCTET_STRING_free(os);
	return rc;
}

static gc_result add_basic_constraints(X509 *x, int ca, int pathlen, int crit)
{
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, bc);
	bc->ca = ca ? 0xff : 0;
	if (pathlen >= 0) {
		GC_NOMEM_OUT(rc, bc->pathlen = ASN1_INTEGER_new());
		GC_SSL_OUT(rc, ASN1_INTEGER_set(bc->pathlen, pathlen), GC_E_INTERNAL, "tbs: pathLen");
	}
	rc = add_ext(x, NID_basic_constraints, bc, crit, "basicConstraints");
out:
	BASIC_CONSTRAINTS_free(bc);
	return rc;
}

/* App. B AKI: keyIdentifier + authorityCertIssuer (root DN) + authorityCertSerialNumber. */
static gc_result add_aki_full(X509 *x, const struct gc_issuer *is)
{
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	GENERAL_NAME *gn = NULL;
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, akid);
	GC_NOMEM_OUT(rc, akid->keyid = ASN1_OCTET_STRING_new());
	GC_SSL_OUT(rc, ASN1_OCTET_STRING_set(akid->keyid, is->key_id, (int)is->key_id_len),
	           GC_E_INTERNAL, "tbs: AKI keyIdentifier");
	GC_NOMEM_OUT(rc, akid->issuer = GENERAL_NAMES_new());
	GC_NOMEM_OUT(rc, gn = GENERAL_NAME_new());
	gn->type = GEN_DIRNAME;
	GC_NOMEM_OUT(rc, gn->d.directoryName = X509_NAME_dup(X509_get_issuer_name(is->cert)));
	GC_SSL_OUT(rc, sk_GENERAL_NAME_push(akid->issuer, gn) > 0, GC_E_NOMEM, "tbs: AKI");
	gn = NULL;
	GC_NOMEM_OUT(rc, akid->serial = ASN1_INTEGER_dup(X509_get0_serialNumber(is->cert)));
	rc = add_ext(x, NID_authority_key_identifier, akid, 0, "authorityKeyIdentifier");
out:
	GENERAL_NAME_free(gn);
	AUTHORITY_KEYID_free(akid);
	return rc;
}

static gc_result add_aki_keyid(X509 *x, const unsigned char *key_id)
{
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, akid);
	GC_NOMEM_OUT(rc, akid->keyid = ASN1_OCTET_STRING_new());
	GC_SSL_OUT(rc, ASN1_OCTET_STRING_set(akid->keyid, key_id, 20), GC_E_INTERNAL, "tbs: AKI");
	rc = add_ext(x, NID_authority_key_identifier, akid, 0, "authorityKeyIdentifier");
out:
	AUTHORITY_KEYID_free(akid);
	return rc;
}

/* App. B certificatePolicies: the CPS OID with a CPS URI qualifier, no user notice. */
static gc_result add_policies(X509 *x, const char *cps_uri)
{
	CERTIFICATEPOLICIES *pols = sk_POLICYINFO_new_null();
	POLICYINFO *pi = NULL;
	POLICYQUALINFO *q = NULL;
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, pols);
	GC_NOMEM_OUT(rc, pi = POLICYINFO_new());
	GC_NOMEM_OUT(rc, pi->policyid = OBJ_txt2obj(CPS_POLICY_OID, 1));
	GC_NOMEM_OUT(rc, pi->qualifiers = sk_POLICYQUALINFO_new_null());
	GC_NOMEM_OUT(rc, q = POLICYQUALINFO_new());
	q->pqualid = OBJ_nid2obj(NID_id_qt_cps);
	GC_NOMEM_OUT(rc, q->d.cpsuri = ASN1_IA5STRING_new());
	GC_SSL_OUT(rc, ASN1_STRING_set(q->d.cpsuri, cps_uri, (int)strlen(cps_uri)), GC_E_INTERNAL,
	           "tbs: CPS URI");
	GC_SSL_OUT(rc, sk_POLICYQUALINFO_push(pi->qualifiers, q) > 0, GC_E_NOMEM, "tbs: policies");
	q = NULL;
	GC_SSL_OUT(rc, sk_POLICYINFO_push(pols, pi) > 0, GC_E_NOMEM, "tbs: policies");
	pi = NULL;
	rc = add_ext(x, NID_certificate_policies, pols, 0, "certificatePolicies");
out:
	POLICYQUALINFO_free(q);
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(pols);
	return rc;
}

static gc_result push_ia5_name(GENERAL_NAMES *gns, int type, const char *value)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();

	if (gn == NULL || s == NULL || ASN1_STRING_set(s, value, (int)strlen(value)) != 1) {
		GENERAL_NAME_free(gn);
		ASN1_IA5STRING_free(s);
		return gc_fail_ssl(GC_E_NOMEM, "tbs: general name");
	}
	GENERAL_NAME_set0_value(gn, type, s);
	if (sk_GENERAL_NAME_push(gns, gn) <= 0) {
		GENERAL_NAME_free(gn);
		return gc_fail_ssl(GC_E_NOMEM, "tbs: general name");
	}
	return GC_OK;
}

/* App. B subjectAltName: directoryName of Chinese names and category; rfc822Name. */
static gc_result add_san(X509 *x, const struct gc_ee_input *in)
{
	const struct gc_profile *p = in->profile;
	const char *values[8];
	GENERAL_NAMES *gns = GENERAL_NAMES_new();
	GENERAL_NAME *gn = NULL;
	X509_NAME *dn = NULL;
	gc_result rc = GC_OK;
	size_t i;

	GC_NOMEM_OUT(rc, gns);
	for (i = 0; i < p->san_dirname_len; i++)
		values[i] = in->fields[p->san_dirname[i].field];
	GC_GUARD_OUT(rc, gc_name_build(p->san_dirname, p->san_dirname_len, values, &dn));
	GC_NOMEM_OUT(rc, gn = GENERAL_NAME_new());
	GENERAL_NAME_set0_value(gn, GEN_DIRNAME, dn);
	dn = NULL;
	GC_SSL_OUT(rc, sk_GENERAL_NAME_push(gns, gn) > 0, GC_E_NOMEM, "tbs: subjectAltName");
	gn = NULL;
	if (p->san_rfc822 && in->fields[GC_F_EMAIL] != NULL && in->fields[GC_F_EMAIL][0] != '\0')
		GC_GUARD_OUT(rc, push_ia5_name(gns, GEN_EMAIL, in->fields[GC_F_EMAIL]));
	rc = add_ext(x, NID_subject_alt_name, gns, 0, "subjectAltName");
out:
	X509_NAME_free(dn);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(gns);
	return rc;
}

static gc_result add_eku(X509 *x, const char *const *oids)
{
	EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
	ASN1_OBJECT *o;
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, eku);
	for (; *oids != NULL; oids++) {
		GC_NOMEM_OUT(rc, o = OBJ_txt2obj(*oids, 1));
		if (sk_ASN1_OBJECT_push(eku, o) <= 0) {
			ASN1_OBJECT_free(o);
			rc = gc_fail_ssl(GC_E_NOMEM, "tbs: extKeyUsage");
			goto out;
		}
	}
	rc = add_ext(x, NID_ext_key_usage, eku, 0, "extKeyUsage");
out:
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return rc;
}

/* App. B cRLDistributionPoints: one fullName URI, the partitioned CRL (App. C I). */
static gc_result add_crl_dp(X509 *x, const char *url)
{
	CRL_DIST_POINTS *dps = sk_DIST_POINT_new_null();
	DIST_POINT *dp = NULL;
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, dps);
	GC_NOMEM_OUT(rc, dp = DIST_POINT_new());
	GC_NOMEM_OUT(rc, dp->distpoint = DIST_POINT_NAME_new());
	dp->distpoint->type = 0;
	GC_NOMEM_OUT(rc, dp->distpoint->name.fullname = GENERAL_NAMES_new());
	GC_GUARD_OUT(rc, push_ia5_name(dp->distpoint->name.fullname, GEN_URI, url));
	GC_SSL_OUT(rc, sk_DIST_POINT_push(dps, dp) > 0, GC_E_NOMEM, "tbs: cRLDistributionPoints");
	dp = NULL;
	rc = add_ext(x, NID_crl_distribution_points, dps, 0, "cRLDistributionPoints");
out:
	DIST_POINT_free(dp);
	CRL_DIST_POINTS_free(dps);
	return rc;
}

/*
 * OpenSSL offers no setter for TBSCertificate.signature outside X509_sign(), and our
 * signature is made in the token after the TBS is recorded. X509_get0_tbs_sigalg()
 * points into the X509 we own, so setting it is safe; i2d_re_X509_tbs re-encodes.
 */
static gc_result encode_tbs(X509 *x, unsigned char **tbs, size_t *tbssz)
{
	X509_ALGOR *alg = (X509_ALGOR *)X509_get0_tbs_sigalg(x);
	unsigned char *der = NULL;
	int len;

	if (X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256WithRSAEncryption), V_ASN1_NULL, NULL) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "tbs: signature algorithm");
	if ((len = i2d_re_X509_tbs(x, &der)) <= 0)
		return gc_fail_ssl(GC_E_INTERNAL, "tbs: encoding");
	*tbs = der;
	*tbssz = (size_t)len;
	return GC_OK;
}

/*
 * App. B subjectPublicKeyInfo: rsaEncryption with NULL parameters and the CSR's key bits.
 * Set directly: X509_set_pubkey() would run OpenSSL 3's key encoder, which costs more
 * than building the rest of the certificate.
 */
static gc_result set_rsa_spki(X509 *x, const unsigned char *bits, size_t len)
{
	unsigned char *copy = OPENSSL_malloc(len);

	if (copy == NULL)
		return gc_fail_ssl(GC_E_NOMEM, "tbs: subjectPublicKeyInfo");
	memcpy(copy, bits, len);
	if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(x), OBJ_nid2obj(NID_rsaEncryption),
	                           V_ASN1_NULL, NULL, copy, (int)len) != 1) {
		OPENSSL_free(copy);
		return gc_fail_ssl(GC_E_INTERNAL, "tbs: subjectPublicKeyInfo");
	}
	return GC_OK;
}

/* The subscriber TBS through OpenSSL's X509 object: the reference the DER path is tested
 * against, and the path for inputs the DER path does not take. */
static gc_result ee_tbs_x509(const struct gc_issuer *is, const struct gc_ee_input *in,
                             unsigned char **tbs, size_t *tbssz)
{
	const struct gc_profile *p = in->profile;
	const char *values[16];
	X509 *x = X509_new();
	X509_NAME *subject = NULL;
	gc_result rc = GC_OK;
	size_t i;

	GC_NOMEM_OUT(rc, x);
	GC_GUARD_OUT(rc, set_common(x, in->serial, in->not_before, in->not_after));
	GC_GUARD_OUT(rc, set_rsa_spki(x, in->key_bits, in->key_bits_len));
	GC_SSL_OUT(rc, X509_set_issuer_name(x, X509_get_subject_name(is->cert)), GC_E_INTERNAL,
	           "tbs: issuer");
	for (i = 0; i < p->subject_len; i++)
		values[i] = p->subject[i].field == GC_F_FIXED ? p->subject[i].fixed
		                                              : in->fields[p->subject[i].field];
	GC_GUARD_OUT(rc, gc_name_build(p->subject, p->subject_len, values, &subject));
	GC_SSL_OUT(rc, X509_set_subject_name(x, subject), GC_E_INTERNAL, "tbs: subject");
	/* App. B order: AKI, keyUsage, certificatePolicies, subjectAltName,
	 * basicConstraints, extKeyUsage, cRLDistributionPoints; then SKI (ours). */
	GC_GUARD_OUT(rc, add_aki_full(x, is));
	GC_GUARD_OUT(rc, add_key_usage(x, p->key_usage));
	GC_GUARD_OUT(rc, add_policies(x, in->cps_uri));
	GC_GUARD_OUT(rc, add_san(x, in));
	GC_GUARD_OUT(rc, add_basic_constraints(x, 0, -1, 0));
	GC_GUARD_OUT(rc, add_eku(x, p->eku));
	GC_GUARD_OUT(rc, add_crl_dp(x, in->crl_dp));
	GC_GUARD_OUT(rc, add_octets(x, NID_subject_key_identifier, in->key_id, 20,
	                            "subjectKeyIdentifier"));
	rc = encode_tbs(x, tbs, tbssz);
out:
	X509_NAME_free(subject);
	X509_free(x);
	return rc;
}

/*
 * ---- the subscriber TBS written as DER (issue 18) ----
 *
 * Through the X509 object, X509_set_issuer_name / X509_set_subject_name copy each name
 * by encoding and decoding it, and OpenSSL computes a canonical form of every name it
 * decodes; with the extension structures that was about half of the preparing thread's
 * work (bench/RESULTS.md, issue 18). The same octets are written here directly: names and extensions in the
 * order and encoding the X509 path gives (tests/unit/test_certbuild.c compares the two
 * paths' output for every profile, and their errors). The issuer name and the root DN of
 * the AKI are the issuer certificate's own encodings, as the X509 path copies them.
 */
struct ext_mark {
	size_t ext, value;
};

static struct ext_mark ext_open(struct gc_derbuf *b, int nid, bool critical)
{
	static const uint8_t crit_true[] = {0x01, 0x01, 0xff};
	struct ext_mark m;

	m.ext = gc_derbuf_open(b);
	gc_derbuf_oid(b, OBJ_nid2obj(nid));
	if (critical)
		gc_derbuf_raw(b, crit_true, sizeof(crit_true));
	m.value = gc_derbuf_open(b);
	return m;
}

static void ext_close(struct gc_derbuf *b, struct ext_mark m)
{
	gc_derbuf_close(b, m.value, V_ASN1_OCTET_STRING);
	gc_derbuf_close(b, m.ext, 0x30);
}

/* The name's DER as it stands in the (decoded, unmodified) issuer certificate. */
static gc_result put_name_of(struct gc_derbuf *b, const X509_NAME *n)
{
	const unsigned char *der;
	size_t len;

	if (X509_NAME_get0_der((X509_NAME *)n, &der, &len) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "tbs: issuer name");
	gc_derbuf_raw(b, der, len);
	return GC_OK;
}

/* The validity's times as ASN1_TIME_set() encodes them (UTCTime 1950-2049). */
static void put_time(struct gc_derbuf *b, int64_t t)
{
	unsigned char der[17];

	gc_derbuf_raw(b, der, gc_der_time(t, der));
}

static void put_oid_text(struct gc_derbuf *b, const char *dotted)
{
	ASN1_OBJECT *o = OBJ_txt2obj(dotted, 1);

	gc_derbuf_oid(b, o);
	ASN1_OBJECT_free(o);
}

/* App. B AKI: [0] keyIdentifier, [1] { directoryName root DN }, [2] serial of the CA cert. */
static gc_result put_aki_full(struct gc_derbuf *b, const struct gc_issuer *is)
{
	struct ext_mark m = ext_open(b, NID_authority_key_identifier, false);
	size_t seq = gc_derbuf_open(b), gns, dn;
	unsigned char *serial = NULL;
	int len;

	gc_derbuf_tlv(b, 0x80, is->key_id, is->key_id_len);
	gns = gc_derbuf_open(b);
	dn = gc_derbuf_open(b);
	GC_GUARD(put_name_of(b, X509_get_issuer_name(is->cert)));
	gc_derbuf_close(b, dn, 0xa4);
	gc_derbuf_close(b, gns, 0xa1);
	if ((len = i2d_ASN1_INTEGER(X509_get0_serialNumber(is->cert), &serial)) < 2) {
		OPENSSL_free(serial);
		return gc_fail_ssl(GC_E_INTERNAL, "tbs: AKI authorityCertSerialNumber");
	}
	serial[0] = 0x82; /* [2] IMPLICIT INTEGER */
	gc_derbuf_raw(b, serial, (size_t)len);
	OPENSSL_free(serial);
	gc_derbuf_close(b, seq, 0x30);
	ext_close(b, m);
	return GC_OK;
}

/* keyUsage: named bits, trailing zero bits dropped (X.690 §11.2.2). */
static void put_key_usage(struct gc_derbuf *b, unsigned mask)
{
	struct ext_mark m = ext_open(b, NID_key_usage, true);
	uint8_t v[2] = {0, (uint8_t)mask};
	uint8_t unused = 0;

	mask &= 0xff;
	while (mask != 0 && (mask & (1u << unused)) == 0)
		unused++;
	v[0] = unused;
	gc_derbuf_tlv(b, V_ASN1_BIT_STRING, v, mask ? 2 : 1);
	ext_close(b, m);
}

static void put_policies(struct gc_derbuf *b, const char *cps_uri)
{
	struct ext_mark m = ext_open(b, NID_certificate_policies, false);
	size_t pols = gc_derbuf_open(b), pi, quals, q;

	pi = gc_derbuf_open(b);
	put_oid_text(b, CPS_POLICY_OID);
	quals = gc_derbuf_open(b);
	q = gc_derbuf_open(b);
	gc_derbuf_oid(b, OBJ_nid2obj(NID_id_qt_cps));
	gc_derbuf_tlv(b, V_ASN1_IA5STRING, cps_uri, strlen(cps_uri));
	gc_derbuf_close(b, q, 0x30);
	gc_derbuf_close(b, quals, 0x30);
	gc_derbuf_close(b, pi, 0x30);
	gc_derbuf_close(b, pols, 0x30);
	ext_close(b, m);
}

static gc_result put_san(struct gc_derbuf *b, const struct gc_ee_input *in)
{
	const struct gc_profile *p = in->profile;
	struct ext_mark m = ext_open(b, NID_subject_alt_name, false);
	size_t gns = gc_derbuf_open(b), dn;
	const char *values[8];
	size_t i;

	for (i = 0; i < p->san_dirname_len; i++)
		values[i] = in->fields[p->san_dirname[i].field];
	dn = gc_derbuf_open(b);
	GC_GUARD(gc_name_der(p->san_dirname, p->san_dirname_len, values, b));
	gc_derbuf_close(b, dn, 0xa4);
	if (p->san_rfc822 && in->fields[GC_F_EMAIL] != NULL && in->fields[GC_F_EMAIL][0] != '\0')
		gc_derbuf_tlv(b, 0x81, in->fields[GC_F_EMAIL], strlen(in->fields[GC_F_EMAIL]));
	gc_derbuf_close(b, gns, 0x30);
	ext_close(b, m);
	return GC_OK;
}

static void put_eku(struct gc_derbuf *b, const char *const *oids)
{
	struct ext_mark m = ext_open(b, NID_ext_key_usage, false);
	size_t seq = gc_derbuf_open(b);

	for (; *oids != NULL; oids++)
		put_oid_text(b, *oids);
	gc_derbuf_close(b, seq, 0x30);
	ext_close(b, m);
}

static void put_crl_dp(struct gc_derbuf *b, const char *url)
{
	struct ext_mark m = ext_open(b, NID_crl_distribution_points, false);
	size_t dps = gc_derbuf_open(b), dp, dpn, full;

	dp = gc_derbuf_open(b);
	dpn = gc_derbuf_open(b);
	full = gc_derbuf_open(b);
	gc_derbuf_tlv(b, 0x86, url, strlen(url));
	gc_derbuf_close(b, full, 0xa0); /* fullName [0] IMPLICIT GeneralNames */
	gc_derbuf_close(b, dpn, 0xa0);  /* distributionPoint [0] EXPLICIT */
	gc_derbuf_close(b, dp, 0x30);
	gc_derbuf_close(b, dps, 0x30);
	ext_close(b, m);
}

static void put_spki(struct gc_derbuf *b, const struct gc_ee_input *in)
{
	static const uint8_t rsa_null[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
	                                   0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
	size_t spki = gc_derbuf_open(b), bits;
	const uint8_t no_unused = 0;

	gc_derbuf_raw(b, rsa_null, sizeof(rsa_null));
	bits = gc_derbuf_open(b);
	gc_derbuf_raw(b, &no_unused, 1);
	gc_derbuf_raw(b, in->key_bits, in->key_bits_len);
	gc_derbuf_close(b, bits, V_ASN1_BIT_STRING);
	gc_derbuf_close(b, spki, 0x30);
}

static gc_result put_extensions(struct gc_derbuf *b, const struct gc_issuer *is,
                                const struct gc_ee_input *in)
{
	static const uint8_t bc_not_ca[] = {0x30, 0x00};
	size_t outer = gc_derbuf_open(b), exts = gc_derbuf_open(b);
	struct ext_mark m;

	/* App. B order, as in ee_tbs_x509 */
	GC_GUARD(put_aki_full(b, is));
	put_key_usage(b, in->profile->key_usage);
	put_policies(b, in->cps_uri);
	GC_GUARD(put_san(b, in));
	m = ext_open(b, NID_basic_constraints, false);
	gc_derbuf_raw(b, bc_not_ca, sizeof(bc_not_ca));
	ext_close(b, m);
	put_eku(b, in->profile->eku);
	put_crl_dp(b, in->crl_dp);
	m = ext_open(b, NID_subject_key_identifier, false);
	gc_derbuf_tlv(b, V_ASN1_OCTET_STRING, in->key_id, 20);
	ext_close(b, m);
	gc_derbuf_close(b, exts, 0x30);
	gc_derbuf_close(b, outer, 0xa3);
	return GC_OK;
}

static gc_result ee_tbs_der(const struct gc_issuer *is, const struct gc_ee_input *in,
                            struct gc_derbuf *b)
{
	static const uint8_t v3[] = {0xa0, 0x03, 0x02, 0x01, 0x02};
	const struct gc_profile *p = in->profile;
	const char *values[16];
	size_t tbs = gc_derbuf_open(b), validity, i;

	gc_derbuf_raw(b, v3, sizeof(v3));
	gc_derbuf_tlv(b, V_ASN1_INTEGER, in->serial, CPS_SERIAL_OCTETS);
	gc_derbuf_raw(b, gc_der_sha256_rsa_algid, sizeof(gc_der_sha256_rsa_algid));
	GC_GUARD(put_name_of(b, X509_get_subject_name(is->cert)));
	validity = gc_derbuf_open(b);
	put_time(b, in->not_before);
	put_time(b, in->not_after);
	gc_derbuf_close(b, validity, 0x30);
	for (i = 0; i < p->subject_len; i++)
		values[i] = p->subject[i].field == GC_F_FIXED ? p->subject[i].fixed
		                                              : in->fields[p->subject[i].field];
	GC_GUARD(gc_name_der(p->subject, p->subject_len, values, b));
	put_spki(b, in);
	GC_GUARD(put_extensions(b, is, in));
	gc_derbuf_close(b, tbs, 0x30);
	GC_ENSURE(!b->failed, GC_E_NOMEM, "tbs: out of memory");
	return GC_OK;
}

/* The years ASN1_TIME_set() encodes (0000-9999); outside them the X509 path fails. */
static bool time_plain(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	return gmtime_r(&tt, &tm) != NULL && tm.tm_year >= -1900 && tm.tm_year <= 9999 - 1900;
}

gc_result gc_cert_build_ee_tbs(const struct gc_issuer *is, const struct gc_ee_input *in,
                               unsigned char **tbs, size_t *tbssz)
{
	struct gc_derbuf b = {0};
	gc_result rc;

	/* the DER path takes the serial gc_serial_random() makes (20 octets, positive, no
	 * leading zero) and encodable times; the X509 path handles or refuses the rest */
	if (!gc_cert_fast_path || in->serial[0] == 0 || (in->serial[0] & 0x80) != 0 ||
	    !time_plain(in->not_before) || !time_plain(in->not_after) ||
	    in->profile->subject_len > 16 || in->profile->san_dirname_len > 8)
		return ee_tbs_x509(is, in, tbs, tbssz);
	if ((rc = ee_tbs_der(is, in, &b)) != GC_OK) {
		gc_derbuf_free(&b);
		return rc;
	}
	*tbs = b.p;
	*tbssz = b.len;
	return GC_OK;
}

gc_result gc_cert_build_ca_tbs(const struct gc_ca_input *in, unsigned char **tbs, size_t *tbssz)
{
	X509 *x = X509_new();
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, x);
	GC_GUARD_OUT(rc, set_common(x, in->serial, in->not_before, in->not_after));
	GC_SSL_OUT(rc, X509_set_pubkey(x, in->pkey), GC_E_INTERNAL, "tbs: subjectPublicKeyInfo");
	GC_SSL_OUT(rc, X509_set_issuer_name(x, in->issuer), GC_E_INTERNAL, "tbs: issuer");
	GC_SSL_OUT(rc, X509_set_subject_name(x, in->subject), GC_E_INTERNAL, "tbs: subject");
	GC_GUARD_OUT(rc, add_basic_constraints(x, 1, in->pathlen, 1));
	GC_GUARD_OUT(rc, add_key_usage(x, GC_KU_KEY_CERT_SIGN | GC_KU_CRL_SIGN));
	GC_GUARD_OUT(rc, add_octets(x, NID_subject_key_identifier, in->key_id, 20,
	                            "subjectKeyIdentifier"));
	if (in->issuer_key_id != NULL) {
		GC_GUARD_OUT(rc, add_aki_keyid(x, in->issuer_key_id));
		/* The issuing CA operates under this CPS only, so relying parties that
		 * require the CPS policy explicitly (RFC 5280 §6.1) can validate. */
		GC_GUARD_OUT(rc, add_policies(x, in->cps_uri));
	}
	rc = encode_tbs(x, tbs, tbssz);
out:
	X509_free(x);
	return rc;
}

/* Replaces the extension nid of x by one encoding value, keeping its position. */
static gc_result replace_ext(X509 *x, int nid, void *value, int crit, const char *what)
{
	X509_EXTENSION *ext;
	int loc = X509_get_ext_by_NID(x, nid, -1);

	if (loc < 0)
		return add_ext(x, nid, value, crit, what);
	if ((ext = X509V3_EXT_i2d(nid, crit, value)) == NULL)
		return gc_fail_ssl(GC_E_INTERNAL, "tbs: %s", what);
	X509_EXTENSION_free(X509_delete_ext(x, loc));
	if (X509_add_ext(x, ext, loc) != 1) {
		X509_EXTENSION_free(ext);
		return gc_fail_ssl(GC_E_INTERNAL, "tbs: %s", what);
	}
	X509_EXTENSION_free(ext);
	return GC_OK;
}

/* A one-extension scratch certificate gives us the extension's value structure. */
static gc_result ext_from(X509 *scratch, int nid, void **value)
{
	if ((*value = X509_get_ext_d2i(scratch, nid, NULL, NULL)) == NULL)
		return gc_fail_ssl(GC_E_INTERNAL, "tbs: extension %d", nid);
	return GC_OK;
}

gc_result gc_cert_build_reissue_tbs(const struct gc_issuer *is, const X509 *old,
                                    const unsigned char *serial, int64_t nb, int64_t na,
                                    const char *crl_dp, unsigned char **tbs, size_t *tbssz)
{
	X509 *x = X509_dup((X509 *)old), *scratch = X509_new();
	void *aki = NULL, *dps = NULL;
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, x);
	GC_NOMEM_OUT(rc, scratch);
	GC_GUARD_OUT(rc, set_common(x, serial, nb, na));
	GC_SSL_OUT(rc, X509_set_issuer_name(x, X509_get_subject_name(is->cert)), GC_E_INTERNAL,
	           "tbs: issuer");
	/* the new issuer's AKI and the new CA's partition; everything else as approved */
	GC_GUARD_OUT(rc, add_aki_full(scratch, is));
	GC_GUARD_OUT(rc, add_crl_dp(scratch, crl_dp));
	GC_GUARD_OUT(rc, ext_from(scratch, NID_authority_key_identifier, &aki));
	GC_GUARD_OUT(rc, ext_from(scratch, NID_crl_distribution_points, &dps));
	GC_GUARD_OUT(rc, replace_ext(x, NID_authority_key_identifier, aki, 0, "authorityKeyIdentifier"));
	GC_GUARD_OUT(rc, replace_ext(x, NID_crl_distribution_points, dps, 0, "cRLDistributionPoints"));
	rc = encode_tbs(x, tbs, tbssz);
out:
	AUTHORITY_KEYID_free(aki);
	CRL_DIST_POINTS_free(dps);
	X509_free(scratch);
	X509_free(x);
	return rc;
}
