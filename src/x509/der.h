/*
 * der.h - the DER glue around a signature made in the token: a signed object
 * (Certificate, CertificateList) is SEQUENCE { tbs, signatureAlgorithm, BIT STRING }.
 */
#ifndef GCERT_X509_DER_H
#define GCERT_X509_DER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct x509_st X509;

/* AlgorithmIdentifier sha256WithRSAEncryption with NULL parameters (RFC 4055 §5). */
extern const uint8_t gc_der_sha256_rsa_algid[15];

/* Wraps tbs (a DER SEQUENCE) and a PKCS #1 v1.5 signature into the signed object. */
gc_result gc_der_wrap_signed(const uint8_t *tbs, size_t tbssz, const uint8_t *sig, size_t sigsz,
                             uint8_t **out, size_t *outsz) GC_MUST_CHECK;
/* Writes a DER length; returns bytes written (at most 5). */
size_t gc_der_put_len(uint8_t *p, size_t len);
/* DER Time (tag, length, value): UTCTime 1950-2049, GeneralizedTime for the other years
 * 0000-9999 (RFC 5280 §4.1.2.5, §5.1.2.4). */
size_t gc_der_time(int64_t t, unsigned char out[17]);

/* The PEM text (RFC 7468) of a certificate, malloc'ed (the caller frees); NULL when
 * memory ran out. */
char *gc_x509_pem(X509 *);
#endif
