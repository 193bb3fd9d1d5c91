/*
 * test_certbuild.c - the subscriber TBSCertificate written as DER (x509/certbuild.c,
 * issue 18) against the X509-object path it replaces: the same octets for every App. B
 * profile and for ASCII, UTF-8, long and omitted values and both time encodings; the
 * same error code and message for values a name refuses. The result parses as a
 * TBSCertificate with the fields given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "core/cps.h"
#include "core/profile.h"
#include "x509/certbuild.h"
#include "x509/der.h"

static X509_NAME *name_of(const char *const *kv)
{
	X509_NAME *n = X509_NAME_new();

	for (; *kv != NULL; kv += 2)
		assert_int_equal(X509_NAME_add_entry_by_txt(n, kv[0], MBSTRING_UTF8,
		                                            (const unsigned char *)kv[1], -1, -1, 0), 1);
	return n;
}

/* An issuing CA certificate, decoded from DER as the CA holds it: its subject and issuer
 * (the root) with UTF-8, a serial with its top bit set (encoded with a leading 0). */
static X509 *issuer_cert(void)
{
	static const char *const subject[] = {"C", "HK", "O", "Hongkong Post", "OU", "香港郵政",
	                                      "CN", "Hongkong Post e-Cert CA 3 - 17", NULL};
	static const char *const root[] = {"C", "HK", "ST", "Hong Kong", "L", "Hong Kong", "O",
	                                   "Hongkong Post", "CN", "Hongkong Post Root CA 3", NULL};
	static const unsigned char serial[] = {0x9a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new(), *back;
	X509_NAME *s = name_of(subject), *r = name_of(root);
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	unsigned char *der = NULL;
	const unsigned char *p;
	int len;

	assert_non_null(k);
	X509_set_version(x, X509_VERSION_3);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	X509_set_subject_name(x, s);
	X509_set_issuer_name(x, r);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	len = i2d_X509(x, &der);
	p = der;
	back = d2i_X509(NULL, &p, len);
	assert_non_null(back);
	OPENSSL_free(der);
	BN_free(bn);
	X509_NAME_free(s);
	X509_NAME_free(r);
	X509_free(x);
	EVP_PKEY_free(k);
	return back;
}

struct fixture {
	X509 *ca;
	struct gc_issuer is;
	unsigned char key_bits[270];
	unsigned char key_id[20];
	unsigned char serial[CPS_SERIAL_OCTETS];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t i;

	f->ca = issuer_cert();
	f->is.cert = f->ca;
	for (i = 0; i < 20; i++)
		f->is.key_id[i] = (unsigned char)(0xa0 + i);
	f->is.key_id_len = 20;
	/* the shape of an RSAPublicKey: only its octets matter to the builder */
	for (i = 0; i < sizeof(f->key_bits); i++)
		f->key_bits[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < 20; i++)
		f->key_id[i] = (unsigned char)(0x10 + i);
	for (i = 0; i < CPS_SERIAL_OCTETS; i++)
		f->serial[i] = (unsigned char)(0x35 + 11 * i);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	X509_free(f->ca);
	free(f);
	return 0;
}

static struct gc_ee_input input(struct fixture *f, const struct gc_profile *p, const char **fields,
                                int64_t nb, int64_t na)
{
	return (struct gc_ee_input){
		.profile = p, .fields = fields, .serial = f->serial, .not_before = nb, .not_after = na,
		.key_bits = f->key_bits, .key_bits_len = sizeof(f->key_bits), .key_id = f->key_id,
		.cps_uri = "https://www.hongkongpost.gov.hk/cps", .crl_dp = "http://crl1.hongkongpost.gov.hk/crl/gCertCA17-1.crl",
	};
}

struct outcome {
	gc_result rc;
	char detail[512];
	unsigned char *tbs;
	size_t tbssz;
};

static struct outcome build(struct fixture *f, const struct gc_ee_input *in, bool fast)
{
	struct outcome o = {0};

	gc_cert_fast_path = fast;
	gc_err_clear();
	o.rc = gc_cert_build_ee_tbs(&f->is, in, &o.tbs, &o.tbssz);
	if (o.rc != GC_OK)
		snprintf(o.detail, sizeof(o.detail), "%s", gc_err_detail());
	gc_cert_fast_path = true;
	return o;
}

/* Both paths: the same verdict, and the same octets or the same error. */
static struct outcome both(struct fixture *f, const struct gc_ee_input *in)
{
	struct outcome a = build(f, in, true), b = build(f, in, false);

	assert_int_equal(a.rc, b.rc);
	if (a.rc == GC_OK) {
		assert_int_equal(a.tbssz, b.tbssz);
		assert_memory_equal(a.tbs, b.tbs, a.tbssz);
	} else {
		assert_string_equal(a.detail, b.detail);
	}
	OPENSSL_free(b.tbs);
	return a;
}

static void fields_ascii(const char **v)
{
	memset(v, 0, sizeof(*v) * GC_F_COUNT);
	v[GC_F_SUBSCRIBER_REF] = "0123456789";
	v[GC_F_BRANCH_ABBR] = "INFRA";
	v[GC_F_ORGANISATION] = "Office of the Government Chief Information Officer";
	v[GC_F_BRANCH] = "Infrastructure Division";
	v[GC_F_EMAIL] = "chan.taiman@ogcio.gov.hk";
	v[GC_F_NAME] = "CHAN Tai Man";
	v[GC_F_ORGANISATION_ZH] = "政府資訊科技總監辦公室";
	v[GC_F_BRANCH_ZH] = "基礎設施科";
	v[GC_F_CATEGORY] = "Civil Servant";
}

/* Parses, wrapped with a dummy signature, as a certificate with our subject CN and the
 * eight App. B extensions. */
static void check_parses(const struct outcome *o, const char *cn)
{
	static const unsigned char sig[256];
	unsigned char *der;
	const unsigned char *p;
	size_t dersz;
	char got[1024];
	X509 *x;

	assert_int_equal(gc_der_wrap_signed(o->tbs, o->tbssz, sig, sizeof(sig), &der, &dersz), GC_OK);
	p = der;
	x = d2i_X509(NULL, &p, (long)dersz);
	assert_non_null(x);
	assert_true(p == der + dersz);
	assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, got,
	                                      sizeof(got)) > 0);
	assert_string_equal(got, cn);
	assert_int_equal(X509_get_ext_count(x), 8);
	X509_free(x);
	free(der);
}

static const int64_t T2026 = 1796083200; /* 2026-12-01 */
static const int64_t T2049_END = 2524607999; /* 2049-12-31 23:59:59, last UTCTime */
static const int64_t T2050 = 2524608000;     /* GeneralizedTime from here */

static void same_octets_every_profile(void **state)
{
	struct fixture *f = *state;
	const char *v[GC_F_COUNT];
	enum gc_cert_type t;

	for (t = GC_CERT_INDIVIDUAL; t <= GC_CERT_FUNCTIONAL_UNIT; t++) {
		struct gc_ee_input in;
		struct outcome o;

		fields_ascii(v);
		in = input(f, gc_profile_get(t), v, T2026, T2026 + 2 * 365 * 86400);
		o = both(f, &in);
		assert_int_equal(o.rc, GC_OK);
		check_parses(&o, "CHAN Tai Man");
		OPENSSL_free(o.tbs);
		/* the two time encodings, at their boundary */
		in = input(f, gc_profile_get(t), v, T2049_END, T2050);
		o = both(f, &in);
		assert_int_equal(o.rc, GC_OK);
		OPENSSL_free(o.tbs);
		in = input(f, gc_profile_get(t), v, -631152000 /* 1950 */, 253402300799 /* 9999 */);
		o = both(f, &in);
		assert_int_equal(o.rc, GC_OK);
		OPENSSL_free(o.tbs);
	}
}

static void same_octets_utf8_long_and_omitted(void **state)
{
	struct fixture *f = *state;
	const char *v[GC_F_COUNT];
	char longname[700];
	struct gc_ee_input in;
	struct outcome o;
	enum gc_cert_type t;
	size_t i;

	for (i = 0; i + 3 < sizeof(longname); i += 3)
		memcpy(longname + i, "陳", 3); /* multi-octet lengths everywhere above it */
	longname[i] = '\0';
	for (t = GC_CERT_INDIVIDUAL; t <= GC_CERT_FUNCTIONAL_UNIT; t++) {
		fields_ascii(v);
		v[GC_F_NAME] = "陳大文 CHAN Tai Man";
		v[GC_F_BRANCH] = "資訊科技 – Infrastructure “Division”";
		in = input(f, gc_profile_get(t), v, T2026, T2026 + 86400);
		o = both(f, &in);
		assert_int_equal(o.rc, GC_OK);
		check_parses(&o, "陳大文 CHAN Tai Man");
		OPENSSL_free(o.tbs);
		/* App. B note 2: no e-mail, neither in the subject nor as rfc822Name */
		v[GC_F_EMAIL] = "";
		o = both(f, &in);
		assert_int_equal(o.rc, GC_OK);
		OPENSSL_free(o.tbs);
		v[GC_F_EMAIL] = NULL;
		v[GC_F_NAME] = longname;
		v[GC_F_CATEGORY] = longname;
		o = both(f, &in);
		assert_int_equal(o.rc, GC_OK);
		check_parses(&o, longname);
		OPENSSL_free(o.tbs);
	}
}

/* The values a name refuses: the same code and message from both paths. */
static void same_errors(void **state)
{
	struct fixture *f = *state;
	const char *v[GC_F_COUNT];
	struct gc_ee_input in;
	struct outcome o;

	fields_ascii(v);
	in = input(f, gc_profile_get(GC_CERT_INDIVIDUAL), v, T2026, T2026 + 86400);
	v[GC_F_SUBSCRIBER_REF] = "01234@6789"; /* outside PrintableString */
	o = both(f, &in);
	assert_int_equal(o.rc, GC_E_REQUEST_FIELD);
	v[GC_F_SUBSCRIBER_REF] = "0123456789";
	v[GC_F_EMAIL] = "陳@ogcio.gov.hk"; /* outside IA5String */
	o = both(f, &in);
	assert_int_equal(o.rc, GC_E_REQUEST_FIELD);
	v[GC_F_EMAIL] = "chan@ogcio.gov.hk";
	v[GC_F_NAME] = ""; /* required */
	o = both(f, &in);
	assert_int_equal(o.rc, GC_E_INTERNAL);
	v[GC_F_NAME] = "CHAN Tai Man";
	v[GC_F_CATEGORY] = NULL; /* required, in the subjectAltName's directoryName */
	o = both(f, &in);
	assert_int_equal(o.rc, GC_E_INTERNAL);
	v[GC_F_CATEGORY] = "Civil Servant";
	/* a year past 9999 is left to the X509 path: whatever it makes of it, both agree */
	in.not_after = 253402300800; /* year 10000 */
	o = both(f, &in);
	OPENSSL_free(o.tbs);
}

/* A serial the DER path does not take (leading zero octet) goes through the X509 path. */
static void odd_serial_same_octets(void **state)
{
	struct fixture *f = *state;
	const char *v[GC_F_COUNT];
	struct gc_ee_input in;
	struct outcome o;
	unsigned char keep = f->serial[0];

	fields_ascii(v);
	in = input(f, gc_profile_get(GC_CERT_FUNCTIONAL_UNIT), v, T2026, T2026 + 86400);
	f->serial[0] = 0x00;
	o = both(f, &in);
	assert_int_equal(o.rc, GC_OK);
	OPENSSL_free(o.tbs);
	f->serial[0] = keep;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_octets_every_profile),
		cmocka_unit_test(same_octets_utf8_long_and_omitted),
		cmocka_unit_test(same_errors),
		cmocka_unit_test(odd_serial_same_octets),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
