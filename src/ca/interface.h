/*
 * interface.h - the CA side of the system interface (SPEC §3, DESIGN.md "The interface
 * file", docs/interface.md): a request file from a pinned RA in, a result file signed by
 * the CA service key out, one result per request. Online (HTTPS) and batch (spool) modes
 * both come through here.
 */
#ifndef GCERT_CA_INTERFACE_H
#define GCERT_CA_INTERFACE_H

#include <stddef.h>

#include "ca/ca.h"
#include "ca/peer.h"

struct gc_iface_limits {
	size_t max_file;     /* bytes of one request file */
	size_t max_requests; /* requests in one file */
};

struct gc_iface_outcome {
	enum gc_code file_code; /* GC_OK, or why the file was rejected whole (nothing changed) */
	char detail[512];
	char ra[GC_MAX_PEER_NAME + 1];  /* who signed it, when known */
	char batch_id[GC_MAX_REQUEST_ID + 1];
	size_t accepted, rejected, replayed; /* requests */
	unsigned char *result;  /* the signed result file (DER); caller frees with free() */
	size_t resultsz;
};

/*
 * Processes one request file. Returns GC_OK when a signed result file was produced — for
 * a file rejected whole too, whose result then carries the error (outcome->file_code) —
 * and an error only when no result could be made at all (token, database).
 * The same file bytes again return the stored result and process nothing. A dersz over
 * the limit is refused without reading der (it may hold only what was read).
 */
gc_result gc_iface_process(struct gc_ca *, const unsigned char *der, size_t dersz,
                           const struct gc_iface_limits *, struct gc_iface_outcome *) GC_MUST_CHECK;
void gc_iface_outcome_clear(struct gc_iface_outcome *);

#endif
