/*
 * cmd_iface.c - the system interface from the CA operator's side: the CA service
 * certificate to give the RA, pinning the RA's certificate, and processing request files
 * (one at a time, or the batch-mode spool).
 */
#include <jansson.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iface/iface.h"
#include "cli/cli.h"
#include "sys/fileio.h"
#include "x509/cms.h"
#include "x509/der.h"

static struct gc_iface_limits limits_of(const struct gc_ca *ca)
{
	return (struct gc_iface_limits){(size_t)ca->cfg.iface_max_file, (size_t)ca->cfg.iface_max_requests};
}

struct service_cert_values {
	const char *out;
	bool tls;
};

static const struct cli_option service_cert_options[] = {
	{CLI_OPT("out", "F", struct service_cert_values, out, NULL, "write the PEM to F (never overwrites)"),
	 .def = "-"},
	{CLI_OPT("tls", NULL, struct service_cert_values, tls, NULL,
	         "the interface endpoint's TLS certificate instead (for the RA's client)")},
	CLI_END,
};

static int cmd_service_cert(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct service_cert_values *v = values;
	const char *out = v->out;
	struct gc_hsm_key *key;
	bool tls = v->tls;
	X509 *cert;
	char *pem;
	gc_result rc;

	if (tls) {
		if ((rc = gc_service_tls(ctx->ca, &pem)) != GC_OK)
			return cli_fail(ctx, rc);
	} else if ((rc = gc_service_identity(ctx->ca, &cert, &key)) != GC_OK) {
		return cli_fail(ctx, rc);
	} else if ((pem = gc_x509_pem(cert)) == NULL) {
		return cli_fail(ctx, gc_fail(GC_E_NOMEM, "out of memory"));
	}
	rc = cli_write_out(out, pem, strlen(pem));
	free(pem);
	return rc == GC_OK ? 0 : cli_fail(ctx, rc);
}

struct pin_values {
	const char *ra, *cert;
};

static const struct cli_option pin_options[] = {
	{CLI_OPT("ra", "NAME", struct pin_values, ra, NULL, "the RA's name: 1..32 of a-z 0-9 - (never reused)"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("cert", "F", struct pin_values, cert, NULL, "its service certificate, PEM or DER"),
	 .flags = CLI_REQUIRED},
	CLI_END,
};

static int cmd_pin(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct pin_values *v = values;
	const char *ra = v->ra, *path = v->cert;
	X509 *cert;
	gc_result rc;

	if ((rc = cli_read_cert(path, &cert)) == GC_OK) {
		rc = gc_peer_pin(ctx->ca, ra, cert);
		X509_free(cert);
	}
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	printf("pinned RA \"%s\"\n", ra);
	return 0;
}

static int cmd_unpin(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const char *ra = ((const struct pin_values *)values)->ra;
	gc_result rc;

	if ((rc = gc_peer_unpin(ctx->ca, ra)) != GC_OK)
		return cli_fail(ctx, rc);
	printf("unpinned RA \"%s\"\n", ra);
	return 0;
}

struct process_values {
	const char *in, *out;
};

static const struct cli_option process_options[] = {
	{CLI_OPT("in", "F", struct process_values, in, NULL, "CMS SignedData (DER) from the RA (docs/interface.md)"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("out", "F", struct process_values, out, NULL, "the result file, signed by the CA service key"),
	 .flags = CLI_REQUIRED},
	CLI_END,
};

static int cmd_iface_process(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct process_values *v = values;
	const char *in = v->in, *out = v->out;
	struct gc_iface_limits lim = limits_of(ctx->ca);
	struct gc_iface_outcome o;
	unsigned char *der = NULL;
	size_t len = 0;
	gc_result rc;
	int c;

	if (strcmp(out, "-") != 0 && gc_path_exists(out))
		return cli_fail(ctx, gc_fail(GC_E_IO, "%s: already exists; refusing to overwrite", out));
	rc = gc_file_read(in, lim.max_file, &der, &len);
	if (rc == GC_E_TOO_LARGE)
		rc = gc_iface_process(ctx->ca, NULL, lim.max_file + 1, &lim, &o);
	else if (rc == GC_OK)
		rc = gc_iface_process(ctx->ca, der, len, &lim, &o);
	free(der);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	rc = cli_write_out(out, o.result, o.resultsz);
	if (rc == GC_OK && ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:i, s:i, s:i}", "file", gc_code_name(o.file_code), "ra",
		                         o.ra, "batch_id", o.batch_id, "accepted", (int)o.accepted, "rejected",
		                         (int)o.rejected, "replayed", (int)o.replayed));
	else if (rc == GC_OK && strcmp(out, "-") != 0)
		printf("%s: %s; %zu accepted, %zu rejected, %zu replayed; result in %s\n",
		       o.batch_id[0] ? o.batch_id : in, o.file_code == GC_OK ? "processed" : o.detail,
		       o.accepted, o.rejected, o.replayed, out);
	c = o.file_code == GC_OK ? 0 : gc_category_exit(gc_code_category(o.file_code));
	gc_iface_outcome_clear(&o);
	return rc == GC_OK ? c : cli_fail(ctx, rc);
}

static volatile sig_atomic_t stopping;


static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct spool_values {
	const char *inbox, *outbox;
	bool once;
	long interval;
};

static const struct cli_option spool_options[] = {
	{CLI_OPT("inbox", "D", struct spool_values, inbox, NULL, "where the RA renames complete files to NAME.req"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("outbox", "D", struct spool_values, outbox, NULL, "where NAME.res appears, atomically"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("once", NULL, struct spool_values, once, NULL, "one pass, then exit")},
	{CLI_OPT("interval", "S", struct spool_values, interval, cli_long, "seconds between passes"), .min = 1,
	 .max = 3600, .def = "5"},
	CLI_END,
};

static int cmd_iface_spool(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct spool_values *v = values;
	const char *inbox = v->inbox, *outbox = v->outbox;
	struct gc_iface_limits lim = limits_of(ctx->ca);
	struct gc_spool_stats st;
	bool once = v->once;
	long interval = v->interval;
	gc_result rc;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	do {
		if ((rc = gc_spool_run_once(ctx->ca, inbox, outbox, &lim, &st)) != GC_OK)
			return cli_fail(ctx, rc);
		if (st.files > 0 || once)
			printf("%zu file(s), %zu rejected whole; requests: %zu accepted, %zu rejected, %zu replayed\n",
			       st.files, st.rejected_files, st.requests_accepted, st.requests_rejected,
			       st.requests_replayed);
		fflush(stdout);
		/* a long-running spool seals the audit trail and sends alerts after each pass
		 * that did something, not only when it stops (CPS §4.5.4, §4.5.7) */
		if (st.files > 0 && !once)
			cli_after_command(ctx);
		for (long i = 0; !once && !stopping && i < interval; i++)
			sleep(1);
	} while (!once && !stopping);
	return 0;
}

struct listen_values {
	const char *listen;
};

static const struct cli_option serve_options[] = {
	{CLI_OPT("listen", "A:P", struct listen_values, listen, NULL,
	         "e.g. 127.0.0.1:8443 ([::1]:8443 for IPv6; port 0 picks one)"), .flags = CLI_REQUIRED},
	CLI_END,
};

static int cmd_iface_serve(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const char *listen = ((const struct listen_values *)values)->listen;
	struct gc_iface_http *h = NULL;
	gc_result rc;

	if ((rc = gc_iface_http_new(ctx->ca, listen, &h)) != GC_OK || (rc = gc_iface_http_start(h)) != GC_OK ||
	    (!gc_iface_http_served(h) &&
	     (rc = gc_fail(GC_E_CA_STATE, "the interface's TLS key is in the token: under M-of-N activation "
	                   "run the endpoint inside `gcert ca serve --interface-listen`, which serves it once "
	                   "activated")) != GC_OK)) {
		gc_iface_http_free(h);
		return cli_fail(ctx, rc);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("interface: https://%s:%d/interface (mutual TLS; pinned RAs only)\n",
	       strncmp(listen, "[", 1) == 0 ? "[::1]" : "127.0.0.1", gc_iface_http_port(h));
	fflush(stdout);
	while (!stopping)
		pause();
	gc_iface_http_free(h);
	return 0;
}

/*
 * `gcert interface open-result`: the RA's side of the trust (SPEC §3): a result file is
 * accepted only when it verifies with the pinned CA service certificate. Needs no CA
 * directory; what an integrator runs before believing a result.
 */
struct open_result_values {
	const char *pin, *in, *out;
};

static const struct cli_option open_result_options[] = {
	{CLI_OPT("pin", "F", struct open_result_values, pin, NULL,
	         "the CA service certificate the RA pinned (gcert ca service-cert)"), .flags = CLI_REQUIRED},
	{CLI_OPT("in", "F", struct open_result_values, in, NULL, "a result file from the CA (CMS SignedData, DER)"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("out", "F", struct open_result_values, out, NULL,
	         "where the verified JSON goes (stdout: -; never overwrites)"), .def = "-"},
	CLI_END,
};

static int cmd_iface_open_result(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct open_result_values *v = values;
	const char *pin = v->pin, *in = v->in, *out = v->out;
	STACK_OF(X509) *pins = NULL;
	unsigned char *der = NULL, *content = NULL;
	size_t len = 0, clen = 0;
	X509 *cert = NULL;
	gc_result rc;

	if ((rc = cli_read_cert(pin, &cert)) == GC_OK && (pins = sk_X509_new_null()) != NULL &&
	    sk_X509_push(pins, cert) > 0) {
		cert = NULL;
		if ((rc = gc_file_read(in, GC_IFACE_DEFAULT_MAX_FILE * 2u, &der, &len)) == GC_OK &&
		    (rc = gc_cms_verify(der, len, GC_IFACE_DEFAULT_MAX_FILE * 2u, pins, (int64_t)time(NULL),
		                        &content, &clen, NULL)) == GC_OK)
			rc = cli_write_out(out, content, clen);
	} else if (rc == GC_OK) {
		rc = gc_fail(GC_E_NOMEM, "out of memory");
	}
	X509_free(cert);
	sk_X509_pop_free(pins, X509_free);
	free(der);
	free(content);
	return rc == GC_OK ? 0 : cli_fail(ctx, rc);
}

const struct cli_command cli_service_cert = {
	.name = "ca service-cert", .run = cmd_service_cert, .needs = GC_NEED_DB | GC_NEED_TOKEN, .options = service_cert_options,
	.values_size = sizeof(struct service_cert_values),
	.summary = "the CA service certificate, for the RA to pin (made on first use)",
	.example = "gcert ca service-cert --dir ./demo-ca --out ca-service.pem",
};

const struct cli_command cli_pin = {
	.name = "ca pin", .run = cmd_pin, .needs = GC_NEED_DB, .options = pin_options,
	.values_size = sizeof(struct pin_values),
	.summary = "pin an RA's service certificate (trust for interface files)",
	.example = "gcert ca pin --dir ./demo-ca --ra cmmp --cert cmmp-service.pem",
};

static const struct cli_option unpin_options[] = {
	{CLI_OPT("ra", "NAME", struct pin_values, ra, NULL, "the RA's name"), .flags = CLI_REQUIRED},
	CLI_END,
};

const struct cli_command cli_unpin = {
	.name = "ca unpin", .run = cmd_unpin, .needs = GC_NEED_DB, .options = unpin_options,
	.values_size = sizeof(struct pin_values), .summary = "stop trusting an RA's certificate",
	.example = "gcert ca unpin --dir ./demo-ca --ra cmmp",
};

const struct cli_command cli_iface_process = {
	.name = "interface process", .run = cmd_iface_process, .needs = GC_NEED_DB | GC_NEED_TOKEN, .takes = CLI_JSON,
	.options = process_options, .values_size = sizeof(struct process_values),
	.summary = "process one request file from a pinned RA into a signed result file",
	.example = "gcert interface process --dir ./demo-ca --in batch-0001.req --out batch-0001.res",
};

const struct cli_command cli_iface_spool = {
	.name = "interface spool", .run = cmd_iface_spool, .needs = GC_NEED_DB | GC_NEED_TOKEN,
	.options = spool_options, .values_size = sizeof(struct spool_values),
	.summary = "batch mode: process *.req files from an inbox into *.res files in an outbox",
	.example = "gcert interface spool --dir ./demo-ca --inbox /srv/cmmp/in --outbox /srv/cmmp/out",
};

const struct cli_command cli_iface_open_result = {
	.name = "interface open-result", .run = cmd_iface_open_result, .options = open_result_options,
	.values_size = sizeof(struct open_result_values),
	.summary = "the RA's check of a result file: verify it with the pinned CA service certificate",
	.example = "gcert interface open-result --pin ca-service.pem --in batch-0001.res --out results.json",
};

const struct cli_command cli_iface_serve = {
	.name = "interface serve", .run = cmd_iface_serve, .needs = GC_NEED_DB | GC_NEED_TOKEN,
	.options = serve_options, .values_size = sizeof(struct listen_values),
	.summary = "online mode: accept request files by HTTPS POST with mutual TLS (pinned RAs only)",
	.example = "gcert interface serve --dir ./demo-ca --listen 127.0.0.1:8443",
};
