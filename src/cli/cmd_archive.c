/*
 * cmd_archive.c - `gcert archive export` and `gcert archive verify` (CPS §4.6 archive,
 * §4.9 records kept after termination). Verification needs only the bundle.
 */
#include <getopt.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/archive.h"
#include "cli/cli.h"
#include "sys/fileio.h"

static json_t *summary_json(const struct gc_archive_summary *s, const char *file)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "status", "ok", "file", file,
	                 "created", s->created, "items", (json_int_t)s->items, "certificates",
	                 (json_int_t)s->certs, "crls", (json_int_t)s->crls, "cps_versions", (json_int_t)s->cps,
	                 "audit_records", (json_int_t)s->records, "checkpoints", (json_int_t)s->checkpoints,
	                 "signer_sha256", s->signer_sha256);
}

int cmd_archive_export(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'}, {"cps-dir", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0},
	};
	struct gc_archive_summary sum;
	const char *out = NULL, *cps = NULL;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'c': cps = optarg; break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (out == NULL || optind != argc)
		return cli_usage_error(cli_current(), "--out FILE is required");
	if ((rc = gc_archive_export(ctx->ca, out, cps, &sum)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(summary_json(&sum, out));
	else
		printf("archive %s: %ld items (%ld certificates, %ld CRLs, %ld CPS versions, audit trail of "
		       "%ld records and %ld checkpoints)\n  manifest signed by the audit key, certificate "
		       "sha256 %s\n", out, sum.items, sum.certs, sum.crls, sum.cps, sum.records,
		       sum.checkpoints, sum.signer_sha256);
	return 0;
}

int cmd_archive_verify(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"cert", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
	struct gc_archive_summary sum;
	const char *cert = NULL;
	X509 *pinned = NULL;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'c')
			return cli_usage_error(cli_current(), "unknown option");
		cert = optarg;
	}
	if (argc - optind != 1)
		return cli_usage_error(cli_current(), "give exactly one bundle FILE");
	if (cert != NULL && (rc = cli_read_cert(cert, &pinned)) != GC_OK)
		return cli_fail(ctx, rc);
	rc = gc_archive_verify(argv[optind], pinned, &sum);
	X509_free(pinned);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json) {
		json_t *o = summary_json(&sum, argv[optind]);
		json_object_set_new(o, "signer_pinned", json_boolean(cert != NULL));
		cli_print_json(o);
	} else {
		printf("archive %s verified: %ld items, every SHA-256 matches the signed manifest; audit trail "
		       "of %ld records with %ld checkpoints verifies\n  signed by audit key certificate sha256 %s%s\n",
		       argv[optind], sum.items, sum.records, sum.checkpoints, sum.signer_sha256,
		       cert ? " (the given certificate)" : "\n  (the signer's certificate came from the bundle: "
		                                           "compare its fingerprint, or pass --cert)");
	}
	return 0;
}
