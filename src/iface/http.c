/*
 * http.c - HTTPS with mutual TLS for interface files (libmicrohttpd, GnuTLS).
 *
 * Pinning happens in the handshake: on each new connection the GnuTLS session is told to
 * require a client certificate and to call check_peer(), which accepts only a pinned RA
 * certificate valid now; otherwise the handshake fails. A connection that ends without a
 * request and without an accepted certificate is audited as refused.
 *
 * The server's TLS key is the token's (hsm/tlskey.h, issue 15): GnuTLS asks for it through
 * the certificate callback and signs the handshake in the token. Under M-of-N activation
 * (CPS §6.2.2, §6.4) the key cannot be used before custodians activate the CA keys, so the
 * endpoint is not served at all until then: the service starts it when activated and
 * stops it when deactivated (cmd_serve.c rebuilds its workers on both).
 */
#include "iface/iface.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/limits.h"
#include "sys/listen.h"

#define IFACE_PATH "/interface"
#define IFACE_THREADS 2
#define IFACE_MAX_CONNECTIONS 64
#define IFACE_TIMEOUT_S 120

struct gc_iface_http {
	struct gc_ca *ca;     /* the worker: its own connection; token shared */
	struct gc_iface_limits lim;
	struct sockaddr_storage addr;
	struct gc_hsm_tls *tls; /* the TLS key in the token; NULL: not served (not activated) */
	struct gc_tls_creds creds; /* what GnuTLS is given of it */
	struct MHD_Daemon *d;
	pthread_mutex_t mu;   /* the worker's database connection is used by one thread at a time */
	int port;
};

/* Per connection: what the handshake decided, and whether a request came. */
struct conn {
	struct gc_iface_http *h;
	bool accepted, requested;
	char peer[64], why[128];
};

/* Per request: the body as it arrives. */
struct body {
	unsigned char *buf;
	size_t len;
	bool too_large, bad_type;
};

static void audit_refusal(struct gc_iface_http *h, const struct conn *c)
{
	char detail[256];

	snprintf(detail, sizeof(detail), "TLS client %s refused: %s", c->peer,
	         c->why[0] ? c->why : "no client certificate or handshake failed");
	pthread_mutex_lock(&h->mu);
	if (gc_db_begin(h->ca->db) == GC_OK) {
		if (gc_audit_append(h->ca->audit, "interface", GC_EV_IFACE_TLS_REFUSED, c->peer, false, detail) != GC_OK ||
		    gc_db_commit(h->ca->db) != GC_OK)
			gc_db_rollback(h->ca->db);
	}
	pthread_mutex_unlock(&h->mu);
}

/* Is der (the client's certificate) pinned and valid now? */
static bool pinned(struct gc_iface_http *h, const unsigned char *der, size_t n, struct conn *c)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)n);
	char name[GC_MAX_PEER_NAME + 1];
	time_t now = time(NULL);
	bool ok = false;

	if (x == NULL) {
		snprintf(c->why, sizeof(c->why), "client certificate does not parse");
		return false;
	}
	pthread_mutex_lock(&h->mu);
	ok = gc_peer_name(h->ca, x, name) == GC_OK;
	pthread_mutex_unlock(&h->mu);
	if (!ok)
		snprintf(c->why, sizeof(c->why), "client certificate is not pinned");
	else if (X509_cmp_time(X509_get0_notBefore(x), &now) >= 0 || X509_cmp_time(X509_get0_notAfter(x), &now) <= 0)
		snprintf(c->why, sizeof(c->why), "pinned client certificate of %s is not valid now", name), ok = false;
	X509_free(x);
	return ok;
}

static int check_peer(gnutls_session_t s)
{
	struct conn *c = gnutls_session_get_ptr(s);
	const gnutls_datum_t *certs;
	unsigned n = 0;

	certs = gnutls_certificate_get_peers(s, &n);
	if (c == NULL || certs == NULL || n < 1) {
		if (c != NULL)
			snprintf(c->why, sizeof(c->why), "no client certificate");
		return GNUTLS_E_CERTIFICATE_ERROR;
	}
	c->accepted = pinned(c->h, certs[0].data, certs[0].size, c);
	return c->accepted ? 0 : GNUTLS_E_CERTIFICATE_ERROR;
}

/* GnuTLS asks for the server's certificate and key: the token's (hsm/tlskey.h). */
static int server_identity(gnutls_session_t s, const gnutls_datum_t *req_ca_dn, int nreqs,
                           const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
                           unsigned int *pcert_length, gnutls_privkey_t *key)
{
	struct conn *c = gnutls_session_get_ptr(s);

	(void)req_ca_dn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
	if (c == NULL || c->h->tls == NULL)
		return -1;
	*pcert = c->h->creds.pcert;
	*pcert_length = c->h->creds.npcert;
	*key = c->h->creds.key;
	return 0;
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **ctx,
                          enum MHD_ConnectionNotificationCode code)
{
	struct gc_iface_http *h = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn *c = *ctx;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (c != NULL && !c->accepted && !c->requested)
			audit_refusal(h, c);
		free(c);
		*ctx = NULL;
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->h = h;
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr, c->peer, sizeof(c->peer));
	else if (ci != NULL && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr, c->peer, sizeof(c->peer));
	*ctx = c;
	/* before the handshake: require a certificate, and judge it ourselves */
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci != NULL && ci->tls_session != NULL) {
		gnutls_session_set_ptr(ci->tls_session, c);
		gnutls_certificate_server_set_request(ci->tls_session, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_function(ci->tls_session, check_peer);
	}
}

/* Queues response r (NULL: it could not be made) with its content type. */
static enum MHD_Result queue(struct MHD_Connection *mc, unsigned status, struct MHD_Response *r,
                             const char *type)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(mc, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply(struct MHD_Connection *mc, unsigned status, const void *data, size_t n,
                             const char *type)
{
	return queue(mc, status, MHD_create_response_from_buffer(n, (void *)data, MHD_RESPMEM_MUST_COPY),
	             type);
}

/* The signed result file, handed to the response without a copy (it frees it). */
static enum MHD_Result reply_result(struct MHD_Connection *mc, unsigned status,
                                    struct gc_iface_outcome *o)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(
		o->resultsz, o->result, gc_iface_result_free);

	if (r != NULL)
		o->result = NULL;
	return queue(mc, status, r, "application/cms");
}

static enum MHD_Result reply_text(struct MHD_Connection *mc, unsigned status, const char *msg)
{
	return reply(mc, status, msg, strlen(msg), "text/plain; charset=utf-8");
}

static bool cms_type(struct MHD_Connection *mc)
{
	const char *t = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);

	return t != NULL && (strncmp(t, "application/cms", 15) == 0 ||
	                     strncmp(t, "application/pkcs7-mime", 22) == 0 ||
	                     strncmp(t, "application/octet-stream", 24) == 0);
}

static enum MHD_Result process(struct gc_iface_http *h, struct MHD_Connection *mc, struct body *b)
{
	struct gc_iface_outcome o;
	enum MHD_Result ret;
	gc_result rc;

	pthread_mutex_lock(&h->mu);
	rc = gc_iface_process(h->ca, b->buf, b->len, &h->lim, &o);
	pthread_mutex_unlock(&h->mu);
	if (rc != GC_OK) {
		/* the detail, when it is still this failure's (cleanup may have overwritten it) */
		char msg[1200];
		snprintf(msg, sizeof(msg), "%s: %s\n", gc_code_name(rc),
		         gc_err_code() == rc ? gc_err_detail() : gc_code_message(rc));
		return reply_text(mc, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
	}
	ret = reply_result(mc, o.file_code == GC_OK ? MHD_HTTP_OK : MHD_HTTP_UNPROCESSABLE_CONTENT, &o);
	gc_iface_outcome_clear(&o);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **req)
{
	struct gc_iface_http *h = cls;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct body *b = *req;
	unsigned char *grown;

	(void)version;
	if (ci != NULL && ci->socket_context != NULL)
		((struct conn *)ci->socket_context)->requested = true;
	if (b == NULL) {
		if (strcmp(url, IFACE_PATH) != 0)
			return reply_text(mc, MHD_HTTP_NOT_FOUND, "POST request files to " IFACE_PATH "\n");
		if (strcmp(method, "POST") != 0)
			return reply_text(mc, MHD_HTTP_METHOD_NOT_ALLOWED, "only POST\n");
		if ((b = calloc(1, sizeof(*b))) == NULL)
			return MHD_NO;
		b->bad_type = !cms_type(mc);
		*req = b;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!b->too_large && !b->bad_type) {
			if (b->len + *upload_size > h->lim.max_file) {
				b->too_large = true;
			} else if ((grown = realloc(b->buf, b->len + *upload_size)) == NULL) {
				return MHD_NO;
			} else {
				b->buf = grown;
				memcpy(b->buf + b->len, upload, *upload_size);
				b->len += *upload_size;
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (b->bad_type)
		return reply_text(mc, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/cms\n");
	if (b->too_large)
		return reply_text(mc, MHD_HTTP_CONTENT_TOO_LARGE, "larger than interface.max_file_bytes\n");
	return process(h, mc, b);
}

static void request_done(void *cls, struct MHD_Connection *mc, void **req, enum MHD_RequestTerminationCode t)
{
	struct body *b = *req;

	(void)cls, (void)mc, (void)t;
	if (b != NULL) {
		free(b->buf);
		free(b);
		*req = NULL;
	}
}

gc_result gc_iface_http_new(struct gc_ca *ca, const char *listen, struct gc_iface_http **out)
{
	struct gc_iface_http *h;
	struct gc_hsm_key *key;
	X509 *cert;
	socklen_t addrlen;
	gc_result rc;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	pthread_mutex_init(&h->mu, NULL);
	h->lim = (struct gc_iface_limits){(size_t)ca->cfg.iface_max_file, (size_t)ca->cfg.iface_max_requests};
	GC_GUARD_OUT(rc, gc_listen_parse("--interface-listen", listen, &h->addr, &addrlen));
	/* CPS §6.4: keys not activated: neither the TLS key nor the service key can be used;
	 * nothing is served until activation rebuilds the endpoint */
	if (ca->hsm == NULL && gc_config_custodial(&ca->cfg)) {
		*out = h;
		return GC_OK;
	}
	/* the service key answers; make it now, not on the first request */
	GC_GUARD_OUT(rc, gc_service_identity(ca, &cert, &key));
	GC_GUARD_OUT(rc, gc_service_tls_identity(ca, &h->tls, &h->creds));
	GC_GUARD_OUT(rc, gc_ca_worker(ca, &h->ca));
	*out = h;
	return GC_OK;
out:
	gc_iface_http_free(h);
	return rc;
}

void gc_iface_http_free(struct gc_iface_http *h)
{
	if (h == NULL)
		return;
	gc_iface_http_stop(h);
	gc_ca_close(h->ca);
	gc_service_tls_close(h->tls);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

gc_result gc_iface_http_start(void *arg)
{
	struct gc_iface_http *h = arg;
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_TLS | MHD_USE_AUTO_INTERNAL_THREAD;

	if (h->tls == NULL)
		return GC_OK; /* not activated: not served (gc_iface_http_served) */
	if (h->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&h->addr,
	                        MHD_OPTION_HTTPS_CERT_CALLBACK, server_identity,
	                        MHD_OPTION_HTTPS_PRIORITIES, "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
	                        MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	                        MHD_OPTION_NOTIFY_COMPLETED, request_done, h,
	                        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)IFACE_THREADS,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)IFACE_MAX_CONNECTIONS,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IFACE_TIMEOUT_S, MHD_OPTION_END);
	GC_ENSURE(h->d != NULL, GC_E_IO, "interface endpoint: cannot listen (address in use, or TLS setup failed)");
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di != NULL ? di->port : 0;
	return GC_OK;
}

void gc_iface_http_stop(void *arg)
{
	struct gc_iface_http *h = arg;

	if (h->d != NULL) {
		MHD_stop_daemon(h->d);
		h->d = NULL;
	}
}

int gc_iface_http_port(const struct gc_iface_http *h)
{
	return h->port;
}

bool gc_iface_http_served(const struct gc_iface_http *h)
{
	return h->tls != NULL;
}
