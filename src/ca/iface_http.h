/*
 * iface_http.h - the online mode of the system interface (SPEC §3 step 4): request files
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
#ifndef GCERT_CA_IFACE_HTTP_H
#define GCERT_CA_IFACE_HTTP_H

#include "ca/interface.h"

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

#endif
