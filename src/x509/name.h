/*
 * name.h - X.509 names built from profile rules with exact string types (App. B).
 */
#ifndef GCERT_X509_NAME_H
#define GCERT_X509_NAME_H

#include <openssl/x509.h>

#include "core/error.h"
#include "core/profile.h"
#include "x509/derbuf.h"

/*
 * Builds a name from rules (DER order) and one value per rule (NULL or "" omits an
 * optional attribute). Each attribute is its own RDN.
 */
gc_result gc_name_build(const struct gc_rdn_rule *rules, size_t n, const char *const *values,
                        X509_NAME **out) GC_MUST_CHECK;
/* The same name, with the same checks and errors, appended to b as DER. */
gc_result gc_name_der(const struct gc_rdn_rule *rules, size_t n, const char *const *values,
                      struct gc_derbuf *b) GC_MUST_CHECK;
/* The OpenSSL NID of a profile attribute. */
int gc_attr_nid(enum gc_attr);

#endif
