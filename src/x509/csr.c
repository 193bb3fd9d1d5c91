/*
 * csr.c - strict PKCS #10 decoding and the subscriber key rules.
 * CPS §6.1.2 proof of possession; §6.1.5 RSA 2048; App. B subjectPublicKeyInfo.
 */
#include "x509/csr.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "core/cps.h"
#include "core/limits.h"
#include "core/text.h"
#include "x509/md.h"

bool gc_csr_fast_path = true;

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
	GC_SSL_OUT(rc, EVP_Digest(bits, (size_t)bitslen, key_id, NULL, gc_md_sha1(), NULL),
	           GC_E_INTERNAL, "public key: SHA-1");
	len = i2d_X509_PUBKEY(xpk, &der);
	GC_ENSURE_OUT(rc, len > 0, GC_E_BAD_ENCODING, "public key: cannot encode");
	GC_SSL_OUT(rc, EVP_Digest(der, (size_t)len, digest, NULL, gc_md_sha256(), NULL),
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

/*
 * ---- the common request, read without OpenSSL's key decoders (issue 18) ----
 *
 * d2i_X509_REQ decodes the public key through OpenSSL 3's OSSL_DECODER chain, which is
 * built anew for every key and cost more than half the CPU of preparing a certificate.
 * The requests an RA sends have one shape: version 0, a Name, an RSA key with NULL
 * parameters, no attributes, sha256WithRSAEncryption. Such a request, in DER, is read
 * here with a strict DER walk; the key is imported from its modulus and exponent, and
 * the signature verified over the exact CertificationRequestInfo octets. Anything else
 * (another shape, BER, an attribute, a key or signature this path does not take) goes
 * through the full OpenSSL path below, unchanged, which accepts or refuses it with its
 * precise error. So this path accepts nothing the full path refuses: every field the
 * full path checks is checked (the subject by d2i_X509_NAME), and tests/unit/test_csr.c
 * compares the two paths' results.
 */
struct tlv {
	unsigned char tag;
	const unsigned char *v, *raw; /* contents; the whole TLV */
	size_t len, rawlen;
};

/* One DER TLV (single-octet tag, definite minimal length) from [*p, end). */
static bool der_next(const unsigned char **p, const unsigned char *end, struct tlv *t)
{
	const unsigned char *q = *p;
	size_t len = 0, n, i;

	if (end - q < 2 || (q[0] & 0x1f) == 0x1f)
		return false;
	t->tag = q[0];
	t->raw = q;
	if (q[1] < 0x80) {
		len = q[1];
		q += 2;
	} else {
		n = q[1] & 0x7f;
		if (n == 0 || n > 3 || (size_t)(end - q) < 2 + n || q[2] == 0)
			return false; /* indefinite, too long, or not minimal */
		for (i = 0; i < n; i++)
			len = len << 8 | q[2 + i];
		if (len < 0x80)
			return false;
		q += 2 + n;
	}
	if ((size_t)(end - q) < len)
		return false;
	t->v = q;
	t->len = len;
	t->rawlen = (size_t)(q + len - t->raw);
	*p = q + len;
	return true;
}

static bool der_expect(const unsigned char **p, const unsigned char *end, unsigned char tag,
                       struct tlv *t)
{
	return der_next(p, end, t) && t->tag == tag;
}

/* A positive INTEGER, minimal: its magnitude without the sign octet. */
static bool der_uint(const struct tlv *t, const unsigned char **mag, size_t *n)
{
	if (t->tag != 0x02 || t->len == 0 || (t->v[0] & 0x80) != 0 ||
	    (t->len > 1 && t->v[0] == 0 && (t->v[1] & 0x80) == 0))
		return false;
	*mag = t->v[0] == 0 && t->len > 1 ? t->v + 1 : t->v;
	*n = t->v[0] == 0 && t->len > 1 ? t->len - 1 : t->len;
	return true;
}

static const unsigned char oid_rsa_null[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                             0x01, 0x01, 0x01, 0x05, 0x00};
static const unsigned char oid_sha256_rsa_null[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                                    0x01, 0x01, 0x0b, 0x05, 0x00};

static EVP_PKEY *rsa_public(const unsigned char *n, size_t nlen, const unsigned char *e, size_t elen)
{
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *k = NULL;

	if (bn != NULL && be != NULL && b != NULL && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be) &&
	    (params = OSSL_PARAM_BLD_to_param(b)) != NULL &&
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL && EVP_PKEY_fromdata_init(pc) == 1 &&
	    EVP_PKEY_fromdata(pc, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	return k;
}

static bool verify_sha256_rsa(EVP_PKEY *k, const unsigned char *msg, size_t msglen,
                              const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	bool ok = md != NULL && EVP_DigestVerifyInit(md, &pc, gc_md_sha256(), NULL, k) == 1 &&
	          EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
	          EVP_DigestVerify(md, sig, siglen, msg, msglen) == 1;

	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}

/*
 * The common request, all checks passed: *c filled and true. False: not this shape, or
 * some check failed; the caller takes the full path, which gives the verdict.
 */
static bool parse_common(const unsigned char *der, size_t dersz, struct gc_csr *c)
{
	const unsigned char *p = der, *end = der + dersz, *q, *qe, *r, *n, *e;
	struct tlv req, cri, ver, name, spki, alg, bits, rsapub, tn, te, attrs, salg, sig;
	unsigned char digest[32];
	const unsigned char *np;
	X509_NAME *xn;
	size_t nlen, elen;

	if (!der_expect(&p, end, 0x30, &req) || p != end)
		return false;
	q = req.v, qe = req.v + req.len;
	if (!der_expect(&q, qe, 0x30, &cri) || !der_expect(&q, qe, 0x30, &salg) ||
	    !der_expect(&q, qe, 0x03, &sig) || q != qe)
		return false;
	if (salg.rawlen != sizeof(oid_sha256_rsa_null) + 2 ||
	    memcmp(salg.v, oid_sha256_rsa_null, sizeof(oid_sha256_rsa_null)) != 0 || sig.len < 2 ||
	    sig.v[0] != 0)
		return false;
	q = cri.v, qe = cri.v + cri.len;
	if (!der_expect(&q, qe, 0x02, &ver) || ver.len != 1 || ver.v[0] != 0 ||
	    !der_expect(&q, qe, 0x30, &name) || !der_expect(&q, qe, 0x30, &spki) ||
	    !der_expect(&q, qe, 0xa0, &attrs) || attrs.len != 0 || q != qe)
		return false;
	/* the subject as the full path reads it (never used: DESIGN.md) */
	np = name.raw;
	if ((xn = d2i_X509_NAME(NULL, &np, (long)name.rawlen)) == NULL) {
		ERR_clear_error();
		return false;
	}
	X509_NAME_free(xn);
	if (np != name.raw + name.rawlen)
		return false;
	r = spki.v;
	if (!der_expect(&r, spki.v + spki.len, 0x30, &alg) || !der_expect(&r, spki.v + spki.len, 0x03, &bits) ||
	    r != spki.v + spki.len || alg.len != sizeof(oid_rsa_null) ||
	    memcmp(alg.v, oid_rsa_null, sizeof(oid_rsa_null)) != 0 || bits.len < 2 || bits.v[0] != 0)
		return false;
	r = bits.v + 1;
	if (!der_expect(&r, bits.v + bits.len, 0x30, &rsapub) || r != bits.v + bits.len)
		return false;
	r = rsapub.v;
	if (!der_next(&r, rsapub.v + rsapub.len, &tn) || !der_next(&r, rsapub.v + rsapub.len, &te) ||
	    r != rsapub.v + rsapub.len || !der_uint(&tn, &n, &nlen) || !der_uint(&te, &e, &elen))
		return false;
	/* CPS §6.1.5: 2048 bits exactly, e = 65537; anything else gets the full path's error */
	if (nlen != CPS_RSA_BITS / 8 || (n[0] & 0x80) == 0 || elen != 3 || e[0] != 0x01 || e[1] != 0x00 ||
	    e[2] != 0x01 || sig.len - 1 != nlen)
		return false;
	if ((c->pkey = rsa_public(n, nlen, e, elen)) == NULL) {
		ERR_clear_error();
		return false;
	}
	/* CPS §6.1.2: proof of possession over the octets as received */
	if (!verify_sha256_rsa(c->pkey, cri.raw, cri.rawlen, sig.v + 1, sig.len - 1))
		goto no;
	if (EVP_Digest(bits.v + 1, bits.len - 1, c->key_id, NULL, gc_md_sha1(), NULL) != 1 ||
	    EVP_Digest(spki.raw, spki.rawlen, digest, NULL, gc_md_sha256(), NULL) != 1)
		goto no;
	gc_hex_encode(digest, sizeof(digest), c->spki_sha256_hex);
	if ((c->spki = OPENSSL_malloc(spki.rawlen)) == NULL || (c->key_bits = malloc(bits.len - 1)) == NULL)
		goto no;
	memcpy(c->spki, spki.raw, spki.rawlen);
	c->spkisz = spki.rawlen;
	memcpy(c->key_bits, bits.v + 1, bits.len - 1);
	c->key_bits_len = bits.len - 1;
	return true;
no:
	ERR_clear_error();
	EVP_PKEY_free(c->pkey);
	OPENSSL_free(c->spki);
	free(c->key_bits);
	memset(c, 0, sizeof(*c));
	return false;
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
	GC_NOMEM_OUT(rc, c = calloc(1, sizeof(*c)));
	if (gc_csr_fast_path && parse_common(der, (size_t)dersz, c)) {
		*out = c;
		OPENSSL_free(der);
		return GC_OK;
	}
	gc_csr_free(c);
	c = NULL;
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
