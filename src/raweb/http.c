/*
 * http.c - the RA service over HTTP (libmicrohttpd, as src/repo/http.c): /api/
 * goes to api.c; everything else is a static file of the web UI (web/ra/), GET and
 * HEAD only, never outside its directory.
 */
#include "raweb/raweb.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/listen.h"

#define RA_HTTP_THREADS 4
#define RA_HTTP_MAX_CONNECTIONS 256
#define RA_HTTP_IDLE_TIMEOUT_S 30

struct gc_ra_http {
	struct gc_ra *ra;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char root[PATH_MAX]; /* the web root, resolved */
	struct MHD_Daemon *d;
	int port;
};

struct upload {
	char *body;
	size_t len;
	bool too_large;
};

static void common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct gc_ra_resp *resp)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (r == NULL) {
		free(resp->body);
		return MHD_NO;
	}
	resp->body = NULL;
	common_headers(r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->type ? resp->type : "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (resp->cookie[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp->cookie);
	if (resp->disposition[0])
		MHD_add_response_header(r, "Content-Disposition", resp->disposition);
	ret = MHD_queue_response(c, resp->status ? resp->status : 500, r);
	MHD_destroy_response(r);
	return ret;
}

/* (the caller has set the detail with gc_fail) */
static enum MHD_Result send_failure(struct MHD_Connection *c, gc_result code)
{
	struct gc_ra_resp resp = {0};

	gc_ra_error_body(&resp, code);
	return send_resp(c, &resp);
}

/* ---- static files ---- */

static const char *content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
		{".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
		{".ico", "image/x-icon"}, {".txt", "text/plain; charset=utf-8"}, {".woff2", "font/woff2"},
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* No "..", no backslash, no control byte, no hidden file: the URL names a file under root. */
static bool safe_path(const char *url)
{
	const char *p;

	if (url[0] != '/' || strstr(url, "\\") != NULL || strstr(url, "//") != NULL)
		return false;
	for (p = url; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	for (p = url; (p = strchr(p, '/')) != NULL; p++)
		if (p[1] == '.')
			return false; /* "..", "." and dot files alike */
	return true;
}

static enum MHD_Result serve_static(struct gc_ra_http *h, struct MHD_Connection *c, const char *url)
{
	char path[PATH_MAX + 64], real[PATH_MAX];
	size_t n = strlen(h->root);
	struct MHD_Response *r;
	struct stat sb;
	enum MHD_Result ret;
	int fd;

	if (!safe_path(url))
		return send_failure(c, gc_fail(GC_E_REQUEST_FIELD, "%.200s: not a file of the web UI (no \"..\", dot files or "
		                  "backslashes)", url));
	if (h->root[0] == '\0')
		return send_failure(c, gc_fail(GC_E_NOT_FOUND, "%.200s: the web UI is not installed (ra.json web_root)", url));
	if (snprintf(path, sizeof(path), "%s%s%s", h->root, url, url[strlen(url) - 1] == '/' ? "index.html" : "") >=
	    (int)sizeof(path))
		return send_failure(c, gc_fail(GC_E_NOT_FOUND, "%.200s: no such file", url));
	/* a symbolic link out of the root is refused as well */
	if (realpath(path, real) == NULL || strncmp(real, h->root, n) != 0 || real[n] != '/')
		return send_failure(c, gc_fail(GC_E_NOT_FOUND, "%.200s: no such file", url));
	if ((fd = open(real, O_RDONLY | O_CLOEXEC)) < 0)
		return send_failure(c, gc_fail(GC_E_NOT_FOUND, "%.200s: no such file", url));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > GC_RA_MAX_STATIC_FILE) {
		close(fd);
		return send_failure(c, gc_fail(GC_E_NOT_FOUND, "%.200s: no such file", url));
	}
	if ((r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd)) == NULL) {
		close(fd);
		return MHD_NO;
	}
	common_headers(r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(real));
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- requests ---- */

static void client_address(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, n, "?");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)n);
}

static enum MHD_Result serve_api(struct gc_ra_http *h, struct MHD_Connection *c, const char *url, const char *method,
                                 struct upload *u)
{
	struct gc_ra_resp resp;
	char client[64];
	struct gc_ra_req req = {
		.method = method, .path = url, .body = u->body, .body_len = u->len,
		.q_status = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status"),
		.q_mine = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mine"),
		.session = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, GC_RA_COOKIE),
		.csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token"),
		.auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
		.client = client, .https = false,
	};

	if (u->too_large) {
		char limit[32];
		snprintf(limit, sizeof(limit), "%d", GC_RA_MAX_BODY);
		return send_failure(c, gc_fail(GC_E_TOO_LARGE, "request body: larger than %s bytes; nothing was done", limit));
	}
	client_address(c, client, sizeof(client));
	gc_ra_api(h->ra, &req, &resp);
	return send_resp(c, &resp);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct gc_ra_http *h = cls;
	struct upload *u = *con_cls;
	const char *cl;

	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		u->too_large = cl != NULL && strtoull(cl, NULL, 10) > GC_RA_MAX_BODY;
		*con_cls = u;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		/* GC_RA_MAX_BODY: a bigger body is read and dropped, then refused with 413 */
		if (!u->too_large && u->len + *upload_data_size <= GC_RA_MAX_BODY) {
			char *nb = realloc(u->body, u->len + *upload_data_size + 1);
			if (nb == NULL)
				return MHD_NO;
			memcpy(nb + u->len, upload_data, *upload_data_size);
			u->body = nb;
			u->len += *upload_data_size;
			u->body[u->len] = '\0';
		} else {
			u->too_large = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/api") == 0 || strncmp(url, "/api/", 5) == 0)
		return serve_api(h, c, url, method, u);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_failure(c, gc_fail(GC_E_REQUEST_FIELD, "%s: the web UI's files are only read (GET)", method));
	return serve_static(h, c, url);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	if (u != NULL) {
		free(u->body);
		free(u);
		*con_cls = NULL;
	}
}

gc_result gc_ra_http_start(struct gc_ra *ra, const char *listen, struct gc_ra_http **out)
{
	struct gc_ra_http *h;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC;
	const union MHD_DaemonInfo *di;
	gc_result rc;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	h->ra = ra;
	GC_GUARD_OUT(rc, gc_listen_parse("--listen", listen, &h->addr, &h->addrlen));
	/* without the web UI the API still serves (tests, designated applications) */
	if (realpath(ra->cfg.web_root, h->root) == NULL)
		h->root[0] = '\0';
	if (h->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&h->addr,
	                        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)RA_HTTP_THREADS, MHD_OPTION_CONNECTION_LIMIT,
	                        (unsigned)RA_HTTP_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
	                        (unsigned)RA_HTTP_IDLE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	                        MHD_OPTION_END);
	GC_ENSURE_OUT(rc, h->d != NULL, GC_E_HTTP, "HTTP: cannot listen on %s (in use, or not local?)", listen);
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di != NULL ? (int)di->port : 0;
	*out = h;
	return GC_OK;
out:
	free(h);
	return rc;
}

int gc_ra_http_port(const struct gc_ra_http *h)
{
	return h->port;
}

void gc_ra_http_stop(struct gc_ra_http *h)
{
	if (h == NULL)
		return;
	if (h->d != NULL)
		MHD_stop_daemon(h->d);
	free(h);
}
