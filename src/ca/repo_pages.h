/*
 * repo_pages.h - what the public repository shows people (CPS §2.5, §2.5.1): HTML pages
 * and PEM text. Each function returns malloc'ed text (the caller frees) and its length,
 * or NULL when memory ran out (gc_page_cert also when the DER does not parse).
 */
#ifndef GCERT_CA_REPO_PAGES_H
#define GCERT_CA_REPO_PAGES_H

#include <stddef.h>

#include "core/config.h"
#include "store/repostore.h"

/* The index: CRLs (with size and date when published), CA certificates, CPS, lookup forms. */
char *gc_page_index(const struct gc_config *, const char *crl_dir, size_t *n);
/* Every CPS version with its effective date, the current one marked (CPS §8). */
char *gc_page_cps(size_t *n);
/* One issued certificate: serial, subject, type, email, validity, fingerprint, links. */
char *gc_page_cert(const struct gc_repo_cert *, size_t *n);
/* RFC 7468 text of DER bytes under label ("CERTIFICATE"). */
char *gc_pem_encode(const unsigned char *der, size_t dersz, const char *label, size_t *n);

#endif
