/*
 * http.c - the public repository over HTTP (CPS §2.5, §2.7, §4.3, §8).
 *
 * Paths (docs/repository.md):
 *   /                          index page for people
 *   /crl/<file>                the CRLs and the ARL of App. C, from DIR/repo/crl/ (DER)
 *   /certs/root.crt|.pem       Root CA 2 certificate;  /certs/issuing-ca.crt|.pem  e-Cert CA 2 - 17
 *   /cps/, /cps/<version>.txt  the CPS and every earlier version; /cps/current.txt
 *   /cert/<serial>[.crt|.pem]  one issued certificate by serial (page, DER, PEM)
 *   /lookup?serial=S|email=E[&format=html|der|pem]   the same, also by exact email
 * Lookups are rate limited per client address and never enumerate subscribers (§2.7).
 * Every answer carries ETag and Last-Modified where it has them; GET and HEAD honour
 * If-None-Match / If-Modified-Since with 304 (RFC 9110 §13).
 */
#include "repo/repo.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cps.h"
#include "core/cps_repo.h"
#include "core/cpsdocs.h"
#include "core/limits.h"
#include "core/repo.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "store/repostore.h"
#include "sys/fileio.h"
#include "sys/listen.h"

#define T_CRL "application/pkix-crl"
#define T_CERT "application/pkix-cert"
#define T_PEM "application/x-pem-file"
#define T_HTML "text/html; charset=utf-8"
#define T_TEXT "text/plain; charset=utf-8"
/* Everything may change at any moment (a CRL, a key changeover): revalidate each time. */
#define CACHE_REVALIDATE "no-cache"
/* A published CPS version never changes (CPS §8: changes are new versions). */
#define CACHE_IMMUTABLE "public, max-age=86400"

struct file_cache { /* the ETag of the file last seen under a name */
	pthread_mutex_t mu;
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	char etag[36];
	bool valid;
};

struct gc_repo_http {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char crl_dir[GC_MAX_PATH];
	char dbpath[GC_MAX_PATH];
	struct gc_config cfg;
	struct MHD_Daemon *d;
	int port;
	/* one database reader per worker thread */
	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	struct gc_repo_reader *readers[GC_HTTP_THREADS];
	bool busy[GC_HTTP_THREADS];
	pthread_mutex_t rate_mu;
	struct gc_rate *rate;
	struct file_cache files[8];
	struct gc_repo_alerts *alerts;
};

/* ---- responses ---- */

/* A response over data; when owned, data is ours to free, now or by MHD with the response. */
static struct MHD_Response *from_buffer(void *data, size_t n, bool owned)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		n, data, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);

	if (r == NULL && owned)
		free(data);
	return r;
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
                             const char *type, const char *etag, int64_t mtime, const char *cache)
{
	char date[30];
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	if (type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (etag != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (mtime > 0) {
		gc_http_date(mtime, date);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache ? cache : CACHE_REVALIDATE);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * An error answer: the HTTP status, and the code of the one error table (error.h) in
 * the body and in X-Gcert-Error, with a message naming the object and the rule.
 */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, enum gc_code code,
                                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, enum gc_code code,
                                  const char *fmt, ...)
{
	char *msg = malloc(1024);
	struct MHD_Response *r;
	va_list ap;
	int n, k;

	if (msg == NULL)
		return MHD_NO;
	k = snprintf(msg, 1024, "%u %s: ", status, gc_code_name(code));
	va_start(ap, fmt);
	n = vsnprintf(msg + k, (size_t)(1024 - k), fmt, ap);
	va_end(ap);
	n = n < 0 ? k : k + n > 1022 ? 1022 : k + n;
	msg[n++] = '\n';
	if ((r = from_buffer(msg, (size_t)n, true)) != NULL)
		MHD_add_response_header(r, "X-Gcert-Error", gc_code_name(code));
	return queue(c, status, r, T_TEXT, NULL, 0, NULL);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static bool not_modified(struct MHD_Connection *c, const char *etag, int64_t mtime)
{
	return gc_http_not_modified(header(c, MHD_HTTP_HEADER_IF_NONE_MATCH),
	                            header(c, MHD_HTTP_HEADER_IF_MODIFIED_SINCE), etag, mtime);
}

static enum MHD_Result send_304(struct MHD_Connection *c, const char *etag, int64_t mtime,
                                const char *cache)
{
	return queue(c, MHD_HTTP_NOT_MODIFIED, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT),
	             NULL, etag, mtime, cache);
}

static void sha256_etag(const void *data, size_t n, char etag[36])
{
	unsigned char md[32];

	EVP_Digest(data, n, md, NULL, EVP_sha256(), NULL);
	gc_http_etag(md, etag);
}

/* A representation in memory (data is malloc'ed and ours to free, or static). */
static enum MHD_Result send_entity(struct MHD_Connection *c, const char *type, void *data, size_t n,
                                   bool owned, int64_t mtime, const char *cache)
{
	char etag[36];

	sha256_etag(data, n, etag);
	if (not_modified(c, etag, mtime)) {
		if (owned)
			free(data);
		return send_304(c, etag, mtime, cache);
	}
	return queue(c, MHD_HTTP_OK, from_buffer(data, n, owned), type, etag, mtime, cache);
}

/* A page of repo_pages.c (NULL: it could not be made). */
static enum MHD_Result send_page(struct MHD_Connection *c, char *html, size_t n)
{
	if (html == NULL)
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, GC_E_NOMEM, "page: out of memory");
	return queue(c, MHD_HTTP_OK, from_buffer(html, n, true), T_HTML, NULL, 0, NULL);
}

/* (The length is read only after the page is made: argument order is unspecified.) */
static enum MHD_Result send_index_page(struct gc_repo_http *h, struct MHD_Connection *c)
{
	size_t n = 0;
	char *html = gc_page_index(&h->cfg, h->crl_dir, &n);

	return send_page(c, html, n);
}

static enum MHD_Result send_cps_page(struct MHD_Connection *c)
{
	size_t n = 0;
	char *html = gc_page_cps(&n);

	return send_page(c, html, n);
}

static bool has_prefix(const char *s, const char *p, const char **rest)
{
	size_t n = strlen(p);

	if (strncmp(s, p, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

/* ---- database readers, one per worker thread ---- */

static struct gc_repo_reader *reader_get(struct gc_repo_http *h, int *slot)
{
	int i;

	pthread_mutex_lock(&h->pool_mu);
	for (;;) {
		for (i = 0; i < GC_HTTP_THREADS; i++)
			if (!h->busy[i]) {
				h->busy[i] = true;
				pthread_mutex_unlock(&h->pool_mu);
				*slot = i;
				return h->readers[i];
			}
		pthread_cond_wait(&h->pool_cv, &h->pool_mu);
	}
}

static void reader_put(struct gc_repo_http *h, int slot)
{
	pthread_mutex_lock(&h->pool_mu);
	h->busy[slot] = false;
	pthread_cond_signal(&h->pool_cv);
	pthread_mutex_unlock(&h->pool_mu);
}

static enum MHD_Result send_cert(struct MHD_Connection *c, struct gc_repo_cert *rc, bool pem)
{
	char *text;
	size_t n;

	if (!pem) {
		enum MHD_Result r = send_entity(c, T_CERT, rc->der, rc->dersz, true, rc->issued_at, NULL);
		rc->der = NULL; /* now MHD's */
		return r;
	}
	if ((text = gc_pem_encode(rc->der, rc->dersz, "CERTIFICATE", &n)) == NULL)
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, GC_E_NOMEM, "out of memory");
	return send_entity(c, T_PEM, text, n, true, rc->issued_at, NULL);
}

/* ---- /crl/<file>: straight from DIR/repo/crl/, renamed into place by the CRL writer ---- */

static bool hash_fd(int fd, off_t size, char etag[36])
{
	unsigned char buf[65536], md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	off_t off = 0;
	ssize_t n;
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	while (ok && off < size) {
		n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0 && EVP_DigestUpdate(ctx, buf, (size_t)n) == 1;
		off += n > 0 ? n : 0;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	if (ok)
		gc_http_etag(md, etag);
	return ok;
}

/* The ETag of the open file, hashed once per (inode, size, mtime). */
static bool file_etag(struct file_cache *fc, int fd, const struct stat *st, char etag[36])
{
	int64_t mt = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	bool hit;

	pthread_mutex_lock(&fc->mu);
	hit = fc->valid && fc->dev == st->st_dev && fc->ino == st->st_ino &&
	      fc->size == st->st_size && fc->mtime_ns == mt;
	if (hit)
		memcpy(etag, fc->etag, 36);
	pthread_mutex_unlock(&fc->mu);
	if (hit)
		return true;
	if (!hash_fd(fd, st->st_size, etag))
		return false;
	pthread_mutex_lock(&fc->mu);
	fc->dev = st->st_dev, fc->ino = st->st_ino, fc->size = st->st_size, fc->mtime_ns = mt;
	memcpy(fc->etag, etag, 36);
	fc->valid = true;
	pthread_mutex_unlock(&fc->mu);
	return true;
}

static enum MHD_Result serve_crl(struct gc_repo_http *h, struct MHD_Connection *c, const char *name)
{
	const struct gc_repo_file *f = gc_repo_file_find(name); /* names from the table only */
	struct MHD_Response *r;
	char path[GC_MAX_PATH + 64], etag[36];
	struct stat st;
	int fd;

	if (f == NULL)
		return send_error(c, MHD_HTTP_NOT_FOUND, GC_E_NOT_FOUND, "/crl/%.64s: no such CRL (App. C)", name);
	snprintf(path, sizeof(path), "%s/%s", h->crl_dir, f->name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return send_error(c, MHD_HTTP_NOT_FOUND, GC_E_NOT_FOUND, "/crl/%s: not published yet", f->name);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > GC_MAX_CRL_FILE ||
	    !file_etag(&h->files[f - gc_repo_files], fd, &st, etag)) {
		close(fd);
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, GC_E_IO, "/crl/%s: cannot be read", f->name);
	}
	if (not_modified(c, etag, st.st_mtim.tv_sec)) {
		close(fd);
		return send_304(c, etag, st.st_mtim.tv_sec, NULL);
	}
	/* MHD closes fd with the response; it reads by offset, so the hashing did no harm. */
	if ((r = MHD_create_response_from_fd((size_t)st.st_size, fd)) == NULL)
		close(fd);
	return queue(c, MHD_HTTP_OK, r, T_CRL, etag, st.st_mtim.tv_sec, NULL);
}

/* ---- /certs/: the CA certificates, from the database (current ones) ---- */

static enum MHD_Result serve_ca(struct gc_repo_http *h, struct MHD_Connection *c, const char *name)
{
	static const struct { const char *file, *role; bool pem; } names[] = {
		{"root.crt", "root", false}, {"root.pem", "root", true},
		{"issuing-ca.crt", "issuing", false}, {"issuing-ca.pem", "issuing", true},
	};
	struct gc_repo_cert rc = {0};
	enum MHD_Result r;
	gc_result e;
	size_t i;
	int slot;

	for (i = 0; i < sizeof(names) / sizeof(names[0]) && strcmp(names[i].file, name) != 0; i++)
		;
	if (i == sizeof(names) / sizeof(names[0]))
		return send_error(c, MHD_HTTP_NOT_FOUND, GC_E_NOT_FOUND, "/certs/%.64s: no such CA certificate", name);
	e = gc_repo_ca_cert(reader_get(h, &slot), names[i].role, &rc);
	reader_put(h, slot);
	if (e != GC_OK)
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, e, "%s", gc_err_detail());
	r = send_cert(c, &rc, names[i].pem);
	gc_repo_cert_clear(&rc);
	return r;
}

/* ---- /cps/: the CPS and its earlier versions (CPS §8) ---- */

static int64_t date_time(const char *ymd)
{
	char rfc[21];
	int64_t t;

	snprintf(rfc, sizeof(rfc), "%.10sT00:00:00Z", ymd);
	return gc_time_parse(rfc, &t) ? t : 0;
}

static enum MHD_Result serve_cps(struct MHD_Connection *c, const char *rest)
{
	char version[64];
	const struct gc_cps_doc *d;
	size_t n = strlen(rest);

	if (n == 0 || strcmp(rest, "index.html") == 0)
		return send_cps_page(c);
	if (n < 5 || n - 4 >= sizeof(version) || strcmp(rest + n - 4, ".txt") != 0)
		return send_error(c, MHD_HTTP_NOT_FOUND, GC_E_NOT_FOUND, "/cps/%.64s: no such document", rest);
	snprintf(version, sizeof(version), "%.*s", (int)(n - 4), rest);
	d = strcmp(version, "current") == 0 ? gc_cps_current() : gc_cps_find(version);
	if (d == NULL)
		return send_error(c, MHD_HTTP_NOT_FOUND, GC_E_NOT_FOUND, "/cps/%.64s: no such CPS version", rest);
	return send_entity(c, T_TEXT, (void *)d->text, d->size, false, date_time(d->date),
	                   d == gc_cps_current() && strcmp(version, "current") == 0 ? NULL
	                                                                          : CACHE_IMMUTABLE);
}

/* ---- certificate lookups: one certificate, by exact serial or email (CPS §2.7) ---- */

enum fmt { FMT_HTML, FMT_DER, FMT_PEM };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* IPv4 address, or the /64 of an IPv6 one (what one client usually holds). */
static bool rate_ok(struct gc_repo_http *h, struct MHD_Connection *c, int *retry)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const unsigned char *key = NULL;
	size_t len = 0;
	bool ok;

	if (sa != NULL && sa->sa_family == AF_INET)
		key = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr, len = 4;
	else if (sa != NULL && sa->sa_family == AF_INET6)
		key = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr, len = 8;
	char text[INET6_ADDRSTRLEN + 4] = "unknown";

	pthread_mutex_lock(&h->rate_mu);
	ok = gc_rate_take(h->rate, key, len, now_ms(), retry);
	pthread_mutex_unlock(&h->rate_mu);
	if (!ok && h->alerts != NULL) {
		if (len == 4)
			inet_ntop(AF_INET, key, text, sizeof(text));
		else if (len == 8) {
			unsigned char v6[16] = {0};
			memcpy(v6, key, 8);
			inet_ntop(AF_INET6, v6, text, sizeof(text) - 3);
			strcat(text, "/64");
		}
		gc_repo_alerts_note(h->alerts, text);
	}
	return ok;
}

static enum MHD_Result send_429(struct MHD_Connection *c, int retry)
{
	static const char msg[] = "429 GC_E_RATE_LIMITED: too many certificate lookups from this "
	                          "address; the repository does not allow enumeration (CPS §2.7)\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
	                                                         MHD_RESPMEM_PERSISTENT);
	char s[16];

	snprintf(s, sizeof(s), "%d", retry);
	if (r != NULL) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, s);
		MHD_add_response_header(r, "X-Gcert-Error", gc_code_name(GC_E_RATE_LIMITED));
	}
	return queue(c, MHD_HTTP_TOO_MANY_REQUESTS, r, T_TEXT, NULL, 0, NULL);
}

static bool serial_key(const char *s, char out[41])
{
	size_t i;

	if (strlen(s) != 40)
		return false;
	for (i = 0; i < 40; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[40] = '\0';
	return true;
}

static enum MHD_Result lookup(struct gc_repo_http *h, struct MHD_Connection *c, const char *serial,
                              const char *email, enum fmt f)
{
	struct gc_repo_cert rc = {0};
	struct gc_repo_reader *rd;
	char key[41];
	enum MHD_Result r;
	gc_result e;
	size_t n = 0;
	int retry, slot;

	if (!rate_ok(h, c, &retry))
		return send_429(c, retry);
	if (serial != NULL && !serial_key(serial, key))
		return send_error(c, MHD_HTTP_BAD_REQUEST, GC_E_REQUEST_FIELD, "serial: must be 40 hex digits (20 octets, CPS App. B)");
	if (serial == NULL && (email == NULL || strlen(email) > UB_EMAILADDRESS_LENGTH ||
	                       !gc_is_email(email, strlen(email))))
		return send_error(c, MHD_HTTP_BAD_REQUEST, GC_E_REQUEST_FIELD, "give serial=<40 hex digits> or email=<exact address>");
	rd = reader_get(h, &slot);
	e = serial != NULL ? gc_repo_cert_by_serial(rd, key, &rc) : gc_repo_cert_by_email(rd, email, &rc);
	reader_put(h, slot);
	if (e == GC_E_NOT_FOUND)
		return send_error(c, MHD_HTTP_NOT_FOUND, GC_E_NOT_FOUND, "no issued certificate matches");
	if (e != GC_OK)
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, GC_E_DB, "database: lookup failed");
	if (f == FMT_HTML) {
		char *html = gc_page_cert(&rc, &n);
		r = html != NULL ? send_page(c, html, n)
		                 : send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, GC_E_BAD_ENCODING,
		                              "certificate %s: cannot show it", rc.serial);
	} else {
		r = send_cert(c, &rc, f == FMT_PEM);
	}
	gc_repo_cert_clear(&rc);
	return r;
}

/* /cert/<serial>, /cert/<serial>.crt, /cert/<serial>.pem */
static enum MHD_Result serve_cert_path(struct gc_repo_http *h, struct MHD_Connection *c, const char *rest)
{
	char serial[48];
	size_t n = strlen(rest);
	enum fmt f = FMT_HTML;

	if (n == 44 && strcmp(rest + 40, ".crt") == 0)
		f = FMT_DER, n = 40;
	else if (n == 44 && strcmp(rest + 40, ".pem") == 0)
		f = FMT_PEM, n = 40;
	if (n != 40)
		return send_error(c, MHD_HTTP_NOT_FOUND, GC_E_NOT_FOUND, "/cert/<40 hex digits>[.crt|.pem]");
	snprintf(serial, sizeof(serial), "%.40s", rest);
	return lookup(h, c, serial, NULL, f);
}

static enum MHD_Result serve_lookup(struct gc_repo_http *h, struct MHD_Connection *c)
{
	const char *serial = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "serial");
	const char *email = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "email");
	const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
	enum fmt f = FMT_HTML;

	if (serial != NULL && serial[0] == '\0')
		serial = NULL;
	if (format != NULL && strcmp(format, "der") == 0)
		f = FMT_DER;
	else if (format != NULL && strcmp(format, "pem") == 0)
		f = FMT_PEM;
	else if (format != NULL && format[0] != '\0' && strcmp(format, "html") != 0)
		return send_error(c, MHD_HTTP_BAD_REQUEST, GC_E_REQUEST_FIELD, "format: html, der or pem");
	return lookup(h, c, serial, email, f);
}

/* ---- dispatch ---- */

static enum MHD_Result route(struct gc_repo_http *h, struct MHD_Connection *c, const char *url)
{
	const char *rest;

	if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
		return send_index_page(h, c);
	if (has_prefix(url, "/crl/", &rest))
		return serve_crl(h, c, rest);
	if (has_prefix(url, "/certs/", &rest))
		return serve_ca(h, c, rest);
	if (strcmp(url, "/cps") == 0)
		return send_cps_page(c);
	if (has_prefix(url, "/cps/", &rest))
		return serve_cps(c, rest);
	if (has_prefix(url, "/cert/", &rest))
		return serve_cert_path(h, c, rest);
	if (strcmp(url, "/lookup") == 0)
		return serve_lookup(h, c);
	return send_error(c, MHD_HTTP_NOT_FOUND, GC_E_NOT_FOUND, "not found (see / for what the repository holds)");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req)
{
	struct gc_repo_http *h = cls;
	const char *len = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct MHD_Response *r;

	(void)version, (void)upload;
	/* Refusals go out on the first call, before any body is read (MHD then closes). */
	if (*req == NULL) {
		static int marker;
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
			r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
			if (r != NULL)
				MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
			return queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, r, T_TEXT, NULL, 0, NULL);
		}
		/* GC_HTTP_MAX_BODY: a repository request carries no body. */
		if ((len != NULL && strcmp(len, "0") != 0) ||
		    header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
			return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, GC_E_TOO_LARGE, "a GET request carries no body");
		if (strlen(url) > GC_HTTP_MAX_URL)
			return send_error(c, MHD_HTTP_URI_TOO_LONG, GC_E_TOO_LARGE, "URL longer than %d bytes", GC_HTTP_MAX_URL);
		/* Answering a good request on this first call would cost keep-alive. */
		*req = &marker;
		return MHD_YES;
	}
	if (*upload_size > GC_HTTP_MAX_BODY)
		return MHD_NO; /* cannot happen after the checks above; drop the connection */
	return route(h, c, url);
}

/* ---- life cycle ---- */

/* "A.B.C.D:PORT" or "[v6]:PORT", numeric only (no name resolution at the edge). */
gc_result gc_repo_http_new(const struct gc_repo_http_options *o, struct gc_repo_http **out)
{
	struct gc_repo_http *h;
	gc_result rc;
	size_t i;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	pthread_mutex_init(&h->pool_mu, NULL);
	pthread_cond_init(&h->pool_cv, NULL);
	pthread_mutex_init(&h->rate_mu, NULL);
	for (i = 0; i < sizeof(h->files) / sizeof(h->files[0]); i++)
		pthread_mutex_init(&h->files[i].mu, NULL);
	h->cfg = *o->cfg;
	h->alerts = o->alerts;
	GC_GUARD_OUT(rc, gc_listen_parse("--listen", o->listen, &h->addr, &h->addrlen));
	GC_ENSURE_OUT(rc, strlen(o->crl_dir) < sizeof(h->crl_dir) && strlen(o->dbpath) < sizeof(h->dbpath),
	              GC_E_CONFIG, "repository: path too long");
	snprintf(h->crl_dir, sizeof(h->crl_dir), "%s", o->crl_dir);
	snprintf(h->dbpath, sizeof(h->dbpath), "%s", o->dbpath);
	GC_GUARD_OUT(rc, gc_rate_new(o->cfg->repo.lookup_burst, o->cfg->repo.lookup_per_minute, &h->rate));
	for (i = 0; i < GC_HTTP_THREADS; i++)
		GC_GUARD_OUT(rc, gc_repo_reader_open(h->dbpath, &h->readers[i]));
	*out = h;
	return GC_OK;
out:
	gc_repo_http_free(h);
	return rc;
}

void gc_repo_http_free(struct gc_repo_http *h)
{
	size_t i;

	if (h == NULL)
		return;
	gc_repo_http_stop(h);
	for (i = 0; i < GC_HTTP_THREADS; i++)
		gc_repo_reader_free(h->readers[i]);
	gc_rate_free(h->rate);
	for (i = 0; i < sizeof(h->files) / sizeof(h->files[0]); i++)
		pthread_mutex_destroy(&h->files[i].mu);
	pthread_mutex_destroy(&h->rate_mu);
	pthread_cond_destroy(&h->pool_cv);
	pthread_mutex_destroy(&h->pool_mu);
	free(h);
}

gc_result gc_repo_http_start(void *arg)
{
	struct gc_repo_http *h = arg;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC; /* ITC: quiesce at stop */
	const union MHD_DaemonInfo *di;

	if (h->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, h,
	                        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&h->addr,
	                        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)GC_HTTP_THREADS,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)GC_HTTP_MAX_CONNECTIONS,
	                        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)GC_HTTP_MAX_CONNECTIONS_PER_IP,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)GC_HTTP_IDLE_TIMEOUT_S,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)GC_HTTP_CONNECTION_MEMORY,
	                        MHD_OPTION_END);
	GC_ENSURE(h->d != NULL, GC_E_HTTP, "HTTP: cannot listen on the address given (in use, or not local?)");
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di != NULL ? (int)di->port : 0;
	return GC_OK;
}

/* Graceful: stop accepting, let requests in flight finish (bounded), then close. */
void gc_repo_http_stop(void *arg)
{
	struct gc_repo_http *h = arg;
	const union MHD_DaemonInfo *di;
	MHD_socket ls;
	int waited;

	if (h->d == NULL)
		return;
	if ((ls = MHD_quiesce_daemon(h->d)) != MHD_INVALID_SOCKET)
		close(ls);
	for (waited = 0; waited < GC_HTTP_DRAIN_MS; waited += 20) {
		di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (di == NULL || di->num_connections == 0)
			break;
		usleep(20000);
	}
	MHD_stop_daemon(h->d); /* closes what is left, joins its threads */
	h->d = NULL;
}

int gc_repo_http_port(const struct gc_repo_http *h)
{
	return h->port;
}
