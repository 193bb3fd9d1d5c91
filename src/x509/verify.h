/*
 * verify.h - relying-party verification (CPS §2.1.6, §2.1.3 n): path validation to the
 * root with revocation checked on every certificate of the path (the partitioned CRL a
 * g-Cert names, the root's ARL for the issuing CA; App. C), the g-Cert policy, key usage
 * and extended key usage for a stated purpose, and time. The answer is one line a person
 * understands: "revoked on 2026-11-24 (keyCompromise)", "expired on ...", "not issued
 * by a trusted CA ...".
 */
#ifndef GCERT_X509_VERIFY_H
#define GCERT_X509_VERIFY_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

enum gc_purpose {
	GC_PURPOSE_ANY,         /* path, revocation, policy and time only */
	GC_PURPOSE_SIGN,        /* digitalSignature + emailProtection (sign messages, receipts) */
	GC_PURPOSE_ENCRYPT,     /* keyEncipherment + emailProtection (encrypt messages) */
	GC_PURPOSE_CLIENT_AUTH, /* digitalSignature + clientAuth (authenticate within CMMP) */
};

struct gc_verify_input {
	X509 *leaf;
	STACK_OF(X509) *roots;     /* trust anchors */
	STACK_OF(X509) *untrusted; /* issuing CA certificates */
	STACK_OF(X509_CRL) *crls;  /* CRLs and ARLs; OpenSSL picks by scope (IDP) */
	int64_t at;                /* the time to verify at; 0 for now */
	enum gc_purpose purpose;
};

/* "sign", "encrypt", "clientauth" or "any". */
bool gc_purpose_parse(const char *s, enum gc_purpose *out);
const char *gc_purpose_name(enum gc_purpose);

/*
 * GC_OK when the certificate may be relied on for the purpose. Otherwise one of
 * GC_E_CERT_REVOKED, GC_E_CERT_EXPIRED, GC_E_CERT_UNTRUSTED, GC_E_CERT_PURPOSE,
 * GC_E_CERT_POLICY, GC_E_CRL_UNAVAILABLE, with the one-line reason as error detail.
 */
gc_result gc_verify_cert(const struct gc_verify_input *) GC_MUST_CHECK;

#endif
