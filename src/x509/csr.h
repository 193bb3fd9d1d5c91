/*
 * csr.h - PKCS #10 requests from the RA: decoded strictly, proof of possession checked
 * (CPS §6.1.2), and the subscriber key held to CPS §6.1.5 (RSA 2048, e = 65537).
 * Nothing but the public key is taken from a CSR (docs/design.md: never its subject).
 */
#ifndef GCERT_X509_CSR_H
#define GCERT_X509_CSR_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct gc_csr {
	EVP_PKEY *pkey;
	unsigned char *spki; /* SubjectPublicKeyInfo DER */
	size_t spkisz;
	unsigned char *key_bits; /* the subjectPublicKey BIT STRING contents (RSAPublicKey) */
	size_t key_bits_len;
	char spki_sha256_hex[65];    /* key identity for reuse checks */
	unsigned char key_id[20];    /* RFC 5280 §4.2.1.2 (1): SHA-1 of subjectPublicKey */
};

/* id names the request in messages. On failure *out is untouched. */
gc_result gc_csr_parse(const char *id, const char *pem, size_t len, struct gc_csr **out) GC_MUST_CHECK;
void gc_csr_free(struct gc_csr *);
/* The common request's own reader (csr.c); false: every request through OpenSSL's full
 * decoder. On by default; the unit test turns it off to compare the two paths. */
extern bool gc_csr_fast_path;
/* The key identifier and hex SHA-256 of an SPKI, shared with CA keys. */
gc_result gc_spki_ids(EVP_PKEY *pkey, unsigned char **spki, size_t *spkisz,
                      char sha256_hex[65], unsigned char key_id[20]) GC_MUST_CHECK;
/* The same from an already encoded key: no trip through OpenSSL's key encoders, which
 * cost more than the rest of a certificate (this is on the issuance hot path). */
gc_result gc_xpubkey_ids(const X509_PUBKEY *xpk, unsigned char **spki, size_t *spkisz,
                         char sha256_hex[65], unsigned char key_id[20]) GC_MUST_CHECK;

#endif
