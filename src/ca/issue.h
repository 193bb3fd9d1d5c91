/*
 * issue.h - the issuance path (docs/design.md): checked request → CSR proof of possession →
 * profile → TBS recorded before signing → token signs → parsed back and verified →
 * certificate and audit record committed together.
 */
#ifndef GCERT_CA_ISSUE_H
#define GCERT_CA_ISSUE_H

#include <stddef.h>
#include <stdint.h>

#include "ca/ca.h"
#include "core/request.h"

struct gc_issue_result {
	enum gc_code code;  /* GC_OK or why this request was refused */
	char detail[512];   /* the message naming the field and rule */
	char serial[41];    /* lower-case hex, 20 octets */
	char subscriber_ref[11];
	int64_t not_before, not_after;
	unsigned char *der; /* the certificate; caller frees with free() */
	size_t dersz;
};

/*
 * Issues a batch: each request succeeds or fails on its own, and a failure changes
 * nothing but an audit record of the refusal. Two transactions serve the whole batch
 * (reserve, then commit), so durability costs two fsyncs however large the batch.
 * Returns an error only when the batch as a whole could not run (database, token);
 * then no certificate of it was handed out.
 */
gc_result gc_ca_issue(struct gc_ca *, struct gc_issue_request *const *reqs, size_t n,
                      struct gc_issue_result *results) GC_MUST_CHECK;
/*
 * The same for a large batch, pipelined: the calling thread checks and reserves chunk
 * k+1 while a second thread has the token sign chunk k and commits it on its own
 * database connection, so the token is never idle waiting for the CPU work around it.
 * Each chunk is its own pair of transactions. Returns the first batch-level error;
 * results hold each request's outcome either way.
 */
gc_result gc_ca_issue_many(struct gc_ca *, struct gc_issue_request *const *reqs, size_t n,
                           struct gc_issue_result *results, size_t chunk) GC_MUST_CHECK;

/*
 * What the caller keeps with the certificates it is given: committing runs inside the
 * transaction that makes them 'issued', on that transaction's connection (the
 * pipeline's committing thread), with up to 64 of them at a time. What it writes
 * commits with them or not at all; an error rolls the chunk back (its requests end with
 * that error). A result it is shown may still end refused if the commit then fails, so
 * the caller trusts what it made only for results whose code is GC_OK at the end.
 */
struct gc_issue_hook {
	gc_result (*committing)(struct gc_db *db, const struct gc_issue_result *const *issued,
	                        size_t k, void *arg);
	void *arg;
};
gc_result gc_ca_issue_hooked(struct gc_ca *, struct gc_issue_request *const *reqs, size_t n,
                             struct gc_issue_result *results, size_t chunk,
                             const struct gc_issue_hook *hook) GC_MUST_CHECK;
void gc_issue_results_clear(struct gc_issue_result *, size_t n);

#endif
