/*
 * test_csr.c - CSR decoding and the subscriber key rules (x509/csr.c): proof of
 * possession (CPS §6.1.2) and RSA 2048 / e = 65537 (§6.1.5), against CSRs made here with
 * OpenSSL, good and hostile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "x509/csr.h"

static EVP_PKEY *rsa_key(int bits, unsigned exponent)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *e = BN_new();

	BN_set_word(e, exponent);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) > 0);
	assert_true(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) > 0);
	assert_int_equal(EVP_PKEY_keygen(ctx, &k), 1);
	BN_free(e);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static EVP_PKEY *ec_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* A DER CSR signed by key. */
static unsigned char *make_csr(EVP_PKEY *key, int *len)
{
	X509_REQ *req = X509_REQ_new();
	unsigned char *der = NULL;

	X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"ignored", -1, -1, 0);
	X509_REQ_set_pubkey(req, key);
	assert_true(X509_REQ_sign(req, key, EVP_sha256()) > 0);
	*len = i2d_X509_REQ(req, &der);
	X509_REQ_free(req);
	return der;
}

static char *to_pem(const unsigned char *der, long len, const char *label, const char *tail)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	PEM_write_bio(b, label, "", der, len);
	n = BIO_get_mem_data(b, &data);
	out = calloc(1, (size_t)n + strlen(tail) + 1);
	memcpy(out, data, (size_t)n);
	strcat(out, tail);
	BIO_free(b);
	return out;
}

static gc_result parse_pem(const char *pem, struct gc_csr **out)
{
	*out = NULL;
	return gc_csr_parse("t1", pem, strlen(pem), out);
}

static gc_result parse_key(EVP_PKEY *key)
{
	int len;
	unsigned char *der = make_csr(key, &len);
	char *pem = to_pem(der, len, "CERTIFICATE REQUEST", "");
	struct gc_csr *c;
	gc_result rc = parse_pem(pem, &c);

	gc_csr_free(c);
	free(pem);
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	return rc;
}

static EVP_PKEY *good_key;

static int setup(void **state)
{
	(void)state;
	good_key = rsa_key(2048, 65537);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(good_key);
	return 0;
}

static void accepts_rsa_2048(void **state)
{
	int len;
	unsigned char *der = make_csr(good_key, &len);
	char *pem = to_pem(der, len, "CERTIFICATE REQUEST", "\n");
	struct gc_csr *c;

	(void)state;
	assert_int_equal(parse_pem(pem, &c), GC_OK);
	assert_int_equal(EVP_PKEY_eq(c->pkey, good_key), 1);
	assert_int_equal(strlen(c->spki_sha256_hex), 64);
	assert_true(c->spkisz > 256);
	gc_csr_free(c);
	free(pem);
	OPENSSL_free(der);
}

static void rejects_wrong_keys(void **state)
{
	(void)state;
	assert_int_equal(parse_key(rsa_key(1024, 65537)), GC_E_KEY_SIZE);
	assert_non_null(strstr(gc_err_detail(), "got 1024"));
	assert_int_equal(parse_key(rsa_key(3072, 65537)), GC_E_KEY_SIZE);
	assert_int_equal(parse_key(rsa_key(2048, 3)), GC_E_KEY_EXPONENT);
	assert_int_equal(parse_key(ec_key()), GC_E_KEY_TYPE);
}

static void rejects_bad_signature(void **state)
{
	int len;
	unsigned char *der = make_csr(good_key, &len);
	char *pem;
	struct gc_csr *c;

	(void)state;
	der[len - 10] ^= 0x01; /* inside the signature value */
	pem = to_pem(der, len, "CERTIFICATE REQUEST", "");
	assert_int_equal(parse_pem(pem, &c), GC_E_CSR_SIGNATURE);
	assert_null(c);
	assert_non_null(strstr(gc_err_detail(), "§6.1.2"));
	free(pem);
	OPENSSL_free(der);
}

static void rejects_malformed_encodings(void **state)
{
	int len;
	unsigned char *der = make_csr(good_key, &len), *longer;
	char *pem;
	struct gc_csr *c;

	(void)state;
	/* trailing bytes after the DER */
	longer = malloc((size_t)len + 2);
	memcpy(longer, der, (size_t)len);
	longer[len] = 0x05, longer[len + 1] = 0x00;
	pem = to_pem(longer, len + 2, "CERTIFICATE REQUEST", "");
	assert_int_equal(parse_pem(pem, &c), GC_E_BAD_ENCODING);
	free(pem);
	/* truncated DER */
	pem = to_pem(der, len - 20, "CERTIFICATE REQUEST", "");
	assert_int_equal(parse_pem(pem, &c), GC_E_BAD_ENCODING);
	free(pem);
	/* a huge length claimed in the outer header */
	memcpy(longer, der, (size_t)len);
	longer[1] = 0x84, longer[2] = 0x7f, longer[3] = 0xff;
	pem = to_pem(longer, len, "CERTIFICATE REQUEST", "");
	assert_int_equal(parse_pem(pem, &c), GC_E_BAD_ENCODING);
	free(pem);
	/* wrong PEM label, data after the block, not PEM at all, empty */
	pem = to_pem(der, len, "CERTIFICATE", "");
	assert_int_equal(parse_pem(pem, &c), GC_E_BAD_ENCODING);
	free(pem);
	pem = to_pem(der, len, "CERTIFICATE REQUEST", "junk");
	assert_int_equal(parse_pem(pem, &c), GC_E_BAD_ENCODING);
	free(pem);
	assert_int_equal(parse_pem("hello", &c), GC_E_BAD_ENCODING);
	assert_int_equal(parse_pem("", &c), GC_E_BAD_ENCODING);
	assert_null(c);
	free(longer);
	OPENSSL_free(der);
}

/* The two readers of csr.c (the common request's own, OpenSSL's full decoder) on one
 * DER: the same verdict, and for an accepted request the same key identities. */
static void same_on_both_paths(const unsigned char *der, int len)
{
	char *pem = to_pem(der, len, "CERTIFICATE REQUEST", "");
	struct gc_csr *fast, *full;
	gc_result a, b;

	gc_csr_fast_path = true;
	a = parse_pem(pem, &fast);
	gc_csr_fast_path = false;
	b = parse_pem(pem, &full);
	gc_csr_fast_path = true;
	assert_int_equal(a, b);
	if (a == GC_OK) {
		assert_int_equal(EVP_PKEY_eq(fast->pkey, full->pkey), 1);
		assert_string_equal(fast->spki_sha256_hex, full->spki_sha256_hex);
		assert_memory_equal(fast->key_id, full->key_id, sizeof(fast->key_id));
		assert_int_equal(fast->spkisz, full->spkisz);
		assert_memory_equal(fast->spki, full->spki, fast->spkisz);
		assert_int_equal(fast->key_bits_len, full->key_bits_len);
		assert_memory_equal(fast->key_bits, full->key_bits, fast->key_bits_len);
	} else {
		assert_null(fast);
		assert_null(full);
	}
	gc_csr_free(fast);
	gc_csr_free(full);
	free(pem);
}

/* issue 18: the common-request reader accepts exactly what the full decoder accepts:
 * the good request, one with an attribute (full path), and a one-bit change of every
 * octet of the good one (name, key, signature, lengths, tags). */
static void fast_path_agrees_with_openssl(void **state)
{
	int len, i, bit;
	unsigned char *der = make_csr(good_key, &len), *mut = malloc((size_t)len);
	X509_REQ *req = X509_REQ_new();
	unsigned char *attr_der = NULL;
	int attr_len;

	(void)state;
	same_on_both_paths(der, len);
	for (i = 0; i < len; i++) {
		/* one bit of each octet, a different one from octet to octet */
		bit = i % 8;
		memcpy(mut, der, (size_t)len);
		mut[i] ^= (unsigned char)(1u << bit);
		same_on_both_paths(mut, len);
	}
	/* with a challengePassword attribute: not the common shape, still accepted */
	X509_REQ_set_pubkey(req, good_key);
	assert_int_equal(X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword, MBSTRING_ASC,
	                                           (const unsigned char *)"secret", -1), 1);
	assert_true(X509_REQ_sign(req, good_key, EVP_sha256()) > 0);
	attr_len = i2d_X509_REQ(req, &attr_der);
	same_on_both_paths(attr_der, attr_len);
	{
		char *pem = to_pem(attr_der, attr_len, "CERTIFICATE REQUEST", "");
		struct gc_csr *c;
		assert_int_equal(parse_pem(pem, &c), GC_OK);
		gc_csr_free(c);
		free(pem);
	}
	/* sha384 signature: the full path */
	assert_true(X509_REQ_sign(req, good_key, EVP_sha384()) > 0);
	OPENSSL_free(attr_der);
	attr_der = NULL;
	attr_len = i2d_X509_REQ(req, &attr_der);
	same_on_both_paths(attr_der, attr_len);
	OPENSSL_free(attr_der);
	X509_REQ_free(req);
	free(mut);
	OPENSSL_free(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_rsa_2048), cmocka_unit_test(rejects_wrong_keys),
		cmocka_unit_test(rejects_bad_signature), cmocka_unit_test(rejects_malformed_encodings),
		cmocka_unit_test(fast_path_agrees_with_openssl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
