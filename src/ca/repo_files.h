/*
 * repo_files.h - the CRL file poller, a worker of `gcert ca serve`. The CRL writer
 * renames new CRLs and the ARL into DIR/repo/crl/ (App. C); this worker notices a new
 * version (stat every GC_REPO_FILE_POLL_MS, then SHA-256 of the bytes) and queues it,
 * bytes and all, for the LDAP publisher, with an audit record, in one transaction
 * (CPS §2.5.3: the repository is updated as soon as a CRL is made; §4.5.1).
 */
#ifndef GCERT_CA_REPO_FILES_H
#define GCERT_CA_REPO_FILES_H

#include <stdint.h>

#include "core/error.h"

struct gc_repo_files_options {
	const char *crl_dir;
	const char *dbpath;
	const char *actor;
};

struct gc_repo_poller;
gc_result gc_repo_poller_new(const struct gc_repo_files_options *, struct gc_repo_poller **out) GC_MUST_CHECK;
void gc_repo_poller_free(struct gc_repo_poller *);
gc_result gc_repo_poller_start(void *poller) GC_MUST_CHECK;
void gc_repo_poller_stop(void *poller);
/* One pass over the files (the thread calls this; tests may too). */
gc_result gc_repo_poller_scan(struct gc_repo_poller *) GC_MUST_CHECK;

/*
 * Queues the whole repository again for LDAP (a directory rebuilt from nothing): every
 * CA and issued certificate, then the current CRL files, with an audit record. The
 * running publisher applies them in order. *rows: certificates queued.
 */
gc_result gc_repo_republish(const struct gc_repo_files_options *, int64_t *rows) GC_MUST_CHECK;

#endif
