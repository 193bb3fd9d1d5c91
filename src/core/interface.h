/*
 * interface.h - the JSON document inside a system interface file (docs/design.md "The
 * interface file", docs/interface.md): a batch of requests from the RA, checked at the
 * edge. A malformed document fails whole; a malformed request fails alone.
 *
 * {"format":"gcert-interface/1","batch_id":"…","created":"2026-11-25T09:00:00Z",
 *  "requests":[{issue or renew request, as gcert issue takes},
 *              {"id":"…","type":"revoke","serial":"…","reason":1,"requested_at":"…"}]}
 */
#ifndef GCERT_CORE_INTERFACE_H
#define GCERT_CORE_INTERFACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/request.h"

#define GC_IFACE_FORMAT "gcert-interface/1"

enum gc_iface_type { GC_IFACE_ISSUE, GC_IFACE_RENEW, GC_IFACE_REVOKE };

struct gc_iface_revoke {
	char serial[41];      /* lower-case hex, 20 octets */
	int reason;           /* CPS App. C reasonCode 0..6; 0 when not given (§4.4.1) */
	int64_t requested_at; /* when the RA received the request; 0: not given */
};

struct gc_iface_item {
	char id[GC_MAX_REQUEST_ID + 1]; /* as sent; "#N" (N from 1) when missing or unusable */
	char sha256[65];                /* of the request object as sent, for replays */
	enum gc_iface_type type;
	struct gc_issue_request *issue; /* GC_IFACE_ISSUE and GC_IFACE_RENEW */
	struct gc_iface_revoke revoke;
	enum gc_code code;              /* GC_OK, or why the request object is refused */
	char detail[512];
};

struct gc_iface_batch {
	char batch_id[GC_MAX_REQUEST_ID + 1];
	int64_t created;
	size_t n;
	struct gc_iface_item *items;
};

/* Parses a document of at most max_requests requests. */
gc_result gc_iface_parse(const char *json, size_t len, size_t max_requests,
                         struct gc_iface_batch **out) GC_MUST_CHECK;
void gc_iface_batch_free(struct gc_iface_batch *);

#endif
