/*
 * iface/iface.h - the CA side of the system interface (SPEC §3, docs/interface.md):
 * processing request files from pinned RAs into signed result files (process.c), the
 * online mode over mutual TLS (http.c) and the batch spool (spool.c). Issuance,
 * revocation and signing are the engine's (src/ca/); this layer decodes, routes and
 * answers.
 */
#ifndef GCERT_IFACE_IFACE_H
#define GCERT_IFACE_IFACE_H

#include <stddef.h>

#include "ca/ca.h"
#include "ca/peer.h"

/*
 * process.c - the CA side of the system interface (SPEC §3, docs/design.md "The interface
 * file", docs/interface.md): a request file from a pinned RA in, a result file signed by
 * the CA service key out, one result per request. Online (HTTPS) and batch (spool) modes
 * both come through here.
 */

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
	unsigned char *result;  /* the signed result file (DER), OPENSSL_malloc'd: freed by
	                         * gc_iface_outcome_clear, or taken with gc_iface_result_free */
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
/* Frees a result taken out of an outcome (e.g. by the HTTP reply, which sends it without
 * a copy: a result file of 10,000 certificates is 23 MiB). */
void gc_iface_result_free(void *result);

/*
 * http.c - the online mode of the system interface (SPEC §3 step 4): request files
 * by HTTPS POST over mutual TLS. The client's TLS certificate must be a pinned RA
 * certificate, checked during the handshake: anything else is refused at the TLS layer
 * and recorded in the audit trail. The body is processed as a batch file would be, and
 * the signed result file is the response. The TLS key is in the token (hsm/tlskey.h).
 *
 *   POST /interface    Content-Type: application/cms    body: the request file (DER)
 *   200  the result file (application/cms)
 *   422  the file was refused whole; the body is the signed error document
 *   413  larger than interface.max_file_bytes; 415 other content types; 405 other methods
 */

struct gc_iface_http;

/* ca must have the token open; the endpoint works on a worker of it (its own database
 * connection), so ca must outlive the endpoint. listen is "127.0.0.1:PORT" or
 * "[::1]:PORT"; port 0 picks a free one. */
gc_result gc_iface_http_new(struct gc_ca *ca, const char *listen, struct gc_iface_http **out) GC_MUST_CHECK;
void gc_iface_http_free(struct gc_iface_http *);
gc_result gc_iface_http_start(void *) GC_MUST_CHECK;
void gc_iface_http_stop(void *);
int gc_iface_http_port(const struct gc_iface_http *);
/* False while the CA keys await M-of-N activation: the TLS key is in the token, so the
 * endpoint is not served (start does nothing, the port is 0) until activation. */
bool gc_iface_http_served(const struct gc_iface_http *);

/*
 * spool.c - batch mode of the system interface (SPEC §3 step 5): the RA drops request
 * files into an inbox, the CA writes result files to an outbox.
 *
 * The RA writes NAME.tmp and renames it to NAME.req when complete, so a half-written file
 * is never read: only *.req files are taken. The result is written atomically to
 * OUTBOX/NAME.res, then the request is moved to INBOX/done/. A crash anywhere leaves the
 * .req in place; processing it again answers from what was stored (the same bytes give
 * the stored result file; requests already issued give their certificates), so nothing
 * is issued twice.
 */

struct gc_spool_stats {
	size_t files, rejected_files, requests_accepted, requests_rejected, requests_replayed;
};

/* Processes every complete request file in inbox once, in name order. */
gc_result gc_spool_run_once(struct gc_ca *, const char *inbox, const char *outbox,
                            const struct gc_iface_limits *, struct gc_spool_stats *) GC_MUST_CHECK;

#endif
