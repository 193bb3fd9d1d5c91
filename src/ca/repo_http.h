/*
 * repo_http.h - the public repository over HTTP (CPS §2.5, §4.3; SPEC.md §5), a
 * libmicrohttpd server inside `gcert ca serve`. What it serves, and at which paths,
 * is in docs/repository.md. It holds no key and writes nothing: it reads the
 * database (one connection per worker thread) and DIR/repo/crl/ on every request,
 * so a certificate or CRL is visible the moment it is committed or renamed into place.
 */
#ifndef GCERT_CA_REPO_HTTP_H
#define GCERT_CA_REPO_HTTP_H

#include "core/config.h"
#include "core/error.h"

struct gc_repo_http_options {
	const char *listen;  /* "127.0.0.1:8080", "[::1]:8080"; port 0 picks a free port */
	const char *dbpath;  /* the CA database */
	const char *crl_dir; /* DIR/repo/crl */
	const struct gc_config *cfg;
	struct gc_repo_alerts *alerts; /* refused lookups are noted here; may be NULL */
};

struct gc_repo_alerts;
struct gc_repo_http;
gc_result gc_repo_http_new(const struct gc_repo_http_options *, struct gc_repo_http **out) GC_MUST_CHECK;
void gc_repo_http_free(struct gc_repo_http *);
/* The service worker (ca/service.h): start binds and serves; stop closes and joins. */
gc_result gc_repo_http_start(void *http) GC_MUST_CHECK;
void gc_repo_http_stop(void *http);
/* After start: the port bound (useful with port 0). */
int gc_repo_http_port(const struct gc_repo_http *);

#endif
