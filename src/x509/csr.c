/*
 * csr.c - strict PKCS #10 decoding and the subscriber key rules.
 * CPS §6.1.2 proof of possession; §6.1.5 RSA 2048; App. B subjectPublicKeyInfo.
 */
#include "x509/csr.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "core/cps.h"
#include "core/limits.h"
#include "core/text.h"

void gc_csr_free(struct gc_csr *c)
{
	if (c == NULL)
		return;
	EVP_PKEY_free(c->pkey);
	OPENSSL_free(c->spki);
	free(c->key_bits);
	free(c);
}

gc_result gc_xpubkey_ids(const X509_PUBKEY *xpk, unsigned char **spki, size_t *spkisz,
                         char sha256_hex[65], unsigned char key_id[20])
{
	const unsigned char *bits;
	unsigned char digest[32], *der = NULL;
	int bitslen, len;
	gc_result rc = GC_OK;

	GC_SSL_OUT(rc, X509_PUBKEY_get0_param(NULL, &bits, &bitslen, NULL, xpk), GC_E_BAD_ENCODING,
	           "public key: unreadable");
	/* RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits */
	GC_SSL_OUT(rc, EVP_Digest(bits, (size_t)bitslen, key_id, NULL, EVP_sha1(), NULL),
	           GC_E_INTERNAL, "public key: SHA-1");
	len = i2d_X509_PUBKEY(xpk, &der);
	GC_ENSURE_OUT(rc, len > 0, GC_E_BAD_ENCODING, "public key: cannot encode");
	GC_SSL_OUT(rc, EVP_Digest(der, (size_t)len, digest, NULL, EVP_sha256(), NULL),
	           GC_E_INTERNAL, "public key: SHA-256");
	gc_hex_encode(digest, sizeof(digest), sha256_hex);
	if (spki != NULL) {
		*spki = der;
		*spkisz = (size_t)len;
		der = NULL;
	}
out:
	OPENSSL_free(der);
	return rc;
}

gc_result gc_spki_ids(EVP_PKEY *pkey, unsigned char **spki, size_t *spkisz, char sha256_hex[65],
                      unsigned char key_id[20])
{
	X509_PUBKEY *xpk = NULL;
	gc_result rc;

	if (X509_PUBKEY_set(&xpk, pkey) != 1)
		return gc_fail_ssl(GC_E_BAD_ENCODING, "public key: cannot encode");
	rc = gc_xpubkey_ids(xpk, spki, spkisz, sha256_hex, key_id);
	X509_PUBKEY_free(xpk);
	return rc;
}

/* Exactly one PEM block of a certificate request, and nothing else but whitespace. */
static gc_result pem_decode(const char *id, const char *pem, size_t len, unsigned char **der,
                            long *dersz)
{
	BIO *bio;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long datalen = 0;
	char rest[64];
	int n;
	gc_result rc = GC_OK;

	GC_ENSURE(len > 0 && len <= GC_MAX_CSR_PEM, GC_E_BAD_ENCODING,
	          "request %s: csr: empty or larger than %d bytes", id, GC_MAX_CSR_PEM);
	GC_ENSURE((bio = BIO_new_mem_buf(pem, (int)len)) != NULL, GC_E_NOMEM,
	          "request %s: out of memory", id);
	if (PEM_read_bio(bio, &name, &header, &data, &datalen) != 1) {
		rc = gc_fail_ssl(GC_E_BAD_ENCODING, "request %s: csr: not PEM", id);
		goto out;
	}
	GC_ENSURE_OUT(rc, strcmp(name, "CERTIFICATE REQUEST") == 0 ||
	                      strcmp(name, "NEW CERTIFICATE REQUEST") == 0,
	              GC_E_BAD_ENCODING, "request %s: csr: PEM block is \"%.40s\", not a CERTIFICATE REQUEST",
	              id, name);
	GC_ENSURE_OUT(rc, header[0] == '\0', GC_E_BAD_ENCODING,
	              "request %s: csr: PEM headers are not allowed", id);
	while ((n = BIO_read(bio, rest, sizeof(rest))) > 0) {
		for (int i = 0; i < n; i++)
			GC_ENSURE_OUT(rc, rest[i] == ' ' || rest[i] == '\n' || rest[i] == '\r' ||
			                      rest[i] == '\t',
			              GC_E_BAD_ENCODING, "request %s: csr: data after the PEM block", id);
	}
	GC_ENSURE_OUT(rc, datalen > 0 && datalen <= GC_MAX_CSR_DER, GC_E_BAD_ENCODING,
	              "request %s: csr: DER empty or larger than %d bytes", id, GC_MAX_CSR_DER);
	*der = data;
	*dersz = datalen;
	data = NULL;
out:
	ERR_clear_error(); /* BIO_read at EOF may leave entries */
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	return rc;
}

static gc_result check_key(const char *id, EVP_PKEY *pkey)
{
	BIGNUM *e = NULL;
	int bits, ok;

	GC_ENSURE(EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA, GC_E_KEY_TYPE,
	          "request %s: csr: CPS §6.1.5: subscriber key must be RSA (got %s)", id,
	          OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
	bits = EVP_PKEY_get_bits(pkey);
	GC_ENSURE(bits == CPS_RSA_BITS, GC_E_KEY_SIZE,
	          "request %s: csr: CPS §6.1.5: subscriber key must be RSA 2048 (got %d)", id, bits);
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		return gc_fail_ssl(GC_E_BAD_ENCODING, "request %s: csr: RSA exponent unreadable", id);
	ok = BN_is_word(e, CPS_RSA_EXPONENT);
	BN_free(e);
	GC_ENSURE(ok, GC_E_KEY_EXPONENT,
	          "request %s: csr: subscriber key exponent must be 65537", id);
	return GC_OK;
}

static gc_result copy_key_bits(const char *id, const X509_PUBKEY *xpk, struct gc_csr *c)
{
	const unsigned char *bits;
	int len;

	if (X509_PUBKEY_get0_param(NULL, &bits, &len, NULL, xpk) != 1 || len <= 0)
		return gc_fail_ssl(GC_E_BAD_ENCODING, "request %s: csr: public key unreadable", id);
	if ((c->key_bits = malloc((size_t)len)) == NULL)
		return gc_fail(GC_E_NOMEM, "request %s: out of memory", id);
	memcpy(c->key_bits, bits, (size_t)len);
	c->key_bits_len = (size_t)len;
	return GC_OK;
}

gc_result gc_csr_parse(const char *id, const char *pem, size_t len, struct gc_csr **out)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	long dersz = 0;
	X509_REQ *req = NULL;
	struct gc_csr *c = NULL;
	gc_result rc = GC_OK;

	GC_GUARD(pem_decode(id, pem, len, &der, &dersz));
	p = der;
	req = d2i_X509_REQ(NULL, &p, dersz);
	GC_ENSURE_OUT(rc, req != NULL, GC_E_BAD_ENCODING, "request %s: csr: malformed DER",
	              id);
	GC_ENSURE_OUT(rc, p == der + dersz, GC_E_BAD_ENCODING,
	              "request %s: csr: %ld bytes after the DER", id, (long)(der + dersz - p));
	GC_NOMEM_OUT(rc, c = calloc(1, sizeof(*c)));
	c->pkey = X509_REQ_get_pubkey(req);
	GC_ENSURE_OUT(rc, c->pkey != NULL, GC_E_BAD_ENCODING,
	              "request %s: csr: public key unreadable", id);
	GC_GUARD_OUT(rc, check_key(id, c->pkey));
	/* CPS §6.1.2: the sender holds the private key, and the key was not altered. */
	if (X509_REQ_verify(req, c->pkey) != 1) {
		rc = gc_fail_ssl(GC_E_CSR_SIGNATURE,
		                 "request %s: csr: CPS §6.1.2: signature does not verify (no proof of possession)",
		                 id);
		goto out;
	}
	GC_GUARD_OUT(rc, gc_xpubkey_ids(X509_REQ_get_X509_PUBKEY(req), &c->spki, &c->spkisz,
	                                c->spki_sha256_hex, c->key_id));
	GC_GUARD_OUT(rc, copy_key_bits(id, X509_REQ_get_X509_PUBKEY(req), c));
	*out = c;
	c = NULL;
out:
	gc_csr_free(c);
	X509_REQ_free(req);
	OPENSSL_free(der);
	return rc;
}
