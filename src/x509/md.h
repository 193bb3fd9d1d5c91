/*
 * md.h - the digests of issuance, fetched once (issue 18). OpenSSL 3 looks EVP_sha256()'s
 * implementation up in the provider store at every use, under a process-wide lock that the
 * pipeline's threads contend for; an explicitly fetched EVP_MD is used as it is.
 */
#ifndef GCERT_X509_MD_H
#define GCERT_X509_MD_H

#include <openssl/evp.h>

/* Never NULL: if the fetch fails, OpenSSL's implicit EVP_sha256() / EVP_sha1(). */
const EVP_MD *gc_md_sha256(void);
const EVP_MD *gc_md_sha1(void);

#endif
