/* ra_http.h - the RA service's HTTP server: the API of docs/ra-api.md and the web UI files. */
#ifndef GCERT_RA_RA_HTTP_H
#define GCERT_RA_RA_HTTP_H

#include "ra/ra.h"

struct gc_ra_http;

/* Listens on listen ("127.0.0.1:8090"; port 0 picks a free one) until stopped. */
gc_result gc_ra_http_start(struct gc_ra *, const char *listen, struct gc_ra_http **out) GC_MUST_CHECK;
int gc_ra_http_port(const struct gc_ra_http *);
void gc_ra_http_stop(struct gc_ra_http *);

#endif
