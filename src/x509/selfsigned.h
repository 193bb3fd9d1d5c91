/*
 * selfsigned.h - self-signed certificates for the keys that are not CA keys (the CA
 * service key, the interface TLS key, the audit key): the other side pins them or an
 * auditor compares their fingerprints; they are never chained to the CA (§6.1.6).
 */
#ifndef GCERT_X509_SELFSIGNED_H
#define GCERT_X509_SELFSIGNED_H

#include <openssl/x509.h>

#include "core/error.h"

struct gc_self_signed {
	EVP_PKEY *pub;        /* the key certified */
	EVP_PKEY *signer;     /* its private half (a token handle, or the key itself) */
	const char *cn;       /* subject C=HK, O=o, CN=cn */
	const char *o;        /* NULL: Hongkong Post (the CA's own service keys) */
	int years;            /* valid from now */
	const char *key_usage; /* X509V3 config text, e.g. "critical,digitalSignature" */
	const char *eku;       /* NULL: none */
	const char *san;       /* NULL: none */
};

gc_result gc_self_signed_make(const struct gc_self_signed *, X509 **out) GC_MUST_CHECK;

#endif
