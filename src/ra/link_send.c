/*
 * link_send.c - the RA's side of the system interface (CPS §3.1 steps 4-5, SPEC §3,
 * docs/interface.md): a request document is checked, signed as CMS by the RA service key
 * in the token, and either POSTed over mutual TLS to the CA (online; the client key is
 * the same token key, put on curl's SSL_CTX) or dropped into DIR/outbox (batch). Every
 * result is accepted only when it verifies with the pinned CA service certificate.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/interface.h"
#include "ra/link_int.h"
#include "sys/fileio.h"
#include "x509/cms.h"

/* A response body, bounded. */
struct body {
	unsigned char *buf;
	size_t len;
	bool too_large;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	unsigned char *grown;

	if (b->len + add > GC_RA_MAX_RESULT) {
		b->too_large = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if ((grown = realloc(b->buf, b->len + add + 1)) == NULL)
		return 0;
	b->buf = grown;
	memcpy(b->buf + b->len, p, add);
	b->len += add;
	b->buf[b->len] = '\0';
	return add;
}

/* The TLS client identity is the RA service key in the token (libp11 handle). */
static CURLcode on_ssl_ctx(CURL *curl, void *ssl_ctx, void *arg)
{
	struct gc_ra_link *l = arg;
	SSL_CTX *ctx = ssl_ctx;

	(void)curl;
	if (SSL_CTX_use_certificate(ctx, l->service_cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, gc_hsm_key_handle(l->service_key)) != 1)
		return CURLE_SSL_CERTPROBLEM;
	return CURLE_OK;
}

/* A readable, bounded excerpt of an HTTP error body for the message. */
static void excerpt(const struct body *b, char *out, size_t outsz)
{
	size_t i, n = 0;

	for (i = 0; i < b->len && n + 1 < outsz && n < 200; i++) {
		if (b->buf[i] == '\n' || b->buf[i] == '\r') {
			if (n > 0)
				break;
			continue;
		}
		out[n++] = (b->buf[i] >= 0x20 && b->buf[i] < 0x7f) ? (char)b->buf[i] : '?';
	}
	out[n] = '\0';
}

static gc_result curl_failure(const struct gc_ra_link *l, CURLcode cc, const char *err, const struct body *b)
{
	const char *url = l->cfg.interface_url;
	const char *why = err[0] ? err : curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return gc_fail(GC_E_RA_CONNECT, "CA interface %s: cannot connect (%s); is the CA service running?", url, why);
	case CURLE_OPERATION_TIMEDOUT:
		return gc_fail(GC_E_RA_CONNECT, "CA interface %s: timed out (%s); the same file may be sent again", url, why);
	case CURLE_WRITE_ERROR:
		if (b->too_large)
			return gc_fail(GC_E_TOO_LARGE, "CA interface %s: result over %zu bytes", url, (size_t)GC_RA_MAX_RESULT);
		return gc_fail(GC_E_NOMEM, "CA interface %s: out of memory for the result", url);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return gc_fail(GC_E_RA_TLS, "CA interface %s: TLS failed: %s (the CA's TLS certificate must match "
		               "ca.tls_cert, and the CA must have pinned this RA's service certificate)", url, why);
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		/* TLS 1.3: a client certificate the CA does not pin is refused after the
		 * handshake, so it shows as a broken connection */
		return gc_fail(GC_E_RA_TLS, "CA interface %s: the CA closed the TLS connection: %s (has the CA pinned "
		               "this RA's service certificate? `gcert ca pin --ra NAME --cert ra-service.pem`)", url, why);
	default:
		return gc_fail(GC_E_RA_CONNECT, "CA interface %s: %s", url, why);
	}
}

/*
 * The token takes part in the TLS handshake (the RA service key signs for the client
 * certificate), so the link's lock is held while the connection is made and given back
 * as soon as it is up (CURLOPT_PREREQFUNCTION runs after the handshake, before the
 * request is sent): a CA slow to answer, or down, holds no lock that anyone else needs.
 */
struct token_hold {
	struct gc_ra_link *l;
	bool held;
};

static void token_release(struct token_hold *t)
{
	if (t->held) {
		t->held = false;
		pthread_mutex_unlock(&t->l->mu);
	}
}

static int on_connected(void *arg, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
	(void)primary_ip, (void)local_ip, (void)primary_port, (void)local_port;
	token_release(arg);
	return CURL_PREREQFUNC_OK;
}

static gc_result post(struct gc_ra_link *l, const unsigned char *der, size_t dersz, long *status, struct body *b,
                      struct token_hold *t)
{
	char err[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL, *h2;
	CURL *c = curl_easy_init();
	CURLcode cc;
	gc_result rc = GC_OK;

	GC_ENSURE(c != NULL, GC_E_NOMEM, "curl: out of memory");
	GC_NOMEM_OUT(rc, hdr = curl_slist_append(NULL, "Content-Type: application/cms"));
	GC_NOMEM_OUT(rc, h2 = curl_slist_append(hdr, "Expect:"));
	hdr = h2;
	curl_easy_setopt(c, CURLOPT_URL, l->cfg.interface_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, der);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)dersz);
	/* the CA's TLS certificate is the only trust anchor: pinned, self-signed */
	curl_easy_setopt(c, CURLOPT_CAINFO, l->cfg.ca_tls_cert);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
	curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, l);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, l->cfg.connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, l->cfg.request_timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, on_connected);
	curl_easy_setopt(c, CURLOPT_PREREQDATA, t);
	cc = curl_easy_perform(c);
	token_release(t);
	if (cc != CURLE_OK) {
		ERR_clear_error(); /* curl has said what failed; no stale entry for the next error */
		rc = curl_failure(l, cc, err, b);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return rc;
}

/* The signed result, checked: pinned signer, a document of the interface format. */
static gc_result open_result(struct gc_ra_link *l, const char *from, const unsigned char *der, size_t dersz,
                             char **json, size_t *len)
{
	unsigned char *content = NULL;
	size_t n = 0;
	json_t *root;
	json_error_t jerr;
	const char *fmt;

	char why[512];

	if (gc_cms_verify(der, dersz, GC_RA_MAX_RESULT, l->ca_pin, (int64_t)time(NULL), &content, &n, NULL) != GC_OK) {
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		return gc_fail(GC_E_RA_SIGNATURE, "result from %s: not accepted with the pinned CA service certificate "
		               "%s: %s", from, l->cfg.ca_service_cert, why);
	}
	root = json_loadb((const char *)content, n, JSON_REJECT_DUPLICATES, &jerr);
	fmt = json_string_value(json_object_get(root, "format"));
	/* a file refused before its batch_id could be read is answered without in_reply_to */
	if (root == NULL || fmt == NULL || strcmp(fmt, GC_IFACE_FORMAT) != 0 ||
	    !(json_is_string(json_object_get(root, "in_reply_to")) || json_is_object(json_object_get(root, "error")))) {
		json_decref(root);
		free(content);
		return gc_fail(GC_E_IFACE_FORMAT, "result from %s: signed, but not a %s result document", from,
		               GC_IFACE_FORMAT);
	}
	json_decref(root);
	*json = (char *)content;
	*len = n;
	return GC_OK;
}

/* A whole-file refusal names its code and reason (docs/interface.md "The result document"). */
static gc_result refused(const char *url, const char *json, size_t len)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	json_t *e = json_object_get(root, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *reason = json_string_value(json_object_get(e, "reason"));

	gc_fail(GC_E_RA_REFUSED, "CA interface %s: the file was refused whole: %s: %s", url, code ? code : "?",
	        reason ? reason : "no reason given");
	json_decref(root);
	return GC_E_RA_REFUSED;
}

static gc_result answers(const char *json, size_t len, const char *batch_id)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	const char *r = json_string_value(json_object_get(root, "in_reply_to"));
	bool same = r != NULL && strcmp(r, batch_id) == 0;

	json_decref(root);
	GC_ENSURE(same, GC_E_IFACE_FORMAT, "result: answers batch \"%.64s\", not \"%s\"", r ? r : "", batch_id);
	return GC_OK;
}

static gc_result send_online(struct gc_ra_link *l, const char *batch_id, const unsigned char *der, size_t dersz,
                             char **result_json, struct token_hold *t)
{
	struct body b = {0};
	char text[256], *json = NULL;
	size_t len = 0;
	long status = 0;
	gc_result rc;

	GC_GUARD_OUT(rc, post(l, der, dersz, &status, &b, t));
	if (status != 200 && status != 422) {
		excerpt(&b, text, sizeof(text));
		rc = gc_fail(GC_E_RA_HTTP, "CA interface %s: HTTP %ld: %s", l->cfg.interface_url, status,
		             text[0] ? text : "(no text)");
		goto out;
	}
	GC_GUARD_OUT(rc, open_result(l, l->cfg.interface_url, b.buf, b.len, &json, &len));
	if (status == 422) {
		rc = refused(l->cfg.interface_url, json, len);
		goto out;
	}
	GC_GUARD_OUT(rc, answers(json, len, batch_id));
	*result_json = json;
	json = NULL;
out:
	free(json);
	free(b.buf);
	return rc;
}

/* Batch mode (docs/interface.md "Batch mode"): DIR/outbox/RA-BATCH.req, written whole. */
static gc_result send_batch(struct gc_ra_link *l, const char *batch_id, const unsigned char *der, size_t dersz)
{
	char name[GC_MAX_PEER_ID + GC_MAX_REQUEST_ID + 8], path[GC_MAX_PATH];

	snprintf(name, sizeof(name), "outbox/%s-%s.req", l->cfg.ra_name, batch_id);
	GC_GUARD(gc_path_join(path, sizeof(path), l->dir, name));
	if (!gc_path_exists(path))
		GC_GUARD(gc_file_write(path, der, dersz, 0640, 1));
	return gc_fail(GC_E_RA_PENDING, "batch %s: queued as %s; the result comes through gc_ra_link_collect", batch_id,
	               path);
}

static gc_result send_request(struct gc_ra_link *l, const char *request_json, char **result_json)
{
	struct gc_iface_batch *batch = NULL;
	unsigned char *der = NULL;
	char batch_id[GC_MAX_REQUEST_ID + 1];
	size_t len, dersz = 0;
	gc_result rc;

	GC_ENSURE(request_json != NULL && result_json != NULL, GC_E_USAGE, "send: no request or no place for the result");
	len = strlen(request_json);
	GC_ENSURE(len <= GC_IFACE_DEFAULT_MAX_FILE, GC_E_TOO_LARGE, "send: request document over %u bytes",
	          GC_IFACE_DEFAULT_MAX_FILE);
	/* checked here, at the edge: what the CA would refuse whole is never signed */
	GC_GUARD(gc_iface_parse(request_json, len, GC_IFACE_DEFAULT_MAX_REQUESTS, &batch));
	snprintf(batch_id, sizeof(batch_id), "%s", batch->batch_id);
	gc_iface_batch_free(batch);
	/* the token: signing, and the TLS handshake (token_hold); the CA's answer is awaited
	 * and checked (with the pinned certificate alone) without the lock */
	pthread_mutex_lock(&l->mu);
	rc = gc_cms_sign(l->service_cert, gc_hsm_key_handle(l->service_key), (const unsigned char *)request_json, len,
	                 &der, &dersz);
	if (rc == GC_OK && l->cfg.batch) {
		rc = send_batch(l, batch_id, der, dersz);
		pthread_mutex_unlock(&l->mu);
	} else if (rc == GC_OK) {
		struct token_hold t = {l, true};
		rc = send_online(l, batch_id, der, dersz, result_json, &t);
		token_release(&t);
	} else {
		pthread_mutex_unlock(&l->mu);
	}
	OPENSSL_free(der);
	return rc;
}

long gc_ra_link_send_seconds(const struct gc_ra_link *l)
{
	return l->cfg.connect_timeout + l->cfg.request_timeout;
}

gc_result gc_ra_link_send(struct gc_ra_link *l, const char *request_json, char **result_json)
{
	GC_ENSURE(l != NULL, GC_E_USAGE, "RA link: not open");
	return send_request(l, request_json, result_json);
}

/* ---- batch results ---- */

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_result(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".res") == 0;
}

/* Moves inbox/NAME into inbox/SUB/NAME, so that each result is taken once. */
static gc_result file_away(const char *inbox, const char *name, const char *sub)
{
	char from[GC_MAX_PATH], dir[GC_MAX_PATH], to[GC_MAX_PATH];

	GC_GUARD(gc_path_join(from, sizeof(from), inbox, name));
	GC_GUARD(gc_path_join(dir, sizeof(dir), inbox, sub));
	GC_GUARD(gc_mkdir(dir, 0700, 0));
	GC_GUARD(gc_path_join(to, sizeof(to), dir, name));
	GC_ENSURE(rename(from, to) == 0, GC_E_IO, "%s: cannot move to %s: %s", from, to, strerror(errno));
	return gc_file_sync_dir(to);
}

static gc_result collect(struct gc_ra_link *l, char **result_json)
{
	struct dirent **list = NULL;
	char inbox[GC_MAX_PATH], path[GC_MAX_PATH], why[1024], *json = NULL;
	unsigned char *der = NULL;
	size_t dersz, len;
	int n, i;
	gc_result rc;

	GC_ENSURE(result_json != NULL, GC_E_USAGE, "collect: no place for the result");
	GC_GUARD(gc_path_join(inbox, sizeof(inbox), l->dir, "inbox"));
	n = scandir(inbox, &list, is_result, by_name);
	GC_ENSURE(n >= 0, GC_E_IO, "%s: %s", inbox, strerror(errno));
	if (n == 0) {
		free(list);
		*result_json = NULL;
		return GC_OK;
	}
	GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), inbox, list[0]->d_name));
	GC_GUARD_OUT(rc, gc_file_read(path, GC_RA_MAX_RESULT, &der, &dersz));
	if ((rc = open_result(l, path, der, dersz, &json, &len)) != GC_OK) {
		/* set aside, so that one bad file does not stop the results behind it */
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		if (file_away(inbox, list[0]->d_name, "rejected") != GC_OK)
			gc_fail(rc, "%s (it could not be moved to inbox/rejected)", why);
		else
			gc_fail(rc, "%s (moved to inbox/rejected)", why);
		goto out;
	}
	GC_GUARD_OUT(rc, file_away(inbox, list[0]->d_name, "done"));
	*result_json = json;
	json = NULL;
out:
	free(json);
	free(der);
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rc;
}

gc_result gc_ra_link_collect(struct gc_ra_link *l, char **result_json)
{
	gc_result rc;

	GC_ENSURE(l != NULL, GC_E_USAGE, "RA link: not open");
	pthread_mutex_lock(&l->mu);
	rc = collect(l, result_json);
	pthread_mutex_unlock(&l->mu);
	return rc;
}
