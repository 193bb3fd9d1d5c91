/*
 * cmd_ra.c - `gcert ra ...`: the RA service (CMMP side): its directory, bootstrap users,
 * designated applications' tokens and the service itself (docs/ra-api.md).
 */
#include <getopt.h>
#include <limits.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hsm/tlskey.h"
#include "ra/link.h"
#include "ra/ra.h"
#include "raweb/raweb.h"
#include "ra/ra_worker.h"
#include "store/db.h"
#include "sys/fileio.h"
#include "sys/listen.h"

#ifndef GCERT_SOURCE_DIR
#define GCERT_SOURCE_DIR "."
#endif

#define MAX_CERT_FILE 65536

struct link_opts {
	const char *url, *service_cert, *tls_cert, *repo, *ca_cert;
	bool batch;
};

static gc_result copy_file(const char *from, const char *dir, const char *name)
{
	char path[GC_MAX_PATH];
	unsigned char *data;
	size_t n;
	gc_result rc;

	GC_GUARD(gc_file_read(from, MAX_CERT_FILE, &data, &n));
	rc = gc_path_join(path, sizeof(path), dir, name);
	if (rc == GC_OK)
		rc = gc_file_write(path, data, n, 0640, 1);
	free(data);
	return rc;
}

/* DIR/link.json (docs/ra-link.md): the CA this RA talks to, its pinned certificates and CRLs. */
static gc_result write_link(const char *dir, const char *name, const struct link_opts *o)
{
	char path[GC_MAX_PATH], crl[1024];
	const char *slash;
	json_t *j;
	char *text;
	gc_result rc;

	GC_ENSURE(o->service_cert && o->repo && o->ca_cert && (o->batch || (o->url && o->tls_cert)), GC_E_USAGE,
	          "the CA link needs --ca-service-cert, --ca-repo and --ca-cert, and online also --ca-url and "
	          "--ca-tls-cert");
	slash = o->repo[strlen(o->repo) - 1] == '/' ? "" : "/";
	snprintf(crl, sizeof(crl), "%s%scrl/eCertCA2-17CRL2.crl", o->repo, slash);
	GC_GUARD(copy_file(o->service_cert, dir, "ca-service.pem"));
	GC_GUARD(copy_file(o->ca_cert, dir, "ca-issuing.pem"));
	if (o->tls_cert)
		GC_GUARD(copy_file(o->tls_cert, dir, "ca-tls.pem"));
	j = json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:[s], s:[s]}}", "format", "gcert-ra-link/1", "ra_name", name, "mode",
	              o->batch ? "batch" : "online", "ca", "service_cert", "ca-service.pem", "crl", "urls", crl, "ca_certs",
	              "ca-issuing.pem");
	GC_ENSURE(j != NULL, GC_E_NOMEM, "link.json: out of memory");
	if (o->url)
		json_object_set_new(json_object_get(j, "ca"), "interface_url", json_string(o->url));
	if (o->tls_cert)
		json_object_set_new(json_object_get(j, "ca"), "tls_cert", json_string("ca-tls.pem"));
	text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	GC_ENSURE(text != NULL, GC_E_NOMEM, "link.json: out of memory");
	rc = gc_path_join(path, sizeof(path), dir, "link.json");
	if (rc == GC_OK)
		rc = gc_file_write(path, text, strlen(text), 0640, 1);
	free(text);
	return rc;
}

static bool ra_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return n >= 1 && n <= GC_MAX_PEER_ID;
}

int cmd_ra_init(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},        {"bds", required_argument, NULL, 'b'},
		{"ca-url", required_argument, NULL, 'u'},      {"ca-service-cert", required_argument, NULL, 's'},
		{"ca-tls-cert", required_argument, NULL, 't'}, {"ca-repo", required_argument, NULL, 'r'},
		{"ca-cert", required_argument, NULL, 'c'},     {"batch", no_argument, NULL, 'B'},
		{"postgresql", required_argument, NULL, 'Q'},  {NULL, 0, NULL, 0},
	};
	struct link_opts lo = {0};
	const char *name = NULL, *bds = GCERT_SOURCE_DIR "/data/bds.json", *pg = NULL;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'b': bds = optarg; break;
		case 'u': lo.url = optarg; break;
		case 's': lo.service_cert = optarg; break;
		case 't': lo.tls_cert = optarg; break;
		case 'r': lo.repo = optarg; break;
		case 'c': lo.ca_cert = optarg; break;
		case 'B': lo.batch = true; break;
		case 'Q': pg = optarg; break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[optind]);
	if (ctx->dir == NULL || name == NULL)
		return cli_usage_error(cli_current(), "--dir and --name are required");
	if (!ra_name_ok(name))
		return cli_usage_error(cli_current(), "--name: 1..32 of a-z 0-9 - (the name the CA pins)");
	if (pg != NULL && !gc_db_target_is_pg(pg))
		return cli_usage_error(cli_current(), "--postgresql: not a PostgreSQL connection string "
		                       "(postgresql://USER@HOST:PORT/DB or \"host=... dbname=...\")");
	if ((rc = gc_ra_create(ctx->dir, name, bds, pg, ctx->actor)) != GC_OK)
		return cli_fail(ctx, rc);
	if ((lo.url || lo.service_cert || lo.repo || lo.ca_cert || lo.tls_cert) &&
	    (rc = write_link(ctx->dir, name, &lo)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s}", "status", "ok", "dir", ctx->dir, "service_cert", "ra-service.pem"));
	else
		printf("RA %s created in %s\nits service certificate, for the CA to pin: %s/ra-service.pem\n"
		       "  gcert ca pin --dir CADIR --ra %s --cert %s/ra-service.pem\n",
		       name, ctx->dir, ctx->dir, name, ctx->dir);
	return 0;
}

/* bd_admin,requester -> flag and duty; both duties are refused (CPS §2.1.3 c). */
static bool parse_roles(const char *s, bool *bd_admin, enum gc_ra_duty *duty)
{
	char buf[128], *p, *save = NULL;

	*bd_admin = false;
	*duty = GC_RA_DUTY_NONE;
	if (strlen(s) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", s);
	for (p = strtok_r(buf, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		enum gc_ra_duty d = GC_RA_DUTY_NONE;
		if (strcmp(p, "bd_admin") == 0) {
			*bd_admin = true;
			continue;
		}
		if (strcmp(p, "requester") == 0)
			d = GC_RA_DUTY_REQUESTER;
		else if (strcmp(p, "business_manager") == 0)
			d = GC_RA_DUTY_BM;
		if (d == GC_RA_DUTY_NONE || (*duty != GC_RA_DUTY_NONE && *duty != d))
			return false;
		*duty = d;
	}
	return true;
}

static gc_result read_password(const char *path, char **out)
{
	unsigned char *data;
	size_t n;

	GC_GUARD(gc_file_read(path, GC_MAX_PASSWORD + 2, &data, &n));
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		data[--n] = '\0';
	*out = (char *)data;
	return GC_OK;
}

int cmd_ra_user_add(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"org", required_argument, NULL, 'o'},   {"username", required_argument, NULL, 'u'},
		{"name", required_argument, NULL, 'n'},  {"email", required_argument, NULL, 'e'},
		{"password-file", required_argument, NULL, 'p'}, {"roles", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	const char *org = NULL, *user = NULL, *name = NULL, *email = NULL, *pwfile = NULL, *roles = "bd_admin";
	struct gc_ra *ra = NULL;
	enum gc_ra_duty duty;
	bool bd_admin;
	char *pw = NULL;
	int64_t id = 0;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': org = optarg; break;
		case 'u': user = optarg; break;
		case 'n': name = optarg; break;
		case 'e': email = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'r': roles = optarg; break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[optind]);
	if (ctx->dir == NULL || !org || !user || !name || !email || !pwfile)
		return cli_usage_error(cli_current(), "--dir, --org, --username, --name, --email and --password-file are required");
	if (!parse_roles(roles, &bd_admin, &duty))
		return cli_usage_error(cli_current(), "--roles: bd_admin, requester, business_manager, comma-separated; "
		                       "never both requester and business_manager (CPS §2.1.3 c)");
	if ((rc = read_password(pwfile, &pw)) == GC_OK && (rc = gc_ra_open(ctx->dir, &ra)) == GC_OK)
		rc = gc_ra_user_add(ra, ctx->actor, org, user, name, email, pw, bd_admin, duty, false, &id);
	if (pw != NULL) {
		sodium_memzero(pw, strlen(pw));
		free(pw);
	}
	gc_ra_close(ra);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:I, s:s}", "status", "ok", "id", (json_int_t)id, "username", user));
	else
		printf("user %s (id %lld) added to %s\n", user, (long long)id, org);
	return 0;
}

/* The way back when a B/D's last administrator is locked out or has forgotten the
 * password: run on the RA's host by its operator, audited (§4.5.1). */
int cmd_ra_user_reset_admin(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"username", required_argument, NULL, 'u'}, {"password-file", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	const char *user = NULL, *pwfile = NULL;
	struct gc_ra *ra = NULL;
	char *pw = NULL;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': user = optarg; break;
		case 'p': pwfile = optarg; break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[optind]);
	if (ctx->dir == NULL || !user || !pwfile)
		return cli_usage_error(cli_current(), "--dir, --username and --password-file are required");
	if ((rc = read_password(pwfile, &pw)) == GC_OK && (rc = gc_ra_open(ctx->dir, &ra)) == GC_OK)
		rc = gc_ra_user_recover_admin(ra, ctx->actor, user, pw);
	if (pw != NULL) {
		sodium_memzero(pw, strlen(pw));
		free(pw);
	}
	gc_ra_close(ra);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:b}", "status", "ok", "username", user, "must_change_password", 1));
	else
		printf("user %s is a B/D administrator again, unlocked and enabled; the password is to be changed at "
		       "the next login\n", user);
	return 0;
}

int cmd_ra_app_token(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"name", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	const char *name = NULL;
	struct gc_ra *ra = NULL;
	char token[65];
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'n')
			return cli_usage_error(cli_current(), "unknown option");
		name = optarg;
	}
	if (optind != argc || ctx->dir == NULL || name == NULL)
		return cli_usage_error(cli_current(), "--dir and --name are required");
	if ((rc = gc_ra_open(ctx->dir, &ra)) == GC_OK)
		rc = gc_ra_app_token(ra, ctx->actor, name, token);
	gc_ra_close(ra);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	/* shown once; the RA keeps only its hash */
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s}", "status", "ok", "application", name, "token", token));
	else
		printf("%s\n", token);
	sodium_memzero(token, sizeof(token));
	return 0;
}

static int wait_for_signal(const sigset_t *stop)
{
	int sig = 0;

	while (sigwait(stop, &sig) != 0)
		;
	return sig;
}

/* Where the RA's people point their browsers, and the certificate it must trust. */
static void print_serving(const struct gc_ra *ra, const char *listen, int port, bool tls)
{
	char dir[PATH_MAX];

	printf("RA service at %s://%.*s:%d/ (web UI from %s; Ctrl-C stops it)\n", tls ? "https" : "http",
	       (int)(strrchr(listen, ':') - listen), listen, port, ra->cfg.web_root);
	if (realpath(ra->dir, dir) == NULL)
		snprintf(dir, sizeof(dir), "%s", ra->dir);
	if (tls)
		printf("RA TLS certificate (key in the RA's token; the browser must trust it): %s/" GC_RA_WEB_CERT_FILE "\n",
		       dir);
	else
		printf("RA service over plain HTTP (--insecure-http): loopback development only\n");
	fflush(stdout);
}

int cmd_ra_serve(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
	                                     {"insecure-http", no_argument, NULL, 'i'},
	                                     {NULL, 0, NULL, 0}};
	const char *listen = NULL;
	struct gc_ra *ra = NULL;
	struct gc_ra_http *http = NULL;
	struct gc_hsm_tls *tls = NULL;
	struct gc_tls_creds creds;
	struct gc_ra_worker worker = {0};
	struct sockaddr_storage ss;
	socklen_t sslen;
	bool insecure = false;
	sigset_t stop;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			listen = optarg;
		else if (c == 'i')
			insecure = true;
		else
			return cli_usage_error(cli_current(), "unknown option");
	}
	if (optind != argc || ctx->dir == NULL || listen == NULL)
		return cli_usage_error(cli_current(), "--dir and --listen are required");
	/* passwords and approvals never cross a network in clear: HTTP only on loopback */
	if (insecure && (rc = gc_listen_parse("--listen", listen, &ss, &sslen)) == GC_OK && !gc_listen_is_loopback(&ss))
		rc = gc_fail(GC_E_USAGE, "--insecure-http: only on a loopback address (127.0.0.1 or [::1]), not %.64s; "
		             "the RA serves HTTPS without it", listen);
	else
		rc = GC_OK;
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	cli_block_stop_signals(&stop); /* taken by sigwait alone */
	/* HTTPS: the web TLS key of the RA's token, as GnuTLS objects for the HTTP edge */
	if ((rc = gc_ra_open(ctx->dir, &ra)) == GC_OK && !insecure &&
	    (rc = gc_ra_open_token(ra)) == GC_OK && (rc = gc_ra_link_web_tls(ra->link, &tls)) == GC_OK)
		gc_hsm_tls_creds(tls, &creds);
	if (rc != GC_OK || (rc = gc_ra_http_start(ra, listen, tls != NULL ? &creds : NULL, &http)) != GC_OK ||
	    (rc = gc_ra_worker_start(&worker, ra)) != GC_OK) {
		gc_ra_http_stop(http);
		gc_hsm_tls_free(tls);
		gc_ra_close(ra);
		return cli_fail(ctx, rc);
	}
	print_serving(ra, listen, gc_ra_http_port(http), tls != NULL);
	wait_for_signal(&stop);
	gc_ra_http_stop(http);
	gc_ra_worker_stop(&worker);
	gc_ra_worker_seal(ra, true); /* the last records under a checkpoint too */
	gc_hsm_tls_free(tls); /* before the token closes */
	gc_ra_close(ra);
	return 0;
}

/* `gcert ra tls-cert`: the web TLS certificate (its key is the token's): shown, a CSR for
 * a CA to certify the key, or the operator's certificate installed in place of it. */
int cmd_ra_tls_cert(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"import", required_argument, NULL, 'i'},
	                                     {"csr", no_argument, NULL, 'c'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {NULL, 0, NULL, 0}};
	const char *import = NULL, *out = "-";
	struct gc_ra *ra = NULL;
	char *pem = NULL, sha[65], detail[600];
	bool csr = false, made = false;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'i')
			import = optarg;
		else if (c == 'c')
			csr = true;
		else if (c == 'o')
			out = optarg;
		else
			return cli_usage_error(cli_current(), "unknown option");
	}
	if (optind != argc || ctx->dir == NULL || (import != NULL && csr))
		return cli_usage_error(cli_current(), "--dir is required; --import and --csr exclude each other");
	if ((rc = gc_ra_open(ctx->dir, &ra)) != GC_OK || (rc = gc_ra_open_token(ra)) != GC_OK)
		goto out;
	if (import != NULL) {
		if ((rc = gc_ra_link_web_import(ra->link, import, sha)) != GC_OK) {
			snprintf(detail, sizeof(detail), "web TLS certificate %.200s refused: %.300s", import, gc_err_detail());
			gc_ra_audit_now(ra, ctx->actor, GC_EV_RA_TLS_CERT, GC_RA_WEB_CERT_FILE, false, detail);
			goto out;
		}
		snprintf(detail, sizeof(detail), "web TLS certificate sha256 %s installed from %.200s (certifies the token "
		         "key ra-web-tls); served from the next start of gcert ra serve", sha, import);
		gc_ra_audit_now(ra, ctx->actor, GC_EV_RA_TLS_CERT, GC_RA_WEB_CERT_FILE, true, detail);
		printf("installed %s/" GC_RA_WEB_CERT_FILE " (sha256 %s); restart gcert ra serve to serve it\n", ra->dir,
		       sha);
		goto out;
	}
	if (csr)
		rc = gc_ra_link_web_csr(ra->link, &pem);
	else if ((rc = gc_ra_link_web_cert(ra->link, &pem, &made)) == GC_OK && made)
		gc_ra_audit_now(ra, ctx->actor, GC_EV_RA_TLS_CERT, GC_RA_WEB_CERT_FILE, true,
		                "web TLS key made in the token (ra-web-tls, RSA 2048, sensitive, not extractable) with a "
		                "self-signed certificate");
	if (rc == GC_OK)
		rc = cli_write_out(out, pem, strlen(pem));
out:
	free(pem);
	gc_ra_close(ra);
	return rc == GC_OK ? 0 : cli_fail(ctx, rc);
}
