/*
 * ra_flow.h - the part of the workflows that crosses to the token and the CA (link.h):
 * after a business manager's approval, the key pair, the CSR, the request document of
 * docs/interface.md, its result, binding and notification (CPS §3.1 steps 3-8, §4.4.2).
 * The caller holds ra->mu (the database); it is given back around every call to the
 * token or the CA and taken again after, so the API keeps answering while the CA is slow
 * or down. An application or revocation on its way to the CA is marked in the database
 * (sending_at) by the one thread that prepares and sends it: never sent by two at once,
 * and never lost (the worker takes over a mark a stopped process left).
 */
#ifndef GCERT_RA_RA_FLOW_H
#define GCERT_RA_RA_FLOW_H

#include <stdint.h>

#include "ra/ra.h"

/* An approved application: key, CSR, request, send, and (online) bind. A failure to
 * reach the CA leaves it 'submitted' with the error noted: gc_ra_flow_retry sends the
 * same request again. */
gc_result gc_ra_flow_issue(struct gc_ra *, int64_t application, const char *actor) GC_MUST_CHECK;
/* An approved revocation: the key is disabled at once, then the request goes to the CA. */
gc_result gc_ra_flow_revoke(struct gc_ra *, int64_t revocation, const char *actor) GC_MUST_CHECK;
/* Worker step: sends again what could not be sent, collects batch results. */
void gc_ra_flow_retry(struct gc_ra *);

#endif
