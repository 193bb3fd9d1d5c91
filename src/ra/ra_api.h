/*
 * ra_api.h - the JSON API of docs/ra-api.md, independent of the HTTP server: a request
 * in (method, path, body, cookie, headers), a response out. ra_http.c carries it.
 */
#ifndef GCERT_RA_RA_API_H
#define GCERT_RA_RA_API_H

#include <stdbool.h>
#include <stddef.h>

#include "ra/ra.h"

#define GC_RA_COOKIE "gcert_ra_session"

struct gc_ra_req {
	const char *method;
	const char *path;    /* decoded, starting with /api/ */
	const char *q_status; /* ?status= */
	const char *q_mine;   /* ?mine= */
	const char *body;
	size_t body_len;
	const char *session;  /* the gcert_ra_session cookie */
	const char *csrf;     /* X-CSRF-Token */
	const char *auth;     /* Authorization */
	const char *client;   /* the peer's address, for the audit trail */
	bool https;
};

struct gc_ra_resp {
	unsigned status;
	const char *type;  /* static */
	char *body;        /* malloc'ed */
	size_t len;
	char cookie[256];  /* Set-Cookie, when not empty */
	char disposition[128];
};

/* Answers one API request; never fails (errors become JSON error bodies). */
void gc_ra_api(struct gc_ra *, const struct gc_ra_req *, struct gc_ra_resp *);
/* The HTTP status of an error code (docs/ra-api.md "errors"). */
unsigned gc_ra_http_status(gc_result);
/* {"error": {"code", "message"}} of the current error. */
void gc_ra_error_body(struct gc_ra_resp *, gc_result);

#endif
