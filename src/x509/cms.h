/*
 * cms.h - the envelope of the system interface files (docs/design.md "The interface file"):
 * CMS SignedData (RFC 5652), DER, with the JSON document encapsulated. Trust is pinned:
 * a file is accepted only when it is signed by one of the certificates the other side
 * pinned, whatever certificates the file itself carries.
 */
#ifndef GCERT_X509_CMS_H
#define GCERT_X509_CMS_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>

#include "core/error.h"

/* Signs data (SHA-256, RSA) with key, whose certificate is cert; the certificate is
 * included so the other side can name it, but the other side never trusts it for that. */
gc_result gc_cms_sign(X509 *cert, EVP_PKEY *key, const unsigned char *data, size_t len,
                      unsigned char **der, size_t *dersz) GC_MUST_CHECK;

/*
 * Checks der: a DER CMS SignedData with encapsulated content, exactly one signer, whose
 * signature verifies with one of the pinned certificates, which must be valid at now.
 * On success *content (caller frees) is the signed content and *signer (optional, caller
 * frees) the pinned certificate that signed it. max bounds der's size.
 */
gc_result gc_cms_verify(const unsigned char *der, size_t dersz, size_t max,
                        STACK_OF(X509) *pinned, int64_t now, unsigned char **content,
                        size_t *contentsz, X509 **signer) GC_MUST_CHECK;

#endif
