/*
 * cmd_iface.c - the system interface from the CA operator's side: the CA service
 * certificate to give the RA, pinning the RA's certificate, and processing request files
 * (one at a time, or the batch-mode spool).
 */
#include <getopt.h>
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

static struct gc_iface_limits limits_of(const struct gc_ca *ca)
{
	return (struct gc_iface_limits){(size_t)ca->cfg.iface_max_file, (size_t)ca->cfg.iface_max_requests};
}

static char *pem_of(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (b != NULL && PEM_write_bio_X509(b, x) == 1) {
		n = BIO_get_mem_data(b, &data);
		out = strndup(data, (size_t)n);
	}
	BIO_free(b);
	return out;
}

int cmd_service_cert(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'}, {"tls", no_argument, NULL, 't'}, {NULL, 0, NULL, 0},
	};
	const char *out = "-";
	struct gc_hsm_key *key;
	bool tls = false;
	X509 *cert;
	char *pem, *key_pem = NULL;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't')
			tls = true;
		else if (c == 'o')
			out = optarg;
		else
			return cli_usage_error(cli_current(), "unknown option");
	}
	if (optind != argc)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[optind]);
	if (tls) {
		if ((rc = gc_service_tls(ctx->ca, &pem, &key_pem)) != GC_OK)
			return cli_fail(ctx, rc);
		OPENSSL_cleanse(key_pem, strlen(key_pem));
		free(key_pem);
	} else if ((rc = gc_service_identity(ctx->ca, &cert, &key)) != GC_OK) {
		return cli_fail(ctx, rc);
	} else if ((pem = pem_of(cert)) == NULL) {
		return cli_fail(ctx, gc_fail(GC_E_NOMEM, "out of memory"));
	}
	rc = cli_write_out(out, pem, strlen(pem));
	free(pem);
	return rc == GC_OK ? 0 : cli_fail(ctx, rc);
}

static gc_result read_cert(const char *path, X509 **out)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	const unsigned char *p;
	BIO *b;
	gc_result rc;

	GC_GUARD(gc_file_read(path, 65536, &buf, &len));
	b = BIO_new_mem_buf(buf, (int)len);
	*out = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	if (*out == NULL) {
		p = buf;
		*out = d2i_X509(NULL, &p, (long)len);
	}
	BIO_free(b);
	free(buf);
	rc = *out != NULL ? GC_OK : gc_fail_ssl(GC_E_BAD_ENCODING, "%s: not a certificate (PEM or DER)", path);
	return rc;
}

int cmd_pin(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"ra", required_argument, NULL, 'r'}, {"cert", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0},
	};
	const char *ra = NULL, *path = NULL;
	X509 *cert;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': ra = optarg; break;
		case 'c': path = optarg; break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (ra == NULL || path == NULL || optind != argc)
		return cli_usage_error(cli_current(), "--ra and --cert are required");
	if ((rc = read_cert(path, &cert)) == GC_OK) {
		rc = gc_peer_pin(ctx->ca, ra, cert);
		X509_free(cert);
	}
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	printf("pinned RA \"%s\"\n", ra);
	return 0;
}

int cmd_unpin(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"ra", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	const char *ra = NULL;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'r')
			return cli_usage_error(cli_current(), "unknown option");
		ra = optarg;
	}
	if (ra == NULL || optind != argc)
		return cli_usage_error(cli_current(), "--ra is required");
	if ((rc = gc_peer_unpin(ctx->ca, ra)) != GC_OK)
		return cli_fail(ctx, rc);
	printf("unpinned RA \"%s\"\n", ra);
	return 0;
}

int cmd_iface_process(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"in", required_argument, NULL, 'i'}, {"out", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0},
	};
	const char *in = NULL, *out = NULL;
	struct gc_iface_limits lim = limits_of(ctx->ca);
	struct gc_iface_outcome o;
	unsigned char *der = NULL;
	size_t len = 0;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (in == NULL || out == NULL || optind != argc)
		return cli_usage_error(cli_current(), "--in and --out are required");
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

int cmd_iface_spool(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"inbox", required_argument, NULL, 'i'}, {"outbox", required_argument, NULL, 'o'},
		{"once", no_argument, NULL, '1'}, {"interval", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	const char *inbox = NULL, *outbox = NULL;
	struct gc_iface_limits lim = limits_of(ctx->ca);
	struct gc_spool_stats st;
	bool once = false;
	long interval = 5;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': inbox = optarg; break;
		case 'o': outbox = optarg; break;
		case '1': once = true; break;
		case 't':
			if (!cli_parse_long(optarg, 1, 3600, &interval))
				return cli_usage_error(cli_current(), "--interval: 1..3600 seconds");
			break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (inbox == NULL || outbox == NULL || optind != argc)
		return cli_usage_error(cli_current(), "--inbox and --outbox are required");
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

int cmd_iface_serve(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};
	const char *listen = NULL;
	struct gc_iface_http *h = NULL;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'l')
			return cli_usage_error(cli_current(), "unknown option");
		listen = optarg;
	}
	if (listen == NULL || optind != argc)
		return cli_usage_error(cli_current(), "--listen is required");
	if ((rc = gc_iface_http_new(ctx->ca, listen, &h)) != GC_OK || (rc = gc_iface_http_start(h)) != GC_OK) {
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
int cmd_iface_open_result(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"pin", required_argument, NULL, 'p'}, {"in", required_argument, NULL, 'i'},
		{"out", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0},
	};
	const char *pin = NULL, *in = NULL, *out = "-";
	STACK_OF(X509) *pins = NULL;
	unsigned char *der = NULL, *content = NULL;
	size_t len = 0, clen = 0;
	X509 *cert = NULL;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pin = optarg; break;
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (pin == NULL || in == NULL || optind != argc)
		return cli_usage_error(cli_current(), "--pin and --in are required");
	if ((rc = read_cert(pin, &cert)) == GC_OK && (pins = sk_X509_new_null()) != NULL &&
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
