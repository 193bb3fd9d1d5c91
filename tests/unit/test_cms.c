/* test_cms.c - interface file envelopes (x509/cms.c): pinned trust, tampering, limits. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/cms.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "x509/cms.h"

static EVP_PKEY *ra_key, *other_key;
static X509 *ra_cert, *other_cert, *expired_cert;
static const char doc[] = "{\"format\":\"gcert-interface/1\",\"batch_id\":\"b1\",\"requests\":[]}";

static X509 *self_signed(EVP_PKEY *k, const char *cn, long from, long to)
{
	X509 *x = X509_new();

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	return x;
}

static int setup(void **state)
{
	(void)state;
	ra_key = EVP_RSA_gen(2048);
	other_key = EVP_RSA_gen(2048);
	ra_cert = self_signed(ra_key, "CMMP RA service", -3600, 86400);
	other_cert = self_signed(other_key, "someone else", -3600, 86400);
	expired_cert = self_signed(ra_key, "CMMP RA service (old)", -86400 * 10, -86400);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	X509_free(ra_cert);
	X509_free(other_cert);
	X509_free(expired_cert);
	EVP_PKEY_free(ra_key);
	EVP_PKEY_free(other_key);
	return 0;
}

static STACK_OF(X509) *pins(X509 *a, X509 *b)
{
	STACK_OF(X509) *s = sk_X509_new_null();

	if (a)
		sk_X509_push(s, a);
	if (b)
		sk_X509_push(s, b);
	return s;
}

static gc_result verify(const unsigned char *der, size_t n, STACK_OF(X509) *p, char **content)
{
	size_t len;
	X509 *signer = NULL;
	gc_result rc = gc_cms_verify(der, n, 1 << 20, p, (int64_t)time(NULL),
	                             (unsigned char **)content, &len, &signer);
	X509_free(signer);
	sk_X509_free(p);
	return rc;
}

static void round_trip_with_the_pinned_signer(void **state)
{
	unsigned char *der;
	size_t n;
	char *content = NULL;

	(void)state;
	assert_int_equal(gc_cms_sign(ra_cert, ra_key, (const unsigned char *)doc, strlen(doc), &der, &n), GC_OK);
	assert_int_equal(verify(der, n, pins(other_cert, ra_cert), &content), GC_OK);
	assert_string_equal(content, doc);
	free(content);
	OPENSSL_free(der);
}

static void refused_unless_pinned_and_valid(void **state)
{
	unsigned char *der;
	size_t n;
	char *content = NULL;

	(void)state;
	assert_int_equal(gc_cms_sign(ra_cert, ra_key, (const unsigned char *)doc, strlen(doc), &der, &n), GC_OK);
	/* the file carries the RA certificate, but only pins count */
	assert_int_equal(verify(der, n, pins(other_cert, NULL), &content), GC_E_IFACE_SIGNATURE);
	assert_int_equal(verify(der, n, pins(NULL, NULL), &content), GC_E_IFACE_SIGNATURE);
	OPENSSL_free(der);
	/* signed with a pinned but expired certificate */
	assert_int_equal(gc_cms_sign(expired_cert, ra_key, (const unsigned char *)doc, strlen(doc), &der, &n), GC_OK);
	assert_int_equal(verify(der, n, pins(expired_cert, NULL), &content), GC_E_IFACE_SIGNATURE);
	assert_non_null(strstr(gc_err_detail(), "not valid now"));
	assert_null(content);
	OPENSSL_free(der);
}

static void tampering_is_caught(void **state)
{
	unsigned char *der, *hit;
	size_t n;
	char *content = NULL;

	(void)state;
	assert_int_equal(gc_cms_sign(ra_cert, ra_key, (const unsigned char *)doc, strlen(doc), &der, &n), GC_OK);
	hit = memmem(der, n, "b1", 2); /* the batch id inside the signed content */
	assert_non_null(hit);
	hit[1] = '2';
	assert_int_equal(verify(der, n, pins(ra_cert, NULL), &content), GC_E_IFACE_SIGNATURE);
	assert_null(content);
	OPENSSL_free(der);
}

static void malformed_and_oversized(void **state)
{
	static const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	unsigned char *der;
	size_t n, len;
	char *content = NULL;
	STACK_OF(X509) *p = pins(ra_cert, NULL);

	(void)state;
	assert_int_equal(gc_cms_verify(junk, sizeof(junk), 1 << 20, p, time(NULL),
	                               (unsigned char **)&content, &len, NULL), GC_E_IFACE_FORMAT);
	assert_int_equal(gc_cms_sign(ra_cert, ra_key, (const unsigned char *)doc, strlen(doc), &der, &n), GC_OK);
	assert_int_equal(gc_cms_verify(der, n, n - 1, p, time(NULL), (unsigned char **)&content, &len, NULL),
	                 GC_E_TOO_LARGE);
	assert_int_equal(gc_cms_verify(der, n - 1, 1 << 20, p, time(NULL), (unsigned char **)&content, &len, NULL),
	                 GC_E_IFACE_FORMAT);
	assert_null(content);
	OPENSSL_free(der);
	sk_X509_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_with_the_pinned_signer), cmocka_unit_test(refused_unless_pinned_and_valid),
		cmocka_unit_test(tampering_is_caught), cmocka_unit_test(malformed_and_oversized),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
