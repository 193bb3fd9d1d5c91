/*
 * request.h - a certificate request object of the interface format (docs/design.md), parsed
 * once at the edge into a checked struct. Inner layers take only this struct.
 *
 * {"id":"req-0001","type":"issue","cert_type":"individual","validity_years":2,
 *  "subject":{"name":…,"email":…,"branch":…,"organisation":…,"branch_abbr":…,
 *             "branch_zh":…,"organisation_zh":…,"category":…},
 *  "csr":"-----BEGIN CERTIFICATE REQUEST-----…"}
 */
#ifndef GCERT_CORE_REQUEST_H
#define GCERT_CORE_REQUEST_H

#include <stddef.h>

#include "core/error.h"
#include "core/limits.h"
#include "core/profile.h"

enum gc_request_type {
	GC_REQ_ISSUE, /* a new application (CPS §3.1) */
	GC_REQ_RENEW, /* a renewal (§3.2): names the certificate it renews */
};

struct gc_issue_request {
	/* as sent; the interface prefixes the RA's name ("cmmp/req-1") so that ids are
	 * unique per RA */
	char id[GC_MAX_PEER_ID + 1 + GC_MAX_REQUEST_ID + 1];
	char content_sha256[65]; /* of the request as sent (interface replays); "" from the CLI */
	enum gc_request_type type;
	char renews[41]; /* GC_REQ_RENEW: serial of the certificate renewed, lower-case hex */
	const struct gc_profile *profile; /* from cert_type */
	int validity_years;               /* CPS §1.2.5: 1..3 */
	/* Subject data by field; NULL for an absent optional field. GC_F_SUBSCRIBER_REF is
	 * set by the CA, never taken from the request. */
	char *fields[GC_F_COUNT];
	char *csr_pem; /* not yet checked: x509/csr.c does that */
	size_t csr_pem_len;
};

/* Parses and checks a JSON request document. On failure *out is untouched. */
gc_result gc_request_parse(const char *json, size_t len, struct gc_issue_request **out) GC_MUST_CHECK;
/* Checks an already decoded request object (a jansson json_t *, as void * to keep
 * jansson out of this header). */
gc_result gc_request_from_json(const void *obj, struct gc_issue_request **out) GC_MUST_CHECK;
/* Checks the subject of a request of cert_type (a jansson json_t *) by the same rules and
 * profile table as gc_request_from_json (CPS App. B), without keeping it: for a
 * registration authority that checks an application before anything is sent. label is
 * the request id its messages name; *field (when not NULL) is set to the request member
 * at fault ("subject.name", "cert_type"), NULL on success. */
gc_result gc_request_check_subject(const char *cert_type, const void *subject, const char *label,
                                   const char **field) GC_MUST_CHECK;
void gc_request_free(struct gc_issue_request *);

#endif
