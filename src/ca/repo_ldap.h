/*
 * repo_ldap.h - publication of the repository to an LDAP directory (CPS §2.5:
 * ldap://ldap1.eCert.gov.hk; App. C I: the full CRL's entry), a worker of
 * `gcert ca serve`. It applies the ldap_outbox rows (store/repostore.h) in order, one
 * directory update each, and deletes each row together with its audit record. When
 * the directory is down it keeps the rows and retries with backoff: nothing is lost,
 * nothing overtakes. Updates are idempotent (add, or replace when present), so a row
 * applied twice after a crash does no harm. The entry scheme is in docs/repository.md.
 */
#ifndef GCERT_CA_REPO_LDAP_H
#define GCERT_CA_REPO_LDAP_H

#include "core/config.h"
#include "core/error.h"

struct gc_repo_ldap_options {
	const char *uri;           /* ldap://127.0.0.1:3389 */
	const char *password_file; /* mode 0600; never logged */
	const char *dbpath;
	const char *actor;         /* for the audit trail */
	const struct gc_config *cfg; /* names: base, bind DN, CA names */
};

struct gc_repo_ldap;
gc_result gc_repo_ldap_new(const struct gc_repo_ldap_options *, struct gc_repo_ldap **out) GC_MUST_CHECK;
void gc_repo_ldap_free(struct gc_repo_ldap *);
gc_result gc_repo_ldap_start(void *ldap) GC_MUST_CHECK;
void gc_repo_ldap_stop(void *ldap);

/* The DN of a subscriber certificate's entry: uid=<serial>,ou=g-Cert,<base>. */
gc_result gc_repo_ldap_cert_dn(const char *base, const char *serial, char *out, size_t outsz) GC_MUST_CHECK;

#endif
