/*
 * cmd_ra.c - `gcert ra ...`: the RA service (CMMP side): its directory, bootstrap users,
 * designated applications' tokens and the service itself (docs/ra-api.md).
 */
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

#define MAX_CERT_FILE 65536

struct init_values {
	const char *name, *bds, *postgresql;
	struct link_opts {
		const char *url, *service_cert, *tls_cert, *repo, *ca_cert;
		bool batch;
	} link;
};

static const struct cli_option init_options[] = {
	{CLI_OPT("name", "NAME", struct init_values, name, cli_peer_name,
	         "the RA's name at the CA: 1..32 of a-z 0-9 - (gcert ca pin --ra NAME)"), .flags = CLI_REQUIRED},
	{CLI_OPT("ca-url", "URL", struct init_values, link.url, NULL,
	         "the CA's interface, https://HOST:PORT/interface (online mode)")},
	{CLI_OPT("ca-tls-cert", "F", struct init_values, link.tls_cert, NULL,
	         "the interface's TLS certificate (gcert ca service-cert --tls)")},
	{CLI_OPT("ca-service-cert", "F", struct init_values, link.service_cert, NULL,
	         "the CA service certificate, pinned (gcert ca service-cert)")},
	{CLI_OPT("ca-repo", "URL", struct init_values, link.repo, NULL,
	         "the CA repository, http://HOST:PORT/ (CRLs for the use-time check)")},
	{CLI_OPT("ca-cert", "F", struct init_values, link.ca_cert, NULL, "the issuing CA certificate that signs those CRLs")},
	{CLI_OPT("batch", NULL, struct init_values, link.batch, NULL,
	         "send request files through RADIR/outbox and RADIR/inbox instead")},
	{CLI_OPT("bds", "FILE", struct init_values, bds, NULL,
	         "the B/D list (default: data/bds.json as installed with gcert)")},
	{CLI_OPT("postgresql", "URL", struct init_values, postgresql, cli_pg_url,
	         "keep the RA's database in PostgreSQL (an empty database of its own made by\n"
	         "its administrator; password in ~/.pgpass) instead of RADIR/ra.db")},
	CLI_END,
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

static int cmd_ra_init(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct init_values *v = values;
	const struct link_opts *lo = &v->link;
	const char *name = v->name, *bds = v->bds, *pg = v->postgresql;
	char bds_path[GC_MAX_PATH];
	gc_result rc;

	if (bds == NULL && (rc = cli_data_path("data/bds.json", bds_path, sizeof(bds_path))) != GC_OK)
		return cli_fail(ctx, rc);
	if (bds == NULL)
		bds = bds_path;
	if ((rc = gc_ra_create(ctx->dir, name, bds, pg, ctx->actor)) != GC_OK)
		return cli_fail(ctx, rc);
	if ((lo->url || lo->service_cert || lo->repo || lo->ca_cert || lo->tls_cert) &&
	    (rc = write_link(ctx->dir, name, lo)) != GC_OK)
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

struct user_values {
	const char *org, *username, *name, *email, *password_file, *roles;
};

static const struct cli_option user_options[] = {
	{CLI_OPT("org", "CODE", struct user_values, org, NULL, "the B/D's code (data/bds.json, GET /api/orgs)"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("username", "U", struct user_values, username, NULL, "the login name"), .flags = CLI_REQUIRED},
	{CLI_OPT("name", "N", struct user_values, name, NULL, "the person's name"), .flags = CLI_REQUIRED},
	{CLI_OPT("email", "E", struct user_values, email, NULL, "where the RA's mail goes"), .flags = CLI_REQUIRED},
	{CLI_OPT("password-file", "F", struct user_values, password_file, NULL,
	         "a file holding the password (never on the command line)"), .flags = CLI_REQUIRED},
	{CLI_OPT("roles", "R", struct user_values, roles, NULL,
	         "bd_admin, requester, business_manager, comma-separated;\n"
	         "never both requester and business_manager (CPS §2.1.3 c)"), .def = "bd_admin"},
	CLI_END,
};

static int cmd_ra_user_add(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct user_values *v = values;
	const char *org = v->org, *user = v->username, *name = v->name, *email = v->email, *roles = v->roles;
	struct gc_ra *ra = NULL;
	enum gc_ra_duty duty;
	bool bd_admin;
	char *pw = NULL;
	int64_t id = 0;
	gc_result rc;

	if (!parse_roles(roles, &bd_admin, &duty))
		return cli_usage_error(cli_current(), "--roles: bd_admin, requester, business_manager, comma-separated; "
		                       "never both requester and business_manager (CPS §2.1.3 c)");
	if ((rc = read_password(v->password_file, &pw)) == GC_OK && (rc = gc_ra_open(ctx->dir, &ra)) == GC_OK)
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

struct reset_values {
	const char *username, *password_file;
};

static const struct cli_option reset_options[] = {
	{CLI_OPT("username", "U", struct reset_values, username, NULL,
	         "the user to make an unlocked, enabled B/D administrator again"), .flags = CLI_REQUIRED},
	{CLI_OPT("password-file", "F", struct reset_values, password_file, NULL,
	         "a temporary password, to be changed at the next login"), .flags = CLI_REQUIRED},
	CLI_END,
};

/* The way back when a B/D's last administrator is locked out or has forgotten the
 * password: run on the RA's host by its operator, audited (§4.5.1). */
static int cmd_ra_user_reset_admin(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct reset_values *v = values;
	const char *user = v->username;
	struct gc_ra *ra = NULL;
	char *pw = NULL;
	gc_result rc;

	if ((rc = read_password(v->password_file, &pw)) == GC_OK && (rc = gc_ra_open(ctx->dir, &ra)) == GC_OK)
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

struct app_values {
	const char *name;
};

static const struct cli_option app_options[] = {
	{CLI_OPT("name", "APP", struct app_values, name, NULL,
	         "the designated application (only the token's hash is kept)"), .flags = CLI_REQUIRED},
	CLI_END,
};

static int cmd_ra_app_token(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const char *name = ((const struct app_values *)values)->name;
	struct gc_ra *ra = NULL;
	char token[65];
	gc_result rc;

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

struct serve_values {
	const char *listen;
	bool insecure_http;
};

static const struct cli_option serve_options[] = {
	{CLI_OPT("listen", "H:P", struct serve_values, listen, NULL,
	         "numeric address; port 0 picks a free port (the first line printed names it)"), .flags = CLI_REQUIRED},
	{CLI_OPT("insecure-http", NULL, struct serve_values, insecure_http, NULL,
	         "plain HTTP instead of HTTPS, only on a loopback address (development)")},
	CLI_END,
};

/* ra.json's web_root, or else the web UI installed with gcert (or of the source tree). */
static void find_web_root(struct gc_ra *ra)
{
	char path[GC_MAX_PATH];

	if (ra->cfg.web_root[0] != '\0')
		return;
	if (cli_data_path("web/ra", path, sizeof(path)) == GC_OK)
		snprintf(ra->cfg.web_root, sizeof(ra->cfg.web_root), "%s", path);
	else
		fprintf(stderr, "gcert: warning: %s; the API serves without the web UI\n", gc_err_detail());
	gc_err_clear();
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

static int cmd_ra_serve(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const char *listen = ((const struct serve_values *)values)->listen;
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

	insecure = ((const struct serve_values *)values)->insecure_http;
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
	if ((rc = gc_ra_open(ctx->dir, &ra)) == GC_OK) {
		find_web_root(ra);
		if (!insecure && (rc = gc_ra_open_token(ra)) == GC_OK && (rc = gc_ra_link_web_tls(ra->link, &tls)) == GC_OK)
			gc_hsm_tls_creds(tls, &creds);
	}
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

struct tls_values {
	const char *import, *out;
	bool csr;
};

static const struct cli_option tls_options[] = {
	{CLI_OPT("csr", NULL, struct tls_values, csr, NULL, "a PKCS#10 request for the token key, for a CA to certify")},
	{CLI_OPT("import", "FILE", struct tls_values, import, NULL,
	         "install FILE (PEM: the certificate for the token key, then its chain) as\n"
	         "RADIR/web-tls.pem; refused unless it certifies the token key and is valid now;\n"
	         "audited; served from the next start of gcert ra serve")},
	{CLI_OPT("out", "FILE", struct tls_values, out, NULL, "where the certificate or request goes"), .def = "-"},
	CLI_END,
};

/* `gcert ra tls-cert`: the web TLS certificate (its key is the token's): shown, a CSR for
 * a CA to certify the key, or the operator's certificate installed in place of it. */
static int cmd_ra_tls_cert(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct tls_values *v = values;
	const char *import = v->import, *out = v->out;
	struct gc_ra *ra = NULL;
	char *pem = NULL, sha[65], detail[600];
	bool made = false;
	gc_result rc;

	if (import != NULL && v->csr)
		return cli_usage_error(cli_current(), "--import and --csr exclude each other");
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
	if (v->csr)
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

#define RADIR_HELP "the RA directory"

const struct cli_command cli_ra_init = {
	.name = "ra init", .run = cmd_ra_init, .takes = CLI_DIR_REQUIRED | CLI_JSON, .options = init_options,
	.values_size = sizeof(struct init_values), .dir_help = "the new RA directory (absent or empty)",
	.summary = "create an RA (CMMP) directory: its token, service key, database and the B/Ds of CPS App. E",
	.example = "gcert ra init --dir ./demo-ra --name cmmp --ca-url https://127.0.0.1:8443/interface \\\n"
	           "      --ca-tls-cert tls.pem --ca-service-cert ca-service.pem --ca-repo http://127.0.0.1:8080/ \\\n"
	           "      --ca-cert issuing-ca.pem\n"
	           "  gcert ra init --dir ./ra-node --name cmmp --postgresql postgresql://cmmp@db.example:5432/cmmp \\\n"
	           "      --batch --ca-service-cert ca-service.pem --ca-repo http://127.0.0.1:8080/ --ca-cert issuing-ca.pem",
};

const struct cli_command cli_ra_user_add = {
	.name = "ra user add", .run = cmd_ra_user_add, .takes = CLI_DIR_REQUIRED | CLI_JSON, .options = user_options,
	.values_size = sizeof(struct user_values), .dir_help = RADIR_HELP,
	.summary = "add an RA user (a B/D administrator to start with)",
	.example = "gcert ra user add --dir ./demo-ra --org OGCIO --username admin1 --name \"LEE Siu Ming\" \\\n"
	           "      --email admin1@ogcio.example.gov.hk --password-file admin1.pw",
};

const struct cli_command cli_ra_app_token = {
	.name = "ra app-token", .run = cmd_ra_app_token, .takes = CLI_DIR_REQUIRED | CLI_JSON, .options = app_options,
	.values_size = sizeof(struct app_values), .dir_help = RADIR_HELP,
	.summary = "a bearer token for a designated application's use-time check (§2.1.3 n); printed once",
	.example = "gcert ra app-token --dir ./demo-ra --name e-filing",
};

const struct cli_command cli_ra_serve = {
	.name = "ra serve", .run = cmd_ra_serve, .takes = CLI_DIR_REQUIRED, .options = serve_options,
	.values_size = sizeof(struct serve_values), .dir_help = RADIR_HELP,
	.summary = "run the RA service over HTTPS: JSON API (docs/ra-api.md), web UI, mail, retries",
	.notes = "HTTPS with the key ra-web-tls of the RA's token and RADIR/web-tls.pem (gcert ra tls-cert)",
	.example = "gcert ra serve --dir ./demo-ra --listen 127.0.0.1:8090",
};

const struct cli_command cli_ra_user_reset_admin = {
	.name = "ra user reset-admin", .run = cmd_ra_user_reset_admin, .takes = CLI_DIR_REQUIRED | CLI_JSON,
	.options = reset_options, .values_size = sizeof(struct reset_values), .dir_help = RADIR_HELP,
	.summary = "recover a B/D administrator locked out or without a password (on the RA's host; audited)",
	.example = "gcert ra user reset-admin --dir ./demo-ra --username admin1 --password-file admin1.pw",
};

const struct cli_command cli_ra_tls_cert = {
	.name = "ra tls-cert", .run = cmd_ra_tls_cert, .takes = CLI_DIR_REQUIRED, .options = tls_options,
	.values_size = sizeof(struct tls_values), .dir_help = RADIR_HELP,
	.summary = "the RA web server's TLS certificate (its key stays in the RA's token)",
	.notes = "Without --csr or --import: prints RADIR/web-tls.pem (self-signed until replaced), the one browsers trust.",
	.example = "gcert ra tls-cert --dir ./demo-ra --csr --out ra-web.csr\n"
	           "  gcert ra tls-cert --dir ./demo-ra --import ra-web.pem",
};
