/*
 * test_repo_pages.c - repo/pages.c: pages for people show certificate and
 * configuration text escaped (a subject may hold anything a CSR-less attacker could not
 * choose, but a configured name or a B/D name could hold markup), PEM round-trips, and
 * a certificate that does not parse gives no page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "repo/repo.h"

static const char evil[] = "<script>alert(\"x\")</script> & 'y'";

/* A self-signed certificate whose subject CN is hostile markup. */
static unsigned char *make_cert(size_t *n)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char *der = NULL;
	int len;

	assert_non_null(k);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)evil, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, k);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	len = i2d_X509(x, &der);
	assert_true(len > 0);
	*n = (size_t)len;
	X509_NAME_free(name);
	X509_free(x);
	EVP_PKEY_free(k);
	return der;
}

static void test_cert_page_escapes(void **state)
{
	struct gc_repo_cert c;
	size_t n = 0;
	char *html;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.der = make_cert(&c.dersz);
	strcpy(c.serial, "00000000000000000000000000000000000000aa");
	strcpy(c.role, "individual");
	strcpy(c.email, "\"><img src=x>@example.gov.hk");
	html = gc_page_cert(&c, &n);
	assert_non_null(html);
	assert_int_equal(strlen(html), n);
	assert_null(strstr(html, "<script>"));
	assert_null(strstr(html, "<img"));
	/* the subject is shown RFC 4514-escaped (\<), then HTML-escaped */
	assert_non_null(strstr(html, "CN=\\&lt;script\\&gt;alert(\\&quot;x\\&quot;)"));
	assert_non_null(strstr(html, "&amp; &#39;y&#39;"));
	assert_non_null(strstr(html, "&quot;&gt;&lt;img src=x&gt;@example.gov.hk"));
	assert_non_null(strstr(html, "/cert/00000000000000000000000000000000000000aa.pem"));
	free(html);
	/* PEM of the same bytes reads back to them */
	html = gc_pem_encode(c.der, c.dersz, "CERTIFICATE", &n);
	assert_non_null(html);
	{
		BIO *bio = BIO_new_mem_buf(html, (int)n);
		X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		unsigned char *der = NULL;
		int len;
		assert_non_null(x);
		len = i2d_X509(x, &der);
		assert_int_equal((size_t)len, c.dersz);
		assert_memory_equal(der, c.der, c.dersz);
		OPENSSL_free(der);
		X509_free(x);
		BIO_free(bio);
	}
	free(html);
	OPENSSL_free(c.der);
	/* garbage is no certificate: no page */
	c.der = (unsigned char *)"\x30\x03\x02\x01";
	c.dersz = 4;
	assert_null(gc_page_cert(&c, &n));
}

static void test_pem_lines(void **state)
{
	unsigned char der[100];
	size_t n = 0, i, col = 0;
	char *pem;

	(void)state;
	for (i = 0; i < sizeof(der); i++)
		der[i] = (unsigned char)i;
	pem = gc_pem_encode(der, sizeof(der), "X", &n);
	assert_non_null(pem);
	assert_true(strncmp(pem, "-----BEGIN X-----\n", 18) == 0);
	assert_non_null(strstr(pem, "\n-----END X-----\n"));
	for (i = 18; pem[i] != '-'; i++) { /* RFC 7468: lines of at most 64 characters */
		col = pem[i] == '\n' ? 0 : col + 1;
		assert_true(col <= 64);
	}
	free(pem);
}

static void test_index_escapes(void **state)
{
	struct gc_config cfg;
	size_t n = 0;
	char *html;

	(void)state;
	gc_config_defaults(&cfg);
	strcpy(cfg.root.cn, "Root <b>CA</b>");
	html = gc_page_index(&cfg, "/nonexistent", &n);
	assert_non_null(html);
	assert_null(strstr(html, "<b>"));
	assert_non_null(strstr(html, "Root &lt;b&gt;CA&lt;/b&gt;"));
	assert_non_null(strstr(html, "not yet published"));
	/* CPS §2.7: the index offers lookups, never a list */
	assert_non_null(strstr(html, "does not list or search subscribers"));
	free(html);
	html = gc_page_cps(&n);
	assert_non_null(html);
	assert_non_null(strstr(html, "href=\"/cps/2020-01-01.txt\""));
	assert_non_null(strstr(html, "(current)"));
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_page_escapes),
		cmocka_unit_test(test_pem_lines),
		cmocka_unit_test(test_index_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
