/*
 * raweb/raweb.h - the RA service's edge (CPS §2.1.3, §3.1, §4.4, App. E; docs/ra-api.md):
 * the JSON API (api*.c) and the HTTP server that serves it with the web UI (http.c).
 * It parses and checks what browsers and designated applications send, then calls the
 * RA engine (src/ra/: database, workflows, the link to the CA). It holds no token session.
 */
#ifndef GCERT_RAWEB_RAWEB_H
#define GCERT_RAWEB_RAWEB_H

#include <stdbool.h>
#include <stddef.h>

#include "ra/ra.h"

/*
 * api.c - the JSON API of docs/ra-api.md, independent of the HTTP server: a request
 * in (method, path, body, cookie, headers), a response out. http.c carries it.
 */

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

/* http.c - the RA service's HTTP server: the API of docs/ra-api.md and the web UI files. */

struct gc_ra_http;

/* Listens on listen ("127.0.0.1:8090"; port 0 picks a free one) until stopped. */
gc_result gc_ra_http_start(struct gc_ra *, const char *listen, struct gc_ra_http **out) GC_MUST_CHECK;
int gc_ra_http_port(const struct gc_ra_http *);
void gc_ra_http_stop(struct gc_ra_http *);

#endif
